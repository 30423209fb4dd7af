"""Every loss: its value and gradient against the formula written out in numpy, against finite
differences, finite at inputs of +-1000, and clear errors for mismatched shapes. (PyTorch: test_nn_torch.py.)"""

from __future__ import annotations

import numpy as np
import pytest

from micrograd_like import Tensor, gradcheck
from nn import (
    bce_loss,
    bce_with_logits_loss,
    half_sse_loss,
    l2_penalty,
    max_margin_loss,
    mse_loss,
    softmax_cross_entropy,
)

rng = np.random.default_rng(0)
A = rng.normal(size=(5, 3))          # outputs
Y = rng.normal(size=(5, 3))          # real-valued targets
BITS = rng.integers(0, 2, size=(5, 3)).astype(float)
CLASSES = np.array([2, 0, 1, 1, 2])
ONE_HOT = np.eye(3)[CLASSES]


def leaf(array):
    return Tensor(np.array(array, dtype=float), requires_grad=True)


def value_and_grad(loss_fn, outputs, targets):
    x = leaf(outputs)
    loss = loss_fn(x, targets)
    loss.backward()
    return loss.item(), x.grad


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# ---- each loss against its formula and its hand-derived gradient ------------------------------

def test_mse_is_the_mean_of_squares_with_gradient_2_residual_over_n():
    value, grad = value_and_grad(mse_loss, A, Y)
    assert value == pytest.approx(np.mean((A - Y) ** 2), rel=1e-14)
    np.testing.assert_allclose(grad, 2 * (A - Y) / A.size, rtol=1e-13)


def test_half_sse_has_the_residual_as_its_gradient():
    value, grad = value_and_grad(half_sse_loss, A, Y)
    assert value == pytest.approx(0.5 * np.sum((A - Y) ** 2), rel=1e-14)
    np.testing.assert_allclose(grad, A - Y, rtol=1e-13)


def test_bce_from_probabilities():
    p = sigmoid(A)
    value, grad = value_and_grad(bce_loss, p, BITS)
    assert value == pytest.approx(np.mean(-(BITS * np.log(p) + (1 - BITS) * np.log(1 - p))), rel=1e-13)
    np.testing.assert_allclose(grad, (p - BITS) / (p * (1 - p)) / p.size, rtol=1e-12)


def test_bce_clips_saturated_probabilities_so_the_loss_stays_finite():
    # p = 1 for a target of 0, p = 0 for a target of 1: log would see 0 without the clip
    p = np.array([[1.0, 0.0, 0.5]])
    with np.errstate(divide="raise", invalid="raise", over="raise"):
        value, grad = value_and_grad(bce_loss, p, [[0.0, 1.0, 1.0]])
    eps = 1e-12
    assert value == pytest.approx((-np.log(1 - (1 - eps)) - np.log(eps) - np.log(0.5)) / 3, rel=1e-9)
    assert value < 28
    np.testing.assert_array_equal(grad[0, :2], [0.0, 0.0])  # clipped elements get no gradient
    assert np.all(np.isfinite(grad))


def test_bce_with_logits_is_bce_of_the_sigmoid_with_gradient_sigmoid_minus_target():
    value, grad = value_and_grad(bce_with_logits_loss, A, BITS)
    p = sigmoid(A)
    assert value == pytest.approx(np.mean(-(BITS * np.log(p) + (1 - BITS) * np.log(1 - p))), rel=1e-13)
    np.testing.assert_allclose(grad, (p - BITS) / A.size, rtol=1e-12, atol=1e-15)


def test_bce_with_logits_gradient_at_zero_is_one_half_minus_target():
    # a kink-free formula: sigmoid(0) = 1/2 exactly, where a relu/abs-based version would give 0
    _, grad = value_and_grad(bce_with_logits_loss, np.zeros((2, 1)), [[0.0], [1.0]])
    np.testing.assert_array_equal(grad, [[0.25], [-0.25]])


def test_bce_with_logits_is_exact_and_finite_at_plus_minus_1000():
    logits = np.array([[1000.0, -1000.0, 1000.0, -1000.0]])
    targets = np.array([[0.0, 1.0, 1.0, 0.0]])
    with np.errstate(divide="raise", invalid="raise", over="raise"):
        value, grad = value_and_grad(bce_with_logits_loss, logits, targets)
    # wrong by 1000 twice (loss 1000 each), right twice (loss e^-1000 = 0)
    assert value == 2000 / 4
    np.testing.assert_array_equal(grad, [[0.25, -0.25, 0.0, 0.0]])


