"""The backward pass as frames: one SVG per step, the current node highlighted, grads appearing output first."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

from micrograd_like import GraphvizNotFound, Tensor, Value, topological_order
from micrograd_like.draw import HIGHLIGHT_FILL
from micrograd_like.frames import backward_frames, show_frames
from tests.engine.test_draw_networks import needs_dot, read_svg


class Frame:
    """One frame read back from its SVG file; nodes found by their label."""

    def __init__(self, path: str) -> None:
        with open(path, "rb") as f:
            picture = read_svg(f.read())
        self.nodes = {n.texts[0]: n for n in picture.nodes if not n.name.startswith("legend") and len(n.texts) > 1}
        self.captions = [t for t in picture.texts if t.startswith("step ")]

    def grad(self, label: str) -> str:
        """What the node's box says about its grad: "1.0000", "?", or the array."""
        (text,) = [t for t in self.nodes[label].texts if t.startswith("grad ")]
        return text.removeprefix("grad ")

    def highlighted(self) -> list[str]:
        return [label for label, n in self.nodes.items() if HIGHLIGHT_FILL in n.fills]


def expression():
    """L = (a*b + c) * f, every node labelled."""
    a, b, c, f = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c"), Value(-2.0, label="f")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    L = d * f
    L.label = "L"
    return L


@needs_dot
def test_one_frame_per_node_with_the_gradients_known_so_far(tmp_path):
    L = expression()
    paths = backward_frames(L, tmp_path / "frames")
    assert len(paths) == len(topological_order(L)) == 7
    assert [os.path.basename(p) for p in paths] == [f"step_{k:03d}.svg" for k in range(1, 8)]

    # By hand, with d = a*b + c = 4 and e = a*b = -6:
    #   dL/dL = 1, dL/dd = f = -2, dL/df = d = 4, dL/de = dL/dc = dL/dd = -2,
    #   dL/da = dL/de * b = 6, dL/db = dL/de * a = -4.
    by_hand = {"L": 1.0, "d": -2.0, "f": 4.0, "e": -2.0, "c": -2.0, "a": 6.0, "b": -4.0}
    consumers = {"a": ["e"], "b": ["e"], "e": ["d"], "c": ["d"], "d": ["L"], "f": ["L"], "L": []}
    shown_before: set = set()
    for k, path in enumerate(paths, start=1):
        frame = Frame(path)
        (current,) = frame.highlighted()
        known = {label for label in frame.nodes if frame.grad(label) != "?"}
        # Each step reveals exactly one more grad: the highlighted node's.
        assert known == shown_before | {current} and current not in shown_before
        # A grad is shown only once every node that uses it has shown its own (reverse topological order).
        for label in known:
            assert set(consumers[label]) <= known, (k, label)
        for label in known:
            assert float(frame.grad(label)) == pytest.approx(by_hand[label])
        assert frame.captions and frame.captions[0].startswith(f"step {k} of 7: {current}")
        shown_before = known
    assert shown_before == set(by_hand)
    assert Frame(paths[0]).highlighted() == ["L"]


@needs_dot
def test_every_frame_has_the_same_layout(tmp_path):
    L = expression()
    paths = backward_frames(L, tmp_path)
    boxes = [{label: node.box for label, node in Frame(p).nodes.items()} for p in paths]
    assert all(b == boxes[0] for b in boxes[1:])


@needs_dot
def test_frames_show_a_fresh_pass_not_stale_interior_grads(tmp_path):
    L = expression()
    L.backward()
    L.backward()  # interior grads restart each pass; leaves add up: a.grad = 12 now
    paths = backward_frames(L, tmp_path)
    first, last = Frame(paths[0]), Frame(paths[-1])
    assert first.grad("d") == "?" and first.grad("a") == "?"
    assert float(last.grad("d")) == -2.0  # not -4 or -6
    assert float(last.grad("a")) == 3 * 6.0  # a leaf accumulates, as with backward()


@needs_dot
def test_tensor_frames_show_arrays_and_constants_never_get_a_grad(tmp_path):
    x = Tensor(np.arange(12.0).reshape(4, 3), label="x")  # data: no grad wanted
    b = Tensor([1.0, 2.0, 3.0], requires_grad=True, label="b")
    s = x + b
    s.label = "s"
    total = s.sum()
    total.label = "total"
    paths = backward_frames(total, tmp_path, max_elements=12)
    assert len(paths) == 4
    first, last = Frame(paths[0]), Frame(paths[-1])
    assert first.grad("b") == "?" and first.grad("total") == "1."
    # b was broadcast over the 4 rows, so its gradient is the column sum of ones.
    assert last.grad("b") == "[4., 4., 4.]"
    assert not [t for t in last.nodes["x"].texts if t.startswith("grad")]


def test_no_dot_means_a_clear_error_and_nothing_written(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", "")
    L = expression()
    with pytest.raises(GraphvizNotFound, match="apt-get install graphviz"):
        backward_frames(L, tmp_path / "frames")
    assert not (tmp_path / "frames").exists()
    assert L.grad == 0.0  # no backward pass was run either


def test_too_many_frames_is_refused_before_anything_is_done(tmp_path):
    total = Value(0.0)
    for i in range(30):
        total = total + i
    with pytest.raises(ValueError, match=r"61 nodes.*max_frames=50"):
        backward_frames(total, tmp_path / "frames", max_frames=50)
    assert not (tmp_path / "frames").exists()


@needs_dot
def test_show_frames_is_a_slider_over_the_frames(tmp_path):
    pytest.importorskip("ipywidgets")
    paths = backward_frames(expression(), tmp_path)
    viewer = show_frames(paths)
    (_play, slider), picture = viewer.children[0].children, viewer.children[1]
    assert (slider.min, slider.max, slider.value) == (1, 7, 1)
    assert picture.value.startswith("<svg") and "step 1 of 7" in picture.value
    slider.value = 5
    with open(paths[4], encoding="utf-8") as f:
        assert f.read().endswith(picture.value)
    assert "step 5 of 7" in picture.value


@needs_dot
def test_show_frames_without_ipywidgets_displays_every_frame(tmp_path, monkeypatch):
    display = pytest.importorskip("IPython.display")
    paths = backward_frames(expression(), tmp_path)
    shown = []
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # as if it were not installed
    monkeypatch.setattr(display, "display", shown.append)
    assert show_frames(paths) is None
    assert len(shown) == 7
    assert all("step 3 of 7" in shown[2].data and isinstance(s, display.SVG) for s in shown)


def test_show_frames_needs_frames():
    with pytest.raises(ValueError, match="no frames"):
        show_frames([])
