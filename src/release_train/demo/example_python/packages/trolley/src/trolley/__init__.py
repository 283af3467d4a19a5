"""Couple trolley cars."""

from trolley_core import load

__version__ = "1.0.0"


def couple(a: str, b: str) -> str:
    """Join two cars."""
    return f"{a}={b}"


def total_load(*tonnes: int) -> int:
    return sum(load(t) for t in tonnes)
