"""Pages a student can open: the backward pass, or a training run, as ONE self-contained HTML file.

`backward_page(root)` runs the backward pass from `root` one step at a time and writes a page
with a picture of the graph per step (SVG drawn by `dot`, inline) and, beside it, the chain-rule
arithmetic of that step in words and numbers, read off the graph:

    a.grad += (de/da = b = -3.0) x e.grad (-2.0) = 6.0

Prev/Next buttons, a slider and the left/right arrow keys step through the pass. The page needs
no network (no CDN, no web fonts) and no Jupyter kernel; in a notebook the returned `Page` shows
itself inline. `explain("a*b + c", {...})` does the same for an expression typed as text, and
`explain_text` gives its steps as lines for a terminal. `training_page(losses, ...)` is a page
with a slider over the epochs of a training run (loss curve, and for 2-D data the decision
boundary of each epoch).
"""

from __future__ import annotations

import ast
import base64
import html
import json
import math
import struct
import zlib
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from .draw import _format_array, label_text, write_atomically
from .frames import frame_graphs
from .graph import backward_steps, topological_order
from .tensor import Tensor
from .value import Value

__all__ = ["Page", "Step", "backward_page", "explain_steps", "build_expression", "explain", "explain_text",
           "training_page", "local_derivatives"]


def local_derivatives(node: Value) -> list[tuple[Value, float]]:
    """(parent, d node/d parent) for each parent of a `Value` node.

    The one place this module reads the engine's storage of local derivatives (the slots `dx`, `dy`).
    """
    return list(zip(node.parents, (node.dx, node.dy)))


# ---- the steps, as text ------------------------------------------------------------------------

@dataclass
class Step:
    """One step of the backward pass: `node`'s chain-rule step, explained.

    `heading` says which node and what kind; `lines` are the arithmetic (one line per parent);
    `grads` lists every node of the graph, output first, as (name, grad as text), the grad None
    while it is not final yet (the last step has them all).
    """
    number: int
    name: str
    heading: str
    lines: list[str]
    grads: list[tuple[str, str | None]] = field(default_factory=list)
    node: Any = field(default=None, repr=False, compare=False)


def _number(x: float) -> str:
    """-3.0, 6.0, 0.419974, 1.5e-08: short, and always reads as a float."""
    text = f"{x:.6g}"
    return text + ".0" if text.lstrip("-").isdigit() else text


def _atom(name: str) -> str:
    """A name as it can stand inside a formula: bracketed unless an identifier or a plain number."""
    if name.isidentifier() or name.replace(".", "", 1).isdigit() or (name[:1] == "[" and name[-1:] == "]"):
        return name
    return f"({name})"


def _grad_summary(grad: Any) -> str:
    if grad is None:
        return "none"
    grad = np.asarray(grad)
    if grad.size <= 6:
        return _format_array(grad)
    return (f"shape {grad.shape}: mean {_number(float(grad.mean()))}, min {_number(float(grad.min()))}, "
            f"max {_number(float(grad.max()))}")


def _symbol(node: Value, index: int, names: dict[int, str]) -> str | None:
    """The local derivative d node/d parent[index] as a formula in the nodes' names (None: unknown op)."""
    parents = node.parents
    x = _atom(names[id(parents[0])])
    y = _atom(names[id(parents[1])]) if len(parents) > 1 else ""
    out = _atom(names[id(node)])
    op = node.op
    if op == "+":
        return "1"
    if op == "-":
        return "1" if index == 0 else "-1"
    if op == "*":
        return y if index == 0 else x
    if op == "**":
        return f"{y}*{x}**({y} - 1)" if index == 0 else f"{x}**{y}*log({x})"
    if op.startswith("**"):
        try:
            n = float(op[2:])
        except ValueError:
            return None
        m = n - 1
        return f"{n:g}*{x}" if m == 1 else f"{n:g}*{x}**" + (f"({m:g})" if m < 0 else f"{m:g}")
    return {"exp": out, "log": f"1/{x}", "tanh": f"1 - {out}**2", "sigmoid": f"{out}*(1 - {out})",
            "relu": f"1 if {x} > 0 else 0"}.get(op.lower())


