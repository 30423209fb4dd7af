"""Speed benchmarks: our engine against its peers (micrograd, hand-written numpy, PyTorch).

    python bench/run.py [--quick] [--only NAME ...] [--rounds N] [--baseline DIR]   (`make bench` runs it)

Every system runs in a fresh, single-threaded Python process per round (`worker.py`), with the
same modules imported whatever the system; the systems take turns, in the reverse order every
other round (A B C C B A A B C ...), and each time is the median over the rounds. A ratio is the
median over the rounds of that round's ratio: each round pairs two systems measured minutes
apart at most, so a slow spell of a busy machine falls on both. `--baseline DIR` also runs our
system on the engine of another checkout (say `git worktree add /tmp/before <rev>`), in the same
rounds, and reports ours / baseline for every quantity measured: before and after of a change.
Exits with status 1 if a correctness check fails or our engine crashes; a missed speed target
is reported, not an error.
"""

from __future__ import annotations

import argparse
import json
import platform
import signal
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import workloads
from common import Check, Results, Target, ratio_line, time_line

WORKER = Path(__file__).with_name("worker.py")
CHILD_TIMEOUT_S = 1200


def run_child(workload: str, system: str, quick: bool, engine: str | None = None) -> dict:
    """Start one worker; its JSON result, or {"error": ...} if it crashed or printed none."""
    command = [sys.executable, str(WORKER), workload, system] + (["--quick"] if quick else []) + \
        (["--engine", engine] if engine else [])
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=CHILD_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"no result within {CHILD_TIMEOUT_S} s"}
    if proc.returncode < 0:
        return {"error": f"crashed ({signal.Signals(-proc.returncode).name})"}
    lines = proc.stdout.strip().splitlines()
    try:
        return json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        stderr = proc.stderr.strip().splitlines()
        return {"error": f"exit status {proc.returncode}: {stderr[-1] if stderr else 'no output'}"}


def run_workload(name: str, quick: bool, rounds: int | None, baseline: str | None = None) -> list:
    workload = workloads.load(name)
    rounds = rounds or (1 if quick else workload.ROUNDS)
    # each system, and the engine it runs on (None: this checkout's)
    systems = [(system, system, None) for system in workload.SYSTEMS]
    if baseline:  # our system (each workload lists it first) on the other engine
        systems.append((BASELINE, workload.SYSTEMS[0], baseline))
    runs: dict[str, list[dict]] = {label: [] for label, _, _ in systems}
    for r in range(rounds):
        print(f"  [{name}] round {r + 1}/{rounds}:", end="", file=sys.stderr, flush=True)
        for label, system, engine in (systems if r % 2 == 0 else systems[::-1]):
            print(f" {label}", end="", file=sys.stderr, flush=True)
            runs[label].append(run_child(name, system, quick, engine))
        print(file=sys.stderr)
    results = Results(runs)
    lines = workload.report(results)
    if results.error("ours"):
        lines.append(Check("ours ran", results.error("ours"), False))
    if baseline:
        lines += baseline_lines(results, workload.SYSTEMS[0])
    return lines


BASELINE = "ours (baseline)"


def baseline_lines(results: Results, ours: str) -> list:
    """ours / baseline for every number our system measured (times, and the chain's bytes per node)."""
    if results.error(BASELINE) or not results.ok(BASELINE):
        return [f"  {BASELINE:<14} FAILED: {results.error(BASELINE)}"]
    first = results.ok(ours)[0] if results.ok(ours) else {}
    numeric = [key for key, value in first.items() if isinstance(value, (int, float)) and not isinstance(value, bool)
               or isinstance(value, list) and value and all(isinstance(v, (int, float)) for v in value)]
    return [time_line(results, BASELINE, key, key) if key.endswith("_s") else
            f"  {BASELINE:<14} {key:<16} {results.median(BASELINE, key):.4g}" for key in numeric] + \
        [ratio_line(results, key, ours, BASELINE, f"{ours} / baseline, {key}") for key in numeric]


def versions() -> str:
    found = []
    for package in ("numpy", "micrograd", "torch", "scikit-learn"):
        try:
            found.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            found.append(f"{package} (not installed)")
    return f"Python {platform.python_version()}, {', '.join(found)}; {platform.machine()}, one thread per system"


def main() -> int:
    parser = argparse.ArgumentParser(description="Speed benchmarks of micrograd_like against its peers.")
    parser.add_argument("--quick", action="store_true", help="one round, fewer steps: a smoke run")
    parser.add_argument("--only", action="append", choices=workloads.NAMES, metavar="NAME",
                        help=f"run only this workload (repeatable): {', '.join(workloads.NAMES)}")
    parser.add_argument("--rounds", type=int, help="rounds per workload (default: each workload's own)")
    parser.add_argument("--baseline", metavar="DIR",
                        help="also measure our system on the engine of this checkout, and report ours / baseline")
    args = parser.parse_args()
    if args.baseline and not (Path(args.baseline) / "micrograd_like" / "__init__.py").is_file():
        parser.error(f"--baseline {args.baseline}: no micrograd_like/ package there; give a checkout of this "
                     f"repository (e.g. made by: git worktree add /tmp/before HEAD~1)")

    print(versions() + (" (quick run: smoke test only)" if args.quick else ""))
    targets, checks = [], []
    for number, name in enumerate(workloads.NAMES, start=1):
        if args.only and name not in args.only:
            continue
        print(f"\n{number}. {workloads.load(name).TITLE}", flush=True)
        for line in run_workload(name, args.quick, args.rounds, args.baseline):
            if isinstance(line, Target):
                targets.append(line)
            elif isinstance(line, Check):
                checks.append(line)
            print(line if isinstance(line, str) else line.line(), flush=True)

    failed = [c for c in checks if not c.passed]
    passed = sum(t.passed for t in targets)
    print(f"\nTargets met: {passed}/{len(targets)}.  Checks failed: {len(failed)}/{len(checks)}.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
