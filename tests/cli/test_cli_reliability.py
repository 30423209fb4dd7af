"""The command line under careless input: output paths checked before training, Ctrl-C as one line and
status 130, a diverging run exits non-zero with nothing saved, numbers that are not numbers and requests
too big for memory refused in words, the held-out report, --plot's three pictures and --page."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nn.cli import build_parser, main
from nn.cli.files import check_output_file, check_output_folder

REPO = Path(__file__).resolve().parents[2]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "nn.cli", *args], cwd=REPO, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def usage_error(capsys, *argv: str) -> str:
    """Run the command line in this process; it must exit with status 2; returns stderr's last line."""
    with pytest.raises(SystemExit) as exit_:
        main(list(argv))
    assert exit_.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # refused before anything ran
    return captured.err.strip().splitlines()[-1]


# ---- Ctrl-C -----------------------------------------------------------------------------------------------

def test_ctrl_c_prints_one_line_and_exits_130():
    process = cli("train", "xor", "--epochs", "100000", "--no-progress")
    assert process.stdout.readline().startswith("xor: 4 samples")  # it has started
    time.sleep(0.3)  # some epochs
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 130
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("micrograd-like train: interrupted (Ctrl-C) at epoch ")
    assert "of 100000; nothing was saved" in lines[0]


# ---- divergence -------------------------------------------------------------------------------------------

def test_a_diverging_run_exits_1_with_one_line_and_saves_nothing(tmp_path):
    weights, plot = tmp_path / "w.npz", tmp_path / "loss.png"
    process = cli("train", "moons", "--optimizer", "sgd", "--lr", "10", "--loss", "mse", "--activations",
                  "relu,identity", "--no-progress", "--save", str(weights), "--plot", str(plot))
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 1
    assert "Traceback" not in stderr and "Warning" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("micrograd-like train: error: training diverged at epoch ")
    assert "learning rate (10) is probably too large" in lines[0] and "Nothing was saved" in lines[0]
    assert list(tmp_path.iterdir()) == []


# ---- output paths, checked before training ---------------------------------------------------------------

def test_a_bad_plot_path_fails_before_training_within_two_seconds(tmp_path):
    start = time.monotonic()
    process = cli("train", "moons", "--epochs", "100000", "--plot", str(tmp_path / "no such folder" / "loss.png"))
    stdout, stderr = process.communicate(timeout=60)
    assert time.monotonic() - start < 2.0 + 1.5  # (the interpreter's own start-up is the 1.5)
    assert process.returncode == 2 and stdout == ""
    assert "does not exist (create it first, or fix the path)" in stderr and "Traceback" not in stderr


@pytest.fixture
def places(tmp_path):
    (tmp_path / "folder").mkdir()
    (tmp_path / "file.npz").write_bytes(b"x")
    os.mkfifo(tmp_path / "fifo.npz")
    return tmp_path


@pytest.mark.parametrize("option, name, message", [
    ("--save", "folder", "that is a folder; give a file name"),
    ("--save", "fifo.npz", "it exists and is not a regular file"),
    ("--save", "file.npz/w.npz", "file.npz is not a folder"),
    ("--graph", "missing/graph.svg", "does not exist"),
    ("--page", "page.txt", r"must end in one of ['.html', '.htm']"),
    ("--page", "folder/", "that is a folder"),
    ("--plot", "folder", "that is a folder"),
    ("--plot", "loss.jpg", "must end in one of"),
])
def test_every_output_path_is_checked_before_training(places, capsys, option, name, message):
    line = usage_error(capsys, "train", "xor", option, str(places / name))
    assert message in line and option in line


def test_two_outputs_with_one_path_are_refused(tmp_path, capsys):
    path = str(tmp_path / "out.svg")
    assert "two outputs are given the same path" in usage_error(capsys, "train", "xor", "--plot", path, "--graph", path)


def test_the_boundary_picture_path_is_checked_too(tmp_path, capsys):
    (tmp_path / "loss-boundary.png").mkdir()
    line = usage_error(capsys, "train", "moons", "--plot", str(tmp_path / "loss.png"))
    assert "loss-boundary.png: that is a folder" in line


def test_demo_out_that_is_a_file_is_refused(places, capsys):
    assert "that is a file, not a folder" in usage_error(capsys, "demo", "--out", str(places / "file.npz"))
    assert "cannot be created" in usage_error(capsys, "demo", "--out", str(places / "file.npz" / "sub"))


def test_the_checker_itself_names_the_option_and_accepts_good_paths(tmp_path):
    assert check_output_file("--save", str(tmp_path / "w.npz")) == str(tmp_path / "w.npz")
    assert check_output_folder("--out", str(tmp_path / "new" / "deeper")) == str(tmp_path / "new" / "deeper")
    with pytest.raises(ValueError, match="--out: the path is empty"):
        check_output_folder("--out", "")
    if os.geteuid() != 0:  # root may write anywhere
        read_only = tmp_path / "ro.npz"
        read_only.write_bytes(b"")
        read_only.chmod(0o444)
        with pytest.raises(ValueError, match="read-only"):
            check_output_file("--save", str(read_only))


# ---- numbers and sizes --------------------------------------------------------------------------------------

