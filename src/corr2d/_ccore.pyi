import numpy as np


def supports(dtype: np.typing.DTypeLike) -> bool: ...
def correlate(
    image: np.ndarray,
    kernel: np.ndarray,
    fill: np.ndarray,
    out: np.ndarray,
    top: int,
    left: int,
    boundary: int,
    threads: int,
) -> np.ndarray: ...
def correlate_separable(
    image: np.ndarray,
    column: np.ndarray,
    row: np.ndarray,
    fill: np.ndarray,
    out: np.ndarray,
    top: int,
    left: int,
    boundary: int,
    threads: int,
) -> np.ndarray: ...
def fft_supported(dtype: np.typing.DTypeLike, fh: int, fw: int) -> bool: ...
def fft_spectrum(kernel: np.ndarray, fh: int, fw: int) -> np.ndarray: ...
def fft_correlate(
    image: np.ndarray,
    kernel: np.ndarray,
    spectrum: np.ndarray,
    fh: int,
    fw: int,
    fill: np.ndarray,
    out: np.ndarray,
    top: int,
    left: int,
    boundary: int,
    threads: int,
) -> np.ndarray: ...
def openmp_enabled() -> bool: ...
def max_threads() -> int: ...
def simd_level() -> str: ...
def compiler() -> str: ...
def force_simd_level(level: str | None) -> bool: ...
def serial_after_fork() -> bool: ...
def plan_threads(requested: int, work: float) -> int: ...
def may_share_memory(a: np.ndarray, b: np.ndarray) -> bool: ...
def window_normalize(
    image: np.ndarray,
    out: np.ndarray,
    height: int,
    width: int,
    floor: float,
    threads: int,
) -> np.ndarray: ...
def ordered_sums(
    block: np.ndarray, offsets: np.ndarray, weights: np.ndarray, out: np.ndarray
) -> np.ndarray: ...
def window_band_rows(out_height: int, height: int) -> int: ...

# The deep-learning loops (_conv.pxi, included in the same module).
def workspace_size(kdim: int, out_height: int, out_width: int, max_elements: int) -> int: ...
def forward(
    x: np.ndarray, w: np.ndarray, out: np.ndarray, workspace: np.ndarray,
    stride: tuple[int, int], padding: tuple[int, int], dilation: tuple[int, int],
    groups: int, threads: int,
) -> np.ndarray: ...
def grad_input(
    grad_out: np.ndarray, w: np.ndarray, grad_in: np.ndarray, workspace: np.ndarray,
    stride: tuple[int, int], padding: tuple[int, int], dilation: tuple[int, int],
    groups: int, threads: int,
) -> np.ndarray: ...
def grad_weight(
    x: np.ndarray, grad_out: np.ndarray, grad_w: np.ndarray, workspace: np.ndarray,
    stride: tuple[int, int], padding: tuple[int, int], dilation: tuple[int, int],
    groups: int, threads: int,
) -> np.ndarray: ...
def depthwise(
    x: np.ndarray, w: np.ndarray, out: np.ndarray, stride: tuple[int, int],
    padding: tuple[int, int], dilation: tuple[int, int], threads: int,
) -> np.ndarray: ...
DEPTHWISE_SCRATCH_MAX: int
def depthwise_scratch(
    x_shape: tuple[int, ...], w_shape: tuple[int, ...], out_shape: tuple[int, ...],
    stride: tuple[int, int], padding: tuple[int, int], dilation: tuple[int, int],
) -> int: ...
def depthwise_grad_input(
    grad_out: np.ndarray, w: np.ndarray, grad_in: np.ndarray, stride: tuple[int, int],
    padding: tuple[int, int], dilation: tuple[int, int], threads: int,
) -> np.ndarray: ...
def depthwise_grad_weight(
    x: np.ndarray, grad_out: np.ndarray, grad_w: np.ndarray, stride: tuple[int, int],
    padding: tuple[int, int], dilation: tuple[int, int], threads: int,
) -> np.ndarray: ...
def winograd_workspace_size(
    in_channels: int, out_channels: int, tiles_w: int, chunk_rows: int
) -> int: ...
def winograd_weight(w: np.ndarray, u: np.ndarray) -> np.ndarray: ...
def winograd_scratch_size(tiles_w: int) -> int: ...
def winograd_forward(
    x: np.ndarray, u: np.ndarray, out: np.ndarray, workspace: np.ndarray,
    padding: tuple[int, int], groups: int, chunk_rows: int, threads: int,
    phased: bool = False,
) -> np.ndarray: ...
