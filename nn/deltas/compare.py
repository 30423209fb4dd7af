"""Autograd against the hand-derived deltas: the same network, weights and batch differentiated both
ways, compared per layer and per parameter.

For a seed, the *hand* side is the gradient its update follows, ``-update / lr`` (``implied_gradients``
of its transcription in `nn.deltas.seeds`), and its deltas turned into ``dL/dz`` (its sign and layout undone).
The *autograd* side is ``backward()`` through our engine, on a graph built from primitive ops only
(``x @ W + b``, the activation, the loss written as ops, never a fused op whose backward is itself
a hand-derived rule), on a reference loss: the loss the seed
states, and the loss its update really is the gradient of (1/2 SSE) where that is another one.
For the general delta rule (`nn.deltas.delta_rule`), random networks and batches, one per loss.

Each comparison row holds both arrays and says how far apart they are:

- ``max_abs``: the largest ``|hand - autograd|``;
- ``max_rel``: that, divided by the largest ``|autograd|`` (so that entries near zero do not blow it
  up); the two *agree* when ``max_rel <= tolerance`` (1e-12 by default, float64);
- ``ratio``: ``hand / autograd`` when it is one constant over every entry (0.5 for seed 002 against
  the sum of squares it returns, 1/15 for seed 001's bias against a batch sum), else None.

``compare_seed("seed002")`` and ``compare_general()`` return a `DeltaComparison`; print it for a
table, or show it in a notebook. ``micrograd-like check-deltas`` prints them (`nn.cli.check_deltas`).
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from micrograd_like import Tensor

from ..losses import LOSSES, LossSpec
from . import delta_rule
from .registry import SEEDS
from .seeds import seed001_digits

TOLERANCE = 1e-12
Loss = Callable[[Any, Any], Tensor]


# ---- the result -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One layer's one parameter (W, b) or delta (dLoss/dz), by hand and by autograd.

    `layer` counts from 1 (the first weight matrix), as seed 001's dictionaries do."""

    layer: int
    parameter: str
    hand: np.ndarray
    autograd: np.ndarray
    tolerance: float = TOLERANCE

    @property
    def max_abs(self) -> float:
        return float(np.max(np.abs(self.hand - self.autograd)))

    @property
    def max_rel(self) -> float:
        scale = float(np.max(np.abs(self.autograd)))
        if scale == 0.0:
            return 0.0 if self.max_abs == 0.0 else float("inf")
        return self.max_abs / scale

    @property
    def agrees(self) -> bool:
        return self.max_rel <= self.tolerance

    @property
    def ratio(self) -> float | None:
        """``hand / autograd`` if it is the same number (to 1e-9) wherever autograd is non-zero, and
        hand is zero wherever autograd is; else None."""
        nonzero = self.autograd != 0
        if not nonzero.any() or np.any(self.hand[~nonzero] != 0):
            return None
        ratios = self.hand[nonzero] / self.autograd[nonzero]
        middle = float(np.median(ratios))
        return middle if np.allclose(ratios, middle, rtol=1e-9, atol=1e-12) else None


def _format_ratio(ratio: float | None) -> str:
    if ratio is None:
        return "varies"
    if ratio != 0 and abs(1 / ratio - round(1 / ratio)) < 1e-6 and abs(round(1 / ratio)) > 1:
        return f"{ratio:.6g} (1/{round(1 / ratio)})"
    return f"{ratio:.6g}"


