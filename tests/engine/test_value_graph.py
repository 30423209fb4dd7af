"""The graph of `Value`s: how backward walks it (reused nodes, accumulation, no_grad, topological order,
step by step, a million-node chain) and how draw_dot draws it."""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET

import pytest

from micrograd_like import (
    Graph,
    GraphvizNotFound,
    Value,
    backward_steps,
    dot_available,
    draw_dot,
    is_grad_enabled,
    no_grad,
    scope,
    topological_order,
)


def expression():
    """a, b -> e = (a * b + a.tanh()) * a: `a` is used three times. Returns every node, root last."""
    a, b = Value(0.5, label="a"), Value(-2.0, label="b")
    c = a * b
    d = c + a.tanh()
    e = d * a
    c.label, d.label, e.label = "c", "d", "e"
    return [a, b, c, d, e]


# ---- reused nodes, accumulation, zero_grad ------------------------------------------------------------

def test_a_node_used_twice_gets_the_sum_of_both_paths():
    a = Value(3.0)
    b = a + a
    c = b * b  # c = (2a)^2 = 4a^2, so dc/da = 8a
    c.backward()
    assert c.data == 36.0
    assert a.grad == 8 * 3.0
    assert b.grad == 2 * b.data


def test_repeated_backward_accumulates_into_leaves_and_interior_nodes_hold_the_latest_pass():
    a = Value(3.0)
    b = a + a
    c = b * b
    c.backward()
    c.backward()
    assert a.grad == 2 * (8 * 3.0)  # leaves add up over passes
    assert b.grad == 2 * b.data     # interior nodes restart each pass
    a.zero_grad()
    assert a.grad == 0.0
    c.backward()
    assert a.grad == 8 * 3.0


def test_backward_seeds_the_root_with_the_given_gradient():
    x = Value(1.5)
    y = x * x
    y.backward(10.0)  # d(10 y)/dx = 20 x
    assert x.grad == 20 * 1.5


def test_a_leaf_root_gets_gradient_one():
    x = Value(4.0)
    x.backward()
    assert x.grad == 1.0


# ---- no_grad --------------------------------------------------------------------------------------

def test_ops_inside_no_grad_record_no_parents_so_no_gradient_flows_through_them():
    x = Value(3.0)
    with no_grad():
        assert not is_grad_enabled()
        y = x * x  # a constant 9 as far as backward is concerned
        assert y.parents == () and y.data == 9.0
    assert is_grad_enabled()
    z = y * x  # dz/dx through the direct path only: y = 9
    z.backward()
    assert x.grad == 9.0
    assert (x * x).parents == (x, x)


def test_no_grad_nests_and_restores_the_previous_state():
    with no_grad():
        with no_grad():
            assert not is_grad_enabled()
        assert not is_grad_enabled()  # still inside the outer block
    assert is_grad_enabled()


def test_no_grad_is_restored_when_an_exception_leaves_the_block():
    with pytest.raises(ValueError, match="log"):
        with no_grad():
            Value(-1.0).log()
    assert is_grad_enabled()
    assert (Value(2.0) * 3).parents != ()


def test_no_grad_as_a_decorator_of_a_function_that_calls_itself_restores_recording():
    states = []

    @no_grad()
    def depth(n: int) -> None:
        states.append(is_grad_enabled())
        if n:
            depth(n - 1)

    depth(3)
    assert states == [False] * 4
    assert is_grad_enabled()
    assert (Value(2.0) * 3).parents != ()


def test_one_no_grad_object_entered_twice_restores_recording_once_both_are_left():
    block = no_grad()
    with block:
        with block:
            assert not is_grad_enabled()
        assert not is_grad_enabled()
    assert is_grad_enabled()


def test_scope_tags_the_nodes_made_inside_it_with_a_path_of_names():
    x = Value(1.0)
    with scope("layer 0"):
        with scope("neuron 1"):
            y = x * 2
        z = y + 1
    assert (x.scope, y.scope, z.scope, (z * 1).scope) == ((), ("layer 0", "neuron 1"), ("layer 0",), ())


# ---- topological order and step-by-step backward --------------------------------------------------

def test_topological_order_lists_each_node_once_parents_first_root_last():
    nodes = expression()
    root = nodes[-1]
    order = topological_order(root)
    assert len(order) == len(nodes) + 1  # and a.tanh()
    assert len({id(n) for n in order}) == len(order)
    assert order[-1] is root
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        for parent in node.parents:
            assert position[id(parent)] < position[id(node)]
    assert root.topological_order() == order
    assert topological_order(nodes[0]) == [nodes[0]]


def test_backward_steps_yields_each_node_once_in_reverse_topological_order_with_its_final_grad():
    nodes = expression()
    root = nodes[-1]
    root.backward()
    expected = {id(n): n.grad for n in topological_order(root)}
    for n in nodes[:2]:
        n.zero_grad()

    yielded, grad_when_yielded = [], {}
    for node in backward_steps(root):
        yielded.append(node)
        grad_when_yielded[id(node)] = node.grad
    assert yielded == topological_order(root)[::-1]
    assert grad_when_yielded == expected                        # final when yielded ...
    assert {id(n): n.grad for n in yielded} == expected         # ... and equal to backward()'s
    assert [n.grad for n in root.backward_steps()][0] == 1.0    # the method form starts at the root


