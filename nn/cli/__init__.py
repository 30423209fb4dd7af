"""The `micrograd-like` command line, one module per command:

  demo          a tour on embedded data: backward, gradcheck, graphs, training, the deltas checked
  train         train a dense network on a named data set and print its metrics
  check-deltas  the seeds' hand-derived deltas (and the general delta rule) against autograd
  reproduce     run a seed tutorial's experiment with our engine
  explain       the backward pass of an expression, step by step (text, or an HTML page)

Argument types shared by the commands live in `nn.cli.arguments`.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from . import check_deltas, demo, explain, reproduce, train
from .arguments import UsageError

COMMANDS = (demo, train, check_deltas, reproduce, explain)  # each has add_command(subparsers)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="micrograd-like", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except UsageError as err:
        args.subparser.error(str(err))  # prints the usage and the message, exits with status 2
        raise  # not reached: error() exits


__all__ = ["main", "build_parser", "UsageError", "COMMANDS"]
