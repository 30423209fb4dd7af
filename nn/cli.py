"""The `micrograd-like` command line: `demo` (a tour) and `train` (a dense network on a named data set)."""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from typing import Callable, Sequence

import numpy as np

from micrograd_like import GraphvizNotFound, Tensor, Value, draw_dot, gradcheck, no_grad

from . import datasets
from .init import SCHEMES
from .layers import ACTIVATIONS, dense_network
from .losses import LOSSES
from .metrics import classification_report, confusion_matrix, to_labels
from .module import Module, atomic_write
from .optim import SGD, Adam
from .scalar import Neuron
from .train import History, fit

PLOT_EXTRA_HINT = "pip install 'micrograd-like[plot]'"
ONE_OUTPUT_LOSSES = ("bce", "bce_logits", "hinge")  # a single output column: two classes only
LOGIT_LOSSES = ("bce_logits", "softmax_ce", "hinge")  # the network's last layer stays linear


class UsageError(Exception):
    """A bad command-line argument found after parsing: reported like argparse's own errors (exit 2)."""


# ---- train ------------------------------------------------------------------------------------


def train(args: argparse.Namespace) -> int:
    """Train a dense network on a data set; print the metrics; optionally plot, draw and save."""
    X, y, targets, model, threshold = _setup(args)
    optimizer = (Adam(model.parameters(), lr=args.lr) if args.optimizer == "adam"
                 else SGD(model.parameters(), lr=args.lr, momentum=args.momentum))
    print(f"{args.dataset}: {len(X)} samples, {X.shape[1]} features, {len(np.unique(y))} classes")
    print(f"model: {model}")
    print(f"loss {args.loss}, optimizer {args.optimizer} (lr {args.lr:g}), {args.epochs} epochs, "
          f"batch size {args.batch_size or 'all'}, seed {args.seed}")
    history = fit(model, X, targets, LOSSES[args.loss], optimizer, args.epochs, batch_size=args.batch_size,
                  rng=args.seed, target_loss=args.target_loss, progress=args.progress)
    with no_grad():
        outputs = model(Tensor(X))
    predicted = to_labels(outputs, threshold)
    stop = " (reached --target-loss)" if history.stopped_early else ""
    print(f"\nafter {len(history.epoch_losses)} epochs{stop}: loss {history.epoch_losses[-1]:.6g}, "
          f"accuracy {np.mean(predicted == y):.4f}\n")
    print(classification_report(y, predicted))
    print("confusion matrix (rows: true class, columns: predicted class):")
    print(confusion_matrix(y, predicted, n_classes=int(max(y.max(), predicted.max())) + 1))
    if args.plot:
        print(f"loss curve: {_plot_losses(history, args.plot, f'{args.dataset}: {args.loss} loss')}")
    if args.graph:
        print(_save_graph(LOSSES[args.loss](model(Tensor(X)), targets), args.graph, "the loss"))
    if args.save:
        model.save(args.save)
        print(f"weights saved to {args.save} (load them into the same network with model.load(path))")
    return 0


