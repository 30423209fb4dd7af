"""Every `Tensor` op: gradients against central finite differences, and the hand-derived math.

`CASES` is the one table of ops and inputs; `test_tensor_torch.py` runs the same table against
PyTorch. Inputs are drawn where each op is smooth (positive for log, away from 0 for division,
distinct values for max), so finite differences are exact to O(eps^2).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pytest

from micrograd_like import Tensor, concatenate, gradcheck, linear, stack

rng = np.random.default_rng(1234)


def rand(*shape: int) -> np.ndarray:
    return rng.uniform(-2, 2, shape)


def positive(*shape: int) -> np.ndarray:
    return rng.uniform(0.5, 2, shape)


def away_from_zero(*shape: int) -> np.ndarray:
    return rng.uniform(0.5, 2, shape) * rng.choice([-1, 1], shape)


class Case(NamedTuple):
    """`fn(*tensors)` on `inputs`; `torch_fn(torch, *tensors)` where PyTorch spells the op differently."""
    id: str
    fn: Callable[..., Any]
    inputs: tuple
    torch_fn: Callable[..., Any] | None = None


def torch_amax(axis: Any, keepdims: bool) -> Callable[..., Any]:
    def amax(torch: Any, x: Any) -> Any:
        dims = tuple(range(x.ndim)) if axis is None else axis
        return x.amax(dim=dims, keepdim=keepdims)
    return amax


N_ROWS = 4
LABELS = np.array([2, 0, 2, 1])
MASK = rng.uniform(size=(3, 4)) > 0.5

BROADCAST_PATTERNS = {
    "same shape": ((3, 4), (3, 4)),
    "scalar": ((3, 4), ()),
    "row": ((3, 4), (4,)),
    "column": ((3, 4), (3, 1)),
    "leading axes added": ((2, 3, 4), (3, 4)),
    "size-1 axes": ((2, 3, 4), (2, 1, 4)),
    "both sides broadcast": ((3, 1), (1, 4)),
}
BINARY_OPS = {
    "+": lambda x, y: x + y,
    "-": lambda x, y: x - y,
    "*": lambda x, y: x * y,
    "/": lambda x, y: x / y,
}
AXES = [None, 0, 1, -1, (0, 2)]

CASES = [
    # arithmetic with every broadcasting pattern, in both orders (so each side is the broadcast one)
    *[Case(f"x {name} y ({pattern})", op, (rand(*xs), away_from_zero(*ys)))
      for name, op in BINARY_OPS.items() for pattern, (xs, ys) in BROADCAST_PATTERNS.items()],
    *[Case(f"y {name} x ({pattern})", op, (away_from_zero(*ys), away_from_zero(*xs)))
      for name, op in BINARY_OPS.items() for pattern, (xs, ys) in BROADCAST_PATTERNS.items()],
    Case("x ** y (broadcast)", lambda x, y: x ** y, (positive(3, 4), rand(4))),
    Case("-x", lambda x: -x, (rand(3, 4),)),
    # reflected forms and constants (numbers, lists, arrays) on the left and the right
    Case("2 + x", lambda x: 2 + x, (rand(3),)),
    Case("2 - x", lambda x: 2 - x, (rand(3),)),
    Case("2 * x", lambda x: 2 * x, (rand(3),)),
    Case("2 / x", lambda x: 2 / x, (away_from_zero(3),)),
    Case("2 ** x", lambda x: 2 ** x, (rand(3),)),
    Case("x ** 2", lambda x: x ** 2, (rand(3),)),
    Case("x ** 3", lambda x: x ** 3, (rand(3),)),
    Case("x ** 0", lambda x: x ** 0, (rand(3),)),
    Case("x ** -1", lambda x: x ** -1, (away_from_zero(3),)),
    Case("x ** 0.5", lambda x: x ** 0.5, (positive(3),)),
    # (PyTorch takes no lists or arrays here, so its spelling wraps the constant)
    Case("x - list", lambda x: x - [1.0, 2.0, 3.0], (rand(2, 3),),
         lambda torch, x: x - torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)),
    Case("list / x", lambda x: [1.0, 2.0, 3.0] / x, (away_from_zero(2, 3),),
         lambda torch, x: torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64) / x),
    Case("ndarray * x", lambda x: np.arange(3.0) * x, (rand(2, 3),),
         lambda torch, x: torch.arange(3.0, dtype=torch.float64) * x),
    Case("x / ndarray", lambda x: x / np.array([1.0, 2.0, 4.0]), (rand(2, 3),),
         lambda torch, x: x / torch.tensor([1.0, 2.0, 4.0], dtype=torch.float64)),
    # matrix products
    Case("vector @ vector", lambda x, y: x @ y, (rand(3), rand(3))),
    Case("matrix @ vector", lambda x, y: x @ y, (rand(2, 3), rand(3))),
    Case("vector @ matrix", lambda x, y: x @ y, (rand(3), rand(3, 2))),
    Case("matrix @ matrix", lambda x, y: x @ y, (rand(2, 3), rand(3, 4))),
    Case("batch @ matrix", lambda x, y: x @ y, (rand(2, 2, 3), rand(3, 4))),
    Case("matrix @ batch", lambda x, y: x @ y, (rand(2, 3), rand(2, 3, 4))),
    Case("batch @ batch, broadcast batch axis", lambda x, y: x @ y, (rand(2, 1, 2, 3), rand(3, 3, 4))),
    Case("batch @ vector", lambda x, y: x @ y, (rand(2, 2, 3), rand(3))),
    Case("vector @ batch", lambda x, y: x @ y, (rand(3), rand(2, 3, 4))),
    Case("ndarray @ x", lambda x: np.ones((2, 3)) @ x, (rand(3, 4),),
         lambda torch, x: torch.ones((2, 3), dtype=torch.float64) @ x),
    # a dense layer as one node (a batch of rows), and the shapes it computes as x @ W + b
    Case("linear(x, W, b)", linear, (rand(5, 3), rand(3, 4), rand(4)), lambda torch, x, w, b: torch.addmm(b, x, w)),
    Case("linear(x, W, b) * x.sum(): x used twice", lambda x, w, b: linear(x, w, b) * x.sum(),
         (rand(5, 3), rand(3, 4), rand(4)), lambda torch, x, w, b: torch.addmm(b, x, w) * x.sum()),
    Case("linear of one sample", linear, (rand(3), rand(3, 4), rand(4)), lambda torch, x, w, b: x @ w + b),
    Case("linear of a stack of batches", linear, (rand(2, 5, 3), rand(3, 4), rand(4)),
         lambda torch, x, w, b: x @ w + b),
    Case("linear with a bias of shape (1,)", linear, (rand(5, 3), rand(3, 4), rand(1)), lambda torch, x, w, b: x @ w + b),
    # reductions over every kind of axis, with and without keepdims
    *[Case(f"sum(axis={axis}, keepdims={keep})", lambda x, a=axis, k=keep: x.sum(axis=a, keepdims=k), (rand(2, 3, 4),))
      for axis in AXES for keep in (False, True)],
    *[Case(f"mean(axis={axis}, keepdims={keep})", lambda x, a=axis, k=keep: x.mean(axis=a, keepdims=k),
           (rand(2, 3, 4),)) for axis in AXES for keep in (False, True)],
    *[Case(f"max(axis={axis}, keepdims={keep})", lambda x, a=axis, k=keep: x.max(axis=a, keepdims=k),
           (rand(2, 3, 4),), torch_amax(axis, keep)) for axis in AXES for keep in (False, True)],
    # elementwise functions
    Case("exp", lambda x: x.exp(), (rand(3, 4),)),
    Case("log", lambda x: x.log(), (positive(3, 4),)),
    Case("tanh", lambda x: x.tanh(), (rand(3, 4),)),
    Case("sigmoid", lambda x: x.sigmoid(), (rand(3, 4),)),
    Case("relu", lambda x: x.relu(), (rand(3, 4),)),
    Case("softplus", lambda x: x.softplus(), (rand(3, 4) * 5,),
         lambda torch, x: torch.nn.functional.softplus(x)),
    Case("clip", lambda x: x.clip(-0.3, 0.4), (rand(3, 4),)),
    *[Case(f"softmax(axis={axis})", lambda x, a=axis: x.softmax(a), (rand(2, 3, 4),)) for axis in (0, 1, -1)],
    *[Case(f"log_softmax(axis={axis})", lambda x, a=axis: x.log_softmax(a), (rand(2, 3, 4),)) for axis in (0, 1, -1)],
    # shapes
    Case("reshape(2, 6)", lambda x: x.reshape(2, 6), (rand(3, 4),)),
    Case("reshape((4, 3))", lambda x: x.reshape((4, 3)), (rand(3, 4),)),
    Case("reshape(-1)", lambda x: x.reshape(-1), (rand(3, 4),)),
    Case("x.T", lambda x: x.T, (rand(3, 4),)),
    Case("transpose()", lambda x: x.transpose(), (rand(2, 3, 4),), lambda torch, x: x.permute(2, 1, 0)),
    Case("transpose(1, 0, 2)", lambda x: x.transpose(1, 0, 2), (rand(2, 3, 4),), lambda torch, x: x.permute(1, 0, 2)),
    Case("transpose((2, 0, 1))", lambda x: x.transpose((2, 0, 1)), (rand(2, 3, 4),),
         lambda torch, x: x.permute(2, 0, 1)),
    Case("transpose(-1, 0, 1)", lambda x: x.transpose(-1, 0, 1), (rand(2, 3, 4),),
         lambda torch, x: x.permute(-1, 0, 1)),
    # indexing
    Case("x[1]", lambda x: x[1], (rand(3, 4),)),
    Case("x[-1, 2]", lambda x: x[-1, 2], (rand(3, 4),)),
    Case("x[1:3]", lambda x: x[1:3], (rand(3, 4),)),
    Case("x[:, ::2]", lambda x: x[:, ::2], (rand(3, 4),)),
    Case("x[..., 1]", lambda x: x[..., 1], (rand(2, 3, 4),)),
    Case("x[None, 0]", lambda x: x[None, 0], (rand(3, 4),)),
    Case("class score of each row: x[arange(n), labels]", lambda x: x[np.arange(N_ROWS), LABELS], (rand(N_ROWS, 3),)),
    Case("repeated rows: x[[0, 2, 0, 0]]", lambda x: x[[0, 2, 0, 0]], (rand(3, 4),)),
    Case("repeated elements: x[[1, 1, 0], [2, 2, 2]]", lambda x: x[np.array([1, 1, 0]), np.array([2, 2, 2])],
         (rand(3, 4),)),
    Case("boolean mask", lambda x: x[MASK], (rand(3, 4),)),
    Case("boolean row mask", lambda x: x[np.array([True, False, True])], (rand(3, 4),)),
    # several tensors
    *[Case(f"concatenate(axis={axis})", lambda x, y, a=axis: concatenate([x, y], axis=a), (rand(2, 3), rand(2, 3)),
           lambda torch, x, y, a=axis: torch.cat([x, y], dim=a)) for axis in (0, 1, -1)],
    Case("concatenate three, unequal lengths", lambda x, y, z: concatenate([x, y, z], axis=1),
         (rand(2, 1), rand(2, 3), rand(2, 2)), lambda torch, x, y, z: torch.cat([x, y, z], dim=1)),
    *[Case(f"stack(axis={axis})", lambda x, y, a=axis: stack([x, y], axis=a), (rand(2, 3), rand(2, 3)),
           lambda torch, x, y, a=axis: torch.stack([x, y], dim=a)) for axis in (0, 1, -1)],
    # compositions, with nodes used more than once
    Case("x * x + x", lambda x: x * x + x, (rand(3, 4),)),
    Case("tanh layer: tanh(x @ W + b)", lambda x, w, b: (x @ w + b).tanh(), (rand(5, 3), rand(3, 4), rand(4))),
    Case("cross-entropy: -mean(log_softmax(z)[arange(n), labels])",
         lambda z: -z.log_softmax(axis=1)[np.arange(N_ROWS), LABELS].mean(), (rand(N_ROWS, 3),)),
    Case("softmax(z) * log(softmax(z))", lambda z: z.softmax(0) * z.softmax(0).log(), (rand(4, 2),)),
    Case("x / x.sum(axis=0) - x.mean()", lambda x: x / x.sum(axis=0) - x.mean(), (positive(3, 4),)),
]
CASE_PARAMS = [pytest.param(case, id=case.id) for case in CASES]


def leaves(arrays: tuple) -> list[Tensor]:
    return [Tensor(a.copy(), requires_grad=True) for a in arrays]


@pytest.mark.parametrize("case", CASE_PARAMS)
def test_gradient_matches_finite_differences(case: Case) -> None:
    inputs = leaves(case.inputs)
    assert gradcheck(case.fn, inputs, atol=1e-7, rtol=1e-6)
    for x, a in zip(inputs, case.inputs):
        assert x.grad.shape == a.shape and x.grad.dtype == np.float64


FLOAT32_PARAMS = [param for param, case in zip(CASE_PARAMS, CASES) if "ndarray" not in case.id]


@pytest.mark.parametrize("case", FLOAT32_PARAMS)
def test_float32_inputs_give_float32_results_close_to_float64(case: Case) -> None:
    """Every op keeps float32 (constants that are float64 arrays would upcast, as in numpy: not here)."""
    singles = [Tensor(a.astype(np.float32), requires_grad=True) for a in case.inputs]
    doubles = leaves(case.inputs)
    weights = np.random.default_rng(0).uniform(0.5, 1.5, case.fn(*doubles).shape)
    for inputs in (singles, doubles):
        (case.fn(*inputs) * weights.astype(inputs[0].dtype)).sum().backward()
    assert case.fn(*singles).dtype == np.float32
    np.testing.assert_allclose(case.fn(*singles).data, case.fn(*doubles).data, rtol=1e-5, atol=1e-5)
    for single, double in zip(singles, doubles):
        assert single.grad.dtype == np.float32
        np.testing.assert_allclose(single.grad, double.grad, rtol=1e-4, atol=1e-4)


# ---- the math, written out by hand --------------------------------------------------------

def test_add_sums_the_gradient_over_broadcast_axes() -> None:
    """x (3, 4) + b (4,): each b[j] is used in 3 rows, so d(sum)/db = 3; a column c (3, 1) is used 4 times."""
    x = Tensor(rand(3, 4), requires_grad=True)
    b = Tensor(rand(4), requires_grad=True)
    c = Tensor(rand(3, 1), requires_grad=True)
    (x + b + c).sum().backward()
    np.testing.assert_array_equal(x.grad, np.ones((3, 4)))
    np.testing.assert_array_equal(b.grad, np.full(4, 3.0))
    np.testing.assert_array_equal(c.grad, np.full((3, 1), 4.0))


def test_mul_with_both_sides_broadcast() -> None:
    """L = sum_ij u_i v_j: dL/du_i = sum_j v_j, dL/dv_j = sum_i u_i."""
    u, v = rand(3, 1), rand(1, 4)
    tu, tv = Tensor(u, requires_grad=True), Tensor(v, requires_grad=True)
    (tu * tv).sum().backward()
    np.testing.assert_allclose(tu.grad, np.full((3, 1), v.sum()), rtol=1e-14)
    np.testing.assert_allclose(tv.grad, np.full((1, 4), u.sum()), rtol=1e-14)


def test_division_gradients() -> None:
    """d(x/y)/dx = 1/y,  d(x/y)/dy = -x/y^2."""
    x, y = rand(5), away_from_zero(5)
    tx, ty = Tensor(x, requires_grad=True), Tensor(y, requires_grad=True)
    (tx / ty).sum().backward()
    np.testing.assert_allclose(tx.grad, 1 / y, rtol=1e-14)
    np.testing.assert_allclose(ty.grad, -x / y**2, rtol=1e-14)


def test_powers_at_zero_have_the_derivative_n_times_zero_to_the_n_minus_1() -> None:
    """d/dx x^n at x = 0: 0 for n = 0 (x^0 is constant), 1 for n = 1, 0 for n >= 2."""
    for n, slope in [(0, 0.0), (1, 1.0), (2, 0.0), (3, 0.0)]:
        x = Tensor([0.0, 0.0], requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            (x ** n).sum().backward()
        np.testing.assert_array_equal(x.grad, [slope, slope], err_msg=f"n = {n}")


def test_matmul_gradients_are_the_textbook_formulas() -> None:
    """Y = X W, upstream G:  dL/dX = G W^T,  dL/dW = X^T G."""
    x, w, g = rand(5, 3), rand(3, 4), rand(5, 4)
    tx, tw = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
    (tx @ tw).backward(g)
    np.testing.assert_allclose(tx.grad, g @ w.T, rtol=1e-14)
    np.testing.assert_allclose(tw.grad, x.T @ g, rtol=1e-14)


def test_linear_is_one_node_with_the_values_and_gradients_of_x_at_w_plus_b() -> None:
    """linear's vjps are the layer's delta rule: dL/dx = G W^T, dL/dW = x^T G, dL/db = column sums of G."""
    x, w, b, g = rand(5, 3), rand(3, 4), rand(4), rand(5, 4)
    fused, composed = leaves((x, w, b)), leaves((x, w, b))
    out = linear(*fused)
    assert out.op == "linear" and out.parents == tuple(fused)
    out.backward(g)
    (composed[0] @ composed[1] + composed[2]).backward(g)
    np.testing.assert_allclose(out.data, x @ w + b, rtol=1e-14)
    for mine, reference, by_hand in zip(fused, composed, (g @ w.T, x.T @ g, g.sum(axis=0))):
        np.testing.assert_allclose(mine.grad, reference.grad, rtol=1e-14)
        np.testing.assert_allclose(mine.grad, by_hand, rtol=1e-14)


def test_linear_takes_arrays_as_constants() -> None:
    w, b = Tensor(rand(3, 2), requires_grad=True), Tensor(rand(2), requires_grad=True)
    x = rand(4, 3)
    linear(x, w, b).sum().backward()
    np.testing.assert_allclose(w.grad, x.sum(axis=0)[:, None] * np.ones((1, 2)), rtol=1e-14)
    np.testing.assert_array_equal(b.grad, [4.0, 4.0])


def test_linear_of_float32_inputs_and_float64_weights_is_float64_with_float32_input_gradients() -> None:
    x = Tensor(rand(4, 3).astype(np.float32), requires_grad=True)
    w, b = Tensor(rand(3, 2), requires_grad=True), Tensor(rand(2), requires_grad=True)
    out = linear(x, w, b)
    out.sum().backward()
    assert out.dtype == np.float64 and x.grad.dtype == np.float32 and w.grad.dtype == np.float64
    np.testing.assert_allclose(x.grad, np.ones((4, 2)) @ w.data.T, rtol=1e-6)


@pytest.mark.parametrize(("shapes", "message"), [
    (((5, 3), (4, 2), (2,)), r"matmul: shapes \(5, 3\) and \(4, 2\) do not align"),
    (((5, 3), (3, 2), (3,)), r"add: shapes \(5, 2\) and \(3,\) cannot be broadcast"),
])
def test_linear_of_shapes_that_do_not_fit_names_them(shapes: tuple, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        linear(*(Tensor(rand(*shape)) for shape in shapes))


def test_vector_dot_product_gradients() -> None:
    """d(x . y)/dx = y,  d(x . y)/dy = x."""
    x, y = rand(4), rand(4)
    tx, ty = Tensor(x, requires_grad=True), Tensor(y, requires_grad=True)
    (tx @ ty).backward()
    np.testing.assert_array_equal(tx.grad, y)
    np.testing.assert_array_equal(ty.grad, x)


def test_batch_axis_broadcast_in_matmul_sums_the_weight_gradient() -> None:
    """A weight W shared by a batch of matrices X_b gets sum_b X_b^T G_b."""
    x, w, g = rand(2, 5, 3), rand(3, 4), rand(2, 5, 4)
    tw = Tensor(w, requires_grad=True)
    (Tensor(x) @ tw).backward(g)
    np.testing.assert_allclose(tw.grad, x[0].T @ g[0] + x[1].T @ g[1], rtol=1e-13)


def test_elementwise_derivatives() -> None:
    """exp' = exp, log' = 1/x, tanh' = 1 - tanh^2, sigmoid' = s (1 - s), relu' = [x > 0]."""
    x = positive(6) * np.array([1, -1, 1, -1, 1, -1])
    s = 1 / (1 + np.exp(-x))
    for op, derivative in [("exp", np.exp(x)), ("tanh", 1 - np.tanh(x) ** 2), ("sigmoid", s * (1 - s)),
                           ("relu", (x > 0).astype(float))]:
        t = Tensor(x, requires_grad=True)
        getattr(t, op)().sum().backward()
        np.testing.assert_allclose(t.grad, derivative, rtol=1e-14, err_msg=op)
    t = Tensor(np.abs(x), requires_grad=True)
    t.log().sum().backward()
    np.testing.assert_allclose(t.grad, 1 / np.abs(x), rtol=1e-14)


