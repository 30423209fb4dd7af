"""Speed benchmarks: our engine against its peers (micrograd, hand-written numpy, PyTorch).

    python bench/run.py [--quick] [--only NAME ...] [--rounds N]      (`make bench` runs it)

Every system runs in a fresh, single-threaded Python process per round (`worker.py`), with the
same modules imported whatever the system; the systems take turns (A B C A B C ...), and each
result is the median over the rounds. Ratios compare systems measured in the same run, so they
mean more than the absolute times on a busy machine. Exits with status 1 if a correctness check
fails or our engine crashes; a missed speed target is reported, not an error.
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
from common import Check, Results, Target

WORKER = Path(__file__).with_name("worker.py")
CHILD_TIMEOUT_S = 1200


def run_child(workload: str, system: str, quick: bool) -> dict:
    """Start one worker; its JSON result, or {"error": ...} if it crashed or printed none."""
    command = [sys.executable, str(WORKER), workload, system] + (["--quick"] if quick else [])
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


def run_workload(name: str, quick: bool, rounds: int | None) -> list:
    workload = workloads.load(name)
    rounds = rounds or (1 if quick else workload.ROUNDS)
    runs: dict[str, list[dict]] = {system: [] for system in workload.SYSTEMS}
    for r in range(rounds):
        print(f"  [{name}] round {r + 1}/{rounds}:", end="", file=sys.stderr, flush=True)
        for system in workload.SYSTEMS:
            print(f" {system}", end="", file=sys.stderr, flush=True)
            runs[system].append(run_child(name, system, quick))
        print(file=sys.stderr)
    results = Results(runs)
    lines = workload.report(results)
    if results.error("ours"):
        lines.append(Check("ours ran", results.error("ours"), False))
    return lines


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
    args = parser.parse_args()

    print(versions() + (" (quick run: smoke test only)" if args.quick else ""))
    targets, checks = [], []
    for number, name in enumerate(workloads.NAMES, start=1):
        if args.only and name not in args.only:
            continue
        print(f"\n{number}. {workloads.load(name).TITLE}", flush=True)
        for line in run_workload(name, args.quick, args.rounds):
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
