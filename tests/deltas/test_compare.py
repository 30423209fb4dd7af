"""The comparison of hand-derived deltas with autograd: where each seed agrees, and where it disagrees,
by exactly which factor. The disagreements are findings about the tutorials: pinned here, not fixed."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from nn.cli.check_deltas import main as main_check_deltas
from nn.deltas import compare, delta_rule
from nn.deltas.compare import Row, autograd_gradients, compare_general, compare_seed, seed001_saturation
from nn.deltas.seeds import seed000_and, seed001_digits, seed002_xor, seed003_xor
from nn.losses import LOSSES, half_sse_loss_composed, mse_loss_composed


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


# --- the row: differences, agreement, a constant ratio -------------------------------------------


def test_a_row_measures_the_difference_relative_to_the_largest_gradient_and_finds_a_constant_ratio():
    autograd = np.array([[1.0, -2.0], [0.0, 4.0]])
    same = Row(1, "W", autograd + 1e-14, autograd)
    assert same.max_abs == pytest.approx(1e-14) and same.max_rel == pytest.approx(1e-14 / 4)
    assert same.agrees and same.ratio is None  # 1e-14 / 0 at the zero entry: not one ratio
    halved = Row(1, "W", 0.5 * autograd, autograd)
    assert not halved.agrees and halved.ratio == 0.5 and halved.max_rel == pytest.approx(0.5)
    never_stepped = Row(2, "b", np.zeros(3), np.array([0.1, -0.2, 0.3]))
    assert not never_stepped.agrees and never_stepped.ratio == 0.0 and never_stepped.max_rel == 1.0
    elementwise = Row(1, "delta", autograd * np.array([[1.0, 2.0], [1.0, 1.0]]), autograd)
    assert not elementwise.agrees and elementwise.ratio is None
    nothing = Row(1, "b", np.zeros(2), np.zeros(2))
    assert nothing.agrees and nothing.max_rel == 0.0
    something_from_nothing = Row(1, "b", np.array([0.0, 1e-3]), np.zeros(2))
    assert not something_from_nothing.agrees and something_from_nothing.max_rel == float("inf")
    assert Row(1, "W", autograd * (1 + 1e-9), autograd).agrees is False  # 1e-9 is far beyond 1e-12


def test_a_wrong_loss_is_caught_with_its_factor():
    """The comparison can fail: the delta rule for 1/2 SSE against autograd on the MSE differs by N/2."""
    rng = np.random.default_rng(1)
    weights, biases = [rng.normal(size=(3, 4)), rng.normal(size=(4, 2))], [rng.normal(size=4), rng.normal(size=2)]
    x, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    hand = delta_rule.backprop(weights, biases, ["tanh", "identity"], x, y, "half_sse")
    autograd = autograd_gradients(weights, biases, ["tanh", "identity"], x, y, mse_loss_composed)
    for h, a in zip(hand.grad_weights + hand.grad_biases, autograd.weights + autograd.biases):
        row = Row(1, "W", h, a)
        assert not row.agrees and row.ratio == pytest.approx(y.size / 2, rel=1e-12)


# --- the general delta rule ------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_the_general_delta_rule_agrees_with_autograd_for_every_loss(seed):
    comparison = compare_general(seed)
    assert comparison.keys == ["mse", "half_sse", "bce", "bce_logits", "softmax_ce"]
    for reference in comparison.references:
        assert reference.agrees, str(comparison)
        assert all(row.max_rel <= 1e-12 for row in reference.rows)
        assert max(np.abs(row.autograd).max() for row in reference.rows) > 1e-3  # not 0 = 0


# --- seed 000: the weights follow the gradient, the biases are never stepped ------------------------


@pytest.mark.parametrize("sample", range(4))
def test_000_weights_agree_biases_disagree_in_every_layer_because_they_are_never_stepped(sample):
    X, y = seed000_and.data()
    comparison = compare_seed("seed000", seed000_and.init_params(), X[sample], y[sample])
    stated = comparison["stated"]
    for layer in (1, 2, 3):
        assert stated.row(layer, "W").agrees
        assert stated.row(layer, "delta").agrees  # the seed computes the right delta ...
        bias = stated.row(layer, "b")
        assert not bias.agrees and bias.ratio == 0.0  # ... and never applies it to the bias:
        np.testing.assert_array_equal(bias.hand, 0.0)
        # the gradient it leaves out is that very delta (one sample: db = delta)
        np.testing.assert_allclose(bias.autograd, stated.row(layer, "delta").autograd[0], rtol=1e-14)
        assert np.abs(bias.autograd).max() > 1e-4
    assert "disagrees at layer 1 b (ratio 0), layer 2 b (ratio 0), layer 3 b (ratio 0)" in stated.summary()


# --- seed 001: its delta is not the gradient of any loss it names -----------------------------------


@pytest.fixture(scope="module")
def seed001_comparison():
    pytest.importorskip("sklearn")
    return compare_seed("seed001")


def output_sigmoid_derivatives(batch_size=seed001_digits.BATCH_SIZE):
    """s'(a) and s'(z) at seed 001's output layer on the default batch, written out here."""
    x, _ = seed001_digits.data()
    (W1, W2), (b1, b2) = seed001_digits.to_standard(seed001_digits.init_params())
    z = np.maximum(x[:batch_size] @ W1 + b1, 0) @ W2 + b2
    a = sigmoid(z)
    return sigmoid(a) * (1 - sigmoid(a)), a * (1 - a)


