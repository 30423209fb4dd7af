"""Optimizers: `SGD` (with momentum and weight decay) and `Adam`, with PyTorch's update rules.

An optimizer holds the parameters (Tensors, or the scalar layers' Values) and, after each
``loss.backward()``, `step()` moves every parameter against its gradient. Updates write into
``p.data`` directly, so they are not part of any graph and every parameter keeps its identity
(a model's layers and the optimizer see the same objects). (A step taken while a graph that
has not been backpropagated yet still needs the old weights gives the parameter a new array
instead, so that graph's gradient stays the gradient of what it computed.) A parameter whose gradient is None
(no backward pass reached it) is skipped.

The learning rate is a number or a schedule: a function of the step count k (0 for the first
step) giving the rate for that step, e.g. micrograd's ``lambda k: 1.0 - 0.9 * k / 100``
(``linear_decay(1.0, 0.1, 100)``).
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any, Callable, Iterable, Union

import numpy as np

from micrograd_like import Tensor, Value

LearningRate = Union[float, Callable[[int], float]]


def linear_decay(start: float, end: float, steps: int) -> Callable[[int], float]:
    """A schedule going in a straight line from `start` (step 0) to `end` (step `steps`), then staying
    at `end`. ``linear_decay(1.0, 0.1, 100)`` is micrograd's demo: lr = 1.0 - 0.9 * k / 100."""
    if steps <= 0:
        raise ValueError(f"linear_decay: steps must be positive, got {steps}")
    return lambda k: start + (end - start) * min(k, steps) / steps


def _checked(optimizer: str, name: str, value: Any, low: float, high: float = math.inf,
             low_included: bool = True) -> float:
    """`value` as a float if it is a real number in [low, high) (or (low, high)), else a ValueError naming it."""
    interval = f"{'[' if low_included else '('}{low:g}, {high:g})"
    if not isinstance(value, Real) or isinstance(value, bool):
        raise TypeError(f"{optimizer}: {name} must be a number in {interval}, got {type(value).__name__} {value!r}")
    number = float(value)
    if not (number >= low if low_included else number > low) or not number < high:
        raise ValueError(f"{optimizer}: {name} must be a number in {interval}, got {value!r}")
    return number


class Optimizer:
    """What SGD and Adam share: the parameters, the learning rate or schedule, the step count.

    A parameter listed twice (e.g. a tied weight passed in two lists) is kept once, so it is stepped once.
    Every hyperparameter is checked when the optimizer is made (a schedule's rates when they are used):
    an error names the argument and the value."""

    def __init__(self, params: Iterable[Any], lr: LearningRate) -> None:
        unique: dict[int, Any] = {}
        for p in params:
            unique.setdefault(id(p), p)
        self.params = list(unique.values())
        if not self.params:
            raise ValueError(f"{type(self).__name__}: got no parameters to optimise")
        for i, p in enumerate(self.params):
            if isinstance(p, Tensor) and not p.requires_grad:
                raise ValueError(f"{type(self).__name__}: parameter {i} (shape {p.shape}) has requires_grad=False, "
                                 f"so it would never get a gradient")
            if not isinstance(p, (Tensor, Value)):
                raise TypeError(f"{type(self).__name__}: parameter {i} is a {type(p).__name__}, "
                                f"not a Tensor or a Value")
        if not callable(lr):
            _checked(type(self).__name__, "lr (the learning rate)", lr, 0.0, low_included=False)
        self.schedule = lr if callable(lr) else (lambda k: lr)
        self.steps_taken = 0
        self.state: list[dict] = [{} for _ in self.params]  # per parameter, e.g. its momentum

    @property
    def lr(self) -> float:
        """The learning rate the next `step()` will use."""
        return _checked(type(self).__name__, f"the learning rate of step {self.steps_taken} (from the schedule)",
                        self.schedule(self.steps_taken), 0.0, low_included=False)

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (they accumulate across backward passes)."""
        for p in self.params:
            p.zero_grad()

    def step(self) -> None:
        """Update every parameter that has a gradient, then count the step."""
        lr = self.lr
        for p, state in zip(self.params, self.state):
            if p.grad is not None:
                update = self._update(p.data, p.grad, state, lr)
                if isinstance(p, Value) or p.data.flags.writeable:
                    p.data -= update  # in place: the usual case, after backward()
                else:  # a graph not yet backpropagated reads this array (see Tensor): leave it, use a new one
                    p.data = p.data - update
        self.steps_taken += 1

    def _update(self, data: Any, grad: Any, state: dict, lr: float) -> Any:
        """The amount to subtract from one parameter."""
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent, as `torch.optim.SGD` (no dampening, no Nesterov):

        g = grad + weight_decay * p
        v = g                    on the first step,  v = momentum * v + g  after
        p = p - lr * v           (v = g when momentum is 0)
    """

    def __init__(self, params: Iterable[Any], lr: LearningRate, momentum: float = 0.0,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, lr)
        self.momentum = _checked("SGD", "momentum", momentum, 0.0, 1.0)
        self.weight_decay = _checked("SGD", "weight_decay", weight_decay, 0.0)

    def _update(self, data: Any, grad: Any, state: dict, lr: float) -> Any:
        g = grad + self.weight_decay * data if self.weight_decay else grad
        if self.momentum:
            # a new array every step (0 * nothing + g on the first), never an alias of p.grad
            state["velocity"] = self.momentum * state.get("velocity", 0.0) + g
            g = state["velocity"]
        return lr * g


class Adam(Optimizer):
    """Adam (Kingma and Ba), as `torch.optim.Adam`: running means of the gradient and of its square,
    corrected for their start at zero, t counting this parameter's updates from 1:

        g = grad + weight_decay * p
        m = b1 m + (1 - b1) g,      v = b2 v + (1 - b2) g^2
        p = p - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
    """

    def __init__(self, params: Iterable[Any], lr: LearningRate = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"Adam: betas must be a pair (beta1, beta2), e.g. (0.9, 0.999), got {betas!r}")
        self.betas = tuple(_checked("Adam", f"betas[{i}]", b, 0.0, 1.0) for i, b in enumerate(betas))
        self.eps = _checked("Adam", "eps", eps, 0.0, low_included=False)
        self.weight_decay = _checked("Adam", "weight_decay", weight_decay, 0.0)

    def _update(self, data: Any, grad: Any, state: dict, lr: float) -> Any:
        b1, b2 = self.betas
        g = grad + self.weight_decay * data if self.weight_decay else grad
        t = state["t"] = state.get("t", 0) + 1
        state["m"] = b1 * state.get("m", 0.0) + (1 - b1) * g
        state["v"] = b2 * state.get("v", 0.0) + (1 - b2) * g * g
        return lr * (state["m"] / (1 - b1 ** t)) / (np.sqrt(state["v"] / (1 - b2 ** t)) + self.eps)
