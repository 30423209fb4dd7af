"""micrograd's scalar layers: `Neuron`, `Layer`, `MLP`, by hand and against PyPI micrograd itself."""

from __future__ import annotations

import random

import pytest

from micrograd_like import Value, draw_dot, topological_order
from nn import MLP, Layer, Neuron


def set_weights(neuron: Neuron, weights: list[float], bias: float) -> None:
    for w, value in zip(neuron.w, weights):
        w.data = value
    neuron.b.data = bias


# ---- Neuron and Layer ------------------------------------------------------------------------------

def test_a_neuron_starts_with_weights_in_minus_one_to_one_and_a_zero_bias():
    random.seed(0)
    neuron = Neuron(50)
    assert len(neuron.w) == 50
    assert all(-1 <= w.data < 1 for w in neuron.w)
    assert len({w.data for w in neuron.w}) == 50
    assert neuron.b.data == 0.0


def test_a_neuron_computes_relu_of_w_dot_x_plus_b_or_w_dot_x_plus_b_when_linear():
    relu, linear = Neuron(2), Neuron(2, nonlin=False)
    for neuron in (relu, linear):
        set_weights(neuron, [0.5, -2.0], 0.25)
    assert relu([3.0, 0.5]).data == 0.5 * 3 - 2 * 0.5 + 0.25 > 0
    assert relu([1.0, 1.0]).data == 0.0                   # 0.5 - 2 + 0.25 < 0
    assert linear([1.0, 1.0]).data == 0.5 - 2.0 + 0.25


def test_a_neurons_gradients_are_the_inputs_and_one():
    neuron = Neuron(2)
    set_weights(neuron, [0.5, -2.0], 0.25)
    x = [Value(3.0), Value(0.5)]
    neuron(x).backward()  # active: d/dw_i = x_i, d/db = 1, d/dx_i = w_i
    assert [w.grad for w in neuron.w] == [3.0, 0.5]
    assert neuron.b.grad == 1.0
    assert [xi.grad for xi in x] == [0.5, -2.0]


def test_a_neuron_given_the_wrong_number_of_inputs_says_so():
    with pytest.raises(ValueError, match="expected 3 inputs, got 2"):
        Neuron(3)([1.0, 2.0])


def test_a_layer_returns_a_list_or_a_bare_value_for_one_output():
    outputs = Layer(3, 4)([1.0, 2.0, 3.0])
    assert isinstance(outputs, list) and len(outputs) == 4 and all(isinstance(o, Value) for o in outputs)
    assert isinstance(Layer(3, 1)([1.0, 2.0, 3.0]), Value)


# ---- MLP ---------------------------------------------------------------------------------------------

def test_mlp_parameter_count():
    assert len(MLP(3, [4, 4, 1]).parameters()) == (3 + 1) * 4 + (4 + 1) * 4 + (4 + 1) * 1 == 41
    assert len(MLP(2, [16, 16, 1]).parameters()) == 3 * 16 + 17 * 16 + 17 == 337


def test_mlp_parameters_are_each_neurons_weights_then_bias_layer_by_layer():
    model = MLP(2, [3, 1])
    expected = [p for layer in model.layers for n in layer.neurons for p in n.w + [n.b]]
    assert [id(p) for p in model.parameters()] == [id(p) for p in expected]


def test_mlp_hidden_layers_are_relu_and_the_output_layer_is_linear():
    model = MLP(1, [2, 1])
    (h0, h1), (output,) = model.layers[0].neurons, model.layers[1].neurons
    set_weights(h0, [2.0], 0.0)
    set_weights(h1, [-1.0], 0.0)
    set_weights(output, [-1.0, 3.0], 0.5)
    # x = 3: h = (relu(6), relu(-3)) = (6, 0); out = -6 + 0 + 0.5, negative: not clipped
    assert model([3.0]).data == -1.0 * 6.0 + 3.0 * 0.0 + 0.5
    # x = -3: h = (0, 3); out = 9.5
    assert model([-3.0]).data == -1.0 * 0.0 + 3.0 * 3.0 + 0.5
    assert isinstance(model([1.0]), Value)
    assert len(MLP(1, [2, 3])([1.0])) == 3


def test_a_hidden_layer_of_one_neuron_feeds_the_next_layer():
    model = MLP(1, [1, 1])
    set_weights(model.layers[0].neurons[0], [2.0], 0.0)
    set_weights(model.layers[1].neurons[0], [-1.0], 0.5)
    assert model([3.0]).data == -1.0 * 6.0 + 0.5


def test_mlp_zero_grad_resets_every_parameter():
    random.seed(1)
    model = MLP(3, [4, 4, 1])
    model([1.0, -2.0, 3.0]).backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_one_forward_pass_of_an_mlp_is_drawable(render):
    random.seed(2)
    model = MLP(2, [4, 4, 1])
    out = model([Value(0.5, label="x0"), Value(-1.0, label="x1")])
    out.label = "out"
    out.backward()
    nodes = topological_order(out)
    drawn = render(draw_dot(out))
    boxes = [n for n in drawn.values() if any(t.startswith("data") for t in n.texts)]
    ellipses = [n for n in drawn.values() if n.shape == "ellipse"]
    assert len(boxes) == len(nodes)
    assert len(ellipses) == sum(1 for n in nodes if n.parents)
    assert {"x0", "x1", "out"} <= {t for n in boxes for t in n.texts}


# ---- the same network and training as micrograd's demo, side by side with micrograd -----------------

def demo_loss(model, value, X, y):
    """micrograd's demo.ipynb loss, as written there: max-margin loss + 1e-4 L2, and the accuracy."""
    inputs = [list(map(value, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    alpha = 1e-4
    reg_loss = alpha * sum((p * p for p in model.parameters()))
    total_loss = data_loss + reg_loss
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
    return total_loss, sum(accuracy) / len(accuracy)


def demo_training(model, value, X, y, steps):
    """micrograd's demo.ipynb training loop (SGD, learning rate 1 - 0.9 k / 100): the loss, accuracy at each step."""
    history = []
    for k in range(steps):
        total_loss, acc = demo_loss(model, value, X, y)
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        history.append((total_loss.data, acc))
    return history


def test_mlp_trains_exactly_like_micrograd_on_the_moons_demo():
    micrograd_engine = pytest.importorskip("micrograd.engine")
    micrograd_nn = pytest.importorskip("micrograd.nn")
    make_moons = pytest.importorskip("sklearn.datasets").make_moons
    X, y = make_moons(n_samples=100, noise=0.1, random_state=1337)
    y = y * 2 - 1

    random.seed(1337)  # the demo's network is MLP(2, [16, 16, 1]); half as wide is 4x faster and as telling
    theirs = micrograd_nn.MLP(2, [8, 8, 1])
    random.seed(1337)
    ours = MLP(2, [8, 8, 1])
    initial = [p.data for p in ours.parameters()]
    assert initial == [p.data for p in theirs.parameters()]

    their_history = demo_training(theirs, micrograd_engine.Value, X, y, steps=3)
    our_history = demo_training(ours, Value, X, y, steps=3)
    for (our_loss, our_acc), (their_loss, their_acc) in zip(our_history, their_history):
        assert our_loss == pytest.approx(their_loss, rel=1e-12, abs=1e-12)
        assert our_acc == their_acc
    assert [p.data for p in ours.parameters()] != initial  # it did train
    for p, q in zip(ours.parameters(), theirs.parameters()):
        assert p.data == pytest.approx(q.data, rel=1e-12, abs=1e-12)
        assert p.grad == pytest.approx(q.grad, rel=1e-12, abs=1e-12)