def test_softmax_values_and_vector_jacobian_product() -> None:
    """s = e^x / sum e^x;  ds_i/dx_j = s_i (delta_ij - s_j), so g -> s * (g - g . s)."""
    x, g = rand(5), rand(5)
    s = np.exp(x) / np.exp(x).sum()
    jacobian = np.diag(s) - np.outer(s, s)
    t = Tensor(x, requires_grad=True)
    out = t.softmax()
    out.backward(g)
    np.testing.assert_allclose(out.data, s, rtol=1e-14)
    np.testing.assert_allclose(t.grad, jacobian.T @ g, rtol=1e-13)


def test_log_softmax_is_x_minus_log_sum_exp() -> None:
    """log_softmax(x) = x - log sum e^x;  d/dx_j of sum_i g_i log_softmax_i = g_j - s_j sum_i g_i."""
    x, g = rand(2, 5), rand(2, 5)
    s = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    t = Tensor(x, requires_grad=True)
    out = t.log_softmax(axis=1)
    out.backward(g)
    np.testing.assert_allclose(out.data, x - np.log(np.exp(x).sum(axis=1, keepdims=True)), rtol=1e-14)
    np.testing.assert_allclose(t.grad, g - s * g.sum(axis=1, keepdims=True), rtol=1e-13)


