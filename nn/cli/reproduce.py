"""``micrograd-like reproduce SEED``: a seed tutorial's experiment run with our engine."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..deltas.registry import SEEDS
from ..deltas.reproduce import QUICK_EPOCHS_001, XOR_TOLERANCE


def add_command(commands: Any) -> None:
    p = commands.add_parser(
        "reproduce", help="run a seed tutorial's experiment with our engine",
        description="Train a seed tutorial's network with our engine (its data, initial weights, loss, batch "
                    "order and learning rate) and report what the tutorial reports.")
    p.add_argument("seed", choices=list(SEEDS))
    p.add_argument("--quick", action="store_true",
                   help=f"seed002: stop once every output is within {XOR_TOLERANCE} of its target (instead of "
                        f"the tutorial's up to 100001 iterations); seed001: {QUICK_EPOCHS_001} epochs instead of 100. "
                        f"Seeds 000 and 003 take about a second and always run in full")
    variants = sorted({v for seed in SEEDS.values() for v in seed.variants})
    p.add_argument("--variant", choices=(*variants, "all"), default="all",
                   help="for a seed with variants (seed001): which way to train it (default: all of them)")
    p.set_defaults(run=reproduce, subparser=p)


def reproduce(args: argparse.Namespace) -> int:
    """Run the chosen reproduction(s) and print each result and its loss log."""
    if not SEEDS[args.seed].variants and args.variant != "all":
        args.subparser.error(f"--variant applies to a seed with variants (seed001) only, not {args.seed}")
    runs = SEEDS[args.seed].reproduce(args.quick, args.variant)
    for run in runs:
        print(run)
        if run.outputs.size <= 8:  # the truth tables: show every output
            shown = run.outputs.ravel() if run.outputs.shape[1] == 1 else run.outputs
            print(f"  outputs: {np.round(shown, 4).tolist()}")
        print(f"  {run.history_name}: {_log(run.history)}\n")
    return 0


def _log(history: list[float], entries: int = 10) -> str:
    """About `entries` evenly spaced values of a long history, first and last included."""
    picks = sorted(set(np.linspace(0, len(history) - 1, min(entries, len(history))).astype(int)))
    return ", ".join(f"[{i}] {history[i]:.6g}" for i in picks) if history else "(empty)"


def main(argv: Sequence[str] | None = None) -> int:
    """``micrograd-like reproduce ...`` without the rest of the command line (argv after "reproduce")."""
    from . import main as cli_main
    return cli_main(["reproduce", *(argv or [])])
