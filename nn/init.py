"""Initial weights by name, drawn from a seeded numpy random generator.

Each scheme gives a weight matrix of shape (n_in, n_out) and a bias of shape (n_out,), drawn in
that order (weight, then bias), layer after layer:

==============  ===========================================  ============================  =================
scheme          weight                                       bias                          used by
==============  ===========================================  ============================  =================
``uniform``     uniform on [0, 1)                            uniform on [0, 1)             seeds 000 and 003
``normal``      normal, mean 0, standard deviation 0.1       the same                      seed 002
``xavier``      standard normal / sqrt(n_in)                 zeros                         seed 001
``he``          standard normal * sqrt(2 / n_in)             zeros                         ReLU networks
``micrograd``   uniform on [-1, 1)                           zeros                         micrograd's Neuron
==============  ===========================================  ============================  =================

``xavier`` keeps the variance of ``x @ W`` equal to that of one input; ``he`` doubles it to make up
for the half of a ReLU layer's outputs that are zero. The generator may also be a legacy
``np.random.RandomState``: ``RandomState(100)`` with ``uniform`` draws exactly what seed 000's
``np.random.seed(100); np.random.rand(...)`` draws.
"""

from __future__ import annotations

from typing import Callable, Union

import numpy as np

RandomSource = Union[np.random.Generator, np.random.RandomState, int, None]


def make_rng(rng: RandomSource) -> np.random.Generator | np.random.RandomState:
    """A generator as given, or `np.random.default_rng(rng)` for a seed (an int) or None (fresh entropy)."""
    if isinstance(rng, (np.random.Generator, np.random.RandomState)):
        return rng
    if rng is None or (isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) and rng >= 0):
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be a numpy Generator, a RandomState, a non-negative int seed or None; got {rng!r}")


def _zeros(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.zeros(n)


# scheme -> (draw a weight of a given shape, draw a bias of length n)
_SCHEMES: dict[str, tuple[Callable, Callable]] = {
    "uniform": (lambda rng, shape: rng.random(shape), lambda rng, n: rng.random(n)),
    "normal": (lambda rng, shape: rng.normal(0.0, 0.1, shape), lambda rng, n: rng.normal(0.0, 0.1, n)),
    "xavier": (lambda rng, shape: rng.standard_normal(shape) / np.sqrt(shape[0]), _zeros),
    "he": (lambda rng, shape: rng.standard_normal(shape) * np.sqrt(2.0 / shape[0]), _zeros),
    "micrograd": (lambda rng, shape: rng.uniform(-1.0, 1.0, shape), _zeros),
}
SCHEMES = tuple(_SCHEMES)


def initial_weights(scheme: str, n_in: int, n_out: int,
                    rng: RandomSource = None) -> tuple[np.ndarray, np.ndarray]:
    """(weight of shape (n_in, n_out), bias of shape (n_out,)) drawn by `scheme` (see the table above)."""
    if scheme not in _SCHEMES:
        raise ValueError(f"unknown initialisation {scheme!r}; choose one of {SCHEMES}")
    draw_weight, draw_bias = _SCHEMES[scheme]
    rng = make_rng(rng)
    weight = np.asarray(draw_weight(rng, (n_in, n_out)), dtype=np.float64)
    return weight, np.asarray(draw_bias(rng, n_out), dtype=np.float64)
