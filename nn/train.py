"""Training loops: minibatches, `training_steps` (one step at a time, for notebooks) and `fit`.

One training step is: forward a batch, compute the loss, backpropagate, update. `training_steps`
yields each step after the backward pass and *before* the update, which happens when the iterator
is advanced, so a notebook can stop at any step and look at the batch, the loss, its graph, every
gradient and the parameters they are about to change. `fit` is written on top of `training_steps`: it
runs the same steps to the end and keeps a `History`. The gradients are reset in one place, at the
start of each step's forward pass.

Batch sizes: None for full-batch training, 1 for per-sample updates, anything else for minibatches;
each epoch visits the samples in an order shuffled by a seeded generator (unless shuffle=False).

Training notices when it breaks: X and y holding NaN, inf or non-numbers are refused before the first
step, and the first step whose loss (or a gradient) is not finite raises `TrainingDiverged` before
its update, so the parameters keep their last finite values. `fit` can also watch held-out data
(`validation_data`) and stop when its loss stops improving (`patience`, `restore_best_weights`).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping, Sequence

import numpy as np

from micrograd_like import Tensor, no_grad

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


class TrainingDiverged(ArithmeticError):
    """A training step's loss or gradient became NaN or infinite; the parameters keep the values they had
    before that step (the last finite ones). `epoch` and `step` count from 1 (`step` within the epoch);
    `last_finite_loss` is the loss of the step before (None if it was the first)."""

    def __init__(self, epoch: int, step: int, overall_step: int, what: str, value: float,
                 last_finite_loss: float | None, lr: float | None) -> None:
        self.epoch, self.step, self.overall_step = epoch, step, overall_step
        self.value, self.last_finite_loss, self.lr = value, last_finite_loss, lr
        last = "none (it was the first step)" if last_finite_loss is None else f"{last_finite_loss:.6g}"
        rate = f" ({lr:g})" if lr is not None else ""
        super().__init__(
            f"training diverged at epoch {epoch}, step {step} (step {overall_step} overall): {what} became {value}; "
            f"the last finite loss was {last}. The learning rate{rate} is probably too large for this loss: try one "
            f"10 times smaller. The parameters keep their values from before this step.")


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
    parameters when the iterator is advanced (so breaking out of the loop skips that last update).
    X and y with NaN, inf or non-numbers are refused now; a step whose loss or a gradient is not finite
    raises `TrainingDiverged` instead of being yielded (its update never happens)."""
    # checked now, not when the first step is asked for
    X, y, loss, rng = _check_arguments(X, y, loss, epochs, batch_size, rng)

    def steps() -> Iterator[Step]:
        number = 0
        last_loss = None
        for epoch in range(epochs):
            epoch_batches = batches(len(X), batch_size, shuffle, rng, drop_last)
            for i, index in enumerate(epoch_batches):
                step = _forward_backward(model, X[index], y[index], loss, optimizer, epoch, number)
                step.last_in_epoch = i == len(epoch_batches) - 1
                _check_step_finite(step, i, last_loss)  # before the update: the parameters stay finite
                last_loss = step.loss_value
                yield step
                step.apply()
                number += 1

    return steps()


@dataclass
class History:
    """What `fit` saw: the loss of every step (before its update), the sample-weighted mean loss of
    every epoch, each metric after every epoch (on all of X), and whether `target_loss` or `patience`
    stopped it. With `validation_data`: the loss and each metric on the held-out data after every
    epoch, and `best_epoch`, the epoch (counting from 1) with the lowest validation loss."""

    step_losses: list[float] = field(default_factory=list)
    epoch_losses: list[float] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)
    stopped_early: bool = False
    validation_losses: list[float] = field(default_factory=list)
    validation_metrics: dict[str, list[float]] = field(default_factory=dict)
    best_epoch: int | None = None
    restored_best_weights: bool = False


