"""Every `Tensor` op against PyTorch: same float64 inputs, same forward values, same gradients.

Runs the op table of `test_tensor_ops.py` (`CASES`), each output reduced to a number with the
same fixed random weights on both sides so that every output element's gradient is compared.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from micrograd_like import Tensor
from tests.engine.test_tensor_ops import CASE_PARAMS, Case

torch = pytest.importorskip("torch")

TOLERANCE = {"rtol": 1e-10, "atol": 1e-12}


def run_ours(case: Case, weights_seed: int = 0) -> tuple[np.ndarray, list[np.ndarray]]:
    inputs = [Tensor(a.copy(), requires_grad=True) for a in case.inputs]
    out = case.fn(*inputs)
    weights = np.random.default_rng(weights_seed).uniform(0.5, 1.5, out.shape)
    (out * weights).sum().backward()
    return out.data, [x.grad for x in inputs]


def run_torch(case: Case, weights_seed: int = 0) -> tuple[np.ndarray, list[np.ndarray]]:
    inputs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in case.inputs]
    out = case.torch_fn(torch, *inputs) if case.torch_fn else case.fn(*inputs)
    weights = np.random.default_rng(weights_seed).uniform(0.5, 1.5, tuple(out.shape))
    (out * torch.from_numpy(weights)).sum().backward()
    return out.detach().numpy(), [x.grad.numpy() for x in inputs]


@pytest.mark.parametrize("case", CASE_PARAMS)
def test_forward_and_gradients_match_pytorch(case: Case) -> None:
    ours, our_grads = run_ours(case)
    theirs, their_grads = run_torch(case)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, **TOLERANCE)
    for i, (mine, reference) in enumerate(zip(our_grads, their_grads)):
        np.testing.assert_allclose(mine, reference, **TOLERANCE, err_msg=f"gradient of input {i}")


@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_max_ties_share_the_gradient_like_torch_amax(axis: Any, keepdims: bool) -> None:
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0], [3.0, 0.0, 3.0]])
    ours = Tensor(x, requires_grad=True)
    out = ours.max(axis=axis, keepdims=keepdims)
    g = np.arange(1.0, out.size + 1).reshape(out.shape)
    out.backward(g)
    theirs = torch.tensor(x, requires_grad=True)
    dims = (0, 1) if axis is None else axis
    theirs.amax(dim=dims, keepdim=keepdims).backward(torch.from_numpy(g))
    np.testing.assert_allclose(out.data, theirs.amax(dim=dims, keepdim=keepdims).detach().numpy(), rtol=0)
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-15)


@pytest.mark.parametrize("op", ["sigmoid", "tanh", "softmax", "log_softmax", "exp"])
def test_huge_inputs_match_pytorch(op: str) -> None:
    x = np.array([1000.0, -1000.0, 0.0, -999.0]) if op != "exp" else np.array([-1000.0, -700.0, 0.0])
    ours = Tensor(x, requires_grad=True)
    out = getattr(ours, op)()
    out.sum().backward()
    theirs = torch.tensor(x, requires_grad=True)
    reference = getattr(theirs, op)(-1) if "softmax" in op else getattr(theirs, op)()
    reference.sum().backward()
    np.testing.assert_allclose(out.data, reference.detach().numpy(), **TOLERANCE)
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), **TOLERANCE)
