"""`Value`: a scalar that remembers how it was computed, and backpropagates through it.

Each op below computes its result and, in the same line, the *local derivatives* of the
result with respect to each parent. Backward is then one rule for every op:

    parent.grad += local_derivative * node.grad          (the chain rule)

`backward(create_graph=True)` takes the same step with Value ops (the derivatives as formulas of
the node, `slopes`), so each grad is itself a graph that can be differentiated again.

Because a node stores plain numbers and module-level functions rather than a closure that points
back at it, a graph holds no reference cycles: it is freed the moment its root is dropped.

The same numbers make a graph immune to a student's ``v.data = ...`` between the forward pass and
``backward()``: the gradient is that of the forward pass computed. Only `slopes` (create_graph)
recomputes the derivatives from the operands' current data; it refuses if they changed (`_same_slopes`).
"""

from __future__ import annotations

import math
from decimal import Decimal
from numbers import Real
from typing import Any

from .graph import RECORDING, Node, recording


def _number(data: Any, what: str = "Value") -> float:
    if isinstance(data, Real) and not isinstance(data, Value):
        return float(data)  # (a Fraction is a Real too: exact, then rounded once to the nearest float)
    if isinstance(data, Decimal):
        raise decimal_refused(what, data)
    if isinstance(data, Value):
        raise TypeError(f"{what} got a Value; use the Value itself, or Value(v.data) for a detached copy")
    hint = "; for arrays use micrograd_like.Tensor" if isinstance(data, (list, tuple)) or hasattr(data, "shape") else ""
    raise TypeError(f"{what} needs a real number, got {type(data).__name__} {data!r}{hint}")


