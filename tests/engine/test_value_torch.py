"""`Value` against PyTorch (float64): micrograd's own two comparisons (its test/test_engine.py; the same
code runs on our Values and on torch tensors), then every op, its reflected forms and Value ** Value,
at the points test_value_ops.py uses."""

from __future__ import annotations

import pytest

from micrograd_like import Value  # was: from micrograd.engine import Value
from tests.engine.test_value_ops import ONE_INPUT_OPS, TWO_INPUT_OPS

torch = pytest.importorskip("torch")


def leaf(x: float):
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


def micrograd_sanity_check(x):
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    return y


def micrograd_more_ops(a, b):
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return g


def test_micrograd_sanity_check():
    xmg, xpt = Value(-4.0), leaf(-4.0)
    ymg, ypt = micrograd_sanity_check(xmg), micrograd_sanity_check(xpt)
    ymg.backward()
    ypt.backward()
    assert ymg.data == ypt.item()
    assert xmg.grad == xpt.grad.item()


def test_micrograd_more_ops():
    amg, bmg = Value(-4.0), Value(2.0)
    apt, bpt = leaf(-4.0), leaf(2.0)
    gmg, gpt = micrograd_more_ops(amg, bmg), micrograd_more_ops(apt, bpt)
    gmg.backward()
    gpt.backward()
    # micrograd asks for 1e-6; the same float64 arithmetic gives far closer than that
    assert gmg.data == pytest.approx(gpt.item(), rel=1e-13)
    assert amg.grad == pytest.approx(apt.grad.item(), rel=1e-13)
    assert bmg.grad == pytest.approx(bpt.grad.item(), rel=1e-13)


@pytest.mark.parametrize("f, at", [pytest.param(op[1], at, id=f"{op[0]} at {at}")
                                   for op in ONE_INPUT_OPS for at in op[4]])
def test_one_input_op_matches_torch(f, at):
    x, t = Value(at), leaf(at)
    y, u = f(x), f(t)
    y.backward()
    u.backward()
    assert y.data == pytest.approx(u.item(), rel=1e-13, abs=1e-300)
    assert x.grad == pytest.approx(t.grad.item(), rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("f, at", [pytest.param(op[1], at, id=f"{op[0]} at {at}")
                                   for op in TWO_INPUT_OPS for at in op[4]])
def test_two_input_op_matches_torch(f, at):
    x, y = Value(at[0]), Value(at[1])
    s, t = leaf(at[0]), leaf(at[1])
    z, u = f(x, y), f(s, t)
    z.backward()
    u.backward()
    assert z.data == pytest.approx(u.item(), rel=1e-13)
    assert (x.grad, y.grad) == pytest.approx((s.grad.item(), t.grad.item()), rel=1e-12)


FAR_OUT = [(op, at) for op in ["relu", "tanh", "sigmoid", "exp"] for at in [-1000.0, 0.0, 1000.0]
           if (op, at) != ("exp", 1000.0)]  # e^1000 is no float: Value raises OverflowError, torch gives inf


@pytest.mark.parametrize("op, at", FAR_OUT)
def test_ops_at_their_kinks_and_far_out_match_torch(op, at):
    x, t = Value(at), leaf(at)
    y, u = getattr(x, op)(), getattr(t, op)()
    y.backward()
    u.backward()
    assert (y.data, x.grad) == (u.item(), t.grad.item())


def test_value_to_the_power_of_a_value_matches_torch_pow():
    x, y = Value(1.7), Value(-0.6)
    s, t = leaf(1.7), leaf(-0.6)
    z = (x ** y) * y ** 2 + 3 ** (x * y)
    u = torch.pow(s, t) * t ** 2 + 3 ** (s * t)
    z.backward()
    u.backward()
    assert z.data == pytest.approx(u.item(), rel=1e-13)
    assert (x.grad, y.grad) == pytest.approx((s.grad.item(), t.grad.item()), rel=1e-12)
