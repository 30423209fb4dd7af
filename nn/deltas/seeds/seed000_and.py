"""Seed 000: "Implementing a flexible neural network with backpropagation from scratch" (binary AND).

The tutorial builds ``Layer(n_input, n_neurons, activation)`` objects (``x @ W + b``, W of shape
(n_input, n_neurons), activations tanh / sigmoid / none), stacks them in a ``NeuralNetwork`` and
trains it on binary AND by per-sample SGD (lr 0.3, 290 epochs), printing
``np.mean(np.square(y - feed_forward(X)))`` every 10 epochs. Weights and biases are
``np.random.rand`` after ``np.random.seed(100)``. Its backprop: ``error = y - output`` at the output,
``W_next . delta_next`` for hidden layers, ``delta = error * A'(last activation)`` with the
derivative written in terms of the activated output, then ``W += delta * input^T * lr``.

Restored (lost in page extraction): the ``add_layer`` method header, and the three ``add_layer``
calls of the AND network, ``Layer(2, 3, 'tanh')``, ``Layer(3, 3, 'sigmoid')``,
``Layer(3, 2, 'sigmoid')``; with them ``np.random.seed(100)`` reproduces the printed MSE log to all
six printed decimals. ``train`` uses ``self`` where the tutorial used the global ``nn``; printing is
optional (off by default).

Quirks kept as written:

- the biases are never updated (their deltas are computed, no step is applied to them);
- for activation ``None`` the "derivative" returns ``r`` (the output itself) instead of 1;
- the output layer has two neurons but the target has one column, so ``y - output`` broadcasts the
  AND bit onto both outputs; ``predict`` is the argmax of two outputs trained towards the same bit,
  so the printed 100% accuracy partly rests on which of two near-equal outputs is larger (for the
  input (0, 1) they differ by about 3e-5 after training).
- ``backpropagation`` works on one sample only (the hidden error ``np.dot(W_next, delta_next)``
  does not broadcast over a batch).

Which gradient: per sample, the weight step ``delta_l * a_{l-1}^T`` is exactly the negative
gradient of the stated loss ``1/2 sum_k (y - o_k)^2`` (the target broadcast over both outputs)
with respect to ``W_l``, because ``1 - tanh^2`` and ``s(1 - s)`` evaluated at the activated output
are the true derivatives; so ``W += lr * step`` is plain gradient descent for the weights. The
biases get no step at all, whereas the gradient of that loss with respect to ``b_l`` is
``-delta_l``. With activation ``None`` (not used by the AND network) the derivative would be wrong.
"""

from __future__ import annotations

import numpy as np

from .common import SeedUpdate

Params = list[tuple[np.ndarray, np.ndarray, "str | None"]]

TUTORIAL_LAYERS: tuple[tuple[int, int, str], ...] = (
    (2, 3, "tanh"),
    (3, 3, "sigmoid"),
    (3, 2, "sigmoid"),
)
LEARNING_RATE = 0.3
EPOCHS = 290
SEED = 100


class Layer:
    """
    Represents a layer (hidden or output) in our neural network.
    """

    def __init__(self, n_input, n_neurons, activation=None, weights=None, bias=None):
        """
        :param int n_input: The input size (coming from the input layer or a previous hidden layer)
        :param int n_neurons: The number of neurons in this layer.
        :param str activation: The activation function to use (if any).
        :param weights: The layer's weights.
        :param bias: The layer's bias.
        """

        self.weights = weights if weights is not None else np.random.rand(n_input, n_neurons)
        self.activation = activation
        self.bias = bias if bias is not None else np.random.rand(n_neurons)
        self.last_activation = None
        self.error = None
        self.delta = None

    def activate(self, x):
        """
        Calculates the dot product of this layer.
        :param x: The input.
        :return: The result.
        """

        r = np.dot(x, self.weights) + self.bias
        self.last_activation = self._apply_activation(r)
        return self.last_activation

    def _apply_activation(self, r):
        """
        Applies the chosen activation function (if any).
        :param r: The normal value.
        :return: The "activated" value.
        """

        # In case no activation function was chosen
        if self.activation is None:
            return r

        # tanh
        if self.activation == "tanh":
            return np.tanh(r)

        # sigmoid
        if self.activation == "sigmoid":
            return 1 / (1 + np.exp(-r))

        return r

    def apply_activation_derivative(self, r):
        """
        Applies the derivative of the activation function (if any).
        :param r: The normal value.
        :return: The "derived" value.
        """

        # We use 'r' directly here because its already activated, the only values that
        # are used in this function are the last activations that were saved.

        if self.activation is None:
            return r  # [sic] the derivative of the identity is 1, not r

        if self.activation == "tanh":
            return 1 - r**2

        if self.activation == "sigmoid":
            return r * (1 - r)

        return r


