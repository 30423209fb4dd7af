"""What the commands write: loss curves and graphs (as pictures, or DOT source without Graphviz), and the
one check every output path gets before any long work starts (`check_output_file`, `check_output_folder`)."""

from __future__ import annotations

import os
import stat

from micrograd_like import Graph, GraphvizNotFound, Tensor, Value, draw_dot

from ..module import atomic_write
from ..plots import PLOT_EXTRA_HINT, plot_history
from ..train import History

__all__ = ["PLOT_EXTRA_HINT", "check_output_file", "check_output_folder", "plot_losses", "save_graph", "write_graph"]


def check_output_file(option: str, path: str, extensions: tuple[str, ...] = ()) -> str:
    """`path` if a file can be written there, else a ValueError naming `option` and what is wrong: its
    folder is missing, not a folder or not writable; it is a folder; it exists but is not a regular
    file (a FIFO, a device) or is read-only; or its name does not end in one of `extensions`."""
    if not path or not path.strip():
        raise ValueError(f"{option}: the path is empty")
    if path.endswith(os.sep) or os.path.isdir(path):
        raise ValueError(f"{option} {path}: that is a folder; give a file name (e.g. {os.path.join(path, 'out')}"
                         f"{'.' + extensions[0] if extensions else ''})")
    if extensions and os.path.splitext(path)[1].lstrip(".").lower() not in extensions:
        raise ValueError(f"{option} {path}: the file name must end in one of {['.' + e for e in extensions]}")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        what = "is not a folder" if os.path.exists(folder) else "does not exist"
        raise ValueError(f"{option} {path}: the folder {folder} {what} (create it first, or fix the path)")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(f"{option} {path}: the folder {folder} is not writable")
    if os.path.lexists(path):
        mode = os.stat(path).st_mode if os.path.exists(path) else 0
        if not stat.S_ISREG(mode):
            raise ValueError(f"{option} {path}: it exists and is not a regular file; choose another name")
        if not os.access(path, os.W_OK):
            raise ValueError(f"{option} {path}: the file exists and is read-only; choose another name or "
                             f"make it writable")
    return path


def check_output_folder(option: str, path: str) -> str:
    """`path` if it is a writable folder or can be created as one, else a ValueError naming `option`."""
    if not path or not path.strip():
        raise ValueError(f"{option}: the path is empty")
    if os.path.exists(path) and not os.path.isdir(path):
        raise ValueError(f"{option} {path}: that is a file, not a folder; give a folder name")
    existing = os.path.abspath(path)
    while not os.path.exists(existing):  # the nearest folder that exists is where it will be created
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise ValueError(f"{option} {path}: {existing} is a file, so the folder cannot be created")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError(f"{option} {path}: the folder {existing} is not writable")
    return path


def plot_losses(history: History, path: str, title: str) -> str:
    """Draw the loss per epoch (and the validation loss, if any) to `path` (`nn.plots.plot_history`); returns it."""
    plot_history(history, path, title)
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
