"""What the benchmark workloads share: timing a step in a child process, and reporting medians and targets.

A workload module (``workloads/*.py``) runs ``measure`` in a child and ``report`` in the parent;
the helpers below are for both sides.
"""

from __future__ import annotations

import importlib.util
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from time import perf_counter
from typing import Any


def timed(step: Callable[[], Any], warmup: int, repeats: int) -> list[float]:
    """Run `step` `warmup` times untimed, then `repeats` times; the seconds each timed run took."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        start = perf_counter()
        step()
        times.append(perf_counter() - start)
    return times


def has_torch() -> bool:
    """True when PyTorch is installed (its systems are then benchmarked too)."""
    return importlib.util.find_spec("torch") is not None


# ---- the parent's side: what the child runs returned, summarised ---------------------------

class Results:
    """One workload's child runs: for each system, a list of the dicts its children returned.

    A child that failed returned ``{"error": "..."}``. A timed quantity is either one number per
    child or a list of repeats; each child counts once, by its median, and a system's result is the
    median over its children (the rounds).
    """

    def __init__(self, runs: dict[str, list[dict]]) -> None:
        self.runs = runs

    def error(self, system: str) -> str | None:
        errors = [run["error"] for run in self.runs.get(system, []) if "error" in run]
        return errors[0] if errors else None

    def ok(self, system: str) -> list[dict]:
        return [run for run in self.runs.get(system, []) if "error" not in run]

    def per_round(self, system: str, key: str) -> list[float]:
        values = [run[key] for run in self.ok(system)]
        return [statistics.median(v) if isinstance(v, list) else v for v in values]

    def median(self, system: str, key: str) -> float | None:
        values = self.per_round(system, key)
        return statistics.median(values) if values else None

    def first(self, system: str, key: str) -> Any:
        """`key` from the system's first successful child (for values every child computes alike)."""
        runs = self.ok(system)
        return runs[0][key] if runs else None


def fmt_seconds(t: float | None) -> str:
    if t is None:
        return "n/a"
    return f"{t:8.3f} s " if t >= 1 else f"{t * 1e3:8.2f} ms"


def time_line(results: Results, system: str, key: str, label: str) -> str:
    """'  ours        step      81.20 ms   (3 rounds: 80.10 .. 83.00 ms)', or the system's error."""
    error = results.error(system)
    rounds = results.per_round(system, key)
    if not rounds:
        return f"  {system:<14} {label:<16} FAILED: {error}"
    spread = f"({len(rounds)} rounds: {fmt_seconds(min(rounds)).strip()} .. {fmt_seconds(max(rounds)).strip()})" \
        if len(rounds) > 1 else "(1 round)"
    failed = f"  [{len(results.runs[system]) - len(rounds)} failed: {error}]" if error else ""
    return f"  {system:<14} {label:<16} {fmt_seconds(statistics.median(rounds))}   {spread}{failed}"


@dataclass
class Target:
    """A performance target: `measured` = ours / a peer must be at most `limit`."""

    label: str
    measured: float | None
    limit: float

    @property
    def passed(self) -> bool:
        return self.measured is not None and self.measured <= self.limit

    def line(self) -> str:
        value = "n/a" if self.measured is None else f"{self.measured:.3f}" if self.measured < 10 else f"{self.measured:.0f}"
        return f"  {self.label:<31} {value:>9}   target <= {self.limit:<5g} {'PASS' if self.passed else 'MISS'}"


def ratio(results: Results, key: str, ours: str, peer: str) -> float | None:
    """ours / peer for the quantity `key` (None if either failed): the median over the rounds of each
    round's ratio, or, if some round failed (so that rounds no longer pair), median(ours) / median(peer)."""
    a, b = results.per_round(ours, key), results.per_round(peer, key)
    if not a or not b:
        return None
    if len(a) == len(b) == len(results.runs[ours]) == len(results.runs[peer]):
        return statistics.median(x / y for x, y in zip(a, b))
    return statistics.median(a) / statistics.median(b)


def ratio_target(results: Results, key: str, ours: str, peer: str, limit: float, label: str = "") -> Target:
    return Target(label or f"{ours} / {peer}", ratio(results, key, ours, peer), limit)


def ratio_line(results: Results, key: str, ours: str, peer: str, label: str = "") -> str:
    """A ratio reported without a target."""
    value = ratio(results, key, ours, peer)
    return f"  {label or f'{ours} / {peer}':<31} {'n/a' if value is None else f'{value:.3f}':>9}   (no target)"


@dataclass
class Check:
    """A correctness check the benchmark makes on the side (the run fails if one does not hold)."""

    label: str
    detail: str
    passed: bool

    def line(self) -> str:
        return f"  check: {self.label:<24} {self.detail}   {'OK' if self.passed else 'FAIL'}"
