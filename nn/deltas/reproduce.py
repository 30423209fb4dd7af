"""The four seed tutorials' experiments run with our engine: the seed's network, data, initial arrays
(its own `init_params`), loss, batch order and learning rate, trained with `nn`'s layers and plain SGD.

=========  ============================================  ===========================================
seed       run here                                      what the tutorial reports
=========  ============================================  ===========================================
000        tanh-sigmoid-sigmoid on AND, biases frozen,   100% accuracy
           1/2 SSE per sample, lr 0.3, 290 epochs
001        ReLU-sigmoid 64-15-10 on the digits, batches  training accuracy >= 0.98
           of 15 in the seed's shuffled order, lr 1e-3,
           100 epochs, four ways (`SEED001_VARIANTS`)
002        sigmoid 2-2-1 on XOR, 1/2 SSE, full batch,    outputs within 0.05 of the targets
           lr 0.2, until the error <= 1e-5 (100000 its)
003        sigmoid 2-2-1 on XOR, 1/2 SSE, full batch,    outputs within 0.05 of the targets
           lr 1, 5000 epochs
=========  ============================================  ===========================================

Seed 001's update is not the gradient of any loss, so it is run four ways: (a) its own rule *inside
the graph*, with two user-defined ops whose backward emits the seed's delta (`SigmoidPrimeAtOutput`,
`AddBiasMeanGradient`), which plain SGD turns into exactly the seed's steps; (b) honest autograd on
the MSE it states; (b') autograd on 1/2 SSE, the loss whose derivative its `MSE.prime` is; (c) binary
cross-entropy, the principled fix. `docs/deltas.md` explains why (a) trains so much better than (b).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from micrograd_like import Function, Tensor

from ..layers import Linear, ReLU, Sequential, Sigmoid, Tanh
from ..losses import bce_with_logits_loss, half_sse_loss, mse_loss
from ..metrics import accuracy, classification_report, to_labels
from ..module import Module
from ..optim import SGD
from ..train import fit, training_steps
from .delta_rule import sigmoid
from .seeds import seed000_and, seed001_digits, seed002_xor, seed003_xor

XOR_TOLERANCE = 0.05  # "XOR outputs near 0/1": every output within this of its target
DIGITS_GOAL = 0.98  # the tutorial's report: training accuracy 0.9983


@dataclass
class Reproduction:
    """One run: the trained model, its outputs on the whole data set, and the tutorial's goal.

    `history` is the loss as the tutorial prints or returns it, described by `history_name`; `value`
    is the measured `metric` ("accuracy" or "max |output - target|"), `reached` whether it meets `goal`.
    """

    seed: str
    description: str
    model: Module
    outputs: np.ndarray
    targets: np.ndarray
    history: list[float]
    history_name: str
    steps: int
    metric: str
    value: float
    goal: str
    reached: bool
    report: str = field(default="", repr=False)

    def __str__(self) -> str:
        verdict = "reached" if self.reached else "NOT reached"
        lines = [f"{self.seed}: {self.description}",
                 (f"  after {self.steps} steps: {self.metric} {self.value:.4f} "
                  f"(the tutorial: {self.goal}; {verdict})")]
        if self.report:
            lines += ["  " + line for line in self.report.splitlines()]
        return "\n".join(lines)


def weights_and_biases(model: Module) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Copies of a dense model's weights and biases, layer by layer (standard ``x @ W + b`` layout)."""
    linears = [layer for layer in model.layers if isinstance(layer, Linear)]
    return [np.array(l.weight.data) for l in linears], [np.array(l.bias.data) for l in linears]


def dense_model(weights: Sequence[np.ndarray], biases: Sequence[np.ndarray],
                activations: Sequence[type[Module] | None], linear: type[Linear] = Linear) -> Sequential:
    """``Sequential(linear(W1, b1), A1(), linear(W2, b2), A2(), ...)`` from given arrays; an activation
    is a Module class (``nn.layers.ACTIVATIONS[name]``) or None for none."""
    layers: list[Module] = []
    for W, b, activation in zip(weights, biases, activations, strict=True):
        layers.append(linear(W.shape[0], W.shape[1], weight=W, bias=b))
        if activation is not None:
            layers.append(activation())
    return Sequential(*layers)


