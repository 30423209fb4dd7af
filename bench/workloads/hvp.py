"""Workload 5: a Hessian-vector product of the 784-512-512-10 ReLU MLP's loss, batch 256, float32.

The double-backward trick: g = dL/dθ recorded with create_graph, then d(g . v)/dθ = H v for a fixed
random direction v over every parameter. Ours (`grad(..., create_graph=True)`, the dot product as
Tensor ops, `grad` again) against PyTorch's `torch.autograd.grad` twice, on the same network, data
and v as workload 4 (its loss: the mean over the batch of -log_softmax(logits)[row, class]).
Both must give the same H v (float32 tolerance): each child reports, per parameter, the norm of its
block of H v and its projection on a fixed random unit vector.
"""

from __future__ import annotations

import numpy as np
from common import Check, Results, has_torch, ratio_target, time_line, timed

from workloads.mlp import BATCH, _data

TITLE = "784-512-512-10 ReLU MLP, batch 256, float32: Hessian-vector product of the loss (double backward)"
IMPORTS = ("numpy", "micrograd_like") + (("torch",) if has_torch() else ())
SYSTEMS = ("ours",) + (("torch",) if has_torch() else ())
ROUNDS = 5
TARGET = 3.0  # ours / torch


def _directions(params: list[np.ndarray]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """v (the direction of the product) and u (unit vectors to project H v on, for the check), per parameter."""
    rng = np.random.default_rng(2)
    v = [rng.standard_normal(p.shape, dtype=np.float32) for p in params]
    u = [rng.standard_normal(p.shape) for p in params]
    return v, [a / np.linalg.norm(a) for a in u]


def _ours(x, labels, params, v):
    from micrograd_like import Tensor, grad, linear

    x = Tensor(x)
    rows = np.arange(BATCH)
    W1, b1, W2, b2, W3, b3 = params = [Tensor(p, requires_grad=True) for p in params]

    def hvp() -> list[np.ndarray]:
        h1 = linear(x, W1, b1).relu()
        h2 = linear(h1, W2, b2).relu()
        loss = -linear(h2, W3, b3).log_softmax(axis=1)[rows, labels].mean()
        firsts = grad(loss, params, create_graph=True)
        g_dot_v = sum(((g * d).sum() for g, d in zip(firsts, v)), Tensor(np.float32(0)))
        return list(grad(g_dot_v, params))

    return hvp


def _torch(x, labels, params, v):
    import torch

    x, labels = torch.from_numpy(x), torch.from_numpy(labels)
    rows = torch.arange(BATCH)
    W1, b1, W2, b2, W3, b3 = params = [torch.tensor(p, requires_grad=True) for p in params]
    v = [torch.from_numpy(d) for d in v]

    def hvp() -> list[np.ndarray]:
        h1 = torch.relu(torch.addmm(b1, x, W1))
        h2 = torch.relu(torch.addmm(b2, h1, W2))
        loss = -torch.log_softmax(torch.addmm(b3, h2, W3), dim=1)[rows, labels].mean()
        firsts = torch.autograd.grad(loss, params, create_graph=True)
        g_dot_v = sum((g * d).sum() for g, d in zip(firsts, v))
        return [h.numpy() for h in torch.autograd.grad(g_dot_v, params)]

    return hvp


def measure(system: str, quick: bool) -> dict:
    x, labels, params = _data()
    v, u = _directions(params)
    hvp = {"ours": _ours, "torch": _torch}[system](x, labels, params, v)
    result = hvp()
    summary = [[float(np.linalg.norm(h.astype(np.float64))), float(np.vdot(h.astype(np.float64), d))]
               for h, d in zip(result, u)]
    return {"hvp_s": timed(hvp, warmup=1, repeats=3 if quick else 10), "summary": summary}


def report(results: Results) -> list:
    lines = [time_line(results, system, "hvp_s", "H v") for system in SYSTEMS]
    if "torch" not in SYSTEMS:
        return lines
    lines.append(ratio_target(results, "hvp_s", "ours", "torch", TARGET))
    ours, theirs = results.first("ours", "summary"), results.first("torch", "summary")
    if ours is not None and theirs is not None:
        # per parameter: |H v| within 1e-3, and the projections within 1e-3 of |H v|
        worst = max(max(abs(a[0] - b[0]), abs(a[1] - b[1])) / max(b[0], 1e-30) for a, b in zip(ours, theirs))
        lines.append(Check("ours H v = torch's", f"largest relative difference {worst:.2e} (<= 1e-3)", worst <= 1e-3))
    return lines