def test_mean_spreads_the_gradient_over_the_averaged_elements() -> None:
    x = Tensor(rand(2, 3, 4), requires_grad=True)
    x.mean(axis=(0, 2)).sum().backward()
    np.testing.assert_allclose(x.grad, np.full((2, 3, 4), 1 / 8), rtol=1e-15)


def test_picking_the_class_score_of_each_row() -> None:
    """logits[arange(n), labels] is one entry per row; its gradient is one-hot."""
    logits = Tensor(rand(N_ROWS, 3), requires_grad=True)
    picked = logits[np.arange(N_ROWS), LABELS]
    np.testing.assert_array_equal(picked.data, [logits.data[i, LABELS[i]] for i in range(N_ROWS)])
    picked.sum().backward()
    np.testing.assert_array_equal(logits.grad, np.eye(3)[LABELS])


def test_repeated_indices_add_their_gradients() -> None:
    x = Tensor(rand(4), requires_grad=True)
    x[np.array([0, 3, 0, 0, 1])].sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 1.0, 0.0, 1.0])


def test_boolean_mask_passes_gradient_only_to_selected_elements() -> None:
    x = Tensor(rand(3, 4), requires_grad=True)
    x[MASK].sum().backward()
    np.testing.assert_array_equal(x.grad, MASK.astype(float))


