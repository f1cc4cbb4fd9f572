import numpy as np

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
    x: np.ndarray, w: np.ndarray, out: np.ndarray, top: int, left: int, threads: int
) -> np.ndarray: ...
def winograd_workspace_size(
    in_channels: int, out_channels: int, tiles_w: int, chunk_rows: int
) -> int: ...
def winograd_weight(w: np.ndarray, u: np.ndarray) -> np.ndarray: ...
def winograd_forward(
    x: np.ndarray, u: np.ndarray, out: np.ndarray, workspace: np.ndarray,
    padding: tuple[int, int], groups: int, chunk_rows: int, threads: int,
) -> np.ndarray: ...