@dataclass
class Reference:
    """The hand rule against autograd on one reference loss: one `Row` per layer and parameter."""

    key: str
    loss: str
    rows: list[Row]

    @property
    def agrees(self) -> bool:
        return all(row.agrees for row in self.rows)

    def row(self, layer: int, parameter: str) -> Row:
        for row in self.rows:
            if (row.layer, row.parameter) == (layer, parameter):
                return row
        raise KeyError(f"no row for layer {layer}, parameter {parameter!r}; "
                       f"there are {[(r.layer, r.parameter) for r in self.rows]}")

    def summary(self) -> str:
        """One line: agrees everywhere, disagrees by one factor everywhere, or where it disagrees."""
        if self.agrees:
            return f"agrees everywhere (to {max(row.max_rel for row in self.rows):.1e})"
        ratios = [row.ratio for row in self.rows]
        if all(r is not None for r in ratios) and np.allclose(ratios, ratios[0], rtol=1e-9):
            return f"disagrees by a factor {_format_ratio(ratios[0])} everywhere (hand = factor x autograd)"
        if not any(row.agrees for row in self.rows) and not any(ratios):
            return "disagrees everywhere, by no constant factor"
        wrong = [f"layer {row.layer} {row.parameter} (ratio {_format_ratio(row.ratio)})"
                 for row in self.rows if not row.agrees]
        right = [f"layer {row.layer} {row.parameter}" for row in self.rows if row.agrees]
        return "disagrees at " + ", ".join(wrong) + ("; agrees at " + ", ".join(right) if right else "")


@dataclass(repr=False)
class DeltaComparison:
    """A hand-derived rule against autograd on the same network, weights and batch, for one or more
    reference losses (``comparison["stated"]``, ``comparison["half_sse"]``, ...)."""

    title: str
    hand_rule: str
    references: list[Reference]
    notes: list[str] = field(default_factory=list)

    def __getitem__(self, key: str) -> Reference:
        for reference in self.references:
            if reference.key == key:
                return reference
        raise KeyError(f"no reference {key!r}; there are {[r.key for r in self.references]}")

    @property
    def keys(self) -> list[str]:
        return [reference.key for reference in self.references]

    def __repr__(self) -> str:  # the full table, not every array (a notebook cell's last line shows this)
        return str(self)

    def __str__(self) -> str:
        lines = [self.title, f"hand: {self.hand_rule}",
                 "autograd: backward() through our engine; rel = max |hand - autograd| / max |autograd|", ""]
        header = f"  {'layer':>5}  {'param':<5}  {'shape':<9}  {'max |diff|':>10}  {'rel':>8}  " \
                 f"{'hand / autograd':<20}  agrees"
        for reference in self.references:
            lines += [f"vs {reference.loss}: {reference.summary()}", header]
            for row in reference.rows:
                lines.append(f"  {row.layer:>5}  {row.parameter:<5}  {row.hand.shape!s:<9}  {row.max_abs:>10.2e}  "
                             f"{row.max_rel:>8.1e}  {_format_ratio(row.ratio):<20}  {'yes' if row.agrees else 'NO'}")
            lines.append("")
        lines += self.notes
        return "\n".join(lines).rstrip() + "\n"

    def _repr_html_(self) -> str:
        e = html.escape
        parts = [(f"<p><b>{e(self.title)}</b><br>hand: {e(self.hand_rule)}<br>autograd: backward() through our "
                  f"engine; rel = max |hand &minus; autograd| / max |autograd|</p>")]
        for reference in self.references:
            parts.append(f"<p>vs <b>{e(reference.loss)}</b>: {e(reference.summary())}</p>")
            parts.append("<table><tr><th>layer</th><th>param</th><th>shape</th><th>max |diff|</th><th>rel</th>"
                         "<th>hand / autograd</th><th>agrees</th></tr>")
            for row in reference.rows:
                colour = "#d4f4d4" if row.agrees else "#f8d0d0"
                parts.append(f"<tr><td>{row.layer}</td><td>{e(row.parameter)}</td><td>{row.hand.shape}</td>"
                             f"<td>{row.max_abs:.2e}</td><td>{row.max_rel:.1e}</td>"
                             f"<td>{e(_format_ratio(row.ratio))}</td>"
                             f"<td style='background:{colour}'>{'yes' if row.agrees else 'no'}</td></tr>")
            parts.append("</table>")
        parts += [f"<p>{e(note)}</p>" for note in self.notes]
        return "\n".join(parts)


# ---- autograd on a dense network, from primitive ops --------------------------------------------------


