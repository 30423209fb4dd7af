"""Derivatives of derivatives of `Tensor`s: every op's second derivatives against finite differences of its
first (`gradgradcheck`) and against PyTorch's double backward, the fused losses, random graphs.

The op table is test_tensor_ops.py's `CASES` (every op with every broadcasting pattern, `**` with a
number and a Tensor exponent, `@` of every shape, `linear`, reductions over every axis, softmax,
reshape/transpose/indexing, concatenate/stack), plus the few ops it does not list (`EXTRA_CASES`).
Second derivatives are compared as Hessian-vector products: with fixed random weights w on the output
and v on the first derivatives, d/dx_j sum_i <v_i, d<w, f>/dx_i> for every input j.
"""

from __future__ import annotations

from typing import Any

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd_like import Tensor, grad, gradgradcheck, where
from nn.losses import LOSSES
from tests.engine.test_tensor_ops import CASES, MASK, Case, away_from_zero, positive, rand
from tests.engine.test_tensor_properties import BINARY, array, leaf

EXTRA_CASES = [
    Case("x ** y (same shape: both arguments)", lambda x, y: x ** y, (positive(3, 4), rand(3, 4))),
    Case("x ** y (exponent broadcast as a column)", lambda x, y: x ** y, (positive(3, 4), rand(3, 1))),
    Case("broadcast_to((2, 3, 4))", lambda x: x.broadcast_to((2, 3, 4)), (rand(3, 1),),
         lambda torch, x: x.expand(2, 3, 4)),
    Case("broadcast_to, then squared", lambda x: x.broadcast_to((2, 3)) ** 2, (rand(3),),
         lambda torch, x: x.expand(2, 3) ** 2),
    Case("where(mask, x, y)", lambda x, y: where(MASK, x, y), (rand(3, 4), rand(3, 4)),
         lambda torch, x, y: torch.where(torch.from_numpy(MASK), x, y)),
    Case("where(mask, x * x, y) with a row y", lambda x, y: where(MASK, x * x, y.exp()), (rand(3, 4), rand(4)),
         lambda torch, x, y: torch.where(torch.from_numpy(MASK), x * x, y.exp())),
    Case("softplus(x * y)", lambda x, y: (x * y).softplus(), (rand(3, 4), rand(4)),
         lambda torch, x, y: torch.nn.functional.softplus(x * y)),
    Case("clip(x * y)", lambda x, y: (x * y).clip(-0.5, 0.7), (rand(3, 4), rand(4)),
         lambda torch, x, y: (x * y).clamp(-0.5, 0.7)),
    Case("x[[0, 2, 0]] * x[[1, 1, 2]] (repeated rows, twice)", lambda x: x[[0, 2, 0]] * x[[1, 1, 2]], (rand(3, 4),),
         lambda torch, x: x[[0, 2, 0]] * x[[1, 1, 2]]),
    Case("x[mask] ** 3", lambda x: x[MASK] ** 3, (rand(3, 4),), lambda torch, x: x[torch.from_numpy(MASK)] ** 3),
    Case("sigmoid(x) / y", lambda x, y: x.sigmoid() / y, (rand(3, 4), away_from_zero(3, 1))),
]
ALL_CASES = [pytest.param(case, id=case.id) for case in CASES + EXTRA_CASES]


def leaves(arrays: tuple) -> list[Tensor]:
    return [Tensor(a.copy(), requires_grad=True) for a in arrays]


def weights_for(shape: tuple, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.5, 1.5, shape)


# ---- finite differences --------------------------------------------------------------------------------

@pytest.mark.parametrize("case", ALL_CASES)
def test_second_derivatives_agree_with_finite_differences(case: Case) -> None:
    assert gradgradcheck(case.fn, leaves(case.inputs), atol=1e-6, rtol=1e-5)


# ---- PyTorch's double backward -------------------------------------------------------------------------

def hessian_vector_products_ours(case: Case) -> list[np.ndarray]:
    inputs = leaves(case.inputs)
    out = case.fn(*inputs)
    firsts = grad((out * weights_for(out.shape, 0)).sum(), inputs, create_graph=True)
    assert all(isinstance(first, Tensor) and first.shape == x.shape for first, x in zip(firsts, inputs))
    total = sum(((first * weights_for(first.shape, 1 + i)).sum() for i, first in enumerate(firsts)), Tensor(0.0))
    if not total.requires_grad:  # every first derivative is a constant
        return [np.zeros(x.shape) for x in inputs]
    return list(grad(total, inputs))


def hessian_vector_products_torch(torch: Any, case: Case) -> list[np.ndarray]:
    inputs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in case.inputs]
    out = case.torch_fn(torch, *inputs) if case.torch_fn else case.fn(*inputs)
    weighted = (out * torch.from_numpy(weights_for(tuple(out.shape), 0))).sum()
    firsts = torch.autograd.grad(weighted, inputs, create_graph=True)
    total = sum((first * torch.from_numpy(weights_for(tuple(first.shape), 1 + i))).sum()
                for i, first in enumerate(firsts))
    if not total.requires_grad:
        return [np.zeros(x.shape) for x in inputs]
    seconds = torch.autograd.grad(total, inputs, allow_unused=True)
    return [np.zeros(x.shape) if s is None else s.numpy() for s, x in zip(seconds, inputs)]


@pytest.mark.parametrize("case", ALL_CASES)
def test_second_derivatives_match_torch_double_backward(case: Case) -> None:
    torch = pytest.importorskip("torch")
    ours = hessian_vector_products_ours(case)
    theirs = hessian_vector_products_torch(torch, case)
    for i, (mine, reference) in enumerate(zip(ours, theirs)):
        assert mine.shape == reference.shape
        np.testing.assert_allclose(mine, reference, rtol=1e-10, atol=1e-12, err_msg=f"input {i}")


