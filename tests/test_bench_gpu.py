"""benchmarks/bench_gpu.py exits cleanly, saying why, where it cannot time."""
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_gpu.py"


def _has_gpu():
    if importlib.util.find_spec("cupy") is None:
        return False
    import cupy

    try:
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


@pytest.mark.skipif(_has_gpu(), reason="a CUDA device is present: the benchmark would run")
def test_exits_cleanly_without_gpu():
    done = subprocess.run([sys.executable, str(BENCH), "--quick"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("bench_gpu: nothing to time: ")
    assert "CuPy is not installed" in done.stdout or "no CUDA device" in done.stdout
    assert done.stderr == ""