@dataclass
class Gradients:
    """d(loss)/dW, d(loss)/db and d(loss)/dz for every layer, first layer first."""

    weights: list[np.ndarray]
    biases: list[np.ndarray]
    deltas: list[np.ndarray]


def _activate(name: str, z: Tensor) -> Tensor:
    if name == "identity":
        return z
    if name not in ("relu", "tanh", "sigmoid"):
        raise ValueError(f"unknown activation {name!r}; expected one of {delta_rule.ACTIVATIONS}")
    return getattr(z, name)()


def primitive_backward(weights: Sequence[np.ndarray], biases: Sequence[np.ndarray], activations: Sequence[str],
                       X: Any, root: Callable[[Tensor, Tensor], Tensor]) -> Gradients:
    """``root(z_last, a_last).backward()`` through ``z = a @ W + b`` and ``a = f(z)``, every layer built
    from the engine's primitive ops (no fused `linear`, no fused loss), keeping each z's gradient."""
    Ws = [Tensor(np.array(W, dtype=np.float64), requires_grad=True) for W in weights]
    bs = [Tensor(np.array(b, dtype=np.float64), requires_grad=True) for b in biases]
    a = Tensor(np.atleast_2d(np.asarray(X, dtype=np.float64)))
    zs = []
    for W, b, f in zip(Ws, bs, activations, strict=True):
        zs.append(a @ W + b)
        a = _activate(f, zs[-1])
    root(zs[-1], a).backward()
    return Gradients([W.grad for W in Ws], [b.grad for b in bs], [z.grad for z in zs])


def autograd_gradients(weights: Sequence[np.ndarray], biases: Sequence[np.ndarray], activations: Sequence[str],
                       X: Any, y: Any, loss: Loss) -> Gradients:
    """``loss(network(X), y).backward()``, the network written as ``x @ W + b`` and the named activations.
    Pass a loss written as ops (e.g. `nn.losses.LOSSES[name].composed`)."""
    return primitive_backward(weights, biases, activations, X, lambda z, a: loss(a, y))


def _rows(hand: Gradients, autograd: Gradients, tolerance: float) -> list[Row]:
    rows = []
    for layer in range(len(hand.weights)):
        for name, h, a in (("W", hand.weights, autograd.weights), ("b", hand.biases, autograd.biases),
                           ("delta", hand.deltas, autograd.deltas)):
            rows.append(Row(layer + 1, name, np.asarray(h[layer], dtype=np.float64),
                            np.asarray(a[layer], dtype=np.float64), tolerance))
    return rows


# ---- the seeds ------------------------------------------------------------------------------------


def compare_seed(name: str, params: Any = None, X: Any = None, y: Any = None, lr: float | None = None,
                 tolerance: float = TOLERANCE) -> DeltaComparison:
    """A seed's hand-derived update (``-update / lr``) and deltas against autograd, on its default
    batch (see `nn.deltas.registry.SEEDS`) or the given params (in the seed's own layout) and batch.
    For seed000 the batch is one sample, X of shape (2,)."""
    if name not in SEEDS:
        raise ValueError(f"unknown seed {name!r}; choose one of {list(SEEDS)}")
    seed = SEEDS[name]
    if params is None or X is None or y is None:
        default_params, default_X, default_y = seed.default_batch()
        params = default_params if params is None else params
        X, y = (default_X, default_y) if X is None or y is None else (X, y)
    module = seed.module
    lr = module.LEARNING_RATE if lr is None else lr
    update = module.compute_update(params, X, y, lr)
    hand_weights, hand_biases = module.implied_gradients(params, X, y, lr)
    hand = Gradients(hand_weights, hand_biases, seed.deltas_as_dz(update.deltas))
    weights, biases = module.to_standard(params)
    y_array = np.asarray(y, dtype=np.float64)
    references = []
    for reference in seed.references:
        def root(z: Tensor, a: Tensor, loss: Any = reference.loss) -> Tensor:
            return loss(z, a, y_array, hand.deltas[-1])
        autograd = primitive_backward(weights, biases, seed.activations, X, root)
        references.append(Reference(reference.key, reference.description, _rows(hand, autograd, tolerance)))
    notes = ["on this batch, " + seed001_saturation(params, X, y).describe()] if name == "seed001" else []
    return DeltaComparison(seed.title, seed.hand_rule, references, notes)


