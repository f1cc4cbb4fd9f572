"""One table per fact: how each library spells a way of extending an image
past its edges, and the C core's code for it. A leaf module.

==================  =============  ==============  ===========  ==========
extension of abcd   scipy.signal   scipy.ndimage   PyTorch      numpy.pad
==================  =============  ==============  ===========  ==========
``kk|abcd|kk``      'fill'         'constant'      'zeros'      'constant'
``cd|abcd|ab``      'wrap'         'wrap'          'circular'   'wrap'
``ba|abcd|dc``      'symm'         'reflect'       (none)       'symmetric'
``cb|abcd|cb``      (none)         'mirror'        'reflect'    'reflect'
``aa|abcd|dd``      (none)         'nearest'       'replicate'  'edge'
==================  =============  ==============  ===========  ==========

Note the two meanings of "reflect": ndimage's repeats the edge pixel
(SciPy's 'symm'), PyTorch's and NumPy's do not (ndimage's 'mirror').
"""
from __future__ import annotations

#: The C core's boundary codes (corr2d_boundary in corr2d_core.h; the CUDA
#: kernels' boundary.cuh uses the same numbers).
BOUNDARY_CODES = {"fill": 0, "wrap": 1, "symm": 2, "nearest": 3, "mirror": 4}

#: scipy.signal's accepted boundary spellings -> the core's name.
SCIPY_BOUNDARIES = {
    "fill": "fill",
    "pad": "fill",
    "wrap": "wrap",
    "circular": "wrap",
    "symm": "symm",
    "symmetric": "symm",
}

#: scipy.signal's modes (output sizes).
SCIPY_MODES = ("full", "same", "valid")

#: scipy.ndimage mode (and its grid-* aliases, as ndimage treats them for
#: filters) -> the core's boundary: the core has every rule ndimage has.
NDIMAGE_BOUNDARIES = {
    "reflect": "symm",
    "grid-mirror": "symm",
    "constant": "fill",
    "grid-constant": "fill",
    "wrap": "wrap",
    "grid-wrap": "wrap",
    "nearest": "nearest",
    "mirror": "mirror",
}

#: PyTorch's padding_mode -> numpy.pad's mode (None: zeros, the conv's own).
TORCH_NUMPY_PAD: dict[str, str | None] = {
    "zeros": None,
    "reflect": "reflect",
    "replicate": "edge",
    "circular": "wrap",
}
TORCH_PADDING_MODES = tuple(TORCH_NUMPY_PAD)
