"""``micrograd-like train DATASET``: a dense network on a named data set; its metrics, plot, graph, weights."""

from __future__ import annotations

import argparse
import importlib.util
import os
from typing import Any

import numpy as np

from micrograd_like import Tensor

from .. import datasets
from ..conv import conv_network
from ..init import SCHEMES
from ..layers import ACTIVATIONS, dense_network
from ..losses import LOSSES
from ..metrics import classification_report, confusion_matrix, to_labels
from ..module import Module
from ..optim import SGD, Adam
from ..train import fit
from .arguments import UsageError, activation_list, channel_list, int_list, number
from .files import PLOT_EXTRA_HINT, plot_losses, save_graph


def add_command(commands: Any) -> None:
    p = commands.add_parser("train", help="train a dense network on a named data set",
                            description="Train a dense network on an embedded data set and print its metrics.")
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
                   help="seeds the data, the weights and the shuffling (default: 0)")
    p.add_argument("--conv", type=channel_list, metavar="C,C,...",
                   help="digits, mnist: a convolutional network instead, one 3x3 conv + ReLU + 2x2 max pool per "
                        "channel count, then a dense layer (e.g. --conv 8,16; pixels scaled to [0, 1])")
    p.add_argument("--init", choices=SCHEMES, default="xavier", help="weight initialisation (default: xavier)")
    p.add_argument("--n-samples", type=number(int, positive=True), help="for moons and spiral")
    p.add_argument("--noise", type=number(float, positive=False), help="for moons and spiral")
    p.add_argument("--target-loss", type=number(float, positive=False),
                   help="stop once an epoch's loss is at most this")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction,
                   help="show a progress bar (default: when stderr is a terminal)")
    p.add_argument("--plot", metavar="PATH", help="save the loss curve (.png, .svg, .pdf; needs matplotlib)")
    p.add_argument("--graph", metavar="PATH", help="draw the graph of the final loss (.svg, .png, .pdf, .dot)")
    p.add_argument("--save", metavar="PATH", help="save the trained weights (.npz)")
    p.set_defaults(run=train, subparser=p)


def train(args: argparse.Namespace) -> int:
    """Train a dense network on a data set; print the metrics; optionally plot, draw and save."""
    X, y, targets, model, threshold = _setup(args)
    optimizer = (Adam(model.parameters(), lr=args.lr) if args.optimizer == "adam"
                 else SGD(model.parameters(), lr=args.lr, momentum=args.momentum))
    print(f"{args.dataset}: {len(X)} samples, {X[0].size} features, {len(np.unique(y))} classes")
    print(f"model: {model}")
    print(f"loss {args.loss}, optimizer {args.optimizer} (lr {args.lr:g}), {args.epochs} epochs, "
          f"batch size {args.batch_size or 'all'}, seed {args.seed}")
    history = fit(model, X, targets, LOSSES[args.loss], optimizer, args.epochs, batch_size=args.batch_size,
                  rng=args.seed, target_loss=args.target_loss, progress=args.progress)
    predicted = to_labels(model.predict(X), threshold)
    stop = " (reached --target-loss)" if history.stopped_early else ""
    print(f"\nafter {len(history.epoch_losses)} epochs{stop}: loss {history.epoch_losses[-1]:.6g}, "
          f"accuracy {np.mean(predicted == y):.4f}\n")
    print(classification_report(y, predicted))
    print("confusion matrix (rows: true class, columns: predicted class):")
    print(confusion_matrix(y, predicted, n_classes=int(max(y.max(), predicted.max())) + 1))
    if args.plot:
        print(f"loss curve: {plot_losses(history, args.plot, f'{args.dataset}: {args.loss} loss')}")
    if args.graph:
        print(save_graph(LOSSES[args.loss](model(Tensor(X)), targets), args.graph, "the loss"))
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
    spec = LOSSES[loss]
    if spec.one_output and n_classes != 2:
        raise UsageError(f"--loss {loss} needs two classes; {args.dataset} has {n_classes} (use softmax_ce or mse)")
    n_outputs = 1 if spec.one_output or n_classes == 2 else n_classes
    sizes = args.sizes or [X.shape[1], 8, n_outputs]
    if sizes[0] != X.shape[1] or sizes[-1] != n_outputs:
        raise UsageError(f"--sizes {','.join(map(str, sizes))}: {args.dataset} needs {X.shape[1]} inputs and, "
                         f"with --loss {loss}, {n_outputs} output(s), e.g. --sizes {X.shape[1]},8,{n_outputs}")
    if args.conv:
        return _conv_setup(args, X, y, spec, n_outputs)
    output_activation = "identity" if spec.takes_logits else "sigmoid"
    activations = args.activations or ["tanh"] * (len(sizes) - 2) + [output_activation]
    try:
        model = dense_network(sizes, activations, init=args.init, rng=args.seed)
    except ValueError as err:
        raise UsageError(f"--sizes/--activations: {err}") from None
    targets = spec.make_targets(y, n_outputs)
    threshold = 0.0 if spec.takes_logits else 0.5
    return X, y, targets, model, threshold


def _conv_setup(args: argparse.Namespace, X: np.ndarray, y: np.ndarray, spec: Any,
                n_outputs: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, Module, float]:
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
    return images, y, spec.make_targets(y, n_outputs), model, 0.0
