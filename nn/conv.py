"""Layers for images, PyTorch's layout (N, C, H, W): `Conv2d`, `MaxPool2d`, `AvgPool2d`, and `Flatten`
to hand their output to dense layers. Each is one call of the engine's op of the same name."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from micrograd_like import Tensor, avg_pool2d, conv2d, max_pool2d

from .init import RandomSource, make_rng
from .module import Module


def _positive(where: str, name: str, value: Any) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{where}: {name} must be a positive int, got {value!r}")
    return int(value)


def _pair(value: Any) -> tuple[int, int]:
    return (value, value) if isinstance(value, (int, np.integer)) else tuple(value)  # type: ignore[return-value]


class Conv2d(Module):
    """out = conv2d(x, weight, bias, stride, padding): `weight` of shape (out_channels, in_channels, kH, kW),
    `bias` of shape (out_channels,) (None with bias=False).

    Initialised as PyTorch's Conv2d, from `rng`: weight and bias uniform on [-1/sqrt(fan_in), 1/sqrt(fan_in)),
    fan_in = in_channels * kH * kW (PyTorch's kaiming_uniform with a = sqrt(5) gives this bound)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 bias: bool = True, rng: RandomSource = None) -> None:
        self.in_channels = _positive("Conv2d", "in_channels", in_channels)
        self.out_channels = _positive("Conv2d", "out_channels", out_channels)
        kh, kw = _pair(kernel_size)
        self.kernel_size = (_positive("Conv2d", "kernel_size", kh), _positive("Conv2d", "kernel_size", kw))
        self.stride, self.padding = stride, padding
        rng = make_rng(rng)
        bound = 1.0 / np.sqrt(in_channels * kh * kw)
        self.weight = Tensor(rng.uniform(-bound, bound, (out_channels, in_channels, kh, kw)), requires_grad=True,
                             label="weight")
        self.bias = Tensor(rng.uniform(-bound, bound, out_channels), requires_grad=True, label="bias") if bias \
            else None

    def forward(self, x: Any) -> Tensor:
        return conv2d(x, self.weight, self.bias, self.stride, self.padding)

    def extra_repr(self) -> str:
        return (f"{self.in_channels} -> {self.out_channels}, kernel {self.kernel_size}, stride {self.stride}, "
                f"padding {self.padding}" + ("" if self.bias is not None else ", no bias"))


class MaxPool2d(Module):
    """The maximum of each window (`max_pool2d`); stride defaults to the kernel size."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def forward(self, x: Any) -> Tensor:
        return max_pool2d(x, self.kernel_size, self.stride, self.padding)

    def extra_repr(self) -> str:
        return f"kernel {self.kernel_size}, stride {self.stride or self.kernel_size}"


class AvgPool2d(Module):
    """The mean of each window (`avg_pool2d`, padded zeros counted); stride defaults to the kernel size."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def forward(self, x: Any) -> Tensor:
        return avg_pool2d(x, self.kernel_size, self.stride, self.padding)

    def extra_repr(self) -> str:
        return f"kernel {self.kernel_size}, stride {self.stride or self.kernel_size}"


class Flatten(Module):
    """(N, C, H, W) -> (N, C*H*W): every axis after the batch axis joined into one."""

    def forward(self, x: Any) -> Tensor:
        x = x if isinstance(x, Tensor) else Tensor(x)
        if x.ndim < 1:
            raise ValueError(f"Flatten: expects a batch (its first axis kept), got shape {x.shape}")
        return x.reshape(x.shape[0], -1)


def conv_network(channels: Sequence[int], image_shape: Sequence[int], n_outputs: int,
                 rng: RandomSource = None) -> Module:
    """A small CNN in one call: for each entry of `channels`, a 3x3 convolution (padding 1, so the size is
    kept), ReLU and 2x2 max pooling (halving the size); then Flatten and one Linear layer to `n_outputs`.
    `image_shape` is (C, H, W). ``conv_network((8, 16), (1, 28, 28), 10)``: 28 -> 14 -> 7, 16*7*7 -> 10."""
    from .layers import Linear, ReLU, Sequential

    rng = make_rng(rng)
    c, h, w = (int(n) for n in image_shape)
    layers: list[Module] = []
    for out_channels in channels:
        if min(h, w) < 2:
            raise ValueError(f"conv_network: {len(channels)} pooling layers are too many for {tuple(image_shape)} "
                             f"images (each halves the height and width)")
        layers += [Conv2d(c, out_channels, 3, padding=1, rng=rng), ReLU(), MaxPool2d(2)]
        c, h, w = out_channels, h // 2, w // 2
    return Sequential(*layers, Flatten(), Linear(c * h * w, n_outputs, rng=rng))
