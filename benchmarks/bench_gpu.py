"""Time corr2d's GPU path against its GPU peers on the same inputs, in one run.

Peers (each when installed): cupyx.scipy.signal.correlate2d (the drop-in's
GPU twin), cupyx.scipy.ndimage.correlate, and PyTorch's conv2d (cuDNN).
Images of 4096x4096 and 16384x16384 float32, kernels 3x3 to 31x31, mode
'same' with a zero fill. Times are the mean of several launches between two
CUDA events, after a warm-up call (which also compiles the kernels); results
are cross-checked before they are timed. Ratios are peer time / corr2d time
(above 1: corr2d is faster). For the 3x3 float32 case the achieved memory
bandwidth (one read and one write of the image) is printed as a fraction of
the card's peak, 2 * memoryClockRate * memoryBusWidth / 8.

Then the deep-learning API on ResNet-style layers (N, C_in, H, W, C_out, k,
stride, pad), float32: corr2d.conv2d and its two gradients
(conv2d_input, conv2d_weight) against torch's conv2d and torch.nn.grad
(cuDNN, TF32 off, cudnn.benchmark on), with the achieved TFLOP/s
(2 * N * C_out * H_out * W_out * C_in * k * k per call).

    python benchmarks/bench_gpu.py               # both tables
    python benchmarks/bench_gpu.py --quick       # 4096x4096, 3x3 and 7x7; two layers
    python benchmarks/bench_gpu.py --only conv   # the ResNet layers only

Without CuPy or without a CUDA device it prints why and exits with code 0.
"""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np

SKIP_MESSAGE = "bench_gpu: nothing to time:"


def gpu_or_none():
    """(cupy, None) when a CUDA device is usable, else (None, reason)."""
    try:
        import cupy
    except ImportError:
        return None, "CuPy is not installed (pip install 'corr2d[cuda12]' or 'corr2d[cuda13]')"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # no driver, no device
        return None, f"no CUDA device ({type(exc).__name__}: {exc})"
    if count == 0:
        return None, "no CUDA device"
    return cupy, None


def peak_bandwidth(cupy):
    """Bytes per second from the device attributes, or None."""
    device = cupy.cuda.Device()
    attributes = device.attributes
    clock_khz = attributes.get("MemoryClockRate")
    bus_bits = attributes.get("GlobalMemoryBusWidth")
    if not clock_khz or not bus_bits:
        props = cupy.cuda.runtime.getDeviceProperties(device.id)
        clock_khz, bus_bits = props.get("memoryClockRate"), props.get("memoryBusWidth")
    if not clock_khz or not bus_bits:
        return None
    return 2.0 * clock_khz * 1e3 * bus_bits / 8  # double data rate


def time_ms(cupy, func, budget_s=1.0, max_repeats=20):
    """Mean time of one call (ms) between CUDA events, after a warm-up call."""
    func()
    cupy.cuda.Device().synchronize()
    start, end = cupy.cuda.Event(), cupy.cuda.Event()
    start.record()
    func()
    end.record()
    end.synchronize()
    first = cupy.cuda.get_elapsed_time(start, end)
    repeats = int(min(max_repeats, max(1, budget_s * 1e3 / max(first, 1e-3))))
    cupy.cuda.Device().synchronize()
    start.record()
    for _ in range(repeats):
        func()
    end.record()
    end.synchronize()
    return cupy.cuda.get_elapsed_time(start, end) / repeats


