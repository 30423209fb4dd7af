"""Central differences over a network's weights and biases, for the tests of hand-derived gradients."""

from __future__ import annotations

import numpy as np


def numeric_gradients(loss_of_params, weights, biases, h=1e-5):
    """Central differences of ``loss_of_params(weights, biases)`` for every entry."""
    result = []
    for params in (weights, biases):
        grads = []
        for p in params:
            g = np.zeros_like(p)
            for index in np.ndindex(p.shape):
                saved = p[index]
                p[index] = saved + h
                up = loss_of_params(weights, biases)
                p[index] = saved - h
                down = loss_of_params(weights, biases)
                p[index] = saved
                g[index] = (up - down) / (2 * h)
            grads.append(g)
        result.append(grads)
    return result
