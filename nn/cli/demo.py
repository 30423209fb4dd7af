"""``micrograd-like demo``: a tour on embedded data, written to one folder."""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from micrograd_like import Tensor, Value, backward_frames, dot_available, draw_dot, gradcheck

from .. import datasets
from ..conv import conv_network
from ..deltas import compare, delta_rule
from ..deltas.registry import SEEDS
from ..layers import Linear, dense_network
from ..losses import LOSSES
from ..metrics import to_labels
from ..module import Module, atomic_write
from ..optim import SGD, Adam
from ..scalar import Neuron
from ..train import fit
from .arguments import UsageError
from .files import PLOT_EXTRA_HINT, check_output_folder, plot_losses, write_graph


def add_command(commands: Any) -> None:
    p = commands.add_parser("demo", help="a tour: backward, gradcheck, graphs, training AND, XOR, the digits and "
                                         "a small CNN on MNIST, and the hand-derived deltas checked against autograd",
                            description="A tour on embedded data, written to one folder (--out): an expression and a "
                                        "neuron backpropagated and gradchecked, AND, XOR and the digits trained with "
                                        "their gradients checked against the hand-derived delta rule, the seed "
                                        "tutorials' deltas against autograd, graphs, loss curves and a summary.")
    p.add_argument("--out", default="demo_output", help="output folder (default: demo_output)")
    p.set_defaults(run=demo, subparser=p)


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
        """The same computation as `nn.deltas.delta_rule` writes it, (activations, loss), read from the
        loss's declaration in `nn.losses.LOSSES` (e.g. bce_logits is its "bce" on a sigmoid output)."""
        spec = LOSSES[self.loss]
        if spec.hand_derived is None:
            raise ValueError(f"{self.loss} has no hand-derived delta")
        activations = self.activations[:-1] + (spec.hand_output,) if spec.hand_output else self.activations
        return activations, spec.hand_derived


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
    try:
        check_output_folder("--out", out)
    except ValueError as err:
        raise UsageError(str(err)) from None
    os.makedirs(out, exist_ok=True)
    drawing = dot_available()
    if not drawing:
        print(NO_DOT_NOTE + "\n")
    graphs = DemoResult("graphs")

    print("1. An expression: L = (a*b + c) * f")
    a, b, c, f = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c"), Value(-2.0, label="f")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    L = d * f
    L.label = "L"
    L.backward()
    print(f"   L = {L.data:g};  dL/da = {a.grad:g}, dL/db = {b.grad:g}, dL/dc = {c.grad:g}, dL/df = {f.grad:g}")
    gradcheck(lambda a, b, c, f: (a * b + c) * f, [a, b, c, f])
    print("   gradcheck: backward() agrees with finite differences")
    graphs.files.append(write_graph(draw_dot(L), out, "expression", drawing))
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
    out_value = neuron(x).tanh()
    out_value.label = "out"
    out_value.backward()
    print(f"   out = {out_value.data:.4f};  d out/dw = {[round(w.grad, 4) for w in neuron.w]}")
    gradcheck(lambda *p: neuron(x).tanh(), neuron.parameters())
    print("   gradcheck: backward() agrees with finite differences")
    graphs.files.append(write_graph(draw_dot(out_value, params=neuron.parameters()), out, "neuron", drawing))

    print("\n3. Training, with autograd's gradients checked against the hand-derived delta rule (nn.deltas.delta_rule)")
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
            graphs.files.append(write_graph(draw_dot(loss, params=model.parameters()), out, "xor_network", drawing))

    results.append(_demo_cnn(out))

    print("\n4. The seed tutorials' hand-derived deltas against autograd (nn.deltas.compare)")
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
    outputs = model.predict(X)
    threshold = 0.5 if task.activations[-1] == "sigmoid" else 0.0  # probabilities, or logits
    result = DemoResult(task.name, float(np.mean(to_labels(outputs, threshold) == y)), history.epoch_losses[-1],
                        *_delta_rule_difference(model, task, X, targets))
    print(f"      model {'-'.join(map(str, task.sizes))} ({', '.join(task.activations)}), loss {task.loss}, "
          f"{task.optimizer} lr {task.lr:g}, {task.epochs} epochs")
    print(f"      after {task.epochs} epochs: loss {result.final_loss:.4g}, accuracy {result.accuracy:.4f}; "
          f"autograd vs the delta rule: max |difference| {result.gradient_difference:.1e} "
          f"(relative to the largest gradient: {result.relative_difference:.1e})")
    if plots:
        result.files.append(os.path.basename(plot_losses(history, os.path.join(out, f"{task.name}_loss.png"),
                                                          f"{task.name}: {task.loss} loss")))
    model.save(os.path.join(out, f"{task.name}_weights.npz"))
    result.files.append(f"{task.name}_weights.npz")
    return result, model, X, targets


def _demo_cnn(out: str) -> DemoResult:
    """A short CNN run on real handwritten digits (the shipped MNIST subset): 1,000 training images, two
    epochs, accuracy on 1,000 held-out ones; its conv rule checked against autograd (nn.deltas.compare)."""
    print("   cnn: a small convolutional network on 28x28 MNIST digits (conv 8 3x3, ReLU, max pool, dense)")
    X_train, y_train, X_test, y_test = datasets.mnist(rng=0)
    model = conv_network((8,), (1, 28, 28), 10, rng=0)
    history = fit(model, X_train[:1000], y_train[:1000], "softmax_ce", Adam(model.parameters(), lr=0.01),
                  epochs=2, batch_size=50, rng=0)
    accuracy = float(np.mean(to_labels(model.predict(X_test)) == y_test))
    rows = [row for reference in compare.compare_cnn(0).references for row in reference.rows]
    worst = max(rows, key=lambda row: row.max_rel)
    print(f"      after 2 epochs on 1,000 images: loss {history.epoch_losses[-1]:.4g}, held-out accuracy "
          f"{accuracy:.4f}; the hand-derived conv/pool rule vs autograd: max relative difference {worst.max_rel:.1e}")
    model.save(os.path.join(out, "cnn_weights.npz"))
    return DemoResult("cnn", accuracy, history.epoch_losses[-1], worst.max_abs, worst.max_rel, ["cnn_weights.npz"])


def _delta_rule_difference(model: Module, task: DemoTask, X: np.ndarray, targets: np.ndarray) -> tuple[float, float]:
    """The largest |autograd - delta rule| over the gradients of every weight and bias on all of X, and
    that divided by the largest |gradient| (the gradients of a trained network are small). Autograd
    runs on the trained weights in a graph of primitive ops (`compare.autograd_gradients`)."""
    linears = [layer for layer in model.layers if isinstance(layer, Linear)]
    weights, biases = [layer.weight.data for layer in linears], [layer.bias.data for layer in linears]
    graph = compare.autograd_gradients(weights, biases, task.activations, X, targets, LOSSES[task.loss].composed)
    activations, loss = task.delta_rule_network()
    hand = delta_rule.backprop(weights, biases, activations, X, targets, loss)
    autograd = graph.weights + graph.biases
    difference = max(float(np.max(np.abs(g - h))) for g, h in zip(autograd, hand.grad_weights + hand.grad_biases))
    return difference, difference / max(float(np.max(np.abs(g))) for g in autograd)


def _demo_seed_comparisons(out: str) -> DemoResult:
    """Each seed's hand-derived update against autograd: a line per reference loss; the tables to deltas.txt."""
    tables = []
    for name in SEEDS:
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
