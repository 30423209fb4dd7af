"""`Value`: a scalar that remembers how it was computed, and backpropagates through it.

Each op below computes its result and, in the same line, the *local derivatives* of the
result with respect to each parent. Backward is then one rule for every op:

    parent.grad += local_derivative * node.grad          (the chain rule)

Because a node stores plain numbers rather than a closure that points back at it, a graph
holds no reference cycles: it is freed the moment the last reference to its root goes away.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

from .graph import RECORDING, Node


def _number(data: Any) -> float:
    if isinstance(data, Real) and not isinstance(data, Value):
        return float(data)
    if isinstance(data, Value):
        raise TypeError("Value(...) got a Value; use the Value itself, or Value(v.data) for a detached copy")
    hint = "; for arrays use micrograd_like.Tensor" if isinstance(data, (list, tuple)) or hasattr(data, "shape") else ""
    raise TypeError(f"Value needs a real number, got {type(data).__name__} {data!r}{hint}")


class Value(Node):
    """A scalar node of a computation graph.

    `data` is the number, `grad` is d(root)/d(self) after `root.backward()`, `op` the name of
    the operation that made it, `label` a name for drawing. An op's operands are `x` and `y`
    (`y` is None for a one-operand op, both None for a leaf) and `dx`, `dy` are the local
    derivatives d(data)/dx and d(data)/dy, computed by the op together with `data`.

    Operands are kept in slots rather than a tuple so that a node is one object: the cycle
    collector (which visits every live object) then has half as much to walk over while a
    graph is being built. `parents` gives them as a tuple.
    """

    __slots__ = ("data", "grad", "x", "y", "dx", "dy", "op", "label", "scope")
    NO_GRAD = 0.0

    def __init__(self, data: Any, _children: tuple = (), _op: str = "", label: str = "") -> None:
        # micrograd's signature; ops build their results with `_result`, which also records dx, dy.
        if len(_children) > 2:
            raise ValueError(f"Value: an op has at most two operands, got {len(_children)}")
        self.data = data if type(data) is float else _number(data)
        self.grad = 0.0
        self.op = _op
        self.label = label
        self.scope = RECORDING.scope
        self.x, self.y = (tuple(_children) + (None, None))[:2] if RECORDING.enabled else (None, None)
        self.dx = self.dy = 0.0

    @property
    def parents(self) -> tuple:
        """The operands this value was computed from: (), (x,) or (x, y)."""
        if self.x is None:
            return ()
        return (self.x,) if self.y is None else (self.x, self.y)

    @property
    def local_grads(self) -> tuple:
        """d(data)/d(parent) for each parent, in the order of `parents`."""
        if self.x is None:
            return ()
        return (self.dx,) if self.y is None else (self.dx, self.dy)

    def _chain_rule(self) -> None:
        grad = self.grad
        if self.x is not None:
            self.x.grad += self.dx * grad
            if self.y is not None:
                self.y.grad += self.dy * grad

    def _seed_grad(self, grad: Any) -> None:
        self.grad += 1.0 if grad is None else _number(grad)

    def zero_grad(self) -> None:
        self.grad = 0.0

    # ---- core ops: result and local derivatives side by side ------------------------------

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
        return _result(self.data * other.data, "*", self, other.data, other, self.data)

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
            return _result(out, "**", self, d_dx, other, d_dy)
        if not isinstance(other, Real):
            return NotImplemented
        out, d_dx = _power_and_slope(x, float(other))
        return _result(out, f"**{other:g}", self, d_dx)

    def exp(self) -> Value:
        """e^x.   d/dx = e^x."""
        if self.data > 709.782712893384:
            raise OverflowError(f"exp: exp({self.data!r}) is larger than the largest float (about 1.8e308)")
        out = math.exp(self.data)
        return _result(out, "exp", self, out)

    def log(self) -> Value:
        """ln x.   d/dx = 1/x   (needs x > 0)."""
        if self.data <= 0:
            raise ValueError(f"log: needs a positive number, got {self.data!r}")
        return _result(math.log(self.data), "log", self, 1.0 / self.data)

    def tanh(self) -> Value:
        """tanh x.   d/dx = 1 - tanh(x)^2."""
        t = math.tanh(self.data)
        return _result(t, "tanh", self, 1.0 - t * t)

    def sigmoid(self) -> Value:
        """s(x) = 1 / (1 + e^-x).   d/dx = s(x) (1 - s(x)).

        Computed from e^-|x| so that it never overflows: s(1000) = 1.0, s(-1000) = 5e-435 -> 0.0."""
        x = self.data
        e = math.exp(-abs(x))
        s = 1.0 / (1.0 + e) if x >= 0 else e / (1.0 + e)
        return _result(s, "sigmoid", self, s * (1.0 - s))

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
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data:g}, grad={self.grad:g}{label})"


_new = object.__new__


def _result(data: float, op: str, x: Value, dx: float, y: Value | None = None, dy: float = 0.0) -> Value:
    """The result of an op on x (and y), with its local derivatives; records no graph under no_grad."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.op = op
    out.label = ""
    out.scope = RECORDING.scope
    if RECORDING.enabled:
        out.x, out.dx, out.y, out.dy = x, dx, y, dy
    else:
        out.x = out.y = None
        out.dx = out.dy = 0.0
    return out


def _as_value(x: Any) -> Value:
    """Wrap a number as a constant Value; anything else is for another type's reflected op."""
    if isinstance(x, Value):
        return x
    if isinstance(x, Real):
        return Value(float(x))
    return NotImplemented


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