def test_a_hessian_by_hand_bilinear_and_quartic() -> None:
    """f(x) = sum(x^4) + x^T A x:  H = diag(12 x^2) + A + A^T, built row by row with grad."""
    a = rand(3, 3)
    x = Tensor(rand(3), requires_grad=True)
    (first,) = grad((x ** 4).sum() + x @ (Tensor(a) @ x), [x], create_graph=True)
    rows = [grad(first[i], [x])[0] for i in range(3)]
    np.testing.assert_allclose(np.stack(rows), np.diag(12 * x.data ** 2) + a + a.T, rtol=1e-13)


# ---- the fused losses ----------------------------------------------------------------------------------

def loss_inputs(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Outputs a loss takes (probabilities for bce), and its targets, for a batch of 5 and 3 classes."""
    spec = LOSSES[name]
    n_outputs = 1 if spec.one_output else 3
    labels = np.random.default_rng(7).integers(0, n_outputs if n_outputs > 1 else 2, 5)
    outputs = rand(5, n_outputs) if spec.takes_logits or name != "bce" else positive(5, 1) / 2.5
    return outputs, spec.make_targets(labels, n_outputs)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_every_registered_loss_has_second_derivatives(name: str) -> None:
    outputs, targets = loss_inputs(name)
    spec = LOSSES[name]
    assert gradgradcheck(lambda a: spec(a, targets), [Tensor(outputs.copy(), requires_grad=True)])
    # the fused form and its composition of primitive ops have the same Hessian
    hessians = []
    for loss in (spec.function, spec.composed):
        a = Tensor(outputs.copy(), requires_grad=True)
        (first,) = grad(loss(a, targets), [a], create_graph=True)
        flat = first.reshape(-1)
        hessians.append(np.stack([grad(flat[k], [a])[0].reshape(-1) if flat.requires_grad
                                  else np.zeros(a.size) for k in range(a.size)]))
    np.testing.assert_allclose(hessians[0], hessians[1], rtol=1e-12, atol=1e-14)


def test_squared_error_second_derivative_with_respect_to_both_arguments() -> None:
    """L = c sum((a - y)^2): d2L/da2 = 2c I, d2L/da dy = -2c I; with the targets trainable too."""
    from nn.losses import half_sse_loss, mse_loss
    for loss, c in ((mse_loss, 1 / 6), (half_sse_loss, 0.5)):
        a, y = Tensor(rand(3, 2), requires_grad=True), Tensor(rand(3, 2), requires_grad=True)
        assert gradgradcheck(loss, [a, y])
        d_a, d_y = grad(loss(a, y), [a, y], create_graph=True)
        np.testing.assert_allclose(grad(d_a[1, 0], [a, y])[0], 2 * c * np.eye(6)[2].reshape(3, 2), rtol=1e-14)
        np.testing.assert_allclose(grad(d_y[1, 0], [a, y])[0], -2 * c * np.eye(6)[2].reshape(3, 2), rtol=1e-14)


TORCH_LOSSES = {
    "mse": lambda F, a, y: F.mse_loss(a, y),
    "half_sse": lambda F, a, y: F.mse_loss(a, y, reduction="sum") / 2,
    "bce": lambda F, a, y: F.binary_cross_entropy(a, y),
    "bce_logits": lambda F, a, y: F.binary_cross_entropy_with_logits(a, y),
    "softmax_ce": lambda F, a, y: F.cross_entropy(a, y),
    "hinge": lambda F, a, y: F.relu(1 - y * a).mean(),
}


@pytest.mark.parametrize("name", sorted(TORCH_LOSSES))
def test_loss_hessian_matches_torch(name: str) -> None:
    torch = pytest.importorskip("torch")
    outputs, targets = loss_inputs(name)
    a = Tensor(outputs.copy(), requires_grad=True)
    (first,) = grad(LOSSES[name](a, targets), [a], create_graph=True)
    v = weights_for(a.shape, 3)
    ours = grad((first * v).sum(), [a])[0] if first.requires_grad else np.zeros(a.shape)
    t = torch.tensor(outputs, requires_grad=True)
    y = torch.from_numpy(targets) if targets.dtype.kind == "f" else torch.from_numpy(targets).long()
    (t_first,) = torch.autograd.grad(TORCH_LOSSES[name](torch.nn.functional, t, y), t, create_graph=True)
    total = (t_first * torch.from_numpy(v)).sum()
    theirs = torch.autograd.grad(total, t)[0].numpy() if total.requires_grad else np.zeros(a.shape)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-13)


# ---- random graphs -------------------------------------------------------------------------------------

@settings(max_examples=30, deadline=None)
@given(st.data(), hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
       st.lists(st.sampled_from(sorted(BINARY)), min_size=1, max_size=3),
       st.sampled_from(["tanh", "sigmoid", "softplus"]))  # (exp chained three times: 1e8, beyond finite differences)
def test_random_chains_of_broadcasting_ops_have_correct_second_derivatives(data: Any, shapes: Any, ops: list,
                                                                          unary: str) -> None:
    """x, y of any broadcastable shapes; z = x; then z = op(z, y) for each drawn op, then a smooth function, then
    one reduction: each step reuses y, and the second derivatives go through every broadcast."""
    x = leaf(data.draw(array(shapes.input_shapes[0])))
    y = leaf(data.draw(array(shapes.input_shapes[1])))

    def f(x: Tensor, y: Tensor) -> Tensor:
        z = x
        for op in ops:
            z = BINARY[op](getattr(z, unary)(), y)
        return z * z.mean()

    assert gradgradcheck(f, [x, y], atol=1e-5, rtol=1e-4)
