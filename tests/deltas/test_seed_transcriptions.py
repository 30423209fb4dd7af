"""The seed transcriptions reproduce what their tutorials printed, and their hand-derived updates
are (or are not) the gradients of the losses the tutorials state, checked against central finite
differences computed here in plain numpy."""

from __future__ import annotations

import numpy as np
import pytest

from nn.deltas.seeds import seed000_and, seed001_digits, seed002_xor, seed003_xor
from tests.helpers import numeric_gradients

# --- an independent reference: a dense x @ W + b network and central differences ----------------


def mlp(weights, biases, activations, x):
    a = np.asarray(x, dtype=np.float64)
    for W, b, f in zip(weights, biases, activations):
        z = a @ W + b
        a = {"tanh": np.tanh, "sigmoid": lambda v: 1 / (1 + np.exp(-v)), "relu": lambda v: np.where(v > 0, v, 0.0)}[f](z)
    return a


def assert_close_lists(actual, expected, rel=1e-7):
    """Layer by layer, ``|actual - expected| <= rel * |expected|`` in the Frobenius norm."""
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        assert a.shape == e.shape
        assert np.linalg.norm(a - e) <= rel * np.linalg.norm(e), (a, e)


def half_sse(output, target):
    return 0.5 * np.sum((output - target) ** 2)


# --- seed 000: binary AND with Layer / NeuralNetwork ----------------------------------------------

# The log printed in the tutorial, epochs 0, 10, ..., 280.
PRINTED_AND_MSE = [
    0.493821, 0.229725, 0.197990, 0.194248, 0.193029, 0.192013, 0.190730, 0.188895, 0.186293, 0.182946,
    0.179057, 0.174675, 0.169565, 0.163116, 0.154368, 0.143564, 0.133169, 0.124437, 0.117074, 0.110702,
    0.105110, 0.100168, 0.095770, 0.091825, 0.088261, 0.085016, 0.082037, 0.079277, 0.076697,
]


def test_000_layer_reproduces_the_printed_example():
    """The tutorial's Layer(3, 4) after np.random.seed(100): printed weights, bias and activate([1, 2, 3])."""
    np.random.seed(100)
    layer = seed000_and.Layer(3, 4)
    np.testing.assert_allclose(
        layer.weights,
        [[0.54340494, 0.27836939, 0.42451759, 0.84477613],
         [0.00471886, 0.12156912, 0.67074908, 0.82585276],
         [0.13670659, 0.57509333, 0.89132195, 0.20920212]],
        atol=5e-9,
    )
    np.testing.assert_allclose(layer.bias, [0.18532822, 0.10837689, 0.21969749, 0.97862378], atol=5e-9)
    np.testing.assert_allclose(layer.activate([1, 2, 3]), [1.14829064, 2.35516451, 4.65967912, 4.10271179], atol=5e-9)


def test_000_reproduces_the_printed_mse_log_and_accuracy():
    params, mses = seed000_and.train(seed000_and.init_params(100), verbose=False)
    assert len(mses) == len(PRINTED_AND_MSE)
    assert [f"{m:f}" for m in mses] == [f"{m:f}" for m in PRINTED_AND_MSE]
    X, y = seed000_and.data()
    net = seed000_and.build(params)
    assert net.accuracy(net.predict(X), y.flatten()) == 1.0


def test_000_prints_the_tutorial_log_when_asked(capsys):
    seed000_and.train(seed000_and.init_params(100), epochs=11, verbose=True)
    assert capsys.readouterr().out.splitlines() == ["Epoch: #0, MSE: 0.493821", "Epoch: #10, MSE: 0.229725"]


