"""Workload 4: one SGD step of a 784-512-512-10 ReLU MLP, softmax cross-entropy, batch 256, float32.

Ours vs PyTorch vs the step's 8 bare matrix products in numpy (3 forward ``h @ W``; backward
``dW = h.T @ delta`` for the 3 layers and ``dX = delta @ W.T`` into layers 2 and 3), the floor any
engine on numpy's matmul pays. The same step hand-written in numpy is shown for reference.
The loss is the mean over the batch of -log_softmax(logits)[row, class]. Random data, seeded.
Each engine writes a layer with its library's one-node op for x @ W + b (ours `linear`, PyTorch's `addmm`).
"""

from __future__ import annotations

import itertools

import numpy as np
from common import Check, Results, has_torch, ratio_line, ratio_target, time_line, timed

TITLE = "784-512-512-10 ReLU MLP, softmax cross-entropy, batch 256, float32: one SGD step"
IMPORTS = ("numpy", "micrograd_like") + (("torch",) if has_torch() else ())
SYSTEMS = ("ours", "bare matmuls", "numpy") + (("torch",) if has_torch() else ())
ROUNDS = 5
SIZES = (784, 512, 512, 10)
BATCH = 256
LR = 0.01


def _data() -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Inputs, class labels, and He-initialised W1, b1, W2, b2, W3, b3 (float32)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, SIZES[0]), dtype=np.float32)
    labels = rng.integers(0, SIZES[-1], BATCH)
    params = []
    for n_in, n_out in itertools.pairwise(SIZES):
        params += [(rng.standard_normal((n_in, n_out), dtype=np.float32) * np.sqrt(2 / n_in)).astype(np.float32),
                   np.zeros(n_out, dtype=np.float32)]
    return x, labels, params


def _ours(x, labels, params):
    from micrograd_like import Tensor, linear, no_grad

    x = Tensor(x)
    rows = np.arange(BATCH)
    W1, b1, W2, b2, W3, b3 = params = [Tensor(p, requires_grad=True) for p in params]

    def step() -> float:
        h1 = linear(x, W1, b1).relu()
        h2 = linear(h1, W2, b2).relu()
        loss = -linear(h2, W3, b3).log_softmax(axis=1)[rows, labels].mean()
        loss.backward()
        with no_grad():
            for p in params:
                p.data -= LR * p.grad
                p.grad = None
        return loss.item()

    return step


def _torch(x, labels, params):
    import torch

    x, labels = torch.from_numpy(x), torch.from_numpy(labels)
    rows = torch.arange(BATCH)
    W1, b1, W2, b2, W3, b3 = params = [torch.tensor(p, requires_grad=True) for p in params]

    def step() -> float:
        h1 = torch.relu(torch.addmm(b1, x, W1))
        h2 = torch.relu(torch.addmm(b2, h1, W2))
        loss = -torch.log_softmax(torch.addmm(b3, h2, W3), dim=1)[rows, labels].mean()
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= LR * p.grad
                p.grad = None
        return loss.item()

    return step


def _numpy(x, labels, params):
    """The step by hand: delta3 = (softmax - onehot) / B, delta = (delta @ W.T) * (z > 0)."""
    W1, b1, W2, b2, W3, b3 = params
    onehot = np.eye(SIZES[-1], dtype=np.float32)[labels]

    def step() -> float:
        z1 = x @ W1 + b1
        h1 = np.maximum(z1, 0)
        z2 = h1 @ W2 + b2
        h2 = np.maximum(z2, 0)
        logits = h2 @ W3 + b3
        shifted = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        total = e.sum(axis=1, keepdims=True)
        loss = float(np.mean(np.log(total)[:, 0] - shifted[np.arange(BATCH), labels]))
        delta3 = (e / total - onehot) / BATCH
        delta2 = (delta3 @ W3.T) * (z2 > 0)
        delta1 = (delta2 @ W2.T) * (z1 > 0)
        for W, b, h, delta in ((W3, b3, h2, delta3), (W2, b2, h1, delta2), (W1, b1, x, delta1)):
            W -= LR * (h.T @ delta)
            b -= LR * delta.sum(0)
        return loss

    return step


def _bare_matmuls(x, labels, params):
    W1, _, W2, _, W3, _ = params
    rng = np.random.default_rng(1)
    h1, h2, g1, g2 = (rng.standard_normal((BATCH, 512), dtype=np.float32) for _ in range(4))
    g3 = rng.standard_normal((BATCH, 10), dtype=np.float32)

    def step() -> float:
        x @ W1, h1 @ W2, h2 @ W3                              # forward
        h2.T @ g3, h1.T @ g2, x.T @ g1                        # dW of the 3 layers
        g3 @ W3.T, g2 @ W2.T                                  # dX into layers 3 and 2
        return float("nan")

    return step


def measure(system: str, quick: bool) -> dict:
    x, labels, params = _data()
    step = {"ours": _ours, "torch": _torch, "numpy": _numpy, "bare matmuls": _bare_matmuls}[system](x, labels, params)
    loss1 = step()  # the warm-up step, from the initial weights
    return {"step_s": timed(step, warmup=1, repeats=3 if quick else 15), "loss1": loss1}


def report(results: Results) -> list:
    lines = [time_line(results, system, "step_s", "step") for system in SYSTEMS]
    if "torch" in SYSTEMS:
        lines.append(ratio_target(results, "step_s", "ours", "torch", 1.2))
    lines.append(ratio_target(results, "step_s", "ours", "bare matmuls", 1.3))
    lines.append(ratio_line(results, "step_s", "numpy", "bare matmuls"))
    reference = results.first("numpy", "loss1")
    for system in ("ours", "torch"):
        loss = results.first(system, "loss1")
        if loss is not None and reference is not None:
            lines.append(Check(f"{system} loss = numpy's", f"step 1: {loss:.7g} vs {reference:.7g}",
                               abs(loss - reference) <= 1e-5 * abs(reference)))
    return lines
