"""The seeds, declared once: a new seed is its transcription module (plain numpy, in `seeds/`) plus
one entry here. The comparison (`compare_seed`), the reproductions, the command line's choices and
the demo all read `SEEDS`.

A reference is the loss autograd differentiates to compare with the seed's hand-derived update,
written only with primitive Tensor ops (``((a - y) ** 2).sum() / 2``, not a fused op): it receives
the network's last pre-activation z, its output a, the targets and the seed's own output delta
(as dLoss/dz), and returns the loss Tensor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from micrograd_like import Tensor

from ..losses import half_sse_loss_composed, mse_loss_composed
from . import reproduce
from .seeds import seed000_and, seed001_digits, seed002_xor, seed003_xor

ReferenceLoss = Callable[[Tensor, Tensor, np.ndarray, np.ndarray], Tensor]


@dataclass(frozen=True)
class SeedReference:
    key: str
    description: str
    loss: ReferenceLoss


@dataclass(frozen=True)
class Seed:
    """One seed tutorial: its transcription, how to compare it, and how to reproduce it.

    `default_batch()` gives (params in the seed's layout, X, y); `deltas_as_dz` turns the seed's
    deltas into dLoss/dz (its sign and layout undone); `reproduce(quick, variant)` runs its experiment
    (`variants`: the ways it can be trained, seed 001 only)."""

    name: str
    title: str
    hand_rule: str
    module: ModuleType
    activations: tuple[str, ...]
    default_batch: Callable[[], tuple[Any, np.ndarray, np.ndarray]]
    deltas_as_dz: Callable[[list[np.ndarray]], list[np.ndarray]]
    references: tuple[SeedReference, ...]
    reproduce: Callable[[bool, str | None], list[reproduce.Reproduction]]
    variants: tuple[str, ...] = ()


def _on_outputs(loss: Callable[[Any, Any], Tensor]) -> ReferenceLoss:
    return lambda z, a, y, seed_delta: loss(a, y)


def _from_seed_output_delta(z: Tensor, a: Tensor, y: np.ndarray, seed_delta: np.ndarray) -> Tensor:
    """sum(z_L * delta_seed), delta_seed a constant: its gradient at z_L is the seed's own output delta,
    so everything below the output is autograd's chain rule through x @ W + b and the activations."""
    return (z * Tensor(seed_delta)).sum()


def _seed000_batch() -> tuple[Any, np.ndarray, np.ndarray]:
    X, y = seed000_and.data()
    return seed000_and.init_params(), X[3], y[3]  # one sample, as the seed's update: (1, 1) -> 1


def _seed001_batch() -> tuple[Any, np.ndarray, np.ndarray]:
    x, y = seed001_digits.data()
    return seed001_digits.init_params(), x[:seed001_digits.BATCH_SIZE], y[:seed001_digits.BATCH_SIZE]


def _xor_batch(module: Any, **init: Any) -> Callable[[], tuple[Any, np.ndarray, np.ndarray]]:
    def batch() -> tuple[Any, np.ndarray, np.ndarray]:
        X, y = module.data()
        return module.init_params(**init), X, y
    return batch


def _run001(quick: bool, variant: str | None) -> list[reproduce.Reproduction]:
    variants = list(reproduce.SEED001_VARIANTS) if variant in (None, "all") else [variant]
    epochs = reproduce.QUICK_EPOCHS_001 if quick else seed001_digits.EPOCHS
    return [reproduce.reproduce_seed001(v, epochs=epochs) for v in variants]


SIGMOIDS = ("sigmoid", "sigmoid")
SEEDS: dict[str, Seed] = {seed.name: seed for seed in (
    Seed("seed000", "seed000: AND, 2-3-3-2 tanh/sigmoid/sigmoid, one sample (the update is per sample)",
         "W += lr * delta * input^T with delta = (y - o) * A'(o); the biases are never stepped",
         seed000_and, ("tanh", "sigmoid", "sigmoid"), _seed000_batch,
         lambda deltas: [-np.atleast_2d(d) for d in deltas],
         (SeedReference("stated", "the stated loss 1/2 sum_k (y - o_k)^2 (the AND bit against both outputs)",
                        lambda z, a, y, d: half_sse_loss_composed(a, reproduce.seed000_targets(np.atleast_2d(y)))),),
         lambda quick, variant: [reproduce.reproduce_seed000()]),
    Seed("seed001", "seed001: digits, 64-15-10 ReLU/sigmoid, one batch of 15",
         "delta_out = (a - y) * sigmoid'(a); delta = (delta_next @ W^T) * relu'(z); "
         "W -= lr * a_prev^T @ delta; b -= lr * mean(delta, 0)",
         seed001_digits, ("relu", "sigmoid"), _seed001_batch, lambda deltas: list(deltas),
         (SeedReference("stated", "the stated loss MSE.loss = mean((a - y)^2), ((a - y) ** 2).mean()",
                        _on_outputs(mse_loss_composed)),
          SeedReference("half_sse", "1/2 sum (a - y)^2, the loss MSE.prime = a - y is the derivative "
                                      "of", _on_outputs(half_sse_loss_composed)),
          SeedReference("seed_output_delta", "autograd below the output, started from the seed's own output delta "
                        "(the loss sum(z_L * delta_seed) with delta_seed a constant)", _from_seed_output_delta)),
         _run001, tuple(reproduce.SEED001_VARIANTS)),
    Seed("seed002", "seed002: XOR, 2-2-1 sigmoid, bias folded into the weights, full batch",
         "delta_K = (O - T) * sigmoid'(x_K); delta_J = (W_K^T delta_K)[:-1] * sigmoid'(x_J); "
         "W -= lr * sum_n delta [O_prev; 1]^T",
         seed002_xor, SIGMOIDS, _xor_batch(seed002_xor, seed=0), lambda deltas: [d.T for d in deltas],
         (SeedReference("stated", "the error it returns, sum (O - T)^2",
                        lambda z, a, y, d: ((a - Tensor(y)) ** 2).sum()),
          SeedReference("half_sse", "1/2 sum (O - T)^2", _on_outputs(half_sse_loss_composed))),
         lambda quick, variant: [reproduce.reproduce_seed002(stop_within=reproduce.XOR_TOLERANCE if quick else None)]),
    Seed("seed003", "seed003: XOR, 2-2-1 sigmoid, full batch",
         "d = (t - y) * y (1 - y); hidden d @ W^T * h (1 - h); W += a^T @ d; b += sum(d, 0) (rate 1)",
         seed003_xor, SIGMOIDS, _xor_batch(seed003_xor), lambda deltas: [-d for d in deltas],
         (SeedReference("stated", "the mean squared error the text names, mean((t - y)^2)",
                        _on_outputs(mse_loss_composed)),
          SeedReference("half_sse", "1/2 sum (t - y)^2", _on_outputs(half_sse_loss_composed))),
         lambda quick, variant: [reproduce.reproduce_seed003()]),
)}
