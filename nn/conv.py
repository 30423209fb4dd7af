"""Layers for images, PyTorch's layout (N, C, H, W): `Conv2d`, `MaxPool2d`, `AvgPool2d`, and `Flatten`
to hand their output to dense layers. Each is one call of the engine's op of the same name."""

from __future__ import annotations

from typing import Any

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
