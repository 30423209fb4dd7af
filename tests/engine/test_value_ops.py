"""Every scalar `Value` op: its value and derivative against the formulas of calculus, against finite
differences (gradcheck) at several points and around its edges, its errors on bad input, its numerics at
+-1000, and gradcheck itself."""

from __future__ import annotations

import math
import re
import warnings

import pytest

from micrograd_like import GradcheckError, Value, gradcheck, no_grad

LN2 = math.log(2.0)

# name, f(x) on Values (and on torch tensors: test_value_torch.py uses these too), f(x) on floats,
# f'(x) derived by hand (in a form other than the engine's), points. The points sit on both sides of
# each op's edge: relu's kink at 0, log and x^0.5 near 0, 2/x and 1/x near their pole.
ONE_INPUT_OPS = [
    ("x + 2", lambda x: x + 2, lambda x: x + 2, lambda x: 1.0, [-3.0, 0.0, 1.5]),
    ("2 + x", lambda x: 2 + x, lambda x: 2 + x, lambda x: 1.0, [-3.0, 0.0, 1.5]),
    ("x - 2", lambda x: x - 2, lambda x: x - 2, lambda x: 1.0, [-3.0, 0.0, 1.5]),
    ("1 - x", lambda x: 1 - x, lambda x: 1 - x, lambda x: -1.0, [-3.0, 0.0, 1.5]),
    ("x * 3", lambda x: x * 3, lambda x: x * 3, lambda x: 3.0, [-3.0, 0.0, 1.5]),
    ("2 * x", lambda x: 2 * x, lambda x: 2 * x, lambda x: 2.0, [-3.0, 0.0, 1.5]),
    ("x / 4", lambda x: x / 4, lambda x: x / 4, lambda x: 0.25, [-3.0, 0.0, 1.5]),
    ("2 / x", lambda x: 2 / x, lambda x: 2 / x, lambda x: -2 / (x * x), [-3.0, -0.01, 0.01, 1.5]),
    ("-x", lambda x: -x, lambda x: -x, lambda x: -1.0, [-3.0, 0.0, 1.5]),
    ("x ** 2", lambda x: x ** 2, lambda x: x * x, lambda x: 2 * x, [-3.0, 0.0, 1.5]),
    ("x ** 3", lambda x: x ** 3, lambda x: x * x * x, lambda x: 3 * x * x, [-3.0, -1e-3, 0.0, 1.5]),
    ("x ** -1", lambda x: x ** -1, lambda x: 1 / x, lambda x: -1 / (x * x), [-3.0, -0.01, 0.01, 1.5]),
    ("x ** -2", lambda x: x ** -2, lambda x: 1 / (x * x), lambda x: -2 / (x * x * x), [-3.0, 0.1, 1.5]),
    ("x ** 0.5", lambda x: x ** 0.5, math.sqrt, lambda x: 1 / (2 * math.sqrt(x)), [1e-4, 0.25, 9.0]),
    ("x ** 0", lambda x: x ** 0, lambda x: 1.0, lambda x: 0.0, [-3.0, 0.0, 1.5]),
    ("2 ** x", lambda x: 2 ** x, lambda x: 2.0 ** x, lambda x: 2.0 ** x * LN2, [-30.0, -1.0, 0.0, 3.5]),
    ("exp", lambda x: x.exp(), math.exp, math.exp, [-30.0, -1.0, 0.0, 2.0]),
    ("log", lambda x: x.log(), math.log, lambda x: 1 / x, [1e-3, 0.5, 1.0, 40.0]),
    ("tanh", lambda x: x.tanh(), math.tanh, lambda x: 1 / math.cosh(x) ** 2, [-3.0, -0.1, 0.0, 0.7, 5.0]),
    ("sigmoid", lambda x: x.sigmoid(), lambda x: 1 / (1 + math.exp(-x)),
     lambda x: math.exp(-x) / (1 + math.exp(-x)) ** 2, [-8.0, -0.5, 0.0, 0.5, 8.0]),
    ("relu", lambda x: x.relu(), lambda x: max(x, 0.0), lambda x: 1.0 if x > 0 else 0.0, [-2.0, -1e-3, 1e-3, 2.0]),
]