def _setup(args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray, np.ndarray, Module, float]:
    """The data, the targets in the form the loss wants, the network, and the threshold that turns one
    output into a class; a UsageError when they don't fit. Fills in the default --loss."""
    if args.momentum and args.optimizer != "sgd":
        raise UsageError("--momentum only applies to --optimizer sgd (Adam keeps its own running averages)")
    if args.plot and importlib.util.find_spec("matplotlib") is None:
        raise UsageError(f"--plot needs matplotlib, which is not installed: {PLOT_EXTRA_HINT}")
    for option, path, formats in (("--plot", args.plot, ("png", "svg", "pdf")),
                                  ("--graph", args.graph, ("svg", "png", "pdf", "dot"))):
        if path and os.path.splitext(path)[1].lstrip(".").lower() not in formats:
            raise UsageError(f"{option} {path}: the file name must end in one of {['.' + f for f in formats]}")
    try:
        X, y = datasets.load(args.dataset, n_samples=args.n_samples, noise=args.noise, rng=args.seed)
    except (ValueError, ImportError) as err:
        raise UsageError(str(err)) from None
    n_classes = int(y.max()) + 1
    loss = args.loss = args.loss or ("bce_logits" if n_classes == 2 else "softmax_ce")
    if loss in ONE_OUTPUT_LOSSES and n_classes != 2:
        raise UsageError(f"--loss {loss} needs two classes; {args.dataset} has {n_classes} (use softmax_ce or mse)")
    n_outputs = 1 if loss in ONE_OUTPUT_LOSSES or n_classes == 2 else n_classes
    sizes = args.sizes or [X.shape[1], 8, n_outputs]
    if sizes[0] != X.shape[1] or sizes[-1] != n_outputs:
        raise UsageError(f"--sizes {','.join(map(str, sizes))}: {args.dataset} needs {X.shape[1]} inputs and, "
                         f"with --loss {loss}, {n_outputs} output(s), e.g. --sizes {X.shape[1]},8,{n_outputs}")
    output_activation = "identity" if loss in LOGIT_LOSSES else "sigmoid"
    activations = args.activations or ["tanh"] * (len(sizes) - 2) + [output_activation]
    try:
        model = dense_network(sizes, activations, init=args.init, rng=args.seed)
    except ValueError as err:
        raise UsageError(f"--sizes/--activations: {err}") from None
    if loss == "softmax_ce":
        targets = y
    elif n_outputs > 1:
        targets = datasets.one_hot(y, n_classes)
    else:
        targets = (2.0 * y - 1 if loss == "hinge" else y.astype(np.float64)).reshape(-1, 1)
    threshold = 0.0 if loss in LOGIT_LOSSES else 0.5
    return X, y, targets, model, threshold


def _plot_losses(history: History, path: str, title: str) -> str:
    """Draw the loss per epoch (log scale when it spans more than a factor 100) to `path`; returns it."""
    from matplotlib.figure import Figure  # no pyplot: no window, no global state, works without a display

    figure = Figure(figsize=(6, 4), layout="constrained")
    axes = figure.subplots()
    epochs = np.arange(1, len(history.epoch_losses) + 1)
    axes.plot(epochs, history.epoch_losses)
    losses = np.array(history.epoch_losses)
    if len(losses) and losses.min() > 0 and losses.max() / losses.min() > 100:
        axes.set_yscale("log")
    axes.set(xlabel="epoch", ylabel="mean loss", title=title)
    axes.grid(True, alpha=0.3)
    with atomic_write(path) as fh:
        figure.savefig(fh, format=os.path.splitext(path)[1].lstrip(".").lower())
    return path


def _save_graph(root: Value | Tensor, path: str, what: str) -> str:
    """Draw the graph of `root` to `path`; without Graphviz's `dot`, write the DOT source instead."""
    graph = draw_dot(root)
    note = ""
    if not path.lower().endswith(".dot"):
        try:
            return f"graph of {what}: {graph.save(path)}"
        except GraphvizNotFound as err:
            path, note = os.path.splitext(path)[0] + ".dot", f" (DOT source only. {err})"
    with atomic_write(path) as fh:
        fh.write(graph.source.encode())
    return f"graph of {what}: {path}{note}"