def test_concatenate_and_stack_hand_each_input_its_slice() -> None:
    a, b = Tensor(rand(2, 1), requires_grad=True), Tensor(rand(2, 3), requires_grad=True)
    g = rand(2, 4)
    concatenate([a, b], axis=1).backward(g)
    np.testing.assert_array_equal(a.grad, g[:, :1])
    np.testing.assert_array_equal(b.grad, g[:, 1:])
    c, d = Tensor(rand(2, 3), requires_grad=True), Tensor(rand(2, 3), requires_grad=True)
    g = rand(2, 2, 3)
    stack([c, d], axis=1).backward(g)
    np.testing.assert_array_equal(c.grad, g[:, 0])
    np.testing.assert_array_equal(d.grad, g[:, 1])


# ---- max: ties share the gradient ----------------------------------------------------------

def test_max_ties_share_the_gradient_equally() -> None:
    """The engine's choice (same as torch.amax): k tied maxima each get g / k, so the shares sum to g."""
    x = Tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0], [0.0, 5.0, -1.0]], requires_grad=True)
    x.max(axis=1).sum().backward()
    np.testing.assert_allclose(x.grad, [[0, 1 / 2, 1 / 2], [1 / 3, 1 / 3, 1 / 3], [0, 1, 0]], rtol=1e-15)
    y = Tensor([4.0, 1.0, 4.0, 4.0], requires_grad=True)
    y.max().backward()
    np.testing.assert_allclose(y.grad, [1 / 3, 0, 1 / 3, 1 / 3], rtol=1e-15)


