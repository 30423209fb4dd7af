"""Changing `.data` between a forward pass and its backward pass never silently gives the gradient of other
numbers: it is refused (writing into a parameter's array), or changes nothing in the graph already built
(assigning a new array; a Value's number), or is refused when it would matter (create_graph on Values)."""

from __future__ import annotations

import numpy as np
import pytest

from micrograd_like import Function, Tensor, Value, gradcheck, linear, no_grad


def param(values):
    return Tensor(np.array(values, dtype=float), requires_grad=True)


@pytest.mark.parametrize("write", [
    lambda t: t.data.__setitem__(0, 5.0),          # t.data[0] = 5
    lambda t: t.data.__iadd__(1.0),                # t.data += 1
    lambda t: np.multiply(t.data, 2.0, out=t.data),
], ids=["t.data[0] = 5", "t.data += 1", "ufunc out="])
def test_writing_into_a_parameter_between_forward_and_backward_is_refused(write):
    t = param([1.0, 2.0])
    loss = (t * t).sum()
    with pytest.raises(ValueError, match="read-only"):
        write(t)
    loss.backward()
    np.testing.assert_array_equal(t.grad, [2.0, 4.0])  # the gradient of what was computed


def test_assigning_a_new_array_changes_nothing_in_a_graph_already_built():
    t = param([1.0, 2.0])
    loss = (t * t * t).sum()
    t.data = np.array([10.0, 20.0])
    loss.backward()
    np.testing.assert_array_equal(t.grad, [3.0, 12.0])  # 3 t^2 at the forward pass's t, not at 10, 20
    t.zero_grad()
    (t * t * t).sum().backward()  # a new forward pass uses the new array
    np.testing.assert_array_equal(t.grad, [300.0, 1200.0])


def test_after_backward_an_in_place_update_works_as_always():
    w = param([1.0, -2.0])
    data = w.data
    for _ in range(3):
        loss = (w * w).sum()
        loss.backward()
        w.data -= 0.1 * w.grad  # micrograd's update, in place, while `loss` still holds its graph
        w.zero_grad()
    assert w.data is data
    np.testing.assert_allclose(w.data, np.array([1.0, -2.0]) * 0.8 ** 3)


def test_the_arrays_backward_reads_are_guarded_and_every_one_is_writable_again_after_backward():
    x = Tensor(np.ones((4, 3)))
    w1, b1, w2, b2 = param(np.ones((3, 5))), param(np.zeros(5)), param(np.ones((5, 1))), param(np.zeros(1))
    loss = (linear(linear(x, w1, b1).relu(), w2, b2) ** 2).mean()
    assert not w2.data.flags.writeable  # read for the first layer's gradient: d loss / d h = g w2^T
    for p in (w1, b1, b2):  # read by nothing: a bias's gradient, or w1's (the input x needs none), is not
        assert p.data.flags.writeable  # a function of its own value
    loss.backward()
    for p in (w1, b1, w2, b2):
        assert p.data.flags.writeable
        p.data[...] = 0.0


def test_a_first_layer_weight_is_guarded_once_its_input_needs_a_gradient():
    x, w, b = param(np.ones((4, 3))), param(np.ones((3, 2))), param(np.zeros(2))
    _ = linear(x, w, b)
    assert not w.data.flags.writeable and not x.data.flags.writeable and b.data.flags.writeable


def _gradients(op, write):
    """d sum(c * op(t)) / dt, with `write` applied to t's array between forward and backward (if allowed)."""
    rng = np.random.default_rng(0)
    t = param(rng.uniform(0.5, 1.5, (2, 3)))
    out = op(t)
    loss = (out * rng.normal(size=out.shape)).sum()
    if write is not None:
        try:
            write(t)
        except ValueError as err:  # refused: t's array is read by the backward pass
            assert "read-only" in str(err)
    loss.backward()
    return t.grad


UNREAD = {  # ops whose backward pass reads none of their inputs' values (only shapes, or their own result)
    "x + c": lambda t: t + 2.0, "c - x": lambda t: 2.0 - t, "-x": lambda t: -t, "exp": lambda t: t.exp(),
    "tanh": lambda t: t.tanh(), "sigmoid": lambda t: t.sigmoid(), "relu": lambda t: (t - 1.0).relu(),
    "sum": lambda t: t.sum(axis=0), "mean": lambda t: t.mean(axis=1, keepdims=True),
    "x * c": lambda t: t * np.arange(3.0), "c @ x": lambda t: np.ones((4, 2)) @ t,
    "linear(c, x, c)": lambda t: linear(Tensor(np.ones((4, 2))), t, Tensor(np.zeros(3))),
}
READ = {  # ops whose input stays guarded: the backward pass reads it (or, x / c, is not declared not to)
    "x * x": lambda t: t * t, "log": lambda t: t.log(), "x / c": lambda t: t / 2.0,
    "reshape (a view)": lambda t: t.reshape(3, 2) * t.reshape(3, 2),
    "transpose (a view)": lambda t: t.T ** 2, "index (a view)": lambda t: t[0] * t[0],
}