def fit(model: Module, X: Any, y: Any, loss: Loss | str, optimizer: Optimizer, epochs: int,
        batch_size: int | None = None, shuffle: bool = True, rng: RandomSource = None, drop_last: bool = False,
        target_loss: float | None = None, metrics: Mapping[str, Metric] | Sequence[str] = (),
        progress: bool | None = None, validation_data: tuple[Any, Any] | None = None,
        patience: int | None = None, restore_best_weights: bool = False,
        on_epoch_end: Callable[[int, History], None] | None = None) -> History:
    """Train `model` on (X, y) for `epochs` epochs and return the `History`.

    `loss` is a function (outputs, targets) -> Tensor or a name in `nn.losses.LOSSES`. Training stops
    after the first epoch whose mean loss is at most `target_loss`. `metrics` are functions
    (outputs, targets) -> float by name, or names in `METRICS` ("accuracy"), computed on all of X
    after each epoch (on the output array `model.predict(X)`). A tqdm progress bar is shown when
    `progress` is True, or when it is None and stderr is a terminal.

    `validation_data=(X_val, y_val)`: after every epoch, the loss and the metrics on that held-out data
    go into `history.validation_losses` and `history.validation_metrics`. Early stopping (as Keras's
    `EarlyStopping(monitor="val_loss")`): with `patience=k`, training stops once the validation loss has
    not improved for k epochs in a row; with `restore_best_weights=True`, the model ends with the
    weights of the epoch with the lowest validation loss (`history.best_epoch`), whether or not
    patience ran out. `on_epoch_end(epoch, history)` is called after every epoch (epoch from 1).

    Raises `TrainingDiverged` at the first step whose loss or gradient is NaN or infinite.
    """
    metrics = _metric_functions(metrics)
    steps = training_steps(model, X, y, loss, optimizer, epochs, batch_size, shuffle, rng, drop_last)
    loss_function = _loss_function(loss)
    X, y = np.asarray(X.data if isinstance(X, Tensor) else X, dtype=np.float64), np.asarray(
        y.data if isinstance(y, Tensor) else y)
    validation = _validation_arrays(validation_data, X, y, patience, restore_best_weights)
    history = History(metrics={name: [] for name in metrics},
                      validation_metrics={name: [] for name in metrics} if validation else {})
    bar = _progress_bar(epochs, progress)
    best_loss, best_state, epochs_without_improvement = np.inf, None, 0
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
            if validation is not None:
                validation_loss = _evaluate(model, validation, loss_function, metrics, history)
                if validation_loss < best_loss:
                    best_loss, history.best_epoch, epochs_without_improvement = validation_loss, step.epoch + 1, 0
                    if restore_best_weights:
                        best_state = {name: np.array(value) for name, value in model.state_dict().items()}
                else:
                    epochs_without_improvement += 1
            if bar is not None:
                bar.update()
                shown = {"loss": history.epoch_losses[-1]}
                if history.validation_losses:
                    shown["val_loss"] = history.validation_losses[-1]
                bar.set_postfix(**{name: f"{value:.4g}" for name, value in shown.items()},
                                **{name: f"{values[-1]:.3g}" for name, values in history.metrics.items()})
            if on_epoch_end is not None:
                on_epoch_end(step.epoch + 1, history)
            if target_loss is not None and history.epoch_losses[-1] <= target_loss:
                history.stopped_early = True
                break
            if patience is not None and epochs_without_improvement >= patience:
                history.stopped_early = True
                break
    finally:
        steps.close()
        if bar is not None:
            bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
        history.restored_best_weights = True
    return history


