"""Drawing whole networks: a box per module, roles and legend, collapsed modules, the size warning.

The graphs are rendered for real with Graphviz's `dot` and the SVG is read back: a node is
"inside" a module's box when its picture lies inside that box's outline.
"""

from __future__ import annotations

import random
import re
import shutil
import warnings
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest

from micrograd_like import Value, topological_order
from micrograd_like.draw import HIGHLIGHT_FILL, LARGE_GRAPH, MODULE_FILL, ROLE_FILLS, draw_dot
from nn import MLP

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's `dot` program is not installed")
SVG = "{http://www.w3.org/2000/svg}"


@dataclass
class Shape:
    """One node or cluster of a rendered SVG: its DOT name, texts, fill colours and bounding box."""

    name: str
    texts: list[str]
    fills: list[str]
    box: tuple[float, float, float, float]

    def inside(self, other: Shape) -> bool:
        x0, y0, x1, y1 = self.box
        X0, Y0, X1, Y1 = other.box
        return X0 <= x0 and Y0 <= y0 and x1 <= X1 and y1 <= Y1

    @property
    def area(self) -> float:
        return (self.box[2] - self.box[0]) * (self.box[3] - self.box[1])


@dataclass
class Picture:
    nodes: list[Shape]
    clusters: list[Shape]
    edges: list[tuple[str, str]]
    texts: list[str]  # every piece of text in the picture, captions included

    def node(self, text: str) -> Shape:
        """The node whose first text (its label) is `text`."""
        found = [n for n in self.nodes if n.texts and n.texts[0] == text]
        assert len(found) == 1, f"expected one node labelled {text!r}, found {len(found)}"
        return found[0]

    def boxes_around(self, shape: Shape) -> list[str]:
        """Labels of the clusters drawn around `shape`, outermost first."""
        around = sorted((c for c in self.clusters if shape.inside(c)), key=lambda c: -c.area)
        return [c.texts[0] for c in around]

    def cluster(self, label: str) -> list[Shape]:
        return [c for c in self.clusters if c.texts and c.texts[0] == label]


def picture_of(graph) -> Picture:
    """Render with `dot` and read the SVG back."""
    return read_svg(graph.pipe(format="svg"))


def read_svg(svg: bytes) -> Picture:
    root = ET.fromstring(svg)
    nodes, clusters, edges = [], [], []
    for g in root.iter(f"{SVG}g"):
        kind = g.get("class")
        if kind not in ("node", "cluster", "edge"):
            continue
        name = g.find(f"{SVG}title").text
        if kind == "edge":
            edges.append(tuple(name.split("->")))
            continue
        texts = [t.text for t in g.iter(f"{SVG}text")]
        fills = [s.get("fill") for s in g if s.tag in (f"{SVG}polygon", f"{SVG}path", f"{SVG}ellipse")]
        (nodes if kind == "node" else clusters).append(Shape(name, texts, fills, _bounding_box(g)))
    return Picture(nodes, clusters, edges, [t.text for t in root.iter(f"{SVG}text")])


def _bounding_box(g: ET.Element) -> tuple[float, float, float, float]:
    xs, ys = [], []
    for shape in g:
        if shape.tag == f"{SVG}ellipse":
            cx, cy, rx, ry = (float(shape.get(k)) for k in ("cx", "cy", "rx", "ry"))
            xs += [cx - rx, cx + rx]
            ys += [cy - ry, cy + ry]
        elif shape.tag in (f"{SVG}polygon", f"{SVG}path"):
            numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", shape.get("points") or shape.get("d"))]
            xs += numbers[0::2]
            ys += numbers[1::2]
    return min(xs), min(ys), max(xs), max(ys)


