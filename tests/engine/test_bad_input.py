"""Careless input to the engine gets the right answer or a clear error, never a silent wrong result."""

from __future__ import annotations

import copy
import pickle
import threading
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from micrograd_like import Tensor, Value, concatenate, gradcheck, no_grad

# ---- recording is per thread ----------------------------------------------------------------


def test_no_grad_in_one_thread_leaves_another_threads_graph_on():
    inside, release = threading.Event(), threading.Event()

    def evaluate() -> None:
        with no_grad():
            inside.set()
            release.wait(5)

    worker = threading.Thread(target=evaluate)
    worker.start()
    try:
        assert inside.wait(5)
        x = Tensor([3.0], requires_grad=True)
        (x * x).sum().backward()  # recorded here although the other thread is inside no_grad
        assert x.grad[0] == 6.0
        with no_grad():
            assert not (x * x).parents
    finally:
        release.set()
        worker.join()
    assert (x * x).parents


# ---- backward on nothing to backpropagate ---------------------------------------------------


@pytest.mark.parametrize("make", [lambda: Tensor([2.0], requires_grad=True) * 3, lambda: Value(2.0) * 3])
def test_backward_of_a_result_computed_under_no_grad_says_so(make):
    with no_grad():
        y = make()
    with pytest.raises(RuntimeError, match="no_grad"):
        y.sum().backward() if isinstance(y, Tensor) else y.backward()


@pytest.mark.parametrize("grad", [None, [None], [1 + 2j], ["a"], "a", np.array([1j])])
def test_backward_grad_of_none_complex_or_text_is_refused(grad):
    y = Tensor([2.0], requires_grad=True) * 3
    if grad is None:  # None means "seed with 1": fine for a one-element output
        y.backward(grad)
        return
    with pytest.raises(TypeError, match="real numbers"):
        y.backward(grad)


# ---- indexing -------------------------------------------------------------------------------


def test_a_boolean_mask_selects_as_numpy():
    data = np.array([[1.0, -2.0], [-3.0, 4.0]])
    mask = data > 0
    x = Tensor(data, requires_grad=True)
    picked = x[mask]
    np.testing.assert_array_equal(picked.data, data[mask])  # [1, 4], not rows 0/1 picked by 0/1 indices
    picked.sum().backward()
    np.testing.assert_array_equal(x.grad, mask.astype(float))


def test_a_float_index_array_is_refused_not_truncated():
    x = Tensor([1.0, 2.0, 3.0])
    with pytest.raises(IndexError, match="float"):
        x[np.array([0.9, 1.7])]
    with pytest.raises(IndexError, match="float"):
        x[Tensor([0.0, 1.0])]


def test_concatenate_with_axis_none_flattens_as_numpy():
    a, b = Tensor(np.ones((2, 2)), requires_grad=True), Tensor(np.arange(3.0), requires_grad=True)
    out = concatenate([a, b], axis=None)
    np.testing.assert_array_equal(out.data, np.concatenate([a.data, b.data], axis=None))
    (out * np.arange(7.0)).sum().backward()
    np.testing.assert_array_equal(a.grad, np.arange(4.0).reshape(2, 2))
    np.testing.assert_array_equal(b.grad, [4.0, 5.0, 6.0])


@pytest.mark.parametrize("eps", [0, 0.0, -1e-6, float("nan")])
def test_gradcheck_refuses_an_eps_that_is_not_a_small_positive_number(eps):
    with pytest.raises(ValueError, match="eps"):
        gradcheck(lambda x: (x * x).sum(), [Tensor([1.0], requires_grad=True)], eps=eps)


# ---- Fraction and Decimal -------------------------------------------------------------------


