"""The API of derivatives of derivatives: `grad()` touches no `.grad`, gives zeros for inputs the output does
not depend on and clear errors for bad arguments; repeated create_graph passes accumulate (recorded) as
PyTorch's do; user Functions either differentiate their backward or refuse; `draw_dot` of a gradient draws
the backward pass that made it; and none of it changes what micrograd code sees.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from micrograd_like import Function, Tensor, Value, draw_dot, grad, gradcheck, gradgradcheck, topological_order


def value_graph():
    """a, b leaves; c, d interior; e the output (a used twice)."""
    a, b = Value(0.3, label="a"), Value(-1.2, label="b")
    c = a * b
    d = (c + a).tanh()
    e = d * a
    return a, b, c, d, e


def tensor_graph():
    rng = np.random.default_rng(0)
    x, w = Tensor(rng.uniform(-1, 1, (3, 2)), requires_grad=True), Tensor(rng.uniform(-1, 1, 2), requires_grad=True)
    h = (x * w).tanh()
    out = (h * x).sum()
    return x, w, h, out


# ---- grad(): results, and no .grad touched -----------------------------------------------------

@pytest.mark.parametrize("create_graph", [False, True])
def test_grad_of_values_leaves_every_grad_as_it_was(create_graph):
    a, b, c, d, e = value_graph()
    before = {"a": 5.0, "b": -2.0, "c": 7.0, "d": 0.25, "e": 1.5}
    for node in (a, b, c, d, e):
        node.grad = before[node.label or ("c" if node is c else "d" if node is d else "e")]
    grads = grad(e, [a, b, c], create_graph=create_graph)
    assert [a.grad, b.grad, c.grad, d.grad, e.grad] == [5.0, -2.0, 7.0, 0.25, 1.5]
    # and the results are the gradients backward() gives from zero
    a2, b2, c2, d2, e2 = value_graph()
    e2.backward()
    kind = Value if create_graph else float
    assert all(type(g) is kind for g in grads)
    assert [g.data if create_graph else g for g in grads] == [a2.grad, b2.grad, c2.grad]


@pytest.mark.parametrize("create_graph", [False, True])
def test_grad_of_tensors_leaves_every_grad_as_it_was(create_graph):
    x, w, h, out = tensor_graph()
    x.grad, w.grad, h.grad = np.full(x.shape, 3.0), None, np.full(h.shape, -1.0)
    kept = [x.grad, w.grad, h.grad, out.grad]
    gx, gw, gh = grad(out, [x, w, h], create_graph=create_graph)
    assert x.grad is kept[0] and w.grad is None and h.grad is kept[2] and out.grad is None
    np.testing.assert_array_equal(x.grad, np.full(x.shape, 3.0))
    x2, w2, h2, out2 = tensor_graph()
    out2.backward()
    for mine, reference in zip((gx, gw, gh), (x2.grad, w2.grad, h2.grad)):
        assert isinstance(mine, Tensor if create_graph else np.ndarray)
        np.testing.assert_allclose(mine.data if create_graph else mine, reference, rtol=1e-15)


def test_grad_leaves_grads_alone_even_when_it_fails():
    class ArraysOnly(Function):
        @staticmethod
        def forward(ctx, x):
            return 2 * x

        @staticmethod
        def backward(ctx, g):
            return (2 * g,)

    x = Tensor([1.0, 2.0], requires_grad=True)
    x.grad = np.array([9.0, 9.0])
    y = ArraysOnly.apply(x * x)
    with pytest.raises(RuntimeError, match="ArraysOnly.backward works on arrays only"):
        grad(y.sum(), [x], create_graph=True)
    np.testing.assert_array_equal(x.grad, [9.0, 9.0])


def test_grad_of_an_input_the_output_does_not_depend_on_is_zero():
    a, b, unused = Value(1.0), Value(2.0), Value(3.0)
    y = a * a
    assert grad(y, [a, b, unused]) == (2.0, 0.0, 0.0)
    ga, gb = grad(y, [a, unused], create_graph=True)
    assert isinstance(gb, Value) and gb.data == 0.0 and isinstance(ga, Value) and ga.data == 2.0
    x, other = Tensor(np.ones((2, 3)), requires_grad=True), Tensor(np.ones(4), requires_grad=True)
    gx, go = grad((x * 2).sum(), [x, other])
    assert isinstance(go, np.ndarray) and go.shape == (4,) and not go.any()
    gx, go = grad((x * x).sum(), [x, other], create_graph=True)
    assert isinstance(go, Tensor) and go.shape == (4,) and not go.data.any()
    np.testing.assert_array_equal(gx.data, 2 * x.data)


def test_grad_of_a_single_input_not_in_a_list():
    x = Value(3.0)
    assert grad(x ** 2, x) == (6.0,)


def test_second_derivative_of_a_function_with_constant_first_derivative_is_zero():
    x = Value(0.4)
    (dx,) = grad(3 * x + 1, [x], create_graph=True)
    assert grad(dx, [x]) == (0.0,)
    t = Tensor([0.5, -1.0], requires_grad=True)
    assert gradgradcheck(lambda t: 3 * t + 1, [t])  # once raised "no graph to backpropagate through"
    assert gradgradcheck(lambda t: t.relu() * 2, [t])


@pytest.mark.parametrize("inputs", [[], ()])
def test_grad_with_no_inputs_says_so(inputs):
    x = Value(1.0)
    with pytest.raises(ValueError, match="inputs is empty"):
        grad(x * 2, inputs)


def test_grad_with_inputs_of_the_other_kind_names_them():
    v, t = Value(1.0), Tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match="input 1 is a Tensor, but the output is a Value"):
        grad(v * v, [v, t])
    with pytest.raises(TypeError, match="input 0 is a Value, but the output is a Tensor"):
        grad((t * t).sum(), [v])


def test_grad_of_a_function_result_with_respect_to_tensors():
    """The output of a user Function (a Tensor subclass) is a Tensor output."""
    class Square(Function):
        differentiable_backward = True

        @staticmethod
        def forward(ctx, x):
            return (x * x).sum()

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.inputs
            return (2 * x * g,)

    x = Tensor([1.0, -2.0], requires_grad=True)
    (gx,) = grad(Square.apply(x), [x])
    np.testing.assert_array_equal(gx, [2.0, -4.0])


# ---- repeated create_graph passes accumulate, recorded -----------------------------------------

def test_repeated_create_graph_passes_add_up_in_the_leaf_grad_as_a_recorded_sum():
    """leaf.grad = old + new, and the sum is itself a node: its derivative is the sum of both passes'."""
    x = Value(0.7)
    y = x ** 3
    y.backward(create_graph=True)
    first = x.grad
    assert isinstance(first, Value) and first.data == pytest.approx(3 * 0.7 ** 2)
    (x.tanh()).backward(create_graph=True)
    total = x.grad
    assert total.data == pytest.approx(3 * 0.7 ** 2 + 1 - math.tanh(0.7) ** 2, rel=1e-14)
    assert first in topological_order(total)  # old + new, recorded
    (d2,) = grad(total, [x])
    assert d2 == pytest.approx(6 * 0.7 - 2 * math.tanh(0.7) * (1 - math.tanh(0.7) ** 2), rel=1e-13)


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True:UserWarning")
def test_repeated_create_graph_passes_accumulate_as_in_pytorch():
    torch = pytest.importorskip("torch")
    x = Tensor([0.5, -1.5], requires_grad=True)
    t = torch.tensor([0.5, -1.5], dtype=torch.float64, requires_grad=True)
    for f in (lambda a: (a ** 3).sum(), lambda a: (a.exp() * a).sum(), lambda a: (a * a).sum()):
        f(x).backward(create_graph=True)
        f(t).backward(create_graph=True)
        assert isinstance(x.grad, Tensor) and x.grad.requires_grad
        np.testing.assert_allclose(x.grad.data, t.grad.detach().numpy(), rtol=1e-14)
    (second,) = grad(x.grad.sum(), [x])
    (t_second,) = torch.autograd.grad(t.grad.sum(), t)
    np.testing.assert_allclose(second, t_second.numpy(), rtol=1e-13)