def labelled_mlp(sizes: list[int]) -> tuple[MLP, list[Value], Value]:
    """A scalar MLP(2, sizes) run on two labelled inputs, every node of the graph labelled.

    Parameters are named after where they live ("w1.2.0": layer 1, neuron 2, weight 0) and every
    other unlabelled node "t<k>", so that each box of the picture can be found by its label.
    """
    random.seed(0)
    model = MLP(2, sizes)
    for i, layer in enumerate(model.layers):
        for j, neuron in enumerate(layer.neurons):
            for k, w in enumerate(neuron.w):
                w.label = f"w{i}.{j}.{k}"
            neuron.b.label = f"b{i}.{j}"
    x = [Value(0.5, label="x0"), Value(-1.5, label="x1")]
    y = model(x)
    y.label = "y"
    for k, node in enumerate(topological_order(y)):
        node.label = node.label or f"t{k}"
    return model, x, y


@needs_dot
def test_scalar_mlp_is_drawn_as_layers_of_neurons():
    model, x, y = labelled_mlp([4, 4, 1])
    picture = picture_of(draw_dot(y, params=model.parameters()))

    assert len(picture.cluster("MLP")) == 1
    for i, layer in enumerate(model.layers):
        (layer_box,) = picture.cluster(f"layer {i}")
        assert picture.boxes_around(layer_box) == ["MLP", f"layer {i}"]
        neurons_in_layer = [c.texts[0] for c in picture.clusters if c.inside(layer_box) and c is not layer_box]
        assert sorted(neurons_in_layer) == [f"neuron {j}" for j in range(len(layer.neurons))]
        for j, neuron in enumerate(layer.neurons):
            # A neuron's weights and bias are drawn in that neuron's box, though made outside any forward pass.
            for p in neuron.parameters():
                assert picture.boxes_around(picture.node(p.label)) == ["MLP", f"layer {i}", f"neuron {j}"]
    # Every node a forward pass made sits in the boxes of the modules that made it, nowhere else.
    for node in topological_order(y):
        if node.scope:
            assert picture.boxes_around(picture.node(node.label)) == list(node.scope), node.label
    # The inputs come from outside the network.
    assert picture.boxes_around(picture.node("x0")) == []
    assert picture.boxes_around(picture.node("x1")) == []


@needs_dot
def test_without_params_every_leaf_is_an_input_and_goes_with_its_uses():
    model, x, y = labelled_mlp([3, 1])
    picture = picture_of(draw_dot(y))
    # Labels like "w0.0.0" are not taken as a hint: a leaf is a parameter only when `params` says so.
    assert ROLE_FILLS["input"] in picture.node("w0.0.0").fills
    assert ROLE_FILLS["parameter"] not in [f for n in picture.nodes for f in n.fills]
    # Weights still sit in their neuron's box, and the inputs, used by every neuron of layer 0, in that layer's box.
    assert picture.boxes_around(picture.node("w0.2.1")) == ["MLP", "layer 0", "neuron 2"]
    assert picture.boxes_around(picture.node("x0")) == ["MLP", "layer 0"]


@needs_dot
def test_each_role_has_its_own_colour_and_the_legend_says_which():
    model, x, y = labelled_mlp([2, 1])
    picture = picture_of(draw_dot(y, params=model.parameters()))

    assert ROLE_FILLS["input"] in picture.node("x0").fills
    assert ROLE_FILLS["parameter"] in picture.node("w1.0.1").fills
    assert ROLE_FILLS["parameter"] in picture.node("b0.1").fills
    assert ROLE_FILLS["output"] in picture.node("y").fills
    relu = next(n for n in topological_order(y) if n.op == "ReLU")
    assert ROLE_FILLS["intermediate"] in picture.node(relu.label).fills
    assert len(set(ROLE_FILLS.values())) == 4

    (legend,) = picture.cluster("legend")
    key = {n.texts[0]: n.fills for n in picture.nodes if n.inside(legend)}
    assert set(key) == {"input", "parameter", "intermediate", "output"}
    for role, fill in ROLE_FILLS.items():
        assert fill in key[role]


@needs_dot
def test_the_legend_lists_only_the_roles_drawn_and_can_be_left_out():
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    c = a * b
    c.label = "c"
    picture = picture_of(draw_dot(c, highlight=[a]))
    (legend,) = picture.cluster("legend")
    key = {n.texts[0]: n.fills for n in picture.nodes if n.inside(legend)}
    assert set(key) == {"input", "output", "highlighted"}
    assert HIGHLIGHT_FILL in key["highlighted"] and HIGHLIGHT_FILL in picture.node("a").fills

    bare = picture_of(draw_dot(c, legend=False))
    assert bare.cluster("legend") == []
    assert sorted(n.texts[0] for n in bare.nodes) == ["*", "a", "b", "c"]


