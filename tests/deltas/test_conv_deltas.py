"""The convolution and pooling rules derived by hand (nn.deltas.conv_rule) against finite differences,
against autograd on a small CNN (nn.deltas.compare.compare_cnn), and against PyTorch where installed."""

from __future__ import annotations

import ast
import inspect

import numpy as np
import pytest

from nn.cli.check_deltas import main as check_deltas
from nn.deltas import compare, conv_rule


def numeric(f, array, h=1e-6):
    grad = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        saved = array[index]
        array[index] = saved + h
        up = f()
        array[index] = saved - h
        down = f()
        array[index] = saved
        grad[index] = (up - down) / (2 * h)
    return grad


@pytest.mark.parametrize("stride, padding", [(1, 0), (2, 1), (3, 2), (2, 0)])
def test_conv_rule_is_finite_differences(stride, padding):
    rng = np.random.default_rng(stride * 10 + padding)
    x, W, b = rng.normal(size=(2, 2, 6, 5)), rng.normal(size=(3, 2, 3, 2)), rng.normal(size=3)
    weights = rng.normal(size=conv_rule.conv_forward(x, W, b, stride, padding).shape)

    def loss():
        return float(np.sum(weights * conv_rule.conv_forward(x, W, b, stride, padding)))

    dW, db, dx = conv_rule.conv_backward(x, W, weights, stride, padding)  # delta = dLoss/dz = weights
    np.testing.assert_allclose(dW, numeric(loss, W), atol=1e-7)
    np.testing.assert_allclose(db, numeric(loss, b), atol=1e-7)
    np.testing.assert_allclose(dx, numeric(loss, x), atol=1e-7)


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("kernel, stride, padding", [(2, None, 0), (3, 2, 1), (3, 1, 1)])
def test_pool_rule_is_finite_differences(kind, kernel, stride, padding):
    rng = np.random.default_rng(kernel)
    x = rng.normal(size=(2, 2, 5, 6))
    weights = rng.normal(size=conv_rule.pool_forward(x, kind, kernel, stride, padding).shape)
    dx = conv_rule.pool_backward(x, weights, kind, kernel, stride, padding)
    np.testing.assert_allclose(dx, numeric(lambda: float(np.sum(weights * conv_rule.pool_forward(
        x, kind, kernel, stride, padding))), x), atol=1e-7)


def test_max_pool_routes_the_delta_to_the_first_maximum():
    x = np.array([[[[1.0, 3.0], [3.0, 0.0]]]])
    dx = conv_rule.pool_backward(x, np.array([[[[5.0]]]]), "max", 2)
    np.testing.assert_array_equal(dx[0, 0], [[0, 5], [0, 0]])
    np.testing.assert_array_equal(conv_rule.pool_backward(x, np.array([[[[4.0]]]]), "avg", 2)[0, 0], np.ones((2, 2)))


@pytest.mark.parametrize("seed", range(6))
def test_the_hand_derived_cnn_agrees_with_autograd_layer_by_layer(seed):
    comparison = compare.compare_cnn(seed, tolerance=1e-10)
    assert comparison.keys == ["max_pool", "avg_pool"]
    for reference in comparison.references:
        assert [(row.layer, row.parameter) for row in reference.rows] == [
            (1, "W"), (1, "b"), (1, "delta"), (1, "dx"), (2, "W"), (2, "b"), (2, "delta")]
        for row in reference.rows:
            assert row.agrees, f"seed {seed}, {reference.key}, layer {row.layer} {row.parameter}: {row.max_rel}"
            assert np.abs(row.autograd).max() > 0 or row.parameter == "b"


def test_a_wrong_rule_is_caught():
    """The comparison can fail: forget to flip the kernel in dx, and the dx row disagrees."""
    problem = compare.cnn_problem(np.random.default_rng(4))
    x, W = problem["x"], problem["conv_W"]
    delta = np.random.default_rng(0).normal(size=conv_rule.conv_forward(x, W, problem["conv_b"], problem["stride"],
                                                                         problem["padding"]).shape)
    _, _, dx = conv_rule.conv_backward(x, W, delta, problem["stride"], problem["padding"])
    _, _, unflipped = conv_rule.conv_backward(x, W[:, :, ::-1, ::-1], delta, problem["stride"], problem["padding"])
    assert not compare.Row(1, "dx", unflipped, dx).agrees


def test_the_conv_rule_never_imports_the_engine():
    tree = ast.parse(inspect.getsource(conv_rule))
    imported = [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    imported += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    assert not any("micrograd_like" in name or name.startswith("nn") and name != "numpy" for name in imported), imported


def test_the_hand_derived_cnn_matches_pytorch():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    problem = compare.cnn_problem(np.random.default_rng(7))
    hand = conv_rule.cnn_backprop(problem["x"], problem["y"], problem["conv_W"], problem["conv_b"],
                                  problem["dense_W"], problem["dense_b"], "max", 2, problem["stride"],
                                  problem["padding"])
    t = {k: torch.tensor(problem[k], requires_grad=True) for k in ("x", "conv_W", "conv_b", "dense_W", "dense_b")}
    z = F.conv2d(t["x"], t["conv_W"], t["conv_b"], problem["stride"], problem["padding"])
    pooled = F.max_pool2d(z.relu(), 2)
    logits = pooled.flatten(1) @ t["dense_W"] + t["dense_b"]
    loss = F.cross_entropy(logits, torch.tensor(problem["y"]))
    loss.backward()
    assert np.isclose(hand.loss, loss.item())
    for ours, theirs in ((hand.conv_W, "conv_W"), (hand.conv_b, "conv_b"), (hand.conv_dx, "x"),
                         (hand.dense_W, "dense_W"), (hand.dense_b, "dense_b")):
        np.testing.assert_allclose(ours, t[theirs].grad.numpy(), atol=1e-12)


def test_check_deltas_cnn_prints_agreement(capsys):
    assert check_deltas(["cnn", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "convolution delta rule" in out and out.count("agrees everywhere") == 2
