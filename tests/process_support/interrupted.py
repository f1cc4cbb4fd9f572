"""Start one long call, be interrupted by SIGINT, then prove the process is
healthy: a second call gives SciPy's answer.

Prints 'ready <time>' just before the call, and on KeyboardInterrupt
'interrupted <time.time()>' and 'threads ok' when no thread was left in a
false state (a thread still listed but reported as not alive, or a corr2d
helper that the exit would not wait for), and exits with status 3 once the
health check passes. Usage: python -m process_support.interrupted CALL
"""
import sys
import threading
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
        # A helper left running must be one the exit waits for: the exit
        # otherwise unloads the libraries it is inside (a segfault).
        false_state = [t.name.replace(" ", "_") for t in threading.enumerate()
                       if not t.is_alive() or (t.daemon and t.name.startswith("corr2d"))]
        print("threads", ",".join(false_state) or "ok", flush=True)
        image, kernel = np.random.rand(300, 200), np.random.rand(7, 5)
        np.testing.assert_allclose(corr2d.correlate2d(image, kernel, "same", "symm"),
                                   scipy.signal.correlate2d(image, kernel, "same", "symm"),
                                   rtol=1e-12, atol=1e-12)
        sys.exit(3)
    print("finished", time.time(), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