# ---- seed 000: AND -------------------------------------------------------------------------------


def seed000_model(params: Any) -> Sequential:
    """The seed's tanh-sigmoid-sigmoid network from its arrays, with every bias frozen: the seed
    computes the bias deltas but never steps the biases, so training them would not be its rule."""
    weights, biases = seed000_and.to_standard(params)
    model = dense_model(weights, biases, [Tanh, Sigmoid, Sigmoid])
    model.freeze("*.bias")
    return model


def seed000_targets(y: np.ndarray) -> np.ndarray:
    """The AND bit in both output columns: the seed's ``y - output`` broadcasts it that way."""
    return np.repeat(np.asarray(y, dtype=np.float64), 2, axis=1)


def reproduce_seed000(params: Any = None, epochs: int = seed000_and.EPOCHS,
                      lr: float = seed000_and.LEARNING_RATE) -> Reproduction:
    """Per-sample SGD on 1/2 sum_k (y - o_k)^2, samples in order; `history` is the MSE over all of X
    every 10 epochs (what the tutorial prints). Default: the seed's ``init_params(100)``."""
    X, y = seed000_and.data()
    model = seed000_model(seed000_and.init_params() if params is None else params)
    targets = seed000_targets(y)
    history = fit(model, X, targets, half_sse_loss, SGD(model.parameters(), lr=lr), epochs, batch_size=1,
                  shuffle=False, metrics={"mse": lambda outputs, t: float(np.mean((t - outputs) ** 2))})
    outputs = model.predict(X)
    value = accuracy(outputs, y)  # predict = argmax of the two outputs, as the seed's
    return Reproduction(
        "seed000", f"AND, 2-3-3-2 tanh/sigmoid, biases frozen, per-sample SGD on 1/2 SSE, lr {lr:g}", model, outputs,
        targets, history=history.metrics["mse"][::10], history_name="MSE on all of X every 10 epochs (as printed)",
        steps=len(history.step_losses), metric="accuracy", value=value, goal="accuracy 1.0", reached=value == 1.0)


# ---- seed 001: digits ----------------------------------------------------------------------------


class SigmoidPrimeAtOutput(Function):
    """The seed's output sigmoid: forward a = s(z); backward multiplies by s'(a) = s(a) (1 - s(a)),
    the derivative evaluated at the *output* a (its ``MSE.delta`` calls ``Sigmoid.prime(y_pred)``),
    where the chain rule needs s'(z) = a (1 - a)."""

    @staticmethod
    def forward(ctx: Any, z: np.ndarray) -> np.ndarray:
        ctx.a = sigmoid(z)
        return ctx.a

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple:
        s_of_a = sigmoid(ctx.a)
        return (grad * (s_of_a * (1 - s_of_a)),)


class AddBiasMeanGradient(Function):
    """z + b, b broadcast over the rows of a batch. backward: dz = g, db = the batch *mean* of g
    (the seed's ``b -= lr * np.mean(delta, 0)``), where the true gradient is the batch sum."""

    @staticmethod
    def forward(ctx: Any, z: np.ndarray, b: np.ndarray) -> np.ndarray:
        return z + b

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple:
        return grad, grad.mean(axis=0)


class SeedLinear(Linear):
    """`Linear` whose bias gradient is the batch mean of the delta (seed 001's rule)."""

    def forward(self, x: Any) -> Tensor:
        x = x if isinstance(x, Tensor) else Tensor(x)
        return AddBiasMeanGradient.apply(x @ self.weight, self.bias)


class SeedSigmoid(Module):
    """Sigmoid whose backward evaluates sigmoid' at the output (seed 001's rule)."""

    def forward(self, x: Tensor) -> Tensor:
        return SigmoidPrimeAtOutput.apply(x)


def bce_sum_loss(logits: Any, targets: Any) -> Tensor:
    """Binary cross-entropy from the logits, *summed* over the batch and the outputs, the reduction of
    the seed's own sums: its delta is exactly a - y (the seed's is about 0.2 (a - y))."""
    return bce_with_logits_loss(logits, targets) * np.size(targets)


