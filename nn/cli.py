"""The `micrograd-like` command line: `demo` (a tour) and `train` (a dense network on a named data set)."""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from micrograd_like import (Graph, GraphvizNotFound, Tensor, Value, backward_frames, dot_available, draw_dot, gradcheck,
                            no_grad)

from . import compare, datasets, delta_rule, reproduce
from .init import SCHEMES
from .layers import ACTIVATIONS, Linear, dense_network
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


@dataclass(frozen=True)
class DemoTask:
    """One training run of the demo: a dense network, its loss and optimizer, and why."""

    name: str
    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    loss: str  # a name in nn.losses.LOSSES
    optimizer: str  # "sgd" or "adam"
    lr: float
    epochs: int
    batch_size: int | None
    why: str

    def delta_rule_network(self) -> tuple[tuple[str, ...], str]:
        """The same computation as `nn.delta_rule` writes it, (activations, loss): binary cross-entropy
        on the logits is its "bce" on a sigmoid output; softmax cross-entropy takes the logits as they are."""
        if self.loss == "bce_logits":
            return self.activations[:-1] + ("sigmoid",), "bce"
        return self.activations, self.loss


DEMO_TASKS = (
    DemoTask("and", (2, 1), ("sigmoid",), "mse", "sgd", 2.0, 300, 1,
             "linearly separable: one sigmoid neuron, updated after every sample (as seed 000)"),
    DemoTask("xor", (2, 4, 1), ("tanh", "identity"), "bce_logits", "adam", 0.1, 300, None,
             "not linearly separable: a hidden layer of 4; full-batch Adam on the logits"),
    DemoTask("digits", (64, 32, 10), ("tanh", "identity"), "softmax_ce", "adam", 0.01, 5, 32,
             "scikit-learn's 8x8 digits, pixels scaled to [0, 1]; batches of 32, a few epochs"),
)
NO_DOT_NOTE = ("Note: Graphviz's `dot` program is not on PATH, so the graphs are written as DOT source (.dot "
               "files; `dot -Tsvg graph.dot -o graph.svg` draws one) and the backward-pass frames are skipped. To get "
               "the pictures, install Graphviz (Debian/Ubuntu: sudo apt-get install graphviz; macOS: brew install "
               "graphviz).")


@dataclass
class DemoResult:
    """A row of the demo's summary."""

    task: str
    accuracy: float | None = None
    final_loss: float | None = None
    gradient_difference: float | None = None  # max |autograd - delta rule| over every gradient
    relative_difference: float | None = None  # ... divided by the largest |gradient|
    files: list[str] = field(default_factory=list)


