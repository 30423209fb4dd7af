"""Seed 001: "Programming a neural network from scratch" (sklearn digits, ReLU/Sigmoid, MSE class).

The tutorial's ``Network(dimensions, activations)`` keeps weights and biases in dicts keyed by layer
number (``z = a @ w + b``, w of shape (n_in, n_out)), initialised after ``np.random.seed(1)`` as
``randn(in, out) / sqrt(in)`` with zero biases. It trains a (64, 15, 10) ReLU/Sigmoid net on
``load_digits`` (one-hot targets) with an ``MSE`` loss class: minibatches of 15, lr 1e-3, 100
epochs, each epoch shuffled by ``np.random.shuffle`` of an index array (the last 1797 % 15 = 12
shuffled samples are skipped). Its backprop: ``delta_L = MSE.delta(y, a_L)``,
``delta = (delta_next . W^T) * f'(z)`` for hidden layers, ``dw = a_prev^T . delta``, then
``w -= lr * dw`` and ``b -= lr * mean(delta, axis 0)``.

Restored (lost in page extraction): ``Relu.prime``, "zero for any negative value and one for any
positive value", written in the tutorial's in-place style (``z[z < 0] = 0; z[z > 0] = 1``, the
form its published code and its forks use). ``fit`` prints only if ``verbose`` and returns the
loss history. With ``np.random.seed(1)`` as in the tutorial, the run reproduces its printed
classification report cell for cell (training accuracy 0.9983: 3 of 1797 wrong).

Quirks kept as written:

- ``Relu.activation`` overwrites z in place, so ``z[i]`` and ``a[i]`` are one array holding
  ``relu(z)``; ``Relu.prime(z[i])`` then sees ``relu(z)`` (same 0/1 mask as at z, with 0 at 0) and
  overwrites it in place too, after it was last read;
- ``MSE.delta`` calls ``Sigmoid.prime(y_pred)``: sigmoid' is evaluated at the activated output
  ``a = sigmoid(z)``, i.e. ``sigmoid(a) * (1 - sigmoid(a))`` instead of ``a * (1 - a)``;
- the weight step sums over the batch while the bias step takes the batch mean;
- ``Sigmoid.activation`` is the naive ``1 / (1 + exp(-z))``.

Which gradient: none exactly. ``MSE.prime = y_pred - y_true`` is the derivative of the half sum of
squares ``1/2 sum (a - y)^2``, not of the stated ``MSE.loss = mean((a - y)^2)`` (that would be
``2 (a - y) / (batch * n_out)``). The output delta multiplies it by ``sigmoid'(a)`` where the chain
rule needs ``sigmoid'(z) = a (1 - a)``, so the output delta, and through it every hidden delta,
differs elementwise from ``dL/dz`` of the half sum of squares; the hidden recursion itself is the
textbook one. Given those deltas, ``dw`` is the batch *sum* (the half-SSE convention) while the bias
step is the batch *mean*, i.e. ``1 / batch`` of the corresponding half-SSE bias gradient.
"""

from __future__ import annotations

import numpy as np

from .common import SeedUpdate

# Native params: (w, b), dicts keyed by layer number 1 .. n_layers - 1, as in the tutorial.
Params = tuple[dict[int, np.ndarray], dict[int, np.ndarray]]

TUTORIAL_DIMENSIONS: tuple[int, ...] = (64, 15, 10)
LEARNING_RATE = 1e-3
EPOCHS = 100
BATCH_SIZE = 15
SEED = 1


class Relu:
    @staticmethod
    def activation(z):
        z[z < 0] = 0
        return z

    @staticmethod
    def prime(z):  # restored: lost in page extraction ("zero for negative, one for positive")
        z[z < 0] = 0
        z[z > 0] = 1
        return z


class Sigmoid:
    @staticmethod
    def activation(z):
        return 1 / (1 + np.exp(-z))

    @staticmethod
    def prime(z):
        return Sigmoid.activation(z) * (1 - Sigmoid.activation(z))


