"""Check backward() against the definition of a derivative: central finite differences.

    df/dx  ~  (f(x + eps) - f(x - eps)) / (2 eps)          error O(eps^2)

Works for `Value` inputs (each one a number) and `Tensor` inputs (each element in turn).
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .graph import is_grad_enabled, no_grad
from .tensor import Tensor
from .value import Value


class GradcheckError(AssertionError):
    """Raised by `gradcheck` when autograd and finite differences disagree."""


def gradcheck(f: Callable[..., Any], inputs: Sequence[Any], eps: float = 1e-6,
              atol: float = 1e-5, rtol: float = 1e-3) -> bool:
    """Compare the gradient of `f(*inputs)` from `backward()` with central finite differences.

    `f` returns a `Value`, or a `Tensor`; a Tensor with more than one element is reduced to a
    number as sum(out * w) with fixed random weights w, so every output element is checked.
    Each input's gradient must satisfy |analytic - numeric| <= atol + rtol * |numeric|.
    Tensor inputs must be float64 (float32 is too coarse for eps = 1e-6).

    Returns True, or raises `GradcheckError` naming the input, the element, and both values.
    The inputs' `.grad` are left holding the analytic gradient.
    """
    inputs = list(inputs)
    if not inputs:
        raise ValueError("gradcheck: needs at least one input")
    if not is_grad_enabled():  # else every analytic gradient would be 0, and the report would blame f
        raise RuntimeError("gradcheck: called inside no_grad(), where ops record no graph to backpropagate through")
    for i, x in enumerate(inputs):
        if isinstance(x, Tensor):
            if x.dtype != np.float64:
                raise ValueError(f"gradcheck: input {i} is {x.dtype}; finite differences need float64 "
                                 f"(Tensor(x.data, dtype=np.float64, requires_grad=True))")
            if not x.requires_grad:
                raise ValueError(f"gradcheck: input {i} does not have requires_grad=True")
        elif not isinstance(x, Value):
            raise TypeError(f"gradcheck: input {i} is a {type(x).__name__}; inputs must be Values or Tensors")

    weights = None

    def scalar(out: Any) -> Any:
        nonlocal weights
        if isinstance(out, Tensor) and out.size != 1:
            if weights is None:
                weights = np.random.default_rng(0).uniform(0.5, 1.5, out.shape)
            return (out * weights).sum()
        if not isinstance(out, (Value, Tensor)):
            raise TypeError(f"gradcheck: f must return a Value or a Tensor, got {type(out).__name__}")
        return out

    for x in inputs:
        x.zero_grad()
    scalar(f(*inputs)).backward()

    def evaluate() -> float:
        with no_grad():
            out = scalar(f(*inputs))
        return np.asarray(out.data).item()  # a Tensor's one element, whatever its shape: (), (1,), (1, 1)

    for i, x in enumerate(inputs):
        name = f"input {i}" + (f" ({x.label!r})" if x.label else "")
        if isinstance(x, Value):
            numeric = _central_difference(evaluate, lambda: x.data, lambda v: setattr(x, "data", v), eps)
            _compare(name, "", x.grad, numeric, atol, rtol)
            continue
        analytic = np.zeros(x.shape) if x.grad is None else x.grad
        for index in np.ndindex(x.shape):
            def put(v: float, index: tuple = index) -> None:
                x.data[index] = v
            numeric = _central_difference(evaluate, lambda index=index: float(x.data[index]), put, eps)
            _compare(name, f" element {index}", float(analytic[index]), numeric, atol, rtol)
    return True


def _central_difference(evaluate: Callable[[], float], get: Callable[[], float],
                        put: Callable[[float], None], eps: float) -> float:
    original = get()
    try:
        put(original + eps)
        up = evaluate()
        put(original - eps)
        down = evaluate()
    finally:
        put(original)  # the input is left exactly as it was
    return (up - down) / (2 * eps)


def _compare(name: str, where: str, analytic: float, numeric: float, atol: float, rtol: float) -> None:
    if not abs(analytic - numeric) <= atol + rtol * abs(numeric):
        raise GradcheckError(f"gradcheck failed for {name}{where}: analytic gradient {analytic!r}, "
                             f"finite differences {numeric!r} (difference {abs(analytic - numeric):.3g})")
