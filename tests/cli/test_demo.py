"""`micrograd-like demo`, run as a real process into a temporary folder: every picture it writes is a
valid file showing what it says, its summary reports AND and XOR learnt and autograd's gradients
equal to the hand-derived delta rule's, and without Graphviz's `dot` it still runs, says so, and
writes DOT source instead of pictures."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from micrograd_like import dot_available
from nn import dense_network
from nn.cli import main

REPO = Path(__file__).resolve().parents[2]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG = "{http://www.w3.org/2000/svg}"
HAS_SKLEARN = importlib.util.find_spec("sklearn") is not None
needs_dot = pytest.mark.skipif(not dot_available(), reason="Graphviz's `dot` program is not installed")


def run_demo(out: Path, path: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    if path is not None:
        env["PATH"] = path
    return subprocess.run([sys.executable, "-m", "nn.cli", "demo", "--out", str(out)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def summary_rows(stdout: str) -> dict[str, list[str]]:
    """The printed summary table: task -> [accuracy, final loss, |diff| absolute, relative, files]."""
    table = stdout.split("\nSummary")[1]
    rows = {}
    for line in table.splitlines():
        fields = line.split(maxsplit=5)
        if fields and fields[0] in ("and", "xor", "digits", "seeds", "graphs"):
            rows[fields[0]] = fields[1:]
    return rows


def svg_texts(path: Path) -> list[str]:
    """Every piece of text drawn in an SVG file (parsing it on the way)."""
    return ["".join(t.itertext()) for t in ET.parse(path).getroot().iter(f"{SVG}text")]


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """One run of the demo, read by several tests."""
    out = tmp_path_factory.mktemp("demo_output")
    return out, run_demo(out)


def test_the_demo_runs_to_the_end(demo):
    out, result = demo
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert f"Output written to {out}" in result.stdout


def test_the_summary_reports_and_and_xor_learnt_with_autograd_equal_to_the_delta_rule(demo):
    out, result = demo
    rows = summary_rows(result.stdout)
    for task in ("and", "xor"):
        accuracy, final_loss, absolute, relative, files = rows[task]
        assert float(accuracy) == 1.0
        assert float(final_loss) < 0.05
        # autograd's gradients on the trained network against nn.delta_rule's: equal up to rounding
        assert float(absolute) < 1e-12 and float(relative) < 1e-12
        assert files == f"{task}_loss.png, {task}_weights.npz"
    if HAS_SKLEARN:
        accuracy, final_loss, absolute, relative, files = rows["digits"]
        assert float(accuracy) > 0.9 and float(relative) < 1e-12
    else:
        assert "skipped" in rows["digits"][-1]
    # the table is also in the output folder
    assert (out / "summary.txt").read_text() in result.stdout


@needs_dot
def test_the_graphs_are_svg_pictures_of_what_they_claim(demo):
    out, result = demo
    assert summary_rows(result.stdout)["graphs"][-1] == \
        "expression.svg, backward_frames/ (7 frames), neuron.svg, xor_network.svg"
    assert {"L", "a", "b", "c", "f"} <= set(svg_texts(out / "expression.svg"))
    assert {"w0", "w1", "w2", "b", "out"} <= set(svg_texts(out / "neuron.svg"))
    # the network drawn by layer: one box per module, named after it
    network = svg_texts(out / "xor_network.svg")
    assert {"Sequential", "Linear 0", "Tanh 1", "Linear 2"} <= set(network)
    # L = (a*b + c) * f has 7 nodes: one frame per step of the backward pass, the output first
    frames = sorted((out / "backward_frames").glob("*.svg"))
    assert [f.name for f in frames] == [f"step_{k:03d}.svg" for k in range(1, 8)]
    first, last = " ".join(svg_texts(frames[0])), " ".join(svg_texts(frames[-1]))
    assert "step 1 of 7: L, the output" in first
    assert "step 7 of 7" in last and "grad ?" not in last  # every gradient known at the end


def test_the_loss_curves_are_pngs_and_the_saved_weights_compute_xor(demo):
    out, _ = demo
    for name in ["and", "xor"] + (["digits"] if HAS_SKLEARN else []):
        assert (out / f"{name}_loss.png").read_bytes().startswith(PNG_SIGNATURE)
    xor = dense_network((2, 4, 1), ("tanh", "identity"), rng=99)
    xor.load(out / "xor_weights.npz")
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    assert (xor(X).data.ravel() > 0).tolist() == [False, True, True, False]


def test_the_seed_tutorials_deltas_are_compared_with_autograd(demo):
    out, result = demo
    # seed 002's step is the gradient of 1/2 SSE, and half that of the error it returns
    assert "seed002 vs autograd on half_sse: agrees everywhere" in result.stdout
    assert "seed002 vs autograd on stated: disagrees by a factor 0.5" in result.stdout
    # seed 000 never steps its biases: its rule agrees with autograd except at every b
    assert "seed000 vs autograd on stated: disagrees at layer 1 b (ratio 0)" in result.stdout
    tables = (out / "deltas.txt").read_text()
    for seed in ("seed000", "seed002", "seed003") + (("seed001",) if HAS_SKLEARN else ()):
        assert f"{seed}:" in tables
    assert "hand / autograd" in tables


@pytest.mark.slow
def test_without_dot_it_writes_dot_source_and_says_so_instead_of_failing(tmp_path):
    without_dot = os.pathsep.join(d for d in os.environ["PATH"].split(os.pathsep)
                                  if d and not os.path.exists(os.path.join(d, "dot")))
    result = run_demo(tmp_path, path=without_dot)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "Graphviz's `dot` program is not on PATH" in result.stdout
    assert "apt-get install graphviz" in result.stdout
    for name in ("expression", "neuron", "xor_network"):
        assert (tmp_path / f"{name}.dot").read_text().startswith("digraph")
    assert not list(tmp_path.rglob("*.svg")) and not (tmp_path / "backward_frames").exists()
    # everything that does not need `dot` is still there
    rows = summary_rows(result.stdout)
    assert float(rows["and"][0]) == float(rows["xor"][0]) == 1.0
    assert (tmp_path / "xor_loss.png").read_bytes().startswith(PNG_SIGNATURE)


def test_without_matplotlib_it_says_so_once_and_writes_no_png(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes it look uninstalled
    assert main(["demo", "--out", str(tmp_path)]) == 0
    stdout = capsys.readouterr().out
    assert stdout.count("no loss curves: matplotlib is not installed; pip install 'micrograd-like[plot]'") == 1
    assert not list(tmp_path.glob("*.png"))
    assert summary_rows(stdout)["xor"][-1] == "xor_weights.npz"