def test_a_plain_pass_after_a_create_graph_pass_adds_into_the_recorded_grad():
    x = Value(2.0)
    (x * x).backward(create_graph=True)
    (x * 3).backward()
    assert isinstance(x.grad, Value) and x.grad.data == 7.0


def test_zero_grad_drops_a_recorded_grad():
    x = Value(2.0)
    (x * x).backward(create_graph=True)
    x.zero_grad()
    (x * x).backward()
    assert x.grad == 4.0 and type(x.grad) is float
    t = Tensor([2.0], requires_grad=True)
    (t * t).sum().backward(create_graph=True)
    t.zero_grad()
    (t * t).sum().backward()
    assert type(t.grad) is np.ndarray and t.grad[0] == 4.0


def test_interior_grads_hold_this_pass_only():
    x = Value(1.5)
    h = x * x
    y = h.tanh()
    y.backward(create_graph=True)
    y.backward(create_graph=True)
    assert h.grad.data == pytest.approx(1 - math.tanh(2.25) ** 2, rel=1e-14)  # one pass's worth
    assert x.grad.data == pytest.approx(2 * 2 * 1.5 * (1 - math.tanh(2.25) ** 2), rel=1e-14)  # two


# ---- user Functions -----------------------------------------------------------------------------

class CubeOnArrays(Function):
    """x^3, with a backward that computes on arrays (kept on ctx)."""

    @staticmethod
    def forward(ctx, x):
        ctx.x = x
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        return (3 * ctx.x ** 2 * g,)