@pytest.mark.parametrize("op", list(UNREAD.values()) + list(READ.values()), ids=list(UNREAD) + list(READ))
def test_writing_into_a_leaf_between_forward_and_backward_never_changes_its_gradient(op):
    def write(t):
        t.data *= 3.0  # in place
    np.testing.assert_array_equal(_gradients(op, write), _gradients(op, None))


@pytest.mark.parametrize("op", list(READ.values()), ids=list(READ))
def test_a_leaf_whose_value_the_backward_pass_reads_is_guarded(op):
    t = param(np.ones((2, 3)))
    _ = op(t)
    with pytest.raises(ValueError, match="read-only"):
        t.data[0, 0] = 5.0


def test_under_no_grad_nothing_is_guarded():
    t = param([1.0])
    with no_grad():
        y = t * 2
    t.data[0] = 3.0
    assert y.data[0] == 2.0


def test_a_forward_pass_never_backpropagated_leaves_the_way_to_change_the_leaf_in_the_message_and_docs():
    t = param([1.0])
    _ = t * t  # recorded, dropped
    with pytest.raises(ValueError, match="read-only"):
        t.data[0] = 3.0
    t.data = t.data + 2.0  # what the docstring says to do
    (t * t).sum().backward()
    np.testing.assert_array_equal(t.grad, [6.0])
    assert "t.data = t.data + 1" in Tensor.__doc__


def test_an_optimizer_step_before_backward_keeps_that_graphs_gradient_exact():
    from nn import SGD

    w = param([1.0, 2.0])
    other = (w * w).sum()  # a second loss, backpropagated after the step (as in alternating updates)
    (w * 3.0).sum().backward()
    loss_before_step = (w * w * w).sum()
    SGD([w], lr=0.1).step()  # w is guarded by loss_before_step: the step gives w a new array
    np.testing.assert_allclose(w.data, [0.7, 1.7])
    w.zero_grad()
    loss_before_step.backward()
    np.testing.assert_allclose(w.grad, [3.0, 12.0])  # at w = (1, 2), as computed
    w.zero_grad()
    other.backward()
    np.testing.assert_allclose(w.grad, [2.0, 4.0])


class Square(Function):
    """x^2, keeping x in ctx (as a Function may)."""

    @staticmethod
    def forward(ctx, x):
        ctx.x = x
        return x * x

    @staticmethod
    def backward(ctx, g):
        return (2 * ctx.x * g,)


def test_an_array_a_function_keeps_in_ctx_is_guarded_too():
    t = param([3.0])
    y = Square.apply(t)
    with pytest.raises(ValueError, match="read-only"):
        t.data[0] = 1.0
    y.sum().backward()
    np.testing.assert_array_equal(t.grad, [6.0])


def test_gradcheck_works_on_inputs_a_dropped_graph_still_guards():
    x = param([0.3, -0.2])
    _ = x.tanh()  # recorded and never backpropagated
    assert gradcheck(lambda a: (a * a).sum(), [x])


def test_load_state_dict_into_a_guarded_parameter(tmp_path):
    from nn import Linear

    layer = Linear(2, 1, rng=0)
    out = layer(Tensor([[1.0, 2.0]])).sum()  # recorded, not backpropagated: the weights are guarded
    layer.load_state_dict({"weight": np.full((2, 1), 5.0), "bias": np.zeros(1)})
    np.testing.assert_array_equal(layer.weight.data, np.full((2, 1), 5.0))
    out.backward()
    np.testing.assert_array_equal(layer.weight.grad, [[1.0], [2.0]])


# ---- Value: the local derivatives are numbers stored at forward time -------------------------


def test_value_reassigned_after_forward_backpropagates_the_forward_pass():
    a = Value(2.0)
    b = a * a + a.tanh()
    a.data = 3.0
    b.backward()
    assert a.grad == pytest.approx(2 * 2.0 + (1 - np.tanh(2.0) ** 2))


@pytest.mark.parametrize("op", [lambda a: a * a, lambda a: a.log(), lambda a: a ** 3, lambda a: a ** Value(1.5),
                                lambda a: Value(1.5) ** a])
def test_value_reassigned_after_forward_is_refused_under_create_graph(op):
    a = Value(2.0)
    b = op(a)
    a.data = 3.0
    with pytest.raises(RuntimeError, match="modified in place"):
        b.backward(create_graph=True)


@pytest.mark.parametrize("op, slope", [(lambda a: a.tanh(), lambda x: 1 - np.tanh(x) ** 2),
                                       (lambda a: a.sigmoid(), lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2),
                                       (lambda a: a.exp(), np.exp)])
def test_value_slopes_written_with_the_result_only_stay_those_of_the_forward_pass(op, slope):
    a = Value(2.0)
    b = op(a)
    a.data = 3.0
    b.backward(create_graph=True)
    assert a.grad.data == pytest.approx(slope(2.0), rel=1e-15)


def test_value_create_graph_without_changes_is_not_refused():
    a = Value(0.7)
    b = (a * a).tanh().log() + a.sigmoid() ** 2.5 + a ** a
    b.backward(create_graph=True)
    assert isinstance(a.grad, Value)
