"""Check backward() against the definition of a derivative: central finite differences.

    df/dx  ~  (f(x + eps) - f(x - eps)) / (2 eps)          error O(eps^2)

`gradcheck` checks first derivatives, `gradgradcheck` second ones (the derivative of a gradient
recorded with create_graph, against finite differences of the gradient). Both work for `Value`
inputs (each one a number) and `Tensor` inputs (each element in turn).
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .graph import grad, is_grad_enabled, no_grad
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
    inputs = _checked("gradcheck", inputs, eps)
    scalar = _scalar_of("gradcheck", f)
    for x in inputs:
        x.zero_grad()
    scalar(*inputs).backward()

    def evaluate() -> float:
        with no_grad():
            out = scalar(*inputs)
        return np.asarray(out.data).item()  # a Tensor's one element, whatever its shape: (), (1,), (1, 1)

    _compare_with_differences(inputs, [x.grad for x in inputs], evaluate, eps, atol, rtol, "")
    return True


def gradgradcheck(f: Callable[..., Any], inputs: Sequence[Any], eps: float = 1e-6,
                  atol: float = 1e-5, rtol: float = 1e-3) -> bool:
    """Compare second derivatives of `f(*inputs)` with central finite differences of its first derivatives.

    The first derivatives d f / d x_i come from `grad(..., create_graph=True)`, so they are graphs;
    they are reduced to one number, s = sum_i <w_i, d f / d x_i> with fixed random weights w_i, and
    the gradient of s (the Hessian times w) is compared, element by element, with finite differences
    of s computed from ordinary first-derivative passes. A Tensor output is first reduced as in
    `gradcheck`. Returns True, or raises `GradcheckError` naming the input, the element, both values.
    """
    inputs = _checked("gradgradcheck", inputs, eps)
    scalar = _scalar_of("gradgradcheck", f)
    rng = np.random.default_rng(1)
    weights = [rng.uniform(0.5, 1.5, np.shape(x.data)) for x in inputs]

    def weighted_sum(firsts: Sequence[Any]) -> Any:
        total: Any = 0.0
        for first, w in zip(firsts, weights):
            total = total + ((first * w).sum() if isinstance(first, (Tensor, np.ndarray)) else first * float(w))
        return total

    second = weighted_sum(grad(scalar(*inputs), inputs, create_graph=True))
    if not isinstance(second, (Value, Tensor)) or (isinstance(second, Tensor) and not second.requires_grad):
        # f is linear in every input (its first derivatives are constants): all second derivatives are 0
        analytic = [np.zeros(np.shape(x.data)) for x in inputs]
    else:
        analytic = list(grad(second, inputs))

    def evaluate() -> float:
        return float(np.asarray(weighted_sum(grad(scalar(*inputs), inputs))))

    _compare_with_differences(inputs, analytic, evaluate, eps, atol, rtol, "second derivative: ")
    return True


def _checked(name: str, inputs: Sequence[Any], eps: float) -> list:
    inputs = list(inputs)
    if not inputs:
        raise ValueError(f"{name}: needs at least one input")
    if not (isinstance(eps, (int, float)) and 0 < eps < 1):
        raise ValueError(f"{name}: eps must be a small positive number (e.g. 1e-6), got {eps!r}")
    if not is_grad_enabled():  # else every analytic gradient would be 0, and the report would blame f
        raise RuntimeError(f"{name}: called inside no_grad(), where ops record no graph to backpropagate through")
    for i, x in enumerate(inputs):
        if isinstance(x, Tensor):
            if x.dtype != np.float64:
                raise ValueError(f"{name}: input {i} is {x.dtype}; finite differences need float64 "
                                 f"(Tensor(x.data, dtype=np.float64, requires_grad=True))")
            if not x.requires_grad:
                raise ValueError(f"{name}: input {i} does not have requires_grad=True")
        elif not isinstance(x, Value):
            raise TypeError(f"{name}: input {i} is a {type(x).__name__}; inputs must be Values or Tensors")
    return inputs


def _scalar_of(name: str, f: Callable[..., Any]) -> Callable[..., Any]:
    """f, with a Tensor result of several elements reduced to sum(out * w) for fixed random weights w."""
    weights = None

    def scalar(*inputs: Any) -> Any:
        nonlocal weights
        out = f(*inputs)
        if not isinstance(out, (Value, Tensor)):
            raise TypeError(f"{name}: f must return a Value or a Tensor, got {type(out).__name__}")
        if isinstance(out, Tensor) and out.size != 1:
            if weights is None:
                weights = np.random.default_rng(0).uniform(0.5, 1.5, out.shape)
            return (out * weights).sum()
        return out

    return scalar


def _compare_with_differences(inputs: list, analytic: list, evaluate: Callable[[], float], eps: float,
                              atol: float, rtol: float, what: str) -> None:
    for i, (x, derivative) in enumerate(zip(inputs, analytic)):
        name = f"input {i}" + (f" ({x.label!r})" if x.label else "")
        if isinstance(x, Value):
            numeric = _central_difference(evaluate, lambda: x.data, lambda v: setattr(x, "data", v), eps)
            _compare(what + name, "", float(derivative), numeric, atol, rtol)
            continue
        derivative = np.zeros(x.shape) if derivative is None else derivative
        if not x.data.flags.writeable:  # guarded by a graph not backpropagated (see Tensor): nudge a copy
            x.data = x.data.copy()
        for index in np.ndindex(x.shape):
            def put(v: float, index: tuple = index) -> None:
                x.data[index] = v
            def get(index: tuple = index) -> float:
                return float(x.data[index])
            numeric = _central_difference(evaluate, get, put, eps)
            _compare(what + name, f" element {index}", float(derivative[index]), numeric, atol, rtol)


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
