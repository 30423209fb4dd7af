"""Training that teaches generalisation and notices when it breaks: validation data and early stopping
in `fit`, `train_test_split`, inputs refused before the first step, and `TrainingDiverged` at the first
non-finite loss with the parameters left at their last finite values."""

from __future__ import annotations

import numpy as np
import pytest

from nn import SGD, Adam, TrainingDiverged, datasets, dense_network, fit, mse_loss, training_steps
from nn.datasets import train_test_split

X_MOONS, Y_MOONS = datasets.two_moons(80, noise=0.1, rng=0)
T_MOONS = Y_MOONS.reshape(-1, 1).astype(float)


def network(seed: int = 0):
    return dense_network((2, 6, 1), ("tanh", "sigmoid"), rng=seed)


def numpy_mse(model, X, targets) -> float:
    return float(np.mean((model.predict(X) - targets) ** 2))


# ---- validation data -----------------------------------------------------------------------------------

def test_the_validation_loss_and_metrics_of_every_epoch_are_those_of_the_model_after_that_epoch():
    X_train, X_val, y_train, y_val = X_MOONS[:60], X_MOONS[60:], T_MOONS[:60], T_MOONS[60:]
    model, seen = network(), []
    history = fit(model, X_train, y_train, mse_loss, Adam(model.parameters(), lr=0.05), epochs=6, batch_size=16,
                  rng=0, metrics=["accuracy"], validation_data=(X_val, y_val),
                  on_epoch_end=lambda epoch, h: seen.append((epoch, numpy_mse(model, X_val, y_val),
                                                             np.mean((model.predict(X_val) > 0.5) == y_val))))
    assert [epoch for epoch, _, _ in seen] == [1, 2, 3, 4, 5, 6]
    np.testing.assert_allclose(history.validation_losses, [loss for _, loss, _ in seen], rtol=1e-12)
    np.testing.assert_allclose(history.validation_metrics["accuracy"], [acc for _, _, acc in seen])
    assert len(history.metrics["accuracy"]) == len(history.epoch_losses) == 6
    assert history.best_epoch == 1 + int(np.argmin(history.validation_losses))


def anti_validation():
    """Held-out labels that are the opposite of the training labels: the better the model learns, the
    worse its validation loss, so the best epoch is the first."""
    return X_MOONS, T_MOONS, (X_MOONS, 1.0 - T_MOONS)


def test_patience_stops_once_the_validation_loss_has_not_improved_for_that_many_epochs():
    X, y, validation = anti_validation()
    model = network()
    history = fit(model, X, y, mse_loss, SGD(model.parameters(), lr=0.5), epochs=100, validation_data=validation,
                  patience=3)
    assert np.all(np.diff(history.validation_losses) > 0)  # it only got worse
    assert history.best_epoch == 1 and len(history.epoch_losses) == 1 + 3 and history.stopped_early


def test_restore_best_weights_gives_back_the_weights_of_the_best_epoch():
    X, y, validation = anti_validation()
    snapshots = {}
    for restore in (False, True):
        model = network()
        weights = []
        fit(model, X, y, mse_loss, SGD(model.parameters(), lr=0.5), epochs=100, validation_data=validation,
            patience=3, restore_best_weights=restore,
            on_epoch_end=lambda epoch, h, m=model, w=weights: w.append(m.state_dict()))
        snapshots[restore] = (model.state_dict(), weights)
    final, weights = snapshots[True]
    for name in final:
        np.testing.assert_array_equal(final[name], weights[0][name])  # epoch 1, the best
        assert not np.array_equal(final[name], weights[-1][name])
    final, weights = snapshots[False]
    for name in final:
        np.testing.assert_array_equal(final[name], weights[-1][name])


@pytest.mark.parametrize("options, message", [
    ({"patience": 2}, "pass validation_data"),
    ({"restore_best_weights": True}, "pass validation_data"),
    ({"validation_data": (X_MOONS[:, :1], T_MOONS)}, "each sample must look like the training data"),
    ({"validation_data": (X_MOONS, T_MOONS[:5])}, "one row per sample"),
    ({"validation_data": X_MOONS}, "must be a pair"),
    ({"validation_data": (np.full((3, 2), np.nan), np.zeros((3, 1)))}, "X_val holds 6 NaN"),
    ({"validation_data": (X_MOONS, T_MOONS), "patience": 0}, "patience must be a positive int"),
])
def test_bad_validation_options_are_named(options, message):
    model = network()
    with pytest.raises(ValueError, match=message):
        fit(model, X_MOONS, T_MOONS, mse_loss, SGD(model.parameters(), lr=0.1), epochs=2, **options)


# ---- train_test_split ------------------------------------------------------------------------------------

def test_the_split_is_a_seeded_partition_of_the_rows():
    X = np.arange(40, dtype=float).reshape(20, 2)
    y = np.arange(20)
    X_train, X_test, y_train, y_test = train_test_split(X, y, 0.25, rng=3)
    assert len(X_test) == 5 and len(X_train) == 15
    assert sorted(np.concatenate([y_train, y_test]).tolist()) == list(range(20))
    np.testing.assert_array_equal(X_test[:, 0], 2 * y_test)  # rows stay with their labels
    again = train_test_split(X, y, 0.25, rng=3)
    np.testing.assert_array_equal(again[3], y_test)
    assert not np.array_equal(train_test_split(X, y, 0.25, rng=4)[3], y_test)