def _names(order: Iterable[Any]) -> dict[int, str]:
    """A name per node: its label, else a constant's value, else its op in brackets."""
    names = {}
    for node in order:
        name = " ".join(label_text(node.label))
        if not name:
            if node.parents:
                name = f"[{node.op or 'op'}]"
            elif isinstance(node, Value):
                name = _number(node.data)
            else:
                name = f"[leaf {tuple(node.shape)}]"
        names[id(node)] = name
    return names


class _Recorder:
    """Called right after each chain-rule step of a backward pass: writes down that step's arithmetic."""

    def __init__(self, root: Any) -> None:
        self.root = root
        self.names = _names(topological_order(root))
        self.steps: list[Step] = []

    def __call__(self, node: Any) -> None:
        name = self.names[id(node)]
        number = len(self.steps) + 1
        lines = []
        if node is self.root:
            seed = self._grad(node)
            kind = "the output"
            lines.append(f"{_atom(name)}.grad = {seed}   (d(output)/d(output) = 1: backward starts at the output)")
        else:
            kind = f"made by {node.op!r}" if node.parents else "a leaf"
            lines.append(f"{_atom(name)}.grad = {self._grad(node)} is final: every node that uses it came before it")
        if node.parents and isinstance(node, Value):
            lines += self._value_lines(node, name)
        elif node.parents:
            for parent in node.parents:
                p = self.names[id(parent)]
                lines.append(f"{_atom(p)}.grad {tuple(parent.shape)} += vector-Jacobian product of {node.op!r} with "
                             f"{_atom(name)}.grad {tuple(node.shape)}; now {_grad_summary(parent.grad)}")
        else:
            lines.append(f"{name} is a leaf: nothing to pass back")
        self.steps.append(Step(number, name, f"step {number}: {name}, {kind}", lines, node=node))

    def _grad(self, node: Any) -> str:
        return _number(node.grad) if isinstance(node, Value) else _grad_summary(node.grad)

    def _value_lines(self, node: Value, name: str) -> list[str]:
        pairs = local_derivatives(node)
        # A parent's grad before this step: its grad now, minus what this step added (a*a adds twice).
        running = {id(p): p.grad for p, _ in pairs}
        for parent, d in pairs:
            running[id(parent)] -= d * node.grad
        lines = []
        for index, (parent, d) in enumerate(pairs):
            p = self.names[id(parent)]
            symbol = _symbol(node, index, self.names)
            try:
                redundant = symbol is None or float(symbol) == d
            except ValueError:
                redundant = False
            local = f"d{_atom(name)}/d{_atom(p)} = " + ("" if redundant else f"{symbol} = ") + _number(d)
            added = d * node.grad
            line = f"{_atom(p)}.grad += ({local}) x {_atom(name)}.grad ({_number(node.grad)}) = {_number(added)}"
            before = running[id(parent)]
            running[id(parent)] += added
            if before != 0.0:
                line += f"   (added to {_number(before)}: now {_number(running[id(parent)])})"
            lines.append(line)
        return lines

    def finish(self) -> list[Step]:
        """Fill in every step's table of gradients, and the full list on the last step."""
        total = len(self.steps)
        for k, step in enumerate(self.steps, start=1):
            step.heading = step.heading.replace(f"step {k}:", f"step {k} of {total}:", 1)
            step.grads = [(s.name, self._grad(s.node) if j < k else None) for j, s in enumerate(self.steps)]
        if self.steps:
            last = self.steps[-1]
            last.lines.append("Done. Every gradient, d(output)/d(node):")
            last.lines += [f"  {_atom(name)}.grad = {grad}" for name, grad in last.grads]
        return self.steps


def _check_root(root: Any, caller: str) -> None:
    if not isinstance(root, (Value, Tensor)):
        raise TypeError(f"{caller}: expected the Value or Tensor to backpropagate from (e.g. the loss), "
                        f"got {type(root).__name__}")


