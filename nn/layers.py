"""Layers on Tensors: `Linear`, the activations, `Sequential`, and `dense_network` to build one in a call.

Samples are rows: a batch of inputs has shape (batch, n_in), and a layer computes ``x @ W + b``
with W of shape (n_in, n_out), the layout of the seed tutorials.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from micrograd_like import Tensor, linear

from .init import RandomSource, initial_weights, make_rng
from .module import Module


class Linear(Module):
    """y = x @ weight + bias, with `weight` of shape (n_in, n_out) and `bias` of shape (n_out,):
    one `linear` node in the graph.

    The initial arrays are drawn by `init` (a scheme of `nn.init`) from `rng`, or given as `weight`
    and `bias` (copied). Freeze a part with ``layer.freeze("bias")``.
    """

    def __init__(self, n_in: int, n_out: int, init: str = "xavier", rng: RandomSource = None,
                 weight: Any = None, bias: Any = None) -> None:
        for name, n in (("n_in", n_in), ("n_out", n_out)):
            if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
                raise ValueError(f"Linear: {name} must be a positive int, got {n!r}")
        if weight is None or bias is None:
            drawn_weight, drawn_bias = initial_weights(init, n_in, n_out, rng)
        weight = drawn_weight if weight is None else _given(weight, (n_in, n_out), "weight")
        bias = drawn_bias if bias is None else _given(bias, (n_out,), "bias")
        self.weight = Tensor(weight, requires_grad=True, label="weight")
        self.bias = Tensor(bias, requires_grad=True, label="bias")
        self.n_in, self.n_out = int(n_in), int(n_out)

    def forward(self, x: Any) -> Tensor:
        x = x if isinstance(x, Tensor) else Tensor(x)
        if x.ndim == 0 or x.shape[-1] != self.n_in:
            raise ValueError(f"Linear({self.n_in} -> {self.n_out}): expects inputs with {self.n_in} features "
                             f"in the last axis, got shape {x.shape}")
        return linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        frozen = [name for name, t in (("weight", self.weight), ("bias", self.bias)) if not t.requires_grad]
        return f"{self.n_in} -> {self.n_out}" + (f", frozen {frozen}" if frozen else "")


def _given(array: Any, shape: tuple, name: str) -> np.ndarray:
    array = np.array(array, dtype=np.float64)
    if array.shape != shape:
        raise ValueError(f"Linear: the given {name} has shape {array.shape}, expected {shape}")
    return array


class ReLU(Module):
    """max(0, x), elementwise."""

    def forward(self, x: Tensor) -> Tensor:
        return x.relu()


class Tanh(Module):
    """tanh(x), elementwise."""

    def forward(self, x: Tensor) -> Tensor:
        return x.tanh()


class Sigmoid(Module):
    """1 / (1 + e^-x), elementwise."""

    def forward(self, x: Tensor) -> Tensor:
        return x.sigmoid()


class Identity(Module):
    """x, unchanged (a layer with no activation)."""

    def forward(self, x: Tensor) -> Tensor:
        return x


ACTIVATIONS: dict[str, type[Module]] = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid, "identity": Identity}


class Sequential(Module):
    """Modules applied one after the other: ``Sequential(Linear(2, 4), Tanh(), Linear(4, 1))``."""

    def __init__(self, *layers: Module) -> None:
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError(f"Sequential: item {i} is a {type(layer).__name__}, not a Module")
        self.layers = list(layers)
        for i, layer in enumerate(self.layers):
            # distinct names, so that a drawn graph shows each layer as its own group
            layer._scope_name = f"{type(layer).__name__} {i}"

    def forward(self, x: Any) -> Any:
        for layer in self.layers:
            x = layer(x)
        return x

    def __getitem__(self, i: int) -> Module:
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)


def dense_network(sizes: Sequence[int], activations: Sequence[str | None], init: str = "xavier",
                  rng: RandomSource = None) -> Sequential:
    """Linear layers of `sizes` (inputs first), each followed by its activation, in one call.

    ``dense_network((64, 15, 10), ("relu", "sigmoid"))`` is seed 001's network:
    ``Sequential(Linear(64, 15), ReLU(), Linear(15, 10), Sigmoid())``. An activation is one of
    "relu", "tanh", "sigmoid", "identity" (None means identity). The layers are initialised in
    order from one generator, so a seed gives the same network every time.
    """
    sizes, activations = list(sizes), list(activations)
    if len(sizes) < 2:
        raise ValueError(f"dense_network: needs at least two sizes (inputs and outputs), got {sizes}")
    if len(activations) != len(sizes) - 1:
        raise ValueError(f"dense_network: {len(sizes)} sizes make {len(sizes) - 1} layers, "
                         f"but {len(activations)} activations were given: {activations}")
    unknown = [a for a in activations if a is not None and a not in ACTIVATIONS]
    if unknown:
        raise ValueError(f"dense_network: unknown activation(s) {unknown}; choose from {list(ACTIVATIONS)}")
    rng = make_rng(rng)
    layers: list[Module] = []
    for n_in, n_out, activation in zip(sizes, sizes[1:], activations):
        layers.append(Linear(n_in, n_out, init=init, rng=rng))
        layers.append(ACTIVATIONS[activation or "identity"]())
    return Sequential(*layers)
