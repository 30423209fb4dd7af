"""Seed 002: "A Simple Neural Network - With Numpy in Python" (``backPropNN``, XOR).

The tutorial's ``backPropNN(numNodes)`` uses column vectors: samples are columns, each layer's
weight matrix has shape (l2, l1 + 1) with the bias folded in as an extra input that is always 1
(last column), drawn ``np.random.normal(scale=0.1)``; sigmoid everywhere. ``backProp`` does one
full-batch step: ``output_delta = O - T``, ``delta_K = output_delta * sigmoid'(x_K)`` (the derivative
at the layer *input*), hidden ``delta_J = (W_K^T . delta_K)[:-1] * sigmoid'(x_J)`` (the bias row
dropped), ``dW = sum over samples of delta (outer) [O_prev; 1]``, ``W -= lr * dW``, and returns
``error = sum((O - T)^2)``. XOR is trained with lr 0.2 until the error is <= 1e-5 or 100000
iterations (the loop runs ``range(maxIterations + 1)``).

Restored (lost in page extraction): ``input.shape[0]`` where ``input.shape`` stands for the number of
examples (in ``FP`` and ``backProp``), ``self._layerOutput[index - 1].shape[1]`` likewise,
``self.weights[0]`` where ``self.weights.dot`` stands for the first layer's weights,
``range(Input.shape[0])`` in the print loop; the Python 2 ``print`` statements are not kept.

Not math, fixed: the tutorial declares ``weights = []`` as a *class* member and appends to it in
``__init__``, so every new ``backPropNN`` would share (and extend) one list; here each instance gets
its own list. ``backPropNN`` also accepts optional initial weights (not in the tutorial) so that it
can start from given arrays.

Which gradient: exactly the negative gradient of ``1/2 sum (O - T)^2`` (summed over outputs and
the batch), for every weight including the folded-in bias column: ``O - T`` is that loss's
derivative, sigmoid' is evaluated at the pre-activation, and the weight step sums the per-sample
outer products. The error it *returns*, ``sum((O - T)^2)``, has twice that gradient, so against the
returned error the step is a gradient step with learning rate ``lr / 2``.
"""

from __future__ import annotations

import numpy as np

from .common import SeedUpdate

# Native params: one (l2, l1 + 1) matrix per layer, the last column multiplying the bias input 1.
Params = list[np.ndarray]

TUTORIAL_NODES: tuple[int, ...] = (2, 2, 1)
LEARNING_RATE = 0.2
MAX_ITERATIONS = 100000
MIN_ERROR = 1e-5


def sigmoid(x, Derivative=False):
    if not Derivative:
        return 1 / (1 + np.exp(-x))
    else:
        out = sigmoid(x)
        return out * (1 - out)


