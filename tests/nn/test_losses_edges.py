"""Every registered loss at its edges: an empty batch, huge logits, probabilities that are not probabilities."""

from __future__ import annotations

import numpy as np
import pytest

from micrograd_like import Tensor
from nn import bce_loss, bce_with_logits_loss, softmax_cross_entropy
from nn.losses import LOSSES

LABELS = np.array([0, 1, 1, 0])


def _case(spec, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Outputs of +-scale (alternating signs) and the spec's targets for LABELS."""
    n_out = 1 if spec.one_output else 2
    signs = np.where((np.arange(len(LABELS) * n_out) % 3) == 0, 1.0, -1.0).reshape(len(LABELS), n_out)
    return scale * signs, spec.make_targets(LABELS, n_out)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_an_empty_batch_is_a_clear_error(name):
    spec = LOSSES[name]
    n_out = 1 if spec.one_output else 2
    targets = spec.make_targets(np.zeros(0, dtype=int), n_out)
    with pytest.raises(ValueError, match="empty"):
        spec(Tensor(np.zeros((0, n_out)), requires_grad=True), targets)


@pytest.mark.parametrize("scale", [1000.0, 1e308])
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_every_loss_at_huge_inputs_is_never_nan_and_its_gradient_is_finite(name, scale):
    spec = LOSSES[name]
    outputs, targets = _case(spec, scale)
    x = Tensor(outputs, requires_grad=True)
    if not spec.takes_logits and name == "bce":  # probabilities only: huge values are refused (next test)
        with pytest.raises(ValueError, match="bce_with_logits_loss"):
            spec(x, targets)
        return
    loss = spec(x, targets)
    loss.backward()
    assert not np.isnan(loss.item()), f"{name} at +-{scale:g} is nan"
    if scale == 1000.0:  # every true value is a float here; at 1e308 a square or a sum may overflow to inf
        assert np.isfinite(loss.item())
    assert np.all(np.isfinite(x.grad)), f"{name} at +-{scale:g} has gradient {x.grad}"


@pytest.mark.parametrize("logits", [[[1e308, -1e308]], [[-1e308, 1e308]], [[1000.0, -1000.0]], [[1e308, 1e308]]])
def test_one_hot_softmax_cross_entropy_at_extreme_logits_is_finite(logits):
    z = Tensor(logits, requires_grad=True)
    target = np.eye(2)[[int(np.argmax(logits[0]))]]  # the largest logit's class: the loss is ~0
    loss = softmax_cross_entropy(z, target)
    loss.backward()
    expected = np.log(2.0) if logits[0][0] == logits[0][1] else 0.0
    assert loss.item() == pytest.approx(expected, abs=1e-300)
    assert np.all(np.isfinite(z.grad))


def test_one_hot_and_index_targets_agree_at_extreme_logits():
    logits = np.array([[1e308, -1e308, 0.0], [0.0, 5.0, -1e308]])
    labels = np.array([0, 1])
    a, b = Tensor(logits, requires_grad=True), Tensor(logits, requires_grad=True)
    la, lb = softmax_cross_entropy(a, np.eye(3)[labels]), softmax_cross_entropy(b, labels)
    la.backward()
    lb.backward()
    assert la.item() == pytest.approx(lb.item())
    np.testing.assert_allclose(a.grad, b.grad)


@pytest.mark.parametrize("bad", [[[1.5]], [[-0.1]], [[np.nan]], [[3.0]]])
def test_bce_refuses_values_that_are_not_probabilities_and_points_to_the_logits_loss(bad):
    with pytest.raises(ValueError, match="bce_with_logits_loss") as err:
        bce_loss(Tensor(bad, requires_grad=True), [[1.0]])
    assert "[0, 1]" in str(err.value)


def test_bce_still_takes_saturated_probabilities_at_exactly_0_and_1():
    p = Tensor([[0.0], [1.0]], requires_grad=True)
    loss = bce_loss(p, [[1.0], [0.0]])
    loss.backward()
    assert np.isfinite(loss.item())
    # and the logits loss on the same samples' logits is the one that trains
    z = Tensor([[-1000.0], [1000.0]], requires_grad=True)
    bce_with_logits_loss(z, [[1.0], [0.0]]).backward()
    np.testing.assert_allclose(z.grad, [[-0.5], [0.5]])
