"""Training: batches, the step-by-step iterator (gradients seen before the update), fit's history,
early stopping and progress bar, and XOR and AND learnt to 100% from fixed seeds."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from nn import SGD, Adam, accuracy, datasets, dense_network, fit, half_sse_loss, mse_loss, training_steps
from nn.deltas.seeds import seed000_and
from nn.train import batches

X_XOR, Y_XOR = datasets.truth_table("xor")
X_AND, Y_AND = datasets.truth_table("and")


# ---- batches ---------------------------------------------------------------------------------------

def test_full_batch_per_sample_and_minibatches_visit_every_sample_once():
    assert [b.tolist() for b in batches(5, None, shuffle=False)] == [[0, 1, 2, 3, 4]]
    assert [b.tolist() for b in batches(3, 1, shuffle=False)] == [[0], [1], [2]]
    minibatches = batches(10, 4, rng=0)
    assert [len(b) for b in minibatches] == [4, 4, 2]
    assert sorted(np.concatenate(minibatches).tolist()) == list(range(10))
    assert [len(b) for b in batches(10, 4, rng=0, drop_last=True)] == [4, 4]


def test_shuffling_is_reproducible_from_a_seed():
    first, second = batches(50, 10, rng=3), batches(50, 10, rng=3)
    assert all(np.array_equal(a, b) for a, b in zip(first, second))
    assert not np.array_equal(np.concatenate(first), np.arange(50))


@pytest.mark.parametrize("n, size, message", [(0, 2, "n_samples must be a positive int, got 0"),
                                              (5, 0, "batch_size must be a positive int or None"),
                                              (5, 2.5, "got 2.5")])
def test_bad_batch_arguments_are_named(n, size, message):
    with pytest.raises(ValueError, match=message):
        batches(n, size)


# ---- step by step --------------------------------------------------------------------------------------

def test_each_step_shows_the_gradients_and_parameters_before_the_update():
    net = dense_network((2, 3, 1), ("tanh", "sigmoid"), rng=0)
    steps = training_steps(net, X_XOR, Y_XOR.reshape(-1, 1), mse_loss, SGD(net.parameters(), lr=0.5),
                           epochs=2, batch_size=2, rng=0)
    step = next(steps)
    before = step.parameters()
    grads = {name: g.copy() for name, g in step.gradients().items()}
    # they are the gradients of this batch's loss at the parameters shown: recompute on a fresh copy
    fresh = dense_network((2, 3, 1), ("tanh", "sigmoid"), rng=1)
    fresh.load_state_dict(before)
    loss = mse_loss(fresh(step.inputs), step.targets)
    loss.backward()
    assert step.loss.item() == loss.item()
    for name, p in fresh.named_parameters():
        np.testing.assert_allclose(grads[name], p.grad, rtol=1e-14)

    following = next(steps)                   # advancing applies the update: p <- p - lr * grad
    for name, p in net.named_parameters():
        np.testing.assert_allclose(p.data, before[name] - 0.5 * grads[name], rtol=1e-14)
    with pytest.raises(RuntimeError, match="applied already"):
        step.parameters()
    assert (following.number, following.epoch) == (1, 0)
    assert [(s.number, s.epoch) for s in steps] == [(2, 1), (3, 1)]  # 2 epochs of 2 batches


def test_breaking_out_of_the_iterator_skips_the_last_update():
    net = dense_network((2, 3, 1), ("tanh", "sigmoid"), rng=0)
    before = net.state_dict()
    for step in training_steps(net, X_XOR, Y_XOR.reshape(-1, 1), "mse", SGD(net.parameters(), lr=0.5), epochs=5):
        assert step.number == 0 and step.epoch == 0 and step.loss.parents  # the graph, to draw or walk
        break
    for name, array in net.state_dict().items():
        np.testing.assert_array_equal(array, before[name])


def test_bad_training_arguments_are_errors_at_once_not_at_the_first_step():
    net = dense_network((2, 1), ("sigmoid",), rng=0)
    opt = SGD(net.parameters(), lr=0.1)
    with pytest.raises(ValueError, match=r"one row per sample: got shapes \(4, 2\) and \(3,\)"):
        training_steps(net, X_AND, Y_AND[:3], "mse", opt, epochs=1)
    with pytest.raises(ValueError, match="unknown loss 'l1'"):
        training_steps(net, X_AND, Y_AND, "l1", opt, epochs=1)
    with pytest.raises(ValueError, match="epochs must be a non-negative int, got -1"):
        fit(net, X_AND, Y_AND, "mse", opt, epochs=-1)
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        training_steps(net, X_AND, Y_AND, "mse", opt, epochs=1, batch_size=0)


# ---- fit ----------------------------------------------------------------------------------------------

def test_fit_records_every_step_and_the_sample_weighted_mean_of_each_epoch():
    X, y = datasets.two_moons(10, rng=0)
    net = dense_network((2, 4, 1), ("tanh", "sigmoid"), rng=0)
    history = fit(net, X, y.reshape(-1, 1), "mse", SGD(net.parameters(), lr=0.1), epochs=3, batch_size=4, rng=0,
                  metrics=["accuracy"], progress=False)
    assert len(history.step_losses) == 3 * 3 and len(history.epoch_losses) == 3
    first_epoch = history.step_losses[:3]
    assert history.epoch_losses[0] == pytest.approx((4 * first_epoch[0] + 4 * first_epoch[1] + 2 * first_epoch[2])
                                                    / 10, rel=1e-15)
    assert history.metrics["accuracy"][-1] == accuracy(net(X), y.reshape(-1, 1))  # after the last update
    assert not history.stopped_early


def test_fit_stops_after_the_first_epoch_at_or_below_the_target_loss():
    net = dense_network((2, 4, 1), ("tanh", "sigmoid"), rng=0)
    history = fit(net, X_XOR, Y_XOR.reshape(-1, 1), "mse", Adam(net.parameters(), lr=0.1), epochs=10_000,
                  target_loss=1e-2, progress=False)
    assert history.stopped_early
    assert history.epoch_losses[-1] <= 1e-2 < history.epoch_losses[-2]
    assert len(history.epoch_losses) < 10_000


def test_fit_learns_xor_to_100_percent():
    net = dense_network((2, 4, 1), ("tanh", "identity"), rng=0)
    history = fit(net, X_XOR, Y_XOR.reshape(-1, 1), "bce_logits", Adam(net.parameters(), lr=0.1), epochs=300,
                  metrics={"accuracy": lambda out, y: accuracy(out, y, threshold=0.0)}, progress=False)
    assert history.metrics["accuracy"][-1] == 1.0
    assert history.epoch_losses[-1] < 0.01


def test_fit_learns_and_to_100_percent_per_sample():
    net = dense_network((2, 1), ("sigmoid",), rng=0)
    history = fit(net, X_AND, Y_AND.reshape(-1, 1), "mse", SGD(net.parameters(), lr=2.0), epochs=300, batch_size=1,
                  rng=0, metrics=["accuracy"], progress=False)
    assert history.metrics["accuracy"][-1] == 1.0
    assert len(history.step_losses) == 4 * 300


def test_fit_reproduces_seed_000s_own_training():
    """The tutorial's network (biases frozen, target bit copied onto both outputs, per-sample updates in
    order) trained by `fit` ends where the tutorial's hand-written backprop ends."""
    X, y = seed000_and.data()
    tutorial = seed000_and.build(seed000_and.init_params())
    tutorial.train(X, y, seed000_and.LEARNING_RATE, seed000_and.EPOCHS)
    net = dense_network((2, 3, 3, 2), ("tanh", "sigmoid", "sigmoid"), init="uniform",
                        rng=np.random.RandomState(seed000_and.SEED))
    net.freeze("*.bias")
    fit(net, X, np.repeat(y, 2, axis=1), half_sse_loss, SGD(net.parameters(), lr=seed000_and.LEARNING_RATE),
        epochs=seed000_and.EPOCHS, batch_size=1, shuffle=False, progress=False)
    for layer, linear in zip(tutorial._layers, net.layers[::2]):
        np.testing.assert_allclose(linear.weight.data, layer.weights, rtol=1e-12, atol=1e-13)
        np.testing.assert_array_equal(linear.bias.data, layer.bias)


def test_progress_bar_on_request_and_silence_otherwise(capsys):
    pytest.importorskip("tqdm")
    net = dense_network((2, 1), ("sigmoid",), rng=0)
    fit(net, X_AND, Y_AND.reshape(-1, 1), "mse", SGD(net.parameters(), lr=0.1), epochs=7, progress=True)
    bar = capsys.readouterr().err
    assert "7/7" in bar and "epoch" in bar and "loss=" in bar
    fit(net, X_AND, Y_AND.reshape(-1, 1), "mse", SGD(net.parameters(), lr=0.1), epochs=7, progress=False)
    assert capsys.readouterr().err == ""


def test_without_tqdm_training_goes_on_and_says_how_to_get_a_bar(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # makes the import fail
    net = dense_network((2, 1), ("sigmoid",), rng=0)
    history = fit(net, X_AND, Y_AND.reshape(-1, 1), "mse", SGD(net.parameters(), lr=0.1), epochs=3, progress=True)
    assert len(history.epoch_losses) == 3
    assert "micrograd-like[progress]" in capsys.readouterr().err
