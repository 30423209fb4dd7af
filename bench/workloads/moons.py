"""Workload 1: micrograd's demo step, ``MLP(2, [16, 16, 1])`` on 100 two-moons points, ours vs micrograd.

The loop is micrograd's demo.ipynb, only the imports differ: max-margin loss plus 1e-4 L2, forward,
``zero_grad``, backward, SGD with the demo's learning-rate schedule. Both engines draw their
weights from Python's ``random``, so with the same seed they must report the same loss at step 1.
"""

from __future__ import annotations

import random

from common import Check, Results, ratio_target, time_line, timed

TITLE = "micrograd demo step: MLP(2, [16, 16, 1]) on 100 two-moons points, forward + backward + SGD"
IMPORTS = ("numpy", "sklearn.datasets", "micrograd_like", "nn", "micrograd.engine", "micrograd.nn")
SYSTEMS = ("ours", "micrograd")
ONCE = ()
ROUNDS = 3
TARGET = 0.10


def _engine(system: str) -> tuple:
    if system == "ours":
        from micrograd_like import Value
        from nn import MLP
    else:
        from micrograd.engine import Value
        from micrograd.nn import MLP
    return Value, MLP


def measure(system: str, quick: bool) -> dict:
    from sklearn.datasets import make_moons

    Value, MLP = _engine(system)
    random.seed(1337)
    X, y = make_moons(n_samples=100, noise=0.1, random_state=1337)
    y = y * 2 - 1
    model = MLP(2, [16, 16, 1])

    def loss():  # the demo's, verbatim (full batch)
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        alpha = 1e-4
        reg_loss = alpha * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    step_losses = []

    def step() -> None:
        k = len(step_losses)
        total_loss, _ = loss()
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        step_losses.append(float(total_loss.data))

    micrograd_is_slow = system == "micrograd"
    repeats = (1 if quick else 3) if micrograd_is_slow else (2 if quick else 6)
    return {"step_s": timed(step, warmup=1, repeats=repeats), "loss1": step_losses[0]}


def report(results: Results) -> list:
    ours, theirs = results.first("ours", "loss1"), results.first("micrograd", "loss1")
    lines = [time_line(results, system, "step_s", "step") for system in SYSTEMS]
    lines.append(ratio_target(results, "step_s", "ours", "micrograd", TARGET))
    if ours is not None and theirs is not None:
        diff = abs(ours - theirs)
        lines.append(Check("same loss at step 1", f"ours {ours:.15g}  micrograd {theirs:.15g}  |diff| {diff:.1e}",
                           diff <= 1e-12 * max(1.0, abs(theirs))))
    return lines