class Value(Node):
    """A scalar node of a computation graph.

    `data` is the number, `grad` is d(root)/d(self) after `root.backward()`, `op` the name of
    the operation that made it, `label` a name for drawing. An op's operands are `x` and `y`
    (`y` is None for a one-operand op, both None for a leaf) and `dx`, `dy` are the local
    derivatives d(data)/dx and d(data)/dy, computed by the op together with `data`.
    `slopes` is None when those derivatives are constants (+, -, relu); otherwise it gives them
    as recorded Values of this node and its operands, which is what `backward(create_graph=True)`
    multiplies by, so that a gradient can itself be differentiated.

    Operands are kept in slots rather than a tuple so that a node is one object: the cycle
    collector (which visits every live object) then has half as much to walk over while a
    graph is being built. `parents` gives them as a tuple.
    """

    __slots__ = ("data", "grad", "x", "y", "dx", "dy", "slopes", "op", "label", "scope")
    NO_GRAD = 0.0

    def __init__(self, data: Any, _children: tuple = (), _op: str = "", label: str = "") -> None:
        # micrograd's signature; ops build their results with `_result`, which also records dx, dy.
        if len(_children) > 2:
            raise ValueError(f"Value: an op has at most two operands, got {len(_children)}")
        self.data = data if type(data) is float else _number(data)
        self.grad: Any = 0.0  # a float, or a Value after backward(create_graph=True)
        self.op = _op
        self.label = label
        self.scope = RECORDING.scope
        if _children and (not RECORDING.off or recording()):
            self.x, self.y = (tuple(_children) + (None, None))[:2]
        else:  # a leaf (every constant an op wraps, first)
            self.x = self.y = None
        self.dx = self.dy = 0.0
        self.slopes = None

    @property
    def parents(self) -> tuple:
        """The operands this value was computed from: (), (x,) or (x, y)."""
        if self.x is None:
            return ()
        return (self.x,) if self.y is None else (self.x, self.y)

    def _chain_rule(self, create_graph: bool = False) -> None:
        """x.grad += dx * grad (and y.grad += dy * grad): this node's step of the chain rule."""
        if create_graph:
            return self._recorded_chain_rule()
        grad = self.grad
        if self.x is not None:
            self.x.grad += self.dx * grad
            if self.y is not None:
                self.y.grad += self.dy * grad

    def _recorded_chain_rule(self) -> None:
        """The same step, computed with Value ops so that it is part of the graph."""
        if self.x is None:
            return
        dx, dy = (self.dx, self.dy) if self.slopes is None else self.slopes(self)
        if self.slopes is not None:
            _same_slopes(self, dx, dy)
        _accumulate(self.x, dx, self.grad)
        if self.y is not None:
            _accumulate(self.y, dy, self.grad)

    def _seed_grad(self, grad: Any = None, create_graph: bool = False) -> None:
        seed = 1.0 if grad is None else grad if isinstance(grad, Value) else _number(grad, "backward: grad")
        if create_graph and type(seed) is float:
            seed = Value(seed)
        current = self.grad
        self.grad = seed if type(current) is float and current == 0.0 else current + seed

    def _grad_or_zero(self, create_graph: bool) -> Any:
        """This node's grad, as a Value if the pass recorded one (0 where nothing flowed)."""
        return Value(self.grad) if create_graph and not isinstance(self.grad, Value) else self.grad

    def zero_grad(self) -> None:
        self.grad = 0.0

    # ---- core ops: result and local derivatives side by side ------------------------------
    # Each op passes its derivatives as numbers (for backward) and, where they are not constants,
    # as a `slopes` function giving the same formulas as Value ops (for create_graph).

    def __add__(self, other: Any) -> Value:
        """x + y.   d/dx = 1,  d/dy = 1."""
        other = other if type(other) is Value else _as_value(other)
        if other is NotImplemented:
            return other
        return _result(self.data + other.data, "+", self, 1.0, other, 1.0)

    def __sub__(self, other: Any) -> Value:
        """x - y.   d/dx = 1,  d/dy = -1."""
        other = other if type(other) is Value else _as_value(other)
        if other is NotImplemented:
            return other
        return _result(self.data - other.data, "-", self, 1.0, other, -1.0)

    def __mul__(self, other: Any) -> Value:
        """x * y.   d/dx = y,  d/dy = x."""
        other = other if type(other) is Value else _as_value(other)
        if other is NotImplemented:
            return other
        return _result(self.data * other.data, "*", self, other.data, other, self.data, _mul_slopes)

    def __pow__(self, other: Any) -> Value:
        """x ** n for a number n:   d/dx = n x^(n-1).
        x ** y for a Value y:       d/dx = y x^(y-1),  d/dy = x^y ln x   (needs x > 0, or x = 0 and y > 0)."""
        x = self.data
        if isinstance(other, Value):
            y = other.data
            if x < 0 or (x == 0 and y <= 0):
                raise ValueError(f"pow: {x!r} ** Value({y!r}) is undefined for a Value exponent "
                                 f"(d/dy = x^y ln x needs x > 0)")
            out, d_dx = _power_and_slope(x, y)
            d_dy = out * math.log(x) if x > 0 else 0.0  # x^y ln x -> 0 as x -> 0+ when y > 0
            return _result(out, "**", self, d_dx, other, d_dy, _pow_slopes)
        if not isinstance(other, Real):
            return _as_value(other)  # NotImplemented, or the Decimal error
        n = float(other)
        out, d_dx = _power_and_slope(x, n)
        # (with no second operand, dy keeps the exponent, for `_power_n_slopes`)
        return _result(out, f"**{n:g}", self, d_dx, None, n, _power_n_slopes)

    def exp(self) -> Value:
        """e^x.   d/dx = e^x."""
        if self.data > 709.782712893384:
            raise OverflowError(f"exp: exp({self.data!r}) is larger than the largest float (about 1.8e308)")
        out = math.exp(self.data)
        return _result(out, "exp", self, out, None, 0.0, _exp_slopes)

    def log(self) -> Value:
        """ln x.   d/dx = 1/x   (needs x > 0)."""
        if self.data <= 0:
            raise ValueError(f"log: needs a positive number, got {self.data!r}")
        return _result(math.log(self.data), "log", self, 1.0 / self.data, None, 0.0, _log_slopes)

    def tanh(self) -> Value:
        """tanh x.   d/dx = 1 - tanh(x)^2."""
        t = math.tanh(self.data)
        return _result(t, "tanh", self, 1.0 - t * t, None, 0.0, _tanh_slopes)

    def sigmoid(self) -> Value:
        """s(x) = 1 / (1 + e^-x).   d/dx = s(x) (1 - s(x)).

        Computed from e^-|x| so that it never overflows: s(1000) = 1.0, s(-1000) = 5e-435 -> 0.0."""
        x = self.data
        e = math.exp(-abs(x))
        s = 1.0 / (1.0 + e) if x >= 0 else e / (1.0 + e)
        return _result(s, "sigmoid", self, s * (1.0 - s), None, 0.0, _sigmoid_slopes)

    def relu(self) -> Value:
        """max(0, x).   d/dx = 1 if x > 0 else 0."""
        x = self.data
        return _result(x if x > 0 else 0.0, "ReLU", self, 1.0 if x > 0 else 0.0)

    # ---- everything else is written with the ops above -------------------------------------

    def __neg__(self) -> Value:
        return self * -1.0

    def __radd__(self, other: Any) -> Value:
        return self + other

    def __rsub__(self, other: Any) -> Value:
        other = _as_value(other)
        return other if other is NotImplemented else other - self

    def __rmul__(self, other: Any) -> Value:
        return self * other

    def __truediv__(self, other: Any) -> Value:
        other = _as_value(other)
        return other if other is NotImplemented else self * other ** -1

    def __rtruediv__(self, other: Any) -> Value:
        other = _as_value(other)
        return other if other is NotImplemented else other * self ** -1

    def __rpow__(self, other: Any) -> Value:
        other = _as_value(other)
        return other if other is NotImplemented else other ** self

    def __repr__(self) -> str:
        # micrograd's form, at full precision, so a student's numbers match the lecture's
        label = f", label={self.label!r}" if self.label else ""
        grad = "0" if type(self.grad) is float and self.grad == 0 else repr(self.grad)
        return f"Value(data={self.data!r}, grad={grad}{label})"


_new = object.__new__


