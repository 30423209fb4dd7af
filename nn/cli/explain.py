"""`micrograd-like explain "EXPRESSION" a=2.0 b=-3.0 [--html out.html] [--text]`: the backward pass of
an expression, step by step, as text in the terminal and/or as one self-contained HTML page.

`run(args)` carries the command out (0: done, 1: Graphviz's `dot` is missing for --html,
2: a bad expression, variable or output path).
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

from micrograd_like.draw import GraphvizNotFound
from micrograd_like.page import ALLOWED, backward_page, build_expression, explain_text

PROG = "micrograd-like explain"
HELP = "the backward pass of an expression, step by step (text, or an HTML page)"


def add_command(commands: Any) -> None:
    parser = commands.add_parser("explain", help=HELP)
    parser.description = (f"Build the graph of EXPRESSION at the given values, backpropagate, and explain each "
                          f"chain-rule step. EXPRESSION may use {ALLOWED}.")
    parser.add_argument("expression", metavar="EXPRESSION", help='e.g. "(a*b + c) * f" or "tanh(a*b) + a"')
    parser.add_argument("variables", nargs="*", metavar="NAME=VALUE", help="a value for each name, e.g. a=2.0 b=-3")
    parser.add_argument("--html", metavar="PATH",
                        help="write the step-by-step page (pictures and arithmetic; needs Graphviz's dot) to PATH")
    parser.add_argument("--text", action="store_true",
                        help="print the steps as text (the default when --html is not given)")
    parser.set_defaults(run=run, subparser=parser)


def parse_variables(items: list[str]) -> dict[str, float]:
    """["a=2.0", "b=-3"] -> {"a": 2.0, "b": -3.0}; ValueError naming the first bad item."""
    variables: dict[str, float] = {}
    for item in items:
        name, equals, text = item.partition("=")
        name = name.strip()
        if not equals or not name.isidentifier():
            raise ValueError(f"{item!r} is not NAME=VALUE (e.g. a=2.0)")
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"{item!r}: {text.strip()!r} is not a number") from None
        if not math.isfinite(value):
            raise ValueError(f"{item!r}: the value must be a finite number")
        if name in variables:
            raise ValueError(f"{name} is given twice")
        variables[name] = value
    return variables


def _fail(message: str, status: int = 2) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return status


def run(args: argparse.Namespace) -> int:
    """Carry the command out; problems are reported as one line on stderr, with the exit status."""
    try:
        variables = parse_variables(args.variables)
        lines = explain_text(args.expression, variables)
        root = build_expression(args.expression, variables) if args.html else None
    except (ValueError, ArithmeticError, TypeError) as error:
        return _fail(str(error))
    if args.text or not args.html:
        print("\n".join(lines))
    if args.html:
        try:
            backward_page(root, args.html, title=f"{args.expression.strip()}: the backward pass")
        except GraphvizNotFound as error:
            return _fail(str(error), status=1)
        except OSError as error:
            return _fail(error.strerror or str(error))
        print(f"wrote {args.html}")
    return 0