# ---- the general delta rule ---------------------------------------------------------------------------


def general_losses() -> dict[str, LossSpec]:
    """The losses of `nn.losses.LOSSES` that have a hand-derived output delta in `delta_rule`."""
    return {name: spec for name, spec in LOSSES.items() if spec.hand_derived is not None}


def random_problem(spec: LossSpec, rng: np.random.Generator) -> tuple[list[np.ndarray], list[np.ndarray],
                                                                    list[str], np.ndarray, np.ndarray]:
    """A random dense network for the loss `spec` (2 to 4 layers, random widths and hidden activations,
    the output activation the loss needs, as the graph computes it) with a random batch and targets:
    (W, b, activations, x, y)."""
    loss = spec.hand_derived
    depth = int(rng.integers(2, 5))
    sizes = [int(n) for n in rng.integers(1, 6, size=depth + 1)]
    sizes[-1] = max(sizes[-1], 2) if loss == "softmax_ce" else sizes[-1]
    hidden = [str(f) for f in rng.choice(delta_rule.ACTIVATIONS, size=depth - 1)]
    if spec.takes_logits:
        output = "identity"
    else:
        output = {"bce": "sigmoid"}.get(str(loss), str(rng.choice(delta_rule.ACTIVATIONS)))
    weights = [rng.normal(size=(n_in, n_out)) for n_in, n_out in itertools.pairwise(sizes)]
    biases = [rng.normal(size=n_out) for n_out in sizes[1:]]
    batch = int(rng.integers(1, 8))
    x = rng.normal(size=(batch, sizes[0]))
    if loss == "softmax_ce":
        y = rng.integers(0, sizes[-1], size=batch)
    elif loss == "bce":
        y = rng.uniform(size=(batch, sizes[-1]))
    else:
        y = rng.normal(size=(batch, sizes[-1]))
    return weights, biases, hidden + [output], x, y


def compare_general(seed: int = 0, tolerance: float = TOLERANCE) -> DeltaComparison:
    """`nn.deltas.delta_rule.backprop` against autograd, one random network and batch per loss of
    `nn.losses.LOSSES` with a hand-derived delta (autograd on the loss's `composed` form)."""
    rng = np.random.default_rng(seed)
    references = []
    for name, spec in general_losses().items():
        weights, biases, activations, x, y = random_problem(spec, rng)
        hand_activations = activations[:-1] + [spec.hand_output] if spec.hand_output else activations
        result = delta_rule.backprop(weights, biases, hand_activations, x, y, str(spec.hand_derived))
        hand = Gradients(result.grad_weights, result.grad_biases, result.deltas)
        autograd = autograd_gradients(weights, biases, activations, x, y, spec.composed)
        sizes = "-".join(str(n) for n in [weights[0].shape[0]] + [W.shape[1] for W in weights])
        description = f"{name} on a {sizes} network ({', '.join(hand_activations)}), batch {len(x)}"
        references.append(Reference(name, description, _rows(hand, autograd, tolerance)))
    return DeltaComparison(f"the general delta rule (nn.deltas.delta_rule), random networks and batches (seed {seed})",
                           "delta_L = dLoss/dz_L; delta_l = (delta_l+1 @ W_l+1^T) * f'(z_l); dW = a^T delta; "
                           "db = sum(delta, 0)", references)

# ---- why seed 001's rule trains better than the gradient of its loss ----------------------------------

SATURATED = 0.01  # an output sigmoid counts as saturated where s'(z) < this (|z| > 4.6)