# name, f(x, y) on Values, f on floats, (df/dx, df/dy) by hand, points.
TWO_INPUT_OPS = [
    ("x + y", lambda x, y: x + y, lambda x, y: x + y, lambda x, y: (1.0, 1.0), [(-1.0, 2.0), (0.5, 0.0)]),
    ("x - y", lambda x, y: x - y, lambda x, y: x - y, lambda x, y: (1.0, -1.0), [(-1.0, 2.0), (0.5, 0.0)]),
    ("x * y", lambda x, y: x * y, lambda x, y: x * y, lambda x, y: (y, x), [(-1.0, 2.0), (0.5, 0.0)]),
    ("x / y", lambda x, y: x / y, lambda x, y: x / y, lambda x, y: (1 / y, -x / (y * y)),
     [(-1.0, 2.0), (0.5, -0.05), (0.0, 3.0)]),
    ("x ** y", lambda x, y: x ** y, lambda x, y: x ** y,
     lambda x, y: (y * x ** (y - 1), x ** y * math.log(x)), [(2.0, 3.0), (0.5, -1.5), (3.0, 0.5), (1.0, 2.0)]),
]


def _cases(ops):
    return [pytest.param(name, f, at, id=f"{name} at {at}") for name, f, _, _, points in ops for at in points]


def _math(ops):
    return [pytest.param(*op[1:4], at, id=f"{op[0]} at {at}") for op in ops for at in op[4]]


# ---- micrograd's API --------------------------------------------------------------------------------

def test_a_value_holds_its_number_a_zero_grad_and_a_label():
    v = Value(3, label="v")
    assert (v.data, v.grad, v.label) == (3.0, 0.0, "v")
    assert isinstance(v.data, float)
    assert Value(2.5).label == ""


def test_each_op_makes_a_node_whose_parents_are_its_inputs():
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    assert c.parents == (a, b) and c.op == "*"
    assert c._prev == {a, b} and c._op == "*"  # micrograd's names
    assert (a + 1).parents[0] is a