class NeuralNetwork:
    """
    Represents a neural network.
    """

    def __init__(self):
        self._layers = []

    def add_layer(self, layer):  # restored: this header was lost in page extraction
        """
        Adds a layer to the neural network.
        :param Layer layer: The layer to add.
        """

        self._layers.append(layer)

    def feed_forward(self, X):
        """
        Feed forward the input through the layers.
        :param X: The input values.
        :return: The result.
        """

        for layer in self._layers:
            X = layer.activate(X)

        return X

    def predict(self, X):
        """
        Predicts a class (or classes).
        :param X: The input values.
        :return: The predictions.
        """

        ff = self.feed_forward(X)

        # One row
        if ff.ndim == 1:
            return np.argmax(ff)

        # Multiple rows
        return np.argmax(ff, axis=1)

    def compute_deltas(self, X, y):
        """The first half of the tutorial's ``backpropagation``: errors and deltas, no update."""

        # Feed forward for the output
        output = self.feed_forward(X)

        # Loop over the layers backward
        for i in reversed(range(len(self._layers))):
            layer = self._layers[i]

            # If this is the output layer
            if layer == self._layers[-1]:
                layer.error = y - output
                # The output = layer.last_activation in this case
                layer.delta = layer.error * layer.apply_activation_derivative(output)
            else:
                next_layer = self._layers[i + 1]
                layer.error = np.dot(next_layer.weights, next_layer.delta)
                layer.delta = layer.error * layer.apply_activation_derivative(layer.last_activation)

    def weight_step(self, i, X):
        """``delta_l * input^T``: what the tutorial multiplies by the learning rate for layer i."""
        layer = self._layers[i]
        # The input is either the previous layers output or X itself (for the first hidden layer)
        input_to_use = np.atleast_2d(X if i == 0 else self._layers[i - 1].last_activation)
        return layer.delta * input_to_use.T

    def backpropagation(self, X, y, learning_rate):
        """
        Performs the backward propagation algorithm and updates the layers weights.
        :param X: The input values.
        :param y: The target values.
        :param float learning_rate: The learning rate (between 0 and 1).
        """

        self.compute_deltas(X, y)

        # Update the weights (the biases are never updated)
        for i in range(len(self._layers)):
            layer = self._layers[i]
            layer.weights += self.weight_step(i, X) * learning_rate

    def train(self, X, y, learning_rate, max_epochs, verbose=False):
        """
        Trains the neural network using backpropagation.
        :param X: The input values.
        :param y: The target values.
        :param float learning_rate: The learning rate (between 0 and 1).
        :param int max_epochs: The maximum number of epochs (cycles).
        :param bool verbose: Print the MSE every 10 epochs, as the tutorial does.
        :return: The list of calculated MSE errors.
        """

        mses = []

        for i in range(max_epochs):
            for j in range(len(X)):
                self.backpropagation(X[j], y[j], learning_rate)
            if i % 10 == 0:
                mse = np.mean(np.square(y - self.feed_forward(X)))
                mses.append(mse)
                if verbose:
                    print("Epoch: #%s, MSE: %f" % (i, float(mse)))

        return mses

    @staticmethod
    def accuracy(y_pred, y_true):
        """
        Calculates the accuracy between the predicted labels and true labels.
        :param y_pred: The predicted labels.
        :param y_true: The true labels.
        :return: The calculated accuracy.
        """

        return (y_pred == y_true).mean()


# --- the uniform interface shared by the four seed modules -------------------------------------


def data() -> tuple[np.ndarray, np.ndarray]:
    """The tutorial's binary AND data set: X of shape (4, 2), y of shape (4, 1)."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    y = np.array([[0], [0], [0], [1]])
    return X, y


def init_params(
    seed: int | None = SEED, layers: tuple[tuple[int, int, str | None], ...] = TUTORIAL_LAYERS
) -> Params:
    """The tutorial's initialisation: ``np.random.seed(seed)``, then ``Layer`` draws
    ``np.random.rand(n_input, n_neurons)`` and ``np.random.rand(n_neurons)`` layer by layer.
    ``seed=None`` leaves the global numpy random state as it is."""
    if seed is not None:
        np.random.seed(seed)
    built = [Layer(n_input, n_neurons, activation) for n_input, n_neurons, activation in layers]
    return [(layer.weights, layer.bias, layer.activation) for layer in built]


def build(params: Params) -> NeuralNetwork:
    """The tutorial's ``NeuralNetwork`` started from given arrays (copied, as float64)."""
    net = NeuralNetwork()
    for weights, bias, activation in params:
        weights = np.array(weights, dtype=np.float64)
        bias = np.array(bias, dtype=np.float64)
        net.add_layer(Layer(weights.shape[0], weights.shape[1], activation, weights, bias))
    return net