@dataclass(frozen=True)
class Seed001Variant:
    """One way of training seed 001's network: its label, the model's layers, and the loss."""

    label: str
    linear: type[Linear]
    output: type[Module] | None  # None: the model ends with the logits, the loss applies the sigmoid
    loss: Callable[[Any, Any], Tensor]


SEED001_VARIANTS: dict[str, Seed001Variant] = {
    "seed-rule": Seed001Variant("(a) the seed's rule inside the graph: sigmoid' at the output, bias gradient the "
                                "batch mean, on 1/2 SSE", SeedLinear, SeedSigmoid, half_sse_loss),
    "stated-mse": Seed001Variant("(b) autograd on the loss it states, MSE = mean((a - y)^2)", Linear, Sigmoid,
                                 mse_loss),
    "half-sse": Seed001Variant(
        "(b') autograd on 1/2 sum (a - y)^2, the loss whose derivative its MSE.prime is", Linear, Sigmoid,
        half_sse_loss),
    "bce": Seed001Variant("(c) autograd on binary cross-entropy (from the logits, summed) on the same network",
                          Linear, None, bce_sum_loss),
}


def seed001_model(params: Any, variant: str = "seed-rule") -> Sequential:
    """Seed 001's network (ReLU hidden layers, sigmoid output) from its arrays, built for `variant`."""
    spec = _variant(variant)
    weights, biases = seed001_digits.to_standard(params)
    return dense_model(weights, biases, [ReLU] * (len(weights) - 1) + [spec.output], linear=spec.linear)


def seed001_start() -> tuple[Any, np.random.RandomState]:
    """The tutorial's script up to ``fit``: ``np.random.seed(1)`` and the weights (``init_params``),
    and the generator its shuffles then draw from: a copy of numpy's global one at that point."""
    params = seed001_digits.init_params(seed001_digits.SEED)
    rng = np.random.RandomState()
    rng.set_state(np.random.get_state())
    return params, rng


def _probabilities(model: Sequential, outputs: np.ndarray) -> np.ndarray:
    """The network's sigmoid outputs: the bce variant's model ends with the logits (its loss applies the sigmoid)."""
    return sigmoid(outputs) if isinstance(model.layers[-1], Linear) else outputs


def reproduce_seed001(variant: str = "seed-rule", params: Any = None, rng: np.random.RandomState | None = None,
                      epochs: int = seed001_digits.EPOCHS, batch_size: int = seed001_digits.BATCH_SIZE,
                      lr: float = seed001_digits.LEARNING_RATE, x: np.ndarray | None = None,
                      y: np.ndarray | None = None) -> Reproduction:
    """Minibatch SGD in the seed's order: each epoch a permutation drawn as its ``np.random.shuffle``
    of ``arange(n)`` (`nn.train.batches` with a RandomState draws exactly that), batches of 15, the
    last 12 samples dropped. By default the tutorial's weights and shuffle stream (`seed001_start`)
    and the digits. `history` is the stated ``MSE.loss`` on all of x after every epoch (the seed
    prints every 10th)."""
    spec = _variant(variant)
    if params is None or rng is None:
        start_params, start_rng = seed001_start()
        params = start_params if params is None else params
        rng = start_rng if rng is None else rng
    if x is None or y is None:
        x, y = seed001_digits.data()
    model = seed001_model(params, variant)

    def stated_mse(outputs: np.ndarray, targets: np.ndarray) -> float:
        return float(np.mean((_probabilities(model, outputs) - targets) ** 2))

    history = fit(model, x, y, spec.loss, SGD(model.parameters(), lr=lr), epochs, batch_size=batch_size,
                  rng=rng, drop_last=True, metrics={"mse": stated_mse})
    outputs = _probabilities(model, model.predict(x))
    value = accuracy(outputs, y)
    return Reproduction(
        "seed001", spec.label, model, outputs, y, history=history.metrics["mse"],
        history_name="the stated MSE on all samples after each epoch", steps=len(history.step_losses),
        metric="training accuracy", value=value, goal=f"training accuracy >= {DIGITS_GOAL}",
        reached=value >= DIGITS_GOAL, report=classification_report(to_labels(y), to_labels(outputs)))


