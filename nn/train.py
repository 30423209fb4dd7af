"""Training loops: minibatches, `training_steps` (one step at a time, for notebooks) and `fit`.

One training step is: forward a batch, compute the loss, backpropagate, update. `training_steps`
yields each step after the backward pass and *before* the update, which happens when the iterator
is advanced, so a notebook can stop at any step and look at the batch, the loss, its graph, every
gradient and the parameters they are about to change. `fit` is written on top of `training_steps`: it
runs the same steps to the end and keeps a `History`. The gradients are reset in one place, at the
start of each step's forward pass.

Batch sizes: None for full-batch training, 1 for per-sample updates, anything else for minibatches;
each epoch visits the samples in an order shuffled by a seeded generator (unless shuffle=False).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping, Sequence

import numpy as np

from micrograd_like import Tensor

from .init import RandomSource, make_rng
from .losses import LOSSES
from .metrics import accuracy
from .module import Module
from .optim import Optimizer

Loss = Callable[[Any, Any], Tensor]
Metric = Callable[[Any, Any], float]
METRICS: dict[str, Metric] = {"accuracy": accuracy}


def batches(n_samples: int, batch_size: int | None = None, shuffle: bool = True, rng: RandomSource = None,
            drop_last: bool = False) -> list[np.ndarray]:
    """The index arrays of one epoch: all samples once, in batches of `batch_size` (None: one batch of
    all). With `drop_last`, a last batch smaller than the others is left out (seed 001 does that)."""
    if not isinstance(n_samples, (int, np.integer)) or n_samples < 1:
        raise ValueError(f"batches: n_samples must be a positive int, got {n_samples!r}")
    _check_batch_size(batch_size)
    order = make_rng(rng).permutation(n_samples) if shuffle else np.arange(n_samples)
    size = n_samples if batch_size is None else min(batch_size, n_samples)
    stop = n_samples - n_samples % size if drop_last else n_samples
    return [order[start:start + size] for start in range(0, stop, size)]


@dataclass
class Step:
    """One training step, seen after the backward pass and before the update.

    `loss` is the root of this step's graph (draw it with `draw_dot(step.loss)`); `gradients()` and
    `parameters()` give every named parameter's gradient and value. The update is applied when the
    iterator that yielded this step is advanced; after that, `parameters()` refuses (the values
    would no longer be the ones the gradients were computed at).
    """

    epoch: int
    number: int
    inputs: np.ndarray
    targets: np.ndarray
    outputs: Tensor
    loss: Tensor
    model: Module
    optimizer: Optimizer
    last_in_epoch: bool = False
    updated: bool = False

    @property
    def loss_value(self) -> float:
        return float(self.loss.data)

    def apply(self) -> None:
        """Apply this step's update now (`training_steps` does it when advanced, if not done already)."""
        if not self.updated:
            self.optimizer.step()
            self.updated = True

    def gradients(self) -> dict[str, np.ndarray | None]:
        """d(loss)/d(parameter) by dotted name (None for a parameter the loss does not depend on)."""
        return {name: p.grad for name, p in self.model.named_parameters()}

    def parameters(self) -> dict[str, np.ndarray]:
        """Copies of every parameter's value by dotted name, as they were when the gradients were computed."""
        if self.updated:
            raise RuntimeError(f"step {self.number} has been applied already; read its parameters before "
                               f"advancing the iterator")
        return {name: np.array(p.data) for name, p in self.model.named_parameters()}


def training_steps(model: Module, X: Any, y: Any, loss: Loss | str, optimizer: Optimizer, epochs: int,
                   batch_size: int | None = None, shuffle: bool = True, rng: RandomSource = None,
                   drop_last: bool = False) -> Iterator[Step]:
    """Train step by step: yields a `Step` after each backward pass; the optimizer updates the
    parameters when the iterator is advanced (so breaking out of the loop skips that last update)."""
    # checked now, not when the first step is asked for
    X, y, loss, rng = _check_arguments(X, y, loss, epochs, batch_size, rng)

    def steps() -> Iterator[Step]:
        number = 0
        for epoch in range(epochs):
            epoch_batches = batches(len(X), batch_size, shuffle, rng, drop_last)
            for i, index in enumerate(epoch_batches):
                step = _forward_backward(model, X[index], y[index], loss, optimizer, epoch, number)
                step.last_in_epoch = i == len(epoch_batches) - 1
                yield step
                step.apply()
                number += 1

    return steps()


@dataclass
class History:
    """What `fit` saw: the loss of every step (before its update), the sample-weighted mean loss of
    every epoch, each metric after every epoch (on all of X), and whether `target_loss` stopped it."""

    step_losses: list[float] = field(default_factory=list)
    epoch_losses: list[float] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)
    stopped_early: bool = False


