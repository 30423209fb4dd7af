"""micrograd's scalar layers, on `Value`s: `Neuron`, `Layer`, `MLP(nin, nouts)`.

Same behaviour as micrograd (weights uniform in [-1, 1) from Python's `random`, bias 0,
ReLU hidden layers, a linear output layer, a one-output layer returns a bare Value), so
micrograd code runs with only its imports changed.
"""

from __future__ import annotations

import random
from typing import Any, Sequence

from micrograd_like import Value

from .module import Module


class Neuron(Module):
    """relu(w . x + b), or w . x + b when `nonlin` is False."""

    def __init__(self, nin: int, nonlin: bool = True) -> None:
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)
        self.nonlin = nonlin

    def forward(self, x: Sequence[Any]) -> Value:
        if len(x) != len(self.w):
            raise ValueError(f"Neuron: expected {len(self.w)} inputs, got {len(x)}")
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.relu() if self.nonlin else act

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(Module):
    """`nout` neurons that all see the same inputs."""

    def __init__(self, nin: int, nout: int, **kwargs: Any) -> None:
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]
        for i, n in enumerate(self.neurons):
            n._scope_name = f"neuron {i}"

    def forward(self, x: Sequence[Any]) -> Any:
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """Layers of sizes nin -> nouts[0] -> ... -> nouts[-1]; ReLU everywhere but the last layer."""

    def __init__(self, nin: int, nouts: Sequence[int]) -> None:
        sizes = [nin] + list(nouts)
        self.layers = [Layer(sizes[i], sizes[i + 1], nonlin=i != len(nouts) - 1) for i in range(len(nouts))]
        for i, layer in enumerate(self.layers):
            layer._scope_name = f"layer {i}"

    def forward(self, x: Sequence[Any]) -> Any:
        for layer in self.layers:
            # A one-neuron layer returns a bare Value (micrograd's behaviour); the next layer wants a list.
            x = layer(x if isinstance(x, (list, tuple)) else [x])
        return x

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