@pytest.mark.parametrize("argv, message", [
    (["train", "xor", "--epochs", "1e3"], "argument --epochs: expected a whole number, got '1e3'"),
    (["train", "xor", "--epochs", "ten"], "expected a whole number, got 'ten'"),
    (["train", "xor", "--lr", "fast"], "argument --lr: expected a number, got 'fast'"),
    (["train", "moons", "--seed", "-1"], "expected a non-negative whole number, got '-1'"),
    (["train", "moons", "--test-fraction", "1"], "expected a number below 1, got '1'"),
    (["check-deltas", "general", "--seed", "1.5"], "argument --seed: expected a whole number, got '1.5'"),
    (["reproduce", "seed999"], "invalid choice: 'seed999'"),
])
def test_numbers_that_are_not_numbers_and_seeds_that_do_not_exist(capsys, argv, message):
    assert message in usage_error(capsys, *argv)


def test_a_billion_samples_are_refused_up_front_with_the_size_they_need(capsys):
    start = time.monotonic()
    line = usage_error(capsys, "train", "moons", "--n-samples", "1000000000")
    assert time.monotonic() - start < 2
    assert "moons with 1000000000 samples would need about 64.0 GB of memory" in line  # 4 copies x 2 x 8 bytes


def test_absurd_layer_sizes_are_refused_up_front(capsys):
    line = usage_error(capsys, "train", "xor", "--sizes", "2,1000000000,1")
    assert "--sizes 2,1000000000,1 (4000000001 parameters, 4 samples) would need about" in line


# ---- held-out data --------------------------------------------------------------------------------------

def test_sampled_data_sets_report_training_and_held_out_accuracy(capsys):
    assert main(["train", "moons", "--n-samples", "100", "--epochs", "20", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "moons: 100 samples, 2 features, 2 classes; 20 held out for testing" in out
    assert "accuracy: training " in out and "(80 samples), held-out " in out and "(20 samples)" in out
    assert "on the held-out samples:" in out
    assert "support" in out and "       0       " in out


def test_truth_tables_are_never_split(capsys):
    assert main(["train", "xor", "--epochs", "2", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "held out" not in out and "held-out" not in out
    assert "--test-fraction 0.2: xor has 4 samples" in usage_error(capsys, "train", "xor", "--test-fraction", "0.2")
    assert "--patience watches the held-out loss" in usage_error(capsys, "train", "and", "--patience", "3")


def test_too_few_samples_to_stratify_is_a_usage_error(capsys):
    line = usage_error(capsys, "train", "moons", "--n-samples", "20", "--test-fraction", "0.99")
    assert "--test-fraction 0" in line


def test_patience_stops_on_the_held_out_loss_and_keeps_the_best_weights(capsys):
    assert main(["train", "moons", "--n-samples", "100", "--epochs", "500", "--patience", "3", "--lr", "0.5",
                 "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "(stopped: no held-out improvement for 3 epochs)" in out
    assert "kept the weights of epoch " in out


# ---- pictures and the page ------------------------------------------------------------------------------------

def test_plot_writes_the_loss_curves_and_for_2d_data_the_boundary(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    plot = tmp_path / "loss.png"
    assert main(["train", "moons", "--n-samples", "60", "--epochs", "5", "--no-progress", "--plot", str(plot)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loss-boundary.png", "loss.png"]
    assert all(p.read_bytes().startswith(PNG_SIGNATURE) for p in tmp_path.iterdir())
    assert f"decision boundary: {tmp_path / 'loss-boundary.png'}" in capsys.readouterr().out


def test_plot_writes_misclassified_digits(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    pytest.importorskip("sklearn")
    plot = tmp_path / "digits.png"
    assert main(["train", "digits", "--epochs", "1", "--no-progress", "--plot", str(plot)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["digits-misclassified.png", "digits.png"]
    assert "misclassified held-out images" in capsys.readouterr().out


def test_page_shows_the_loss_and_the_boundary_of_every_epoch(tmp_path, capsys):
    page = tmp_path / "run.html"
    assert main(["train", "moons", "--n-samples", "60", "--epochs", "4", "--no-progress", "--page", str(page)]) == 0
    html = page.read_text()
    assert html.count("data:image/png;base64,") == 4 + 1  # one boundary picture per epoch, the first shown at load
    assert '"epoch": 4' in html and '"epoch": 5' not in html
    assert "http://" not in html.replace("http://www.w3.org", "")  # self-contained


# ---- help -----------------------------------------------------------------------------------------------------

def test_help_describes_every_subcommand():
    parser = build_parser()
    text = parser.format_help()
    commands = next(action for action in parser._actions if action.dest == "command")
    listed = {action.dest: action.help for action in commands._choices_actions}
    assert set(listed) == set(commands.choices)  # every subcommand has a help line
    for name, subparser in commands.choices.items():
        assert listed[name] and len(listed[name].split()) >= 4, f"{name}: no help line worth the name"
        assert f"\n    {name} " in text and " ".join(listed[name].split()[:3]) in " ".join(text.split())
        assert subparser.format_help().startswith(f"usage: micrograd-like {name}")
        assert subparser.description, f"micrograd-like {name} --help has no description"