def explain_steps(root: Value | Tensor) -> list[Step]:
    """Run the backward pass from `root` one node at a time and explain each step (no `dot` needed).

    Like `backward()`, this fills in every `.grad` (a leaf's grad adds up over passes: call
    `zero_grad()` first to watch a fresh pass).
    """
    _check_root(root, "explain_steps")
    recorder = _Recorder(root)
    for node in backward_steps(root):
        recorder(node)
    return recorder.finish()


# ---- expressions typed as text -----------------------------------------------------------------

FUNCTIONS = ("tanh", "exp", "log", "relu", "sigmoid")
_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
ALLOWED = "numbers, variable names, + - * / **, unary minus, and calls of " + "/".join(FUNCTIONS)


def build_expression(expression: str, variables: Mapping[str, float]) -> Value:
    """The `Value` graph of `expression` (Python syntax), each variable a leaf labelled with its name.

    Allowed: numbers, names given in `variables`, `+ - * / **`, unary minus, and calls of
    tanh/exp/log/relu/sigmoid. Each node is labelled with the text of its sub-expression.
    Anything else raises ValueError naming the construct.
    """
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as error:
        raise ValueError(f"cannot read the expression {expression!r}: {error.msg}") from None
    leaves = {}
    for name, value in variables.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"{name!r} is not a variable name")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"variable {name} must be a number, got {value!r}")
        leaves[name] = Value(float(value), label=name)

    def unsupported(node: ast.AST) -> ValueError:
        what = type(node).__name__
        return ValueError(f"{what} `{ast.unparse(node)}` is not supported in an expression; use {ALLOWED}")

    def build(node: ast.AST) -> Value:
        text = ast.unparse(node)
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise unsupported(node)
            return Value(float(node.value), label=text)
        if isinstance(node, ast.Name):
            if node.id not in leaves:
                given = ", ".join(leaves) or "none"
                raise ValueError(f"unknown name {node.id!r} in the expression; give it a value, e.g. {node.id}=1.0 "
                                 f"(variables given: {given})")
            return leaves[node.id]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            result = build(node.operand) * Value(-1.0, label="-1")
        elif isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            left = build(node.left)
            op = _BINARY[type(node.op)]
            if op == "**" and isinstance(node.right, ast.Constant) and not isinstance(node.right.value, bool) \
                    and isinstance(node.right.value, (int, float)):
                result = left ** float(node.right.value)  # x ** n: one node, d/dx = n x^(n-1)
            else:
                right = build(node.right)
                if op == "/":
                    reciprocal = right ** -1.0
                    reciprocal.label = f"1/{_atom(ast.unparse(node.right))}"
                    result = left * reciprocal
                else:
                    result = {"+": left.__add__, "-": left.__sub__, "*": left.__mul__, "**": left.__pow__}[op](right)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS
              and len(node.args) == 1 and not node.keywords and not isinstance(node.args[0], ast.Starred)):
            result = getattr(build(node.args[0]), node.func.id)()
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS:
            raise ValueError(f"call `{text}`: {node.func.id} takes exactly one argument")
        else:
            raise unsupported(node)
        result.label = text
        return result

    root = build(tree.body)
    if not root.parents and root.label in leaves:  # "a": the expression is a variable itself
        root = root * 1.0
        root.label = expression.strip()
    return root


def explain(expression: str, variables: Mapping[str, float]) -> list[Step]:
    """The backward pass of `expression` at `variables`, step by step (see `build_expression`, `explain_steps`).

    >>> steps = explain("a*b + c", {"a": 2.0, "b": -3.0, "c": 10.0})
    """
    return explain_steps(build_expression(expression, variables))


def explain_text(expression: str, variables: Mapping[str, float]) -> list[str]:
    """`explain`'s steps as lines of text, for a terminal."""
    root = build_expression(expression, variables)
    lines = [f"{root.label} = {_number(root.data)}   at " + ", ".join(f"{k} = {_number(float(v))}"
                                                                       for k, v in variables.items())]
    for step in explain_steps(root):
        lines += ["", step.heading] + [f"  {line}" for line in step.lines]
    return lines


