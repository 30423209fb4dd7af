"""``micrograd-like train DATASET``: a dense network on a named data set; its metrics, plots, page, graph, weights.

The sampled data sets (moons, spiral, digits: any with at least `MIN_SAMPLES_TO_HOLD_OUT` rows) are
split first: a stratified, seeded `--test-fraction` (default 0.2) is held out, the network never
trains on it, and the report shows training and held-out accuracy side by side. The four-row truth
tables are always learnt whole. Every output path is checked before training starts; a run whose
loss becomes NaN or infinite stops with one line and writes nothing.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from typing import Any

import numpy as np

from micrograd_like import Tensor, training_page

from .. import datasets
from ..conv import conv_network
from ..init import SCHEMES
from ..layers import ACTIVATIONS, dense_network
from ..losses import LOSSES
from ..metrics import classification_report, confusion_matrix, to_labels
from ..module import Module
from ..optim import SGD, Adam
from ..plots import plot_decision_boundary, plot_history, plot_misclassified
from ..train import History, TrainingDiverged, fit
from .arguments import Progress, UsageError, activation_list, channel_list, check_memory, int_list, number
from .files import PLOT_EXTRA_HINT, check_output_file, save_graph

PROG = "micrograd-like train"
MIN_SAMPLES_TO_HOLD_OUT = 20
DEFAULT_TEST_FRACTION = 0.2
PAGE_GRID = 48  # points per side of the decision-boundary picture of each epoch on the --page
PAGE_MAX_BOUNDARY_EPOCHS = 500  # longer runs get the loss curve only on the page (one picture per epoch)
IMAGE_SIDES = {64: 8, 784: 28}  # flat image rows: the 8x8 digits, MNIST


def add_command(commands: Any) -> None:
    p = commands.add_parser("train", help="train a dense network (or a CNN: --conv) on a named data set, report "
                                          "training and held-out accuracy",
                            description="Train a dense network (or, with --conv, a convolutional one) on an "
                                        "embedded data set and print its metrics. For data sets with at least 20 "
                                        "samples a stratified test split is held out (--test-fraction) and reported "
                                        "beside the training accuracy. Every output path is checked before training; "
                                        "Ctrl-C stops with one line (exit 130).")
    p.add_argument("dataset", choices=datasets.NAMES, help="the data set")
    p.add_argument("--sizes", type=int_list, metavar="N,N,...",
                   help="layer sizes, inputs first (default: inputs,8,outputs)")
    p.add_argument("--activations", type=activation_list, metavar="NAME,...",
                   help=f"one per layer, from {', '.join(ACTIVATIONS)} (default: tanh, then the loss's output)")
    p.add_argument("--loss", choices=list(LOSSES),
                   help="default: bce_logits for two classes, softmax_ce for more")
    p.add_argument("--optimizer", choices=("sgd", "adam"), default="adam", help="default: adam")
    p.add_argument("--lr", type=number(float, positive=True), default=0.05, help="learning rate (default: 0.05)")
    p.add_argument("--momentum", type=number(float, positive=False), default=0.0, help="SGD momentum (default: 0)")
    p.add_argument("--epochs", type=number(int, positive=True), default=200, help="default: 200")
    p.add_argument("--batch-size", type=number(int, positive=True), help="samples per update (default: all of them)")
    p.add_argument("--seed", type=number(int, positive=False), default=0,
                   help="seeds the data, the split, the weights and the shuffling (default: 0)")
    p.add_argument("--conv", type=channel_list, metavar="C,C,...",
                   help="digits, mnist: a convolutional network instead, one 3x3 conv + ReLU + 2x2 max pool per "
                        "channel count, then a dense layer (e.g. --conv 8,16; pixels scaled to [0, 1])")
    p.add_argument("--init", choices=SCHEMES, default="xavier", help="weight initialisation (default: xavier)")
    p.add_argument("--n-samples", type=number(int, positive=True), help="for moons and spiral")
    p.add_argument("--noise", type=number(float, positive=False), help="for moons and spiral")
    p.add_argument("--test-fraction", type=number(float, positive=False, below=1.0), metavar="F",
                   help=f"the share of the samples held out for testing, stratified by class (default: "
                        f"{DEFAULT_TEST_FRACTION} for data sets of {MIN_SAMPLES_TO_HOLD_OUT} samples or more, none "
                        f"for the truth tables; 0: train on everything)")
    p.add_argument("--patience", type=number(int, positive=True), metavar="N",
                   help="stop once the held-out loss has not improved for N epochs, and keep the weights of its "
                        "best epoch (needs a held-out split)")
    p.add_argument("--target-loss", type=number(float, positive=False),
                   help="stop once an epoch's loss is at most this")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction,
                   help="show a progress bar (default: when stderr is a terminal)")
    p.add_argument("--plot", metavar="PATH",
                   help="save the training and held-out loss curves to PATH (.png, .svg, .pdf; needs matplotlib); "
                        "for 2-D data sets also the decision boundary to PATH-boundary.EXT, for image data sets "
                        "the misclassified held-out images to PATH-misclassified.EXT (e.g. loss.png, "
                        "loss-boundary.png, loss-misclassified.png)")
    p.add_argument("--page", metavar="PATH",
                   help="write an HTML page of the run (.html): the loss curve and, for 2-D data, the decision "
                        "boundary epoch by epoch on a slider; opens in any browser, offline")
    p.add_argument("--graph", metavar="PATH", help="draw the graph of the final loss (.svg, .png, .pdf, .dot)")
    p.add_argument("--save", metavar="PATH", help="save the trained weights (.npz)")
    p.set_defaults(run=train, subparser=p)


def train(args: argparse.Namespace) -> int:
    """Train a dense network on a data set; print the metrics; optionally plot, draw, write a page and save."""
    progress: Progress = getattr(args, "state", None) or Progress()
    X, y, model, threshold, n_outputs = _setup(args)
    X_train, X_test, y_train, y_test = _split(args, X, y)
    spec = LOSSES[args.loss]
    train_targets, test_targets = spec.make_targets(y_train, n_outputs), spec.make_targets(y_test, n_outputs)
    optimizer = (Adam(model.parameters(), lr=args.lr) if args.optimizer == "adam"
                 else SGD(model.parameters(), lr=args.lr, momentum=args.momentum))
    held_out = f"; {len(X_test)} held out for testing" if len(X_test) else ""
    print(f"{args.dataset}: {len(X)} samples, {X[0].size} features, {len(np.unique(y))} classes{held_out}")
    print(f"model: {model}")
    print(f"loss {args.loss}, optimizer {args.optimizer} (lr {args.lr:g}), {args.epochs} epochs, "
          f"batch size {args.batch_size or 'all'}, seed {args.seed}", flush=True)
    frames = _BoundaryFrames(model, X, threshold, spec.takes_logits) if _page_boundaries(args, X) else None

    def on_epoch_end(epoch: int, history: History) -> None:
        progress.where = f"epoch {epoch} of {args.epochs}"
        if frames is not None:
            frames.record()

    progress.where = f"epoch 0 of {args.epochs}"
    try:  # (overflow on the way to a diverged loss is reported by TrainingDiverged, once, not by numpy per op)
        with np.errstate(over="ignore", invalid="ignore"):
            history = fit(model, X_train, train_targets, spec, optimizer, args.epochs,
                          batch_size=args.batch_size,
                          rng=args.seed, target_loss=args.target_loss, progress=args.progress,
                          validation_data=(X_test, test_targets) if len(X_test) else None,
                          patience=args.patience, restore_best_weights=args.patience is not None,
                          on_epoch_end=on_epoch_end)
    except TrainingDiverged as error:
        print(f"{PROG}: error: {error} Nothing was saved.", file=sys.stderr)
        return 1
    progress.where = f"after training ({progress.where})"
    _report(args, history, model, threshold, X_train, y_train, X_test, y_test)
    _write_outputs(args, progress, history, frames, model, threshold, X, y, X_train, train_targets, X_test, y_test)
    return 0


def _report(args: argparse.Namespace, history: History, model: Module, threshold: float, X_train: np.ndarray,
            y_train: np.ndarray, X_test: np.ndarray, y_test: np.ndarray) -> None:
    """Training and held-out accuracy side by side; the classification report and confusion matrix of the
    held-out samples (of the training samples when nothing is held out)."""
    stop = ""
    if history.stopped_early:
        reached_target = args.target_loss is not None and history.epoch_losses[-1] <= args.target_loss
        stop = " (reached --target-loss)" if reached_target else \
            f" (stopped: no held-out improvement for {args.patience} epochs)"
    train_predicted = to_labels(model.predict(X_train), threshold)
    line = f"\nafter {len(history.epoch_losses)} epochs{stop}: loss {history.epoch_losses[-1]:.6g}"
    if len(X_test):
        test_predicted = to_labels(model.predict(X_test), threshold)
        print(f"{line}, held-out loss {history.validation_losses[-1]:.6g}")
        if history.restored_best_weights:
            print(f"kept the weights of epoch {history.best_epoch} (lowest held-out loss "
                  f"{min(history.validation_losses):.6g})")
        print(f"accuracy: training {np.mean(train_predicted == y_train):.4f} ({len(X_train)} samples), "
              f"held-out {np.mean(test_predicted == y_test):.4f} ({len(X_test)} samples)\n")
        print("on the held-out samples:")
        shown_y, shown_predicted = y_test, test_predicted
    else:
        print(f"{line}, accuracy {np.mean(train_predicted == y_train):.4f}\n")
        shown_y, shown_predicted = y_train, train_predicted
    print(classification_report(shown_y, shown_predicted))
    print("confusion matrix (rows: true class, columns: predicted class):")
    print(confusion_matrix(shown_y, shown_predicted,
                           n_classes=int(max(shown_y.max(), shown_predicted.max(), y_train.max())) + 1))


def _write_outputs(args: argparse.Namespace, progress: Progress, history: History, frames: Any, model: Module,
                   threshold: float, X: np.ndarray, y: np.ndarray, X_train: np.ndarray, train_targets: np.ndarray,
                   X_test: np.ndarray, y_test: np.ndarray) -> None:
    def wrote(description: str, path: str) -> None:
        progress.saved.append(path)
        print(f"{description}: {path}")

    title = f"{args.dataset}: {args.loss} loss"
    if args.plot:
        plot_history(history, args.plot, title)
        wrote("loss curves", args.plot)
        if X.ndim == 2 and X.shape[1] == 2:
            path = _derived_path(args.plot, "boundary")
            plot_decision_boundary(model, X, y, path, threshold=threshold,
                                   title=f"{args.dataset}: the decision boundary, all {len(X)} samples")
            wrote("decision boundary", path)
        if X[0].size in IMAGE_SIDES:
            images, labels = (X_test, y_test) if len(X_test) else (X, y)
            path = _derived_path(args.plot, "misclassified")
            plot_misclassified(images, labels, to_labels(model.predict(images), threshold), path)
            wrote("misclassified " + ("held-out " if len(X_test) else "") + "images", path)
    if args.page:
        boundaries = frames.grids if frames is not None else None
        training_page(history.epoch_losses, args.page, f"{args.dataset}: training with {args.loss}",
                      boundaries=boundaries, points=X if boundaries else None, labels=y if boundaries else None,
                      extent=frames.extent if boundaries else None)
        wrote("training page", args.page)
    if args.graph:
        message = save_graph(LOSSES[args.loss](model(Tensor(X_train)), train_targets), args.graph, "the loss")
        progress.saved.append(args.graph)
        print(message)
    if args.save:
        model.save(args.save)
        progress.saved.append(args.save)
        print(f"weights saved to {args.save} (load them into the same network with model.load(path))")


class _BoundaryFrames:
    """The model's output over a grid of the plane after each epoch, for the --page slider: a probability
    (the sigmoid of one logit or score), or the predicted class scaled to [0, 1] for several outputs."""

    def __init__(self, model: Module, X: np.ndarray, threshold: float, takes_logits: bool) -> None:
        low, high = X.min(axis=0), X.max(axis=0)
        pad = 0.1 * np.maximum(high - low, 1e-9)
        self.extent = (low[0] - pad[0], high[0] + pad[0], low[1] - pad[1], high[1] + pad[1])
        xs = np.linspace(self.extent[0], self.extent[1], PAGE_GRID)
        ys = np.linspace(self.extent[2], self.extent[3], PAGE_GRID)
        grid_x, grid_y = np.meshgrid(xs, ys)  # row i at the i-th y, as training_page wants
        self.points = np.column_stack([grid_x.ravel(), grid_y.ravel()])
        self.model, self.threshold, self.takes_logits = model, threshold, takes_logits
        self.grids: list[np.ndarray] = []

    def record(self) -> None:
        outputs = self.model.predict(self.points)
        if outputs.ndim == 2 and outputs.shape[1] > 1:
            values = np.argmax(outputs, axis=1) / (outputs.shape[1] - 1)
        else:
            values = outputs.reshape(-1)
            if self.takes_logits:
                values = 0.5 * (1 + np.tanh(values / 2))  # the sigmoid, without overflow
        self.grids.append(values.reshape(PAGE_GRID, PAGE_GRID))


def _page_boundaries(args: argparse.Namespace, X: np.ndarray) -> bool:
    if not args.page or X.ndim != 2 or X.shape[1] != 2:
        return False
    if args.epochs > PAGE_MAX_BOUNDARY_EPOCHS:
        print(f"(--page: the decision boundary is drawn per epoch for runs of at most {PAGE_MAX_BOUNDARY_EPOCHS} "
              f"epochs; this page shows the loss curve only)")
        return False
    return True


def _derived_path(path: str, what: str) -> str:
    """loss.png -> loss-boundary.png: the other pictures of --plot, beside it."""
    stem, extension = os.path.splitext(path)
    return f"{stem}-{what}{extension}"


def _split(args: argparse.Namespace, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, ...]:
    """Training and held-out parts by --test-fraction (see the module docstring); an empty held-out part if none."""
    fraction = args.test_fraction
    if fraction is None:
        fraction = DEFAULT_TEST_FRACTION if len(X) >= MIN_SAMPLES_TO_HOLD_OUT else 0.0
    elif fraction and len(X) < MIN_SAMPLES_TO_HOLD_OUT:
        raise UsageError(f"--test-fraction {fraction:g}: {args.dataset} has {len(X)} samples, all needed for "
                         f"training; a test split needs {MIN_SAMPLES_TO_HOLD_OUT} or more")
    if args.patience is not None and not fraction:
        raise UsageError("--patience watches the held-out loss: it needs a test split (--test-fraction above 0, "
                         f"and a data set of {MIN_SAMPLES_TO_HOLD_OUT} samples or more)")
    if not fraction:
        return X, X[:0], y, y[:0]
    try:
        return datasets.train_test_split(X, y, fraction, rng=args.seed, stratify=True)
    except ValueError as err:
        raise UsageError(f"{err}. Use more samples (--n-samples) or --test-fraction 0") from None


def _check_outputs(args: argparse.Namespace) -> None:
    """Every path the run will write, checked before the data is even loaded (a typo must not cost a run)."""
    if args.plot and importlib.util.find_spec("matplotlib") is None:
        raise UsageError(f"--plot needs matplotlib, which is not installed: {PLOT_EXTRA_HINT}")
    paths = [("--plot", args.plot, ("png", "svg", "pdf")), ("--graph", args.graph, ("svg", "png", "pdf", "dot")),
             ("--save", args.save, ()), ("--page", args.page, ("html", "htm"))]
    if args.plot:
        paths += [("--plot", _derived_path(args.plot, "boundary"), ()),
                  ("--plot", _derived_path(args.plot, "misclassified"), ())]
    given = [(option, path, extensions) for option, path, extensions in paths if path]
    try:
        for option, path, extensions in given:
            check_output_file(option, path, extensions)
    except ValueError as err:
        raise UsageError(str(err)) from None
    real = {os.path.realpath(path): option for option, path, _ in given}
    if len(real) < len(given):
        raise UsageError("two outputs are given the same path: " + ", ".join(f"{o} {p}" for o, p, _ in given))


def _check_size(args: argparse.Namespace, sizes: list[int] | None, n_samples: int, n_features: int) -> None:
    """Refuse up front what would not fit in memory (see `check_memory`): the data, ~4 copies of
    n x features float64 (points, noise, the split); the network, 5 copies of its parameters (values,
    gradients, Adam's two averages, the best weights); and the full-batch forward and backward
    passes, ~4 arrays of n x (sum of the layer sizes)."""
    check_memory(f"{args.dataset} with {n_samples} samples", 4 * 8 * n_samples * n_features)
    if sizes:
        parameters = sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))
        check_memory(f"--sizes {','.join(map(str, sizes))} ({parameters} parameters, {n_samples} samples)",
                     5 * 8 * parameters + 4 * 8 * n_samples * sum(sizes))


N_FEATURES = {"moons": 2, "spiral": 2, "and": 2, "or": 2, "nand": 2, "xor": 2, "digits": 64, "mnist": 784}


def _setup(args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray, Module, float, int]:
    """The data, the network, the threshold that turns one output into a class, and the number of
    outputs; a UsageError when they don't fit. Fills in the default --loss."""
    if args.momentum and args.optimizer != "sgd":
        raise UsageError("--momentum only applies to --optimizer sgd (Adam keeps its own running averages)")
    _check_outputs(args)
    if args.n_samples is not None:
        _check_size(args, None, args.n_samples, N_FEATURES.get(args.dataset, 1))
    try:
        X, y = datasets.load(args.dataset, n_samples=args.n_samples, noise=args.noise, rng=args.seed)
    except (ValueError, ImportError) as err:
        raise UsageError(str(err)) from None
    n_classes = int(y.max()) + 1
    loss = args.loss = args.loss or ("bce_logits" if n_classes == 2 else "softmax_ce")
    spec = LOSSES[loss]
    if spec.one_output and n_classes != 2:
        raise UsageError(f"--loss {loss} needs two classes; {args.dataset} has {n_classes} (use softmax_ce or mse)")
    n_outputs = 1 if spec.one_output or n_classes == 2 else n_classes
    sizes = args.sizes or [X.shape[1], 8, n_outputs]
    if sizes[0] != X.shape[1] or sizes[-1] != n_outputs:
        raise UsageError(f"--sizes {','.join(map(str, sizes))}: {args.dataset} needs {X.shape[1]} inputs and, "
                         f"with --loss {loss}, {n_outputs} output(s), e.g. --sizes {X.shape[1]},8,{n_outputs}")
    _check_size(args, sizes, len(X), X.shape[1])
    if args.conv:
        return _conv_setup(args, X, y, spec, n_outputs)
    output_activation = "identity" if spec.takes_logits else "sigmoid"
    activations = args.activations or ["tanh"] * (len(sizes) - 2) + [output_activation]
    try:
        model = dense_network(sizes, activations, init=args.init, rng=args.seed)
    except ValueError as err:
        raise UsageError(f"--sizes/--activations: {err}") from None
    threshold = 0.0 if spec.takes_logits else 0.5
    return X, y, model, threshold, n_outputs


def _conv_setup(args: argparse.Namespace, X: np.ndarray, y: np.ndarray, spec: Any,
                n_outputs: int) -> tuple[np.ndarray, np.ndarray, Module, float, int]:
    """--conv: the images as (N, 1, side, side) in [0, 1] and a `conv_network` with logits out."""
    side = int(round(np.sqrt(X.shape[1])))
    if args.dataset not in ("digits", "mnist") or side * side != X.shape[1]:
        raise UsageError(f"--conv needs square images (digits or mnist), not {args.dataset}")
    if args.sizes or args.activations or not spec.takes_logits:
        raise UsageError("--conv builds its own layers (ending in logits): leave out --sizes and --activations, "
                         "and use a loss on logits (softmax_ce)")
    try:
        model = conv_network(args.conv, (1, side, side), n_outputs, rng=args.seed)
    except ValueError as err:
        raise UsageError(f"--conv: {err}") from None
    images = X.reshape(len(X), 1, side, side) / X.max()
    return images, y, model, 0.0, n_outputs