def demo(args: argparse.Namespace) -> int:
    """A tour: an expression and a neuron backpropagated and gradchecked; AND, XOR (and the digits, with
    scikit-learn) trained, their gradients checked against the delta rule; the seed tutorials' deltas
    against autograd; graphs, backward frames, loss curves and a summary written to one folder."""
    out = args.out
    os.makedirs(out, exist_ok=True)
    drawing = dot_available()
    if not drawing:
        print(NO_DOT_NOTE + "\n")
    graphs = DemoResult("graphs")

    print("1. An expression: L = (a*b + c) * f")
    a, b, c, f = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c"), Value(-2.0, label="f")
    e = a * b; e.label = "e"
    d = e + c; d.label = "d"
    L = d * f; L.label = "L"
    L.backward()
    print(f"   L = {L.data:g};  dL/da = {a.grad:g}, dL/db = {b.grad:g}, dL/dc = {c.grad:g}, dL/df = {f.grad:g}")
    gradcheck(lambda a, b, c, f: (a * b + c) * f, [a, b, c, f])
    print("   gradcheck: backward() agrees with finite differences")
    graphs.files.append(_write_graph(draw_dot(L), out, "expression", drawing))
    if drawing:
        for leaf in (a, b, c, f):
            leaf.zero_grad()  # to watch a fresh pass: leaves add up their gradients over passes
        frames = backward_frames(L, os.path.join(out, "backward_frames"))
        graphs.files.append(f"backward_frames/ ({len(frames)} frames)")
        print(f"   the backward pass, one picture per step: {len(frames)} frames in backward_frames/")

    print("\n2. A neuron: tanh(w . x + b)")
    random.seed(0)
    neuron = Neuron(3, nonlin=False)
    x = [Value(v, label=f"x{i}") for i, v in enumerate((2.0, 0.0, -1.0))]
    for i, w in enumerate(neuron.w):
        w.label = f"w{i}"
    neuron.b.label = "b"
    out_value = neuron(x).tanh(); out_value.label = "out"
    out_value.backward()
    print(f"   out = {out_value.data:.4f};  d out/dw = {[round(w.grad, 4) for w in neuron.w]}")
    gradcheck(lambda *p: neuron(x).tanh(), neuron.parameters())
    print("   gradcheck: backward() agrees with finite differences")
    graphs.files.append(_write_graph(draw_dot(out_value, params=neuron.parameters()), out, "neuron", drawing))

    print("\n3. Training, with autograd's gradients checked against the hand-derived delta rule (nn.delta_rule)")
    plots = importlib.util.find_spec("matplotlib") is not None
    if not plots:
        print(f"   (no loss curves: matplotlib is not installed; {PLOT_EXTRA_HINT})")
    results = []
    for task in DEMO_TASKS:
        result, model, X, targets = _demo_training(task, out, plots)
        results.append(result)
        if task.name == "xor" and model is not None:  # the trained network's graph, one box per layer
            loss = LOSSES[task.loss](model(Tensor(X)), targets)
            model.zero_grad()
            loss.backward()
            graphs.files.append(_write_graph(draw_dot(loss, params=model.parameters()), out, "xor_network", drawing))

    print("\n4. The seed tutorials' hand-derived deltas against autograd (nn.compare)")
    seeds = _demo_seed_comparisons(out)

    print("\n5. Graphs: " + ", ".join(graphs.files))
    summary = _demo_summary([*results, seeds, graphs])
    with atomic_write(os.path.join(out, "summary.txt")) as fh:
        fh.write(summary.encode())
    print(f"\nSummary (also in summary.txt)\n{summary}")
    print(f"Output written to {os.path.abspath(out)}")
    return 0


def _demo_training(task: DemoTask, out: str, plots: bool) -> tuple[DemoResult, Module | None, Any, Any]:
    """Train one task (a progress bar on a terminal), check its gradients against the delta rule, and
    write its loss curve and weights. Returns the summary row, and the model and data (None if skipped)."""
    print(f"   {task.name}: {task.why}")
    try:
        X, y = datasets.load(task.name)
    except ImportError as err:  # the digits come with scikit-learn
        print(f"      skipped: {err}")
        return DemoResult(task.name, files=["(skipped: needs scikit-learn)"]), None, None, None
    if task.name == "digits":
        X = X / 16.0  # pixels 0..16
    targets = y if task.loss == "softmax_ce" else y.reshape(-1, 1).astype(np.float64)
    model = dense_network(task.sizes, task.activations, rng=0)
    optimizer = (Adam if task.optimizer == "adam" else SGD)(model.parameters(), lr=task.lr)
    history = fit(model, X, targets, task.loss, optimizer, task.epochs, batch_size=task.batch_size, rng=0)
    with no_grad():
        outputs = model(Tensor(X))
    threshold = 0.5 if task.activations[-1] == "sigmoid" else 0.0  # probabilities, or logits
    result = DemoResult(task.name, float(np.mean(to_labels(outputs, threshold) == y)), history.epoch_losses[-1],
                        *_delta_rule_difference(model, task, X, targets))
    print(f"      model {'-'.join(map(str, task.sizes))} ({', '.join(task.activations)}), loss {task.loss}, "
          f"{task.optimizer} lr {task.lr:g}, {task.epochs} epochs")
    print(f"      after {task.epochs} epochs: loss {result.final_loss:.4g}, accuracy {result.accuracy:.4f}; "
          f"autograd vs the delta rule: max |difference| {result.gradient_difference:.1e} "
          f"(relative to the largest gradient: {result.relative_difference:.1e})")
    if plots:
        result.files.append(os.path.basename(_plot_losses(history, os.path.join(out, f"{task.name}_loss.png"),
                                                          f"{task.name}: {task.loss} loss")))
    model.save(os.path.join(out, f"{task.name}_weights.npz"))
    result.files.append(f"{task.name}_weights.npz")
    return result, model, X, targets