def _result(data: float, op: str, x: Value, dx: float, y: Value | None = None, dy: float = 0.0,
            slopes: Any = None) -> Value:
    """The result of an op on x (and y), with its local derivatives; records no graph under no_grad."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.op = op
    out.label = ""
    out.scope = RECORDING.scope
    if not RECORDING.off or recording():
        out.x, out.dx, out.y, out.dy, out.slopes = x, dx, y, dy, slopes
    else:
        out.x = out.y = out.slopes = None
        out.dx = out.dy = 0.0
    return out


# ---- the local derivatives as Value ops, for create_graph --------------------------------
# The same formulas as the numbers each op above computes, written with the node `out` and its
# operands, so that backward(create_graph=True) records them (and they have derivatives too).

def _mul_slopes(out: Value) -> tuple:
    return out.y, out.x                                             # d/dx = y,  d/dy = x


def _pow_slopes(out: Value) -> tuple:
    x, y = out.x, out.y                                             # d/dx = y x^(y-1),  d/dy = x^y ln x
    return y * x ** (y - 1), (out * x.log() if x.data > 0 else 0.0)


def _power_n_slopes(out: Value) -> tuple:
    n = out.dy                                                      # d/dx = n x^(n-1)
    return (n * out.x ** (n - 1) if n != 0 else 0.0), 0.0


def _exp_slopes(out: Value) -> tuple:
    return out, 0.0                                                 # d/dx = e^x


def _log_slopes(out: Value) -> tuple:
    return out.x ** -1, 0.0                                         # d/dx = 1/x


def _tanh_slopes(out: Value) -> tuple:
    return 1 - out * out, 0.0                                       # d/dx = 1 - tanh(x)^2


def _sigmoid_slopes(out: Value) -> tuple:
    return out * (1 - out), 0.0                                     # d/dx = s (1 - s)


def _same_slopes(out: Value, dx: Any, dy: Any) -> None:
    """Refuse a create_graph step whose recorded slopes differ from the numbers the forward pass computed.

    An ordinary backward pass is immune to ``v.data = ...`` between forward and backward (it uses the
    numbers dx, dy stored at forward time). `slopes` recomputes them from the operands' current data,
    so a changed operand would silently give the derivative at other numbers: the two must agree."""
    for stored, recorded in ((out.dx, dx), (out.dy if out.y is not None else None, dy)):
        if stored is None:
            continue
        now = recorded.data if isinstance(recorded, Value) else recorded
        if now != stored and not (now != now and stored != stored):  # (nan == nan here)
            raise RuntimeError(f"backward(create_graph=True): a value needed for the gradient of {out.op!r} was "
                               f"modified in place (an operand's .data changed after the forward pass: the slope "
                               f"was {stored!r}, it is now {now!r}); compute the forward pass again, "
                               f"or modify a copy")


def _accumulate(node: Value, slope: Any, grad: Any) -> None:
    """node.grad += slope * grad, recorded when either is a Value; a zero contribution adds nothing."""
    contribution = grad if type(slope) is float and slope == 1.0 else slope * grad
    if type(contribution) is float and contribution == 0.0:
        return
    current = node.grad
    node.grad = contribution if type(current) is float and current == 0.0 else current + contribution


def _as_value(x: Any) -> Value:
    """Wrap a number as a constant Value; anything else is for another type's reflected op."""
    if isinstance(x, Value):
        return x
    if isinstance(x, Real):
        return Value(float(x))
    if isinstance(x, Decimal):
        raise decimal_refused("Value", x)
    return NotImplemented


def decimal_refused(what: str, number: Decimal) -> TypeError:
    """The error for a Decimal operand. (Not a Real: Python itself refuses Decimal + float, since a decimal
    fraction has no exact binary float; the engine computes in floats, so the rounding is the user's call.)"""
    return TypeError(f"{what}: got Decimal {str(number)!r}, which the engine does not convert silently "
                     f"(it computes in binary floats); pass float({str(number)!r}) or a Fraction")


def _power_and_slope(x: float, n: float) -> tuple[float, float]:
    """x ** n and its slope n x^(n-1), with clear errors instead of ZeroDivisionError or a complex number.

    The slope is infinite where it truly is: at x = 0 for 0 < n < 1 (sqrt's tangent at 0 is vertical),
    and where n x^(n-1) is beyond the largest float although x^n is not (1/x at x = 1e-200)."""
    if x == 0 and n < 0:
        raise ValueError(f"pow: 0 ** {n:g} is undefined (division by zero)")
    if x < 0 and not float(n).is_integer():
        raise ValueError(f"pow: {x!r} ** {n:g} is not a real number (negative base, fractional exponent)")
    try:
        out = x ** n
    except OverflowError:
        raise OverflowError(f"pow: {x!r} ** {n:g} is larger than the largest float") from None
    if n == 0:
        return out, 0.0
    if x == 0 and n < 1:
        return out, math.inf
    try:
        return out, n * x ** (n - 1)
    except OverflowError:  # only when |x| < 1 and n < 1; the float division gives the infinity, with its sign
        return out, n * out / x