@needs_dot
def test_collapse_depth_2_draws_one_box_per_layer_with_its_size():
    model, x, y = labelled_mlp([4, 4, 1])
    picture = picture_of(draw_dot(y, params=model.parameters(), collapse_depth=2))

    # A neuron with n inputs is n weights, a bias, n products, n sums, and a ReLU unless it is in the last layer.
    sizes = [4 * (3 * 2 + 2), 4 * (3 * 4 + 2), 1 * (3 * 4 + 1)]
    graph_nodes = [n for n in picture.nodes if not n.name.startswith("legend")]
    assert sorted(n.texts[0] for n in graph_nodes) == ["layer 0", "layer 1", "layer 2", "x0", "x1"]
    for i, size in enumerate(sizes):
        box = picture.node(f"layer {i}")
        assert box.texts[1] == f"{size} nodes"
        assert MODULE_FILL in box.fills
        assert picture.boxes_around(box) == ["MLP"]
    assert sum(sizes) + len(x) == len(topological_order(y))

    names = {n.name: n.texts[0] for n in graph_nodes}
    edges = {(names[tail], names[head]) for tail, head in picture.edges}
    assert edges == {("x0", "layer 0"), ("x1", "layer 0"), ("layer 0", "layer 1"), ("layer 1", "layer 2")}
    assert len(picture.edges) == len(edges)  # 16 connections from layer 0 to layer 1 make one arrow


@needs_dot
def test_collapse_depth_1_draws_the_whole_network_as_one_box():
    model, x, y = labelled_mlp([4, 4, 1])
    picture = picture_of(draw_dot(y, params=model.parameters(), collapse_depth=1))
    graph_nodes = {n.texts[0]: n.texts[1:] for n in picture.nodes if not n.name.startswith("legend")}
    assert sorted(graph_nodes) == ["MLP", "x0", "x1"]
    assert graph_nodes["MLP"] == [f"{len(topological_order(y)) - len(x)} nodes"]
    assert [c.texts[0] for c in picture.clusters] == ["legend"]


def test_collapse_depth_must_be_a_positive_whole_number():
    x = Value(1.0)
    for bad in (0, -1, 1.5, True, "1"):
        with pytest.raises(ValueError, match="collapse_depth"):
            draw_dot(x, collapse_depth=bad)


def test_a_big_network_warns_and_suggests_collapsing():
    random.seed(0)
    model = MLP(2, [16, 16, 1])
    y = model([Value(1.0), Value(2.0)])
    assert len(topological_order(y)) > LARGE_GRAPH
    with pytest.warns(UserWarning, match=r"too many to lay out.*collapse_depth=1.*smaller sub-graph"):
        draw_dot(y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        graph = draw_dot(y, collapse_depth=2)
    assert graph.source.count("nodes>") == 3


def test_a_big_graph_without_modules_suggests_a_smaller_sub_graph():
    total = Value(0.0)
    for i in range(LARGE_GRAPH):
        total = total + i
    with pytest.warns(UserWarning, match="smaller sub-graph") as caught:
        draw_dot(total)
    assert "collapse_depth" not in str(caught[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        draw_dot(Value(1.0) + 2.0)


@needs_dot
def test_module_names_are_escaped_in_their_boxes():
    from micrograd_like import scope

    a = Value(1.0, label="a")
    name = '<b>"odd" & {name}</b> \\N \\\\'  # Graphviz would read \N as the node's name, \\ as one backslash
    with scope(name):
        b = a * 2.0
    b.label = "b"
    picture = picture_of(draw_dot(b))
    assert [c.texts[0] for c in picture.clusters if c.texts[0] != "legend"] == [name]
    (box,) = [c for c in picture.clusters if c.texts[0] != "legend"]
    assert picture.node("b").inside(box)
