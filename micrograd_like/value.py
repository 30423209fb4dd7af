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

_ONE_ONE = (1.0, 1.0)
_ONE_MINUS_ONE = (1.0, -1.0)


def _number(data: Any) -> float:
    if isinstance(data, Real) and not isinstance(data, Value):
        return float(data)
    if isinstance(data, Value):
        raise TypeError("Value(...) got a Value; use the Value itself, or Value(v.data) for a detached copy")
    hint = "; for arrays use micrograd_like.Tensor" if isinstance(data, (list, tuple)) or hasattr(data, "shape") else ""
    raise TypeError(f"Value needs a real number, got {type(data).__name__} {data!r}{hint}")


class Value(Node):
    """A scalar node of a computation graph.

    `data` is the number, `grad` is d(root)/d(self) after `root.backward()`,
    `parents` are the Values it was computed from, `local_grads` the partial derivative
    of `data` with respect to each parent, `op` the operation's name, `label` a name for drawing.
    """

    __slots__ = ("data", "grad", "parents", "local_grads", "op", "label", "scope")
    NO_GRAD = 0.0

    def __init__(self, data: Any, _parents: tuple = (), _op: str = "", label: str = "",
                 _local_grads: tuple = ()) -> None:
        self.data = data if type(data) is float else _number(data)
        self.grad = 0.0
        self.op = _op
        self.label = label
        if _parents and RECORDING.enabled:
            self.parents = _parents
            self.local_grads = _local_grads
        else:
            self.parents = self.local_grads = ()
        self.scope = RECORDING.scope

    def _chain_rule(self) -> None:
        grad = self.grad
        for parent, local in zip(self.parents, self.local_grads):
            parent.grad += local * grad

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
        return Value(self.data + other.data, (self, other), "+", "", _ONE_ONE)

    def __sub__(self, other: Any) -> Value:
        """x - y.   d/dx = 1,  d/dy = -1."""
        other = other if type(other) is Value else _as_value(other)
        if other is NotImplemented:
            return other
        return Value(self.data - other.data, (self, other), "-", "", _ONE_MINUS_ONE)

    def __mul__(self, other: Any) -> Value:
        """x * y.   d/dx = y,  d/dy = x."""
        other = other if type(other) is Value else _as_value(other)
        if other is NotImplemented:
            return other
        return Value(self.data * other.data, (self, other), "*", "", (other.data, self.data))

    def __pow__(self, other: Any) -> Value:
        """x ** n for a number n:   d/dx = n x^(n-1).
        x ** y for a Value y:       d/dx = y x^(y-1),  d/dy = x^y ln x   (needs x > 0, or x = 0 and y > 0)."""
        x = self.data
        if isinstance(other, Value):
            y = other.data
            if x < 0 or (x == 0 and y <= 0):
                raise ValueError(f"pow: {x!r} ** Value({y!r}) is undefined for a Value exponent "
                                 f"(d/dy = x^y ln x needs x > 0)")
            out = _power(x, y)
            d_dy = out * math.log(x) if x > 0 else 0.0
            return Value(out, (self, other), "**", "", (y * _power(x, y - 1) if x else 0.0, d_dy))
        if not isinstance(other, Real):
            return NotImplemented
        n = float(other)
        if x == 0 and n < 1:  # e.g. sqrt at 0: the slope is infinite (or, for n = 0, zero)
            local = 0.0 if n == 0 else math.inf
        else:
            local = n * _power(x, n - 1)
        return Value(_power(x, n), (self,), f"**{other:g}", "", (local,))

    def exp(self) -> Value:
        """e^x.   d/dx = e^x."""
        if self.data > 709.782712893384:
            raise OverflowError(f"exp: exp({self.data!r}) is larger than the largest float (about 1.8e308)")
        out = math.exp(self.data)
        return Value(out, (self,), "exp", "", (out,))

    def log(self) -> Value:
        """ln x.   d/dx = 1/x   (needs x > 0)."""
        if self.data <= 0:
            raise ValueError(f"log: needs a positive number, got {self.data!r}")
        return Value(math.log(self.data), (self,), "log", "", (1.0 / self.data,))

    def tanh(self) -> Value:
        """tanh x.   d/dx = 1 - tanh(x)^2."""
        t = math.tanh(self.data)
        return Value(t, (self,), "tanh", "", (1.0 - t * t,))

    def sigmoid(self) -> Value:
        """s(x) = 1 / (1 + e^-x).   d/dx = s(x) (1 - s(x)).

        Computed from e^-|x| so that it never overflows: s(1000) = 1.0, s(-1000) = 5e-435 -> 0.0."""
        x = self.data
        e = math.exp(-abs(x))
        s = 1.0 / (1.0 + e) if x >= 0 else e / (1.0 + e)
        return Value(s, (self,), "sigmoid", "", (s * (1.0 - s),))

    def relu(self) -> Value:
        """max(0, x).   d/dx = 1 if x > 0 else 0."""
        x = self.data
        return Value(x if x > 0 else 0.0, (self,), "ReLU", "", (1.0 if x > 0 else 0.0,))

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


def _as_value(x: Any) -> Value:
    """Wrap a number as a constant Value; anything else is for another type's reflected op."""
    if isinstance(x, Value):
        return x
    if isinstance(x, Real):
        return Value(float(x))
    return NotImplemented


def _power(x: float, n: float) -> float:
    """x ** n, with clear errors instead of ZeroDivisionError or a complex number."""
    if x == 0 and n < 0:
        raise ValueError(f"pow: 0 ** {n:g} is undefined (division by zero)")
    if x < 0 and not float(n).is_integer():
        raise ValueError(f"pow: {x!r} ** {n:g} is not a real number (negative base, fractional exponent)")
    try:
        return x ** n
    except OverflowError:
        raise OverflowError(f"pow: {x!r} ** {n:g} is larger than the largest float") from None
