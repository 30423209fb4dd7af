"""What the commands write: loss curves and graphs (as pictures, or DOT source without Graphviz)."""

from __future__ import annotations

import os

import numpy as np

from micrograd_like import Graph, GraphvizNotFound, Tensor, Value, draw_dot

from ..module import atomic_write
from ..train import History

PLOT_EXTRA_HINT = "pip install 'micrograd-like[plot]'"


def plot_losses(history: History, path: str, title: str) -> str:
    """Draw the loss per epoch (log scale when it spans more than a factor 100) to `path`; returns it."""
    from matplotlib.figure import Figure  # no pyplot: no window, no global state, works without a display

    figure = Figure(figsize=(6, 4), layout="constrained")
    axes = figure.subplots()
    epochs = np.arange(1, len(history.epoch_losses) + 1)
    axes.plot(epochs, history.epoch_losses)
    losses = np.array(history.epoch_losses)
    if len(losses) and losses.min() > 0 and losses.max() / losses.min() > 100:
        axes.set_yscale("log")
    axes.set(xlabel="epoch", ylabel="mean loss", title=title)
    axes.grid(True, alpha=0.3)
    with atomic_write(path) as fh:
        figure.savefig(fh, format=os.path.splitext(path)[1].lstrip(".").lower())
    return path


def save_graph(root: Value | Tensor, path: str, what: str) -> str:
    """Draw the graph of `root` to `path`; without Graphviz's `dot`, write the DOT source instead."""
    graph = draw_dot(root)
    note = ""
    if not path.lower().endswith(".dot"):
        try:
            return f"graph of {what}: {graph.write(path)}"
        except GraphvizNotFound as err:
            path, note = os.path.splitext(path)[0] + ".dot", f" (DOT source only. {err})"
    with atomic_write(path) as fh:
        fh.write(graph.source.encode())
    return f"graph of {what}: {path}{note}"


def write_graph(graph: Graph, out: str, name: str, drawing: bool) -> str:
    """`graph` as out/name.svg, or as DOT source in out/name.dot without Graphviz; returns the file name."""
    if drawing:
        return os.path.basename(graph.write(os.path.join(out, name + ".svg")))
    with atomic_write(os.path.join(out, name + ".dot")) as fh:
        fh.write(graph.source.encode())
    return name + ".dot"