def test_001_disagrees_with_the_stated_mse_at_every_parameter(seed001_comparison):
    stated = seed001_comparison["stated"]
    assert not any(row.agrees for row in stated.rows)
    assert stated.summary() == "disagrees everywhere, by no constant factor"
    # the output delta: MSE.prime lacks the 2 / (batch * outputs) of the mean, and sigmoid' is taken at a
    sprime_a, sprime_z = output_sigmoid_derivatives()
    delta = stated.row(2, "delta")
    np.testing.assert_allclose(delta.hand / delta.autograd, (15 * 10 / 2) * sprime_a / sprime_z, rtol=1e-9)


def test_001_output_delta_differs_from_half_sse_by_sprime_at_a_over_sprime_at_z_elementwise(seed001_comparison):
    half_sse = seed001_comparison["half_sse"]
    assert not any(row.agrees for row in half_sse.rows)
    sprime_a, sprime_z = output_sigmoid_derivatives()
    delta = half_sse.row(2, "delta")
    np.testing.assert_allclose(delta.hand / delta.autograd, sprime_a / sprime_z, rtol=1e-9)
    assert (sprime_a / sprime_z).max() > 100 * (sprime_a / sprime_z).min()  # far from one constant factor


def test_001_from_its_own_output_delta_only_the_bias_differs_by_one_over_the_batch(seed001_comparison):
    """Autograd through x @ W + b and the activations, started from the seed's output delta: below the
    output the seed's rule is the chain rule, except its bias step, the batch mean of a batch sum."""
    below = seed001_comparison["seed_output_delta"]
    for layer in (1, 2):
        assert below.row(layer, "W").agrees and below.row(layer, "delta").agrees
        bias = below.row(layer, "b")
        assert not bias.agrees and bias.ratio == pytest.approx(1 / 15, rel=1e-12)  # batch mean vs batch sum


def test_the_comparison_graph_uses_only_primitive_ops(monkeypatch):
    """No fused op on the autograd side: neither `linear` nor the fused squared error is ever called."""
    import micrograd_like
    from nn import losses

    def refuse(*args, **kwargs):
        raise AssertionError("a fused op on the autograd side of the comparison")

    monkeypatch.setattr(losses.SquaredError, "apply", refuse)
    monkeypatch.setattr(micrograd_like, "linear", refuse)
    for name in ("seed000", "seed002", "seed003"):
        compare_seed(name)
    compare_general(0)


