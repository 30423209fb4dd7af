"""The backward page's text, the expression explainer, its command, and the training page (no browser)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from micrograd_like import Tensor, Value, dot_available
from micrograd_like.page import (
    Page,
    backward_page,
    build_expression,
    explain,
    explain_steps,
    explain_text,
    local_derivatives,
    training_page,
)
from nn import cli

needs_dot = pytest.mark.skipif(not dot_available(), reason="Graphviz's `dot` program is not installed")
NETWORK = re.compile(r"""(src|href)\s*=\s*["']?(https?:)?//|@import|<link""", re.I)


def test_the_steps_read_like_notebook_ones_table():
    steps = explain("(a*b + c) * f", {"a": 2.0, "b": -3.0, "c": 10.0, "f": -2.0})
    assert [s.name for s in steps] == ["(a * b + c) * f", "a * b + c", "a * b", "a", "b", "c", "f"]
    text = "\n".join(steps[2].lines)
    assert "a.grad += (d(a * b)/da = b = -3.0) x (a * b).grad (-2.0) = 6.0" in text
    assert "b.grad += (d(a * b)/db = a = 2.0) x (a * b).grad (-2.0) = -4.0" in text
    assert "c.grad += (d(a * b + c)/dc = 1.0) x (a * b + c).grad (-2.0) = -2.0" in "\n".join(steps[1].lines)
    assert steps[0].grads[1] == ("a * b + c", None) and steps[-1].grads[3] == ("a", "6.0")
    assert all(grad is not None for _, grad in steps[-1].grads)


def test_the_arithmetic_comes_from_the_graphs_local_derivatives():
    a = Value(0.5, label="a")
    t = a.tanh()
    t.label = "t"
    assert local_derivatives(t) == [(a, pytest.approx(1 - np.tanh(0.5) ** 2))]
    steps = explain_steps(t)
    assert f"(dt/da = 1 - t**2 = {1 - np.tanh(0.5) ** 2:.6g})" in steps[0].lines[1]


def test_a_value_used_twice_shows_the_sum():
    steps = explain("a*a", {"a": 3.0})
    assert steps[0].lines[1].endswith("= 3.0")
    assert steps[0].lines[2].endswith("(added to 3.0: now 6.0)")


def test_tensor_steps_show_shapes_and_a_summary():
    W = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, label="W")
    loss = (W * 2.0).sum()
    loss.label = "loss"
    text = "\n".join(line for step in explain_steps(loss) for line in step.lines)
    assert "(2, 3) += vector-Jacobian product of" in text and "W.grad = [[2., 2., 2.]" in text


@pytest.mark.parametrize("expression, message", [
    ("a.b", "Attribute `a.b` is not supported"),
    ("a if b else c", "IfExp"),
    ("sin(a)", "Call `sin(a)` is not supported"),
    ("tanh(a, b)", "tanh takes exactly one argument"),
    ("a // b", "BinOp `a // b` is not supported"),
    ("a +", "cannot read the expression"),
    ("'x'", "Constant `'x'` is not supported"),
    ("q * a", "unknown name 'q'"),
])
def test_the_explainer_names_what_it_cannot_do(expression, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        build_expression(expression, {"a": 1.0, "b": 2.0, "c": 3.0})


def test_the_explainer_builds_the_same_numbers_as_python():
    variables = {"a": 0.7, "b": -1.3}
    root = build_expression("tanh(a*b) / b - -a**2 + exp(log(a)) + relu(b) + sigmoid(a) ** b", variables)
    a, b = 0.7, -1.3
    expected = np.tanh(a * b) / b + a ** 2 + a + 0.0 + (1 / (1 + np.exp(-a))) ** b
    assert root.data == pytest.approx(expected)
    lines = explain_text("a*b", variables)
    assert lines[0] == "a * b = -0.91   at a = 0.7, b = -1.3" and "step 1 of 3: a * b, the output" in lines


def run(argv, capsys):
    status = cli.main(["explain", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_the_command_prints_the_steps(capsys):
    status, out, err = run(["a*b + c", "a=2.0", "b=-3", "c=10"], capsys)
    assert status == 0 and err == ""
    assert "a.grad += (d(a * b)/da = b = -3.0) x (a * b).grad (1.0) = -3.0" in out


@pytest.mark.parametrize("argv, message", [
    (["a*b", "a=2", "b"], "'b' is not NAME=VALUE"),
    (["a*b", "a=2", "b=x"], "'b=x': 'x' is not a number"),
    (["a*b", "a=2"], "unknown name 'b'"),
    (["a*b", "a=2", "a=3"], "a is given twice"),
    (["a.real", "a=2"], "Attribute `a.real` is not supported"),
])
def test_the_command_reports_bad_input_in_one_line_with_status_2(capsys, argv, message):
    status, out, err = run(argv, capsys)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("micrograd-like explain: error: ") and message in err


@needs_dot
def test_the_command_writes_the_page_or_says_why_it_cannot(capsys, tmp_path):
    status, out, err = run(["a*b", "a=2", "b=3", "--html", str(tmp_path / "p.html")], capsys)
    assert status == 0 and out == f"wrote {tmp_path / 'p.html'}\n"
    assert "\\u003csvg" in (tmp_path / "p.html").read_text()
    (tmp_path / "file").write_text("")
    status, out, err = run(["a*b", "a=2", "b=3", "--html", str(tmp_path / "file" / "p.html")], capsys)
    assert status == 2 and err.count("\n") == 1 and "file is a file, not a folder" in err


@needs_dot
def test_the_backward_page_is_one_self_contained_file(tmp_path):
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    e = a * b
    e.label = "e"
    page = backward_page(e, tmp_path / "e.html", title="e = a*b </script>")
    assert isinstance(page, Page) and (tmp_path / "e.html").read_text() == page.html
    assert page.html.count("\\u003csvg") == 3 and not NETWORK.search(page.html)  # one picture per step, in JSON
    assert page.html.count("</script>") == 2 and "e = a*b &lt;/script&gt;" in page.html
    inline = page._repr_html_()
    assert inline.startswith("<iframe srcdoc=\"&lt;!DOCTYPE html&gt;") and "<script" not in inline


def test_backward_page_says_what_it_expects():
    with pytest.raises(TypeError, match="expected the Value or Tensor"):
        backward_page(3.0)


def test_the_training_page_is_self_contained_and_checks_its_input(tmp_path):
    grids = [np.full((4, 5), p) for p in (0.2, 0.6, 0.9)]
    page = training_page([0.9, 0.5, 0.1], tmp_path / "run.html", boundaries=grids, points=[[0, 0], [1, 1]],
                         labels=[0, 1])
    assert page.html.count("data:image/png;base64,") == 1 + 3 and not NETWORK.search(page.html)
    assert (tmp_path / "run.html").read_text() == page.html
    assert 'id="boundary-image"' not in training_page([3.0, 2.0]).html
    with pytest.raises(ValueError, match="2 boundary grids for 3 epochs"):
        training_page([0.9, 0.5, 0.1], boundaries=grids[:2], points=[[0, 0]])
    with pytest.raises(ValueError, match="epoch 2 is nan"):
        training_page([0.9, float("nan")])
    with pytest.raises(ValueError, match="losses is empty"):
        training_page([])
