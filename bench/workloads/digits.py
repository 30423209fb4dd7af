"""Workload 3: Seed 001's digits network, one epoch: our Tensor vs hand-written numpy vs PyTorch.

64-15-10, ReLU then sigmoid, loss 1/2 sum (a - y)^2, 1797 sklearn digits (one-hot) in a fixed
shuffled order, batches of 15 (119 steps, the last 12 digits skipped), plain SGD with lr 1e-3.
The hand-written numpy is the exact gradient (the textbook delta rule), so after an epoch our
weights must equal its weights (to 1e-10).

Each engine writes a layer with its library's one-node op for x @ W + b (ours `linear`, PyTorch's
`addmm`) and takes its library's loss (ours `nn.half_sse_loss`, one graph node; PyTorch's
`mse_loss(reduction="sum") / 2`). "ours, ops" writes both out as ops instead, x @ W + b and
0.5 * ((a - y) ** 2).sum(), to show what the one-node ops save; it has no target.
"""

from __future__ import annotations

import numpy as np
from common import Check, Results, has_torch, ratio_line, ratio_target, time_line, timed

TITLE = "Seed 001 digits network 64-15-10, one epoch of 119 batches of 15 (float64)"
IMPORTS = ("numpy", "sklearn.datasets", "micrograd_like") + (("torch",) if has_torch() else ())
SYSTEMS = ("ours", "numpy") + (("torch",) if has_torch() else ()) + ("ours, ops",)
ROUNDS = 9
LR = 1e-3
BATCH = 15


def _data() -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """The digits in a fixed shuffled order, and Seed 001's initial W1, b1, W2, b2 (randn(in, out) / sqrt(in))."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    order = np.random.RandomState(0).permutation(len(digits.target))
    x, y = digits.data[order], np.eye(10)[digits.target[order]]
    rng = np.random.RandomState(1)
    params = []
    for n_in, n_out in ((64, 15), (15, 10)):
        params += [rng.randn(n_in, n_out) / np.sqrt(n_in), np.zeros(n_out)]
    return x, y, params


def _batches(n: int) -> list[slice]:
    return [slice(k, k + BATCH) for k in range(0, n - BATCH + 1, BATCH)]


def _ours(x, y, params, by_ops=False):
    from micrograd_like import Tensor, linear, no_grad
    from nn import half_sse_loss

    W1, b1, W2, b2 = params = [Tensor(p, requires_grad=True) for p in params]

    def epoch() -> None:
        for batch in _batches(len(x)):
            if by_ops:
                a1 = (Tensor(x[batch]) @ W1 + b1).relu()
                a2 = (a1 @ W2 + b2).sigmoid()
                loss = 0.5 * ((a2 - Tensor(y[batch])) ** 2).sum()
            else:
                a1 = linear(Tensor(x[batch]), W1, b1).relu()
                a2 = linear(a1, W2, b2).sigmoid()
                loss = half_sse_loss(a2, y[batch])
            loss.backward()
            with no_grad():
                for p in params:
                    p.data -= LR * p.grad
                    p.grad = None

    return epoch, lambda: [p.data for p in params]


def _numpy(x, y, params):
    W1, b1, W2, b2 = params

    def epoch() -> None:
        for batch in _batches(len(x)):
            xb, yb = x[batch], y[batch]
            z1 = xb @ W1 + b1
            a1 = np.maximum(z1, 0)
            a2 = 1 / (1 + np.exp(-(a1 @ W2 + b2)))
            delta2 = (a2 - yb) * a2 * (1 - a2)
            delta1 = (delta2 @ W2.T) * (z1 > 0)
            for W, b, a, delta in ((W2, b2, a1, delta2), (W1, b1, xb, delta1)):
                W -= LR * (a.T @ delta)
                b -= LR * delta.sum(0)

    return epoch, lambda: params


def _torch(x, y, params):
    import torch

    x, y = torch.from_numpy(x), torch.from_numpy(y)
    W1, b1, W2, b2 = params = [torch.tensor(p, requires_grad=True) for p in params]

    def epoch() -> None:
        for batch in _batches(len(x)):
            a1 = torch.relu(torch.addmm(b1, x[batch], W1))
            a2 = torch.sigmoid(torch.addmm(b2, a1, W2))
            loss = torch.nn.functional.mse_loss(a2, y[batch], reduction="sum") / 2
            loss.backward()
            with torch.no_grad():
                for p in params:
                    p -= LR * p.grad
                    p.grad = None

    return epoch, lambda: [p.detach().numpy() for p in params]


def measure(system: str, quick: bool) -> dict:
    x, y, params = _data()
    systems = {"ours": _ours, "numpy": _numpy, "torch": _torch,
               "ours, ops": lambda *data: _ours(*data, by_ops=True)}
    epoch, weights = systems[system](x, y, params)
    epoch()  # the first epoch is the warm-up, and the one whose weights are compared
    after_one_epoch = [w.tolist() for w in weights()]
    return {"epoch_s": timed(epoch, warmup=0, repeats=2 if quick else 10), "weights": after_one_epoch}


def _max_difference(a: list, b: list) -> float:
    return max(float(np.max(np.abs(np.array(u) - np.array(v)))) for u, v in zip(a, b))


def report(results: Results) -> list:
    lines = [time_line(results, system, "epoch_s", "epoch") for system in SYSTEMS]
    lines.append(ratio_target(results, "epoch_s", "ours", "numpy", 1.5))
    if "torch" in SYSTEMS:
        lines.append(ratio_target(results, "epoch_s", "ours", "torch", 1.0))
    lines.append(ratio_line(results, "epoch_s", "ours, ops", "numpy"))
    reference = results.first("numpy", "weights")
    for system in (s for s in SYSTEMS if s != "numpy"):
        weights = results.first(system, "weights")
        if weights is not None and reference is not None:
            diff = _max_difference(weights, reference)
            lines.append(Check(f"{system} weights = numpy's", f"max |difference| after one epoch {diff:.1e}",
                               diff <= 1e-10))
    return lines
