"""Start one long call, be interrupted by SIGINT, then prove the process is
healthy: a second call gives SciPy's answer.

Prints 'ready <time>' just before the call, and on KeyboardInterrupt
'interrupted <time.time()>' and exits with status 3 once the health check
passes. Usage: python -m process_support.interrupted CALL
"""
import sys
import time

import numpy as np
import scipy.signal

import corr2d
from process_support.calls import long_calls


def main(name: str) -> None:
    call = long_calls()[name]()  # inputs built before the clock starts
    print("ready", time.time(), flush=True)
    try:
        call()
    except KeyboardInterrupt:
        print("interrupted", time.time(), flush=True)
        image, kernel = np.random.rand(300, 200), np.random.rand(7, 5)
        np.testing.assert_allclose(corr2d.correlate2d(image, kernel, "same", "symm"),
                                   scipy.signal.correlate2d(image, kernel, "same", "symm"),
                                   rtol=1e-12, atol=1e-12)
        sys.exit(3)
    print("finished", time.time(), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
