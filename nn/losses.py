"""Loss functions: short compositions of the engine's Tensor ops (so autograd derives their gradients),
except the squared errors, one `Function` node each, since every training step of the seeds pays for them.

Every loss takes the network's output and the targets and returns a one-element Tensor. Targets
may be numpy arrays, lists or Tensors; shapes must match exactly (no silent broadcasting), or a
`ValueError` names both shapes. `LOSSES` maps the command line's names to the functions.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np

from micrograd_like import Function, Tensor


def _tensors(name: str, outputs: Any, targets: Any) -> tuple[Tensor, Tensor]:
    outputs = outputs if isinstance(outputs, Tensor) else Tensor(outputs)
    targets = targets if isinstance(targets, Tensor) else Tensor(np.asarray(targets, dtype=outputs.data.dtype))
    if outputs.data.shape != targets.data.shape:
        raise ValueError(f"{name}: outputs have shape {outputs.shape} but targets have shape {targets.shape}; "
                         f"they must be equal (reshape the targets, e.g. y.reshape(-1, 1) for one output column)")
    return outputs, targets


class SquaredError(Function):
    """L = c sum((a - y)^2) over every element, for a constant c.   dL/da = 2 c (a - y),  dL/dy = -dL/da.

    The same gradient autograd finds through `c * ((a - y) ** 2).sum()`, in one node instead of four
    (the tests check the two against each other and against finite differences).
    """

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, y: np.ndarray, c: float) -> np.ndarray:
        ctx.error, ctx.c = a - y, c
        return c * np.vdot(ctx.error, ctx.error)

    @staticmethod
    def backward(ctx: Any, g: np.ndarray) -> tuple:
        scale = 2 * ctx.c * float(g)  # g is 0-d: the loss is one number
        grad_a = ctx.error if scale == 1 else ctx.error * scale  # 1 for half the SSE, the usual seed
        return grad_a, (-grad_a if ctx.needs_input_grad[1] else None)


def mse_loss(outputs: Any, targets: Any) -> Tensor:
    """Mean squared error, mean((a - y)^2) over every element.   dL/da = 2 (a - y) / n."""
    a, y = _tensors("mse_loss", outputs, targets)
    if a.size == 0:
        raise ValueError(f"mse_loss: the outputs are empty (shape {a.shape}); there is no mean to take")
    return SquaredError.apply(a, y, 1 / a.size)


def half_sse_loss(outputs: Any, targets: Any) -> Tensor:
    """Half the sum of squared errors, 1/2 sum((a - y)^2), the seeds' loss: its gradient is just a - y."""
    a, y = _tensors("half_sse_loss", outputs, targets)
    return SquaredError.apply(a, y, 0.5)


def bce_loss(probabilities: Any, targets: Any, eps: float = 1e-12) -> Tensor:
    """Binary cross-entropy of probabilities p, mean(-(y log p + (1 - y) log(1 - p))) over every element.

    p is first clipped to [eps, 1 - eps] so that log never sees 0 (a saturated sigmoid gives p = 1.0
    exactly): the loss stays finite (at most -log(eps) = 27.6 per element), but a clipped element
    gets no gradient. Prefer `bce_with_logits_loss`, which has neither problem.
    """
    p, y = _tensors("bce_loss", probabilities, targets)
    p = p.clip(eps, 1 - eps)
    return -(y * p.log() + (1 - y) * (1 - p).log()).mean()


def bce_with_logits_loss(logits: Any, targets: Any) -> Tensor:
    """Binary cross-entropy from logits z (p = sigmoid(z)), mean over every element.

    -(y log s(z) + (1 - y) log(1 - s(z))) = softplus(z) - y z, which is exact and finite for any z
    (no probability is ever rounded to 0 or 1).   dL/dz = (sigmoid(z) - y) / n.
    """
    z, y = _tensors("bce_with_logits_loss", logits, targets)
    return (z.softplus() - y * z).mean()


def softmax_cross_entropy(logits: Any, targets: Any) -> Tensor:
    """Softmax cross-entropy from logits of shape (batch, classes), mean over the batch.

    Targets are class indices of shape (batch,) or one-hot (or probability) rows of shape
    (batch, classes):  L = mean_i -sum_k y_ik log softmax(z_i)_k,  via the engine's stable
    `log_softmax`.   dL/dz_i = (softmax(z_i) - y_i) / batch.
    """
    z = logits if isinstance(logits, Tensor) else Tensor(logits)
    if z.ndim != 2:
        raise ValueError(f"softmax_cross_entropy: logits must have shape (batch, classes), got {z.shape}")
    batch, classes = z.shape
    if np.ndim(targets.data if isinstance(targets, Tensor) else targets) == 2:
        z, y = _tensors("softmax_cross_entropy", z, targets)
        return -(y * z.log_softmax(axis=-1)).sum(axis=-1).mean()
    labels = np.asarray(targets.data if isinstance(targets, Tensor) else targets)
    if labels.shape != (batch,):
        raise ValueError(f"softmax_cross_entropy: logits have shape {z.shape}; targets must be class indices of "
                         f"shape ({batch},) or one-hot rows of shape {z.shape}, got shape {labels.shape}")
    if labels.dtype.kind not in "iuf":
        raise ValueError(f"softmax_cross_entropy: class indices must be integers, got dtype {labels.dtype}")
    bad = labels[(labels != np.round(labels)) | (labels < 0) | (labels >= classes)]
    if bad.size:
        raise ValueError(f"softmax_cross_entropy: class indices must be integers in [0, {classes}); "
                         f"got {bad[:5].tolist()}")
    return -z.log_softmax(axis=-1)[np.arange(batch), labels.astype(np.intp)].mean()


def max_margin_loss(scores: Any, targets: Any) -> Tensor:
    """micrograd's max-margin (hinge) loss, mean(relu(1 - y s)), for targets y of -1 or +1:
    zero once every score is on the right side of 0 by a margin of at least 1."""
    s, y = _tensors("max_margin_loss", scores, targets)
    if not np.all(np.isin(y.data, (-1.0, 1.0))):
        raise ValueError(f"max_margin_loss: targets must be -1 or +1, got values {np.unique(y.data)[:5]} "
                         f"(for 0/1 labels use 2 * y - 1)")
    return (1 - y * s).relu().mean()


def l2_penalty(parameters: Iterable[Tensor], alpha: float) -> Tensor:
    """alpha * (sum of the squares of every parameter), micrograd's regularisation (alpha = 1e-4 there).
    Pass `model.parameters()`: frozen parameters are then left out."""
    squares = [(p * p).sum() for p in parameters]
    if not squares:
        raise ValueError("l2_penalty: no parameters given")
    return alpha * sum(squares[1:], squares[0])


LOSSES: dict[str, Callable[[Any, Any], Tensor]] = {
    "mse": mse_loss,
    "half_sse": half_sse_loss,
    "bce": bce_loss,
    "bce_logits": bce_with_logits_loss,
    "softmax_ce": softmax_cross_entropy,
    "hinge": max_margin_loss,
}
