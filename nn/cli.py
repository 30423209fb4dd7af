"""The `micrograd-like` command line."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

from micrograd_like import GraphvizNotFound, Value, draw_dot, gradcheck

from .scalar import Neuron


def demo(args: argparse.Namespace) -> int:
    """Build an expression and a neuron, backpropagate, check against finite differences, draw both."""
    import random

    os.makedirs(args.out, exist_ok=True)
    print("1. An expression: L = (a*b + c) * f")
    a, b, c, f = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c"), Value(-2.0, label="f")
    e = a * b; e.label = "e"
    d = e + c; d.label = "d"
    L = d * f; L.label = "L"
    L.backward()
    print(f"   L = {L.data:g};  dL/da = {a.grad:g}, dL/db = {b.grad:g}, dL/dc = {c.grad:g}, dL/df = {f.grad:g}")
    gradcheck(lambda a, b, c, f: (a * b + c) * f, [a, b, c, f])
    print("   gradcheck: backward() agrees with finite differences")

    print("2. A neuron: tanh(w . x + b)")
    random.seed(0)
    neuron = Neuron(3, nonlin=False)
    x = [Value(v, label=f"x{i}") for i, v in enumerate((2.0, 0.0, -1.0))]
    for i, w in enumerate(neuron.w):
        w.label = f"w{i}"
    neuron.b.label = "b"
    out = neuron(x).tanh(); out.label = "out"
    out.backward()
    print(f"   out = {out.data:.4f};  d out/dw = {[round(w.grad, 4) for w in neuron.w]}")
    gradcheck(lambda *p: neuron(x).tanh(), neuron.parameters())
    print("   gradcheck: backward() agrees with finite differences")

    for name, root in (("expression", L), ("neuron", out)):
        graph = draw_dot(root)
        dot_path = os.path.join(args.out, f"{name}.dot")
        with open(dot_path, "w") as fh:
            fh.write(graph.source)
        try:
            print(f"   graph of the {name}: {graph.save(os.path.join(args.out, name + '.svg'))}")
        except GraphvizNotFound as err:
            print(f"   graph of the {name}: {dot_path} (DOT source only). {err}")
    print(f"Output written to {os.path.abspath(args.out)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="micrograd-like", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("demo", help="a tour: backward, gradcheck and graphs, written to an output folder")
    p.add_argument("--out", default="demo_output", help="output folder (default: demo_output)")
    p.set_defaults(run=demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
