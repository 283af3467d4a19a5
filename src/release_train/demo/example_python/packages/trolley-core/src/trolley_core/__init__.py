"""Trolley's core: cars and their load."""

from trolley_util import clamp

MAX_LOAD = 40


def load(tonnes: int) -> int:
    """The load a car takes, within its limit."""
    return clamp(tonnes, 0, MAX_LOAD)
