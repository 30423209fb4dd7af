"""The textbook delta rule: backprop for a dense network, in plain numpy, written like the formulas.

The network has layers ``l = 0 .. L-1`` (0-based), each ``z[l] = a[l] @ W[l] + b[l]``,
``a[l+1] = f_l(z[l])``, with ``a[0] = x`` a row-per-sample batch of shape (batch, n_in) and ``W[l]`` of
shape (n_in_l, n_out_l). Activations: ``identity``, ``relu``, ``tanh``, ``sigmoid``. Backprop:

    delta[L-1] = dLoss/dz[L-1]                                   (output delta, see LOSSES)
    delta[l]   = (delta[l+1] @ W[l+1].T) * f_l'(z[l])            (hidden layers)
    dW[l]      = a[l].T @ delta[l]                               (sum over the batch)
    db[l]      = delta[l].sum(axis=0)

``delta[l]`` is the gradient of the (whole-batch) loss with respect to ``z[l]``; any mean over the
batch is already inside the output delta, so dW and db are plain sums.

Losses (``a = a[L]`` the network output, ``N = a.size = batch * n_out``, ``B = batch``):

- ``"mse"``: ``mean((a - y)^2)`` over all N elements; ``delta = 2 (a - y) / N * f'(z)``.
- ``"half_sse"``: ``1/2 sum (a - y)^2``; ``delta = (a - y) * f'(z)``.
- ``"bce"``: binary cross-entropy of sigmoid outputs, the **mean over all N elements** (batch x
  outputs), ``mean(-(y log a + (1 - y) log(1 - a)))``, computed from the logits as
  ``mean(softplus(z) - y z)``; the output activation must be ``sigmoid``, and the sigmoid's
  derivative cancels: ``delta = (a - y) / N``.
- ``"softmax_ce"``: softmax cross-entropy from logits, the **mean over the batch**,
  ``mean_i(logsumexp(z_i) - z_i[y_i])``; the output activation must be ``identity`` (``a = z`` are
  the logits); targets are integer class indices of shape (B,) or one-hot / probability rows of
  shape (B, K); ``delta = (softmax(z) - Y) / B`` with Y the one-hot rows.

Numerically stable for large inputs: the sigmoid uses ``exp(-|z|)``, BCE uses a stable softplus,
softmax uses log-sum-exp; none overflows at inputs of +-1000.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

ACTIVATIONS = ("identity", "relu", "tanh", "sigmoid")
LOSSES = ("mse", "half_sse", "bce", "softmax_ce")


# --- activations ---------------------------------------------------------------------------------


def sigmoid(z: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-z))`` without overflow: ``exp(-|z|)`` is always in (0, 1]."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def softplus(z: np.ndarray) -> np.ndarray:
    """``log(1 + exp(z)) = max(z, 0) + log1p(exp(-|z|))``, stable for large |z|."""
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def log_softmax(z: np.ndarray) -> np.ndarray:
    """``z - logsumexp(z)`` row by row, shifting by the row maximum first."""
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def activate(name: str, z: np.ndarray) -> np.ndarray:
    """``f(z)`` for an activation name."""
    if name == "identity":
        return z
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "tanh":
        return np.tanh(z)
    if name == "sigmoid":
        return sigmoid(z)
    raise ValueError(f"unknown activation {name!r}; expected one of {ACTIVATIONS}")


def activation_derivative(name: str, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``f'(z)``, using the already computed ``a = f(z)`` where that is the simpler form.

    identity: 1; relu: 1 where z > 0 else 0; tanh: ``1 - a^2``; sigmoid: ``a (1 - a)``.
    """
    if name == "identity":
        return np.ones_like(z)
    if name == "relu":
        return (z > 0).astype(z.dtype)
    if name == "tanh":
        return 1.0 - a**2
    if name == "sigmoid":
        return a * (1.0 - a)
    raise ValueError(f"unknown activation {name!r}; expected one of {ACTIVATIONS}")


# --- losses --------------------------------------------------------------------------------------


def _one_hot_targets(y: np.ndarray, logits: np.ndarray) -> np.ndarray:
    """softmax_ce targets as one-hot / probability rows of the logits' shape (B, K)."""
    batch, classes = logits.shape
    if y.ndim == 1:
        if not np.issubdtype(y.dtype, np.integer):
            raise ValueError(f"softmax_ce: 1-d targets must be integer class indices, got dtype {y.dtype}")
        if y.shape != (batch,):
            raise ValueError(f"softmax_ce: targets of shape {y.shape} do not match logits of shape {logits.shape}")
        if y.size and (y.min() < 0 or y.max() >= classes):
            raise ValueError(f"softmax_ce: class indices must lie in [0, {classes}), got {y.min()} .. {y.max()}")
        return np.eye(classes)[y]
    if y.shape != logits.shape:
        raise ValueError(f"softmax_ce: targets of shape {y.shape} do not match logits of shape {logits.shape}")
    if not np.allclose(y.sum(axis=1), 1.0):
        raise ValueError("softmax_ce: target rows must be one-hot or probabilities summing to 1")
    return y.astype(np.float64)


def _check_loss_target(loss: str, output_activation: str, a: np.ndarray, y: np.ndarray) -> None:
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; expected one of {LOSSES}")
    if loss == "bce" and output_activation != "sigmoid":
        raise ValueError(f"bce needs a sigmoid output layer, got {output_activation!r}")
    if loss == "softmax_ce" and output_activation != "identity":
        raise ValueError(f"softmax_ce takes logits: the output layer must be 'identity', got {output_activation!r}")
    if loss != "softmax_ce" and y.shape != a.shape:
        raise ValueError(f"{loss}: targets of shape {y.shape} do not match outputs of shape {a.shape}")
    if loss == "bce" and (y.min() < 0 or y.max() > 1):
        raise ValueError("bce: targets must lie in [0, 1]")