def _validation_arrays(validation_data: Any, X: np.ndarray, y: np.ndarray, patience: Any,
                       restore_best_weights: bool) -> tuple[np.ndarray, np.ndarray] | None:
    """(X_val, y_val) checked as the training data is (finite numbers, one row per sample, the same
    columns as X), or None; and `patience`/`restore_best_weights`, which need them."""
    if patience is not None and (not isinstance(patience, (int, np.integer)) or isinstance(patience, bool)
                                 or patience < 1):
        raise ValueError(f"patience must be a positive int (epochs without improvement) or None, got {patience!r}")
    if validation_data is None:
        if patience is not None or restore_best_weights:
            raise ValueError("patience and restore_best_weights watch the validation loss: pass "
                             "validation_data=(X_val, y_val) too")
        return None
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
        raise ValueError(f"validation_data must be a pair (X_val, y_val), got {type(validation_data).__name__}")
    X_val, y_val = (np.asarray(a.data if isinstance(a, Tensor) else a) for a in validation_data)
    if X_val.ndim == 0 or y_val.ndim == 0 or len(X_val) != len(y_val) or len(X_val) == 0:
        raise ValueError(f"validation_data: X_val and y_val must have one row per sample (at least one): got shapes "
                         f"{X_val.shape} and {y_val.shape}")
    if X_val.shape[1:] != X.shape[1:] or y_val.shape[1:] != y.shape[1:]:
        raise ValueError(f"validation_data: each sample must look like the training data's: X_val {X_val.shape}, "
                         f"y_val {y_val.shape} against X {X.shape}, y {y.shape}")
    return _finite_numbers("X_val", X_val).astype(np.float64), _finite_numbers("y_val", y_val)


def _evaluate(model: Module, validation: tuple[np.ndarray, np.ndarray], loss: Loss,
              metrics: Mapping[str, Metric], history: History) -> float:
    """The loss and the metrics on the validation data (nothing recorded for backward), appended to `history`."""
    X_val, y_val = validation
    with no_grad():
        outputs = model(Tensor(X_val))
        value = float(loss(outputs, y_val).data)
    history.validation_losses.append(value)
    for name, metric in metrics.items():
        history.validation_metrics[name].append(float(metric(outputs.data, y_val)))
    return value


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
    X, y = _finite_numbers("X", X), _finite_numbers("y", y)
    if not isinstance(epochs, (int, np.integer)) or isinstance(epochs, bool) or epochs < 0:
        raise ValueError(f"epochs must be a non-negative int, got {epochs!r}")
    _check_batch_size(batch_size)
    return X.astype(np.float64), y, _loss_function(loss), make_rng(rng)


def _finite_numbers(name: str, array: np.ndarray) -> np.ndarray:
    """`array` if it holds only finite numbers; else a ValueError naming it and its first bad entry."""
    if array.dtype.kind not in "fiub":
        flat = array.reshape(-1)
        first = next((i for i, v in enumerate(flat) if not isinstance(v, (int, float, np.integer, np.floating))
                      or isinstance(v, bool)), None)
        if first is not None or array.dtype.kind != "O":
            first = first or 0
            index = np.unravel_index(first, array.shape) if array.ndim else ()
            where = int(index[0]) if len(index) == 1 else tuple(int(i) for i in index)
            entry = flat[first].item() if isinstance(flat[first], np.generic) else flat[first]
            raise ValueError(f"{name} must hold numbers only; its entry at index {where} is {entry!r:.40} "
                             f"(dtype {array.dtype})")
        array = array.astype(np.float64)  # an object array of plain numbers
    if array.dtype.kind == "f":
        bad = ~np.isfinite(array)
        if bad.any():
            index = tuple(int(i) for i in np.argwhere(bad)[0])
            where = index[0] if len(index) == 1 else index
            raise ValueError(f"{name} holds {int(bad.sum())} NaN or infinite value(s); the first is {array[index]} at "
                             f"index {where} (row {index[0]}). Remove or fill those samples before training.")
    return array


def _check_step_finite(step: Step, index_in_epoch: int, last_loss: float | None) -> None:
    """Raise `TrainingDiverged` if this step's loss or any gradient is NaN or infinite."""
    what, value = "the loss", step.loss_value
    if np.isfinite(value):
        for name, parameter in step.model.named_parameters():
            g = parameter.grad
            if g is not None and not np.all(np.isfinite(g)):
                what, value = f"the gradient of {name}", float(np.asarray(g)[~np.isfinite(g)].flat[0])
                break
        else:
            return
    try:
        lr: float | None = float(step.optimizer.lr)
    except (AttributeError, TypeError, ValueError):
        lr = None
    raise TrainingDiverged(step.epoch + 1, index_in_epoch + 1, step.number + 1, what, value, last_loss, lr)


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
