"""corr2d on a Dask LocalCluster against dask-image, the I/O floor and corr2d in memory.

A float32 image in a zarr store on disk is filtered by a LocalCluster of two
single-threaded worker processes (memory limit 3 GiB each) and the result is
written to another zarr store (``--codec``: zarr's default zstd, or
uncompressed, where the floor is mostly file I/O rather than codec work).
For each kernel (3x3, 31x31, a Gaussian of sigma 8) it times, in one
process and one after another:

- ``corr2d`` (``--repeat`` runs, interleaved with the floor's; medians):
  ``corr2d.correlate2d(image, k, 'same', 'symm')`` (the Gaussian:
  ``corr2d.filters.gaussian(image, 8)``) from zarr to zarr;
- ``floor``: the same graph reading and writing the same stores, no computation;
- ``dask-image``: ``dask_image.ndfilters.correlate`` / ``gaussian_filter`` on
  the same cluster and chunks, on a crop (``--peer-size``) when the full image
  would take too long, compared per pixel;
- ``in memory``: corr2d on the whole image in this process (2 threads).

Each cluster run also reports its workers' user and system CPU seconds and
the bytes moved between workers.

Each run starts once the previous run's writes are on disk (``os.sync``),
gets a fresh cluster, and a worker's peak resident memory
(``VmHWM``, reset as the run starts) is that run's; spilled bytes come
from the workers' spill buffers. Run: ``python benchmarks/bench_dask.py`` (``--size 8192`` for a
quick look; the default is 32768, a 4 GiB image, about 20 GB on disk).
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np


def _reset_peak(dask_worker=None):
    """Start the worker's peak resident memory afresh (Linux: clear_refs 5
    resets VmHWM; a worker process may inherit its parent's high mark)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def _worker_stats(dask_worker=None):
    """(peak resident bytes since _reset_peak, bytes spilled to disk)."""
    spilled = getattr(getattr(dask_worker, "data", None), "spilled_total", None)
    disk = 0 if spilled is None else getattr(spilled, "disk_bytes", 0) or 0
    try:
        with open("/proc/self/status") as f:
            peak = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return peak, disk


