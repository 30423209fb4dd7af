"""Modules on Tensors: Linear and the activations against their formulas and finite differences,
dense networks, initialisation schemes, parameter names, freezing, printing, saving and loading."""

from __future__ import annotations

import os
import random

import numpy as np
import pytest

import nn
from micrograd_like import Tensor, gradcheck
from nn import MLP, Identity, Linear, ReLU, Sequential, Sigmoid, Tanh, dense_network, initial_weights
from nn.deltas.seeds import seed000_and

rng = np.random.default_rng(1)
X = rng.normal(size=(5, 3))
W = rng.normal(size=(3, 2))
B = rng.normal(size=2)


# ---- Linear ---------------------------------------------------------------------------------------

def test_linear_computes_x_w_plus_b_and_its_gradients_by_hand():
    layer = Linear(3, 2, weight=W, bias=B)
    x = Tensor(X, requires_grad=True)
    out = layer(x)
    np.testing.assert_allclose(out.data, X @ W + B, rtol=1e-15)
    g = rng.normal(size=(5, 2))
    out.backward(g)
    np.testing.assert_allclose(layer.weight.grad, X.T @ g, rtol=1e-13)   # dL/dW = x^T g
    np.testing.assert_allclose(layer.bias.grad, g.sum(axis=0), rtol=1e-13)  # dL/db = sum over the batch
    np.testing.assert_allclose(x.grad, g @ W.T, rtol=1e-13)                # dL/dx = g W^T


def test_linear_copies_the_given_arrays():
    weight = W.copy()
    layer = Linear(3, 2, weight=weight, bias=B)
    weight[0, 0] = 99.0
    assert layer.weight.data[0, 0] == W[0, 0]


@pytest.mark.parametrize("module", [
    Linear(3, 2, weight=W, bias=B),
    Sequential(Linear(3, 4, rng=0), Tanh(), Linear(4, 2, rng=1), Sigmoid()),
    dense_network((3, 6, 2), ("relu", "identity"), init="he", rng=2),  # no input lands on ReLU's kink
], ids=["Linear", "tanh-sigmoid", "relu-identity"])
def test_layers_agree_with_finite_differences(module):
    x = Tensor(X, requires_grad=True)
    assert gradcheck(lambda x, *params: module(x), [x, *module.parameters()])


@pytest.mark.parametrize("activation, formula, derivative", [
    (ReLU(), lambda x: np.maximum(x, 0), lambda x: (x > 0) * 1.0),
    (Tanh(), np.tanh, lambda x: 1 - np.tanh(x) ** 2),
    (Sigmoid(), lambda x: 1 / (1 + np.exp(-x)), lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2),
    (Identity(), lambda x: x, lambda x: np.ones_like(x)),
])
def test_activation_modules_are_their_formulas(activation, formula, derivative):
    x = Tensor(X, requires_grad=True)
    out = activation(x)
    out.sum().backward()
    np.testing.assert_allclose(out.data, formula(X), rtol=1e-14)
    np.testing.assert_allclose(x.grad, derivative(X), rtol=1e-13)


def test_linear_rejects_inputs_of_the_wrong_width_naming_the_shapes():
    layer = Linear(3, 2, rng=0)
    with pytest.raises(ValueError, match=r"Linear\(3 -> 2\).*3 features.*\(5, 4\)"):
        layer(np.zeros((5, 4)))
    with pytest.raises(ValueError, match=r"weight has shape \(2, 3\), expected \(3, 2\)"):
        Linear(3, 2, weight=W.T, bias=B)
    with pytest.raises(ValueError, match="n_out must be a positive int, got 0"):
        Linear(3, 0)


# ---- networks and initialisation ------------------------------------------------------------------

def test_dense_network_is_linear_layers_with_their_activations():
    net = dense_network((64, 15, 10), ("relu", "sigmoid"), rng=0)
    assert [type(m) for m in net.layers] == [Linear, ReLU, Linear, Sigmoid]
    assert [p.shape for p in net.parameters()] == [(64, 15), (15,), (15, 10), (10,)]
    x = np.random.default_rng(2).normal(size=(4, 64))
    (w1, b1), (w2, b2) = [(net[i].weight.data, net[i].bias.data) for i in (0, 2)]
    expected = 1 / (1 + np.exp(-(np.maximum(x @ w1 + b1, 0) @ w2 + b2)))
    np.testing.assert_allclose(net(x).data, expected, rtol=1e-13)


def test_dense_network_is_reproducible_from_a_seed():
    first, second, other = (dense_network((2, 4, 1), ("tanh", None), rng=seed) for seed in (7, 7, 8))
    assert all(np.array_equal(a.data, b.data) for a, b in zip(first.parameters(), second.parameters()))
    assert not np.array_equal(first.parameters()[0].data, other.parameters()[0].data)


