"""Optimizers refuse hyperparameters that cannot train, naming the argument and the value, and step a
parameter given twice only once."""

from __future__ import annotations

import math

import numpy as np
import pytest

from micrograd_like import Tensor, Value
from nn import SGD, Adam


def param(values):
    return Tensor(np.array(values, dtype=float), requires_grad=True)


BAD = [
    (SGD, {"lr": 0}, "lr", ValueError), (SGD, {"lr": -1}, "lr", ValueError),
    (SGD, {"lr": math.nan}, "lr", ValueError), (SGD, {"lr": math.inf}, "lr", ValueError),
    (SGD, {"lr": "0.1"}, "lr", TypeError), (SGD, {"lr": True}, "lr", TypeError),
    (SGD, {"lr": 0.1, "momentum": -0.5}, "momentum", ValueError),
    (SGD, {"lr": 0.1, "momentum": 1.0}, "momentum", ValueError),
    (SGD, {"lr": 0.1, "momentum": math.nan}, "momentum", ValueError),
    (SGD, {"lr": 0.1, "weight_decay": -1e-4}, "weight_decay", ValueError),
    (SGD, {"lr": 0.1, "weight_decay": math.inf}, "weight_decay", ValueError),
    (Adam, {"lr": -1e-3}, "lr", ValueError),
    (Adam, {"betas": (0.9, 1.0)}, r"betas\[1\]", ValueError),
    (Adam, {"betas": (-0.1, 0.999)}, r"betas\[0\]", ValueError),
    (Adam, {"betas": (math.nan, 0.999)}, r"betas\[0\]", ValueError),
    (Adam, {"betas": 0.9}, "betas", ValueError), (Adam, {"betas": (0.9,)}, "betas", ValueError),
    (Adam, {"eps": 0.0}, "eps", ValueError), (Adam, {"eps": -1e-8}, "eps", ValueError),
    (Adam, {"eps": math.nan}, "eps", ValueError),
    (Adam, {"weight_decay": -0.1}, "weight_decay", ValueError),
]


@pytest.mark.parametrize("kind, kwargs, name, error", BAD, ids=[f"{k.__name__} {a}" for k, a, _, _ in BAD])
def test_bad_hyperparameters_are_refused_naming_the_argument_and_value(kind, kwargs, name, error):
    with pytest.raises(error, match=name) as err:
        kind([param([1.0])], **kwargs)
    value = list(kwargs.values())[-1]
    shown = repr(value[0] if name == r"betas\[0\]" else value[1] if name == r"betas\[1\]" else value)
    assert shown in str(err.value)


def test_a_schedule_giving_a_bad_rate_is_refused_at_that_step():
    p = param([1.0])
    opt = SGD([p], lr=lambda k: 0.1 if k == 0 else -0.1)
    p.grad = np.array([1.0])
    opt.step()
    with pytest.raises(ValueError, match=r"learning rate of step 1.*-0\.1"):
        opt.step()
    assert p.data[0] == pytest.approx(0.9)  # the refused step changed nothing


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1), lambda ps: SGD(ps, lr=0.1, momentum=0.9),
                                  lambda ps: Adam(ps, lr=0.1)])
def test_a_parameter_given_twice_is_stepped_once(make):
    once, twice = param([1.0, 2.0]), param([1.0, 2.0])
    for p in (once, twice):
        p.grad = np.array([0.5, -1.0])
    make([once]).step()
    opt = make([twice, twice])
    opt.step()
    np.testing.assert_array_equal(twice.data, once.data)
    assert len(opt.params) == 1


def test_a_value_given_twice_is_stepped_once():
    v = Value(1.0)
    v.grad = 2.0
    SGD([v, v], lr=0.1).step()
    assert v.data == pytest.approx(0.8)
