"""Importing micrograd_like and nn changes nothing process-wide: the GC, warnings filters, the global
random states, numpy's error and print settings, and (glibc) malloc's behaviour. Each check runs in a
fresh interpreter, since such settings last for the life of a process."""

from __future__ import annotations

import ctypes
import json
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


SNAPSHOT = """
import gc, json, random, warnings
import numpy as np

def snapshot():
    return repr((gc.isenabled(), gc.get_threshold(), warnings.filters, np.geterr(), np.get_printoptions(),
                 random.getstate(), [np.asarray(x).tolist() for x in np.random.get_state()]))

before = snapshot()
import micrograd_like, nn, nn.cli, nn.deltas.compare
print(json.dumps([before, snapshot()]))
"""


def test_importing_changes_no_global_setting():
    result = subprocess.run([sys.executable, "-c", SNAPSHOT], capture_output=True, text=True, check=True)
    before, after = json.loads(result.stdout)
    assert before == after


STEPS = """
import resource, sys
import numpy as np
if sys.argv[1] in ("import", "keep"):
    import micrograd_like, nn
if sys.argv[1] == "keep":
    micrograd_like.keep_freed_memory()

def step():
    arrays = [np.ones(200_000) for _ in range(5)]  # 5 blocks of 1.6 MB (8 MB), written to, then all freed
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
def test_importing_leaves_malloc_alone_and_keep_freed_memory_is_explicit():
    plain, imported, kept = (page_faults_per_step(mode) for mode in ("plain", "import", "keep"))
    # 8 MB is 2048 pages of 4 KB: glibc hands most of them back after each step, unless told not to
    assert plain > 500
    assert 0.5 * plain <= imported <= 2 * plain  # the import changed nothing
    assert kept < plain / 10  # the explicit call does


def test_keep_freed_memory_says_whether_it_did_anything():
    assert keep_freed_memory() is is_glibc()