class Cube(Function):
    """x^3, with a backward written with ctx.inputs and ops: differentiable."""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.inputs
        return (3 * x ** 2 * g,)


def test_a_function_without_a_differentiable_backward_refuses_create_graph():
    x = Tensor([0.5, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"CubeOnArrays\.backward works on arrays only.*differentiable_backward = True"):
        CubeOnArrays.apply(x).sum().backward(create_graph=True)
    with pytest.raises(RuntimeError, match="CubeOnArrays"):
        grad(CubeOnArrays.apply(x).sum(), [x], create_graph=True)
    assert gradcheck(lambda t: CubeOnArrays.apply(t), [Tensor([0.5, 2.0], requires_grad=True)])  # first order is fine


def test_a_function_with_a_differentiable_backward_has_correct_derivatives_of_every_order():
    x = Tensor([0.5, -2.0], requires_grad=True)
    assert gradcheck(Cube.apply, [x]) and gradgradcheck(Cube.apply, [x])
    (first,) = grad(Cube.apply(x).sum(), [x], create_graph=True)
    (second,) = grad(first.sum(), [x], create_graph=True)
    (third,) = grad(second.sum(), [x])
    np.testing.assert_allclose(first.data, 3 * x.data ** 2, rtol=1e-15)
    np.testing.assert_allclose(second.data, 6 * x.data, rtol=1e-15)
    np.testing.assert_allclose(third, [6.0, 6.0], rtol=1e-15)


# ---- draw_dot of a gradient ---------------------------------------------------------------------

def test_the_graph_of_a_gradient_is_the_backward_pass_that_made_it():
    """d/dx tanh(x) = 1 - t*t: its graph holds the tanh node, a "*" of it with itself, and a "-" from 1."""
    x = Value(0.5, label="x")
    t = x.tanh()
    (dx,) = grad(t, [x], create_graph=True)
    assert dx.data == pytest.approx(1 - math.tanh(0.5) ** 2, rel=1e-15)
    nodes = topological_order(dx)
    ops = [n.op for n in nodes]
    assert "tanh" in ops and "-" in ops and any(op == "*" for op in ops)
    square = next(n for n in nodes if n.op == "*" and t in n.parents)
    assert square.parents == (t, t)
    assert x in nodes
    source = draw_dot(dx).source
    for op in ("tanh", "*", "-"):
        assert f"label=<{op}>" in source


def test_draw_dot_of_a_gradient_renders(render):
    x = Value(0.5, label="x")
    (dx,) = grad(x.tanh(), [x], create_graph=True)
    dx.label = "dt/dx"
    drawn = render(draw_dot(dx))
    texts = [t for n in drawn.values() for t in n.texts]
    assert "x" in texts and "dt/dx" in texts
    assert {"tanh", "*", "-"} <= {n.texts[0] for n in drawn.values() if n.shape == "ellipse"}


def test_draw_dot_after_a_create_graph_pass_shows_each_grads_number():
    x = Value(0.5, label="x")
    y = x.tanh()
    y.backward(create_graph=True)
    source = draw_dot(y).source  # each .grad is a Value here: its number is drawn
    assert f"grad {1 - math.tanh(0.5) ** 2:.4f}" in source
    t = Tensor([1.0, 2.0], requires_grad=True)
    u = t.tanh().sum()
    u.backward(create_graph=True)
    assert "grad [0.42 , 0.071]" in draw_dot(u).source  # (numpy's spacing)


# ---- micrograd's behaviour is unchanged ---------------------------------------------------------

def lecture_neuron(Value):
    """The neuron of Karpathy's lecture (micrograd, 'building micrograd'): o = tanh(x1 w1 + x2 w2 + b)."""
    x1, x2 = Value(2.0), Value(0.0)
    w1, w2 = Value(-3.0), Value(1.0)
    b = Value(6.8813735870195432)
    x1w1 = x1 * w1
    x2w2 = x2 * w2
    x1w1x2w2 = x1w1 + x2w2
    n = x1w1x2w2 + b
    o = n.tanh()
    return {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b, "x1w1": x1w1, "x2w2": x2w2, "x1w1x2w2": x1w1x2w2,
            "n": n, "o": o}


def test_the_lectures_node_by_node_walk_gives_the_grads_of_backward():
    walked = lecture_neuron(Value)
    walked["o"].grad = 1.0
    for name in ("o", "n", "b", "x1w1x2w2", "x2w2", "x1w1"):
        walked[name]._backward()
    automatic = lecture_neuron(Value)
    automatic["o"].backward()
    for name in walked:
        assert walked[name].grad == automatic[name].grad, name
    # the lecture's numbers
    assert automatic["x1"].grad == pytest.approx(-1.5) and automatic["w1"].grad == pytest.approx(1.0)
    assert automatic["x2"].grad == pytest.approx(0.5) and automatic["w2"].grad == 0.0
    assert automatic["n"].grad == pytest.approx(0.5)


def test_grads_stay_plain_numbers_and_arrays_without_create_graph():
    nodes = lecture_neuron(Value)
    nodes["o"].backward()
    assert all(type(v.grad) is float for v in nodes.values())
    x, w, h, out = tensor_graph()
    out.backward()
    assert all(type(t.grad) is np.ndarray for t in (x, w, h, out))


def test_repr_is_micrographs_at_full_precision():
    """Each Value prints as micrograd's Value holding the same two numbers prints."""
    micrograd = pytest.importorskip("micrograd.engine")
    from tests.engine.test_value_torch import micrograd_more_ops

    def as_micrograd(v):
        twin = micrograd.Value(v.data)
        if v.grad != 0:  # (micrograd starts from the int 0, and prints it so)
            twin.grad = v.grad
        return repr(twin)

    a, b = Value(-4.0), Value(2.0)
    assert repr(a) == repr(micrograd.Value(-4.0)) == "Value(data=-4.0, grad=0)"
    g = micrograd_more_ops(a, b)
    g.backward()
    for v in topological_order(g):
        assert repr(v) == as_micrograd(v)
    neuron = lecture_neuron(Value)
    neuron["o"].backward()
    assert repr(neuron["o"]) == f"Value(data={math.tanh(0.8813735870195432)!r}, grad=1.0)"
    assert repr(neuron["x1"]) == f"Value(data=2.0, grad={-3.0 * (1 - math.tanh(0.8813735870195432) ** 2)!r})"
