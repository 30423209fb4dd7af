"""Keep the memory a training step frees for the next step, rather than handing it back to the OS (glibc only).

A graph keeps every node's data and gradient until it is dropped (so that each can be inspected), so
a step of a 784-512-512-10 network at batch 256 frees about 8 MB at once when it ends. glibc's malloc
then gives the top of its heap back to the OS (it trims once more than twice the largest block freed
so far is free, here 2 x 1.6 MB), and the next step faults the same pages back in: about 1500 page
faults, a quarter of the step's time (measured by `bench/`, workload `mlp`).

`keep_freed_memory` sets glibc's two thresholds to the ceiling its own adaptive rule would reach
(blocks up to 32 MB come from the heap, which is trimmed past 64 MB), so a process keeps up to 64 MB
of freed memory for reuse. It is a process-wide setting, so importing `micrograd_like` never makes it:
a training loop (and `bench/`) calls `micrograd_like.keep_freed_memory()` once, explicitly. Elsewhere
(macOS, Windows, musl) it does nothing.
"""

from __future__ import annotations

import ctypes
import sys

M_TRIM_THRESHOLD = -1  # mallopt's parameter numbers, from glibc's malloc.h
M_MMAP_THRESHOLD = -3


def keep_freed_memory(mmap_threshold: int = 32 << 20, trim_threshold: int = 64 << 20) -> bool:
    """Raise glibc's mmap and trim thresholds; True if they were set (False: not glibc, nothing done)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None)  # the C library this process already runs on
        libc.gnu_get_libc_version  # noqa: B018 -- only glibc has it (musl's mallopt does nothing)
    except (OSError, AttributeError):
        return False
    # Both at once: setting either one stops glibc from adapting the other.
    return bool(libc.mallopt(M_MMAP_THRESHOLD, mmap_threshold)) and bool(libc.mallopt(M_TRIM_THRESHOLD, trim_threshold))
