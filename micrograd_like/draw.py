"""Drawing a computation graph with Graphviz.

`draw_dot` builds the DOT description (always works, pure Python); turning it into a picture
needs Graphviz's `dot` program, and `Graph` says how to install it when it is missing.

Every node is a box (label, data, grad) and every op an ellipse. Boxes are coloured by role
(input, parameter, intermediate value, output) and a legend says which colour is which. Nodes
made inside a module's forward pass are drawn inside a box per module (a Graphviz cluster),
nested as the modules are, so that a network's graph reads as layers of neurons; for big
networks, `collapse_depth` draws each module as a single box.
"""

from __future__ import annotations

import errno
import html
import os
import shutil
import uuid
import warnings
from typing import Any, Collection, Iterable

import graphviz
import numpy as np

from .graph import topological_order
from .tensor import Tensor
from .value import Value

INSTALL_HINT = ("Graphviz's `dot` program is needed to render graphs and was not found on PATH. "
                "Install Graphviz (Debian/Ubuntu: sudo apt-get install graphviz; macOS: brew install graphviz; "
                "conda: conda install graphviz). The DOT source is still available as graph.source.")

ROLE_FILLS = {"input": "#dae8fc", "parameter": "#d5e8d4", "intermediate": "white", "output": "#f8cecc"}
HIGHLIGHT_FILL = "#ffd966"
MODULE_FILL = "#e6e6e6"
MAX_LABEL = 40  # characters per line of a label; longer lines end in an ellipsis
MAX_LABEL_LINES = 3
LARGE_GRAPH = 300  # boxes; past a few hundred, dot's layout is slow and the picture a hairball
FONT = "Helvetica"


class GraphvizNotFound(graphviz.ExecutableNotFound):
    """Rendering was asked for, but Graphviz's `dot` program is not installed.

    A `graphviz.ExecutableNotFound` (so code written for graphviz catches it too), hence a RuntimeError.
    """

    def __init__(self, message: str = INSTALL_HINT) -> None:
        RuntimeError.__init__(self, message)

    def __str__(self) -> str:
        return self.args[0]


class GraphvizError(RuntimeError):
    """Graphviz's `dot` ran and failed; the message names the file and quotes dot's own error."""


WRITE_FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".gv": None, ".dot": None}  # None: the DOT text


def dot_available() -> bool:
    """True if Graphviz's `dot` program is on PATH."""
    return shutil.which("dot") is not None


class Graph(graphviz.Digraph):
    """A `graphviz.Digraph`: `render`, `view`, `save`, `pipe` and `source` do what graphviz documents
    (rendering raises `GraphvizNotFound`, with how to install Graphviz, when `dot` is missing).

    Ours on top: `write(path)` draws the picture into one file, its format taken from the extension.
    """

    def pipe(self, *args: Any, **kwargs: Any) -> Any:
        if not dot_available():
            raise GraphvizNotFound(INSTALL_HINT)
        return super().pipe(*args, **kwargs)

    def render(self, *args: Any, **kwargs: Any) -> Any:
        if not dot_available():
            raise GraphvizNotFound(INSTALL_HINT)
        return super().render(*args, **kwargs)

    def __repr__(self) -> str:  # no memory address: a notebook's stored output stays the same from run to run
        return f"<{type(self).__name__}: {len(self.body)} DOT statements; .source has the text>"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> dict:
        if not dot_available():  # in a notebook, show the DOT source and the hint instead of a traceback
            return {"text/plain": f"{INSTALL_HINT}\n\n{self.source}"}
        return super()._repr_mimebundle_(include, exclude, **kwargs)

    def write(self, path: str | os.PathLike) -> str:
        """Draw the graph into the file `path` and return the path (as a string).

        The extension says what to write: `.svg`, `.png` or `.pdf`, a picture drawn by `dot`;
        `.gv` or `.dot`, the DOT source itself (no `dot` needed). Missing folders are made. The
        file is written in full or not at all: the picture is drawn in memory, written beside
        `path` and renamed onto it, so a failure never leaves a half-written or stray file.

        Raises ValueError for another extension, `GraphvizNotFound` when `dot` is needed and
        missing, `GraphvizError` when `dot` fails (with its error message), OSError naming
        `path` when the file cannot be written.
        """
        path = os.fspath(path)
        extension = os.path.splitext(path)[1].lower()
        if extension not in WRITE_FORMATS:
            raise ValueError(f"Graph.write: cannot tell what to write from the extension of {path!r}; "
                             f"use one of {', '.join(WRITE_FORMATS)}")
        format = WRITE_FORMATS[extension]
        if format is None:
            data = self.source.encode("utf-8")
        else:
            try:
                data = self.pipe(format=format)
            except graphviz.CalledProcessError as error:
                stderr = error.stderr.decode("utf-8", "replace") if isinstance(error.stderr, bytes) else error.stderr
                raise GraphvizError(f"Graphviz's dot failed to draw {path} (exit status {error.returncode}): "
                                    f"{(stderr or '').strip() or 'no message'}") from None
        return write_atomically(path, data)


