"""The `micrograd-like` command line, run as a real process: training writes a working model, a plot
and a graph; `demo` trains AND and XOR; every bad argument is an argparse error (exit 2), never a
traceback."""

from __future__ import annotations

import re
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


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "nn.cli", *args], cwd=REPO, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def run(*args: str) -> subprocess.CompletedProcess:
    process = start(*args)
    stdout, stderr = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def test_train_xor_prints_metrics_and_writes_a_plot_a_graph_and_weights_that_work(tmp_path):
    plot, graph, weights = tmp_path / "loss.png", tmp_path / "graph.svg", tmp_path / "weights.npz"
    result = run("train", "xor", "--sizes", "2,4,1", "--activations", "tanh,identity", "--loss", "bce_logits",
                 "--lr", "0.1", "--epochs", "300", "--seed", "0", "--no-progress",
                 "--plot", str(plot), "--graph", str(graph), "--save", str(weights))
    assert result.returncode == 0, result.stderr
    assert "accuracy 1.0000" in result.stdout
    assert "precision    recall  f1-score   support" in result.stdout
    assert plot.read_bytes().startswith(PNG_SIGNATURE)
    if dot_available():
        assert ET.parse(graph).getroot().tag.endswith("svg")
    # the saved weights, loaded into the same architecture, compute XOR
    net = dense_network((2, 4, 1), ("tanh", "identity"), rng=99)
    net.load(weights)
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    assert (net(X).data.ravel() > 0).tolist() == [False, True, True, False]


def test_train_moons_with_defaults_minibatches_and_momentum():
    result = run("train", "moons", "--n-samples", "60", "--epochs", "30", "--batch-size", "16",
                 "--optimizer", "sgd", "--momentum", "0.9", "--lr", "0.1")
    assert result.returncode == 0, result.stderr
    assert "moons: 60 samples, 2 features, 2 classes" in result.stdout
    assert "Linear(2 -> 8)" in result.stdout and "after 30 epochs" in result.stdout
    assert "Traceback" not in result.stderr


BAD_ARGUMENTS = {
    "unknown data set": (["train", "cifar10"], "invalid choice: 'cifar10'"),
    "sizes that do not fit the data": (["train", "xor", "--sizes", "3,4,1"], "xor needs 2 inputs"),
    "sizes that are not numbers": (["train", "xor", "--sizes", "2,x,1"], "whole numbers separated by commas"),
    "one size": (["train", "xor", "--sizes", "2"], "at least two positive sizes"),
    "unknown activation": (["train", "xor", "--activations", "tanh,softsign"],
                           r"unknown activation\(s\) \['softsign'\]"),
    "too few activations": (["train", "xor", "--sizes", "2,4,1", "--activations", "tanh"],
                            "3 sizes make 2 layers, but 1 activations"),
    "negative learning rate": (["train", "xor", "--lr", "-1"], "expected a positive number, got '-1'"),
    "zero batch size": (["train", "xor", "--batch-size", "0"], "expected a positive whole number, got '0'"),
    "no epochs": (["train", "xor", "--epochs", "0"], "expected a positive whole number, got '0'"),
    "momentum for adam": (["train", "xor", "--momentum", "0.9"], "--momentum only applies to --optimizer sgd"),
    "nan noise": (["train", "moons", "--noise", "nan"], "expected a non-negative number, got 'nan'"),
    "two-class loss on three classes": (["train", "spiral", "--loss", "hinge"], "needs two classes; spiral has 3"),
    "sample count for a truth table": (["train", "and", "--n-samples", "10"], "only apply to the random data sets"),
    "plot file type": (["train", "xor", "--plot", "loss.txt"], r"must end in one of \['.png'"),
    "unknown optimizer": (["train", "xor", "--optimizer", "rmsprop"], "invalid choice: 'rmsprop'"),
    "no subcommand": ([], "the following arguments are required: command"),
}


@pytest.fixture(scope="module")
def bad_runs() -> dict[str, tuple[int, str, str]]:
    """Every bad command line, run as processes side by side (each only parses and exits)."""
    processes = {case: start(*args) for case, (args, _) in BAD_ARGUMENTS.items()}
    outputs = {case: p.communicate(timeout=120) for case, p in processes.items()}
    return {case: (processes[case].returncode, *outputs[case]) for case in processes}


@pytest.mark.parametrize("case", list(BAD_ARGUMENTS))
def test_bad_arguments_are_argparse_errors_not_tracebacks(bad_runs, case):
    returncode, stdout, stderr = bad_runs[case]
    assert returncode == 2
    assert "usage: micrograd-like" in stderr
    assert "Traceback" not in stderr and stdout == ""
    assert re.search(BAD_ARGUMENTS[case][1], stderr), stderr


@pytest.mark.slow
def test_demo_trains_and_and_xor_and_writes_its_pictures(tmp_path):
    result = run("demo", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("accuracy 1.0000") == 2  # AND and XOR both learnt
    for name in ("and_loss.png", "xor_loss.png"):
        assert (tmp_path / name).read_bytes().startswith(PNG_SIGNATURE)
    for name in ("and_weights.npz", "xor_weights.npz"):
        assert (tmp_path / name).exists()
    drawn = {p.name for p in tmp_path.iterdir()}
    assert {"expression.svg", "neuron.svg"} <= drawn if dot_available() else {"expression.dot", "neuron.dot"} <= drawn


def test_without_matplotlib_plot_is_an_argparse_error(tmp_path, monkeypatch, capsys):
    # (the demo without matplotlib is tested in test_demo.py)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes it look uninstalled
    with pytest.raises(SystemExit) as exit_:
        main(["train", "xor", "--plot", str(tmp_path / "loss.png")])
    assert exit_.value.code == 2
    assert "--plot needs matplotlib" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.png"))


def test_digits_without_scikit_learn_is_an_argparse_error_naming_the_extra(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)  # makes it look uninstalled
    with pytest.raises(SystemExit) as exit_:
        main(["train", "digits"])
    assert exit_.value.code == 2
    assert "pip install 'micrograd-like[data]'" in capsys.readouterr().err