class backPropNN:
    """Class defining a NN using Back Propagation"""

    # Class Members (internal variables that are accessed with backPropNN.member)
    numLayers = 0
    shape = None
    # weights = []  -- [fixed] a class-level list would be shared by all instances; see __init__

    # Class Methods (internal functions that can be called)

    def __init__(self, numNodes, weights=None):
        """Initialise the NN - setup the layers and initial weights"""

        # Layer information
        self.numLayers = len(numNodes) - 1
        self.shape = numNodes

        # Initialise the weight arrays
        self.weights = []  # [fixed] one list per instance
        if weights is not None:  # [added] start from given arrays (copied)
            self.weights = [np.array(w, dtype=np.float64) for w in weights]
        else:
            for (l1, l2) in zip(numNodes[:-1], numNodes[1:]):
                self.weights.append(np.random.normal(scale=0.1, size=(l2, l1 + 1)))

        self._layerInput = []
        self._layerOutput = []

    # Forward Pass method
    def FP(self, input):
        """Get the input data and run it through the NN"""

        numExamples = input.shape[0]  # restored: was `input.shape`

        # Clean away the values from the previous layer
        self._layerInput = []
        self._layerOutput = []

        for index in range(self.numLayers):
            # Get input to the layer
            if index == 0:
                # restored: was `self.weights.dot`
                layerInput = self.weights[0].dot(np.vstack([input.T, np.ones([1, numExamples])]))
            else:
                layerInput = self.weights[index].dot(np.vstack([self._layerOutput[-1], np.ones([1, numExamples])]))

            self._layerInput.append(layerInput)
            self._layerOutput.append(sigmoid(layerInput))

        return self._layerOutput[-1].T

    def computeDeltas(self, input, target):
        """The first part of ``backProp``: the forward pass, the error and the deltas.

        Returns ``(delta, error)``; ``delta`` is in the tutorial's order, output layer first.
        """
        delta = []

        # Do the forward pass
        self.FP(input)

        # Calculate the deltas
        for index in reversed(range(self.numLayers)):
            if index == self.numLayers - 1:
                # If the output layer, then compare to the target values
                output_delta = self._layerOutput[index] - target.T
                error = np.sum(output_delta**2)
                delta.append(output_delta * sigmoid(self._layerInput[index], True))
            else:
                # If a hidden layer. compare to the following layer's delta
                delta_pullback = self.weights[index + 1].T.dot(delta[-1])
                delta.append(delta_pullback[:-1, :] * sigmoid(self._layerInput[index], True))
        return delta, error

    def weightDeltas(self, input, delta):
        """``thisWeightDelta`` per layer, first layer first: what ``backProp`` multiplies by the rate."""
        numExamples = input.shape[0]  # restored: was `input.shape`
        weight_deltas = []
        for index in range(self.numLayers):
            delta_index = self.numLayers - 1 - index

            if index == 0:
                layerOutput = np.vstack([input.T, np.ones([1, numExamples])])
            else:
                # restored: was `.shape`
                layerOutput = np.vstack([self._layerOutput[index - 1],
                                         np.ones([1, self._layerOutput[index - 1].shape[1]])])

            thisWeightDelta = np.sum(
                layerOutput[None, :, :].transpose(2, 0, 1) * delta[delta_index][None, :, :].transpose(2, 1, 0),
                axis=0)
            weight_deltas.append(thisWeightDelta)
        return weight_deltas

    # TrainEpoch method
    def backProp(self, input, target, trainingRate=0.2):
        """Get the error, deltas and back propagate to update the weights"""

        delta, error = self.computeDeltas(input, target)

        for index, thisWeightDelta in enumerate(self.weightDeltas(input, delta)):
            weightDelta = trainingRate * thisWeightDelta
            self.weights[index] -= weightDelta

        return error


# --- the uniform interface shared by the four seed modules -------------------------------------


def data() -> tuple[np.ndarray, np.ndarray]:
    """The tutorial's XOR data, in its order: Input (4, 2) and Target (4, 1)."""
    Input = np.array([[0, 0], [1, 1], [0, 1], [1, 0]])
    Target = np.array([[0.0], [0.0], [1.0], [1.0]])
    return Input, Target


def init_params(seed: int | None = None, numNodes: tuple[int, ...] = TUTORIAL_NODES) -> Params:
    """The tutorial's initialisation: ``np.random.normal(scale=0.1, size=(l2, l1 + 1))`` per layer.

    The tutorial does not seed; ``seed``, if given, calls ``np.random.seed(seed)`` first.
    """
    if seed is not None:
        np.random.seed(seed)
    return backPropNN(numNodes).weights


def build(params: Params) -> backPropNN:
    """The tutorial's ``backPropNN`` started from given (l2, l1 + 1) matrices (copied)."""
    numNodes = (params[0].shape[1] - 1,) + tuple(w.shape[0] for w in params)
    return backPropNN(numNodes, weights=params)


def params_of(net: backPropNN) -> Params:
    """Copies of a network's current weight matrices."""
    return [w.copy() for w in net.weights]