# ---- the page ----------------------------------------------------------------------------------

class Page:
    """A self-contained HTML page: `.html` is its text, `.write(path)` saves it, and in a notebook it
    shows itself inline (in an iframe, so its script and styles stay out of the notebook's page)."""

    def __init__(self, html_text: str, title: str, height: int = 720) -> None:
        self.html = html_text
        self.title = title
        self.height = height

    def write(self, path: Any) -> str:
        """Write the page to `path` (in full or not at all; missing folders are made); return the path."""
        return write_atomically(path, self.html.encode("utf-8"))

    def _repr_html_(self) -> str:
        return (f'<iframe srcdoc="{html.escape(self.html, quote=True)}" title="{html.escape(self.title)}" '
                f'sandbox="allow-scripts" style="width: 100%; height: {self.height}px; border: 1px solid #ddd">'
                f"</iframe>")

    def __repr__(self) -> str:
        return f"<Page {self.title!r}: {len(self.html)} characters of HTML; .write(path) saves it>"


_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; margin: 1em 1.5em;
       color: #222; }
h1 { font-size: 1.3em; margin: 0 0 .5em 0; }
.controls { display: flex; gap: .6em; align-items: center; margin-bottom: .8em; }
.controls input[type=range] { flex: 1; max-width: 28em; }
.controls button { font-size: 1em; padding: .2em .8em; }
#position { font-variant-numeric: tabular-nums; color: #555; }
main { display: flex; gap: 1.5em; align-items: flex-start; flex-wrap: wrap; }
#picture { flex: 3 1 30em; overflow: auto; }
#picture svg { max-width: 100%; height: auto; }
aside { flex: 2 1 22em; }
aside h2 { font-size: 1.05em; margin: 0 0 .4em 0; }
#arithmetic { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .9em;
              padding-left: 1.2em; white-space: pre-wrap; }