def peers_for(cupy, x, k, out):
    """name -> zero-argument callable computing correlate2d(x, k, 'same')."""
    import corr2d

    tools = {
        "corr2d(out=)": lambda: corr2d.correlate2d(x, k, "same", out=out),
        "corr2d": lambda: corr2d.correlate2d(x, k, "same"),
    }
    try:
        import cupyx.scipy.signal as cusignal

        tools["cupyx.signal.correlate2d"] = lambda: cusignal.correlate2d(x, k, "same")
    except ImportError:
        pass
    try:
        import cupyx.scipy.ndimage as cundimage

        kh, kw = k.shape
        # ndimage centres at k//2, correlate2d at (k-1)//2: equal for odd kernels.
        if kh % 2 and kw % 2:
            tools["cupyx.ndimage.correlate"] = lambda: cundimage.correlate(x, k, mode="constant")
    except ImportError:
        pass
    try:
        import torch

        if torch.cuda.is_available() and k.shape[0] % 2 and k.shape[1] % 2:
            torch.backends.cudnn.benchmark = True
            tx = torch.as_tensor(x, device="cuda")[None, None]
            tk = torch.as_tensor(k, device="cuda")[None, None]
            pad = (k.shape[0] // 2, k.shape[1] // 2)
            conv = torch.nn.functional.conv2d
            tools["torch.conv2d (cuDNN)"] = lambda: conv(tx, tk, padding=pad)
    except ImportError:
        pass
    return tools


def to_cupy(cupy, result):
    if type(result).__module__.startswith("torch"):
        return cupy.asarray(result[0, 0])
    return result


#: (N, C_in, H, W, C_out, k, stride, pad) of ResNet-style layers.
RESNET_LAYERS = [
    (8, 3, 224, 224, 64, 7, 2, 3),
    (32, 64, 56, 56, 64, 3, 1, 1),
    (32, 128, 28, 28, 128, 3, 1, 1),
    (32, 256, 14, 14, 256, 3, 1, 1),
    (32, 64, 56, 56, 256, 1, 1, 0),
]


def conv_tools(cupy, layer, rng):
    """op -> {tool -> zero-argument callable}, and the multiply-adds of one call."""
    import corr2d

    n, c_in, h, w, c_out, k, stride, pad = layer
    x = cupy.asarray(rng.standard_normal((n, c_in, h, w), dtype=np.float32))
    wt = cupy.asarray(rng.standard_normal((c_out, c_in, k, k), dtype=np.float32))
    y = corr2d.conv2d(x, wt, stride=stride, padding=pad)
    gy = cupy.asarray(rng.standard_normal(y.shape, dtype=np.float32))
    geometry = dict(stride=stride, padding=pad)
    tools = {
        "conv2d": {"corr2d": lambda: corr2d.conv2d(x, wt, **geometry)},
        "conv2d_input": {"corr2d": lambda: corr2d.conv2d_input(x.shape, wt, gy, **geometry)},
        "conv2d_weight": {"corr2d": lambda: corr2d.conv2d_weight(x, wt.shape, gy, **geometry)},
    }
    try:
        import torch

        if torch.cuda.is_available():
            torch.backends.cudnn.benchmark = True
            torch.backends.cudnn.allow_tf32 = False
            torch.backends.cuda.matmul.allow_tf32 = False
            tx, tw, tgy = (torch.as_tensor(a, device="cuda") for a in (x, wt, gy))
            grad = torch.nn.grad
            tools["conv2d"]["torch (cuDNN)"] = lambda: torch.nn.functional.conv2d(tx, tw, **geometry)
            tools["conv2d_input"]["torch (cuDNN)"] = lambda: grad.conv2d_input(
                tuple(x.shape), tw, tgy, **geometry)
            tools["conv2d_weight"]["torch (cuDNN)"] = lambda: grad.conv2d_weight(
                tx, tuple(wt.shape), tgy, **geometry)
    except ImportError:
        pass
    macs = n * c_out * y.shape[2] * y.shape[3] * c_in * k * k
    return tools, macs


def bench_conv(cupy, quick: bool) -> None:
    rng = np.random.default_rng(0)
    layers = RESNET_LAYERS[:2] if quick else RESNET_LAYERS
    header = f"{'layer (N,Cin,H,W,Cout,k,s,p)':<32} {'op':<14} {'tool':<14} {'ms':>9} {'TFLOP/s':>8} {'ratio':>6}"
    print()
    print(header)
    print("-" * len(header))
    for layer in layers:
        tools, macs = conv_tools(cupy, layer, rng)
        for op, by_tool in tools.items():
            reference = by_tool["corr2d"]()
            for tool, func in list(by_tool.items()):
                got = cupy.asarray(func())
                err = float(cupy.abs(got - reference).max())
                if err > 1e-3 * max(float(cupy.abs(reference).max()), 1.0):
                    print(f"  {op} {tool}: results differ from corr2d by {err:.3g}; not timed")
                    by_tool[tool] = None
            del reference
            times = {tool: time_ms(cupy, func) for tool, func in by_tool.items() if func is not None}
            base = times["corr2d"]
            for tool, ms in times.items():
                print(f"{str(layer):<32} {op:<14} {tool:<14} {ms:>9.3f} "
                      f"{2 * macs / (ms * 1e-3) / 1e12:>8.2f} {ms / base:>6.2f}")
        cupy.get_default_memory_pool().free_all_blocks()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="4096x4096, 3x3 and 7x7 only; the first two ResNet layers")
    parser.add_argument("--only", choices=["correlate", "conv"],
                        help="time only correlate2d or only the ResNet conv layers")
    args = parser.parse_args(argv)
    cupy, reason = gpu_or_none()
    if cupy is None:
        print(f"{SKIP_MESSAGE} {reason}")
        return 0
    import corr2d

    props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
    name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
    peak = peak_bandwidth(cupy)
    print(f"device: {name}; peak memory bandwidth: "
          f"{peak / 1e9:.0f} GB/s" if peak else f"device: {name}; peak bandwidth unknown")
    print(f"corr2d {corr2d.__version__}, CuPy {cupy.__version__}")
    if args.only != "conv":
        bench_correlate(cupy, args.quick, peak)
    if args.only != "correlate":
        bench_conv(cupy, args.quick)
    return 0


