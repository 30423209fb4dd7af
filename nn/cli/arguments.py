"""The command line's argument types, shared by every command, and its usage error."""

from __future__ import annotations

import argparse
from typing import Callable

import numpy as np

from ..layers import ACTIVATIONS


class UsageError(Exception):
    """A bad command-line argument found after parsing: reported like argparse's own errors (exit 2)."""


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


def number(kind: type, positive: bool) -> Callable[[str], float]:
    """An argparse type: a finite number of `kind` that is > 0 (`positive`) or >= 0."""
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a {kind.__name__}, got {text!r}") from None
        if not np.isfinite(value) or value < 0 or (positive and value == 0):
            raise argparse.ArgumentTypeError(f"expected a {'positive' if positive else 'non-negative'} "
                                             f"{kind.__name__}, got {text!r}")
        return value
    return parse


positive_float = number(float, positive=True)
