"""The two engines agree: one small network, written once with scalar `Value`s and once with
`Tensor`s, from the same weights and data, gives the same loss and the same gradients.

Network: 3 inputs -> 4 hidden units (activation) -> 2 outputs, squared error summed over the
outputs and averaged over a batch of 5.
"""

from __future__ import annotations

import numpy as np
import pytest

from micrograd_like import Tensor, Value

rng = np.random.default_rng(7)
W1, B1 = rng.normal(size=(3, 4)), rng.normal(size=4)
W2, B2 = rng.normal(size=(4, 2)), rng.normal(size=2)
X, Y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
PARAMETERS = {"W1": W1, "b1": B1, "W2": W2, "b2": B2}


def scalar_network(activation: str) -> tuple[float, dict[str, np.ndarray]]:
    """One Value per weight; each hidden unit is act(sum_i x_i w_ij + b_j), written out by hand."""
    params = {name: np.vectorize(Value, otypes=[object])(array) for name, array in PARAMETERS.items()}
    w1, b1, w2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    loss = Value(0.0)
    for x, y in zip(X, Y):
        hidden = [getattr(sum((w1[i, j] * x[i] for i in range(3)), b1[j]), activation)() for j in range(4)]
        outputs = [sum((w2[j, k] * hidden[j] for j in range(4)), b2[k]) for k in range(2)]
        loss = loss + sum((out - target) ** 2 for out, target in zip(outputs, y))
    loss = loss / len(X)
    loss.backward()
    grads = {name: np.vectorize(lambda v: v.grad, otypes=[float])(values) for name, values in params.items()}
    return loss.data, grads


def tensor_network(activation: str) -> tuple[float, dict[str, np.ndarray]]:
    """The same network as matrix products over the whole batch."""
    params = {name: Tensor(array.copy(), requires_grad=True) for name, array in PARAMETERS.items()}
    hidden = getattr(Tensor(X) @ params["W1"] + params["b1"], activation)()
    outputs = hidden @ params["W2"] + params["b2"]
    loss = ((outputs - Y) ** 2).sum() / len(X)
    loss.backward()
    return loss.item(), {name: t.grad for name, t in params.items()}


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_value_and_tensor_networks_give_the_same_gradients(activation: str) -> None:
    scalar_loss, scalar_grads = scalar_network(activation)
    tensor_loss, tensor_grads = tensor_network(activation)
    assert scalar_loss == pytest.approx(tensor_loss, rel=1e-12)
    for name in PARAMETERS:
        assert np.any(scalar_grads[name] != 0), name  # every layer is really reached
        np.testing.assert_allclose(tensor_grads[name], scalar_grads[name], rtol=1e-12, atol=1e-12, err_msg=name)
