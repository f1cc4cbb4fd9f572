"""Argument checks shared by corr2d.nn (each error names the argument)."""
from __future__ import annotations

import numbers


def check_int(value: object, name: str, func: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{func}: {name} must be an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{func}: {name} must be at least {minimum}, got {value}")
    return int(value)


def check_pair(value: object, name: str, func: str, minimum: int) -> tuple[int, int]:
    """An int or a pair of ints, each at least `minimum`, as a pair."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{func}: {name} must be an int or a pair of ints, got {value!r}")
        return (check_int(value[0], name, func, minimum), check_int(value[1], name, func, minimum))
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{func}: {name} must be an int or a pair of ints, got {value!r}")
    v = check_int(value, name, func, minimum)
    return (v, v)


def check_real(value: object, name: str, func: str, minimum: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{func}: {name} must be a real number, got {value!r}")
    if not value >= minimum:  # also refuses NaN
        raise ValueError(f"{func}: {name} must be at least {minimum}, got {value!r}")
    if value == float("inf"):
        raise ValueError(f"{func}: {name} must be finite, got {value!r}")
    return float(value)