@pytest.mark.parametrize("number", [Fraction(1, 2), Fraction(3)])
def test_fractions_are_real_numbers_for_value_and_tensor(number):
    v = Value(2.0)
    out = v * number + number - v ** number
    out.backward()
    f = float(number)
    assert out.data == pytest.approx(2 * f + f - 2 ** f)
    assert v.grad == pytest.approx(f - f * 2 ** (f - 1))
    assert Value(number).data == f
    t = Tensor([2.0], requires_grad=True)
    tout = (t * number + number - t ** number).sum()
    tout.backward()
    assert tout.data == pytest.approx(out.data) and t.grad[0] == pytest.approx(v.grad)
    assert Tensor(number).data == f
    assert (number - t).data[0] == pytest.approx(f - 2.0) and (number / t).data[0] == pytest.approx(f / 2)


@pytest.mark.parametrize("op", [
    lambda x, d: x + d, lambda x, d: d + x, lambda x, d: x * d, lambda x, d: d - x, lambda x, d: x / d,
    lambda x, d: d / x, lambda x, d: x ** d, lambda x, d: d ** x, lambda x, d: type(x)(d),
])
@pytest.mark.parametrize("make", [lambda: Value(2.0), lambda: Tensor([2.0])])
def test_decimals_are_refused_naming_the_type_and_what_to_do(make, op):
    with pytest.raises(TypeError, match=r"Decimal.*float\(") as err:
        op(make(), Decimal("0.5"))
    assert "Decimal" in str(err.value)


# ---- copying and pickling long graphs -------------------------------------------------------


def _chain(n: int) -> tuple[Value, Value]:
    x = Value(0.5, label="x")
    y = x
    for _ in range(n):
        y = y * 1.0 + 0.0
    return x, y


@pytest.mark.parametrize("copier", [copy.deepcopy, lambda v: pickle.loads(pickle.dumps(v))])
def test_a_long_value_chain_copies_and_pickles_without_recursion_and_still_backpropagates(copier):
    x, y = _chain(25_000)  # 100,000 nodes (two constants per step)
    twin = copier(y)
    assert twin is not y and twin.data == y.data
    twin.backward()
    leaves = [n for n in twin.topological_order() if n.label == "x"]
    assert len(leaves) == 1 and leaves[0] is not x
    assert leaves[0].grad == 1.0 and x.grad == 0.0  # the copy's leaf, not the original's


def test_a_copied_value_graph_shares_nodes_as_the_original_does():
    a = Value(3.0)
    b = a * a  # a is used twice
    c = b + a
    twin = copy.deepcopy(c)
    twin.backward()
    (leaf,) = [n for n in twin.topological_order() if not n.parents and n.data == 3.0]
    assert leaf.grad == 2 * 3.0 + 1
    twin2 = pickle.loads(pickle.dumps(c))
    twin2.backward(create_graph=True)
    (leaf2,) = [n for n in twin2.topological_order() if not n.parents and n.data == 3.0]
    assert leaf2.grad.data == 7.0


@pytest.mark.parametrize("copier", [copy.deepcopy, lambda v: pickle.loads(pickle.dumps(v))])
def test_a_long_tensor_chain_copies_and_pickles_and_still_backpropagates(copier):
    x = Tensor([0.5, 2.0], requires_grad=True)
    y = x
    for _ in range(5_000):  # 10,000 nodes
        y = y * 1.0
    twin = copier(y)
    twin.backward(np.ones(2))
    (leaf,) = [n for n in twin.topological_order() if n.requires_grad and not n.parents]
    np.testing.assert_array_equal(leaf.grad, [1.0, 1.0])
    assert x.grad is None


@pytest.mark.parametrize("copier", [copy.deepcopy, lambda v: pickle.loads(pickle.dumps(v))])
def test_a_copied_tensor_graph_is_independent_of_the_original(copier):
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    twin = copier(y)
    y.backward(np.ones(2))  # the original's backward makes x writable again
    x.data[...] = 100.0
    twin.backward(np.ones(2))
    (leaf,) = [n for n in twin.topological_order() if not n.parents]
    np.testing.assert_array_equal(leaf.grad, [2.0, 4.0])
