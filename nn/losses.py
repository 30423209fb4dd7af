"""Loss functions: short compositions of the engine's Tensor ops (so autograd derives their gradients),
except the squared errors, one `Function` node each, since every training step of the seeds pays for them.

Every loss takes the network's output and the targets and returns a one-element Tensor. Targets
may be numpy arrays, lists or Tensors; shapes must match exactly (no silent broadcasting), or a
`ValueError` names both shapes.

`LOSSES` is the one registry of losses: each `LossSpec` declares a loss's name, its function, its
form written as plain Tensor ops (what the comparison with the hand-derived deltas differentiates),
whether it takes logits, what output and targets it expects, and the name of its hand-derived
output delta in `nn.deltas.delta_rule` (a name only: `nn` never imports `nn.deltas`). The command
line, the demo and the comparison all read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable

import numpy as np

from micrograd_like import Function, Tensor, where


def _tensors(name: str, outputs: Any, targets: Any) -> tuple[Tensor, Tensor]:
    outputs = outputs if isinstance(outputs, Tensor) else Tensor(outputs)
    targets = targets if isinstance(targets, Tensor) else Tensor(np.asarray(targets, dtype=outputs.data.dtype))
    if outputs.data.shape != targets.data.shape:
        raise ValueError(f"{name}: outputs have shape {outputs.shape} but targets have shape {targets.shape}; "
                         f"they must be equal (reshape the targets, e.g. y.reshape(-1, 1) for one output column)")
    _not_empty(name, outputs)
    return outputs, targets


def _not_empty(name: str, outputs: Tensor) -> None:
    if outputs.size == 0:  # a mean over nothing is nan (and a sum 0, which trains on nothing)
        raise ValueError(f"{name}: the batch is empty (outputs of shape {outputs.shape}); "
                         f"pass at least one sample")


class SquaredError(Function):
    """L = c sum((a - y)^2) over every element, for a constant c.   dL/da = 2 c (a - y),  dL/dy = -dL/da.

    The same gradient autograd finds through `c * ((a - y) ** 2).sum()`, in one node instead of four
    (the tests check the two against each other and against finite differences). Under
    create_graph the same formula runs on the Tensors `ctx.inputs`, so it has derivatives of its own.
    """

    differentiable_backward = True

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, y: np.ndarray, c: float) -> np.ndarray:
        ctx.error, ctx.c = a - y, c
        flat = ctx.error.ravel()
        return c * flat.dot(flat)  # (the sum of squares: cheaper to call than vdot, or (e * e).sum())

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple:
        if isinstance(g, Tensor):  # create_graph: recorded, from the inputs themselves
            a, y = ctx.inputs
            grad_a = (a - y) * (g * (2 * ctx.c))
        else:
            scale = 2 * ctx.c * float(g)  # g is 0-d: the loss is one number
            grad_a = ctx.error if scale == 1 else ctx.error * scale  # 1 for half the SSE, the usual seed
        return grad_a, (-grad_a if ctx.needs_input_grad[1] else None)


def mse_loss(outputs: Any, targets: Any) -> Tensor:
    """Mean squared error, mean((a - y)^2) over every element.   dL/da = 2 (a - y) / n."""
    a, y = _tensors("mse_loss", outputs, targets)
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

    Values outside [0, 1] (or nan) are refused: they are not probabilities, usually logits, and
    clipping them would train on a zero gradient.
    """
    p, y = _tensors("bce_loss", probabilities, targets)
    outside = p.data[~((p.data >= 0) & (p.data <= 1))]
    if outside.size:
        raise ValueError(f"bce_loss: needs probabilities in [0, 1], got {outside.size} value(s) outside, "
                         f"e.g. {outside[:3].tolist()}. For a network's raw outputs (logits) use "
                         f"bce_with_logits_loss, or put a sigmoid on the output layer")
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

    Classes a target row gives probability 0 add nothing, even where log softmax is -inf (logits
    1e308 apart), so 0 * -inf never makes the loss nan.
    """
    z = logits if isinstance(logits, Tensor) else Tensor(logits)
    if z.ndim != 2:
        raise ValueError(f"softmax_cross_entropy: logits must have shape (batch, classes), got {z.shape}")
    _not_empty("softmax_cross_entropy", z)
    batch, classes = z.shape
    if np.ndim(targets.data if isinstance(targets, Tensor) else targets) == 2:
        z, y = _tensors("softmax_cross_entropy", z, targets)
        return -(y * where(y.data != 0, z.log_softmax(axis=-1), 0.0)).sum(axis=-1).mean()
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


def mse_loss_composed(outputs: Any, targets: Any) -> Tensor:
    """`mse_loss` as Tensor ops: ((a - y) ** 2).mean()."""
    a, y = _tensors("mse_loss", outputs, targets)
    return ((a - y) ** 2).mean()


def half_sse_loss_composed(outputs: Any, targets: Any) -> Tensor:
    """`half_sse_loss` as Tensor ops: ((a - y) ** 2).sum() / 2."""
    a, y = _tensors("half_sse_loss", outputs, targets)
    return ((a - y) ** 2).sum() / 2


Loss = Callable[[Any, Any], Tensor]


@dataclass(frozen=True)
class LossSpec:
    """One loss, declared once. Calling it calls `function`.

    - `composed`: the same loss written only with primitive Tensor ops (for the fused squared errors,
      their four-op form; for the others, `function` itself, already a composition of ops);
    - `takes_logits`: the network's last layer stays linear (the loss applies sigmoid/softmax itself);
    - `one_output`: the network has a single output column (two classes only), else one per class;
    - `targets`: "labels" (class indices), "values" (0/1 or one-hot rows), or "signs" (-1/+1);
    - `hand_derived`: the name of its output delta in `nn.deltas.delta_rule.LOSSES` (None: none), and
      `hand_output`: the output activation that rule puts on the logits (None: the network's own).
    """

    name: str
    function: Loss
    composed: Loss
    takes_logits: bool
    one_output: bool
    targets: str
    hand_derived: str | None = None
    hand_output: str | None = None
    description: str = ""

    def __call__(self, outputs: Any, targets: Any) -> Tensor:
        return self.function(outputs, targets)

    def make_targets(self, labels: np.ndarray, n_outputs: int) -> np.ndarray:
        """The targets this loss wants, from integer class labels and the network's number of outputs."""
        labels = np.asarray(labels)
        if self.targets == "labels":
            return labels
        if n_outputs > 1:
            return np.eye(n_outputs)[labels]
        column = 2.0 * labels - 1 if self.targets == "signs" else labels.astype(np.float64)
        return column.reshape(-1, 1)


LOSSES: dict[str, LossSpec] = {spec.name: spec for spec in (
    LossSpec("mse", mse_loss, mse_loss_composed, takes_logits=False, one_output=False, targets="values",
             hand_derived="mse", description="mean((a - y)^2)"),
    LossSpec("half_sse", half_sse_loss, half_sse_loss_composed, takes_logits=False, one_output=False,
             targets="values", hand_derived="half_sse", description="1/2 sum (a - y)^2, the seeds' loss"),
    LossSpec("bce", bce_loss, bce_loss, takes_logits=False, one_output=True, targets="values",
             hand_derived="bce", description="binary cross-entropy of probabilities"),
    LossSpec("bce_logits", bce_with_logits_loss, bce_with_logits_loss, takes_logits=True, one_output=True,
             targets="values", hand_derived="bce", hand_output="sigmoid",
             description="binary cross-entropy from the logits"),
    LossSpec("softmax_ce", softmax_cross_entropy, softmax_cross_entropy, takes_logits=True, one_output=False,
             targets="labels", hand_derived="softmax_ce", description="softmax cross-entropy from the logits"),
    LossSpec("hinge", max_margin_loss, max_margin_loss, takes_logits=True, one_output=True, targets="signs",
             description="micrograd's max-margin loss on -1/+1 targets"),
)}
