"""The benchmarks' arithmetic: medians and ratios, rounded for a report."""

from __future__ import annotations

import statistics
from collections.abc import Iterable


def median(values: Iterable[float], digits: int = 2) -> float:
    """The median of `values`, rounded."""
    return round(statistics.median(values), digits)


def ratio(part: float, whole: float, digits: int = 3) -> float:
    """`part / whole`, rounded; 0.0 when `whole` is 0 (nothing was measured)."""
    return round(part / whole, digits) if whole else 0.0
