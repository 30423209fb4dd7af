"""Property-based tests of `Tensor`: random shapes that broadcast, random chains of ops with
reused nodes, random reductions and indices, each checked against finite differences (or an
exact identity). Shapes are small and examples bounded so the file runs in a few seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import hypothesis.extra.numpy as hnp
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd_like import Tensor, gradcheck

FEW = settings(max_examples=40, deadline=None)

# Tenths in [-2, 2]: distinct values differ by far more than gradcheck's eps, so ties and
# kinks (max, relu) cannot fall between x - eps and x + eps.
tenths = st.integers(-20, 20).map(lambda k: k / 10)


def array(shape: tuple, elements: st.SearchStrategy = tenths, unique: bool = False) -> st.SearchStrategy:
    return hnp.arrays(np.float64, shape, elements=elements, unique=unique)


def leaf(a: np.ndarray) -> Tensor:
    return Tensor(a.copy(), requires_grad=True)


BINARY = {
    "+": lambda x, y: x + y,
    "-": lambda x, y: x - y,
    "*": lambda x, y: x * y,
    "/ (2 + tanh y)": lambda x, y: x / (2 + y.tanh()),  # denominator in [1, 3]
    "** sigmoid y": lambda x, y: (1 + x * x) ** y.sigmoid(),  # positive base
}


@FEW
@given(st.data(), hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
       st.sampled_from(list(BINARY)))
def test_binary_ops_with_any_broadcastable_shapes(data: Any, shapes: Any, op: str) -> None:
    x = leaf(data.draw(array(shapes.input_shapes[0])))
    y = leaf(data.draw(array(shapes.input_shapes[1])))
    out = BINARY[op](x, y)
    assert out.shape == shapes.result_shape
    assert gradcheck(BINARY[op], [x, y])
    assert x.grad.shape == x.shape and y.grad.shape == y.shape


@FEW
@given(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=3))
def test_each_element_gets_the_number_of_times_broadcasting_used_it(shapes: Any) -> None:
    """d/dy sum(x + y) = (size of the result) / (size of y) for every element of y."""
    x, y = leaf(np.zeros(shapes.input_shapes[0])), leaf(np.zeros(shapes.input_shapes[1]))
    (x + y).sum().backward()
    result_size = int(np.prod(shapes.result_shape))
    for t in (x, y):
        np.testing.assert_array_equal(t.grad, np.full(t.shape, result_size / t.size))


@FEW
@given(st.data(), hnp.mutually_broadcastable_shapes(signature=np.matmul.signature, max_dims=3, max_side=3))
def test_matmul_with_any_shapes_numpy_accepts(data: Any, shapes: Any) -> None:
    x = leaf(data.draw(array(shapes.input_shapes[0])))
    y = leaf(data.draw(array(shapes.input_shapes[1])))
    out = x @ y
    np.testing.assert_allclose(out.data, x.data @ y.data, rtol=1e-14)
    assert gradcheck(lambda a, b: a @ b, [x, y])


@FEW
@given(st.data(), hnp.array_shapes(min_dims=1, max_dims=3, max_side=3), st.sampled_from(["sum", "mean", "max"]),
       st.booleans())
def test_reductions_over_any_axes(data: Any, shape: tuple, reduction: str, keepdims: bool) -> None:
    axis = data.draw(st.none() | hnp.valid_tuple_axes(len(shape)) | st.integers(-len(shape), len(shape) - 1))
    x = leaf(data.draw(array(shape, unique=True)))  # distinct values: max has no ties
    reduce = lambda t: getattr(t, reduction)(axis=axis, keepdims=keepdims)
    expected = getattr(np, reduction)(x.data, axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(reduce(x).data, expected, rtol=1e-14)
    assert gradcheck(reduce, [x])


@FEW
@given(st.data(), hnp.array_shapes(min_dims=1, max_dims=3, max_side=4))
def test_softmax_along_any_axis_sums_to_one_and_has_exact_gradients(data: Any, shape: tuple) -> None:
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = leaf(data.draw(array(shape, elements=st.floats(-20, 20))))
    np.testing.assert_allclose(x.softmax(axis).sum(axis=axis).data, 1.0, rtol=1e-14)
    np.testing.assert_allclose(x.log_softmax(axis).exp().data, x.softmax(axis).data, rtol=1e-12)
    assert gradcheck(lambda t: t.softmax(axis) * t.log_softmax(axis), [x])


@FEW
@given(st.data(), st.integers(1, 5))
def test_integer_indices_add_one_gradient_per_occurrence(data: Any, n: int) -> None:
    """d/dx sum(x[idx]) counts how often each position occurs in idx (a bincount)."""
    index = data.draw(hnp.arrays(np.intp, st.integers(0, 8), elements=st.integers(0, n - 1)))
    x = leaf(np.zeros(n))
    x[index].sum().backward()
    np.testing.assert_array_equal(x.grad, np.bincount(index, minlength=n))


# ---- random chains of ops, with nodes reused ------------------------------------------------

UNARY: dict[str, Callable[[Tensor], Tensor]] = {
    "tanh": lambda t: t.tanh(),
    "sigmoid": lambda t: t.sigmoid(),
    "exp(tanh)": lambda t: t.tanh().exp(),
    "log(1 + t^2)": lambda t: (1 + t * t).log(),
    "-t": lambda t: -t,
    "t ** 2": lambda t: t ** 2,
    "softmax": lambda t: t.softmax(-1),
    "transpose": lambda t: t.T,
}

step = st.one_of(
    st.tuples(st.just("unary"), st.sampled_from(list(UNARY)), st.integers(0, 100)),
    st.tuples(st.just("binary"), st.sampled_from(list(BINARY)), st.tuples(st.integers(0, 100), st.integers(0, 100))),
)


def run_chain(steps: list, inputs: list[Tensor]) -> Tensor:
    """Apply `steps` in turn; each takes earlier nodes (picked by index, so often reused) and adds one."""
    nodes = list(inputs)
    for kind, name, picks in steps:
        if kind == "unary":
            node = UNARY[name](nodes[picks % len(nodes)])
        else:
            a, b = (nodes[i % len(nodes)] for i in picks)
            try:
                node = BINARY[name](a, b)
            except ValueError:  # shapes changed by a transpose no longer broadcast: skip this step
                continue
        nodes.append(node)
    return nodes[-1] if len(nodes) > len(inputs) else nodes[0].tanh()


@settings(max_examples=60, deadline=None)
@given(st.data(), hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=2, max_side=3),
       st.lists(step, min_size=1, max_size=5))
def test_random_op_chains_match_finite_differences(data: Any, shapes: Any, steps: list) -> None:
    inputs = [leaf(data.draw(array(shape, elements=st.floats(-1, 1)))) for shape in shapes.input_shapes]
    out = run_chain(steps, inputs)
    assert np.all(np.isfinite(out.data))
    assert gradcheck(lambda *xs: run_chain(steps, list(xs)), inputs, atol=1e-6, rtol=1e-5)
