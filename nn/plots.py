"""Pictures of a training run, one call each: the loss curves, a 2-D decision boundary, the misclassified images.

Each function returns a matplotlib `Figure` (shown inline by Jupyter) and, given `path`, also writes it
there (.png, .svg or .pdf; replaced whole, never half-written). matplotlib is optional: it is imported
inside the functions, and its absence is an ImportError naming the extra to install. No pyplot: no
window, no global figure list, works without a display.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from .metrics import to_labels
from .module import Module, atomic_write
from .train import History

PLOT_EXTRA_HINT = "pip install 'micrograd-like[plot]'"
FORMATS = ("png", "svg", "pdf")


def plot_history(history: History, path: str | os.PathLike | None = None, title: str = "loss per epoch") -> Any:
    """The training loss per epoch and, if `fit` had `validation_data`, the validation loss, against whole
    epoch numbers (log scale when the loss spans more than a factor 100); the best validation epoch is marked."""
    Figure, MaxNLocator = _matplotlib(path)
    if not history.epoch_losses:
        raise ValueError("plot_history: the history has no epochs (was fit run with epochs=0?)")
    figure = Figure(figsize=(6, 4), layout="constrained")
    axes = figure.subplots()
    curves = {"training": history.epoch_losses, "validation": history.validation_losses}
    for name, losses in curves.items():
        if losses:
            axes.plot(np.arange(1, len(losses) + 1), losses, label=name, marker="." if len(losses) <= 30 else None)
    if history.best_epoch is not None:
        axes.axvline(history.best_epoch, color="grey", linestyle=":", label=f"best (epoch {history.best_epoch})")
    every = np.concatenate([np.asarray(v, dtype=float) for v in curves.values() if v])
    every = every[np.isfinite(every)]
    if every.size and every.min() > 0 and every.max() / every.min() > 100:
        axes.set_yscale("log")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
    axes.set(xlabel="epoch", ylabel="mean loss", title=title)
    axes.grid(True, alpha=0.3)
    axes.legend()
    return _finish(figure, path)


def plot_decision_boundary(model: Module, X: Any, y: Any, path: str | os.PathLike | None = None,
                           threshold: float = 0.0, resolution: int = 200, title: str | None = None) -> Any:
    """micrograd's demo picture: the class `model` predicts at every point of the plane, shaded, with the
    points (X, of shape (n, 2)) over it coloured by their class y. One output is a class by `threshold`
    (0 for logits or scores, as the default losses give; 0.5 for a sigmoid output); several outputs, by
    the largest."""
    Figure, _ = _matplotlib(path)
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y).reshape(-1)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) != len(y) or len(X) == 0:
        raise ValueError(f"plot_decision_boundary: X must be (n, 2) points and y their n classes, got shapes "
                         f"{X.shape} and {y.shape}")
    low, high = X.min(axis=0), X.max(axis=0)
    margin = 0.1 * np.maximum(high - low, 1e-9) + 0.25
    xs = np.linspace(low[0] - margin[0], high[0] + margin[0], resolution)
    ys = np.linspace(low[1] - margin[1], high[1] + margin[1], resolution)
    grid_x, grid_y = np.meshgrid(xs, ys)
    grid = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    predicted = to_labels(model.predict(grid), threshold).reshape(grid_x.shape)
    n_classes = int(max(predicted.max(), y.max())) + 1
    figure = Figure(figsize=(5, 5), layout="constrained")
    axes = figure.subplots()
    levels = np.arange(n_classes + 1) - 0.5
    axes.contourf(grid_x, grid_y, predicted, levels=levels, cmap="Spectral", alpha=0.8, vmin=0, vmax=n_classes - 1)
    axes.scatter(X[:, 0], X[:, 1], c=y, s=30, cmap="Spectral", edgecolors="black", linewidths=0.5,
                 vmin=0, vmax=n_classes - 1)
    accuracy = float(np.mean(to_labels(model.predict(X), threshold) == y))
    axes.set(xlim=(xs[0], xs[-1]), ylim=(ys[0], ys[-1]),
             title=title or f"decision boundary (accuracy on these points {accuracy:.3f})")
    return _finish(figure, path)


def plot_misclassified(images: Any, labels: Any, predictions: Any, path: str | os.PathLike | None = None,
                       max_images: int = 36, title: str | None = None) -> Any:
    """A grid of the images whose prediction is wrong, each titled "true 3, predicted 8". `images`: (N, H, W),
    (N, 1, H, W), or flat (N, H*W) rows of a square image (the 64 pixels of the 8x8 digits, MNIST's 784);
    `labels` and `predictions` are N classes. At most `max_images` are shown (the first ones)."""
    Figure, _ = _matplotlib(path)
    images, labels, predictions = np.asarray(images, dtype=np.float64), np.asarray(labels), np.asarray(predictions)
    images = _square_images(images)
    if labels.shape != (len(images),) or predictions.shape != (len(images),):
        raise ValueError(f"plot_misclassified: labels and predictions must be one class per image ({len(images)}), "
                         f"got shapes {labels.shape} and {predictions.shape}")
    wrong = np.flatnonzero(labels != predictions)
    shown = wrong[:max_images]
    columns = max(1, min(6, len(shown)))
    rows = max(1, math.ceil(len(shown) / columns))
    figure = Figure(figsize=(1.5 * columns + 0.5, 1.6 * rows + 0.6), layout="constrained")
    grid = np.atleast_1d(figure.subplots(rows, columns, squeeze=False).ravel())
    for axes in grid:
        axes.set_axis_off()
    for axes, i in zip(grid, shown):
        axes.imshow(images[i], cmap="gray_r", interpolation="nearest")
        axes.set_title(f"true {labels[i]}, predicted {predictions[i]}", fontsize=8)
    if not len(shown):
        grid[0].text(0.5, 0.5, "no misclassified examples", ha="center", va="center")
    figure.suptitle(title or f"{len(wrong)} of {len(images)} misclassified"
                    + (f" (the first {len(shown)} shown)" if len(shown) < len(wrong) else ""))
    return _finish(figure, path)


def check_plot_path(path: str | os.PathLike) -> str:
    """The format a plot path asks for ("png", "svg", "pdf"), or a ValueError naming the ones that work."""
    extension = os.path.splitext(os.fspath(path))[1].lstrip(".").lower()
    if extension not in FORMATS:
        raise ValueError(f"{os.fspath(path)}: a plot's file name must end in one of {['.' + f for f in FORMATS]}")
    return extension


def _square_images(images: np.ndarray) -> np.ndarray:
    if images.ndim == 4 and images.shape[1] == 1:
        return images[:, 0]
    if images.ndim == 3:
        return images
    if images.ndim == 2:
        side = math.isqrt(images.shape[1])
        if side * side == images.shape[1]:
            return images.reshape(len(images), side, side)
    raise ValueError(f"plot_misclassified: images must be (N, H, W), (N, 1, H, W) or flat rows of a square image "
                     f"(64 or 784 pixels), got shape {images.shape}")


def _matplotlib(path: str | os.PathLike | None) -> tuple[Any, Any]:
    """matplotlib's Figure and MaxNLocator, after checking `path`'s format (before any drawing)."""
    if path is not None:
        check_plot_path(path)
    try:
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        raise ImportError(f"plotting needs matplotlib, which is not installed: {PLOT_EXTRA_HINT}") from None
    return Figure, MaxNLocator


def _finish(figure: Any, path: str | os.PathLike | None) -> Any:
    if path is not None:
        extension = check_plot_path(path)
        with atomic_write(path) as fh:
            figure.savefig(fh, format=extension)
    return figure
