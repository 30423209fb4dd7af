"""nn.plots: each picture is one call, returns the Figure, shows what it says (read back from the Figure's
artists), and is written whole to a checked path; without matplotlib, an ImportError names the extra."""

from __future__ import annotations

import sys

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="the plots need matplotlib (the test extra installs it)")

from nn import Linear, Sequential, plots  # noqa: E402
from nn.train import History  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def history_with_validation() -> History:
    return History(epoch_losses=[1.0, 0.6, 0.4, 0.3, 0.25], validation_losses=[1.1, 0.7, 0.5, 0.55, 0.6],
                   best_epoch=3)


def test_plot_history_draws_training_and_validation_losses_against_whole_epochs(tmp_path):
    history = history_with_validation()
    path = tmp_path / "loss.png"
    figure = plots.plot_history(history, path)
    axes = figure.axes[0]
    lines = {line.get_label(): line for line in axes.get_lines()}
    np.testing.assert_array_equal(lines["training"].get_xdata(), [1, 2, 3, 4, 5])
    np.testing.assert_array_equal(lines["training"].get_ydata(), history.epoch_losses)
    np.testing.assert_array_equal(lines["validation"].get_ydata(), history.validation_losses)
    np.testing.assert_array_equal(lines["best (epoch 3)"].get_xdata(), [3, 3])
    figure.canvas.draw()
    ticks = [t for t in axes.get_xticks() if axes.get_xlim()[0] <= t <= axes.get_xlim()[1]]
    assert ticks and all(float(t).is_integer() for t in ticks), ticks
    assert path.read_bytes().startswith(PNG_SIGNATURE)
    assert [p.name for p in tmp_path.iterdir()] == ["loss.png"]  # no temporary file left behind


def test_plot_history_without_validation_draws_one_curve():
    figure = plots.plot_history(History(epoch_losses=[3.0, 2.0]))
    assert [line.get_label() for line in figure.axes[0].get_lines()] == ["training"]


def test_a_loss_spanning_more_than_a_factor_100_gets_a_log_scale():
    assert plots.plot_history(History(epoch_losses=[100.0, 1.0, 0.5])).axes[0].get_yscale() == "log"
    assert plots.plot_history(History(epoch_losses=[2.0, 1.0])).axes[0].get_yscale() == "linear"


def test_a_bad_extension_is_refused_before_drawing_and_writes_nothing(tmp_path):
    with pytest.raises(ValueError, match=r"must end in one of \['.png', '.svg', '.pdf'\]"):
        plots.plot_history(history_with_validation(), tmp_path / "loss.txt")
    assert not list(tmp_path.iterdir())


def test_without_matplotlib_each_plot_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # makes it look uninstalled
    for call in (lambda: plots.plot_history(History(epoch_losses=[1.0])),
                 lambda: plots.plot_misclassified(np.zeros((1, 64)), [0], [1])):
        with pytest.raises(ImportError, match=r"pip install 'micrograd-like\[plot\]'"):
            call()


def x_minus_y_model(offset: float = 0.0) -> Sequential:
    """A one-layer model whose output is x - y + offset: class 1 below the line y = x + offset."""
    layer = Linear(2, 1, rng=0)
    layer.weight.data[...] = [[1.0], [-1.0]]
    layer.bias.data[...] = [offset]
    return Sequential(layer)


