"""Drawing a computation graph with Graphviz.

`draw_dot` builds the DOT description (always works, pure Python); turning it into a picture
needs Graphviz's `dot` program, and `Graph` says how to install it when it is missing.
"""

from __future__ import annotations

import html
import os
import shutil
import tempfile
from typing import Any, Iterable

import graphviz
import numpy as np

from .graph import topological_order
from .tensor import Tensor

INSTALL_HINT = ("Graphviz's `dot` program is needed to render graphs and was not found on PATH. "
                "Install Graphviz (Debian/Ubuntu: sudo apt-get install graphviz; macOS: brew install graphviz; "
                "conda: conda install graphviz). The DOT source is still available as graph.source.")


class GraphvizNotFound(RuntimeError):
    """Rendering was asked for, but Graphviz's `dot` program is not installed."""


def dot_available() -> bool:
    """True if Graphviz's `dot` program is on PATH."""
    return shutil.which("dot") is not None


class Graph(graphviz.Digraph):
    """A `graphviz.Digraph` whose rendering explains how to install Graphviz when `dot` is missing."""

    def pipe(self, *args: Any, **kwargs: Any) -> Any:
        if not dot_available():
            raise GraphvizNotFound(INSTALL_HINT)
        return super().pipe(*args, **kwargs)

    def render(self, *args: Any, **kwargs: Any) -> Any:
        if not dot_available():
            raise GraphvizNotFound(INSTALL_HINT)
        return super().render(*args, **kwargs)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> dict:
        if not dot_available():  # in a notebook, show the DOT source and the hint instead of a traceback
            return {"text/plain": f"{INSTALL_HINT}\n\n{self.source}"}
        return super()._repr_mimebundle_(include, exclude, **kwargs)

    def save(self, path: str | os.PathLike, format: str | None = None) -> str:
        """Render to `path` (format from its extension unless given) and return the path.

        The picture is rendered in memory first, so a failure never leaves a half-written file.
        """
        path = os.fspath(path)
        format = format or os.path.splitext(path)[1].lstrip(".") or self.format
        data = self.pipe(format=format)
        directory = os.path.dirname(os.path.abspath(path))
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
        return path


def draw_dot(root: Any, rankdir: str = "LR", format: str = "svg", highlight: Iterable[Any] = (),
             max_elements: int = 12) -> Graph:
    """Draw the graph that `root` depends on: a box per node, an ellipse per op.

    Each `Value` box shows its label, data and grad; each `Tensor` box its label, shape, and its
    values and gradient when it has at most `max_elements` elements. `rankdir` is "LR" (left to
    right, the default) or "TB" (top to bottom). Nodes in `highlight` are filled in (the
    step-by-step backward uses this to mark the current node). Labels are escaped, so any text
    (quotes, braces, `<`, `|`) shows as written.
    """
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw_dot: rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")
    highlighted = {id(n) for n in highlight}
    graph = Graph(format=format, graph_attr={"rankdir": rankdir},
                  node_attr={"fontname": "Helvetica", "fontsize": "11"})
    for node in topological_order(root):
        uid = str(id(node))
        fill = "#ffd966" if id(node) in highlighted else "white"
        graph.node(uid, label=f"<{_node_table(node, max_elements)}>", shape="plaintext", fillcolor=fill,
                   style="filled")
        if node.parents:
            graph.node(uid + "op", label=html.escape(node.op, quote=False) or "op", shape="ellipse")
            graph.edge(uid + "op", uid)
            for parent in node.parents:
                graph.edge(str(id(parent)), uid + "op")
    return graph


def _node_table(node: Any, max_elements: int) -> str:
    """An HTML-like Graphviz label: one row of cells, every piece of text escaped."""
    cells = []
    if node.label:
        cells.append(f"<b>{_escape(node.label)}</b>")
    if isinstance(node, Tensor):
        cells.append(f"shape {_escape(str(node.shape))}" + ("" if node.dtype == np.float64 else f" {node.dtype}"))
        if node.size <= max_elements:
            cells.append(f"data {_escape(_format_array(node.data))}")
            if node.grad is not None:
                cells.append(f"grad {_escape(_format_array(node.grad))}")
    else:
        cells.append(f"data {node.data:.4f}")
        cells.append(f"grad {node.grad:.4f}")
    row = "".join(f"<td>{c}</td>" for c in cells)
    return f'<table border="1" cellborder="0" cellspacing="0" cellpadding="4"><tr>{row}</tr></table>'


def _escape(text: str) -> str:
    return html.escape(text, quote=True)


def _format_array(a: np.ndarray) -> str:
    return np.array2string(np.asarray(a), precision=3, separator=", ", suppress_small=True).replace("\n", "")
