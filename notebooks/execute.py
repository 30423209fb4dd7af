"""Run the notebooks top to bottom in a fresh kernel and store their outputs in place.

    python notebooks/execute.py                       # every notebook in this folder
    python notebooks/execute.py notebooks/01_*.ipynb  # some of them

The test suite runs the same `execute` function (tests/test_notebooks.py), without writing.
"""

from __future__ import annotations

import glob
import os
import sys
import time
import uuid

import nbformat
from nbclient import NotebookClient

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
CELL_TIMEOUT = 120  # seconds; every notebook as a whole should take well under a minute


def execute(path: str | os.PathLike, timeout: int = CELL_TIMEOUT) -> nbformat.NotebookNode:
    """Run the notebook at `path` in a fresh Python kernel, working in the notebook's folder.

    Returns the notebook with its outputs; the file is not changed. A cell that fails raises
    nbclient's `CellExecutionError`, which shows the cell and the error.
    """
    notebook = nbformat.read(os.fspath(path), as_version=4)
    # The repository goes on the kernel's path, so the notebooks import micrograd_like and nn
    # whether or not the package is installed.
    python_path = os.pathsep.join(p for p in (REPO, os.environ.get("PYTHONPATH", "")) if p)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}})
    client.execute(env=dict(os.environ, PYTHONPATH=python_path))
    return notebook


def execute_in_place(path: str | os.PathLike) -> None:
    """Run the notebook and replace the file with the executed notebook (never half-written)."""
    notebook = execute(path)
    tmp = f"{os.fspath(path)}.{uuid.uuid4().hex}.tmp"
    try:
        nbformat.write(notebook, tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def main(argv: list[str]) -> int:
    paths = argv or sorted(glob.glob(os.path.join(HERE, "*.ipynb")))
    for path in paths:
        start = time.perf_counter()
        execute_in_place(path)
        print(f"{os.path.relpath(path)}: {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