# ---- numerical stability -----------------------------------------------------------------

BIG = np.array([1000.0, -1000.0, 0.0, 999.0, -999.0])


@pytest.mark.parametrize("op", ["sigmoid", "tanh", "softmax", "log_softmax"])
def test_exp_based_ops_stay_finite_and_quiet_at_plus_minus_1000(op: str) -> None:
    x = Tensor(BIG, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = getattr(x, op)()
        out.backward(np.ones(BIG.shape))
    assert np.all(np.isfinite(out.data)) and np.all(np.isfinite(x.grad))


def test_sigmoid_saturates_exactly() -> None:
    np.testing.assert_array_equal(Tensor([1000.0, -1000.0]).sigmoid().data, [1.0, 0.0])


def test_softmax_of_1000_and_minus_1000_is_exactly_one_and_zero() -> None:
    np.testing.assert_array_equal(Tensor([1000.0, -1000.0]).softmax().data, [1.0, 0.0])


def test_log_softmax_of_1000_and_0_is_finite() -> None:
    """log_softmax([1000, 0]) = [0, -1000] (the naive log(e^1000 / ...) would be nan)."""
    np.testing.assert_array_equal(Tensor([1000.0, 0.0]).log_softmax().data, [0.0, -1000.0])


def test_cross_entropy_on_huge_logits_is_finite_with_the_exact_gradient() -> None:
    """Logits +-1000: loss = mean(-log_softmax[label]) = (2000 + 0) / 2, grad = (softmax - onehot) / n."""
    z = Tensor([[1000.0, -1000.0], [-1000.0, 1000.0]], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = -z.log_softmax(axis=1)[np.arange(2), np.array([1, 1])].mean()
        loss.backward()
    assert loss.item() == 1000.0
    np.testing.assert_array_equal(z.grad, [[0.5, -0.5], [0.0, 0.0]])


def test_exp_of_minus_1000_is_zero_with_zero_gradient() -> None:
    x = Tensor([-1000.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x.exp().sum().backward()
    assert x.grad[0] == 0.0


def test_exp_overflow_warns_as_numpy_does() -> None:
    with pytest.warns(RuntimeWarning, match="overflow"):
        out = Tensor([1000.0]).exp()
    assert out.data[0] == np.inf


def test_log_of_zero_is_minus_infinity_with_a_warning_not_a_silent_nan() -> None:
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        out = Tensor([0.0, 1.0]).log()
    assert out.data[0] == -np.inf and out.data[1] == 0.0


def test_softplus_is_log_one_plus_exp_and_stays_finite_at_1000() -> None:
    x = Tensor(np.array([-1000.0, -2.0, 0.0, 3.0, 1000.0]), requires_grad=True)
    y = x.softplus()
    assert np.allclose(y.data[1:4], np.log(1 + np.exp(x.data[1:4])), rtol=1e-15, atol=0)
    assert y.data[0] == 0.0 and y.data[4] == 1000.0
    y.sum().backward()
    # d softplus/dx = sigmoid(x); at -1000 it is e^-1000, below the smallest float
    assert np.allclose(x.grad[1:4], 1 / (1 + np.exp(-x.data[1:4])), rtol=1e-15, atol=0)
    assert x.grad[0] == 0.0 and x.grad[4] == 1.0


def test_clip_passes_the_gradient_only_inside_the_interval() -> None:
    x = Tensor(np.array([-2.0, -1.0, 0.5, 1.0, 3.0]), requires_grad=True)
    y = x.clip(-1.0, 1.0)
    assert list(y.data) == [-1.0, -1.0, 0.5, 1.0, 1.0]
    y.sum().backward()
    assert list(x.grad) == [0.0, 1.0, 1.0, 1.0, 0.0]
    with pytest.raises(ValueError, match="low .* must not be greater than high"):
        x.clip(1.0, -1.0)