def _worker_cpu(dask_worker=None):
    """(user, system) CPU seconds of the worker process so far, and the bytes
    it has received from other workers."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    log = getattr(dask_worker, "transfer_incoming_log", ())
    return usage.ru_utime, usage.ru_stime, sum(entry.get("total", 0) for entry in log)


def _run(make_graph, out_path, codec: dict, task_threads: int = 1):
    """(seconds, peak worker bytes, spilled bytes, workers' user CPU seconds,
    workers' system CPU seconds, bytes moved between workers) of one run to
    `out_path`, on a fresh cluster. The CPU seconds say where a run's time
    goes: on these 2-core machines the system time (page faults, file and
    socket copies) outweighs the arithmetic. The workers' nannies set
    OMP_NUM_THREADS to `task_threads`: the OpenMP threads each of corr2d's
    tasks runs on (corr2d._dask_threads.task_threads)."""
    import dask.array as da
    import distributed

    shutil.rmtree(out_path, ignore_errors=True)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, memory_limit="3GiB",
                                  processes=True, dashboard_address=None,
                                  env={"OMP_NUM_THREADS": str(task_threads)}) as cluster, \
            distributed.Client(cluster) as client:
        client.run(_reset_peak)
        # The previous run's output is still being written back to disk:
        # finish that first, so no run pays for another's writes.
        os.sync()
        before = client.run(_worker_cpu)
        start = time.perf_counter()
        da.to_zarr(make_graph(), str(out_path), mode="w", **codec)
        seconds = time.perf_counter() - start
        after = client.run(_worker_cpu)
        stats = client.run(_worker_stats)
    user, system, moved = (sum(after[w][i] - before[w][i] for w in after) for i in range(3))
    return (seconds, max(s[0] for s in stats.values()), sum(s[1] for s in stats.values()),
            user, system, moved)


def _median_run(runs: list) -> tuple:
    """The median time of `runs`, with the largest peak and spill of any and
    the median CPU seconds and bytes moved."""
    return (statistics.median(r[0] for r in runs), max(r[1] for r in runs),
            max(r[2] for r in runs), *(statistics.median(r[i] for r in runs) for i in (3, 4, 5)))


def _write_image(path: Path, size: int, chunk: int, codec: dict) -> None:
    """A smooth random float32 image, written block by block."""
    import zarr

    store = zarr.create_array(str(path), shape=(size, size), chunks=(chunk, chunk),
                              dtype=np.float32, overwrite=True, **codec)
    rng = np.random.default_rng(0)
    for i in range(0, size, chunk):
        store[i:i + chunk] = rng.random((min(chunk, size - i), size), dtype=np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=32768)
    parser.add_argument("--peer-size", type=int, default=16384,
                        help="dask-image runs on this crop (compared per pixel)")
    parser.add_argument("--chunk", type=int, default=4096)
    parser.add_argument("--dir", default=None, help="where the zarr stores go (default: a temp dir)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of corr2d and of the floor, interleaved (medians reported)")
    parser.add_argument("--kernels", default="3x3,31x31,gauss8",
                        help="which of 3x3, 31x31, gauss8 to run (comma-separated)")
    parser.add_argument("--codec", choices=("zstd", "none"), default="zstd",
                        help="the stores' compression: zarr's default (zstd) or none")
    parser.add_argument("--task-threads", type=int, default=1,
                        help="OpenMP threads per task (the workers' OMP_NUM_THREADS): more than 1 "
                             "only where the machine has more cores than the 2 worker threads")
    parser.add_argument("--skip-peer", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()

    import dask.array as da

    import corr2d
    from corr2d import filters

    corr2d.show_config()
    print(f"cluster: 2 workers x 1 thread, 3 GiB each, OMP_NUM_THREADS={args.task_threads}")
    work = Path(args.dir or tempfile.mkdtemp(prefix="bench_dask_"))
    codec = {} if args.codec == "zstd" else {"compressors": None}
    image_path = work / f"image-{args.size}-{args.chunk}-{args.codec}.zarr"
    if not image_path.exists():
        t = time.perf_counter()
        _write_image(image_path, args.size, args.chunk, codec)
        print(f"wrote {args.size}x{args.size} float32 to {image_path} in "
              f"{time.perf_counter() - t:.1f} s")
    rng = np.random.default_rng(1)
    kernels = {"3x3": rng.random((3, 3), dtype=np.float32),
               "31x31": rng.random((31, 31), dtype=np.float32), "gauss8": None}
    kernels = {name: k for name, k in kernels.items() if name in args.kernels.split(",")}
    peer_size = min(args.peer_size, args.size)
    rows = []
    try:
        for name, k in kernels.items():
            def image(size=args.size):
                return da.from_zarr(str(image_path))[:size, :size]

            def ours(size=args.size, k=k):
                if k is None:
                    return filters.gaussian(image(size), 8.0, mode="reflect")
                return corr2d.correlate2d(image(size), k, "same", "symm")

            def floor(size=args.size):
                return image(size) + np.float32(0)  # read and write, nothing computed

            def peer(k=k):
                import dask_image.ndfilters as nf

                if k is None:
                    return nf.gaussian_filter(image(peer_size), 8.0, mode="reflect")
                return nf.correlate(image(peer_size), k, mode="reflect")

            out = work / f"out_{name}.zarr"
            result = {"kernel": name}
            # corr2d and the floor interleaved (A B A B ...), medians reported.
            runs = {"corr2d": [], "floor": []}
            for _ in range(args.repeat):
                runs["corr2d"].append(_run(ours, out, codec, args.task_threads))
                runs["floor"].append(_run(floor, out, codec, args.task_threads))
            for label, values in runs.items():
                result[label] = _median_run(values)
            if not args.skip_peer:
                result["dask-image"] = _run(peer, out, codec, args.task_threads)
                result["corr2d crop"] = _run(lambda: ours(peer_size), out, codec, args.task_threads)
            if not args.skip_memory:
                x = da.from_zarr(str(image_path))[:args.size, :args.size].compute(
                    scheduler="threads")
                times = []
                for _ in range(2):
                    t = time.perf_counter()
                    if k is None:
                        filters.gaussian(x, 8.0)
                    else:
                        corr2d.correlate2d(x, k, "same", "symm")
                    times.append(time.perf_counter() - t)
                result["in memory"] = statistics.median(times)
                del x
            rows.append(result)
            _report(result, args.size, peer_size, args.codec)
    finally:
        if args.dir is None:
            shutil.rmtree(work, ignore_errors=True)


def _report(r: dict, size: int, peer_size: int, codec: str) -> None:
    gib = 2.0 ** 30
    ours, floor = r["corr2d"], r["floor"]
    print(f"\n{r['kernel']}: {size}x{size} float32, zarr to zarr ({codec})")
    for label in ("corr2d", "floor", "corr2d crop", "dask-image"):
        if label in r:
            s, peak, spilled, user, system, moved = r[label]
            side = peer_size if label in ("corr2d crop", "dask-image") else size
            print(f"  {label:12s} {s:8.1f} s  {s / side**2 * 1e9:7.2f} ns/px  "
                  f"peak worker {peak / gib:5.2f} GiB  spilled {spilled / gib:5.2f} GiB  "
                  f"workers' CPU {user:6.1f} s user {system:6.1f} s system  "
                  f"moved {moved / gib:5.2f} GiB")
    if "dask-image" in r:
        per_px = (r["dask-image"][0] / peer_size**2) / (ours[0] / size**2)
        crop = r["dask-image"][0] / r["corr2d crop"][0]
        print(f"  dask-image / corr2d: {per_px:.1f}x per pixel (full image), {crop:.1f}x on the crop")
    if "in memory" in r:
        print(f"  in memory   {r['in memory']:8.1f} s")
        bound = max(floor[0], r["in memory"])
        print(f"  corr2d / max(floor, in memory) = {ours[0] / bound:.2f} (target <= 1.3)")


if __name__ == "__main__":
    main()
