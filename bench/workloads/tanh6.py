"""Workload 6: tanh's sixth derivative at x = 1, built by six create_graph passes (DeZero's step 35).

d = tanh(x); then six times d = d(d)/dx with the pass recorded, so the sixth derivative is a graph
that could be differentiated again. Ours with `Value` and with a 0-d `Tensor` (`grad(...,
create_graph=True)`) against DeZero (`y.backward(create_graph=True)`, then `gx = x.grad;
x.cleargrad(); gx.backward(create_graph=True)` five times, as its step 35 does). All must give the
same number. DeZero's last release (0.0.13) uses `np.int`, gone from current numpy: it is set back
before DeZero is imported.
"""

from __future__ import annotations

import importlib.util

import numpy as np
from common import Check, Results, ratio_target, time_line, timed

HAS_DEZERO = importlib.util.find_spec("dezero") is not None
TITLE = "tanh's sixth derivative at x = 1 by repeated create_graph passes (DeZero's step 35)"
IMPORTS = ("numpy", "micrograd_like")
SYSTEMS = ("ours Value", "ours Tensor") + (("dezero",) if HAS_DEZERO else ())
ROUNDS = 5
ORDER = 6
TARGET = 0.5  # ours / DeZero


def _ours(kind: str):
    from micrograd_like import Tensor, Value, grad

    def sixth() -> float:
        x = Value(1.0) if kind == "Value" else Tensor(np.array(1.0), requires_grad=True)
        d = x.tanh()
        for _ in range(ORDER):
            (d,) = grad(d, [x], create_graph=True)
        return float(d.data)

    return sixth


def _dezero():
    np.int = int  # type: ignore[attr-defined]  # DeZero 0.0.13 still uses it
    import dezero.functions as F
    from dezero import Variable

    def sixth() -> float:
        x = Variable(np.array(1.0))
        y = F.tanh(x)
        y.backward(create_graph=True)
        for _ in range(ORDER - 1):
            gx = x.grad
            x.cleargrad()
            gx.backward(create_graph=True)
        return float(x.grad.data)

    return sixth


def measure(system: str, quick: bool) -> dict:
    sixth = _dezero() if system == "dezero" else _ours(system.split()[1])
    value = sixth()
    return {"sixth_s": timed(sixth, warmup=2, repeats=5 if quick else 30), "value": value}


def report(results: Results) -> list:
    lines = [time_line(results, system, "sixth_s", "6th derivative") for system in SYSTEMS]
    if HAS_DEZERO:
        lines += [ratio_target(results, "sixth_s", system, "dezero", TARGET, f"{system} / dezero")
                  for system in SYSTEMS[:2]]
    # d^6/dx^6 tanh x = -16 t (1 - t^2)(17 - 60 t^2 + 45 t^4) for t = tanh x (sympy agrees)
    t = np.tanh(1.0)
    closed_form = -16 * (1 - t * t) * t * (17 - 60 * t * t + 45 * t ** 4)
    for system in SYSTEMS:
        value = results.first(system, "value")
        if value is not None:
            lines.append(Check(f"{system} = closed form", f"{value:.15g} vs {closed_form:.15g}",
                               abs(value - closed_form) <= 1e-12 * abs(closed_form)))
    return lines
