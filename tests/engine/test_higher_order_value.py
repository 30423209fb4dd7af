"""Derivatives of derivatives of `Value`s: every op's second derivative against finite differences of its
first (`gradgradcheck`) and against PyTorch's double backward, third derivatives against closed forms,
and random graphs.

The op tables are test_value_ops.py's (`ONE_INPUT_OPS`, `TWO_INPUT_OPS`: every op, its reflected forms,
`Value ** Value`), at the same points, so that a new op there is checked to second order here too.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, assume, given, settings

from micrograd_like import Value, grad, gradgradcheck
from tests.engine.test_value_ops import ONE_INPUT_OPS, TWO_INPUT_OPS
from tests.engine.test_value_properties import programs, root_of, well_conditioned


def _one_input_cases():
    return [pytest.param(name, f, at, id=f"{name} at {at}") for name, f, _, _, points in ONE_INPUT_OPS
            for at in points]


def _two_input_cases():
    return [pytest.param(name, f, at, id=f"{name} at {at}") for name, f, _, _, points in TWO_INPUT_OPS for at in points]


def second_derivative(f, at: float) -> float:
    x = Value(at)
    (dx,) = grad(f(x), [x], create_graph=True)
    (d2x,) = grad(dx, [x])
    return d2x


def hessian(f, at: tuple) -> list[list[float]]:
    """[[d2f/dx dx, d2f/dx dy], [d2f/dy dx, d2f/dy dy]], each row the gradient of one first derivative."""
    x, y = Value(at[0]), Value(at[1])
    firsts = grad(f(x, y), [x, y], create_graph=True)
    return [list(grad(first, [x, y])) for first in firsts]


# ---- finite differences --------------------------------------------------------------------------------

@pytest.mark.parametrize("name, f, at", _one_input_cases())
def test_one_input_op_second_derivative_agrees_with_finite_differences(name, f, at):
    assert gradgradcheck(f, [Value(at, label="x")])


@pytest.mark.parametrize("name, f, at", _two_input_cases())
def test_two_input_op_second_derivatives_agree_with_finite_differences(name, f, at):
    assert gradgradcheck(f, [Value(at[0], label="x"), Value(at[1], label="y")])


SECOND_DERIVATIVES_BY_HAND = [
    ("x ** 3", lambda x: x ** 3, lambda x: 6 * x, 1.5),
    ("x ** -1", lambda x: x ** -1, lambda x: 2 / x ** 3, -0.7),
    ("2 / x", lambda x: 2 / x, lambda x: 4 / x ** 3, 1.3),
    ("exp", lambda x: x.exp(), math.exp, 0.4),
    ("log", lambda x: x.log(), lambda x: -1 / (x * x), 0.6),
    ("tanh", lambda x: x.tanh(), lambda x: -2 * math.tanh(x) / math.cosh(x) ** 2, 0.7),
    ("sigmoid", lambda x: x.sigmoid(),
     lambda x: math.exp(-x) * (math.exp(-x) - 1) / (1 + math.exp(-x)) ** 3, -0.5),
    ("2 ** x", lambda x: 2 ** x, lambda x: 2.0 ** x * math.log(2) ** 2, 1.5),
    ("relu", lambda x: x.relu(), lambda x: 0.0, 0.8),
]


@pytest.mark.parametrize("name, f, d2f, at", SECOND_DERIVATIVES_BY_HAND, ids=[c[0] for c in SECOND_DERIVATIVES_BY_HAND])
def test_second_derivative_matches_calculus(name, f, d2f, at):
    assert second_derivative(f, at) == pytest.approx(d2f(at), rel=1e-12, abs=1e-15)


def test_value_to_the_power_of_a_value_has_the_hessian_of_calculus():
    """z = x^y:  z_xx = y (y-1) x^(y-2),  z_xy = x^(y-1) (1 + y ln x),  z_yy = x^y (ln x)^2."""
    x, y = 1.7, -0.6
    expected = [[y * (y - 1) * x ** (y - 2), x ** (y - 1) * (1 + y * math.log(x))],
                [x ** (y - 1) * (1 + y * math.log(x)), x ** y * math.log(x) ** 2]]
    got = hessian(lambda a, b: a ** b, (x, y))
    for row, expected_row in zip(got, expected):
        assert row == pytest.approx(expected_row, rel=1e-12)


# ---- PyTorch's double backward -----------------------------------------------------------------------

def _torch_second_derivative(torch, f, at: float) -> float:
    t = torch.tensor(at, dtype=torch.float64, requires_grad=True)
    (dt,) = torch.autograd.grad(f(t), t, create_graph=True)
    if not dt.requires_grad:  # f is linear: torch's first derivative is a constant
        return 0.0
    (d2t,) = torch.autograd.grad(dt, t, allow_unused=True)
    return 0.0 if d2t is None else d2t.item()


@pytest.mark.parametrize("name, f, at", _one_input_cases())
def test_one_input_op_second_derivative_matches_torch_double_backward(name, f, at):
    torch = pytest.importorskip("torch")
    assert second_derivative(f, at) == pytest.approx(_torch_second_derivative(torch, f, at), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("name, f, at", _two_input_cases())
def test_two_input_op_hessian_matches_torch_double_backward(name, f, at):
    torch = pytest.importorskip("torch")
    s, t = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in at)
    firsts = torch.autograd.grad(f(s, t), (s, t), create_graph=True)
    theirs = []
    for first in firsts:
        if not first.requires_grad:
            theirs.append([0.0, 0.0])
            continue
        row = torch.autograd.grad(first, (s, t), allow_unused=True)
        theirs.append([0.0 if r is None else r.item() for r in row])
    ours = hessian(f, at)
    for mine, reference in zip(ours, theirs):
        assert mine == pytest.approx(reference, rel=1e-12, abs=1e-12)


# ---- third derivatives, against closed forms ----------------------------------------------------------

def nth_derivative(f, at: float, n: int) -> float:
    x = Value(at)
    d = f(x)
    for _ in range(n - 1):
        (d,) = grad(d, [x], create_graph=True)
    (last,) = grad(d, [x])
    return last


THIRD_DERIVATIVES = [
    # tanh''' = -2 (1 - t^2)(1 - 3 t^2)
    ("tanh", lambda x: x.tanh(), lambda x: -2 * (1 - math.tanh(x) ** 2) * (1 - 3 * math.tanh(x) ** 2), 0.6),
    # sigmoid''' = s (1 - s)(1 - 6 s + 6 s^2)
    ("sigmoid", lambda x: x.sigmoid(),
     lambda x: (lambda s: s * (1 - s) * (1 - 6 * s + 6 * s * s))(1 / (1 + math.exp(-x))), -0.9),
    ("x ** 3", lambda x: x ** 3, lambda x: 6.0, -1.3),
    # (e^x x^2)''' = e^x (x^2 + 6 x + 6)
    ("exp(x) * x^2", lambda x: x.exp() * x ** 2, lambda x: math.exp(x) * (x * x + 6 * x + 6), 0.8),
    # (e^(-x^2))''' = (12 x - 8 x^3) e^(-x^2)
    ("exp(-x^2)", lambda x: (-(x * x)).exp(), lambda x: (12 * x - 8 * x ** 3) * math.exp(-x * x), 0.7),
    # (log x)''' = 2 / x^3
    ("log", lambda x: x.log(), lambda x: 2 / x ** 3, 1.7),
    # (2^x)''' = 2^x (ln 2)^3, through Value ** Value with a constant base
    ("2 ** x", lambda x: 2 ** x, lambda x: 2.0 ** x * math.log(2) ** 3, 0.3),
]


@pytest.mark.parametrize("name, f, d3f, at", THIRD_DERIVATIVES, ids=[c[0] for c in THIRD_DERIVATIVES])
def test_third_derivative_matches_its_closed_form(name, f, d3f, at):
    assert nth_derivative(f, at, 3) == pytest.approx(d3f(at), rel=1e-11)


def test_fourth_derivative_of_x_to_the_fourth_is_24_and_the_fifth_is_0():
    assert nth_derivative(lambda x: x ** 4, 0.37, 4) == pytest.approx(24.0, rel=1e-14)
    assert nth_derivative(lambda x: x ** 4, 0.37, 5) == 0.0


# ---- random graphs --------------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(programs())
def test_random_graphs_second_derivatives_agree_with_finite_differences(program):
    inputs, steps = program
    assume(well_conditioned(inputs, steps))
    # second derivatives blow up where first ones are merely large: keep to gentle first derivatives
    xs = [Value(x) for x in inputs]
    assume(all(abs(g) < 50 for g in grad(root_of(steps, *xs), xs)))
    assert gradgradcheck(lambda *vs: root_of(steps, *vs), [Value(x, label=f"x{i}") for i, x in enumerate(inputs)],
                         atol=1e-4, rtol=1e-3)