def test_001_saturation_at_initialisation_explains_the_gap():
    pytest.importorskip("sklearn")
    x, y = seed001_digits.data()
    saturation = seed001_saturation(seed001_digits.init_params(), x, y)
    # raw pixels 0..16: a large share of the output sigmoids start saturated, many on the wrong side
    assert saturation.saturated > 0.3 and saturation.stuck > 0.15 * saturation.outputs
    assert saturation.stuck_sprime_z < 0.01  # there, the true delta is < 1% of the error a - y ...
    low, high = saturation.sprime_a_range
    assert 0.1966 <= low and high <= 0.25  # ... while the seed's is 0.197 .. 0.25 of it
    assert saturation.median_ratio > 10
    assert saturation.misclassified_stuck > 0.9 * saturation.misclassified


# --- seed 002: the gradient of half the error it returns ---------------------------------------------


def test_002_is_exactly_half_the_gradient_of_the_error_it_returns_at_every_parameter():
    comparison = compare_seed("seed002")
    stated = comparison["stated"]
    for row in stated.rows:
        assert not row.agrees and row.ratio == pytest.approx(0.5, rel=1e-12)
    assert stated.summary().startswith("disagrees by a factor 0.5 (1/2) everywhere")
    assert comparison["half_sse"].agrees


def test_002_agrees_with_half_sse_on_other_weights_too():
    X, T = seed002_xor.data()
    for seed in range(3):
        assert compare_seed("seed002", seed002_xor.init_params(seed=seed), X, T)["half_sse"].agrees


# --- seed 003: the gradient of 1/2 SSE, n/2 times that of the MSE it names ----------------------------


@pytest.mark.parametrize("rows", [4, 3, 2])
def test_003_agrees_with_half_sse_and_is_n_over_2_times_the_mse_gradient(rows):
    X, y = seed003_xor.data()
    comparison = compare_seed("seed003", seed003_xor.init_params(), X[:rows], y[:rows])
    assert comparison["half_sse"].agrees
    for row in comparison["stated"].rows:
        assert row.ratio == pytest.approx(rows / 2, rel=1e-12)
        assert row.agrees == (rows == 2)  # with two rows the MSE is 1/2 SSE


# --- the display and the command line ---------------------------------------------------------------


def test_the_table_says_which_rows_disagree_and_by_what():
    comparison = compare_seed("seed002")
    text = str(comparison)
    assert "vs the error it returns, sum (O - T)^2: disagrees by a factor 0.5 (1/2) everywhere" in text
    assert "vs 1/2 sum (O - T)^2: agrees everywhere" in text
    lines = [line.split() for line in text.splitlines() if line.strip().startswith(("1 ", "2 "))]
    assert len(lines) == 2 * 6  # two references x two layers x (W, b, delta)
    assert [line[-1] for line in lines] == ["NO"] * 6 + ["yes"] * 6
    html = comparison._repr_html_()
    assert html.count("<table>") == 2 and html.count("<tr>") == 2 * 7
    assert html.count(">no</td>") == 6 and html.count(">yes</td>") == 6


def test_check_deltas_prints_the_tables(capsys):
    assert main_check_deltas(["seed003"]) == 0
    out = capsys.readouterr().out
    assert "vs the mean squared error the text names, mean((t - y)^2): disagrees by a factor 2 everywhere" in out
    assert main_check_deltas(["general", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert out.count("agrees everywhere") == 5 and "NO" not in out


def test_check_deltas_all_covers_every_seed_and_the_general_rule(capsys):
    pytest.importorskip("sklearn")
    assert main_check_deltas([]) == 0
    out = capsys.readouterr().out
    for title in ("seed000:", "seed001:", "seed002:", "seed003:", "the general delta rule"):
        assert title in out
    assert "stuck on the wrong side" in out


def test_check_deltas_fails_when_the_general_rule_disagrees(capsys, monkeypatch):
    wrong = dataclasses.replace(LOSSES["mse"], composed=half_sse_loss_composed)  # autograd on the wrong loss
    monkeypatch.setattr(compare, "LOSSES", dict(LOSSES, mse=wrong))
    assert main_check_deltas(["general"]) == 1
    assert "vs mse on a" in capsys.readouterr().out


def test_compare_seed_names_an_unknown_seed():
    with pytest.raises(ValueError, match="unknown seed 'seed9'.*seed000"):
        compare_seed("seed9")
