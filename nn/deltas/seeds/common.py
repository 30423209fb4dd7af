"""What the seed transcriptions have in common: one update of a hand-derived rule, not applied."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class SeedUpdate:
    """A seed's hand-derived quantities for one update on one batch, computed but not applied.

    Every array is in the seed's own layout and with the seed's own sign, one entry per layer,
    first layer first:

    - ``deltas``: the per-layer deltas exactly as the seed computes them;
    - ``weight_steps``/``bias_steps``: what the seed multiplies by the learning rate;
    - ``weight_updates``/``bias_updates``: what the seed *adds* to each parameter
      (``W_new = W + weight_update``), i.e. the steps after the learning rate and sign;
    - ``lr``: the learning rate the updates were computed with;
    - ``loss``: the seed's stated loss on this batch, before the update.

    The "implied gradient" of a parameter is ``-update / lr``: the gradient that plain gradient
    descent would have to follow to make the same step.
    """

    deltas: list[np.ndarray]
    weight_steps: list[np.ndarray]
    bias_steps: list[np.ndarray]
    weight_updates: list[np.ndarray]
    bias_updates: list[np.ndarray]
    lr: float
    loss: float

    def implied_weight_gradients(self) -> list[np.ndarray]:
        """``-weight_update / lr`` per layer, in the seed's layout."""
        return [-update / self.lr for update in self.weight_updates]

    def implied_bias_gradients(self) -> list[np.ndarray]:
        """``-bias_update / lr`` per layer, in the seed's layout."""
        return [-update / self.lr for update in self.bias_updates]