def test_the_decision_boundary_shades_each_point_of_the_plane_with_the_predicted_class(tmp_path):
    X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 3.0], [3.0, 1.0]])
    y = np.array([0, 1, 1, 1])  # the third point is on the wrong side of y = x
    figure = plots.plot_decision_boundary(x_minus_y_model(), X, y, tmp_path / "boundary.svg", resolution=21)
    axes = figure.axes[0]
    np.testing.assert_array_equal(axes.collections[-1].get_offsets(), X)  # the points, over the shading
    assert "accuracy on these points 0.750" in axes.get_title()
    # the shading, read from the rendered pixels: one colour above the line y = x (class 0), another below
    x_range, y_range = axes.get_xlim(), axes.get_ylim()
    assert x_range[0] < 0 < 3 < x_range[1] and y_range[0] < 0 < 3 < y_range[1]  # every point inside, with a margin
    colour = pixel_colours(figure, axes)
    assert colour(0.0, 2.0) == colour(-0.2, 3.2) == colour(1.0, 2.5)  # class 0, away from the points
    assert colour(2.0, 0.0) == colour(3.2, -0.2) == colour(2.5, 1.0)  # class 1
    assert colour(0.0, 2.0) != colour(2.0, 0.0)
    everywhere_one = plots.plot_decision_boundary(x_minus_y_model(offset=100.0), X, y, resolution=21)
    assert pixel_colours(everywhere_one, everywhere_one.axes[0])(0.0, 2.0) == colour(2.0, 0.0)  # which is class 1
    assert (tmp_path / "boundary.svg").read_text().lstrip().startswith("<?xml")


def pixel_colours(figure, axes):
    """(x, y) in data coordinates -> the RGBA of the rendered figure there."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    pixels = np.asarray(canvas.buffer_rgba())

    def colour(x: float, y: float) -> tuple[int, ...]:
        px, py = axes.transData.transform((x, y))
        return tuple(int(c) for c in pixels[pixels.shape[0] - int(round(py)), int(round(px))])
    return colour


def test_the_boundary_threshold_moves_the_classes():
    X = np.array([[0.0, 0.0], [1.0, 0.8]])
    y = np.array([1, 1])
    at_zero = plots.plot_decision_boundary(x_minus_y_model(), X, y, threshold=0.0)
    at_half = plots.plot_decision_boundary(x_minus_y_model(), X, y, threshold=0.5)
    assert "accuracy on these points 0.500" in at_zero.axes[0].get_title()  # x - y = 0 and 0.2: one above 0
    assert "accuracy on these points 0.000" in at_half.axes[0].get_title()


def test_the_boundary_needs_two_dimensional_points():
    with pytest.raises(ValueError, match=r"X must be \(n, 2\) points"):
        plots.plot_decision_boundary(x_minus_y_model(), np.zeros((4, 3)), np.zeros(4))


@pytest.mark.parametrize("shape", [(7, 64), (7, 8, 8), (7, 1, 8, 8)])
def test_misclassified_shows_exactly_the_wrong_ones_with_their_classes(shape):
    images = np.arange(7 * 64, dtype=float).reshape(shape)
    labels = np.array([0, 1, 2, 3, 4, 5, 6])
    predictions = np.array([0, 7, 2, 3, 9, 5, 1])  # images 1, 4, 6 are wrong
    figure = plots.plot_misclassified(images, labels, predictions)
    shown = [axes for axes in figure.axes if axes.get_images()]
    assert [axes.get_title() for axes in shown] == ["true 1, predicted 7", "true 4, predicted 9", "true 6, predicted 1"]
    np.testing.assert_array_equal(shown[1].get_images()[0].get_array(), np.arange(4 * 64, 5 * 64).reshape(8, 8))
    assert figure._suptitle.get_text() == "3 of 7 misclassified"


def test_misclassified_with_none_wrong_says_so_and_a_long_list_is_cut():
    figure = plots.plot_misclassified(np.zeros((3, 4)), [0, 1, 2], [0, 1, 2])
    assert any(t.get_text() == "no misclassified examples" for axes in figure.axes for t in axes.texts)
    figure = plots.plot_misclassified(np.zeros((50, 4)), np.zeros(50, int), np.ones(50, int), max_images=10)
    assert sum(bool(axes.get_images()) for axes in figure.axes) == 10
    assert figure._suptitle.get_text() == "50 of 50 misclassified (the first 10 shown)"


@pytest.mark.parametrize("images, message", [(np.zeros((3, 10)), "flat rows of a square image"),
                                              (np.zeros((3, 2, 4, 4)), "got shape")])
def test_misclassified_refuses_what_is_not_an_image(images, message):
    with pytest.raises(ValueError, match=message):
        plots.plot_misclassified(images, [0, 1, 2], [0, 1, 1])