def test_dense_network_arguments_are_checked():
    with pytest.raises(ValueError, match="3 sizes make 2 layers, but 1 activations"):
        dense_network((2, 3, 1), ("tanh",))
    with pytest.raises(ValueError, match=r"unknown activation\(s\) \['softsign'\]"):
        dense_network((2, 1), ("softsign",))
    with pytest.raises(ValueError, match="unknown initialisation 'glorot'"):
        dense_network((2, 1), ("tanh",), init="glorot")


def test_uniform_init_from_a_random_state_draws_exactly_what_seed_000_draws():
    net = dense_network((2, 3, 3, 2), ("tanh", "sigmoid", "sigmoid"), init="uniform",
                        rng=np.random.RandomState(seed000_and.SEED))
    for (weight, bias, _), layer in zip(seed000_and.init_params(), net.layers[::2]):
        np.testing.assert_array_equal(layer.weight.data, weight)
        np.testing.assert_array_equal(layer.bias.data, bias)


def test_xavier_init_is_seed_001s_randn_over_sqrt_n_in_with_zero_bias():
    np.random.seed(1)
    expected = np.random.randn(64, 15) / np.sqrt(64)  # seed 001's own line
    weight, bias = initial_weights("xavier", 64, 15, np.random.RandomState(1))
    np.testing.assert_array_equal(weight, expected)
    np.testing.assert_array_equal(bias, np.zeros(15))


@pytest.mark.parametrize("scheme, low, high, std, zero_bias", [
    ("uniform", 0.0, 1.0, np.sqrt(1 / 12), False),
    ("micrograd", -1.0, 1.0, np.sqrt(1 / 3), True),
    ("normal", -np.inf, np.inf, 0.1, False),
    ("xavier", -np.inf, np.inf, 1 / np.sqrt(400), True),
    ("he", -np.inf, np.inf, np.sqrt(2 / 400), True),
])
def test_init_schemes_have_their_range_and_spread(scheme, low, high, std, zero_bias):
    weight, bias = initial_weights(scheme, 400, 300, rng=0)
    assert weight.shape == (400, 300) and bias.shape == (300,)
    assert low <= weight.min() and weight.max() < high
    assert weight.std() == pytest.approx(std, rel=0.01)
    assert np.all(bias == 0) == zero_bias


# ---- parameters, names, freezing ---------------------------------------------------------------------

def test_parameters_have_stable_dotted_names_in_layer_order():
    net = dense_network((2, 3, 1), ("tanh", "sigmoid"), rng=0)
    names = [name for name, _ in net.named_parameters()]
    assert names == ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"]
    assert [p for _, p in net.named_parameters()] == net.parameters()
    assert net.parameters()[0] is net[0].weight


def test_a_frozen_parameter_is_not_trained_but_is_saved(tmp_path):
    net = dense_network((2, 3, 1), ("tanh", "sigmoid"), rng=0)
    assert net.freeze("*.bias") == ["layers.0.bias", "layers.2.bias"]
    assert [name for name, _ in net.named_parameters()] == ["layers.0.weight", "layers.2.weight"]
    assert list(net.state_dict()) == ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"]
    net(np.ones((1, 2))).sum().backward()
    assert net[0].bias.grad is None and net[0].weight.grad is not None
    net.unfreeze("layers.0.bias")
    assert len(net.parameters()) == 3
    with pytest.raises(ValueError, match=r"matches \['\*\.gamma'\].*layers.0.weight"):
        net.freeze("*.gamma")


def test_zero_grad_clears_every_gradient():
    net = dense_network((2, 3, 1), ("tanh", "sigmoid"), rng=0)
    net(np.ones((1, 2))).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_calling_a_module_tags_its_nodes_with_the_layer_they_belong_to():
    net = Sequential(Linear(2, 3, rng=0), Tanh())
    out = net(np.ones((1, 2)))
    assert out.scope == ("Sequential", "Tanh 1")
    assert out.parents[0].scope == ("Sequential", "Linear 0")


def test_repr_shows_the_layers():
    net = dense_network((2, 3, 1), ("relu", "sigmoid"), rng=0)
    net.freeze("layers.2.bias")
    assert repr(net) == ("Sequential(\n  (layers.0): Linear(2 -> 3)\n  (layers.1): ReLU()\n"
                         "  (layers.2): Linear(3 -> 1, frozen ['bias'])\n  (layers.3): Sigmoid()\n)")


def test_the_scalar_mlp_keeps_working_on_the_same_base():
    random.seed(0)
    mlp = MLP(3, [4, 4, 1])
    assert len(mlp.parameters()) == 4 * 4 + 4 * 5 + 1 * 5  # micrograd's count: 41
    assert mlp.parameters()[0] is mlp.layers[0].neurons[0].w[0]
    state = mlp.state_dict()
    assert state["layers.0.neurons.0.w.0"].shape == ()
    mlp.layers[0].neurons[0].w[0].data = 5.0
    mlp.load_state_dict(state)
    assert mlp.layers[0].neurons[0].w[0].data == state["layers.0.neurons.0.w.0"]


