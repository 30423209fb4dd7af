"""Optimizers: `SGD` (with momentum and weight decay) and `Adam`, with PyTorch's update rules.

An optimizer holds the parameters (Tensors, or the scalar layers' Values) and, after each
``loss.backward()``, `step()` moves every parameter against its gradient. Updates write into
``p.data`` directly, so they are not part of any graph and every parameter keeps its identity
(a model's layers and the optimizer see the same objects). A parameter whose gradient is None
(no backward pass reached it) is skipped.

The learning rate is a number or a schedule: a function of the step count k (0 for the first
step) giving the rate for that step, e.g. micrograd's ``lambda k: 1.0 - 0.9 * k / 100``
(``linear_decay(1.0, 0.1, 100)``).
"""

from __future__ import annotations

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


class Optimizer:
    """What SGD and Adam share: the parameters, the learning rate or schedule, the step count."""

    def __init__(self, params: Iterable[Any], lr: LearningRate) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__}: got no parameters to optimise")
        for i, p in enumerate(self.params):
            if isinstance(p, Tensor) and not p.requires_grad:
                raise ValueError(f"{type(self).__name__}: parameter {i} (shape {p.shape}) has requires_grad=False, "
                                 f"so it would never get a gradient")
            if not isinstance(p, (Tensor, Value)):
                raise TypeError(f"{type(self).__name__}: parameter {i} is a {type(p).__name__}, "
                                f"not a Tensor or a Value")
        if not callable(lr) and not lr > 0:
            raise ValueError(f"{type(self).__name__}: the learning rate must be positive, got {lr!r}")
        self.schedule = lr if callable(lr) else (lambda k: lr)
        self.steps_taken = 0
        self.state: list[dict] = [{} for _ in self.params]  # per parameter, e.g. its momentum

    @property
    def lr(self) -> float:
        """The learning rate the next `step()` will use."""
        return float(self.schedule(self.steps_taken))

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (they accumulate across backward passes)."""
        for p in self.params:
            p.zero_grad()

    def step(self) -> None:
        """Update every parameter that has a gradient, then count the step."""
        lr = self.lr
        for p, state in zip(self.params, self.state):
            if p.grad is not None:
                p.data -= self._update(p.data, p.grad, state, lr)
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
        if momentum < 0 or weight_decay < 0:
            raise ValueError(f"SGD: momentum and weight_decay must be >= 0, got {momentum} and {weight_decay}")
        self.momentum, self.weight_decay = momentum, weight_decay

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
        if not all(0 <= b < 1 for b in betas):
            raise ValueError(f"Adam: betas must be in [0, 1), got {betas}")
        self.betas, self.eps, self.weight_decay = betas, eps, weight_decay

    def _update(self, data: Any, grad: Any, state: dict, lr: float) -> Any:
        b1, b2 = self.betas
        g = grad + self.weight_decay * data if self.weight_decay else grad
        t = state["t"] = state.get("t", 0) + 1
        state["m"] = b1 * state.get("m", 0.0) + (1 - b1) * g
        state["v"] = b2 * state.get("v", 0.0) + (1 - b2) * g * g
        return lr * (state["m"] / (1 - b1 ** t)) / (np.sqrt(state["v"] / (1 - b2 ** t)) + self.eps)