def _variant(name: str) -> Seed001Variant:
    if name not in SEED001_VARIANTS:
        raise ValueError(f"unknown seed001 variant {name!r}; choose one of {list(SEED001_VARIANTS)}")
    return SEED001_VARIANTS[name]


# ---- seed 002: XOR, bias folded into the weights -------------------------------------------------


def seed002_model(params: Any) -> Sequential:
    """Seed 002's sigmoid network from its (l2, l1 + 1) matrices, in the ``x @ W + b`` layout."""
    weights, biases = seed002_xor.to_standard(params)
    return dense_model(weights, biases, [Sigmoid] * len(weights))


def reproduce_seed002(params: Any = None, lr: float = seed002_xor.LEARNING_RATE,
                      max_iterations: int = seed002_xor.MAX_ITERATIONS, min_error: float = seed002_xor.MIN_ERROR,
                      stop_within: float | None = None) -> Reproduction:
    """Full-batch SGD on 1/2 SSE in the tutorial's loop: at most ``max_iterations + 1`` steps, ending
    after the first step whose error ``sum((O - T)^2)`` (computed before its update, as ``backProp``
    returns it) is <= `min_error`. With `stop_within` (the quick run) it ends as soon as every output
    is within that of its target. `history` is every step's error. Default weights:
    ``init_params(seed=0)`` (the tutorial does not seed)."""
    X, T = seed002_xor.data()
    model = seed002_model(seed002_xor.init_params(seed=0) if params is None else params)
    optimizer = SGD(model.parameters(), lr=lr)
    errors = []
    for step in training_steps(model, X, T, half_sse_loss, optimizer, max_iterations + 1, shuffle=False):
        if stop_within is not None and np.abs(step.outputs.data - T).max() < stop_within:
            break  # before this step's update: the model is the one that gave these outputs
        errors.append(2 * step.loss_value)  # sum (O - T)^2 = 2 x (1/2 SSE)
        if errors[-1] <= min_error:
            optimizer.step()  # backProp has applied its update by the time the loop looks at the error
            break
    return _xor_reproduction("seed002", f"lr {lr:g}", model, X, T, errors,
                             "the error sum((O - T)^2) of each iteration", optimizer.steps_taken)


# ---- seed 003: XOR -------------------------------------------------------------------------------


def seed003_model(params: Any) -> Sequential:
    """Seed 003's 2-2-1 sigmoid network from its four arrays."""
    weights, biases = seed003_xor.to_standard(params)
    return dense_model(weights, biases, [Sigmoid] * len(weights))


def reproduce_seed003(params: Any = None, epochs: int = seed003_xor.EPOCHS) -> Reproduction:
    """Full-batch SGD on 1/2 SSE with learning rate 1 (the seed has no rate). `history`, as the
    seed's ``train``: ``mean((t - y)^2)`` before each update. Default: ``init_params()`` (seed 0)."""
    X, y = seed003_xor.data()
    model = seed003_model(seed003_xor.init_params() if params is None else params)
    history = fit(model, X, y, half_sse_loss, SGD(model.parameters(), lr=seed003_xor.LEARNING_RATE), epochs,
                  shuffle=False)
    return _xor_reproduction("seed003", "lr 1", model, X, y, [2 * loss / len(X) for loss in history.step_losses],
                             "mean((t - y)^2) of each epoch, before its update", len(history.step_losses))


def _xor_reproduction(seed: str, rate: str, model: Module, X: np.ndarray, targets: np.ndarray,
                      history: list[float], history_name: str, steps: int) -> Reproduction:
    outputs = model.predict(X)
    value = float(np.abs(outputs - targets).max())
    return Reproduction(seed, f"XOR, 2-2-1 sigmoid, full-batch SGD on 1/2 SSE, {rate}", model, outputs, targets,
                        history=history, history_name=history_name, steps=steps, metric="max |output - target|",
                        value=value, goal=f"max |output - target| < {XOR_TOLERANCE}", reached=value < XOR_TOLERANCE)


QUICK_EPOCHS_001 = 20  # seed001's `--quick` run
