"""SGD and Adam against their update rules worked by hand; schedules; skipped and bad parameters.
(Several steps against torch.optim: test_nn_torch.py.)"""

from __future__ import annotations

import random

import numpy as np
import pytest

from micrograd_like import Tensor
from nn import MLP, SGD, Adam, linear_decay


def param(values):
    return Tensor(np.array(values, dtype=float), requires_grad=True)


def test_sgd_steps_against_the_gradient_in_place():
    p = param([1.0, -2.0])
    data = p.data
    (p * p).sum().backward()                  # grad = 2p = [2, -4]
    SGD([p], lr=0.1).step()
    np.testing.assert_allclose(p.data, [1.0 - 0.2, -2.0 + 0.4], rtol=1e-15)
    assert p.data is data                     # the same array, updated in place


def test_sgd_momentum_accumulates_velocity():
    p = param([1.0])
    opt = SGD([p], lr=0.1, momentum=0.9)
    p.grad = np.array([2.0])
    opt.step()                                # v = 2,              p = 1 - 0.2
    p.grad = np.array([1.0])
    opt.step()                                # v = 0.9 * 2 + 1,    p = 0.8 - 0.28
    assert p.data[0] == pytest.approx(1.0 - 0.2 - 0.1 * 2.8, rel=1e-15)


def test_sgd_momentum_is_not_disturbed_by_gradients_accumulating_in_place():
    p = param([1.0])
    opt = SGD([p], lr=0.1, momentum=0.9)
    (p * 2).sum().backward()                  # grad 2
    opt.step()
    (p * 2).sum().backward()                  # no zero_grad: the grad array becomes 4 in place
    opt.step()                                # v = 0.9 * 2 + 4 (the first velocity must still be 2)
    assert p.data[0] == pytest.approx(1.0 - 0.1 * 2 - 0.1 * (0.9 * 2 + 4), rel=1e-15)


def test_sgd_weight_decay_adds_decay_times_the_parameter():
    p = param([3.0])
    p.grad = np.array([0.5])
    SGD([p], lr=0.1, weight_decay=0.01).step()
    assert p.data[0] == pytest.approx(3.0 - 0.1 * (0.5 + 0.01 * 3.0), rel=1e-15)


def test_adams_first_step_moves_each_parameter_by_lr_against_the_gradients_sign():
    p = param([1.0, 1.0, 1.0])
    g = np.array([1e-3, -50.0, 7.0])
    p.grad = g
    Adam([p], lr=0.01, eps=1e-8).step()       # m/(1-b1) = g, v/(1-b2) = g^2: the step is lr g / (|g| + eps)
    np.testing.assert_allclose(p.data, 1.0 - 0.01 * g / (np.abs(g) + 1e-8), rtol=1e-14)
    np.testing.assert_allclose(p.data, [0.99, 1.01, 0.99], rtol=1e-6)


def test_adam_second_step_by_hand():
    p = param([0.0])
    opt = Adam([p], lr=0.1, betas=(0.5, 0.75), eps=1e-300)  # (eps must be > 0; this one changes nothing)
    p.grad = np.array([1.0])
    opt.step()
    p.grad = np.array([3.0])
    opt.step()
    m = 0.5 * 0.5 * 1 + 0.5 * 3               # 2.0
    v = 0.75 * 0.25 * 1 + 0.25 * 9            # 2.4375
    second = 0.1 * (m / (1 - 0.5 ** 2)) / np.sqrt(v / (1 - 0.75 ** 2))
    assert p.data[0] == pytest.approx(-0.1 - second, rel=1e-14)


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1, momentum=0.9), lambda ps: Adam(ps, lr=0.1)])
def test_a_parameter_without_a_gradient_is_skipped(make):
    used, unused = param([1.0]), param([5.0])
    opt = make([used, unused])
    (used * 3).sum().backward()
    opt.step()
    assert unused.grad is None and unused.data[0] == 5.0 and used.data[0] < 1.0


def test_micrograds_decaying_learning_rate():
    p = param([0.0])
    opt = SGD([p], lr=linear_decay(1.0, 0.1, 100))
    rates = []
    for _ in range(101):
        rates.append(opt.lr)
        p.grad = np.array([1.0])
        opt.step()
    assert rates[:3] == pytest.approx([1.0, 1.0 - 0.9 / 100, 1.0 - 1.8 / 100], rel=1e-15)
    assert rates[100] == pytest.approx(0.1)
    assert p.data[0] == pytest.approx(-sum(1.0 - 0.9 * k / 100 for k in range(101)), rel=1e-13)
    assert opt.steps_taken == 101


def test_optimizers_update_micrograds_scalar_values_too():
    random.seed(1)
    mlp = MLP(2, [3, 1])
    before = [p.data for p in mlp.parameters()]
    out = mlp([1.0, -1.0])
    (out * out).backward()
    grads = [p.grad for p in mlp.parameters()]
    SGD(mlp.parameters(), lr=0.05).step()
    assert [p.data for p in mlp.parameters()] == pytest.approx([b - 0.05 * g for b, g in zip(before, grads)])


def test_bad_optimizer_arguments_are_named():
    with pytest.raises(ValueError, match="no parameters"):
        SGD([], lr=0.1)
    with pytest.raises(ValueError, match=r"parameter 0 \(shape \(2,\)\) has requires_grad=False"):
        Adam([Tensor([1.0, 2.0])])
    with pytest.raises(TypeError, match="parameter 1 is a ndarray"):
        SGD([param([1.0]), np.ones(2)], lr=0.1)