def test_a_stratified_split_keeps_each_class_in_proportion():
    y = np.repeat([0, 1, 2], [50, 30, 20])
    X = np.arange(100, dtype=float).reshape(-1, 1)
    _, X_test, _, y_test = train_test_split(X, y, 0.2, rng=0, stratify=True)
    assert np.bincount(y_test).tolist() == [10, 6, 4]
    np.testing.assert_array_equal(y[X_test[:, 0].astype(int)], y_test)
    # unstratified, a split of this size usually does not keep the proportions exactly
    counts = {tuple(np.bincount(train_test_split(X, y, 0.2, rng=seed)[3], minlength=3)) for seed in range(20)}
    assert counts != {(10, 6, 4)}


@pytest.mark.parametrize("fraction, stratify, message", [
    (0.0, False, "between 0 and 1"), (1.0, False, "between 0 and 1"), (True, False, "between 0 and 1"),
    (0.99, False, "leave none for training"), (0.5, True, "has only 1 sample"),
])
def test_bad_splits_are_refused(fraction, stratify, message):
    y = np.array([0, 0, 0, 1])
    with pytest.raises(ValueError, match=message):
        train_test_split(np.zeros((4, 2)), y, fraction, rng=0, stratify=stratify)


# ---- inputs refused before the first step -------------------------------------------------------------------

@pytest.mark.parametrize("X, y, message", [
    (np.array([[0.0, 1.0], [np.nan, 0.0]]), np.zeros((2, 1)), r"X holds 1 NaN .* index \(1, 0\)"),
    (np.zeros((3, 2)), np.array([[0.0], [1.0], [np.inf]]), r"y holds 1 NaN or infinite .* inf at index \(2, 0\)"),
    ([[0.0, 1.0], [None, 2.0]], np.zeros((2, 1)), r"X must hold numbers only; its entry at index \(1, 0\) is None"),
    (np.array([["a", "b"]]), np.zeros((1, 1)), "X must hold numbers only"),
    (np.zeros((2, 2)), ["yes", "no"], "y must hold numbers only; its entry at index 0 is 'yes'"),
])
def test_non_finite_or_non_numeric_inputs_are_refused_before_any_step(X, y, message):
    model = network()
    before = model.state_dict()
    with pytest.raises(ValueError, match=message):
        fit(model, X, y, mse_loss, SGD(model.parameters(), lr=0.1), epochs=1)
    with pytest.raises(ValueError, match=message):
        training_steps(model, X, y, mse_loss, SGD(model.parameters(), lr=0.1), epochs=1)  # at the call
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name])


# ---- divergence -------------------------------------------------------------------------------------------

def exploding_network():
    return dense_network((2, 8, 1), ("relu", "identity"), rng=0)


def test_a_diverging_run_stops_at_the_first_non_finite_loss_and_says_why():
    model = exploding_network()
    losses = []
    with pytest.raises(TrainingDiverged) as caught, np.errstate(over="ignore", invalid="ignore"):
        fit(model, X_MOONS * 10, T_MOONS, mse_loss, SGD(model.parameters(), lr=10.0), epochs=1000,
            on_epoch_end=lambda epoch, h: losses.append(h.epoch_losses[-1]))
    error = caught.value
    assert isinstance(error, ArithmeticError)
    assert error.epoch == len(losses) + 1 and error.step == 1 and error.overall_step == len(losses) + 1
    assert error.last_finite_loss == losses[-1] and np.isfinite(losses).all()
    message = str(error)
    assert f"epoch {error.epoch}, step 1" in message and f"{losses[-1]:.6g}" in message
    assert "learning rate (10) is probably too large" in message
    for name, value in model.state_dict().items():
        assert np.isfinite(value).all(), name


def test_the_parameters_are_those_from_before_the_diverging_step():
    calls = []

    def nan_on_third_call(outputs, targets):
        calls.append(1)
        loss = mse_loss(outputs, targets)
        return loss * float("nan") if len(calls) == 3 else loss

    model, reference = network(), network()
    with pytest.raises(TrainingDiverged, match=r"epoch 3, step 1 \(step 3 overall\): the loss became nan"):
        fit(model, X_MOONS, T_MOONS, nan_on_third_call, SGD(model.parameters(), lr=0.5), epochs=5, rng=0)
    fit(reference, X_MOONS, T_MOONS, mse_loss, SGD(reference.parameters(), lr=0.5), epochs=2, rng=0)  # two good steps
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, reference.state_dict()[name])


def test_an_infinite_gradient_with_a_finite_loss_also_stops_before_the_update():
    def finite_loss_infinite_gradient(outputs, targets):
        return (outputs * np.array([[np.inf]] * len(targets))).sum() * 0.0 + mse_loss(outputs, targets)

    model = network()
    before = model.state_dict()
    with np.errstate(invalid="ignore"):
        with pytest.raises(TrainingDiverged, match="the gradient of|the loss became nan"):
            fit(model, X_MOONS, T_MOONS, finite_loss_infinite_gradient, SGD(model.parameters(), lr=0.5), epochs=3)
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name])


def test_the_step_iterator_raises_too():
    model = exploding_network()
    steps = training_steps(model, X_MOONS * 10, T_MOONS, mse_loss, SGD(model.parameters(), lr=10.0), epochs=1000)
    with pytest.raises(TrainingDiverged), np.errstate(over="ignore", invalid="ignore"):
        for step in steps:
            assert np.isfinite(step.loss_value)
