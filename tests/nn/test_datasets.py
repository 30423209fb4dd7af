"""The embedded data sets: truth tables, two moons and a spiral (on their curves when noise is 0,
reproducible from a seed), the digits, loading by name, and errors for bad arguments."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from nn import datasets


@pytest.mark.parametrize("name, outputs", [("and", [0, 0, 0, 1]), ("OR", [0, 1, 1, 1]),
                                           ("nand", [1, 1, 1, 0]), ("xor", [0, 1, 1, 0])])
def test_truth_tables(name, outputs):
    X, y = datasets.truth_table(name)
    assert X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]] and X.dtype == np.float64
    assert y.tolist() == outputs


def test_noiseless_moons_lie_on_their_half_circles():
    X, y = datasets.two_moons(101, noise=0.0, rng=0)
    top, bottom = X[y == 0], X[y == 1]
    assert len(top) == 50 and len(bottom) == 51
    np.testing.assert_allclose(np.hypot(top[:, 0], top[:, 1]), 1.0, rtol=1e-14)                  # centre (0, 0)
    np.testing.assert_allclose(np.hypot(bottom[:, 0] - 1, bottom[:, 1] - 0.5), 1.0, rtol=1e-14)  # centre (1, 0.5)
    assert top[:, 1].min() >= 0 and bottom[:, 1].max() <= 0.5


def test_noiseless_spiral_arms_have_evenly_spread_radii():
    X, y = datasets.spiral(300, n_classes=3, noise=0.0, rng=0)
    for k in range(3):
        radii = np.sort(np.hypot(X[y == k, 0], X[y == k, 1]))
        np.testing.assert_allclose(radii, np.linspace(0, 1, 100), atol=1e-15)
    assert datasets.spiral(10, n_classes=3)[0].shape == (10, 2)


@pytest.mark.parametrize("make", [datasets.two_moons, datasets.spiral])
def test_random_data_sets_are_reproducible_from_a_seed(make):
    (X1, y1), (X2, y2), (X3, _) = make(rng=5), make(rng=5), make(rng=6)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)
    assert y1.dtype == np.int64 and len(X1) == len(y1)
    assert not np.all(np.diff(y1) >= 0)  # shuffled, not sorted by class


def test_digits_come_from_scikit_learn():
    pytest.importorskip("sklearn")
    X, y = datasets.digits()
    assert X.shape == (1797, 64) and y.shape == (1797,)
    assert X.min() == 0 and X.max() == 16 and sorted(set(y.tolist())) == list(range(10))


def test_digits_without_scikit_learn_name_the_extra_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)  # makes the import fail
    with pytest.raises(ImportError, match=r"micrograd-like\[data\]"):
        datasets.digits()


def test_load_by_name():
    X, y = datasets.load("moons", n_samples=30, noise=0.0, rng=1)
    assert X.shape == (30, 2)
    np.testing.assert_array_equal(datasets.load("XOR")[1], [0, 1, 1, 0])
    assert datasets.load("spiral", rng=0)[0].shape == (300, 2)


@pytest.mark.parametrize("call, message", [
    (lambda: datasets.load("cifar10"), "unknown data set 'cifar10'"),
    (lambda: datasets.truth_table("xnor"), "unknown truth table 'xnor'"),
    (lambda: datasets.two_moons(-5), "n_samples must be an int of at least 2, got -5"),
    (lambda: datasets.two_moons(10, noise=-0.1), "noise must be a finite number >= 0, got -0.1"),
    (lambda: datasets.spiral(2, n_classes=3), "n_samples must be an int of at least 3, got 2"),
    (lambda: datasets.spiral(30, n_classes=1), "n_classes must be an int of at least 2"),
    (lambda: datasets.load("xor", n_samples=10), "n_samples only apply to the random data sets"),
    (lambda: datasets.two_moons(10.5), "got 10.5"),
])
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_one_hot():
    np.testing.assert_array_equal(datasets.one_hot(np.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]])
    assert datasets.one_hot(np.array([1, 0])).shape == (2, 2)
    with pytest.raises(ValueError, match=r"in \[0, 2\), got 0..2"):
        datasets.one_hot(np.array([0, 2]), 2)
    with pytest.raises(ValueError, match="vector of integers"):
        datasets.one_hot(np.array([0.0, 1.0]))