def test_000_weight_step_is_the_gradient_of_half_sse_and_biases_never_move():
    params = seed000_and.init_params(100)
    weights, biases = seed000_and.to_standard(params)
    activations = ["tanh", "sigmoid", "sigmoid"]
    X, y = seed000_and.data()
    for x, target in zip(X, y):
        # the tutorial's target (1,) broadcasts over both outputs: 1/2 sum_k (y - o_k)^2
        fd_w, fd_b = numeric_gradients(
            lambda W, b, x=x, target=target: half_sse(mlp(W, b, activations, x[None, :]), target), weights, biases)
        implied_w, implied_b = seed000_and.implied_gradients(params, x, target, lr=0.3)
        assert_close_lists(implied_w, fd_w)
        for g_b, fd in zip(implied_b, fd_b):
            np.testing.assert_array_equal(g_b, 0.0)  # no bias step at all ...
            assert np.abs(fd).max() > 1e-4  # ... although the loss does depend on the biases


def test_000_step_applies_exactly_the_computed_update():
    params = seed000_and.init_params(100)
    x, target = np.array([1, 1]), np.array([1])
    update = seed000_and.compute_update(params, x, target, lr=0.3)
    new = seed000_and.step(params, x, target, lr=0.3)
    for (w_old, b_old, _), (w_new, b_new, _), dw in zip(params, new, update.weight_updates):
        np.testing.assert_array_equal(w_new, w_old + dw)
        np.testing.assert_array_equal(b_new, b_old)
    # the first half of the tutorial's backprop: error = y - output, delta = error * o (1 - o)
    output = seed000_and.forward(params, x)
    np.testing.assert_allclose(update.deltas[-1], (target - output) * output * (1 - output), rtol=1e-14)
    assert update.loss == pytest.approx(half_sse(output, target))


def test_000_quirks_are_kept():
    layer = seed000_and.Layer(2, 2, None, weights=np.eye(2), bias=np.zeros(2))
    r = np.array([0.3, -2.0])
    np.testing.assert_array_equal(layer.apply_activation_derivative(r), r)  # [sic]: not 1
    with pytest.raises(ValueError, match="one sample"):
        seed000_and.compute_update(seed000_and.init_params(100), np.ones((2, 2)), np.ones((2, 1)))


# --- seed 001: digits with Network / MSE -----------------------------------------------------------


def test_001_init_reproduces_the_printed_internal_state():
    w, b = seed001_digits.init_params(1, (2, 3, 1))
    np.testing.assert_allclose(w[1], [[1.14858562, -0.43257711, -0.37347383], [-0.75870339, 0.6119356, -1.62743362]], atol=5e-9)
    np.testing.assert_allclose(w[2], [[1.00736754], [-0.43948301], [0.18419731]], atol=5e-9)
    np.testing.assert_array_equal(b[1], np.zeros(3))
    np.testing.assert_array_equal(b[2], np.zeros(1))


# The classification report printed in the tutorial: class, precision, recall, f1-score, support.
PRINTED_DIGITS_REPORT = [
    (0, "1.00", "1.00", "1.00", 178), (1, "0.99", "1.00", "1.00", 182), (2, "1.00", "1.00", "1.00", 177),
    (3, "0.99", "1.00", "1.00", 183), (4, "1.00", "1.00", "1.00", 181), (5, "1.00", "0.99", "1.00", 182),
    (6, "1.00", "1.00", "1.00", 181), (7, "1.00", "1.00", "1.00", 179), (8, "1.00", "0.99", "1.00", 174),
    (9, "0.99", "0.99", "0.99", 180),
]


def test_001_reaches_near_perfect_training_accuracy_and_the_printed_report():
    pytest.importorskip("sklearn")
    x, y = seed001_digits.data()
    assert x.shape == (1797, 64) and y.shape == (1797, 10)
    # as the tutorial's script: np.random.seed(1), the weights, then 100 shuffled epochs
    params, history = seed001_digits.train(seed001_digits.init_params(1), x, y)
    predicted = seed001_digits.forward(params, x).argmax(axis=1)
    true = y.argmax(axis=1)
    assert np.mean(predicted == true) >= 0.98
    assert len(history) == 10 and history[-1] < history[0]
    report = []
    for k in range(10):
        precision = np.mean(true[predicted == k] == k)
        recall = np.mean(predicted[true == k] == k)
        f1 = 2 * precision * recall / (precision + recall)
        report.append((k, f"{precision:.2f}", f"{recall:.2f}", f"{f1:.2f}", int(np.sum(true == k))))
    assert report == PRINTED_DIGITS_REPORT