def write_atomically(path: str | os.PathLike, data: bytes) -> str:
    """Write `data` to `path` in full or not at all (written beside it, then renamed); return the path.

    Missing folders are made. An OSError names `path` (not the temporary file).
    """
    path = os.fspath(path)
    # Not tempfile.mkstemp: its files are private (0600); this one gets the usual permissions.
    tmp = f"{path}.{uuid.uuid4().hex}.tmp"
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise NotADirectoryError(errno.ENOTDIR, f"cannot write {path}: {folder} is a file, not a folder")
    try:
        os.makedirs(folder, exist_ok=True)
        with open(tmp, "xb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError as error:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise type(error)(error.errno, f"cannot write {path}: {error.strerror}") from None
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def draw_dot(root: Any, rankdir: str = "LR", format: str = "svg", highlight: Iterable[Any] = (),
             max_elements: int = 12, *, params: Iterable[Any] | None = None,
             collapse_depth: int | None = None, legend: bool = True) -> Graph:
    """Draw the graph that `root` depends on: a box per node, an ellipse per op.

    Each `Value` box shows its label, data and grad; each `Tensor` box its label, shape, and its
    values and gradient when it has at most `max_elements` elements. `rankdir` is "LR" (left to
    right, the default) or "TB" (top to bottom). Nodes in `highlight` are filled in (the
    step-by-step backward uses this to mark the current node). Labels are escaped, so any text
    (quotes, braces, `<`, `|`) shows as written.

    Roles: `root` is the output, nodes computed from others are intermediate values, and leaves
    are parameters if they are in `params` (e.g. `model.parameters()`), inputs otherwise
    (constants included). Nothing is guessed from labels: without `params`, every leaf is an input.

    Nodes made inside a module's forward pass are drawn inside a box named after the module,
    nested as the modules are (see `micrograd_like.scope`). A module called several times gets one
    box holding all its calls. `collapse_depth=1` draws each outermost module as a single box with
    its name and number of nodes, `collapse_depth=2` each module one level further in (one box per
    layer of an `MLP`), and so on. `legend` adds a key to the colours used.

    Warns, suggesting `collapse_depth` or a smaller sub-graph, when more than LARGE_GRAPH boxes
    would be drawn.
    """
    if not isinstance(root, (Value, Tensor)):
        raise TypeError(f"draw_dot: expected the Value or Tensor whose graph to draw (e.g. the loss), "
                        f"got {type(root).__name__} {_shorten(repr(root), MAX_LABEL)}")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw_dot: rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")
    if collapse_depth is not None and (isinstance(collapse_depth, bool) or not isinstance(collapse_depth, int)
                                       or collapse_depth < 1):
        raise ValueError(f"draw_dot: collapse_depth must be None or a whole number >= 1, got {collapse_depth!r}")
    graph, boxes = _draw(root, rankdir=rankdir, format=format, highlight=highlight, max_elements=max_elements,
                         params=params, collapse_depth=collapse_depth, legend=legend)
    if boxes > LARGE_GRAPH:
        has_modules = any(node.scope for node in topological_order(root))
        hint = ("pass collapse_depth=1 (or 2, 3, ... for one box per inner module, e.g. per layer) to draw "
                "each module as one box, or draw a smaller sub-graph (e.g. one neuron's output)"
                if has_modules else "draw a smaller sub-graph (e.g. one intermediate node's graph)")
        warnings.warn(f"draw_dot: {boxes} boxes are too many to lay out readably; {hint}", stacklevel=2)
    return graph


def _draw(root: Any, *, rankdir: str = "LR", format: str = "svg", highlight: Iterable[Any] = (),
          max_elements: int = 12, params: Iterable[Any] | None = None, collapse_depth: int | None = None,
          legend: bool = True, grads_known: Collection[Any] | None = None,
          grad_widths: dict[int, int] | None = None, caption: str = "") -> tuple[Graph, int]:
    """`draw_dot` without the checks, plus what the backward frames need: the graph and its number of boxes.

    `grads_known`: only these nodes show their grad, the others "grad ?". `grad_widths`: the width
    (in points) to reserve for a node's grad, so that every frame of a backward pass has one layout.
    """
    order = topological_order(root)
    param_ids = None if params is None else {id(p) for p in params}
    highlighted = {id(n) for n in highlight}
    known = None if grads_known is None else {id(n) for n in grads_known}
    grad_widths = grad_widths or {}
    places = _places(order, param_ids)

    graph = Graph(format=format, graph_attr={"rankdir": rankdir, "fontname": FONT, "fontsize": "11"},
                  node_attr={"fontname": FONT, "fontsize": "11"})
    if caption:
        graph.attr(label=f"<{_escape(caption)}>", labeljust="l")
    clusters: dict[tuple, graphviz.Digraph] = {(): graph}

    def cluster(path: tuple) -> graphviz.Digraph:
        """The box for the module at `path`, made (with the boxes around it) on first use."""
        for depth in range(1, len(path) + 1):
            if path[:depth] not in clusters:
                clusters[path[:depth]] = graphviz.Digraph(
                    name=f"cluster_{len(clusters)}",
                    graph_attr={"label": f"<<b>{label_html(path[depth - 1])}</b>>", "labeljust": "l",
                                "style": "rounded", "color": "#999999"})
        return clusters[path]

    box_names: dict[int, str] = {}  # node -> the box it is drawn as (its own, or its collapsed module's)
    op_names: dict[int, str] = {}
    modules: dict[tuple, list] = {}  # collapsed module -> [box name, number of nodes inside]
    legend_entries: dict[str, str] = {}
    for i, node in enumerate(order):
        place = places[id(node)]
        if collapse_depth and len(place) >= collapse_depth:
            module = modules.setdefault(place[:collapse_depth], [f"m{len(modules)}", 0])
            module[1] += 1
            box_names[id(node)] = op_names[id(node)] = module[0]
            continue
        role = _role(node, root, param_ids)
        fill = legend_entries[role] = ROLE_FILLS[role]
        if id(node) in highlighted:
            fill = legend_entries["highlighted"] = HIGHLIGHT_FILL
        grad_known = known is None or id(node) in known
        box_names[id(node)] = name = f"n{i}"
        box = cluster(place)
        box.node(name, label=f"<{_node_table(node, max_elements, grad_known, grad_widths.get(id(node)))}>",
                 shape="plaintext", style="filled", fillcolor=fill, margin="0", width="0", height="0")
        if node.parents:
            op_names[id(node)] = name + "op"
            box.node(name + "op", label=f"<{label_html(node.op or 'op')}>", shape="ellipse")

    for path, (name, count) in modules.items():
        cluster(path[:-1]).node(name, label=f"<<b>{label_html(path[-1])}</b><br/>{count} nodes>", shape="box",
                                style="filled,rounded", fillcolor=MODULE_FILL)
    if modules:
        legend_entries["module (collapsed)"] = MODULE_FILL

    # A cluster is copied into its parent when attached, so attach the innermost ones first.
    for path in sorted(clusters, key=len, reverse=True):
        if path:
            clusters[path[:-1]].subgraph(clusters[path])

    # Edges go at the top level: an edge written inside a cluster would pull its ends into it.
    module_boxes = {name for name, _ in modules.values()}
    module_edges: set = set()
    for node in order:
        if not node.parents:
            continue
        op = op_names[id(node)]
        for tail, head in [(box_names[id(p)], op) for p in node.parents] + [(op, box_names[id(node)])]:
            if tail == head or (tail, head) in module_edges:
                continue  # inside one collapsed module, or already drawn between two boxes
            if tail in module_boxes or head in module_boxes:
                module_edges.add((tail, head))
            graph.edge(tail, head)

    if legend:
        _add_legend(graph, legend_entries)
    return graph, len(order) - sum(count for _, count in modules.values()) + len(modules)


def _role(node: Any, root: Any, param_ids: set | None) -> str:
    if node is root:
        return "output"
    if node.parents:
        return "intermediate"
    return "parameter" if param_ids is not None and id(node) in param_ids else "input"


def _places(order: list, param_ids: set | None) -> dict[int, tuple]:
    """The module box each node is drawn in: the scope of the forward pass that made it.

    Leaves made outside every forward pass have no scope: a network's parameters (made in
    `__init__`) and its inputs. Parameters are drawn in the innermost module that holds all of
    their uses, so that a neuron's weights and bias sit in that neuron's box; left outside, every
    weight of a network would end up in one heap beside it. Inputs come from outside the network
    and stay outside. Without `params` (`param_ids` None) the two cannot be told apart, and every
    such leaf goes with its uses (the inputs then sit in the first layer's box).
    """
    uses: dict[int, tuple] = {}
    for node in order:
        for parent in node.parents:
            if not parent.parents and not parent.scope and (param_ids is None or id(parent) in param_ids):
                seen = uses.get(id(parent))
                uses[id(parent)] = node.scope if seen is None else _common_prefix(seen, node.scope)
    return {id(node): uses.get(id(node), node.scope) for node in order}


def _common_prefix(a: tuple, b: tuple) -> tuple:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def _add_legend(graph: graphviz.Digraph, entries: dict[str, str]) -> None:
    order = ["input", "parameter", "intermediate", "output", "module (collapsed)", "highlighted"]
    with graph.subgraph(name="cluster_legend") as key:
        key.attr(label="<<b>legend</b>>", labeljust="l", style="rounded", color="#bbbbbb")
        for text in sorted(entries, key=order.index):
            key.node(f"legend {text}", label=text, shape="box", style="filled", fillcolor=entries[text],
                     fontsize="10", width="0", height="0")


def _node_table(node: Any, max_elements: int, grad_known: bool = True, grad_width: int | None = None) -> str:
    """An HTML-like Graphviz label, every piece of text escaped: one row of cells for a Value,
    one cell per row for a Tensor (its arrays are long: side by side, the box would be very wide)."""
    cells = []
    label = label_html(node.label)
    if label:
        cells.append(f"<b>{label}</b>")
    if isinstance(node, Tensor):
        cells.append(f"shape {_escape(str(node.shape))}" + ("" if node.dtype == np.float64 else f" {node.dtype}"))
        if node.size <= max_elements:
            cells.append(f"data {_escape(_format_array(node.data))}")
    else:
        cells.append(f"data {node.data:.4f}")
    cells = [f"<td>{c}</td>" for c in cells]
    grad = _grad_text(node, max_elements)
    if grad is not None:
        width = f' width="{grad_width}"' if grad_width else ""
        cells.append(f"<td{width}>{_escape(grad) if grad_known else 'grad ?'}</td>")
    if isinstance(node, Tensor):
        rows = "".join(f"<tr>{c}</tr>" for c in cells)
    else:
        rows = f"<tr>{''.join(cells)}</tr>"
    return f'<table border="1" cellborder="0" cellspacing="0" cellpadding="4">{rows}</table>'


def _grad_text(node: Any, max_elements: int = 12) -> str | None:
    """What a node's box says about its grad ("grad 0.5000"), or None when it shows no grad.

    A Tensor shows none while its grad is None (not reached), or when it has more than
    `max_elements` elements. A grad recorded by `backward(create_graph=True)` shows its data.
    """
    grad: Any = node.grad.data if isinstance(node.grad, (Value, Tensor)) else node.grad
    if not isinstance(node, Tensor):
        return f"grad {grad:.4f}"
    if grad is None or node.size > max_elements:
        return None
    return f"grad {_format_array(grad)}"


def label_text(label: Any) -> list[str]:
    """A label as the lines to show: `str()` of anything that is not a string (None: no lines), at most
    MAX_LABEL_LINES lines of at most MAX_LABEL characters (longer ones end in an ellipsis), and control
    characters (tab, escape, ...) shown as escapes such as \\x1b rather than sent to Graphviz."""
    if label is None:
        return []
    lines = str(label).splitlines() or [""]
    if len(lines) > MAX_LABEL_LINES:
        lines = lines[:MAX_LABEL_LINES - 1] + ["\u2026"]
    visible = ["".join(c if c.isprintable() else repr(c)[1:-1] for c in line) for line in lines]
    return [_shorten(line, MAX_LABEL) for line in visible] if any(visible) else []


def label_html(label: Any) -> str:
    """A label for an HTML-like Graphviz label: `label_text`'s lines, escaped, joined by line breaks."""
    return "<br/>".join(_escape(line) for line in label_text(label))


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "\u2026"


def _escape(text: str) -> str:
    """Text for an HTML-like label, shown as written.

    Besides HTML's `<`, `>`, `&` and quotes, Graphviz reads a backslash in any label as an
    escape (`\\N` becomes the node's name, `\\\\` one backslash), so each one is doubled.
    """
    return html.escape(text, quote=True).replace("\\", "\\\\")


def _format_array(a: np.ndarray) -> str:
    return np.array2string(np.asarray(a), precision=3, separator=", ", suppress_small=True).replace("\n", "")
