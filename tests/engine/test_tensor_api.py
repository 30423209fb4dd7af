"""The `Tensor` API around the ops: construction, dtypes, `.grad`, `backward`, mixing with other
types, error messages for bad input, user-defined `Function`s, and the graph machinery
(`topological_order`, `backward_steps`, accumulation, `no_grad`, `gradcheck`, `draw_dot`)
that `Tensor` shares with `Value`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from micrograd_like import (
    Function,
    GradcheckError,
    Tensor,
    Value,
    backward_steps,
    concatenate,
    dot_available,
    draw_dot,
    gradcheck,
    is_grad_enabled,
    no_grad,
    stack,
    topological_order,
)


def leaf(*values: Any) -> Tensor:
    return Tensor(np.array(values, dtype=float), requires_grad=True)


# ---- construction and dtypes -------------------------------------------------------------

@pytest.mark.parametrize("data", [[1.5, 2.0], [1, 2], [True, False], np.arange(3, dtype=np.int8), 7, 2.5])
def test_numbers_become_float64(data: Any) -> None:
    t = Tensor(data)
    assert t.dtype == np.float64
    np.testing.assert_array_equal(t.data, np.asarray(data, dtype=float))


def test_float32_is_kept() -> None:
    assert Tensor(np.ones(3, dtype=np.float32)).dtype == np.float32
    assert Tensor([1, 2], dtype=np.float32).dtype == np.float32


@pytest.mark.parametrize("data, dtype_name", [
    (np.array([1, "a"], dtype=object), "object"),
    (["a", "b"], "<U1"),
    ([1 + 2j], "complex128"),
])
def test_non_real_arrays_are_rejected_naming_the_dtype(data: Any, dtype_name: str) -> None:
    with pytest.raises(TypeError, match=re.escape(dtype_name)):
        Tensor(data)


def test_ragged_lists_are_rejected() -> None:
    with pytest.raises(TypeError, match="Tensor needs numbers"):
        Tensor([[1.0], [1.0, 2.0]])


def test_a_tensor_or_value_is_not_wrapped_silently() -> None:
    with pytest.raises(TypeError, match="detach"):
        Tensor(Tensor([1.0]))
    with pytest.raises(TypeError, match=re.escape("Tensor(v.data)")):
        Tensor(Value(1.0))


def test_accessors() -> None:
    data = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    t = Tensor(data)
    assert t.shape == (2, 3) and t.ndim == 2 and t.size == 6 and len(t) == 2
    assert t.numpy() is t.data
    assert Tensor([[2.5]]).item() == 2.5 and isinstance(Tensor([[2.5]]).item(), float)
    with pytest.raises(ValueError, match=re.escape("shape (2, 3)")):
        t.item()
    assert not t.requires_grad


def test_detach_shares_data_but_leaves_the_graph() -> None:
    x = leaf(1.0, 2.0)
    y = x * 3
    d = y.detach()
    assert d.data is y.data and not d.requires_grad and d.parents == () and d.grad is None
    z = (d * x).sum()
    z.backward()
    np.testing.assert_array_equal(x.grad, y.data)  # d is a constant: no second path back to x


# ---- .grad and backward ------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_grad_is_none_until_reached_then_an_array_like_data(dtype: Any) -> None:
    x = Tensor(np.ones((2, 3), dtype=dtype), requires_grad=True)
    unused = Tensor(np.ones(2, dtype=dtype), requires_grad=True)
    assert x.grad is None
    (x * 2).sum().backward()
    assert isinstance(x.grad, np.ndarray) and x.grad.shape == (2, 3) and x.grad.dtype == dtype
    np.testing.assert_array_equal(x.grad, np.full((2, 3), 2.0))
    assert unused.grad is None
    x.grad = None
    assert x.grad is None
    (x * 5).sum().backward()
    np.testing.assert_array_equal(x.grad, np.full((2, 3), 5.0))


def test_grad_never_aliases_data_or_another_grad() -> None:
    x = leaf(1.0, 2.0)
    y = x + 0
    y.backward(np.array([1.0, 1.0]))
    assert not np.shares_memory(x.grad, y.grad) and not np.shares_memory(x.grad, x.data)


def test_backward_of_a_non_scalar_needs_grad_and_names_the_shape() -> None:
    y = Tensor(np.ones((2, 3)), requires_grad=True) * 2
    with pytest.raises(ValueError, match=re.escape("shape (2, 3)")):
        y.backward()


def test_backward_with_a_wrong_shaped_grad_names_both_shapes() -> None:
    y = Tensor(np.ones((2, 3)), requires_grad=True) * 2
    with pytest.raises(ValueError, match=re.escape("grad has shape (3, 2), but the output has shape (2, 3)")):
        y.backward(np.ones((3, 2)))


def test_backward_with_grad_computes_a_vector_jacobian_product() -> None:
    x = leaf(1.0, 2.0, 3.0)
    (x * x).backward(np.array([1.0, 10.0, 100.0]))  # d(x^2)/dx = 2x, weighted by g
    np.testing.assert_array_equal(x.grad, [2.0, 40.0, 600.0])


def test_a_one_element_output_of_any_shape_needs_no_grad() -> None:
    x = leaf(3.0)
    (x * x).reshape(1, 1).backward()
    np.testing.assert_array_equal(x.grad, [6.0])


# ---- mixing with numbers, lists, arrays and Values ---------------------------------------

def test_tensor_plus_value_says_what_to_do() -> None:
    for combine in (lambda t, v: t + v, lambda t, v: v + t, lambda t, v: v * t, lambda t, v: t @ v):
        with pytest.raises(TypeError, match=re.escape("Use Tensor(v.data) for a constant")):
            combine(leaf(1.0), Value(2.0))


@pytest.mark.parametrize("combine, expected", [
    (lambda x: x + [10.0, 20.0], [11.0, 22.0]),
    (lambda x: x + np.array([10.0, 20.0]), [11.0, 22.0]),
    (lambda x: np.array([10.0, 20.0]) + x, [11.0, 22.0]),
    (lambda x: np.array([10.0, 20.0]) - x, [9.0, 18.0]),
    (lambda x: [10.0, 20.0] * x, [10.0, 40.0]),
    (lambda x: np.array([[1.0, 1.0]]) @ x.reshape(2, 1), [[3.0]]),
])
def test_lists_and_arrays_join_as_constants(combine: Any, expected: list) -> None:
    x = leaf(1.0, 2.0)
    out = combine(x)
    assert isinstance(out, Tensor)  # numpy deferred to Tensor instead of building an object array
    np.testing.assert_array_equal(out.data, expected)
    out.sum().backward()
    constants = [p for p in out.parents if p is not x and p.op == ""]
    assert constants and all(not c.requires_grad and c.grad is None for c in constants)
    assert x.grad is not None


@pytest.mark.parametrize("combine", [
    lambda t: t + 1.5, lambda t: 1.5 * t, lambda t: 2.0 / t, lambda t: t - np.float64(1.0), lambda t: t ** 2,
    lambda t: t ** 0.5, lambda t: t + [1, 2, 3], lambda t: [0.1, 0.2, 0.3] * t,
])
def test_float32_stays_float32_with_python_numbers_and_lists(combine: Any) -> None:
    t = Tensor(np.array([1.0, 2.0, 3.0], dtype=np.float32), requires_grad=True)
    out = combine(t)
    assert out.dtype == np.float32
    out.sum().backward()
    assert t.grad.dtype == np.float32


def test_float32_with_a_float64_array_is_float64_as_in_numpy() -> None:
    t = Tensor(np.ones(2, dtype=np.float32))
    assert (t + np.ones(2)).dtype == np.float64 and (t + np.ones(2, dtype=np.float32)).dtype == np.float32


@pytest.mark.parametrize("other", ["abc", None, {1: 2}, [[1.0], [1.0, 2.0]], 1 + 2j])
def test_combining_with_something_that_is_not_numbers_raises_type_error(other: Any) -> None:
    with pytest.raises(TypeError, match="cannot combine a Tensor"):
        leaf(1.0) + other


# ---- bad input: errors that name the shapes ----------------------------------------------

def test_misaligned_matmul_names_both_shapes_and_the_inner_sizes() -> None:
    with pytest.raises(ValueError, match=re.escape("matmul: shapes (4, 3) and (2, 5) do not align (3 != 2)")):
        Tensor(np.ones((4, 3))) @ Tensor(np.ones((2, 5)))
    with pytest.raises(ValueError, match=re.escape("matmul: shapes (3,) and (4,) do not align (3 != 4)")):
        Tensor(np.ones(3)) @ Tensor(np.ones(4))


def test_matmul_with_incompatible_batch_axes_names_both_shapes() -> None:
    with pytest.raises(ValueError, match=re.escape("shapes (2, 3, 4) and (5, 4, 2)")):
        Tensor(np.ones((2, 3, 4))) @ Tensor(np.ones((5, 4, 2)))


def test_matmul_of_a_scalar_is_refused() -> None:
    with pytest.raises(ValueError, match=re.escape("shapes () and (3,)")):
        Tensor(2.0) @ Tensor(np.ones(3))


@pytest.mark.parametrize("op", [lambda x, y: x + y, lambda x, y: x - y, lambda x, y: x * y, lambda x, y: x / y,
                                lambda x, y: x ** y])
def test_incompatible_broadcasting_names_both_shapes(op: Any) -> None:
    with pytest.raises(ValueError, match=re.escape("shapes (4, 3) and (2,) cannot be broadcast together")):
        op(Tensor(np.ones((4, 3))), Tensor(np.ones(2)))


@pytest.mark.parametrize("reduce", [
    lambda x, axis: x.sum(axis=axis), lambda x, axis: x.mean(axis=axis), lambda x, axis: x.max(axis=axis),
    lambda x, axis: x.softmax(axis), lambda x, axis: x.log_softmax(axis),
])
def test_bad_axis_names_the_axis_and_the_shape(reduce: Any) -> None:
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(ValueError, match=re.escape("axis 2 is out of range for a tensor of shape (2, 3)")):
        reduce(x, 2)
    with pytest.raises(ValueError, match=re.escape("axis -3 is out of range")):
        reduce(x, -3)
    with pytest.raises(ValueError, match="same axis twice"):
        reduce(x, (0, -2))
    with pytest.raises(TypeError, match="axis must be an int or a tuple of ints"):
        reduce(x, 1.0)


def test_max_over_an_empty_axis_names_the_shape() -> None:
    with pytest.raises(ValueError, match=re.escape("shape (0, 3) has no elements")):
        Tensor(np.ones((0, 3))).max(axis=0)


def test_bad_reshape_names_both_shapes() -> None:
    with pytest.raises(ValueError, match=re.escape("cannot reshape (2, 3) (6 elements) into (4, 2)")):
        Tensor(np.ones((2, 3))).reshape(4, 2)


@pytest.mark.parametrize("axes", [(0,), (0, 0), (0, 3), (0, -3), (1, 0, 2)])
def test_bad_transpose_names_the_axes_and_the_shape(axes: tuple) -> None:
    with pytest.raises(ValueError, match=re.escape(f"axes {axes} are not a permutation of the 2 axes of (2, 3)")):
        Tensor(np.ones((2, 3))).transpose(*axes)


@pytest.mark.parametrize("index", [5, (0, 0, 0), np.array([0.5]), np.array([True, False, True]), "a"])
def test_bad_index_names_the_shape(index: Any) -> None:
    with pytest.raises(IndexError, match=re.escape("index into a tensor of shape (2,)")):
        leaf(1.0, 2.0)[index]


@pytest.mark.parametrize("join", [concatenate, stack])
def test_joining_mismatched_shapes_names_them(join: Any) -> None:
    with pytest.raises(ValueError, match=re.escape("shapes [(2, 3), (2, 4)]")):
        join([Tensor(np.ones((2, 3))), Tensor(np.ones((2, 4)))])
    with pytest.raises(ValueError, match=re.escape("along axis 3")):
        join([Tensor(np.ones((2, 3))), Tensor(np.ones((2, 3)))], axis=3)


# ---- user-defined ops: Function -----------------------------------------------------------

class Cube(Function):
    """x^3.   vjp(g) = 3 x^2 g."""

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        ctx.x = x
        return x ** 3

    @staticmethod
    def backward(ctx: Any, g: np.ndarray) -> tuple:
        return (3 * ctx.x ** 2 * g,)


def test_a_function_computes_its_forward_and_backward() -> None:
    x = leaf(1.0, -2.0, 0.5)
    y = Cube.apply(x)
    np.testing.assert_array_equal(y.data, [1.0, -8.0, 0.125])
    assert y.op == "Cube" and y.parents == (x,)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 12.0, 0.75])


def test_a_function_passes_gradcheck_inside_a_larger_graph() -> None:
    x = leaf(0.3, -1.2, 2.0)
    assert gradcheck(lambda t: (Cube.apply(t.tanh()) * t).sum(), [x])


def test_a_function_with_a_wrong_backward_fails_gradcheck_naming_the_element() -> None:
    class BadCube(Cube):
        """x^3, with a deliberately wrong derivative for element 1 (returned bare, not in a tuple)."""

        @staticmethod
        def backward(ctx: Any, g: np.ndarray) -> np.ndarray:
            (grad,) = Cube.backward(ctx, g)
            grad[1] *= 2
            return grad

    with pytest.raises(GradcheckError, match=re.escape("input 0 element (1,)")):
        gradcheck(BadCube.apply, [leaf(1.0, 2.0, 3.0)])


def test_a_wrong_shaped_gradient_from_backward_is_a_clear_error() -> None:
    class Flatten(Function):
        @staticmethod
        def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
            return x.reshape(-1)

        @staticmethod
        def backward(ctx: Any, g: np.ndarray) -> tuple:
            return (g,)  # forgot to reshape back

    x = Tensor(np.ones((2, 3)), requires_grad=True)
    message = "Flatten.backward: gradient 0 has shape (6,), its input has shape (2, 3)"
    with pytest.raises(ValueError, match=re.escape(message)):
        Flatten.apply(x).sum().backward()


class Sum2(Function):
    """x + y, whose backward hands back the incoming gradient itself, once for each input."""

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return x + y

    @staticmethod
    def backward(ctx: Any, g: np.ndarray) -> tuple:
        ctx.kept = g
        return g, g


def test_a_wrong_number_of_gradients_is_a_clear_error() -> None:
    class Add(Sum2):
        @staticmethod
        def backward(ctx: Any, g: np.ndarray) -> tuple:
            return (g,)  # one gradient for two inputs

    with pytest.raises(ValueError, match="returned 1 gradients for 2 tensor inputs"):
        Add.apply(leaf(1.0), leaf(2.0)).sum().backward()


def test_forward_must_return_floats() -> None:
    class Count(Function):
        @staticmethod
        def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
            return np.array([1, 2])

    with pytest.raises(TypeError, match="int64"):
        Count.apply(leaf(1.0))


def test_backward_runs_once_per_incoming_gradient_with_several_inputs() -> None:
    calls = []

    class WeightedSum(Function):
        """a x + b y + c z.   vjp = (a g, b g, c g)."""

        @staticmethod
        def forward(ctx: Any, x: np.ndarray, a: float, y: np.ndarray, b: float, z: np.ndarray, c: float) -> np.ndarray:
            ctx.weights = (a, b, c)
            return a * x + b * y + c * z

        @staticmethod
        def backward(ctx: Any, g: np.ndarray) -> tuple:
            calls.append(g)
            a, b, c = ctx.weights
            return a * g, b * g, None if c == 0 else c * g

    x, y, z = leaf(1.0, 2.0), leaf(3.0, 4.0), leaf(5.0, 6.0)
    out = WeightedSum.apply(x, 2.0, y, -1.0, z, 0)  # non-tensor arguments pass through to forward
    np.testing.assert_array_equal(out.data, [2.0 - 3.0, 4.0 - 4.0])
    assert out.parents == (x, y, z)
    (out * out).sum().backward()  # out is used twice, but its gradient arrives as one sum
    assert len(calls) == 1
    np.testing.assert_array_equal(x.grad, 2 * 2 * out.data)
    np.testing.assert_array_equal(y.grad, -1 * 2 * out.data)
    np.testing.assert_array_equal(z.grad, [0.0, 0.0])  # None from backward means no gradient
    (out * out).sum().backward()
    assert len(calls) == 2
    assert gradcheck(lambda x, y, z: WeightedSum.apply(x, 2.0, y, -1.0, z, 3.0), [x, y, z])


def test_backward_is_told_which_inputs_need_a_gradient() -> None:
    seen = []

    class Mul(Function):
        """x y.   vjp = (g y, g x)."""

        @staticmethod
        def forward(ctx: Any, x: np.ndarray, y: np.ndarray) -> np.ndarray:
            ctx.x, ctx.y = x, y
            return x * y

        @staticmethod
        def backward(ctx: Any, g: np.ndarray) -> tuple:
            seen.append(ctx.needs_input_grad)
            need_x, need_y = ctx.needs_input_grad
            return (g * ctx.y if need_x else None), (g * ctx.x if need_y else None)

    x = leaf(2.0, 5.0)
    Mul.apply(x, Tensor([3.0, -1.0])).sum().backward()
    assert seen == [(True, False)]
    np.testing.assert_array_equal(x.grad, [3.0, -1.0])


def test_each_leaf_gets_its_own_gradient_array_whatever_backward_hands_back() -> None:
    x, y = leaf(1.0, 2.0), leaf(3.0, 4.0)
    out = Sum2.apply(x, y)
    out.backward(np.array([1.0, 1.0]))
    x.grad *= 10  # as an optimizer might, in place
    np.testing.assert_array_equal(y.grad, [1.0, 1.0])
    np.testing.assert_array_equal(out.grad, [1.0, 1.0])


def test_a_functions_gradients_come_back_in_each_inputs_dtype() -> None:
    x = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    y = leaf(3.0, 4.0)
    out = Sum2.apply(x, y)
    out.backward(np.array([0.5, 0.25]))
    assert out.dtype == np.float64
    assert x.grad.dtype == np.float32 and y.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad, [0.5, 0.25])


def test_an_input_switched_to_requires_grad_after_the_forward_pass_is_a_clear_error() -> None:
    x, y = Tensor([1.0, 2.0]), leaf(3.0, 4.0)
    out = Sum2.apply(x, y)
    x.requires_grad = True
    with pytest.raises(RuntimeError, match="requires_grad=True after its forward pass"):
        out.sum().backward()


# ---- the shared graph machinery ---------------------------------------------------------

def small_graph() -> tuple[Tensor, Tensor, Tensor]:
    """x -> h = tanh(x) -> out = sum(h * h + x): x and h are each used twice."""
    x = Tensor(np.array([0.5, -1.0]), requires_grad=True, label="x")
    h = x.tanh()
    out = (h * h + x).sum()
    return x, h, out


def test_topological_order_lists_each_node_once_after_its_parents() -> None:
    x, _, out = small_graph()
    order = topological_order(out)
    assert order[-1] is out and order[0] is x
    assert len(order) == len({id(n) for n in order}) == 5  # x, h, h*h, h*h + x, sum
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        assert all(position[id(p)] < position[id(node)] for p in node.parents)
    assert out.topological_order() == order


def test_backward_steps_walks_in_reverse_order_with_final_grads() -> None:
    """x reaches out directly (d/dx = 1) and through h = tanh x (d/dx = 2h (1 - h^2))."""
    x, h, out = small_graph()
    steps = []
    for node in backward_steps(out):
        steps.append(node)
        if node.op == "+":  # only the direct path has reached x so far
            np.testing.assert_array_equal(x.grad, [1.0, 1.0])
        if node is h:  # h's own grad is final, and its step has just added the tanh path into x
            np.testing.assert_allclose(h.grad, 2 * h.data, rtol=1e-15)
            np.testing.assert_allclose(x.grad, 2 * h.data * (1 - h.data ** 2) + 1, rtol=1e-15)
    assert steps == list(reversed(topological_order(out)))
    assert [n.op for n in steps] == ["sum", "+", "*", "tanh", ""]


def test_leaves_accumulate_across_passes_and_interior_nodes_restart() -> None:
    x, h, out = small_graph()
    out.backward()
    first_x, first_h = x.grad.copy(), h.grad.copy()
    out.backward()
    np.testing.assert_allclose(x.grad, 2 * first_x, rtol=1e-15)
    np.testing.assert_allclose(h.grad, first_h, rtol=1e-15)
    x.zero_grad()
    assert x.grad is None
    out.backward()
    np.testing.assert_allclose(x.grad, first_x, rtol=1e-15)


def test_a_node_used_along_two_paths_sums_both() -> None:
    x = leaf(3.0)
    (x * x + x).backward()  # d/dx (x^2 + x) = 2x + 1
    np.testing.assert_array_equal(x.grad, [7.0])


def test_no_grad_records_nothing_and_is_restored_even_after_an_error() -> None:
    x = leaf(1.0, 2.0)
    with no_grad():
        assert not is_grad_enabled()
        y = (x * 2).exp()
    assert is_grad_enabled()
    assert y.parents == () and not y.requires_grad
    with pytest.raises(ZeroDivisionError), no_grad():
        raise ZeroDivisionError
    assert is_grad_enabled()
    assert (x * 2).requires_grad


def test_only_tensors_that_require_grad_record_a_graph() -> None:
    a, b = Tensor([1.0, 2.0]), Tensor([3.0, 4.0])
    c = a * b
    assert not c.requires_grad and c.parents == ()
    w = leaf(0.5, 0.5)
    out = (c * w).sum()
    out.backward()
    np.testing.assert_array_equal(w.grad, c.data)
    assert a.grad is None and b.grad is None


def test_gradcheck_rejects_float32_and_inputs_without_requires_grad() -> None:
    with pytest.raises(ValueError, match="float32"):
        gradcheck(lambda t: t.sum(), [Tensor(np.ones(2, dtype=np.float32), requires_grad=True)])
    with pytest.raises(ValueError, match="requires_grad"):
        gradcheck(lambda t: t.sum(), [Tensor(np.ones(2))])


def test_gradcheck_checks_every_element_and_leaves_the_inputs_as_they_were() -> None:
    data = np.array([[0.1, -0.2, 0.3], [1.0, 2.0, -3.0]])
    x = Tensor(data.copy(), requires_grad=True)
    assert gradcheck(lambda t: (t * t).sum(axis=0), [x])
    np.testing.assert_array_equal(x.data, data)
    assert x.grad.shape == data.shape


def test_draw_dot_shows_label_shape_values_and_grad_of_a_small_tensor() -> None:
    x = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True, label="x")
    y = (x * 2).sum()
    y.label = "y"
    y.backward()
    source = draw_dot(y).source
    assert "<b>x</b>" in source and "<b>y</b>" in source
    assert "shape (2, 2)" in source and "shape ()" in source
    assert "data [[1., 2.], [3., 4.]]" in source and "grad [[2., 2.], [2., 2.]]" in source
    assert source.count("shape=ellipse") == 2  # the ops * and sum


def test_draw_dot_shows_only_the_shape_of_a_large_tensor() -> None:
    big = Tensor(np.arange(30.0).reshape(5, 6), requires_grad=True, label="big")
    (big * 1.0).sum().backward()
    source = draw_dot(big.sum()).source
    big_node = next(line for line in source.splitlines() if "<b>big</b>" in line)
    assert "shape (5, 6)" in big_node and "data" not in big_node and "grad" not in big_node


@pytest.mark.skipif(not dot_available(), reason="Graphviz's dot program is not installed")
def test_draw_dot_renders_a_tensor_graph(tmp_path: Path) -> None:
    x = Tensor(np.ones(3), requires_grad=True, label="x")
    path = draw_dot(x.exp() @ x).write(tmp_path / "graph.svg")
    assert "<svg" in Path(path).read_text()