def _digits_like_batch(seed=2, batch=15):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 17, size=(batch, 64)).astype(float)
    y = np.eye(10)[rng.integers(0, 10, size=batch)]
    return x, y


def test_001_update_is_not_the_gradient_of_its_loss_and_why():
    """The finding: the output delta uses sigmoid'(a), not sigmoid'(z); biases take the batch mean."""
    params = seed001_digits.init_params(1)
    weights, biases = seed001_digits.to_standard(params)
    x, y = _digits_like_batch()
    batch = x.shape[0]
    update = seed001_digits.compute_update(params, x, y, lr=1e-3)
    implied_w, implied_b = seed001_digits.implied_gradients(params, x, y, lr=1e-3)

    # the seed's rule, derived here by hand: delta_L = (a - y) * s(a)(1 - s(a)) with s = sigmoid
    z1 = x @ weights[0] + biases[0]
    h = np.maximum(z1, 0)
    a = 1 / (1 + np.exp(-(h @ weights[1] + biases[1])))
    s_of_a = 1 / (1 + np.exp(-a))
    seed_delta_out = (a - y) * s_of_a * (1 - s_of_a)
    seed_delta_hidden = (seed_delta_out @ weights[1].T) * (z1 > 0)
    np.testing.assert_allclose(update.deltas[1], seed_delta_out, rtol=1e-12)
    np.testing.assert_allclose(implied_w[1], h.T @ seed_delta_out, rtol=1e-9)
    np.testing.assert_allclose(implied_w[0], x.T @ seed_delta_hidden, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(implied_b[1], seed_delta_out.mean(axis=0), rtol=1e-9)  # mean, not sum
    np.testing.assert_allclose(implied_b[0], seed_delta_hidden.mean(axis=0), rtol=1e-9, atol=1e-12)

    # the true gradient of 1/2 sum (a - y)^2 (whose derivative MSE.prime is) differs from it
    fd_w, fd_b = numeric_gradients(lambda W, b: half_sse(mlp(W, b, ["relu", "sigmoid"], x), y), weights, biases)
    true_delta_out = (a - y) * a * (1 - a)
    assert_close_lists([fd_w[1]], [h.T @ true_delta_out], rel=1e-7)
    assert not np.allclose(implied_w[1], fd_w[1], rtol=1e-2)
    assert not np.allclose(implied_b[1] * batch, fd_b[1], rtol=1e-2)
    # and the stated MSE.loss = mean((a - y)^2) has gradient 2 / (batch * 10) times that of 1/2 SSE
    fd_mse_w, _ = numeric_gradients(lambda W, b: np.mean((mlp(W, b, ["relu", "sigmoid"], x) - y) ** 2), weights, biases)
    assert_close_lists([fd_mse_w[1]], [fd_w[1] * 2 / (batch * 10)], rel=1e-7)
    assert update.loss == pytest.approx(np.mean((a - y) ** 2))


def test_001_step_applies_exactly_the_computed_update():
    params = seed001_digits.init_params(1)
    x, y = _digits_like_batch(seed=4)
    update = seed001_digits.compute_update(params, x, y, lr=1e-3)
    w_new, b_new = seed001_digits.step(params, x, y, lr=1e-3)
    for k in (1, 2):
        np.testing.assert_array_equal(w_new[k], params[0][k] + update.weight_updates[k - 1])
        np.testing.assert_array_equal(b_new[k], params[1][k] + update.bias_updates[k - 1])
        assert np.abs(update.weight_updates[k - 1]).max() > 0


def test_001_relu_works_in_place_and_its_restored_prime_is_a_step():
    z = np.array([-2.0, 0.0, 3.0])
    a = seed001_digits.Relu.activation(z)
    assert a is z and list(z) == [0.0, 0.0, 3.0]
    np.testing.assert_array_equal(seed001_digits.Relu.prime(np.array([-2.0, 0.0, 0.5, 3.0])), [0, 0, 1, 1])


# --- seed 002: XOR with backPropNN, bias folded into the weights -----------------------------------


def test_002_reaches_xor_and_follows_the_tutorials_stopping_rule():
    params = seed002_xor.init_params(seed=0)
    params, errors = seed002_xor.train(params)
    X, T = seed002_xor.data()
    output = seed002_xor.forward(params, X)
    assert np.abs(output - T).max() < 0.05
    assert len(errors) == 100001 or errors[-1] <= 1e-5
    # the tutorial's own run ended at error 0.000291 after 100000 iterations; same order here
    assert errors[-1] < 1e-3


def test_002_update_is_the_gradient_of_half_the_error_it_returns():
    params = seed002_xor.init_params(seed=1)
    X, T = seed002_xor.data()
    weights, biases = seed002_xor.to_standard(params)
    np.testing.assert_allclose(seed002_xor.forward(params, X), mlp(weights, biases, ["sigmoid", "sigmoid"], X), rtol=1e-14)

    implied_w, implied_b = seed002_xor.implied_gradients(params, X, T, lr=0.2)
    fd_w, fd_b = numeric_gradients(lambda W, b: half_sse(mlp(W, b, ["sigmoid", "sigmoid"], X), T), weights, biases)
    assert_close_lists(implied_w, fd_w)
    assert_close_lists(implied_b, fd_b)
    fd_sse_w, _ = numeric_gradients(lambda W, b: np.sum((mlp(W, b, ["sigmoid", "sigmoid"], X) - T) ** 2), weights, biases)
    assert_close_lists([2 * g for g in implied_w], fd_sse_w)  # the returned error has twice the gradient

    update = seed002_xor.compute_update(params, X, T, lr=0.2)
    assert update.loss == pytest.approx(np.sum((seed002_xor.forward(params, X) - T) ** 2))
    assert [d.shape for d in update.deltas] == [(2, 4), (1, 4)]  # column vectors, one column per sample
    assert [s.shape for s in update.weight_steps] == [(2, 3), (1, 3)]  # (l2, l1 + 1)


def test_002_step_applies_exactly_the_computed_update():
    params = seed002_xor.init_params(seed=3)
    X, T = seed002_xor.data()
    update = seed002_xor.compute_update(params, X, T, lr=0.2)
    new = seed002_xor.step(params, X, T, lr=0.2)
    for old, w_new, dw in zip(params, new, update.weight_updates):
        np.testing.assert_array_equal(w_new, old + dw)  # W -= lr * dW


def test_002_instances_no_longer_share_their_weights():
    first = seed002_xor.backPropNN((2, 2, 1))
    second = seed002_xor.backPropNN((2, 3, 1))
    assert first.weights is not second.weights
    assert [w.shape for w in first.weights] == [(2, 3), (1, 3)]
    assert [w.shape for w in second.weights] == [(3, 3), (1, 4)]


def test_002_standard_layout_round_trip():
    params = seed002_xor.init_params(seed=5, numNodes=(3, 4, 2))
    weights, biases = seed002_xor.to_standard(params)
    assert [w.shape for w in weights] == [(3, 4), (4, 2)] and [b.shape for b in biases] == [(4,), (2,)]
    for a, b in zip(seed002_xor.from_standard(weights, biases), params):
        np.testing.assert_array_equal(a, b)


# --- seed 003: XOR with XORNeuralNetwork ----------------------------------------------------------

PRINTED_XOR_PREDICTIONS = [0.019274204763050903, 0.983340815029345, 0.9833791938260293, 0.017250301094216512]


def test_003_reaches_xor_near_the_printed_predictions():
    params, history = seed003_xor.train(seed003_xor.init_params(seed003_xor.WORKING_SEED), epochs=5000)
    X, y = seed003_xor.data()
    output = seed003_xor.forward(params, X)
    assert np.abs(output - y).max() < 0.05
    # the tutorial does not seed, so its digits cannot be matched; it lands at the same place
    np.testing.assert_allclose(output.ravel(), PRINTED_XOR_PREDICTIONS, atol=2e-3)
    assert len(history) == 5000 and history[-1] < history[0]


def test_003_update_is_the_gradient_of_half_sse_with_rate_one():
    params = seed003_xor.init_params(seed=7)
    X, y = seed003_xor.data()
    weights, biases = seed003_xor.to_standard(params)
    np.testing.assert_allclose(seed003_xor.forward(params, X), mlp(weights, biases, ["sigmoid", "sigmoid"], X), rtol=1e-14)
    implied_w, implied_b = seed003_xor.implied_gradients(params, X, y)
    fd_w, fd_b = numeric_gradients(lambda W, b: half_sse(mlp(W, b, ["sigmoid", "sigmoid"], X), y), weights, biases)
    assert_close_lists(implied_w, fd_w)
    assert_close_lists(implied_b, fd_b)
    # the "mean squared error" the text names has 2/n = 1/2 of that gradient (n = 4 rows)
    fd_mse_w, _ = numeric_gradients(lambda W, b: np.mean((mlp(W, b, ["sigmoid", "sigmoid"], X) - y) ** 2), weights, biases)
    assert_close_lists([g / 2 for g in implied_w], fd_mse_w)


def test_003_step_applies_exactly_the_computed_update():
    params = seed003_xor.init_params(seed=2)
    X, y = seed003_xor.data()
    update = seed003_xor.compute_update(params, X, y)
    new = seed003_xor.step(params, X, y)
    steps = dict(zip(("hidden_weight", "output_weight"), update.weight_updates))
    steps.update(zip(("hidden_bias", "output_bias"), update.bias_updates))
    for name in seed003_xor.PARAM_NAMES:
        np.testing.assert_array_equal(new[name], params[name] + steps[name])
    with pytest.raises(ValueError, match="no learning rate"):
        seed003_xor.step(params, X, y, lr=0.5)


# --- all four: the same interface, starting from given arrays --------------------------------------


@pytest.mark.parametrize("module", [seed000_and, seed001_digits, seed002_xor, seed003_xor])
def test_every_seed_starts_from_given_standard_arrays(module):
    for name in ("data", "init_params", "build", "params_of", "to_standard", "from_standard", "forward",
                 "compute_update", "implied_gradients", "step", "train", "stated_loss"):
        assert callable(getattr(module, name))
    rng = np.random.default_rng(0)
    shapes = {seed000_and: [(2, 3), (3, 3), (3, 2)], seed001_digits: [(64, 15), (15, 10)],
              seed002_xor: [(2, 2), (2, 1)], seed003_xor: [(2, 2), (2, 1)]}[module]
    weights = [rng.normal(size=s) for s in shapes]
    biases = [rng.normal(size=s[1]) for s in shapes]
    params = module.from_standard(weights, biases)
    again_w, again_b = module.to_standard(params)
    assert_close_lists(again_w, weights, rel=0)
    assert_close_lists(again_b, biases, rel=0)
    activations = {seed000_and: ["tanh", "sigmoid", "sigmoid"], seed001_digits: ["relu", "sigmoid"],
                   seed002_xor: ["sigmoid", "sigmoid"], seed003_xor: ["sigmoid", "sigmoid"]}[module]
    x = rng.normal(size=(4, shapes[0][0]))
    np.testing.assert_allclose(module.forward(params, x), mlp(weights, biases, activations, x), rtol=1e-13)
