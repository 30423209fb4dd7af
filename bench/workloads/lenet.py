"""Workload 5: one SGD step of LeNet-5 on a float32 batch of 64 28x28 images, single-threaded.

conv 1->6 5x5 pad 2, ReLU, max pool 2, conv 6->16 5x5, ReLU, max pool 2, flatten, 400-120-84-10 (ReLU
between), softmax cross-entropy (mean over the batch). Ours vs PyTorch CPU vs DeZero (its conv2d and
pooling, im2col-based as ours; its last release needs ``numpy.int = int`` on current numpy). Random data,
seeded; every system starts from the same weights, so the first losses must agree.
"""

from __future__ import annotations

import importlib.util

import numpy as np
from common import Check, Results, has_torch, ratio_target, time_line, timed

TITLE = "LeNet-5, batch 64 of 1x28x28, float32, softmax cross-entropy: one SGD step"


def has_dezero() -> bool:
    return importlib.util.find_spec("dezero") is not None


IMPORTS = ("numpy", "micrograd_like") + (("torch",) if has_torch() else ())
SYSTEMS = ("ours",) + (("torch",) if has_torch() else ()) + (("dezero",) if has_dezero() else ())
ROUNDS = 5
BATCH = 64
LR = 0.01
SHAPES = ((6, 1, 5, 5), (6,), (16, 6, 5, 5), (16,), (400, 120), (120,), (120, 84), (84,), (84, 10), (10,))


def _data() -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Images, labels, and the 10 parameters (PyTorch-style uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)))."""
    rng = np.random.default_rng(0)
    x = rng.random((BATCH, 1, 28, 28), dtype=np.float32)
    labels = rng.integers(0, 10, BATCH)
    params, fan_in = [], 1
    for shape in SHAPES:
        fan_in = int(np.prod(shape[1:])) if len(shape) == 4 else shape[0] if len(shape) == 2 else fan_in
        bound = 1 / np.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, shape).astype(np.float32))
    return x, labels, params


def _ours(x, labels, params):
    from micrograd_like import Tensor, conv2d, linear, max_pool2d, no_grad

    x = Tensor(x)
    rows = np.arange(BATCH)
    c1, cb1, c2, cb2, W1, b1, W2, b2, W3, b3 = params = [Tensor(p, requires_grad=True) for p in params]

    def step() -> float:
        h = max_pool2d(conv2d(x, c1, cb1, padding=2).relu(), 2)
        h = max_pool2d(conv2d(h, c2, cb2).relu(), 2).reshape(BATCH, 400)
        h = linear(linear(h, W1, b1).relu(), W2, b2).relu()
        loss = -linear(h, W3, b3).log_softmax(axis=1)[rows, labels].mean()
        loss.backward()
        with no_grad():
            for p in params:
                p.data -= LR * p.grad
                p.grad = None
        return loss.item()

    return step


def _torch(x, labels, params):
    import torch
    import torch.nn.functional as F

    x, labels = torch.from_numpy(x), torch.from_numpy(labels)
    c1, cb1, c2, cb2, W1, b1, W2, b2, W3, b3 = params = [torch.tensor(p, requires_grad=True) for p in params]

    def step() -> float:
        h = F.max_pool2d(F.relu(F.conv2d(x, c1, cb1, padding=2)), 2)
        h = F.max_pool2d(F.relu(F.conv2d(h, c2, cb2)), 2).reshape(BATCH, 400)
        h = F.relu(torch.addmm(b2, F.relu(torch.addmm(b1, h, W1)), W2))
        loss = F.cross_entropy(torch.addmm(b3, h, W3), labels)
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= LR * p.grad
                p.grad = None
        return loss.item()

    return step


def _dezero(x, labels, params):
    np.int = int  # type: ignore[attr-defined]  # dezero 0.0.13 still uses the alias numpy removed
    import dezero
    import dezero.functions as F

    c1, cb1, c2, cb2, W1, b1, W2, b2, W3, b3 = params = [dezero.Parameter(p.copy()) for p in params]

    def step() -> float:
        h = F.pooling(F.relu(F.conv2d(x, c1, cb1, pad=2)), 2, 2)
        h = F.pooling(F.relu(F.conv2d(h, c2, cb2)), 2, 2).reshape(BATCH, 400)
        h = F.relu(F.linear(F.relu(F.linear(h, W1, b1)), W2, b2))
        loss = F.softmax_cross_entropy(F.linear(h, W3, b3), labels)
        for p in params:
            p.cleargrad()
        loss.backward()
        for p in params:
            p.data -= LR * p.grad.data
        return float(loss.data)

    return step


def measure(system: str, quick: bool) -> dict:
    x, labels, params = _data()
    step = {"ours": _ours, "torch": _torch, "dezero": _dezero}[system](x, labels, params)
    loss1 = step()
    return {"step_s": timed(step, warmup=1, repeats=3 if quick else 15), "loss1": loss1}


def report(results: Results) -> list:
    lines: list = [time_line(results, system, "step_s", "step") for system in SYSTEMS]
    if "torch" in SYSTEMS:
        lines.append(ratio_target(results, "step_s", "ours", "torch", 2.0))
    if "dezero" in SYSTEMS:
        lines.append(ratio_target(results, "step_s", "ours", "dezero", 0.35))
    reference = results.first("ours", "loss1")
    for system in SYSTEMS[1:]:
        loss = results.first(system, "loss1")
        if loss is not None and reference is not None:
            lines.append(Check(f"{system} loss = ours", f"step 1: {loss:.7g} vs {reference:.7g}",
                               abs(loss - reference) <= 1e-5 * abs(reference)))
    return lines
