"""The command line's argument types, shared by every command, its usage error, the record of a run's
progress (for the one-line report after Ctrl-C), and the memory check for requests too big to run."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..layers import ACTIVATIONS


class UsageError(Exception):
    """A bad command-line argument found after parsing: reported like argparse's own errors (exit 2)."""


MEMORY_CAP = 16 * 2 ** 30  # bytes: the most a command may ask for where the machine's memory cannot be read


@dataclass
class Progress:
    """Where a command has got to and what it has written, for the line printed after Ctrl-C."""

    where: str = ""  # e.g. "epoch 37 of 100000"
    saved: list[str] = field(default_factory=list)


def memory_limit() -> int:
    """Half of this machine's physical memory, or MEMORY_CAP where that cannot be read."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    except (AttributeError, ValueError, OSError):
        return MEMORY_CAP


def human_bytes(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if n < 1000 or unit == "PB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError("not reached")


def check_memory(what: str, needed: float) -> None:
    """A UsageError if `needed` bytes are more than `memory_limit()`, saying how much `what` would need."""
    limit = memory_limit()
    if needed > limit:
        raise UsageError(f"{what} would need about {human_bytes(needed)} of memory; the limit is "
                         f"{human_bytes(limit)} (half of this machine's memory). Ask for less.")


def int_list(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected whole numbers separated by commas, like 2,4,1; got {text!r}")
    if len(sizes) < 2 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected at least two positive sizes (inputs, ..., outputs); got {text!r}")
    return sizes


def channel_list(text: str) -> list[int]:
    """--conv: one or more positive channel counts, like 8,16."""
    try:
        channels = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected channel counts separated by commas, like 8,16; got {text!r}")
    if min(channels) < 1:
        raise argparse.ArgumentTypeError(f"channel counts must be positive; got {text!r}")
    return channels


def activation_list(text: str) -> list[str]:
    names = [part.strip().lower() for part in text.split(",")]
    unknown = [n for n in names if n not in ACTIVATIONS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown activation(s) {unknown}; choose from {', '.join(ACTIVATIONS)}")
    return names


def number(kind: type, positive: bool, below: float | None = None) -> Callable[[str], float]:
    """An argparse type: a finite number of `kind` (int: a whole number) that is > 0 (`positive`) or >= 0,
    and less than `below` if given. Errors say in words what was expected: "expected a whole number, got '1e3'"."""
    noun = "whole number" if kind is int else "number"

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a {noun}, got {text!r}") from None
        if not np.isfinite(value) or value < 0 or (positive and value == 0):
            raise argparse.ArgumentTypeError(f"expected a {'positive' if positive else 'non-negative'} "
                                             f"{noun}, got {text!r}")
        if below is not None and value >= below:
            raise argparse.ArgumentTypeError(f"expected a {noun} below {below:g}, got {text!r}")
        return value
    return parse


positive_float = number(float, positive=True)
