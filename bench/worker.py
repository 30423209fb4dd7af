"""One benchmark child process: measure one system on one workload and print the result as a JSON line.

    python bench/worker.py WORKLOAD SYSTEM [--quick] [--profile] [--engine DIR]

`run.py` starts one of these per system per round. ``--profile`` runs the measurement under
cProfile instead and prints where the time goes (for finding what to optimise).
"""

import os

# One thread for every system: set before numpy (or torch) is first imported.
os.environ.update({"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})

import argparse
import cProfile
import importlib
import json
import pstats
import sys
import traceback
from pathlib import Path


def _engine_tree() -> str:
    """The checkout whose engine is measured: this working tree, or the one `--engine DIR` names (run.py's
    `--baseline`). Read before the workloads are imported, since they import the engine."""
    if "--engine" in sys.argv[:-1]:
        return str(Path(sys.argv[sys.argv.index("--engine") + 1]).resolve())
    return str(Path(__file__).resolve().parents[1])


sys.path.insert(0, _engine_tree())

import workloads


def profile(fn, *args) -> None:
    """Print where fn(*args) spends its time: pyinstrument's call tree when installed (it samples, so
    small functions are not inflated by the profiler), else cProfile's top functions by own time.
    Either way, time in Python's cycle collector is charged to the function that allocated."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        profiler = cProfile.Profile()
        profiler.runcall(fn, *args)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
        return
    profiler = Profiler(interval=0.0002)
    profiler.start()
    fn(*args)
    profiler.stop()
    print(profiler.output_text(unicode=False, color=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload", choices=workloads.NAMES)
    parser.add_argument("system")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--profile", action="store_true", help="print a profile (pyinstrument, else cProfile) instead of JSON")
    parser.add_argument("--engine", metavar="DIR", help="measure the engine of this checkout instead of this one's")
    args = parser.parse_args()

    workload = workloads.load(args.workload)
    if args.system not in workload.SYSTEMS:
        parser.error(f"{args.workload} has systems {', '.join(workload.SYSTEMS)}; got {args.system!r}")
    for module in workload.IMPORTS:
        importlib.import_module(module)
    # The same allocator setting for every system measured (micrograd_like no longer sets it on import):
    # glibc keeps freed memory for reuse instead of faulting it back in at every step.
    # (An engine older than `keep_freed_memory` set the same on import: a baseline may be one.)
    getattr(importlib.import_module("micrograd_like"), "keep_freed_memory", lambda: None)()
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)

    if args.profile:
        profile(workload.measure, args.system, args.quick)
        return
    try:
        result = workload.measure(args.system, args.quick)
    except Exception as err:  # noqa: BLE001 -- any failure is reported as this system's result
        traceback.print_exc()
        result = {"error": f"{type(err).__name__}: {err}"}
    print(json.dumps(result), flush=True)
    os._exit(0)  # skip tearing down big graphs: the interpreter's exit is not part of any measurement


if __name__ == "__main__":
    main()