def fit(model: Module, X: Any, y: Any, loss: Loss | str, optimizer: Optimizer, epochs: int,
        batch_size: int | None = None, shuffle: bool = True, rng: RandomSource = None, drop_last: bool = False,
        target_loss: float | None = None, metrics: Mapping[str, Metric] | Sequence[str] = (),
        progress: bool | None = None) -> History:
    """Train `model` on (X, y) for `epochs` epochs and return the `History`.

    `loss` is a function (outputs, targets) -> Tensor or a name in `nn.losses.LOSSES`. Training stops
    after the first epoch whose mean loss is at most `target_loss`. `metrics` are functions
    (outputs, targets) -> float by name, or names in `METRICS` ("accuracy"), computed on all of X
    after each epoch (on the output array `model.predict(X)`). A tqdm progress bar is shown when
    `progress` is True, or when it is None and
    stderr is a terminal.
    """
    metrics = _metric_functions(metrics)
    steps = training_steps(model, X, y, loss, optimizer, epochs, batch_size, shuffle, rng, drop_last)
    X, y = np.asarray(X.data if isinstance(X, Tensor) else X, dtype=np.float64), np.asarray(
        y.data if isinstance(y, Tensor) else y)
    history = History(metrics={name: [] for name in metrics})
    bar = _progress_bar(epochs, progress)
    total = samples = 0.0
    try:
        for step in steps:
            step.apply()  # before the epoch's metrics, which must see the updated parameters
            history.step_losses.append(step.loss_value)
            total, samples = total + step.loss_value * len(step.inputs), samples + len(step.inputs)
            if not step.last_in_epoch:
                continue
            history.epoch_losses.append(total / samples)
            total = samples = 0.0
            if metrics:
                outputs = model.predict(X)
                for name, metric in metrics.items():
                    history.metrics[name].append(float(metric(outputs, y)))
            if bar is not None:
                bar.update()
                bar.set_postfix(loss=f"{history.epoch_losses[-1]:.4g}",
                                **{name: f"{values[-1]:.3g}" for name, values in history.metrics.items()})
            if target_loss is not None and history.epoch_losses[-1] <= target_loss:
                history.stopped_early = True
                break
    finally:
        steps.close()
        if bar is not None:
            bar.close()
    return history


def _forward_backward(model: Module, inputs: np.ndarray, targets: np.ndarray, loss: Loss, optimizer: Optimizer,
                      epoch: int, number: int) -> Step:
    model.zero_grad()  # the one place the training loop resets the gradients
    model.train()  # every step in training mode (metrics between epochs run in evaluation mode, via predict)
    outputs = model(Tensor(inputs))
    value = loss(outputs, targets)
    if not isinstance(value, Tensor) or value.size != 1:
        raise ValueError(f"the loss must return a one-element Tensor, got {value!r:.80}")
    value.backward()
    return Step(epoch, number, inputs, targets, outputs, value, model, optimizer)


def _check_arguments(X: Any, y: Any, loss: Loss | str, epochs: int, batch_size: int | None,
                     rng: RandomSource) -> tuple[np.ndarray, np.ndarray, Loss, Any]:
    X = np.asarray(X.data if isinstance(X, Tensor) else X)
    y = np.asarray(y.data if isinstance(y, Tensor) else y)
    if X.ndim == 0 or y.ndim == 0 or len(X) != len(y):
        raise ValueError(f"X and y must have one row per sample: got shapes {X.shape} and {y.shape}")
    if X.dtype.kind not in "fiub":
        raise ValueError(f"X must hold numbers, got dtype {X.dtype}")
    if not isinstance(epochs, (int, np.integer)) or isinstance(epochs, bool) or epochs < 0:
        raise ValueError(f"epochs must be a non-negative int, got {epochs!r}")
    _check_batch_size(batch_size)
    return X.astype(np.float64), y, _loss_function(loss), make_rng(rng)


def _check_batch_size(batch_size: Any) -> None:
    if batch_size is not None and (not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool)
                                   or batch_size < 1):
        raise ValueError(f"batch_size must be a positive int or None (full batch), got {batch_size!r}")


def _loss_function(loss: Loss | str) -> Loss:
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}; choose one of {list(LOSSES)} or pass a function")
        return LOSSES[loss]
    if not callable(loss):
        raise TypeError(f"loss must be a function (outputs, targets) -> Tensor or a name, got {loss!r}")
    return loss


def _metric_functions(metrics: Mapping[str, Metric] | Sequence[str]) -> dict[str, Metric]:
    if isinstance(metrics, Mapping):
        return dict(metrics)
    unknown = [name for name in metrics if name not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric(s) {unknown}; choose from {list(METRICS)} or pass {{name: function}}")
    return {name: METRICS[name] for name in metrics}


def _progress_bar(epochs: int, progress: bool | None) -> Any:
    """A tqdm bar over the epochs, or None. tqdm is optional: without it, say so and train without a bar."""
    if progress is None:
        progress = sys.stderr.isatty()
    if not progress:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        print("(no progress bar: tqdm is not installed; pip install 'micrograd-like[progress]')", file=sys.stderr)
        return None
    return tqdm(total=epochs, unit="epoch", file=sys.stderr)