def test_softplus_is_log_one_plus_exp_and_never_overflows():
    x = leaf([-1000.0, -3.0, 0.0, 2.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out = x.softplus()
        out.sum().backward()
    np.testing.assert_allclose(out.data, [0.0, np.log1p(np.exp(-3.0)), np.log(2.0), np.log1p(np.exp(2.0)), 1000.0],
                               rtol=1e-14)
    np.testing.assert_allclose(x.grad, [0.0, sigmoid(-3.0), 0.5, sigmoid(2.0), 1.0], rtol=1e-14)


@pytest.mark.parametrize("targets", [CLASSES, ONE_HOT], ids=["class indices", "one-hot rows"])
def test_softmax_cross_entropy_is_minus_log_softmax_of_the_right_class(targets):
    value, grad = value_and_grad(softmax_cross_entropy, A, targets)
    s = softmax(A)
    assert value == pytest.approx(-np.mean(np.log(s[np.arange(5), CLASSES])), rel=1e-13)
    np.testing.assert_allclose(grad, (s - ONE_HOT) / 5, rtol=1e-12, atol=1e-16)


def test_softmax_cross_entropy_with_probability_targets():
    targets = softmax(Y)
    value, grad = value_and_grad(softmax_cross_entropy, A, targets)
    assert value == pytest.approx(-np.mean(np.sum(targets * np.log(softmax(A)), axis=1)), rel=1e-13)
    np.testing.assert_allclose(grad, (softmax(A) - targets) / 5, rtol=1e-12, atol=1e-16)


def test_softmax_cross_entropy_is_finite_at_plus_minus_1000():
    logits = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 1000.0]])
    with np.errstate(divide="raise", invalid="raise", over="raise"):
        value, grad = value_and_grad(softmax_cross_entropy, logits, [1, 0])
    assert value == pytest.approx((2000 + 2000 + np.log(2)) / 2, rel=1e-15)
    np.testing.assert_allclose(grad, [[0.5, -0.5, 0.0], [-0.5, 0.25, 0.25]], atol=1e-300)


def test_max_margin_loss_is_micrograds_hinge():
    scores = np.array([[2.0], [0.5], [-0.3], [-2.0]])
    targets = np.array([[1.0], [1.0], [1.0], [-1.0]])
    value, grad = value_and_grad(max_margin_loss, scores, targets)
    # margins 1 - y s: -1 (fine), 0.5, 1.3, -1 (fine)
    assert value == pytest.approx((0.5 + 1.3) / 4, rel=1e-15)
    np.testing.assert_array_equal(grad, [[0.0], [-0.25], [-0.25], [0.0]])


def test_l2_penalty_is_alpha_times_the_sum_of_squares_with_gradient_2_alpha_p():
    w, b = leaf(A), leaf(Y[0])
    penalty = l2_penalty([w, b], alpha=1e-4)
    penalty.backward()
    assert penalty.item() == pytest.approx(1e-4 * (np.sum(A ** 2) + np.sum(Y[0] ** 2)), rel=1e-14)
    np.testing.assert_allclose(w.grad, 2e-4 * A, rtol=1e-14)
    np.testing.assert_allclose(b.grad, 2e-4 * Y[0], rtol=1e-14)


# ---- every loss against finite differences ------------------------------------------------------

@pytest.mark.parametrize("loss, outputs, targets", [
    (mse_loss, A, Y),
    (half_sse_loss, A, Y),
    (bce_loss, sigmoid(A), BITS),
    (bce_with_logits_loss, A, BITS),
    (softmax_cross_entropy, A, CLASSES),
    (softmax_cross_entropy, A, ONE_HOT),
    (max_margin_loss, A + np.sign(A) * 0.2, np.where(BITS > 0, 1.0, -1.0)),  # away from the kink at margin 1
], ids=["mse", "half_sse", "bce", "bce_logits", "softmax_ce int", "softmax_ce one-hot", "hinge"])
def test_loss_gradient_agrees_with_finite_differences(loss, outputs, targets):
    assert gradcheck(lambda x: loss(x, targets), [leaf(outputs)])


def test_softplus_and_l2_penalty_agree_with_finite_differences():
    assert gradcheck(lambda x: x.softplus(), [leaf(A)])
    assert gradcheck(lambda w, b: l2_penalty([w, b], 0.1), [leaf(A), leaf(Y[0])])


