"""`draw_dot`'s Graph keeps graphviz's contract (render, save, view, pipe), and `Graph.write(path)` is ours."""

from __future__ import annotations

import os
import stat
import xml.etree.ElementTree as ET

import graphviz
import pytest

from micrograd_like import Value, dot_available, draw_dot
from micrograd_like.draw import MAX_LABEL, Graph, GraphvizError, GraphvizNotFound

needs_dot = pytest.mark.skipif(not dot_available(), reason="Graphviz's `dot` program is not installed")


def expression() -> Value:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b + a
    c.label = "c"
    return c


@pytest.fixture
def no_dot(tmp_path, monkeypatch):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert not dot_available()


@pytest.fixture
def failing_dot(tmp_path, monkeypatch):
    """A `dot` on PATH that fails the way dot does: a message on stderr, exit status 1."""
    folder = tmp_path / "failing-bin"
    folder.mkdir()
    script = folder / "dot"
    script.write_text("#!/bin/sh\necho 'Error: <stdin>: syntax error in line 3 near \"x\"' >&2\nexit 1\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(folder))


# ---- graphviz's own methods, as graphviz documents them --------------------------------------

@needs_dot
def test_render_takes_graphvizs_arguments_and_writes_the_source_and_the_picture(tmp_path):
    graph = draw_dot(expression())
    out = graph.render(tmp_path / "c", format="png", cleanup=False)
    assert out == os.fspath(tmp_path / "c.png")
    assert (tmp_path / "c.png").read_bytes().startswith(b"\x89PNG")
    assert (tmp_path / "c").read_text() == graph.source  # the DOT source, kept (cleanup=False)
    out = graph.render(filename="d", directory=tmp_path, cleanup=True)  # the graph's own format: svg
    assert out == os.fspath(tmp_path / "d.svg") and not (tmp_path / "d").exists()


def test_save_is_graphvizs_it_writes_the_dot_source_and_needs_no_dot(tmp_path, no_dot):
    graph = draw_dot(expression())
    out = graph.save(tmp_path / "c.gv")
    assert out == os.fspath(tmp_path / "c.gv")
    assert (tmp_path / "c.gv").read_text() == graph.source
    graph.save("e.gv", directory=tmp_path)
    assert (tmp_path / "e.gv").read_text() == graph.source


@needs_dot
def test_pipe_and_view_behave_as_in_graphviz(tmp_path, monkeypatch):
    graph = draw_dot(expression())
    assert graph.pipe(format="svg").lstrip().startswith(b"<?xml")
    assert graph.pipe(format="svg", encoding="utf-8").lstrip().startswith("<?xml")
    opened = []
    monkeypatch.setattr(graphviz.backend.viewing, "view", lambda path, **kwargs: opened.append(path), raising=False)
    monkeypatch.setattr(graphviz.Digraph, "_view", lambda self, path, **kwargs: opened.append(path))
    out = graph.view(tmp_path / "v", cleanup=True)
    assert out == os.fspath(tmp_path / "v.svg") and opened == [out]


def test_without_dot_renderings_raise_graphviz_not_found_which_graphviz_code_also_catches(tmp_path, no_dot):
    graph = draw_dot(expression())
    for call in (lambda: graph.pipe(), lambda: graph.render(tmp_path / "x"), lambda: graph.write(tmp_path / "x.svg")):
        with pytest.raises(graphviz.ExecutableNotFound, match="apt-get install graphviz") as raised:
            call()
        assert isinstance(raised.value, GraphvizNotFound) and isinstance(raised.value, RuntimeError)
    assert os.listdir(tmp_path) == ["empty-bin"]


# ---- Graph.write: ours, atomic, the format from the extension --------------------------------

@needs_dot
@pytest.mark.parametrize("extension, magic", [(".svg", b"<?xml"), (".png", b"\x89PNG"), (".pdf", b"%PDF"),
                                              (".SVG", b"<?xml")])
def test_write_takes_the_format_from_the_extension_and_leaves_nothing_else(tmp_path, extension, magic):
    path = draw_dot(expression()).write(tmp_path / "pictures" / f"c{extension}")
    assert path == os.fspath(tmp_path / "pictures" / f"c{extension}")
    assert open(path, "rb").read().startswith(magic)
    assert os.listdir(tmp_path / "pictures") == [f"c{extension}"]
    if extension == ".svg":
        assert ET.parse(path).getroot().tag == "{http://www.w3.org/2000/svg}svg"


@pytest.mark.parametrize("extension", [".gv", ".dot"])
def test_write_of_dot_source_needs_no_dot(tmp_path, no_dot, extension):
    graph = draw_dot(expression())
    path = graph.write(tmp_path / f"c{extension}")
    assert open(path).read() == graph.source


@pytest.mark.parametrize("name", ["c.nosuchformat", "c", "c.jpeg"])
def test_write_of_an_unknown_extension_says_which_ones_work_and_writes_nothing(tmp_path, name):
    with pytest.raises(ValueError, match=r"extension.*\.svg, \.png, \.pdf, \.gv, \.dot"):
        draw_dot(expression()).write(tmp_path / name)
    assert os.listdir(tmp_path) == []


def test_a_failing_dot_is_one_clear_error_naming_the_path_and_quoting_dot(tmp_path, failing_dot):
    with pytest.raises(GraphvizError, match=r"dot failed to draw .*c\.svg \(exit status 1\): Error: <stdin>: syntax"):
        draw_dot(expression()).write(tmp_path / "c.svg")
    assert os.listdir(tmp_path) == ["failing-bin"]


def test_write_into_a_file_instead_of_a_folder_names_the_path(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(NotADirectoryError, match=r"cannot write .*file/c\.gv: .*file is a file, not a folder"):
        draw_dot(expression()).write(tmp_path / "file" / "c.gv")


# ---- labels ----------------------------------------------------------------------------------

def _label_of(graph: Graph, name: str = "n0") -> str:
    line = next(line for line in graph.body if line.strip().startswith(f"{name} [label="))
    return line.split("<b>", 1)[1].split("</b>", 1)[0]


def test_a_label_that_is_not_a_string_is_shown_with_str():
    x = Value(1.0, label=42)
    assert _label_of(draw_dot(x)) == "42"
    y = Value(1.0, label=("w", 3))
    assert _label_of(draw_dot(y)) == "(&#x27;w&#x27;, 3)"
    z = Value(1.0, label=0)
    assert _label_of(draw_dot(z)) == "0"


def test_newlines_are_line_breaks_and_control_characters_are_shown_as_escapes():
    x = Value(1.0, label="first\nsecond\tthird\x1b[0m")
    assert _label_of(draw_dot(x)) == "first<br/>second\\\\tthird\\\\x1b[0m"
    many = Value(1.0, label="1\n2\n3\n4\n5")
    assert _label_of(draw_dot(many)) == "1<br/>2<br/>\u2026"


def test_long_labels_are_shortened_with_an_ellipsis():
    x = Value(1.0, label="w" * 500)
    label = _label_of(draw_dot(x))
    assert label == "w" * (MAX_LABEL - 1) + "\u2026"


@needs_dot
def test_awkward_labels_render(tmp_path, render):
    a = Value(1.0, label="line\nbreak\x00\x07 <b> & \\N " + "x" * 300)
    b = a * Value(2.0, label=3.5)
    b.label = None
    drawn = render(draw_dot(b))
    texts = [t for node in drawn.values() for t in node.texts if t]
    assert "line" in texts and "3.5" in texts
    assert any(t.startswith("break\\x00\\x07 <b> & \\N x") and t.endswith("\u2026") for t in texts)


def test_draw_dot_of_something_else_says_what_it_expects():
    with pytest.raises(TypeError, match=r"draw_dot: expected the Value or Tensor whose graph to draw .*got float 3\.0"):
        draw_dot(3.0)
    with pytest.raises(TypeError, match="got list"):
        draw_dot([Value(1.0)])