def params_of(net: NeuralNetwork) -> Params:
    """Copies of a network's current weights, biases and activations."""
    return [(layer.weights.copy(), layer.bias.copy(), layer.activation) for layer in net._layers]


def to_standard(params: Params) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``(weights, biases)`` for ``x @ W + b``: this seed already uses that layout."""
    return [np.array(w, dtype=np.float64) for w, _, _ in params], [
        np.array(b, dtype=np.float64) for _, b, _ in params
    ]


def from_standard(
    weights: list[np.ndarray],
    biases: list[np.ndarray],
    activations: tuple[str | None, ...] = tuple(a for _, _, a in TUTORIAL_LAYERS),
) -> Params:
    """Native params from the ``x @ W + b`` layout and one activation name per layer."""
    return [(np.array(w, dtype=np.float64), np.array(b, dtype=np.float64), a)
            for w, b, a in zip(weights, biases, activations, strict=True)]


def forward(params: Params, X: np.ndarray) -> np.ndarray:
    """The network's output for X (one sample or a row-per-sample batch)."""
    return build(params).feed_forward(np.asarray(X))


def compute_update(params: Params, x: np.ndarray, y: np.ndarray, lr: float = LEARNING_RATE) -> SeedUpdate:
    """The seed's deltas and weight steps for one ``backpropagation(x, y, lr)`` call, not applied.

    ``x`` is one sample (shape (n_input,)) and ``y`` its target (shape (1,) or (n_out,)): the
    tutorial's update is per sample. The bias steps and updates are zeros, because the tutorial
    never updates its biases.
    """
    x = np.asarray(x)
    if x.ndim != 1:
        raise ValueError(f"seed000: backpropagation takes one sample of shape (n_input,), got {x.shape}")
    net = build(params)
    output = net.feed_forward(x)
    loss = float(stated_loss(y, output))
    net.compute_deltas(x, y)
    layers = net._layers
    weight_steps = [net.weight_step(i, x) for i in range(len(layers))]
    return SeedUpdate(
        deltas=[layer.delta.copy() for layer in layers],
        weight_steps=weight_steps,
        bias_steps=[np.zeros_like(layer.bias) for layer in layers],
        weight_updates=[step * lr for step in weight_steps],
        bias_updates=[np.zeros_like(layer.bias) for layer in layers],
        lr=lr,
        loss=loss,
    )


def implied_gradients(
    params: Params, x: np.ndarray, y: np.ndarray, lr: float = LEARNING_RATE
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``-update / lr`` for each W (n_in, n_out) and b (n_out,): the gradient this step follows."""
    update = compute_update(params, x, y, lr)
    return update.implied_weight_gradients(), update.implied_bias_gradients()


def step(params: Params, x: np.ndarray, y: np.ndarray, lr: float = LEARNING_RATE) -> Params:
    """One ``backpropagation(x, y, lr)`` call, exactly as written; returns the new params."""
    net = build(params)
    net.backpropagation(np.asarray(x), y, lr)
    return params_of(net)


def train(
    params: Params | None = None,
    X: np.ndarray | None = None,
    y: np.ndarray | None = None,
    lr: float = LEARNING_RATE,
    epochs: int = EPOCHS,
    verbose: bool = False,
) -> tuple[Params, list[float]]:
    """The tutorial's training run: per-sample SGD in data order, the MSE recorded every 10 epochs.

    With no params, ``init_params()`` (seed 100) is used; with no data, the AND data. Returns the
    trained params and the MSE history (epochs 0, 10, ..., the values the tutorial prints).
    """
    if params is None:
        params = init_params()
    if X is None or y is None:
        X, y = data()
    net = build(params)
    mses = net.train(X, y, lr, epochs, verbose=verbose)
    return params_of(net), [float(m) for m in mses]


def stated_loss(y: np.ndarray, output: np.ndarray) -> float:
    """The loss the tutorial states for backprop: ``1/2 sum (y - o)^2`` (summed over the batch)."""
    return float(0.5 * np.sum(np.square(np.asarray(y) - output)))


def printed_mse(y: np.ndarray, output: np.ndarray) -> float:
    """The MSE the tutorial prints: ``np.mean(np.square(y - feed_forward(X)))``."""
    return float(np.mean(np.square(np.asarray(y) - output)))
