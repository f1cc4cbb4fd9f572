"""Argument checks shared by every public module: each error names the
function the user called and the argument. A leaf module."""
from __future__ import annotations

import numbers
from typing import Any


def check_int(value: Any, name: str, func: str, minimum: int | None = None) -> int:
    """An int (not a bool), at least `minimum` when one is given."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{func}: {name} must be an int, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{func}: {name} must be at least {minimum}, got {value}")
    return int(value)


def check_pair(value: Any, name: str, func: str, minimum: int) -> tuple[int, int]:
    """An int or a pair of ints, each at least `minimum`, as a pair."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{func}: {name} must be an int or a pair of ints, got {value!r}")
        pair = (check_int(value[0], name, func), check_int(value[1], name, func))
    elif isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{func}: {name} must be an int or a pair of ints, got {value!r}")
    else:
        pair = (int(value), int(value))
    if min(pair) < minimum:
        why = "positive" if minimum == 1 else "non-negative" if minimum == 0 else f"at least {minimum}"
        raise ValueError(f"{func}: {name} must be {why}, got {value!r}")
    if max(pair) > PAIR_MAX:  # sums and products of sizes must stay in 64 bits
        raise ValueError(f"{func}: {name} must be at most 2**62, got {value!r}")
    return pair


#: The largest stride, dilation or padding (a few of them add up in 64 bits).
PAIR_MAX = 2**62


def check_real(value: Any, name: str, func: str, minimum: float = 0.0) -> float:
    """A finite real number (not a bool), at least `minimum`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{func}: {name} must be a real number, got {value!r}")
    if not value >= minimum:  # also refuses NaN
        raise ValueError(f"{func}: {name} must be at least {minimum}, got {value!r}")
    if value == float("inf"):
        raise ValueError(f"{func}: {name} must be finite, got {value!r}")
    return float(value)


def check_threads(threads: Any, func: str) -> int:
    """None -> 0 (OpenMP's default); otherwise a positive int. Requests
    beyond the processors are capped by the core's thread policy."""
    if threads is None:
        return 0
    if isinstance(threads, bool) or not isinstance(threads, numbers.Integral):
        raise TypeError(f"{func}: threads must be a positive int or None, got {threads!r}")
    if threads < 1:
        raise ValueError(f"{func}: threads must be at least 1, got {threads}")
    return int(min(threads, 2**31 - 1))
