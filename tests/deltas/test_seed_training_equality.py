"""Our engine and a seed's numpy transcription, trained from the same initial weights on the same batches:
where the seed's update is the exact gradient step of a loss, plain SGD on that loss gives the seed's
weights after every one of many steps (to 1e-12). Seed 001's rule is no gradient step; run inside the
graph by user-defined ops it gives the seed's weights too (to 1e-10)."""

from __future__ import annotations

import numpy as np
import pytest

from nn import SGD, half_sse_loss, mse_loss, training_steps
from nn.deltas.reproduce import (
    reproduce_seed001,
    seed000_model,
    seed000_targets,
    seed001_model,
    seed001_start,
    seed002_model,
    seed003_model,
    weights_and_biases,
)
from nn.deltas.seeds import seed000_and, seed001_digits, seed002_xor, seed003_xor


def assert_same_parameters(model, standard, atol, where):
    ours_w, ours_b = weights_and_biases(model)
    seed_w, seed_b = standard
    for layer, (ours, seeds) in enumerate(zip(ours_w + ours_b, seed_w + seed_b)):
        difference = np.abs(ours - seeds).max()
        assert difference <= atol, f"{where}: parameter {layer} differs by {difference:.3g}"


def test_000_per_sample_sgd_on_half_sse_with_frozen_biases_is_the_seeds_rule_at_every_step():
    params = seed000_and.init_params(100)
    X, y = seed000_and.data()
    model = seed000_model(params)
    start_biases = [b.copy() for b in weights_and_biases(model)[1]]
    optimizer = SGD(model.parameters(), lr=0.3)
    steps = 0
    for step in training_steps(model, X, seed000_targets(y), half_sse_loss, optimizer, epochs=seed000_and.EPOCHS,
                               batch_size=1, shuffle=False):
        # before this step's update, both have taken step.number steps
        assert_same_parameters(model, seed000_and.to_standard(params), 1e-12, f"before step {step.number}")
        sample = step.number % len(X)  # per sample, in order, as the seed's train loop
        np.testing.assert_array_equal(step.inputs, X[sample:sample + 1])
        params = seed000_and.step(params, X[sample], y[sample], lr=0.3)
        steps += 1
    assert steps == 4 * seed000_and.EPOCHS == 1160
    assert_same_parameters(model, seed000_and.to_standard(params), 1e-12, "at the end")
    for bias, start in zip(weights_and_biases(model)[1], start_biases):
        np.testing.assert_array_equal(bias, start)  # frozen, as the seed never steps them


def test_002_full_batch_sgd_on_half_sse_is_the_seeds_rule_at_every_step():
    params = seed002_xor.init_params(seed=0)
    X, T = seed002_xor.data()
    model = seed002_model(params)
    optimizer = SGD(model.parameters(), lr=0.2)
    for step in training_steps(model, X, T, half_sse_loss, optimizer, epochs=3000, shuffle=False):
        assert_same_parameters(model, seed002_xor.to_standard(params), 1e-12, f"before step {step.number}")
        # the error backProp returns, sum (O - T)^2, is twice our loss
        assert seed002_xor.stated_loss(T, seed002_xor.forward(params, X)) == pytest.approx(2 * step.loss_value,
                                                                                             rel=1e-12)
        params = seed002_xor.step(params, X, T, lr=0.2)
    assert_same_parameters(model, seed002_xor.to_standard(params), 1e-12, "at the end")
    # and the weights did travel: this is not equality of two models that stood still
    start_w, _ = seed002_xor.to_standard(seed002_xor.init_params(seed=0))
    assert np.abs(weights_and_biases(model)[0][0] - start_w[0]).max() > 0.02


def test_003_full_batch_sgd_with_rate_one_on_half_sse_is_the_seeds_rule_at_every_step():
    params = seed003_xor.init_params()
    X, y = seed003_xor.data()
    model = seed003_model(params)
    optimizer = SGD(model.parameters(), lr=1.0)
    for step in training_steps(model, X, y, half_sse_loss, optimizer, epochs=seed003_xor.EPOCHS, shuffle=False):
        assert_same_parameters(model, seed003_xor.to_standard(params), 1e-12, f"before step {step.number}")
        params = seed003_xor.step(params, X, y)
    assert_same_parameters(model, seed003_xor.to_standard(params), 1e-12, "after 5000 steps")


def test_001_the_seeds_rule_inside_the_graph_gives_the_seeds_weights_at_every_step_of_an_epoch():
    pytest.importorskip("sklearn")
    x, y = seed001_digits.data()
    params, rng = seed001_start()
    model = seed001_model(params, "seed-rule")
    optimizer = SGD(model.parameters(), lr=seed001_digits.LEARNING_RATE)
    steps = training_steps(model, x, y, half_sse_loss, optimizer, epochs=1, batch_size=15, rng=rng, drop_last=True)
    count = 0
    for step in steps:
        assert_same_parameters(model, seed001_digits.to_standard(params), 1e-10, f"before step {step.number}")
        params = seed001_digits.step(params, step.inputs, step.targets, lr=seed001_digits.LEARNING_RATE)
        count += 1
    assert count == len(x) // 15 == 119
    assert_same_parameters(model, seed001_digits.to_standard(params), 1e-10, "after one epoch")


def test_001_the_seeds_rule_inside_the_graph_reproduces_the_transcriptions_epoch_and_batch_order():
    """Not only the same steps on the same batches: the same batches, drawn as the seed's np.random.shuffle."""
    pytest.importorskip("sklearn")
    x, y = seed001_digits.data()
    ours = reproduce_seed001("seed-rule", epochs=1, x=x, y=y)
    # the tutorial's script: np.random.seed(1), the weights, then fit's shuffles from the global stream
    seeds, _ = seed001_digits.train(seed001_digits.init_params(seed001_digits.SEED), x, y, epochs=1)
    assert_same_parameters(ours.model, seed001_digits.to_standard(seeds), 1e-10, "after one epoch")
    untrained = seed001_digits.to_standard(seed001_digits.init_params(seed001_digits.SEED))
    assert np.abs(weights_and_biases(ours.model)[0][1] - untrained[0][1]).max() > 1e-2


def test_plain_autograd_on_seed_001_leaves_the_seeds_path_at_the_first_step():
    """The counterpart: honest autograd (on the MSE the seed states) is not the seed's rule."""
    pytest.importorskip("sklearn")
    x, y = seed001_digits.data()
    params = seed001_digits.init_params()
    for variant in ("stated-mse", "half-sse"):
        model = seed001_model(params, variant)
        loss = {"stated-mse": mse_loss, "half-sse": half_sse_loss}[variant]
        steps = training_steps(model, x[:15], y[:15], loss, SGD(model.parameters(), lr=1e-3), epochs=1,
                               batch_size=15, shuffle=False)
        for _ in steps:
            pass
        seeds = seed001_digits.to_standard(seed001_digits.step(params, x[:15], y[:15], lr=1e-3))
        with pytest.raises(AssertionError):
            assert_same_parameters(model, seeds, 1e-6, variant)