@pytest.mark.slow
def test_backward_through_a_chain_of_a_million_nodes_does_not_recurse():
    """y_0 = x, y_k+1 = y_k * c + b with c = 1, x = 0, b = 1, so y_k = k and
    dy_n/dc = sum of y_k for k < n = n(n-1)/2, dy_n/db = n, dy_n/dx = 1 (all exact in floats)."""
    steps = 500_000  # two nodes a step
    x, c, b = Value(0.0), Value(1.0), Value(1.0)
    y = x
    for _ in range(steps):
        y = y * c + b
    y.backward()
    assert y.data == steps
    assert (x.grad, b.grad, c.grad) == (1.0, steps, steps * (steps - 1) / 2)


# ---- drawing ----------------------------------------------------------------------------------------

def _boxes(drawn):
    """The value boxes of a drawing (they show data and grad), by label."""
    return {n.texts[0]: n for n in drawn.values() if any(t.startswith("data") for t in n.texts)}


def _number_after(word, texts):
    return float(next(re.fullmatch(rf"{word} (\S+)", t).group(1) for t in texts if t.startswith(word)))


def test_draw_dot_draws_one_box_per_value_and_one_ellipse_per_op(render):
    nodes = expression()
    root = nodes[-1]
    root.backward()
    tanh = root.parents[0].parents[1]
    tanh.label = "t"
    drawn = render(draw_dot(root))
    boxes = _boxes(drawn)
    assert sorted(boxes) == ["a", "b", "c", "d", "e", "t"]
    assert sum(1 for n in drawn.values() if any(t.startswith("data") for t in n.texts)) == 6  # each once
    for node in nodes + [tanh]:
        box = boxes[node.label]
        assert _number_after("data", box.texts) == pytest.approx(node.data, abs=1e-4)
        assert _number_after("grad", box.texts) == pytest.approx(node.grad, abs=1e-4)
    ops = sorted(n.texts[0] for n in drawn.values() if n.shape == "ellipse")
    assert ops == sorted(["*", "+", "tanh", "*"])


@pytest.mark.parametrize("label", [
    'say "hi"', "{braces} and [brackets]", "<b>not bold</b>", "x < y > z", "a|b|c", "Q&A &amp;",
    "back\\slash \\n \\\\", "graph \\G node \\N", "it's ]]> done",
])
def test_labels_render_exactly_as_written(render, label):
    x = Value(1.0, label=label)
    y = (x * 2).tanh()
    y.label = label + " out"
    graph = draw_dot(y)
    texts = [t for n in render(graph).values() for t in n.texts]
    assert label in texts and label + " out" in texts  # and `dot` accepted the DOT source


def test_rankdir_lays_the_graph_out_left_to_right_or_top_to_bottom(render):
    x = Value(0.3, label="x")
    y = x.tanh().exp()
    y.label = "y"
    left_right = _boxes(render(draw_dot(y)))
    assert left_right["x"].x < left_right["y"].x
    top_bottom = _boxes(render(draw_dot(y, rankdir="TB")))
    assert top_bottom["x"].y < top_bottom["y"].y  # SVG's y grows downwards
    assert abs(top_bottom["x"].x - top_bottom["y"].x) < abs(top_bottom["x"].y - top_bottom["y"].y)
    with pytest.raises(ValueError, match="rankdir must be.*'sideways'"):
        draw_dot(y, rankdir="sideways")


def test_highlight_fills_the_given_nodes_only(render):
    a, b, c, d, e = expression()
    plain = _boxes(render(draw_dot(e)))
    highlighted = _boxes(render(draw_dot(e, highlight=[b, d])))
    for label in "ace":
        assert highlighted[label].fill == plain[label].fill
    assert highlighted["b"].fill == highlighted["d"].fill
    assert highlighted["b"].fill not in (plain["b"].fill, plain["d"].fill, "none", None)


def test_save_writes_an_svg_and_nothing_else(tmp_path, render):
    path = draw_dot(expression()[-1]).write(tmp_path / "pictures" / "e.svg")
    assert path == str(tmp_path / "pictures" / "e.svg")
    assert os.listdir(tmp_path / "pictures") == ["e.svg"]
    assert ET.parse(path).getroot().tag == "{http://www.w3.org/2000/svg}svg"


def test_save_of_an_unknown_format_fails_without_leaving_a_file(tmp_path, render):
    with pytest.raises(ValueError, match="nosuchformat"):
        draw_dot(expression()[-1]).write(tmp_path / "e.nosuchformat")
    assert os.listdir(tmp_path) == []


def test_without_dot_rendering_says_how_to_install_graphviz_and_the_source_still_works(tmp_path, monkeypatch):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # no `dot` anywhere on PATH
    assert not dot_available()
    graph = draw_dot(expression()[-1])
    assert isinstance(graph, Graph)
    with pytest.raises(GraphvizNotFound, match=r"(?s)Graphviz.*not found.*apt-get install graphviz"):
        graph.write(tmp_path / "e.svg")
    assert os.listdir(tmp_path) == ["bin"]
    with pytest.raises(GraphvizNotFound):
        graph.pipe()
    assert graph.source.startswith("digraph") and "<b>a</b>" in graph.source
    assert "apt-get install graphviz" in graph._repr_mimebundle_()["text/plain"]