def loss_value(loss: str, z: np.ndarray, a: np.ndarray, y: np.ndarray) -> float:
    """The loss of the output layer's ``z`` (pre-activation) and ``a = f(z)`` against targets y."""
    if loss == "mse":
        return float(np.mean((a - y) ** 2))
    if loss == "half_sse":
        return float(0.5 * np.sum((a - y) ** 2))
    if loss == "bce":
        return float(np.mean(softplus(z) - y * z))
    if loss == "softmax_ce":
        return float(-np.sum(_one_hot_targets(y, z) * log_softmax(z)) / z.shape[0])
    raise ValueError(f"unknown loss {loss!r}; expected one of {LOSSES}")


def output_delta(loss: str, activation: str, z: np.ndarray, a: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``dLoss/dz`` at the output layer (see the module docstring for each form)."""
    if loss == "mse":
        return 2.0 * (a - y) / a.size * activation_derivative(activation, z, a)
    if loss == "half_sse":
        return (a - y) * activation_derivative(activation, z, a)
    if loss == "bce":  # sigmoid output: dL/da * sigmoid'(z) simplifies to (a - y) / N
        return (a - y) / a.size
    if loss == "softmax_ce":  # softmax + cross-entropy simplifies to (softmax(z) - Y) / B
        return (np.exp(log_softmax(z)) - _one_hot_targets(y, z)) / z.shape[0]
    raise ValueError(f"unknown loss {loss!r}; expected one of {LOSSES}")


# --- the network ---------------------------------------------------------------------------------


@dataclass
class Backprop:
    """Everything the delta rule computes for one batch; lists are indexed by layer, 0-based.

    ``z[l]`` and ``a[l+1]`` are layer l's pre-activation and output (``a[0]`` is the input), so
    ``a`` has one more entry than the others. ``deltas[l] = dLoss/dz[l]``;
    ``grad_weights[l] = dLoss/dW[l]``, ``grad_biases[l] = dLoss/db[l]``.
    """

    z: list[np.ndarray]
    a: list[np.ndarray]
    deltas: list[np.ndarray]
    grad_weights: list[np.ndarray]
    grad_biases: list[np.ndarray]
    loss: float


def _check_network(
    weights: Sequence[np.ndarray], biases: Sequence[np.ndarray], activations: Sequence[str], x: np.ndarray
) -> None:
    if not (len(weights) == len(biases) == len(activations)) or len(weights) == 0:
        raise ValueError(
            f"need one weight, bias and activation per layer, got {len(weights)} weights, "
            f"{len(biases)} biases and {len(activations)} activations"
        )
    for name in activations:
        if name not in ACTIVATIONS:
            raise ValueError(f"unknown activation {name!r}; expected one of {ACTIVATIONS}")
    if x.ndim != 2:
        raise ValueError(f"x must be a row-per-sample batch of shape (batch, n_in), got shape {x.shape}")
    n_in = x.shape[1]
    for l, (W, b) in enumerate(zip(weights, biases)):
        if W.ndim != 2:
            raise ValueError(f"layer {l}: weights must have shape (n_in, n_out), got {W.shape}")
        if W.shape[0] != n_in:
            what = "x" if l == 0 else f"layer {l - 1}'s output"
            raise ValueError(
                f"layer {l}: weights of shape {W.shape} do not fit {what} of width {n_in} "
                f"({W.shape[0]} != {n_in})"
            )
        if b.shape != (W.shape[1],):
            raise ValueError(f"layer {l}: bias of shape {b.shape} does not match weights of shape {W.shape}")
        n_in = W.shape[1]


def forward(
    weights: Sequence[np.ndarray], biases: Sequence[np.ndarray], activations: Sequence[str], x: np.ndarray
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``z[l] = a[l] @ W[l] + b[l]``, ``a[l+1] = f_l(z[l])``; returns the lists ``(z, a)``."""
    weights = [np.asarray(W, dtype=np.float64) for W in weights]
    biases = [np.asarray(b, dtype=np.float64) for b in biases]
    x = np.asarray(x, dtype=np.float64)
    _check_network(weights, biases, activations, x)
    z, a = [], [x]
    for W, b, f in zip(weights, biases, activations):
        z.append(a[-1] @ W + b)
        a.append(activate(f, z[-1]))
    return z, a


def backprop(
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray],
    activations: Sequence[str],
    x: np.ndarray,
    y: np.ndarray,
    loss: str = "mse",
) -> Backprop:
    """The delta rule on one batch: deltas and gradients of ``loss`` for every layer."""
    weights = [np.asarray(W, dtype=np.float64) for W in weights]
    z, a = forward(weights, biases, activations, x)
    y = np.asarray(y)
    if loss != "softmax_ce":
        y = y.astype(np.float64)
    _check_loss_target(loss, activations[-1], a[-1], y)

    L = len(weights)
    deltas: list[np.ndarray] = [np.empty(0)] * L
    deltas[L - 1] = output_delta(loss, activations[L - 1], z[L - 1], a[L], y)
    for l in reversed(range(L - 1)):
        deltas[l] = (deltas[l + 1] @ weights[l + 1].T) * activation_derivative(activations[l], z[l], a[l + 1])

    grad_weights = [a[l].T @ deltas[l] for l in range(L)]
    grad_biases = [deltas[l].sum(axis=0) for l in range(L)]
    return Backprop(
        z=z,
        a=a,
        deltas=deltas,
        grad_weights=grad_weights,
        grad_biases=grad_biases,
        loss=loss_value(loss, z[L - 1], a[L], y),
    )