def bench_correlate(cupy, quick: bool, peak) -> None:
    sizes = [4096] if quick else [4096, 16384]
    ksizes = [3, 7] if quick else [3, 5, 7, 11, 15, 31]
    rng = np.random.default_rng(0)
    header = f"{'image':>11} {'kernel':>7} {'tool':<26} {'ms':>9} {'ratio':>7}"
    print(header)
    print("-" * len(header))
    for n in sizes:
        x = cupy.asarray(rng.standard_normal((n, n), dtype=np.float32))
        out = cupy.empty_like(x)
        for ks in ksizes:
            k = cupy.asarray(rng.standard_normal((ks, ks), dtype=np.float32))
            tools = peers_for(cupy, x, k, out)
            reference = tools["corr2d"]()
            for tool, func in tools.items():
                got = to_cupy(cupy, func())
                scale = float(cupy.abs(reference).max())
                err = float(cupy.abs(got - reference).max())
                if err > 1e-4 * ks * ks * max(scale, 1.0):
                    print(f"  {tool}: results differ from corr2d by {err:.3g}; not timed")
                    tools[tool] = None
            times = {tool: time_ms(cupy, func) for tool, func in tools.items() if func is not None}
            base = times["corr2d(out=)"]
            for tool, ms in times.items():
                print(f"{n:>5}x{n:<5} {ks:>3}x{ks:<3} {tool:<26} {ms:>9.3f} {ms / base:>7.2f}")
            if ks == 3 and peak:
                achieved = 2 * x.nbytes / (base * 1e-3)
                print(f"{'':>19} 3x3 float32 corr2d(out=): {achieved / 1e9:.0f} GB/s = "
                      f"{achieved / peak:.0%} of peak")
            del reference
            cupy.get_default_memory_pool().free_all_blocks()
            time.sleep(0.05)


if __name__ == "__main__":
    sys.exit(main())
