"""Importing micrograd_like keeps freed memory for reuse (glibc): a loop that frees and re-allocates
8 MB per iteration, as a training step does, then costs no page faults. Each case runs in a fresh
interpreter, since the setting lasts for the life of a process."""

from __future__ import annotations

import ctypes
import subprocess
import sys

import pytest

from micrograd_like.memory import keep_freed_memory


def is_glibc() -> bool:
    try:
        ctypes.CDLL(None).gnu_get_libc_version  # noqa: B018
    except (OSError, AttributeError):
        return False
    return sys.platform.startswith("linux")


STEPS = """
import resource, sys
if sys.argv[1] == "import":
    import micrograd_like
import numpy as np

def step():
    arrays = [np.ones(1 << 17) for _ in range(8)]  # 8 blocks of 1 MB, written to, then all freed
    del arrays

step(); step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(10):
    step()
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 10)
"""


def page_faults_per_step(mode: str) -> float:
    result = subprocess.run([sys.executable, "-c", STEPS, mode], capture_output=True, text=True, check=True)
    return float(result.stdout)


@pytest.mark.skipif(not is_glibc(), reason="glibc's malloc only")
def test_after_import_a_step_that_frees_8_mb_does_not_fault_them_back_in():
    # 8 MB is 2048 pages of 4 KB: without the setting glibc hands most of them back after each step.
    assert page_faults_per_step("plain") > 500
    assert page_faults_per_step("import") < 50


def test_keep_freed_memory_says_whether_it_did_anything():
    assert keep_freed_memory() is is_glibc()
