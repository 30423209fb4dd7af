"""nn against PyTorch on the same float64 numbers: losses, layers, and several optimizer steps."""

from __future__ import annotations

import numpy as np
import pytest

from micrograd_like import Tensor
from nn import (
    SGD,
    Adam,
    bce_loss,
    bce_with_logits_loss,
    dense_network,
    linear_decay,
    max_margin_loss,
    mse_loss,
    softmax_cross_entropy,
)

torch = pytest.importorskip("torch")
F = torch.nn.functional

rng = np.random.default_rng(3)
Z = rng.normal(scale=3, size=(6, 4))
BITS = rng.integers(0, 2, size=(6, 4)).astype(float)
CLASSES = rng.integers(0, 4, size=6)
CLOSE = dict(rtol=1e-12, atol=1e-14)


def ours(loss, outputs, targets):
    x = Tensor(outputs.copy(), requires_grad=True)
    value = loss(x, targets)
    value.backward()
    return value.item(), x.grad


def theirs(loss, outputs, targets):
    x = torch.tensor(outputs, requires_grad=True)
    value = loss(x, torch.as_tensor(targets))
    value.backward()
    return value.item(), x.grad.numpy()


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


@pytest.mark.parametrize("our_loss, torch_loss, outputs, targets", [
    (mse_loss, F.mse_loss, Z, BITS),
    (bce_loss, F.binary_cross_entropy, sigmoid(Z), BITS),
    (bce_with_logits_loss, F.binary_cross_entropy_with_logits, Z, BITS),
    (bce_with_logits_loss, F.binary_cross_entropy_with_logits, np.array([[1000.0, -1000.0, 0.0, 1e-3]]),
     np.array([[0.0, 1.0, 1.0, 0.0]])),
    (softmax_cross_entropy, F.cross_entropy, Z, CLASSES),
    (softmax_cross_entropy, F.cross_entropy, np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 1000.0]]),
     np.array([1, 0])),
    (softmax_cross_entropy, F.cross_entropy, Z, np.eye(4)[CLASSES]),
    (max_margin_loss, lambda s, y: torch.clamp(1 - y * s, min=0).mean(), Z, 2 * BITS - 1),
], ids=["mse", "bce", "bce_logits", "bce_logits at +-1000", "softmax_ce", "softmax_ce at +-1000",
        "softmax_ce one-hot", "hinge"])
def test_loss_value_and_gradient_match_pytorch(our_loss, torch_loss, outputs, targets):
    our_value, our_grad = ours(our_loss, outputs, targets)
    their_value, their_grad = theirs(torch_loss, outputs, targets)
    assert np.isfinite(our_value) and np.all(np.isfinite(our_grad))
    assert our_value == pytest.approx(their_value, rel=1e-12, abs=1e-14)
    np.testing.assert_allclose(our_grad, their_grad, **CLOSE)


def torch_copy(net):
    """The same dense network in PyTorch: torch's Linear keeps W transposed, (n_out, n_in)."""
    layers = []
    for module in net.layers:
        name = type(module).__name__
        if name == "Linear":
            linear = torch.nn.Linear(module.n_in, module.n_out, dtype=torch.float64)
            with torch.no_grad():
                linear.weight.copy_(torch.tensor(module.weight.data.T))
                linear.bias.copy_(torch.tensor(module.bias.data))
            layers.append(linear)
        else:
            layers.append({"ReLU": torch.nn.ReLU, "Tanh": torch.nn.Tanh, "Sigmoid": torch.nn.Sigmoid,
                           "Identity": torch.nn.Identity}[name]())
    return torch.nn.Sequential(*layers)


def torch_params_as_ours(model):
    """Torch parameters in our layout (weights transposed back), in our order."""
    return [p.detach().numpy().T if p.ndim == 2 else p.detach().numpy() for p in model.parameters()]


def test_dense_network_forward_and_gradients_match_pytorch():
    net = dense_network((4, 5, 3, 2), ("relu", "tanh", "sigmoid"), rng=0)
    model = torch_copy(net)
    x = rng.normal(size=(7, 4))
    out = net(x)
    their_out = model(torch.tensor(x))
    np.testing.assert_allclose(out.data, their_out.detach().numpy(), **CLOSE)
    g = rng.normal(size=(7, 2))
    out.backward(g)
    their_out.backward(torch.tensor(g))
    for p, q in zip(net.parameters(), model.parameters()):
        np.testing.assert_allclose(p.grad, q.grad.numpy().T if q.ndim == 2 else q.grad.numpy(), **CLOSE)


@pytest.mark.parametrize("make_ours, make_theirs", [
    (lambda p: SGD(p, lr=0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
    (lambda p: SGD(p, lr=0.1, momentum=0.9), lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
    (lambda p: SGD(p, lr=0.1, momentum=0.5, weight_decay=0.01),
     lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.5, weight_decay=0.01)),
    (lambda p: Adam(p, lr=0.05), lambda p: torch.optim.Adam(p, lr=0.05)),
    (lambda p: Adam(p, lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.01),
     lambda p: torch.optim.Adam(p, lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.01)),
], ids=["sgd", "sgd momentum", "sgd momentum weight decay", "adam", "adam options"])
def test_optimizer_steps_match_pytorch(make_ours, make_theirs):
    net = dense_network((3, 4, 1), ("tanh", "identity"), rng=1)
    model = torch_copy(net)
    ours_opt, theirs_opt = make_ours(net.parameters()), make_theirs(model.parameters())
    x, y = rng.normal(size=(8, 3)), rng.integers(0, 2, size=(8, 1)).astype(float)
    for _ in range(6):
        ours_opt.zero_grad()
        bce_with_logits_loss(net(x), y).backward()
        ours_opt.step()
        theirs_opt.zero_grad()
        F.binary_cross_entropy_with_logits(model(torch.tensor(x)), torch.tensor(y)).backward()
        theirs_opt.step()
    for p, q in zip(net.parameters(), torch_params_as_ours(model)):
        np.testing.assert_allclose(p.data, q, **CLOSE)


def test_micrograds_learning_rate_decay_matches_pytorchs_lambda_schedule():
    net = dense_network((3, 4, 1), ("tanh", "identity"), rng=2)
    model = torch_copy(net)
    ours_opt = SGD(net.parameters(), lr=linear_decay(1.0, 0.1, 100))
    theirs_opt = torch.optim.SGD(model.parameters(), lr=1.0)
    schedule = torch.optim.lr_scheduler.LambdaLR(theirs_opt, lambda k: 1.0 - 0.9 * k / 100)
    x, y = rng.normal(size=(8, 3)), np.where(rng.normal(size=(8, 1)) > 0, 1.0, -1.0)
    for _ in range(5):
        ours_opt.zero_grad()
        max_margin_loss(net(x), y).backward()
        ours_opt.step()
        theirs_opt.zero_grad()
        torch.clamp(1 - torch.tensor(y) * model(torch.tensor(x)), min=0).mean().backward()
        theirs_opt.step()
        schedule.step()
    for p, q in zip(net.parameters(), torch_params_as_ours(model)):
        np.testing.assert_allclose(p.data, q, **CLOSE)