@dataclass(frozen=True)
class Saturation:
    """Seed 001's output sigmoids on a batch, and the factor each delta puts on the error a - y.

    The seed's output delta is (a - y) s'(a), with s'(a) in [0.196, 0.25] for any a in (0, 1); the
    true delta of 1/2 SSE is (a - y) s'(z), which vanishes where the sigmoid saturates; binary
    cross-entropy's is (a - y) itself. An output is *stuck* when it is saturated on the wrong side
    (|a - y| > 0.5): its error is large, and the true gradient hardly moves it."""

    outputs: int
    saturated: float  # fraction of outputs with s'(z) < SATURATED
    stuck: int  # outputs saturated on the wrong side
    stuck_sprime_z: float  # median s'(z) over the stuck outputs (nan if none)
    median_ratio: float  # median over all outputs of s'(a) / s'(z)
    sprime_a_range: tuple[float, float]
    misclassified: int  # samples whose largest output is not their class
    misclassified_stuck: int  # ... of which have at least one stuck output

    def describe(self) -> str:
        return (f"output sigmoids ({self.outputs} outputs): {self.saturated:.1%} saturated (s'(z) < {SATURATED}); "
                f"{self.stuck} stuck on the wrong side (|a - y| > 0.5), where the true delta's factor s'(z) has "
                f"median {self.stuck_sprime_z:.2g} and the seed's s'(a) lies in [{self.sprime_a_range[0]:.3f}, "
                f"{self.sprime_a_range[1]:.3f}]; median s'(a) / s'(z) = {self.median_ratio:.3g}; "
                f"{self.misclassified_stuck} of the {self.misclassified} misclassified samples have a stuck output")


def seed001_saturation(params: Any, x: np.ndarray, y: np.ndarray) -> Saturation:
    """Measure `Saturation` for seed 001's network (params in its own layout) on inputs x, one-hot y."""
    weights, biases = seed001_digits.to_standard(params)
    z, a = delta_rule.forward(weights, biases, ("relu", "sigmoid"), x)
    z_out, a_out = z[-1], a[-1]
    e = np.exp(-np.abs(z_out))
    sprime_z = e / (1 + e) ** 2  # = a (1 - a), without rounding a to 1.0 first
    s_of_a = delta_rule.sigmoid(a_out)
    sprime_a = s_of_a * (1 - s_of_a)
    stuck = (sprime_z < SATURATED) & (np.abs(a_out - y) > 0.5)
    misclassified = a_out.argmax(axis=1) != np.asarray(y).argmax(axis=1)
    return Saturation(a_out.size, float(np.mean(sprime_z < SATURATED)), int(stuck.sum()),
                      float(np.median(sprime_z[stuck])) if stuck.any() else float("nan"),
                      float(np.median(sprime_a / sprime_z)), (float(sprime_a.min()), float(sprime_a.max())),
                      int(misclassified.sum()), int((misclassified & stuck.any(axis=1)).sum()))


# ---- a small convolutional network ---------------------------------------------------------------------


def cnn_problem(rng: np.random.Generator) -> dict[str, Any]:
    """A random small CNN and batch: x (N, C, H, W), labels y, conv kernel and bias, dense weights and bias,
    and the conv's stride and padding (chosen so that the pooled map tiles evenly)."""
    n, c, c_out, k = (int(v) for v in (rng.integers(1, 4), rng.integers(1, 3), rng.integers(1, 4), rng.integers(2, 4)))
    stride, padding = int(rng.integers(1, 3)), int(rng.integers(0, 2))
    size = int(rng.integers(k + 2, k + 6))
    conv_out = (size + 2 * padding - k) // stride + 1
    pooled = conv_out // 2
    classes = int(rng.integers(2, 5))
    return dict(x=rng.normal(size=(n, c, size, size)), y=rng.integers(0, classes, size=n),
                conv_W=rng.normal(size=(c_out, c, k, k)), conv_b=rng.normal(size=c_out),
                dense_W=rng.normal(size=(c_out * pooled * pooled, classes)) / 2, dense_b=rng.normal(size=classes),
                stride=stride, padding=padding)


