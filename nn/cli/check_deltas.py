"""``micrograd-like check-deltas [SEED|general|cnn|all]``: the hand-derived deltas against autograd, as tables."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from ..deltas.compare import TOLERANCE, compare_cnn, compare_general, compare_seed
from ..deltas.registry import SEEDS
from .arguments import number, positive_float

CHOICES = (*SEEDS, "general", "cnn", "all")


def add_command(commands: Any) -> None:
    p = commands.add_parser(
        "check-deltas", help="compare the seeds' hand-derived deltas (and the general delta rule) with autograd",
        description="For each seed, its hand-derived update and deltas against autograd on the loss it states "
                    "and on the loss it is really the gradient of, per layer and parameter; for 'general', the "
                    "textbook delta rule against autograd on random networks, one per loss; for 'cnn', the "
                    "convolution and pooling rules derived by hand against autograd on a random small CNN. Autograd "
                    "runs on graphs of primitive ops (x @ W + b, the activation, the loss as ops). Exits with 1 if "
                    "the general or the cnn rule disagrees (the seeds' disagreements are findings, reported, not "
                    "failures).")
    p.add_argument("which", nargs="?", choices=CHOICES, default="all", help="what to check (default: all)")
    p.add_argument("--tolerance", type=positive_float, default=TOLERANCE,
                   help=f"largest max|hand - autograd| / max|autograd| that counts as agreeing (default: {TOLERANCE})")
    p.add_argument("--seed", type=number(int, positive=False), default=0,
                   help="general, cnn: seeds the random networks (default: 0)")
    p.set_defaults(run=check_deltas, subparser=p)


def check_deltas(args: argparse.Namespace) -> int:
    """Print the chosen comparisons; 1 if the general or the cnn delta rule disagrees with autograd, else 0."""
    names = [*SEEDS, "general", "cnn"] if args.which == "all" else [args.which]
    status = 0
    for name in names:
        if name in ("general", "cnn"):
            comparison = (compare_general if name == "general" else compare_cnn)(args.seed, args.tolerance)
            status = status or int(not all(reference.agrees for reference in comparison.references))
        else:
            try:
                comparison = compare_seed(name, tolerance=args.tolerance)
            except ImportError as err:  # seed001's digits come with scikit-learn
                print(f"{name}: skipped, its data needs scikit-learn ({err}); pip install 'micrograd-like[data]'\n")
                continue
        print(comparison)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """``micrograd-like check-deltas ...`` without the rest of the command line (argv after "check-deltas")."""
    from . import main as cli_main
    return cli_main(["check-deltas", *(argv or [])])