def _delta_rule_difference(model: Module, task: DemoTask, X: np.ndarray, targets: np.ndarray) -> tuple[float, float]:
    """The largest |autograd - delta rule| over the gradients of every weight and bias on all of X, and
    that divided by the largest |gradient| (the gradients of a trained network are small)."""
    linears = [layer for layer in model.layers if isinstance(layer, Linear)]
    model.zero_grad()
    LOSSES[task.loss](model(Tensor(X)), targets).backward()
    activations, loss = task.delta_rule_network()
    hand = delta_rule.backprop([layer.weight.data for layer in linears], [layer.bias.data for layer in linears],
                               activations, X, targets, loss)
    autograd = [layer.weight.grad for layer in linears] + [layer.bias.grad for layer in linears]
    difference = max(float(np.max(np.abs(g - h))) for g, h in zip(autograd, hand.grad_weights + hand.grad_biases))
    return difference, difference / max(float(np.max(np.abs(g))) for g in autograd)


def _demo_seed_comparisons(out: str) -> DemoResult:
    """Each seed's hand-derived update against autograd: a line per reference loss; the tables to deltas.txt."""
    tables = []
    for name in compare.SEEDS:
        try:
            comparison = compare.compare_seed(name)
        except ImportError as err:  # seed 001's digits come with scikit-learn
            print(f"   {name}: skipped ({err})")
            continue
        tables.append(str(comparison))
        for reference in comparison.references:
            print(f"   {name} vs autograd on {reference.key}: {reference.summary()}")
    with atomic_write(os.path.join(out, "deltas.txt")) as fh:
        fh.write("\n".join(tables).encode())
    print("   what each difference means: deltas.txt, docs/deltas.md and notebook 6")
    return DemoResult("seeds", files=["deltas.txt"])


def _write_graph(graph: Graph, out: str, name: str, drawing: bool) -> str:
    """`graph` as out/name.svg, or as DOT source in out/name.dot without Graphviz; returns the file name."""
    if drawing:
        return os.path.basename(graph.save(os.path.join(out, name + ".svg")))
    with atomic_write(os.path.join(out, name + ".dot")) as fh:
        fh.write(graph.source.encode())
    return name + ".dot"


def _demo_summary(results: list[DemoResult]) -> str:
    """The summary table: task, accuracy, final loss, gradient check, files."""
    def number(value: float | None, form: str) -> str:
        return "-" if value is None else format(value, form)

    lines = [f"{'task':<8} {'accuracy':>8} {'final loss':>10} {'grad check: max |diff|':>22}  files",
             f"{'':<8} {'':>8} {'':>10} {'absolute':>10} {'relative':>10}"]
    for r in results:
        lines.append(f"{r.task:<8} {number(r.accuracy, '.4f'):>8} {number(r.final_loss, '.4g'):>10} "
                     f"{number(r.gradient_difference, '.1e'):>10} {number(r.relative_difference, '.1e'):>10}  "
                     f"{', '.join(r.files)}")
    return "\n".join(lines) + "\n"


# ---- the parser -------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="micrograd-like", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("demo", help="a tour: backward, gradcheck, graphs, training AND, XOR and the digits, "
                                         "and the hand-derived deltas checked against autograd")
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
    compare.add_commands(commands)
    reproduce.add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except UsageError as err:
        args.subparser.error(str(err))  # prints the usage and the message, exits with status 2


if __name__ == "__main__":
    sys.exit(main())