class MSE:
    def __init__(self, activation_fn):
        """
        :param activation_fn: Class object of the activation function.
        """
        self.activation_fn = activation_fn

    def activation(self, z):
        return self.activation_fn.activation(z)

    @staticmethod
    def loss(y_true, y_pred):
        """
        :param y_true: (array) One hot encoded truth vector.
        :param y_pred: (array) Prediction vector
        :return: (flt)
        """
        return np.mean((y_pred - y_true) ** 2)

    @staticmethod
    def prime(y_true, y_pred):
        return y_pred - y_true

    def delta(self, y_true, y_pred):
        """
        Back propagation error delta
        :return: (array)
        """
        return self.prime(y_true, y_pred) * self.activation_fn.prime(y_pred)


class Network:
    def __init__(self, dimensions, activations, w=None, b=None):
        """
        :param dimensions: (tpl/ list) Dimensions of the neural net. (input, hidden layer, output)
        :param activations: (tpl/ list) Activations functions.
        :param w, b: (dict) Optional initial weights and biases keyed by layer (not in the
            tutorial; used to start from given arrays). Copied.
        """
        self.n_layers = len(dimensions)
        self.loss = None
        self.learning_rate = None
        # Weights and biases are initiated by index. For a one hidden layer net you will have a w[1] and w[2]
        self.w = {}
        self.b = {}
        # Activations are also initiated by index. For the example we will have activations[2] and activations[3]
        self.activations = {}
        for i in range(len(dimensions) - 1):
            if w is None:
                self.w[i + 1] = np.random.randn(dimensions[i], dimensions[i + 1]) / np.sqrt(dimensions[i])
                self.b[i + 1] = np.zeros(dimensions[i + 1])
            else:
                self.w[i + 1] = np.array(w[i + 1], dtype=np.float64)
                self.b[i + 1] = np.array(b[i + 1], dtype=np.float64)
            self.activations[i + 2] = activations[i]

    def _feed_forward(self, x):
        """
        Execute a forward feed through the network.
        :param x: (array) Batch of input data vectors.
        :return: (tpl) Node outputs and activations per layer.
                 The numbering of the output is equivalent to the layer numbers.
        """
        # w(x) + b
        z = {}
        # activations: f(z)
        a = {1: x}  # First layer has no activations as input. The input x is the input.
        for i in range(1, self.n_layers):
            # current layer = i
            # activation layer = i + 1
            z[i + 1] = np.dot(a[i], self.w[i]) + self.b[i]
            a[i + 1] = self.activations[i + 1].activation(z[i + 1])
        return z, a

    def predict(self, x):
        """
        :param x: (array) Containing parameters
        :return: (array) A 2D array of shape (n_cases, n_classes).
        """
        _, a = self._feed_forward(x)
        return a[self.n_layers]

    def _update_w_b(self, index, dw, delta):
        """
        Update weights and biases.
        :param index: (int) Number of the layer
        :param dw: (array) Partial derivatives
        :param delta: (array) Delta error.
        """
        self.w[index] -= self.learning_rate * dw
        self.b[index] -= self.learning_rate * np.mean(delta, 0)

    def _compute_update_params(self, z, a, y_true):
        """The first part of the tutorial's ``_back_prop``: ``{layer: (dw, delta)}``, no update."""
        # Determine partial derivative and delta for the output layer.
        # delta output layer
        delta = self.loss.delta(y_true, a[self.n_layers])
        dw = np.dot(a[self.n_layers - 1].T, delta)
        update_params = {
            self.n_layers - 1: (dw, delta)
        }
        # In case of three layer net will iterate over i = 2 and i = 1
        # Determine partial derivative and delta for the rest of the layers.
        # Each iteration requires the delta from the previous layer, propagating backwards.
        for i in reversed(range(2, self.n_layers)):
            delta = np.dot(delta, self.w[i].T) * self.activations[i].prime(z[i])
            dw = np.dot(a[i - 1].T, delta)
            update_params[i - 1] = (dw, delta)
        return update_params

    def _back_prop(self, z, a, y_true):
        """
        The input dicts keys represent the layers of the net.
        a = { 1: x,
              2: f(w1(x) + b1)
              3: f(w2(a2) + b2)
              }
        :param z: (dict) w(x) + b
        :param a: (dict) f(z)
        :param y_true: (array) One hot encoded truth vector.
        """
        update_params = self._compute_update_params(z, a, y_true)
        # Update the weights and biases
        for k, v in update_params.items():
            self._update_w_b(k, v[0], v[1])

    def fit(self, x, y_true, loss, epochs, batch_size, learning_rate=1e-3, verbose=False):
        """
        :param x: (array) Containing parameters
        :param y_true: (array) Containing one hot encoded labels.
        :param loss: Loss class (MSE, CrossEntropy etc.)
        :param epochs: (int) Number of epochs.
        :param batch_size: (int)
        :param learning_rate: (flt)
        :param verbose: (bool) Print the loss every 10 epochs, as the tutorial does.
        :return: (list) The loss on all of x after every 10th epoch (what the tutorial prints).
        """
        if not x.shape[0] == y_true.shape[0]:
            raise ValueError("Length of x and y arrays don't match")
        # Initiate the loss object with the final activation function
        self.loss = loss(self.activations[self.n_layers])
        self.learning_rate = learning_rate
        history = []
        for i in range(epochs):
            # Shuffle the data
            seed = np.arange(x.shape[0])
            np.random.shuffle(seed)
            x_ = x[seed]
            y_ = y_true[seed]
            for j in range(x.shape[0] // batch_size):
                k = j * batch_size
                l = (j + 1) * batch_size
                z, a = self._feed_forward(x_[k:l])
                self._back_prop(z, a, y_[k:l])
            if (i + 1) % 10 == 0:
                _, a = self._feed_forward(x)
                history.append(float(self.loss.loss(y_true, a[self.n_layers])))
                if verbose:
                    print("Loss:", history[-1])
        return history


# --- the uniform interface shared by the four seed modules -------------------------------------


def data() -> tuple[np.ndarray, np.ndarray]:
    """sklearn's ``load_digits``: x of shape (1797, 64), one-hot y of shape (1797, 10).

    Needs scikit-learn (imported here only). The tutorial calls ``np.random.seed(1)`` before this;
    loading does not touch the numpy random state.
    """
    from sklearn import datasets

    digits = datasets.load_digits()
    x = digits["data"]
    y = np.eye(10)[digits["target"]]
    return x, y


def _activations_for(n_layers: int) -> tuple[type, ...]:
    """ReLU on every hidden layer, Sigmoid on the output, as in the tutorial."""
    return (Relu,) * (n_layers - 2) + (Sigmoid,)


def init_params(seed: int | None = SEED, dimensions: tuple[int, ...] = TUTORIAL_DIMENSIONS) -> Params:
    """The tutorial's initialisation: ``np.random.seed(seed)``, then per layer
    ``randn(in, out) / sqrt(in)`` and zero biases. ``seed=None`` leaves the global state as it is."""
    if seed is not None:
        np.random.seed(seed)
    net = Network(dimensions, _activations_for(len(dimensions)))
    return net.w, net.b


def build(params: Params) -> Network:
    """The tutorial's ``Network`` (ReLU hidden, Sigmoid output) started from given arrays (copied)."""
    w, b = params
    dimensions = (w[1].shape[0],) + tuple(w[i].shape[1] for i in range(1, len(w) + 1))
    return Network(dimensions, _activations_for(len(dimensions)), w=w, b=b)


def params_of(net: Network) -> Params:
    """Copies of a network's current weights and biases."""
    return ({k: v.copy() for k, v in net.w.items()}, {k: v.copy() for k, v in net.b.items()})


def to_standard(params: Params) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``(weights, biases)`` for ``x @ W + b``: this seed already uses that layout."""
    w, b = params
    return [np.array(w[i], dtype=np.float64) for i in sorted(w)], [
        np.array(b[i], dtype=np.float64) for i in sorted(b)
    ]


def from_standard(weights: list[np.ndarray], biases: list[np.ndarray]) -> Params:
    """Native params (dicts keyed by layer number) from the ``x @ W + b`` layout."""
    return (
        {i + 1: np.array(w, dtype=np.float64) for i, w in enumerate(weights)},
        {i + 1: np.array(b, dtype=np.float64) for i, b in enumerate(biases)},
    )


def forward(params: Params, x: np.ndarray) -> np.ndarray:
    """The network's output (sigmoid probabilities) for a row-per-sample batch."""
    return build(params).predict(np.array(x, dtype=np.float64))


def compute_update(params: Params, x: np.ndarray, y: np.ndarray, lr: float = LEARNING_RATE) -> SeedUpdate:
    """The seed's deltas, ``dw`` and bias steps for one ``_back_prop`` on one batch, not applied.

    ``weight_steps`` are the ``dw`` (batch sums), ``bias_steps`` are ``np.mean(delta, 0)``; the
    updates are ``-lr *`` those, as ``_update_w_b`` subtracts them.
    """
    x = np.array(x, dtype=np.float64)
    net = build(params)
    net.loss = MSE(net.activations[net.n_layers])
    net.learning_rate = lr
    z, a = net._feed_forward(x)
    loss = float(MSE.loss(y, a[net.n_layers]))
    update_params = net._compute_update_params(z, a, y)
    layers = sorted(update_params)
    weight_steps = [update_params[k][0] for k in layers]
    bias_steps = [np.mean(update_params[k][1], 0) for k in layers]
    return SeedUpdate(
        deltas=[update_params[k][1] for k in layers],
        weight_steps=weight_steps,
        bias_steps=bias_steps,
        weight_updates=[-(lr * dw) for dw in weight_steps],
        bias_updates=[-(lr * db) for db in bias_steps],
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
    """One ``_feed_forward`` + ``_back_prop`` on one batch, exactly as written; the new params."""
    net = build(params)
    net.loss = MSE(net.activations[net.n_layers])
    net.learning_rate = lr
    z, a = net._feed_forward(np.array(x, dtype=np.float64))
    net._back_prop(z, a, y)
    return params_of(net)


def train(
    params: Params | None = None,
    x: np.ndarray | None = None,
    y: np.ndarray | None = None,
    lr: float = LEARNING_RATE,
    epochs: int = EPOCHS,
    batch_size: int = BATCH_SIZE,
    shuffle_seed: int | None = None,
    verbose: bool = False,
) -> tuple[Params, list[float]]:
    """The tutorial's ``fit``: shuffled minibatch SGD with the seed's rule.

    With no params, ``init_params()`` seeds the global numpy state with 1 and draws the weights, and
    the shuffles continue from that state, exactly as in the tutorial's script. ``shuffle_seed``,
    if given, reseeds the global state just before training. Returns the trained params and the
    ``MSE.loss`` on all of x after every 10th epoch.
    """
    if params is None:
        params = init_params()
    if x is None or y is None:
        x, y = data()
    if shuffle_seed is not None:
        np.random.seed(shuffle_seed)
    net = build(params)
    history = net.fit(x, y, loss=MSE, epochs=epochs, batch_size=batch_size, learning_rate=lr, verbose=verbose)
    return params_of(net), history


def stated_loss(y: np.ndarray, output: np.ndarray) -> float:
    """The loss the tutorial states and prints: ``MSE.loss = np.mean((y_pred - y_true)**2)``."""
    return float(MSE.loss(y, output))


def half_sse(y: np.ndarray, output: np.ndarray) -> float:
    """``1/2 sum (y_pred - y_true)^2``: the loss whose derivative is ``MSE.prime``."""
    return float(0.5 * np.sum((np.asarray(output) - y) ** 2))