# ---- saving and loading -------------------------------------------------------------------------------

def trained_net(seed=0):
    return dense_network((2, 4, 1), ("tanh", "sigmoid"), rng=seed)


def test_save_then_load_restores_every_array_into_the_same_parameters(tmp_path):
    saved, other = trained_net(0), trained_net(1)
    saved.freeze("layers.2.bias")
    path = tmp_path / "weights.npz"
    saved.save(path)
    weight_before = other[0].weight
    array_before = other[0].weight.data
    other.load(path)
    for name, array in saved.state_dict().items():
        np.testing.assert_array_equal(other.state_dict()[name], array)
    assert other[0].weight is weight_before and other[0].weight.data is array_before  # updated in place
    x = np.random.default_rng(0).normal(size=(3, 2))
    np.testing.assert_array_equal(other(x).data, saved(x).data)
    assert sorted(np.load(path).files) == sorted(saved.state_dict())


def test_state_dict_is_a_copy():
    net = trained_net()
    state = net.state_dict()
    state["layers.0.weight"][...] = 0
    assert np.any(net[0].weight.data != 0)


def _write_npz(path, **arrays):
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


def _write_npy(path, array):
    with open(path, "wb") as fh:
        np.save(fh, array)


def _good_state():
    return trained_net(1).state_dict()


BAD_FILES = {
    "missing": (lambda p: _write_npz(p, **{k: v for k, v in _good_state().items() if k != "layers.2.bias"}),
                r"missing \['layers.2.bias'\]"),
    "extra": (lambda p: _write_npz(p, **_good_state(), **{"layers.9.weight": np.ones(2)}),
              r"unexpected \['layers.9.weight'\]"),
    "mis-shaped": (lambda p: _write_npz(p, **{**_good_state(), "layers.0.weight": np.ones((4, 2))}),
                   r"'layers.0.weight' has shape \(4, 2\), the model needs \(2, 4\)"),
    "not numbers": (lambda p: _write_npz(p, **{**_good_state(), "layers.0.bias": np.array(list("abcd"))}),
                    r"'layers.0.bias' has dtype <U1"),
    "pickled objects": (lambda p: np.savez(p, **{**_good_state(), "layers.0.bias": np.array([{}, 1, 2, 3],
                                                                                          dtype=object)}),
                        "allow_pickle"),
    "not an npz": (lambda p: p.write_text("layers.0.weight = 1, 2, 3\n"), "cannot load .* as saved weights"),
    "a single .npy array": (lambda p: _write_npy(p, np.ones(3)), "single array, not an archive"),
    "truncated": (lambda p: (_write_npz(p, **_good_state()), p.write_bytes(p.read_bytes()[:150])),
                  "cannot load .* as saved weights"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_loading_a_bad_file_names_the_problem_and_changes_nothing(tmp_path, case):
    write, message = BAD_FILES[case]
    path = tmp_path / "weights.npz"
    write(path)
    net = trained_net(0)
    before = net.state_dict()
    with pytest.raises(ValueError, match=message):
        net.load(path)
    for name, array in net.state_dict().items():
        np.testing.assert_array_equal(array, before[name])


def test_all_problems_are_listed_at_once():
    net = trained_net()
    state = net.state_dict()
    del state["layers.0.bias"]
    state["layers.2.weight"] = np.ones(4)
    with pytest.raises(ValueError, match=r"missing \['layers.0.bias'\].*'layers.2.weight' has shape \(4,\)"):
        net.load_state_dict(state)


def test_loading_a_file_that_does_not_exist_says_so(tmp_path):
    with pytest.raises(FileNotFoundError):
        trained_net().load(tmp_path / "nowhere.npz")


def test_a_failed_save_leaves_the_old_file_whole_and_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "weights.npz"
    trained_net(0).save(path)
    before = path.read_bytes()

    def savez_that_fails_half_way(fh, **arrays):
        fh.write(b"PK\x03\x04 half an archive")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", savez_that_fails_half_way)
    with pytest.raises(OSError, match="disk full"):
        trained_net(1).save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["weights.npz"]


def test_nn_exports_its_public_names():
    for name in nn.__all__:
        assert hasattr(nn, name), name


def test_a_parameter_shared_by_two_layers_is_listed_and_stepped_once():
    import nn as nn_pkg
    first = nn_pkg.Linear(2, 2)
    second = nn_pkg.Linear(2, 2)
    second.weight = first.weight  # tied weights
    model = nn_pkg.Sequential(first, second)
    params = model.parameters()
    assert sum(p is first.weight for p in params) == 1
    assert len(params) == 3