def to_standard(params: Params) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``(weights, biases)`` for ``x @ W + b``: ``W = M[:, :-1].T`` (l1, l2), ``b = M[:, -1]``."""
    return [np.array(m[:, :-1].T) for m in params], [np.array(m[:, -1]) for m in params]


def from_standard(weights: list[np.ndarray], biases: list[np.ndarray]) -> Params:
    """Native (l2, l1 + 1) matrices from the ``x @ W + b`` layout."""
    return [np.hstack([np.asarray(w, dtype=np.float64).T, np.asarray(b, dtype=np.float64)[:, None]])
            for w, b in zip(weights, biases, strict=True)]


def forward(params: Params, X: np.ndarray) -> np.ndarray:
    """``FP``: the outputs for a row-per-sample batch, one row per sample."""
    return build(params).FP(np.asarray(X))


def compute_update(params: Params, X: np.ndarray, T: np.ndarray, lr: float = LEARNING_RATE) -> SeedUpdate:
    """The seed's deltas and weight steps for one ``backProp(X, T, lr)`` call, not applied.

    ``deltas`` are column-layout (l2, n_examples), first layer first; ``weight_steps`` are the
    (l2, l1 + 1) ``thisWeightDelta`` matrices; ``bias_steps``/``bias_updates`` are their last
    columns (the folded-in bias), given separately for convenience. ``loss`` is the error
    ``sum((O - T)^2)`` that ``backProp`` returns.
    """
    X = np.asarray(X)
    net = build(params)
    delta, error = net.computeDeltas(X, T)
    weight_steps = net.weightDeltas(X, delta)
    weight_updates = [-(lr * s) for s in weight_steps]
    return SeedUpdate(
        deltas=list(reversed(delta)),
        weight_steps=weight_steps,
        bias_steps=[s[:, -1].copy() for s in weight_steps],
        weight_updates=weight_updates,
        bias_updates=[u[:, -1].copy() for u in weight_updates],
        lr=lr,
        loss=float(error),
    )


def implied_gradients(
    params: Params, X: np.ndarray, T: np.ndarray, lr: float = LEARNING_RATE
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``-update / lr`` in the ``x @ W + b`` layout: W-gradients (l1, l2) and b-gradients (l2,)."""
    update = compute_update(params, X, T, lr)
    return to_standard(update.implied_weight_gradients())


def step(params: Params, X: np.ndarray, T: np.ndarray, lr: float = LEARNING_RATE) -> Params:
    """One ``backProp(X, T, lr)`` call, exactly as written; returns the new params."""
    net = build(params)
    net.backProp(np.asarray(X), T, lr)
    return params_of(net)


def train(
    params: Params | None = None,
    X: np.ndarray | None = None,
    T: np.ndarray | None = None,
    lr: float = LEARNING_RATE,
    max_iterations: int = MAX_ITERATIONS,
    min_error: float = MIN_ERROR,
    verbose: bool = False,
) -> tuple[Params, list[float]]:
    """The tutorial's loop: ``backProp`` up to ``max_iterations + 1`` times, stopping once the
    returned error is <= ``min_error``. Returns the trained params and every returned error."""
    if params is None:
        params = init_params()
    if X is None or T is None:
        X, T = data()
    NN = build(params)
    errors = []
    for i in range(max_iterations + 1):
        Error = NN.backProp(X, T, lr)
        errors.append(float(Error))
        if verbose and i % 2500 == 0:
            print("Iteration {0}\tError: {1:0.6f}".format(i, Error))
        if Error <= min_error:
            if verbose:
                print("Minimum error reached at iteration {0}".format(i))
            break
    return params_of(NN), errors


def stated_loss(T: np.ndarray, output: np.ndarray) -> float:
    """The error ``backProp`` returns: ``sum((O - T)^2)`` (no 1/2, no mean)."""
    return float(np.sum((np.asarray(output) - T) ** 2))


def half_sse(T: np.ndarray, output: np.ndarray) -> float:
    """``1/2 sum (O - T)^2``: the loss whose exact negative gradient the update follows."""
    return 0.5 * stated_loss(T, output)
