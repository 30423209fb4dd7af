"""`micrograd-like train ... --conv` and `check-deltas cnn` on the command line."""

from __future__ import annotations

import pytest

from nn.cli import main


@pytest.mark.slow
def test_train_mnist_with_a_convolutional_network(capsys, tmp_path):
    assert main(["train", "mnist", "--conv", "4", "--epochs", "1", "--batch-size", "100", "--lr", "0.01",
                 "--save", str(tmp_path / "cnn.npz")]) == 0
    out = capsys.readouterr().out
    assert "mnist: 5000 samples, 784 features, 10 classes" in out and "Conv2d(1 -> 4" in out
    accuracy = float(out.split("accuracy ")[1].split()[0])
    assert accuracy > 0.5  # one epoch of a tiny CNN, far above chance (0.1)
    assert (tmp_path / "cnn.npz").exists()


@pytest.mark.parametrize("argv, message", [
    (["train", "moons", "--conv", "8"], "--conv needs square images"),
    (["train", "digits", "--conv", "8,0"], "channel counts must be positive"),
    (["train", "digits", "--conv", "8", "--sizes", "64,10"], "leave out --sizes"),
    (["train", "digits", "--conv", "4,4,4,4"], "too many for (1, 8, 8) images"),
])
def test_bad_conv_arguments_are_usage_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2 and message in capsys.readouterr().err