#arithmetic li { margin-bottom: .3em; }
table { border-collapse: collapse; font-size: .9em; }
td, th { padding: .15em .7em; border-bottom: 1px solid #eee; text-align: left; }
td.grad { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
tr.unknown td.grad { color: #aaa; }
.hint { color: #777; font-size: .85em; }
"""

# The controls both pages share: Prev/Next, a slider, and the arrow keys, over `count` steps.
_STEPPER = """
function stepper(count, render) {
  const slider = document.getElementById("slider");
  const prev = document.getElementById("prev");
  const next = document.getElementById("next");
  const position = document.getElementById("position");
  let current = 0;
  function show(i) {
    current = Math.max(0, Math.min(count - 1, i));
    render(current);
    slider.value = String(current + 1);
    position.textContent = (current + 1) + " of " + count;
    prev.disabled = current === 0;
    next.disabled = current === count - 1;
    document.body.dataset.step = String(current + 1);
  }
  prev.addEventListener("click", function () { show(current - 1); });
  next.addEventListener("click", function () { show(current + 1); });
  slider.addEventListener("input", function () { show(Number(slider.value) - 1); });
  document.addEventListener("keydown", function (event) {
    if (event.target === slider || event.altKey || event.ctrlKey || event.metaKey) return;  // the slider moves itself
    if (event.key === "ArrowLeft") { show(current - 1); event.preventDefault(); }
    if (event.key === "ArrowRight") { show(current + 1); event.preventDefault(); }
  });
  show(0);
}
"""

_BACKWARD_SCRIPT = """
const steps = JSON.parse(document.getElementById("steps-data").textContent);
function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}
stepper(steps.length, function (i) {
  const step = steps[i];
  document.getElementById("picture").innerHTML = step.svg;
  document.getElementById("heading").textContent = step.heading;
  document.getElementById("arithmetic").replaceChildren(...step.lines.map(function (line) {
    const li = document.createElement("li");
    li.textContent = line;
    return li;
  }));
  document.getElementById("grads").replaceChildren(...step.grads.map(function (pair) {
    const tr = document.createElement("tr");
    tr.append(cell(pair[0]), cell(pair[1] === null ? "?" : pair[1], "grad"));
    if (pair[1] === null) tr.className = "unknown";
    return tr;
  }));
});
"""


def _json_for_script(data: Any) -> str:
    """JSON that can sit inside a <script> element: no `<` anywhere (so no `</script>` or `<!--`)."""
    return json.dumps(data).replace("<", "\\u003c")


def _document(title: str, body: str, data: Any, script: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>{_STYLE}</style>
</head>
<body>
<h1>{html.escape(title)}</h1>
<div class="controls">
  <button id="prev" type="button" title="previous (left arrow)">&#9664; Prev</button>
  <input id="slider" type="range" min="1" max="{len(data)}" value="1" step="1" aria-label="step">
  <button id="next" type="button" title="next (right arrow)">Next &#9654;</button>
  <span id="position"></span>
</div>
{body}
<noscript><p>This page steps through its pictures with JavaScript, which is turned off.</p></noscript>
<script type="application/json" id="steps-data">{_json_for_script(data)}</script>
<script>
"use strict";
{_STEPPER}
{script}
</script>
</body>
</html>
"""


def backward_page(root: Value | Tensor, path: Any = None, title: str = "The backward pass, step by step", *,
                  params: Iterable[Any] | None = None, rankdir: str = "LR", max_elements: int = 12,
                  max_steps: int = 200) -> Page:
    """Backpropagate from `root` one step at a time and make one self-contained HTML page of it.

    Each step has the graph's picture (as in `backward_frames`: the current node highlighted,
    the gradients known so far filled in) and, beside it, that step's chain-rule arithmetic
    (for a `Tensor`, the shapes and a summary of the gradients) and a table of the gradients
    known so far; the last step lists them all. Prev/Next, a slider and the arrow keys step.
    The page needs no network and no kernel. Returns a `Page` (written to `path` too, if given);
    in a notebook it displays itself.

    Like `backward()`, this fills in every `.grad` (call `zero_grad()` first to watch a fresh
    pass). Needs Graphviz's `dot` (`GraphvizNotFound` otherwise; `explain_steps` needs none).
    `params`, `rankdir` and `max_elements` are as in `draw_dot`.
    """
    _check_root(root, "backward_page")
    recorder = _Recorder(root)
    graphs = frame_graphs(root, params=params, rankdir=rankdir, max_elements=max_elements, max_frames=max_steps,
                          after_step=recorder, caller="backward_page")
    steps = recorder.finish()
    data = []
    for step, (_, graph) in zip(steps, graphs):
        svg = graph.pipe(format="svg", encoding="utf-8")
        data.append({"heading": step.heading, "lines": step.lines, "grads": step.grads, "svg": svg[svg.index("<svg"):]})
    body = """<main>
  <div id="picture"></div>
  <aside>
    <h2 id="heading"></h2>
    <ul id="arithmetic"></ul>
    <h2>Gradients so far</h2>
    <table><tbody id="grads"></tbody></table>
    <p class="hint">Each node's grad is d(output)/d(node). Step with the buttons, the slider, or the arrow keys.</p>
  </aside>
</main>"""
    page = Page(_document(title, body, data, _BACKWARD_SCRIPT), title)
    if path is not None:
        page.write(path)
    return page


# ---- a training run ----------------------------------------------------------------------------

_TRAINING_SCRIPT = """
const epochs = JSON.parse(document.getElementById("steps-data").textContent);
stepper(epochs.length, function (i) {
  const epoch = epochs[i];
  const marker = document.getElementById("marker");
  marker.setAttribute("cx", epoch.x);
  marker.setAttribute("cy", epoch.y);
  document.getElementById("epoch-text").textContent = "epoch " + epoch.epoch + ": loss " + epoch.loss;
  const image = document.getElementById("boundary-image");
  if (image && epoch.image) image.setAttribute("href", epoch.image);
});
"""


def _png(rgb: np.ndarray) -> bytes:
    """A PNG file of an (height, width, 3) uint8 array, top row first: zlib and struct, no imaging library."""
    height, width, _ = rgb.shape
    raw = b"".join(b"\x00" + row.tobytes() for row in np.ascontiguousarray(rgb, dtype=np.uint8))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


_LOW, _HIGH, _WHITE = np.array([120, 160, 220.0]), np.array([235, 120, 105.0]), np.array([255, 255, 255.0])
_POINT_COLOURS = ["#1f4e99", "#b2182b", "#1b7837", "#762a83", "#e08214", "#35978f"]


def _colours(grid: np.ndarray) -> np.ndarray:
    """Values in [0, 1] as colours: blue (0) through white (0.5) to red (1), row 0 at the bottom."""
    v = np.clip(grid, 0.0, 1.0)[..., None]
    rgb = np.where(v < 0.5, _LOW + (_WHITE - _LOW) * (2 * v), _WHITE + (_HIGH - _WHITE) * (2 * v - 1))
    return rgb[::-1].round().astype(np.uint8)


def training_page(losses: Sequence[float], path: Any = None, title: str = "A training run", *,
                  boundaries: Sequence[Any] | None = None, points: Any = None, labels: Any = None,
                  extent: tuple[float, float, float, float] | None = None) -> Page:
    """One self-contained HTML page of a training run, with a slider (and Prev/Next, arrow keys) over its epochs.

    `losses`: the loss after each epoch. For 2-D data, `boundaries` gives one grid per epoch (same
    length as `losses`): the model's output over the plane, `grid[i, j]` at x = j-th of
    `linspace(xmin, xmax, nx)` and y = i-th of `linspace(ymin, ymax, ny)` for `extent` =
    (xmin, xmax, ymin, ymax); outputs in [0, 1] (a probability) are shown as they are, others
    scaled to [0, 1] over all epochs. `points` (n, 2) and their class `labels` (n,) are drawn
    on top; `extent` defaults to the points' range with a margin. Needs only numpy: the
    pictures are inline SVG and PNG. Returns a `Page` (written to `path` too, if given).
    """
    losses = [float(loss) for loss in losses]
    if not losses:
        raise ValueError("training_page: losses is empty (one loss per epoch is needed)")
    if not all(math.isfinite(loss) for loss in losses):
        first = next(i for i, loss in enumerate(losses) if not math.isfinite(loss))
        raise ValueError(f"training_page: the loss of epoch {first + 1} is {losses[first]} (not a finite number)")
    width, height, margin = 440.0, 280.0, 48.0
    log_scale = min(losses) > 0 and max(losses) / min(losses) > 100
    ys = [math.log10(loss) for loss in losses] if log_scale else losses
    low, high = min(ys), max(ys)
    span = (high - low) or 1.0
    xy = [(margin + (width - 1.5 * margin) * (i / max(len(losses) - 1, 1)),
           height - margin - (height - 1.5 * margin) * ((y - low) / span)) for i, y in enumerate(ys)]
    curve = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    scale = " (log scale)" if log_scale else ""
    chart = f"""<svg id="loss-chart" width="{width:g}" height="{height:g}" viewBox="0 0 {width:g} {height:g}"
     xmlns="http://www.w3.org/2000/svg" font-size="11" font-family="sans-serif">
  <line x1="{margin}" y1="{height - margin}" x2="{width - margin / 2}" y2="{height - margin}" stroke="#888"/>
  <line x1="{margin}" y1="{margin / 2}" x2="{margin}" y2="{height - margin}" stroke="#888"/>
  <text x="{margin}" y="{height - margin + 16}">1</text>
  <text x="{width - margin / 2}" y="{height - margin + 16}" text-anchor="end">{len(losses)}</text>
  <text x="{(width + margin) / 2}" y="{height - 12}" text-anchor="middle">epoch</text>
  <text x="{margin - 4}" y="{height - margin}" text-anchor="end">{_number(min(losses))}</text>
  <text x="{margin - 4}" y="{margin / 2 + 8}" text-anchor="end">{_number(max(losses))}</text>
  <text x="{margin + 4}" y="{margin / 2 - 6}">loss{scale}</text>
  <polyline points="{curve}" fill="none" stroke="#2c5aa0" stroke-width="1.5"/>
  <circle id="marker" r="4.5" fill="#d62728" cx="{xy[0][0]:.1f}" cy="{xy[0][1]:.1f}"/>
</svg>"""
    images: list[str | None] = [None] * len(losses)
    boundary_svg = ""
    if boundaries is not None:
        grids = [np.asarray(grid, dtype=float) for grid in boundaries]
        if len(grids) != len(losses):
            raise ValueError(f"training_page: {len(grids)} boundary grids for {len(losses)} epochs "
                             f"(one grid per epoch is needed)")
        if any(grid.ndim != 2 or grid.shape != grids[0].shape for grid in grids):
            raise ValueError(f"training_page: every boundary grid must be 2-D and of one shape, got shapes "
                             f"{sorted({grid.shape for grid in grids})}")
        lo, hi = min(float(g.min()) for g in grids), max(float(g.max()) for g in grids)
        scaled = not (lo >= 0.0 and hi <= 1.0)
        pictures = ["data:image/png;base64," + base64.b64encode(_png(_colours((grid - lo) / ((hi - lo) or 1.0)
                                                                               if scaled else grid))).decode("ascii")
                    for grid in grids]
        images = list(pictures)
        boundary_svg = _boundary_svg(pictures[0], points, labels, extent, scaled)
    data = [{"epoch": i + 1, "loss": _number(loss), "x": round(x, 1), "y": round(y, 1), "image": image}
            for i, (loss, (x, y), image) in enumerate(zip(losses, xy, images))]
    body = f"""<main>
  <div>{chart}<p id="epoch-text"></p></div>
  {boundary_svg}
</main>
<p class="hint">Step through the epochs with the buttons, the slider, or the arrow keys.</p>"""
    page = Page(_document(title, body, data, _TRAINING_SCRIPT), title, height=560)
    if path is not None:
        page.write(path)
    return page


def _boundary_svg(image: str, points: Any, labels: Any, extent: Any, scaled: bool) -> str:
    size = 320.0
    pts = None if points is None else np.asarray(points, dtype=float)
    if pts is not None and (pts.ndim != 2 or pts.shape[1] != 2):
        raise ValueError(f"training_page: points must be an (n, 2) array, got shape {pts.shape}")
    if extent is None:
        if pts is None or len(pts) == 0:
            raise ValueError("training_page: pass extent=(xmin, xmax, ymin, ymax) for the boundary grids "
                             "(or the points, to take it from them)")
        (xmin, ymin), (xmax, ymax) = pts.min(axis=0), pts.max(axis=0)
        pad_x, pad_y = 0.1 * ((xmax - xmin) or 1.0), 0.1 * ((ymax - ymin) or 1.0)
        extent = (xmin - pad_x, xmax + pad_x, ymin - pad_y, ymax + pad_y)
    xmin, xmax, ymin, ymax = map(float, extent)
    dots = []
    if pts is not None:
        classes = np.zeros(len(pts), dtype=int) if labels is None else np.asarray(labels).astype(int).ravel()
        for (x, y), c in zip(pts, classes):
            cx = size * (x - xmin) / ((xmax - xmin) or 1.0)
            cy = size * (1 - (y - ymin) / ((ymax - ymin) or 1.0))
            colour = _POINT_COLOURS[int(c) % len(_POINT_COLOURS)]
            dots.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3" fill="{colour}" stroke="white" stroke-width=".7"/>')
    what = "model output, scaled to [0, 1]" if scaled else "model output: blue 0, white 0.5, red 1"
    return f"""<figure>
  <svg id="boundary" width="{size:g}" height="{size:g}" viewBox="0 0 {size:g} {size:g}"
       xmlns="http://www.w3.org/2000/svg">
    <image id="boundary-image" href="{image}" x="0" y="0" width="{size:g}" height="{size:g}"
           preserveAspectRatio="none"/>
    {"".join(dots)}
  </svg>
  <figcaption class="hint">decision boundary ({what})</figcaption>
</figure>"""
