"""Every notebook in notebooks/ runs top to bottom in a fresh kernel, and is committed with its outputs.

Each runs from a copy of the folder in a temporary directory, with `notebooks/execute.py`'s
`execute`, so the committed notebooks (and anything a notebook writes next to itself) are untouched.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import shutil

import nbformat
import pytest

pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOKS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "notebooks")
NOTEBOOKS = sorted(glob.glob(os.path.join(NOTEBOOKS_DIR, "*.ipynb")))


def _load_runner():
    spec = importlib.util.spec_from_file_location("notebook_runner", os.path.join(NOTEBOOKS_DIR, "execute.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


runner = _load_runner()


def _copy_of_notebooks(tmp_path) -> str:
    copy = str(tmp_path / "notebooks")
    shutil.copytree(NOTEBOOKS_DIR, copy, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return copy


def _code_cells(notebook) -> list:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 3, NOTEBOOKS


SLOW_NOTEBOOKS = ("09_convolutions.ipynb",)  # trains CNNs for its accuracy figures: run by CI, not by `make test`


@pytest.mark.parametrize("path", [pytest.param(p, marks=pytest.mark.slow) if os.path.basename(p) in SLOW_NOTEBOOKS
                                  else p for p in NOTEBOOKS], ids=os.path.basename)
def test_notebook_runs_top_to_bottom_in_a_fresh_kernel(path, tmp_path):
    copy = os.path.join(_copy_of_notebooks(tmp_path), os.path.basename(path))
    notebook = runner.execute(copy)  # raises CellExecutionError, naming the cell, if any cell fails
    cells = _code_cells(notebook)
    assert [cell.execution_count for cell in cells] == list(range(1, len(cells) + 1))
    errors = [out for cell in cells for out in cell.outputs if out.output_type == "error"]
    assert not errors


@pytest.mark.parametrize("path", NOTEBOOKS, ids=os.path.basename)
def test_notebook_is_committed_with_the_outputs_of_one_run_from_the_top(path):
    cells = _code_cells(nbformat.read(path, as_version=4))
    assert cells, "a notebook with no code"
    # Run by `python notebooks/execute.py`: every cell once, in order, in one fresh kernel.
    assert [cell.execution_count for cell in cells] == list(range(1, len(cells) + 1)), \
        f"run `python notebooks/execute.py {os.path.relpath(path)}` to store its outputs"
    assert not [out for cell in cells for out in cell.outputs if out.output_type == "error"]


def test_the_runner_fails_on_a_cell_that_raises(tmp_path):
    from nbclient.exceptions import CellExecutionError

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"),
                                               nbformat.v4.new_code_cell("x / 0")])
    path = tmp_path / "broken.ipynb"
    nbformat.write(notebook, str(path))
    with pytest.raises(CellExecutionError, match="ZeroDivisionError"):
        runner.execute(path)


def test_the_runner_works_in_the_notebooks_folder_and_can_import_the_project(tmp_path):
    (tmp_path / "data.txt").write_text("next to the notebook")
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("print(open('data.txt').read())"),
        nbformat.v4.new_code_cell("import micrograd_like, nn; print(micrograd_like.Value(2.0) * 3)"),
    ])
    path = tmp_path / "here.ipynb"
    nbformat.write(notebook, str(path))
    first, second = _code_cells(runner.execute(path))
    assert first.outputs[0].text == "next to the notebook\n"
    assert second.outputs[0].text.startswith("Value(data=6")
    assert nbformat.read(str(path), as_version=4).cells[0].outputs == []  # the file itself is not rewritten
