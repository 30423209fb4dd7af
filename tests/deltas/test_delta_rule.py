"""The textbook delta rule against central finite differences of the loss, computed here in numpy."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

from nn.deltas import delta_rule
from tests.helpers import numeric_gradients

ACTIVATIONS = ("identity", "relu", "tanh", "sigmoid")


# --- an independent reference: forward pass and losses written out plainly ----------------------


def reference_loss(weights, biases, activations, x, y, loss):
    """The loss of a dense network, written without any code from nn.delta_rule."""
    a = x
    z = None
    for W, b, f in zip(weights, biases, activations):
        z = a @ W + b
        if f == "identity":
            a = z
        elif f == "relu":
            a = np.where(z > 0, z, 0.0)
        elif f == "tanh":
            a = np.tanh(z)
        elif f == "sigmoid":
            a = 1.0 / (1.0 + np.exp(-z))
    if loss == "mse":
        return np.mean((a - y) ** 2)
    if loss == "half_sse":
        return 0.5 * np.sum((a - y) ** 2)
    if loss == "bce":
        # -(y log a + (1 - y) log(1 - a)) with a = sigmoid(z), i.e. y log(1 + e^-z) + (1 - y) log(1 + e^z),
        # written with logaddexp so that a within 1e-9 of 0 or 1 loses no digits
        return np.mean(y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z))
    if loss == "softmax_ce":
        targets = np.eye(z.shape[1])[y] if y.ndim == 1 else y
        probabilities = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        return -np.sum(targets * np.log(probabilities)) / z.shape[0]
    raise AssertionError(loss)


def central_differences(weights, biases, activations, x, y, loss, h=1e-6):
    """dLoss/dparam for every weight and bias, by (L(p + h) - L(p - h)) / 2h."""
    return numeric_gradients(lambda W, b: reference_loss(W, b, activations, x, y, loss), weights, biases, h)


def relative_error(analytic, numeric):
    analytic = np.concatenate([g.ravel() for g in analytic])
    numeric = np.concatenate([g.ravel() for g in numeric])
    return np.linalg.norm(analytic - numeric) / max(np.linalg.norm(analytic) + np.linalg.norm(numeric), 1e-12)


def random_problem(rng, widths, activations, loss, batch=5, scale=1.0):
    weights = [rng.normal(0, 0.8, size=(n_in, n_out)) for n_in, n_out in itertools.pairwise(widths)]
    biases = [rng.normal(0, 0.5, size=n_out) for n_out in widths[1:]]
    x = scale * rng.normal(size=(batch, widths[0]))
    n_out = widths[-1]
    if loss == "softmax_ce":
        y = rng.integers(0, n_out, size=batch)
    elif loss == "bce":
        y = rng.uniform(0, 1, size=(batch, n_out))
    else:
        y = rng.normal(size=(batch, n_out))
    return weights, biases, x, y


def output_activation_for(loss, rng):
    if loss == "bce":
        return "sigmoid"
    if loss == "softmax_ce":
        return "identity"
    return ACTIVATIONS[rng.integers(len(ACTIVATIONS))]


CASES = [
    (depth, hidden, loss)
    for depth in (1, 2, 3, 4)
    for hidden in ACTIVATIONS
    for loss in delta_rule.LOSSES
    if not (depth == 1 and hidden != "identity")  # depth 1 has no hidden layer
]


@pytest.mark.parametrize("depth, hidden, loss", CASES)
def test_gradients_match_central_differences(depth, hidden, loss):
    rng = np.random.default_rng(1000 * depth + 10 * ACTIVATIONS.index(hidden) + delta_rule.LOSSES.index(loss))
    widths = [3] + list(rng.integers(2, 5, size=depth))
    activations = [hidden] * (depth - 1) + [output_activation_for(loss, rng)]
    weights, biases, x, y = random_problem(rng, widths, activations, loss)

    result = delta_rule.backprop(weights, biases, activations, x, y, loss)
    fd_weights, fd_biases = central_differences(weights, biases, activations, x, y, loss)

    assert result.loss == pytest.approx(reference_loss(weights, biases, activations, x, y, loss), rel=1e-12)
    assert relative_error(result.grad_weights, fd_weights) < 1e-7
    assert relative_error(result.grad_biases, fd_biases) < 1e-7
    for g, W in zip(result.grad_weights, weights):
        assert g.shape == W.shape


def test_mixed_activations_deep_network():
    rng = np.random.default_rng(7)
    activations = ["tanh", "relu", "sigmoid", "identity", "tanh"]
    widths = [4, 5, 3, 4, 3, 2]
    for loss in ("mse", "half_sse"):
        weights, biases, x, y = random_problem(rng, widths, activations, loss, batch=6)
        result = delta_rule.backprop(weights, biases, activations, x, y, loss)
        fd_weights, fd_biases = central_differences(weights, biases, activations, x, y, loss)
        assert relative_error(result.grad_weights, fd_weights) < 1e-7
        assert relative_error(result.grad_biases, fd_biases) < 1e-7


def test_deltas_are_gradients_with_respect_to_z():
    """delta[l] = dLoss/dz[l]: perturbing z[l] of one sample moves the loss by delta * h."""
    rng = np.random.default_rng(3)
    activations = ["tanh", "sigmoid", "identity"]
    weights, biases, x, y = random_problem(rng, [3, 4, 3, 2], activations, "mse")
    result = delta_rule.backprop(weights, biases, activations, x, y, "mse")
    h = 1e-6
    for layer in range(3):
        for index in [(0, 0), (2, 1), (4, 1)]:
            # the loss as a function of z[layer]: add an offset e to z via the bias of one sample
            def loss_with_offset(e, layer=layer, index=index):
                a = x
                for l, (W, b, f) in enumerate(zip(weights, biases, activations)):
                    z = a @ W + b
                    if l == layer:
                        z = z.copy()
                        z[index] += e
                    a = {"tanh": np.tanh, "sigmoid": lambda v: 1 / (1 + np.exp(-v)), "identity": lambda v: v}[f](z)
                return np.mean((a - y) ** 2)

            numeric = (loss_with_offset(h) - loss_with_offset(-h)) / (2 * h)
            assert result.deltas[layer][index] == pytest.approx(numeric, rel=1e-6, abs=1e-10)


def test_softmax_ce_integer_and_one_hot_targets_agree():
    rng = np.random.default_rng(5)
    weights, biases, x, labels = random_problem(rng, [3, 4, 3], ["relu", "identity"], "softmax_ce")
    by_index = delta_rule.backprop(weights, biases, ["relu", "identity"], x, labels, "softmax_ce")
    by_one_hot = delta_rule.backprop(weights, biases, ["relu", "identity"], x, np.eye(3)[labels], "softmax_ce")
    assert by_index.loss == pytest.approx(by_one_hot.loss, rel=1e-14)
    for g1, g2 in zip(by_index.grad_weights, by_one_hot.grad_weights):
        np.testing.assert_allclose(g1, g2, rtol=1e-14)


def test_simplified_output_deltas():
    """sigmoid + bce and softmax + ce give the stated a - y forms, scaled by their means."""
    z = np.array([[0.3, -1.2], [2.0, 0.1], [-0.4, 0.0]])
    y = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    a = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(delta_rule.output_delta("bce", "sigmoid", z, a, y), (a - y) / 6, rtol=1e-14)
    labels = np.array([1, 0, 1])
    softmax = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    expected = (softmax - np.eye(2)[labels]) / 3
    np.testing.assert_allclose(delta_rule.output_delta("softmax_ce", "identity", z, z, labels), expected, rtol=1e-12)


@pytest.mark.parametrize("hidden", ACTIVATIONS)
@pytest.mark.parametrize("loss", delta_rule.LOSSES)
def test_finite_and_silent_at_plus_minus_1000(hidden, loss):
    rng = np.random.default_rng(11)
    activations = [hidden, hidden, output_activation_for(loss, rng)]
    weights, biases, _, y = random_problem(rng, [4, 5, 3, 3], activations, loss, batch=6)
    x = 1000.0 * np.array([[1, -1, 1, -1], [-1, -1, -1, -1], [1, 1, 1, 1], [1, 0, -1, 0], [0, 1, 0, -1], [-1, 1, 1, -1]])
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        result = delta_rule.backprop(weights, biases, activations, x, y, loss)
    assert np.isfinite(result.loss)
    for array in [*result.deltas, *result.grad_weights, *result.grad_biases, *result.a]:
        assert np.all(np.isfinite(array))


def test_extreme_logits_have_the_exact_limits():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(delta_rule.sigmoid(np.array([-1000.0, 0.0, 1000.0])), [0.0, 0.5, 1.0])
        # one identity-free layer: z = x, sigmoid output, y = 0 at z = +1000 costs softplus(1000) = 1000
        result = delta_rule.backprop([np.eye(2)], [np.zeros(2)], ["sigmoid"], np.array([[1000.0, -1000.0]]),
                                     np.array([[0.0, 0.0]]), "bce")
        assert result.loss == pytest.approx(500.0)  # mean of 1000 and ~0
        np.testing.assert_allclose(result.deltas[0], [[0.5, 0.0]])  # (a - y) / N with N = 2
        ce = delta_rule.backprop([np.eye(2)], [np.zeros(2)], ["identity"], np.array([[1000.0, -1000.0]]),
                                 np.array([1]), "softmax_ce")
        assert ce.loss == pytest.approx(2000.0)
        np.testing.assert_allclose(ce.deltas[0], [[1.0, -1.0]])


# --- errors ---------------------------------------------------------------------------------------


def small_net():
    return [np.ones((3, 4)), np.ones((4, 2))], [np.zeros(4), np.zeros(2)], ["tanh", "sigmoid"]


def test_unknown_activation_and_loss_names():
    weights, biases, _ = small_net()
    x, y = np.ones((5, 3)), np.zeros((5, 2))
    with pytest.raises(ValueError, match="unknown activation 'softsign'"):
        delta_rule.backprop(weights, biases, ["softsign", "sigmoid"], x, y, "mse")
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        delta_rule.backprop(weights, biases, ["tanh", "sigmoid"], x, y, "hinge")


def test_shape_errors_name_the_shapes():
    weights, biases, activations = small_net()
    with pytest.raises(ValueError, match=r"\(3, 4\).*width 2"):
        delta_rule.backprop(weights, biases, activations, np.ones((5, 2)), np.zeros((5, 2)))
    with pytest.raises(ValueError, match=r"layer 1: weights of shape \(5, 2\)"):
        delta_rule.backprop([np.ones((3, 4)), np.ones((5, 2))], biases, activations, np.ones((5, 3)), np.zeros((5, 2)))
    with pytest.raises(ValueError, match=r"bias of shape \(3,\) does not match weights of shape \(3, 4\)"):
        delta_rule.backprop(weights, [np.zeros(3), np.zeros(2)], activations, np.ones((5, 3)), np.zeros((5, 2)))
    with pytest.raises(ValueError, match=r"targets of shape \(5, 3\) do not match outputs of shape \(5, 2\)"):
        delta_rule.backprop(weights, biases, activations, np.ones((5, 3)), np.zeros((5, 3)))
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        delta_rule.backprop(weights, biases, activations, np.ones(3), np.zeros((1, 2)))
    with pytest.raises(ValueError, match="2 weights, 1 biases and 2 activations"):
        delta_rule.backprop(weights, biases[:1], activations, np.ones((5, 3)), np.zeros((5, 2)))


def test_loss_and_output_layer_must_fit():
    weights, biases, _ = small_net()
    x = np.ones((5, 3))
    with pytest.raises(ValueError, match="bce needs a sigmoid output layer"):
        delta_rule.backprop(weights, biases, ["tanh", "tanh"], x, np.zeros((5, 2)), "bce")
    with pytest.raises(ValueError, match="output layer must be 'identity'"):
        delta_rule.backprop(weights, biases, ["tanh", "sigmoid"], x, np.zeros(5, dtype=int), "softmax_ce")
    with pytest.raises(ValueError, match=r"class indices must lie in \[0, 2\)"):
        delta_rule.backprop(weights, biases, ["tanh", "identity"], x, np.array([0, 1, 2, 0, 1]), "softmax_ce")
    with pytest.raises(ValueError, match=r"targets of shape \(4,\) do not match logits of shape \(5, 2\)"):
        delta_rule.backprop(weights, biases, ["tanh", "identity"], x, np.array([0, 1, 1, 0]), "softmax_ce")
    with pytest.raises(ValueError, match="integer class indices"):
        delta_rule.backprop(weights, biases, ["tanh", "identity"], x, np.zeros(5), "softmax_ce")