@pytest.mark.parametrize("f, f_math, df, at", _math(ONE_INPUT_OPS))
def test_one_input_op_value_and_derivative_match_calculus(f, f_math, df, at):
    x = Value(at)
    y = f(x)
    y.backward()
    assert y.data == pytest.approx(f_math(at), rel=1e-14, abs=1e-300)
    assert x.grad == pytest.approx(df(at), rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("f, f_math, df, at", _math(TWO_INPUT_OPS))
def test_two_input_op_value_and_partials_match_calculus(f, f_math, df, at):
    x, y = Value(at[0]), Value(at[1])
    z = f(x, y)
    z.backward()
    assert z.data == pytest.approx(f_math(*at), rel=1e-14)
    assert (x.grad, y.grad) == pytest.approx(df(*at), rel=1e-12)


def test_relu_at_its_kink_has_slope_zero_like_micrograd_and_torch():
    x = Value(0.0)
    y = x.relu()
    y.backward()
    assert (y.data, x.grad) == (0.0, 0.0)


def test_power_edges_at_zero():
    """d(x^n)/dx = n x^(n-1) at x = 0: 0 for n > 1, 1 for n = 1, infinite for 0 < n < 1 (sqrt's vertical tangent)."""
    for n, slope in [(3, 0.0), (1, 1.0), (0.5, math.inf)]:
        x = Value(0.0)
        (x ** n).backward()
        assert x.grad == slope, n
        x, y = Value(0.0), Value(float(n))
        (x ** y).backward()
        assert (x.grad, y.grad) == (slope, 0.0), n  # d/dy = x^y ln x -> 0 as x -> 0+


def test_reciprocal_of_a_tiny_number_is_finite_with_an_infinite_slope():
    """1/x at x = 1e-200 is 1e200, a float; its slope -1/x^2 = -1e400 is not, so it is -inf."""
    x = Value(1e-200)
    y = 1 / x
    y.backward()
    assert y.data == 1e200
    assert x.grad == -math.inf


# ---- finite differences -------------------------------------------------------------------------------

@pytest.mark.parametrize("name, f, at", _cases(ONE_INPUT_OPS))
def test_one_input_op_agrees_with_finite_differences(name, f, at):
    assert gradcheck(f, [Value(at, label="x")])


@pytest.mark.parametrize("name, f, at", _cases(TWO_INPUT_OPS))
def test_two_input_op_agrees_with_finite_differences(name, f, at):
    assert gradcheck(f, [Value(at[0], label="x"), Value(at[1], label="y")])


def test_a_composite_expression_agrees_with_finite_differences():
    def f(a, b, c):
        return ((a * b).tanh() + (c ** 2).log() * a - 2 / (1 + b.exp())).sigmoid() * (a ** b).relu()

    assert gradcheck(f, [Value(1.3, label="a"), Value(-0.4, label="b"), Value(0.8, label="c")])


# ---- bad input: a clear error that names the problem ---------------------------------------------------

@pytest.mark.parametrize("bad, words", [
    ("abc", ["real number", "str", "'abc'"]),
    (None, ["real number", "NoneType"]),
    ([1, 2], ["real number", "list", "[1, 2]", "Tensor"]),
])
def test_value_of_something_that_is_not_a_number(bad, words):
    with pytest.raises(TypeError) as error:
        Value(bad)
    for word in words:
        assert word in str(error.value)


def test_value_of_a_value_says_what_to_do_instead():
    with pytest.raises(TypeError, match=r"got a Value.*Value\(v\.data\)"):
        Value(Value(1.0))


@pytest.mark.parametrize("make, error, pattern", [
    (lambda: Value(0.0).log(), ValueError, r"log: needs a positive number, got 0\.0"),
    (lambda: Value(-3.0).log(), ValueError, r"log: needs a positive number, got -3\.0"),
    (lambda: Value(0) ** -1, ValueError, r"0 \*\* -1 is undefined \(division by zero\)"),
    (lambda: 0 ** Value(-1), ValueError, r"0\.0 \*\* Value\(-1\.0\) is undefined.*x > 0"),
    (lambda: 1 / Value(0.0), ValueError, r"0 \*\* -1 is undefined \(division by zero\)"),
    (lambda: Value(-8) ** (1 / 3), ValueError, r"-8\.0 \*\* 0\.333333 is not a real number \(negative base"),
    (lambda: (-8) ** Value(1 / 3), ValueError, r"-8\.0 \*\* Value\(0\.333.*needs x > 0"),
    (lambda: Value(-2) ** Value(0.5), ValueError, r"-2\.0 \*\* Value\(0\.5\) is undefined.*needs x > 0"),
    (lambda: Value(10) ** 400, OverflowError, r"10\.0 \*\* 400 is larger than the largest float"),
    (lambda: Value(1) + "a", TypeError, r"'Value' and 'str'"),
    (lambda: Value(1) * "a", TypeError, r"multiply sequence by non-int of type 'Value'"),
    (lambda: Value(1) ** "a", TypeError, r"'Value' and 'str'"),
    (lambda: "a" - Value(1), TypeError, r"'str' and 'Value'"),
], ids=["log 0", "log -3", "Value(0) ** -1", "0 ** Value(-1)", "1 / Value(0)", "Value(-8) ** (1/3)",
        "(-8) ** Value(1/3)", "Value(-2) ** Value(0.5)", "10 ** 400", "Value + str", "Value * str",
        "Value ** str", "str - Value"])
def test_bad_input_raises_an_error_that_names_the_problem(make, error, pattern):
    with pytest.raises(error, match=pattern):
        make()


# ---- numerics at +-1000 -----------------------------------------------------------------------------

@pytest.mark.parametrize("op, at, limit", [
    (Value.sigmoid, 1000.0, 1.0), (Value.sigmoid, -1000.0, 0.0),
    (Value.tanh, 1000.0, 1.0), (Value.tanh, -1000.0, -1.0),
    (Value.exp, -1000.0, 0.0),
])
def test_saturating_ops_at_1000_give_their_exact_limit_and_a_zero_slope_without_warnings(op, at, limit):
    x = Value(at)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = op(x)
        y.backward()
    assert y.data == limit
    assert x.grad == 0.0  # the true slopes (e^-1000 and smaller) are below the smallest float


def test_exp_beyond_the_largest_float_is_a_clear_overflow_error():
    assert math.isfinite(Value(709.0).exp().data)
    with pytest.raises(OverflowError, match=r"exp\(1000\.0\) is larger than the largest float"):
        Value(1000.0).exp()


# ---- gradcheck itself ----------------------------------------------------------------------------------

class TanhWithWrongSlope(Value):
    """A Value whose tanh has the slope 2 instead of 1 - tanh^2: 2x plus a constant that carries no gradient."""

    def tanh(self) -> Value:
        return self * 2 + (math.tanh(self.data) - 2 * self.data)


def _reported_values(message: str) -> tuple[float, float]:
    match = re.search(r"analytic gradient (\S+), finite differences (\S+) ", message)
    assert match, message
    return float(match.group(1)), float(match.group(2))


def test_gradcheck_catches_a_wrong_derivative_and_names_the_input_and_both_values():
    x = TanhWithWrongSlope(0.5, label="x")
    with pytest.raises(GradcheckError) as error:
        gradcheck(lambda x: x.tanh(), [x])
    message = str(error.value)
    assert "'x'" in message
    analytic, numeric = _reported_values(message)
    assert analytic == 2.0
    assert numeric == pytest.approx(1 / math.cosh(0.5) ** 2, rel=1e-8)


def test_gradcheck_names_the_one_input_whose_gradient_is_wrong(monkeypatch):
    def sigmoid_with_wrong_slope(self):  # slope s instead of s (1 - s)
        s = 1 / (1 + math.exp(-self.data))
        return self * s + (s - s * self.data)

    monkeypatch.setattr(Value, "sigmoid", sigmoid_with_wrong_slope)
    a, b = Value(0.3, label="a"), Value(-1.2, label="b")
    with pytest.raises(GradcheckError, match=r"input 1 \('b'\)"):
        gradcheck(lambda a, b: a + b.sigmoid(), [a, b])
    assert gradcheck(lambda a, b: a * b, [a, b])  # the check itself is fine


def test_gradcheck_leaves_inputs_exactly_as_they_were_and_holding_the_analytic_gradient():
    a, b = Value(0.1), Value(1 / 3)  # x + eps - eps != x for these: the originals must be put back
    assert gradcheck(lambda a, b: a * b + a.exp(), [a, b])
    assert (a.data, b.data) == (0.1, 1 / 3)
    assert (a.grad, b.grad) == pytest.approx((1 / 3 + math.exp(0.1), 0.1), rel=1e-15)

    wrong = TanhWithWrongSlope(0.1)
    with pytest.raises(GradcheckError):
        gradcheck(lambda x: x.tanh(), [wrong])
    assert wrong.data == 0.1


def test_gradcheck_starts_from_zero_grads():
    x = Value(2.0)
    x.grad = 123.0  # left over from an earlier pass
    assert gradcheck(lambda x: x * x, [x])
    assert x.grad == 4.0


def test_gradcheck_rejects_what_it_cannot_check():
    with pytest.raises(ValueError, match="at least one input"):
        gradcheck(lambda: Value(1.0), [])
    with pytest.raises(TypeError, match=r"input 1 is a float"):
        gradcheck(lambda a, b: a * b, [Value(1.0), 2.0])
    with pytest.raises(TypeError, match=r"must return a Value or a Tensor, got float"):
        gradcheck(lambda a: a.data * 2, [Value(1.0)])
    with no_grad(), pytest.raises(RuntimeError, match=r"inside no_grad\(\)"):
        gradcheck(lambda a: a * 2, [Value(1.0)])