# ---- bad input: errors that name the shapes or values ----------------------------------------------

@pytest.mark.parametrize("loss", [mse_loss, half_sse_loss, bce_loss, bce_with_logits_loss, max_margin_loss])
def test_mismatched_shapes_are_an_error_naming_both(loss):
    with pytest.raises(ValueError, match=r"\(4, 1\).*\(4,\)"):
        loss(leaf(np.full((4, 1), 0.5)), np.ones(4))


def test_softmax_cross_entropy_errors_name_the_problem():
    logits = leaf(A)
    with pytest.raises(ValueError, match=r"\(5, 3\).*\(4,\)"):
        softmax_cross_entropy(logits, np.zeros(4, dtype=int))
    with pytest.raises(ValueError, match=r"\[0, 3\).*\[3, -1\]"):
        softmax_cross_entropy(logits, np.array([0, 3, 1, -1, 2]))
    with pytest.raises(ValueError, match=r"\[0, 3\).*0\.5"):
        softmax_cross_entropy(logits, np.array([0, 0.5, 1, 1, 2]))
    with pytest.raises(ValueError, match=r"\(batch, classes\).*\(3,\)"):
        softmax_cross_entropy(leaf(A[0]), 1)


def test_max_margin_loss_refuses_zero_one_targets():
    with pytest.raises(ValueError, match="-1 or \\+1.*2 \\* y - 1"):
        max_margin_loss(leaf(A), BITS)


# ---- the squared errors are one node each: the same numbers as the composed graph ---------------

@pytest.mark.parametrize("loss, composed", [
    (mse_loss, lambda a, y: ((a - y) ** 2).mean()),
    (half_sse_loss, lambda a, y: 0.5 * ((a - y) ** 2).sum()),
])
def test_squared_errors_match_the_graph_of_their_formula_for_outputs_and_learnable_targets(loss, composed):
    a, y = leaf(A), leaf(Y)
    fused = loss(a, y)
    fused.backward()
    a2, y2 = leaf(A), leaf(Y)
    reference = composed(a2, y2)
    reference.backward()
    assert fused.item() == pytest.approx(reference.item(), rel=1e-14)
    np.testing.assert_allclose(a.grad, a2.grad, rtol=1e-13)
    np.testing.assert_allclose(y.grad, y2.grad, rtol=1e-13)
    assert gradcheck(loss, [leaf(A), leaf(Y)])
    assert len(fused.topological_order()) == 3  # a, y and the loss: one node, not four


def test_squared_errors_keep_float32_and_stay_finite_at_plus_minus_1000():
    a = Tensor(np.array([[1000.0, -1000.0]], dtype=np.float32), requires_grad=True)
    loss = mse_loss(a, np.array([[-1000.0, 1000.0]], dtype=np.float32))
    loss.backward()
    assert loss.dtype == np.float32 and a.grad.dtype == np.float32
    assert loss.item() == 4e6 and np.all(np.isfinite(a.grad))


def test_mse_of_empty_outputs_is_an_error_not_nan():
    with pytest.raises(ValueError, match=r"mse_loss: the batch is empty \(outputs of shape \(0, 3\)\)"):
        mse_loss(leaf(np.zeros((0, 3))), np.zeros((0, 3)))


# ---- the fused ops give exactly the gradients of their composed forms -------------------------------

@pytest.mark.parametrize("name", ["mse", "half_sse"])
def test_each_registered_fused_loss_gives_the_gradients_of_its_composed_form(name):
    from nn.losses import LOSSES
    spec = LOSSES[name]
    a, a2 = leaf(A), leaf(A)
    spec.function(a, Y).backward()
    spec.composed(a2, Y).backward()
    np.testing.assert_allclose(a.grad, a2.grad, rtol=1e-12, atol=1e-15)


def test_linear_gives_the_gradients_of_x_at_w_plus_b():
    from micrograd_like import linear
    rng = np.random.default_rng(0)
    x, W, b, g = rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=(5, 4))
    fused, composed = [[leaf(v) for v in (x, W, b)] for _ in range(2)]
    (linear(*fused) * g).sum().backward()
    (((composed[0] @ composed[1]) + composed[2]) * g).sum().backward()
    for f, c in zip(fused, composed):
        np.testing.assert_allclose(f.grad, c.grad, rtol=1e-12, atol=1e-14)
