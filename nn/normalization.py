"""Layers that behave differently in training and in evaluation (`Module.train()` / `Module.eval()`):
`Dropout`, `BatchNorm1d` and `BatchNorm2d`, as PyTorch defines them."""

from __future__ import annotations

from typing import Any

import numpy as np

from micrograd_like import Tensor

from .init import RandomSource, make_rng
from .module import Module


class Dropout(Module):
    """Inverted dropout: while training, each element is zeroed with probability p and the others are
    scaled by 1 / (1 - p), so the expected output equals the input; in evaluation, the identity.
    The masks are drawn from `rng` (seeded: the same masks every run)."""

    def __init__(self, p: float = 0.5, rng: RandomSource = None) -> None:
        if not isinstance(p, (int, float, np.floating)) or isinstance(p, bool) or not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be a probability in [0, 1], got {p!r}")
        self.p = float(p)
        self._rng = make_rng(rng)

    def forward(self, x: Any) -> Tensor:
        x = x if isinstance(x, Tensor) else Tensor(x)
        if not self.training or self.p == 0.0:
            return x
        if self.p == 1.0:
            return x * np.zeros(x.shape, x.dtype)
        keep = self._rng.random(x.shape) >= self.p
        return x * (keep / (1.0 - self.p)).astype(x.dtype)

    def extra_repr(self) -> str:
        return f"p={self.p:g}"


class _BatchNorm(Module):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, per channel (axis 1).

    Training: mean and var are the batch's (over every axis but the channels; var the biased,
    population variance), and the running statistics move towards them:
    running = (1 - momentum) running + momentum * batch statistic, with the *unbiased* variance
    (n / (n - 1) var), as PyTorch. Evaluation: the running mean and variance are used instead.
    `weight` (ones) and `bias` (zeros) are trained; `running_mean` (zeros) and `running_var` (ones)
    are buffers: saved and loaded with the weights, never trained."""

    _buffer_names = ("running_mean", "running_var")
    _ndims: tuple[int, ...] = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1) -> None:
        if not isinstance(num_features, (int, np.integer)) or isinstance(num_features, bool) or num_features < 1:
            raise ValueError(f"{type(self).__name__}: num_features must be a positive int, got {num_features!r}")
        self.num_features, self.eps, self.momentum = int(num_features), float(eps), float(momentum)
        self.weight = Tensor(np.ones(num_features), requires_grad=True, label="weight")
        self.bias = Tensor(np.zeros(num_features), requires_grad=True, label="bias")
        self.running_mean = Tensor(np.zeros(num_features), label="running_mean")
        self.running_var = Tensor(np.ones(num_features), label="running_var")

    def forward(self, x: Any) -> Tensor:
        x = x if isinstance(x, Tensor) else Tensor(x)
        name = type(self).__name__
        if x.ndim not in self._ndims or x.shape[1] != self.num_features:
            shapes = " or ".join(("(N, C)", "(N, C, L)", "(N, C, H, W)")[n - 2] for n in self._ndims)
            raise ValueError(f"{name}({self.num_features}): expects inputs of shape {shapes} with C = "
                             f"{self.num_features}, got shape {x.shape}")
        axes = (0,) + tuple(range(2, x.ndim))  # every axis but the channels
        channel = (1, self.num_features) + (1,) * (x.ndim - 2)  # a per-channel vector, broadcastable against x
        if self.training:
            n = x.size // self.num_features
            if n < 2:
                raise ValueError(f"{name}: training needs more than one value per channel to estimate a variance, "
                                 f"got input shape {x.shape} (use a larger batch, or eval())")
            mean, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
            m = self.momentum
            self.running_mean.data[...] = (1 - m) * self.running_mean.data + m * mean.data.reshape(-1)
            self.running_var.data[...] = (1 - m) * self.running_var.data + m * var.data.reshape(-1) * n / (n - 1)
        else:
            mean, var = self.running_mean.reshape(channel), self.running_var.reshape(channel)
        x_hat = (x - mean) / (var + self.eps).sqrt()
        return x_hat * self.weight.reshape(channel) + self.bias.reshape(channel)

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps:g}, momentum={self.momentum:g}"


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of features: inputs (N, C) or (N, C, L). See `_BatchNorm`."""

    _ndims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of image channels: inputs (N, C, H, W), statistics over N, H and W."""

    _ndims = (4,)