def _int_list(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected whole numbers separated by commas, like 2,4,1; got {text!r}")
    if len(sizes) < 2 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected at least two positive sizes (inputs, ..., outputs); got {text!r}")
    return sizes


def _name_list(text: str) -> list[str]:
    names = [part.strip().lower() for part in text.split(",")]
    unknown = [n for n in names if n not in ACTIVATIONS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown activation(s) {unknown}; choose from {', '.join(ACTIVATIONS)}")
    return names


def _number(kind: type, positive: bool) -> Callable[[str], float]:
    """An argparse type: a finite number of `kind` that is > 0 (`positive`) or >= 0."""
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a {kind.__name__}, got {text!r}") from None
        if not np.isfinite(value) or value < 0 or (positive and value == 0):
            raise argparse.ArgumentTypeError(f"expected a {'positive' if positive else 'non-negative'} "
                                             f"{kind.__name__}, got {text!r}")
        return value
    return parse


# ---- demo -------------------------------------------------------------------------------------

DEMO_TRAININGS = {
    # AND is linearly separable: one sigmoid neuron learns it, updated after every sample (as seed 000)
    "and": ["--sizes", "2,1", "--activations", "sigmoid", "--loss", "mse", "--optimizer", "sgd", "--lr", "2",
            "--epochs", "300", "--batch-size", "1"],
    # XOR is not: it needs a hidden layer; full-batch Adam on the logits
    "xor": ["--sizes", "2,4,1", "--activations", "tanh,identity", "--loss", "bce_logits", "--optimizer", "adam",
            "--lr", "0.1", "--epochs", "300"],
}


def demo(args: argparse.Namespace) -> int:
    """Build an expression and a neuron, backpropagate, check against finite differences, draw both;
    then train AND and XOR through `train`."""
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
        print("   " + _save_graph(root, os.path.join(args.out, name + ".svg"), f"the {name}"))

    plots = importlib.util.find_spec("matplotlib") is not None
    for number, (dataset, options) in enumerate(DEMO_TRAININGS.items(), start=3):
        print(f"\n{number}. Train {dataset.upper()}: micrograd-like train {dataset} {' '.join(options)}")
        extra = ["--plot", os.path.join(args.out, f"{dataset}_loss.png")] if plots else []
        if not plots:
            print(f"   (no loss curve: matplotlib is not installed; {PLOT_EXTRA_HINT})")
        extra += ["--save", os.path.join(args.out, f"{dataset}_weights.npz")]
        train(build_parser().parse_args(["train", dataset, *options, *extra]))
    print(f"\nOutput written to {os.path.abspath(args.out)}")
    return 0


# ---- the parser -------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="micrograd-like", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("demo", help="a tour: backward, gradcheck, graphs, and training AND and XOR")
    p.add_argument("--out", default="demo_output", help="output folder (default: demo_output)")
    p.set_defaults(run=demo, subparser=p)

    p = commands.add_parser("train", help="train a dense network on a named data set",
                            description="Train a dense network on an embedded data set and print its metrics.")
    p.add_argument("dataset", choices=datasets.NAMES, help="the data set")
    p.add_argument("--sizes", type=_int_list, metavar="N,N,...",
                   help="layer sizes, inputs first (default: inputs,8,outputs)")
    p.add_argument("--activations", type=_name_list, metavar="NAME,...",
                   help=f"one per layer, from {', '.join(ACTIVATIONS)} (default: tanh, then the loss's output)")
    p.add_argument("--loss", choices=list(LOSSES),
                   help="default: bce_logits for two classes, softmax_ce for more")
    p.add_argument("--optimizer", choices=("sgd", "adam"), default="adam", help="default: adam")
    p.add_argument("--lr", type=_number(float, positive=True), default=0.05, help="learning rate (default: 0.05)")
    p.add_argument("--momentum", type=_number(float, positive=False), default=0.0, help="SGD momentum (default: 0)")
    p.add_argument("--epochs", type=_number(int, positive=True), default=200, help="default: 200")
    p.add_argument("--batch-size", type=_number(int, positive=True), help="samples per update (default: all of them)")
    p.add_argument("--seed", type=_number(int, positive=False), default=0,
                   help="seeds the data, the weights and the shuffling (default: 0)")
    p.add_argument("--init", choices=SCHEMES, default="xavier", help="weight initialisation (default: xavier)")
    p.add_argument("--n-samples", type=_number(int, positive=True), help="for moons and spiral")
    p.add_argument("--noise", type=_number(float, positive=False), help="for moons and spiral")
    p.add_argument("--target-loss", type=_number(float, positive=False),
                   help="stop once an epoch's loss is at most this")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction,
                   help="show a progress bar (default: when stderr is a terminal)")
    p.add_argument("--plot", metavar="PATH", help="save the loss curve (.png, .svg, .pdf; needs matplotlib)")
    p.add_argument("--graph", metavar="PATH", help="draw the graph of the final loss (.svg, .png, .pdf, .dot)")
    p.add_argument("--save", metavar="PATH", help="save the trained weights (.npz)")
    p.set_defaults(run=train, subparser=p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except UsageError as err:
        args.subparser.error(str(err))  # prints the usage and the message, exits with status 2


if __name__ == "__main__":
    sys.exit(main())
