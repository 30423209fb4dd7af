"""The README's Python examples run as written (in a temporary folder: one of them writes c.svg)."""

import re
from pathlib import Path

import pytest

from micrograd_like import dot_available

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_the_readme_has_examples():
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_runs(index, tmp_path, monkeypatch, capsys):
    code = BLOCKS[index]
    if "micrograd.nn import" in code or "was: from" in code:
        code = "\n".join(line.split("#")[0] for line in code.splitlines())  # the import-swap snippet
    if ".write(" in code and not dot_available():
        pytest.skip("Graphviz's dot is not installed (the example renders a graph)")
    monkeypatch.chdir(tmp_path)
    exec(compile(code, f"README.md example {index}", "exec"), {})
    out = capsys.readouterr().out
    if "print(a.grad, b.grad)" in code:
        a_grad, b_grad = map(float, out.split()[:2])
        assert a_grad == pytest.approx(-3 + 1 - __import__("math").tanh(2.0) ** 2)  # b + (1 - tanh(a)^2)
        assert b_grad == pytest.approx(2.0)
        assert (tmp_path / "c.svg").read_text().lstrip().startswith(("<?xml", "<svg"))
    if "held-out accuracy" in code:  # validation data and early stopping on two moons
        accuracy = float(re.search(r"held-out accuracy ([0-9.]+)", out).group(1))
        assert accuracy >= 0.9
    elif "dense_network" in code:
        outputs = [float(v) for v in out.strip().strip("[]").split()]
        assert [round(v) for v in outputs] == [0, 1, 1, 0]
    if "create_graph=True" in code:
        first_line, second_line = out.strip().splitlines()[:2]
        autograd, by_hand = map(float, first_line.split())
        assert autograd == pytest.approx(by_hand, rel=1e-14) and second_line == "True"
    if "datasets.mnist" in code:  # a small CNN, two epochs on 500 images
        assert float(out.strip().splitlines()[-1]) >= 0.6
