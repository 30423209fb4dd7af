"""The benchmark workloads, in the order `run.py` runs them.

Each module defines ``TITLE``, ``IMPORTS`` (imported in every child of the workload, whatever its
system, so import side effects are equal), ``SYSTEMS``, ``ROUNDS`` (of a full run),
``measure(system, quick) -> dict`` (runs in a fresh child process) and
``report(Results) -> list`` of lines, `common.Target`s and `common.Check`s (runs in the parent).
"""

from __future__ import annotations

import importlib
from types import ModuleType

NAMES = ("moons", "chain", "digits", "mlp", "hvp", "tanh6", "lenet")


def load(name: str) -> ModuleType:
    return importlib.import_module(f"workloads.{name}")
