"""Workload 2: the 1,000,000-step chain ``y = y * c + 0.0``: build and backward time, and memory per node.

Each step makes three nodes (the product, the sum, and the constant 0.0 wrapped as a node), so the
graph has 3 * steps + 2 nodes (with ``c`` and the starting ``y``). micrograd's backward recurses
once per node of the chain, so both systems run in a thread with a 512 MB stack and a raised
recursion limit.

Memory per node: the growth of the process's peak resident set size (``ru_maxrss``) over building
the graph and running backward, divided by the number of nodes. Reading it costs nothing, so each
timed child (a fresh process per system and round) measures it too. ``tracemalloc`` would count only
Python's own allocations, but it slows micrograd's recursive backward to a crawl (minutes for
100,000 steps).
"""

from __future__ import annotations

import resource
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from time import perf_counter

from common import Check, Results, Target, ratio_line, time_line

TITLE = "chain y = y * c + 0.0, 1,000,000 steps: build, backward, memory per node"
IMPORTS = ("numpy", "micrograd_like", "micrograd.engine")
SYSTEMS = ("ours", "micrograd")
ROUNDS = 2
BYTES_PER_NODE_TARGET = 300


def _value_class(system: str) -> type:
    if system == "ours":
        from micrograd_like import Value
    else:
        from micrograd.engine import Value
    return Value


def _in_big_thread(fn: Callable[[], dict]) -> dict:
    """fn() in a thread with a 512 MB stack and a high recursion limit (for micrograd's recursion).
    Its exceptions (a RecursionError would be micrograd's result) come back to the caller."""
    sys.setrecursionlimit(100_000_000)
    threading.stack_size(512 * 1024 * 1024)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn).result()


def _peak_rss_bytes() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # Linux reports kilobytes


def measure(system: str, quick: bool) -> dict:
    Value = _value_class(system)
    steps = 100_000 if quick else 1_000_000

    def build_and_backward() -> dict:
        rss_before = _peak_rss_bytes()
        start = perf_counter()
        c, y = Value(1.0), Value(1.0)
        for _ in range(steps):
            y = y * c + 0.0
        built = perf_counter()
        y.backward()
        done = perf_counter()
        nodes = 3 * steps + 2
        return {"build_s": built - start, "backward_s": done - built, "grad_c": float(c.grad), "steps": steps,
                "bytes_per_node": (_peak_rss_bytes() - rss_before) / nodes}

    return _in_big_thread(build_and_backward)


def report(results: Results) -> list:
    lines = [time_line(results, system, key, label)
             for key, label in (("build_s", "build"), ("backward_s", "backward")) for system in SYSTEMS]
    lines.append(ratio_line(results, "build_s", "ours", "micrograd", "ours / micrograd, build"))
    lines.append(ratio_line(results, "backward_s", "ours", "micrograd", "ours / micrograd, backward"))
    theirs = results.median("micrograd", "bytes_per_node")
    lines.append(f"  {'micrograd, bytes per node':<31} {'n/a' if theirs is None else f'{theirs:.0f}':>9}"
                 "   (peak RSS growth / nodes)")
    lines.append(Target("ours, bytes per node", results.median("ours", "bytes_per_node"), BYTES_PER_NODE_TARGET))
    steps, grad = results.first("ours", "steps"), results.first("ours", "grad_c")
    if steps is not None:
        lines.append(Check("d y / d c = steps", f"ours {grad:g}, expected {steps}", grad == steps))
    return lines
