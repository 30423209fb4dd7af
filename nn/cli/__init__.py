"""The `micrograd-like` command line, one module per command (`COMMANDS`); each declares its name, its
help line and its options in its `add_command`, and `micrograd-like --help` lists what they declare.
Argument types shared by the commands live in `nn.cli.arguments`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import check_deltas, demo, explain, reproduce, train
from .arguments import Progress, UsageError

DESCRIPTION = ("micrograd_like: a small, exact autograd engine for teaching backpropagation, and its layer library. "
               "Run `micrograd-like COMMAND --help` for a command's options. Ctrl-C stops any command with one line "
               "saying where it stopped and what it had saved (exit status 130).")
INTERRUPTED = 130  # the shell's status for a process stopped by SIGINT (128 + 2)

COMMANDS = (demo, train, check_deltas, reproduce, explain)  # each has add_command(subparsers)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="micrograd-like", description=DESCRIPTION)
    commands = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = None
    try:
        args = build_parser().parse_args(argv)
        args.state = Progress()  # the command records where it is, for the line after Ctrl-C
        return args.run(args)
    except UsageError as err:
        args.subparser.error(str(err))  # prints the usage and the message, exits with status 2
        raise  # not reached: error() exits
    except KeyboardInterrupt:
        print(_interrupted(args), file=sys.stderr)
        return INTERRUPTED


def _interrupted(args: argparse.Namespace | None) -> str:
    """The one line after Ctrl-C: the command, where it was, and what it had written."""
    command = getattr(args, "command", None)
    state = getattr(args, "state", None) or Progress()
    where = f" at {state.where}" if state.where else ""
    saved = f"saved: {', '.join(state.saved)}" if state.saved else "nothing was saved"
    return f"micrograd-like{' ' + command if command else ''}: interrupted (Ctrl-C){where}; {saved}"


__all__ = ["main", "build_parser", "UsageError", "COMMANDS"]
