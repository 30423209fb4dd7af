"""The image layers and the train/eval layers: PyTorch's semantics, gradients, modes, saving, the MNIST data."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from micrograd_like import Tensor, gradcheck, gradgradcheck
from nn import (
    Adam,
    AvgPool2d,
    BatchNorm1d,
    BatchNorm2d,
    Conv2d,
    Dropout,
    Flatten,
    Linear,
    MaxPool2d,
    ReLU,
    Sequential,
    datasets,
    fit,
)


def small_cnn(rng=0):
    return Sequential(Conv2d(1, 3, 3, padding=1, rng=rng), BatchNorm2d(3), ReLU(), MaxPool2d(2), Dropout(0.3, rng=rng),
                      Flatten(), Linear(3 * 4 * 4, 10, rng=rng), BatchNorm1d(10))


def test_conv2d_layer_shapes_init_and_gradients():
    layer = Conv2d(2, 4, (3, 2), stride=2, padding=1, rng=0)
    bound = 1 / np.sqrt(2 * 3 * 2)
    assert layer.weight.shape == (4, 2, 3, 2) and layer.bias.shape == (4,)
    assert np.abs(layer.weight.data).max() <= bound and np.abs(layer.weight.data).max() > 0.5 * bound
    np.testing.assert_array_equal(Conv2d(2, 4, (3, 2), rng=0).weight.data, layer.weight.data)  # seeded
    x = np.random.default_rng(1).normal(size=(2, 2, 5, 6))
    assert layer(Tensor(x)).shape == (2, 4, 3, 4)
    assert gradcheck(lambda x, w, b: nn.conv.conv2d(x, w, b, 2, 1), [Tensor(x, requires_grad=True), layer.weight,
                                                                        layer.bias])
    assert Conv2d(2, 4, 3, bias=False, rng=0).bias is None
    assert [name for name, _ in Conv2d(2, 4, 3, bias=False).named_parameters()] == ["weight"]
    with pytest.raises(ValueError, match="in_channels"):
        Conv2d(0, 4, 3)
    with pytest.raises(ValueError, match=r"2 channels.*\(1, 2, 5, 5\).*3"):
        Conv2d(3, 4, 3)(Tensor(np.zeros((1, 2, 5, 5))))


def test_pooling_and_flatten_layers():
    x = Tensor(np.arange(32.0).reshape(1, 2, 4, 4))
    np.testing.assert_array_equal(MaxPool2d(2)(x).data[0, 0], [[5, 7], [13, 15]])
    np.testing.assert_array_equal(AvgPool2d(2)(x).data[0, 0], [[2.5, 4.5], [10.5, 12.5]])
    assert MaxPool2d(3, stride=1)(x).shape == (1, 2, 2, 2)
    assert Flatten()(x).shape == (1, 32)


def test_dropout_is_inverted_seeded_and_the_identity_in_evaluation():
    x = Tensor(np.ones((200, 50)), requires_grad=True)
    layer = Dropout(0.25, rng=0)
    out = layer(x)
    kept = out.data != 0
    assert set(np.unique(out.data)) == {0.0, 1 / 0.75}
    assert abs(kept.mean() - 0.75) < 0.02
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, kept / 0.75)
    np.testing.assert_array_equal(Dropout(0.25, rng=0)(x).data, out.data)  # the same seed, the same mask
    assert layer.eval() is layer and layer(x) is x
    assert np.all(Dropout(1.0).train()(x).data == 0) and Dropout(0.0)(x) is x
    with pytest.raises(ValueError, match="p must be"):
        Dropout(1.5)


@pytest.mark.parametrize("shape", [(6, 3), (5, 3, 4), (4, 3, 2, 5)])
def test_batchnorm_matches_pytorch_in_training_and_evaluation(shape):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    layer = (BatchNorm2d if len(shape) == 4 else BatchNorm1d)(3)
    reference = (torch.nn.BatchNorm2d if len(shape) == 4 else torch.nn.BatchNorm1d)(3).double()
    layer.weight.data[:] = rng.normal(size=3)
    layer.bias.data[:] = rng.normal(size=3)
    with torch.no_grad():
        reference.weight[:] = torch.tensor(layer.weight.data)
        reference.bias[:] = torch.tensor(layer.bias.data)
    for _ in range(3):  # three training batches move the running statistics
        x = rng.normal(2.0, 3.0, size=shape)
        xt, tt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out, expected = layer(xt), reference(tt)
        np.testing.assert_allclose(out.data, expected.detach().numpy(), atol=1e-12)
        g = rng.normal(size=shape)
        layer.zero_grad()
        out.backward(g)
        expected.backward(torch.tensor(g))
        np.testing.assert_allclose(xt.grad, tt.grad.numpy(), atol=1e-12)
        np.testing.assert_allclose(layer.weight.grad, reference.weight.grad.numpy(), atol=1e-12)
        reference.weight.grad = reference.bias.grad = None
    np.testing.assert_allclose(layer.running_mean.data, reference.running_mean.numpy(), atol=1e-12)
    np.testing.assert_allclose(layer.running_var.data, reference.running_var.numpy(), atol=1e-12)
    layer.eval(), reference.eval()
    x = rng.normal(size=shape)
    np.testing.assert_allclose(layer(Tensor(x)).data, reference(torch.tensor(x)).detach().numpy(), atol=1e-12)
    # and torch's functional batch_norm with the same statistics
    F = torch.nn.functional
    stats = [torch.tensor(a) for a in (layer.running_mean.data, layer.running_var.data, layer.weight.data,
                                       layer.bias.data)]
    np.testing.assert_allclose(layer(Tensor(x)).data, F.batch_norm(torch.tensor(x), *stats).numpy(), atol=1e-12)


def test_batchnorm_gradients_are_finite_differences_and_bad_input_is_named():
    rng = np.random.default_rng(3)
    layer = BatchNorm2d(2)
    x = Tensor(rng.normal(size=(3, 2, 2, 2)), requires_grad=True)
    assert gradcheck(lambda x, w, b: layer(x), [x, layer.weight, layer.bias])
    assert gradgradcheck(lambda x, w, b: layer(x), [x, layer.weight, layer.bias])
    with pytest.raises(ValueError, match=r"\(N, C, H, W\) with C = 2, got shape \(3, 4, 2, 2\)"):
        layer(Tensor(np.zeros((3, 4, 2, 2))))
    with pytest.raises(ValueError, match="more than one value per channel"):
        BatchNorm1d(2)(Tensor(np.zeros((1, 2))))
    assert BatchNorm1d(2).eval()(Tensor(np.zeros((1, 2)))).shape == (1, 2)  # fine with running statistics


def test_train_and_eval_set_every_submodule_and_return_the_module():
    model = small_cnn()
    assert model.eval() is model
    assert all(not m.training for m in model.modules()) and len(list(model.modules())) == 9
    assert model.train() is model and all(m.training for m in model.modules())


def test_running_statistics_are_saved_and_loaded_but_never_trained(tmp_path):
    model = small_cnn()
    x = Tensor(np.random.default_rng(0).normal(size=(8, 1, 8, 8)))
    model(x)  # a training pass moves the running statistics
    names = [name for name, _ in model.named_buffers()]
    assert names == ["layers.1.running_mean", "layers.1.running_var", "layers.7.running_mean", "layers.7.running_var"]
    assert not set(names) & {name for name, _ in model.named_parameters()}
    assert set(names) <= set(model.state_dict())
    model.save(tmp_path / "cnn.npz")
    other = small_cnn(rng=1)
    other.load(tmp_path / "cnn.npz")
    for (name, a), (_, b) in zip(model.state_dict().items(), other.state_dict().items()):
        np.testing.assert_array_equal(a, b, err_msg=name)
    np.testing.assert_array_equal(other.predict(x), model.predict(x))
    assert model.unfreeze("*") and all("running" not in name for name, _ in model.named_parameters())


def test_predict_evaluates_and_restores_the_mode_and_fit_trains():
    model = small_cnn()
    x = np.random.default_rng(0).normal(size=(8, 1, 8, 8))
    mean_before = model[1].running_mean.data.copy()
    first = model.predict(x)
    np.testing.assert_array_equal(first, model.predict(x))  # no dropout, running statistics
    np.testing.assert_array_equal(model[1].running_mean.data, mean_before)  # and they did not move
    assert model.training and model[4].training  # restored
    model.eval()
    model.predict(x)
    assert not model.training
    y = np.arange(8) % 10
    fit(model, x, y, "softmax_ce", Adam(model.parameters(), lr=1e-2), epochs=2, batch_size=4, metrics=["accuracy"])
    assert model.training  # fit trains in training mode
    assert not np.array_equal(model[1].running_mean.data, mean_before)


def test_mnist_is_shipped_split_and_seeded():
    X_train, y_train, X_test, y_test = datasets.mnist()
    assert X_train.shape == (4000, 1, 28, 28) and X_test.shape == (1000, 1, 28, 28)
    assert X_train.dtype == np.float64 and 0.0 == X_train.min() and X_train.max() == 1.0
    assert y_train.dtype == np.int64 and list(np.bincount(y_test)) == [100] * 10
    images, labels = datasets.mnist_arrays()
    all_images = {image.tobytes() for image in (np.concatenate([X_train, X_test]) * 255).round().astype(np.uint8)}
    assert len(all_images) == len({image.tobytes() for image in images})  # a split: every image once
    again = datasets.mnist()
    np.testing.assert_array_equal(again[3], y_test)
    assert not np.array_equal(datasets.mnist(rng=1)[3], y_test)
    assert datasets.mnist(test_fraction=0.1)[2].shape[0] == 500
    X, y = datasets.load("mnist")
    assert X.shape == (5000, 784) and "mnist" in datasets.NAMES
    with pytest.raises(ValueError, match="test_fraction"):
        datasets.mnist(test_fraction=1.0)


def test_digits_as_images():
    pytest.importorskip("sklearn")
    X, y = datasets.digits(images=True)
    flat, _ = datasets.digits()
    assert X.shape == (1797, 1, 8, 8)
    np.testing.assert_array_equal(X.reshape(len(X), -1), flat)


def test_a_small_cnn_learns_the_digits():
    pytest.importorskip("sklearn")
    X, y = datasets.digits(images=True)
    X = X / 16
    model = Sequential(Conv2d(1, 8, 3, padding=1, rng=0), ReLU(), MaxPool2d(2), Flatten(), Linear(8 * 16, 10, rng=0))
    fit(model, X[:600], y[:600], "softmax_ce", Adam(model.parameters(), lr=1e-2), epochs=4, batch_size=32, rng=0)
    assert nn.accuracy(model.predict(X[1000:1400]), y[1000:1400]) > 0.85