def cnn_autograd(problem: dict[str, Any], pool: str) -> dict[str, np.ndarray]:
    """The same CNN differentiated by our engine, composed from primitive ops: the convolution as
    W_matrix @ im2col(x) + b (im2col is a rearrangement whose vjp is its adjoint, col2im), pooling as
    im2col then max or mean over each window's entries, the dense layer as x @ W + b, the loss as
    log_softmax and indexing. No fused op whose backward is a hand-written delta."""
    from micrograd_like import im2col  # (kept local: the rest of this module needs only Tensor)

    x = Tensor(problem["x"], requires_grad=True)
    conv_W, conv_b = Tensor(problem["conv_W"], requires_grad=True), Tensor(problem["conv_b"], requires_grad=True)
    dense_W, dense_b = Tensor(problem["dense_W"], requires_grad=True), Tensor(problem["dense_b"], requires_grad=True)
    n = x.shape[0]
    c_out, _, k, _ = conv_W.shape
    columns = conv_W.reshape(c_out, -1) @ im2col(x, k, problem["stride"], problem["padding"]) + conv_b.reshape(-1, 1)
    side = int(round(np.sqrt(columns.shape[2])))
    z1 = columns.reshape(n, c_out, side, side)
    a1 = z1.relu()
    windows = im2col(a1, 2, 2).reshape(n, c_out, 4, -1)  # the 4 entries of each 2x2 window along axis 2
    pooled = windows.max(axis=2) if pool == "max" else windows.mean(axis=2)
    logits = pooled.reshape(n, -1) @ dense_W + dense_b
    loss = -logits.log_softmax(axis=1)[np.arange(n), problem["y"]].mean()
    loss.backward()
    return dict(conv_W=conv_W.grad, conv_b=conv_b.grad, conv_delta=z1.grad, conv_dx=x.grad, dense_W=dense_W.grad,
                dense_b=dense_b.grad, dense_delta=logits.grad)


def compare_cnn(seed: int = 0, tolerance: float = TOLERANCE) -> DeltaComparison:
    """`nn.deltas.conv_rule.cnn_backprop` (conv -> ReLU -> pool -> flatten -> dense -> softmax cross-entropy)
    against autograd on the same random network and batch, once with max pooling and once with average
    pooling. Layer 1 is the convolution (W, b, delta = dLoss/dz, dx = dLoss/d input), layer 2 the dense layer."""
    from . import conv_rule

    rng = np.random.default_rng(seed)
    problem = cnn_problem(rng)
    references = []
    for pool in ("max", "avg"):
        hand = conv_rule.cnn_backprop(problem["x"], problem["y"], problem["conv_W"], problem["conv_b"],
                                      problem["dense_W"], problem["dense_b"], pool, 2, problem["stride"],
                                      problem["padding"])
        autograd = cnn_autograd(problem, pool)
        rows = [Row(layer, parameter, np.asarray(getattr(hand, key)), np.asarray(autograd[key]), tolerance)
                for layer, parameter, key in ((1, "W", "conv_W"), (1, "b", "conv_b"), (1, "delta", "conv_delta"),
                                              (1, "dx", "conv_dx"), (2, "W", "dense_W"), (2, "b", "dense_b"),
                                              (2, "delta", "dense_delta"))]
        x_shape, w_shape = problem["x"].shape, problem["conv_W"].shape
        description = (f"{pool} pooling: x {x_shape}, conv {w_shape} stride {problem['stride']} padding "
                       f"{problem['padding']}, ReLU, {pool} pool 2, dense {problem['dense_W'].shape}, softmax_ce")
        references.append(Reference(f"{pool}_pool", description, rows))
    return DeltaComparison(
        f"the convolution delta rule (nn.deltas.conv_rule), a random small CNN (seed {seed})",
        "dW = input correlated with delta; dx = delta (dilated by the stride) fully convolved with W flipped; "
        "db = sum(delta); max pool routes delta to the arg-max, average pool spreads it evenly", references)
