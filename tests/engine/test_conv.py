"""conv2d, max/avg pooling, im2col/col2im and the Tensor ops of issue 15: finite differences (first and
second order), PyTorch where installed, and clear errors on bad input."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd_like import (
    Tensor,
    avg_pool2d,
    col2im,
    conv2d,
    grad,
    gradcheck,
    gradgradcheck,
    im2col,
    max_pool2d,
    maximum,
    minimum,
)
from micrograd_like.conv import _conv_input_grad_stride1


def leaves(*arrays):
    return [Tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]


def conv_by_loops(x, w, b, stride, padding):
    """The definition, one output element at a time: out[n,o,i,j] = b[o] + sum W[o,c,u,v] x_pad[n,c,i*s+u,j*s+v]."""
    (sh, sw), (ph, pw) = stride, padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    n, _, hp, wp = xp.shape
    c_out, _, kh, kw = w.shape
    oh, ow = (hp - kh) // sh + 1, (wp - kw) // sw + 1
    out = np.zeros((n, c_out, oh, ow))
    for i in range(oh):
        for j in range(ow):
            window = xp[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3])) + (0 if b is None else b)
    return out


conv_cases = st.tuples(
    st.integers(1, 2), st.integers(1, 3), st.integers(1, 3),  # N, C_in, C_out
    st.integers(1, 3), st.integers(1, 3),  # kH, kW
    st.integers(1, 3), st.integers(1, 3),  # stride
    st.integers(0, 2), st.integers(0, 2),  # padding
    st.integers(0, 4), st.integers(0, 4),  # how much larger the input is than the kernel
    st.booleans(), st.integers(0, 2**16))


def make_conv(case):
    n, c_in, c_out, kh, kw, sh, sw, ph, pw, eh, ew, with_bias, seed = case
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, c_in, max(kh - 2 * ph, 1) + eh, max(kw - 2 * pw, 1) + ew))
    w, b = rng.normal(size=(c_out, c_in, kh, kw)), rng.normal(size=c_out) if with_bias else None
    return x, w, b, (sh, sw), (ph, pw), rng


@settings(max_examples=40, deadline=None)
@given(conv_cases)
def test_conv2d_is_the_definition_and_its_gradients_are_finite_differences(case):
    x, w, b, stride, padding, _ = make_conv(case)
    inputs = leaves(x, w) + ([] if b is None else leaves(b))
    out = conv2d(*inputs[:2], inputs[2] if b is not None else None, stride, padding)
    np.testing.assert_allclose(out.data, conv_by_loops(x, w, b, stride, padding), atol=1e-12)
    assert gradcheck(lambda *t: conv2d(t[0], t[1], t[2] if len(t) > 2 else None, stride, padding), inputs)


@settings(max_examples=10, deadline=None)
@given(conv_cases)
def test_conv2d_second_derivatives_are_finite_differences(case):
    x, w, b, stride, padding, _ = make_conv(case)
    inputs = leaves(x, w) + ([] if b is None else leaves(b))
    # squared, so that the second derivative is not zero (conv is bilinear in x and W)
    assert gradgradcheck(lambda *t: conv2d(t[0], t[1], t[2] if len(t) > 2 else None, stride, padding) ** 2, inputs)


@pytest.mark.slow
@settings(max_examples=30, deadline=None)
@given(st.integers(1, 2), st.integers(1, 3), st.integers(1, 4), st.integers(1, 3), st.integers(0, 2),
       st.integers(0, 3), st.integers(0, 2**16))
def test_col2im_is_the_adjoint_of_im2col(n, c, k, s, p, extra, seed):
    """<im2col(x), C> = <x, col2im(C)> for all x, C: col2im is im2col's transpose, hence its vjp."""
    rng = np.random.default_rng(seed)
    shape = (n, c, max(k - 2 * p, 1) + extra, max(k - 2 * p, 1) + extra + 1)
    x = rng.normal(size=shape)
    cols = im2col(x, k, s, p)
    C = rng.normal(size=cols.shape)
    assert np.isclose(np.sum(cols * C), np.sum(x * col2im(C, shape, k, s, p)))
    xt, Ct = leaves(x, C)
    assert gradcheck(lambda x: im2col(x, k, s, p), [xt])
    assert gradcheck(lambda C: col2im(C, shape, k, s, p), [Ct])
    assert gradgradcheck(lambda x: im2col(x, k, s, p) ** 2, [xt])


pool_cases = st.tuples(st.integers(1, 2), st.integers(1, 2), st.integers(1, 3), st.integers(1, 3),
                       st.one_of(st.none(), st.integers(1, 3)), st.integers(0, 3), st.integers(0, 2**16))


def make_pool(case):
    n, c, kh, kw, stride, extra, seed = case
    ph, pw = kh // 2, kw // 2
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, c, kh + extra, kw + extra + 1)), (kh, kw), stride, (ph, pw)


@settings(max_examples=30, deadline=None)
@given(pool_cases)
def test_pooling_gradients_are_finite_differences(case):
    x, kernel, stride, padding = make_pool(case)
    for pool in (max_pool2d, avg_pool2d):
        assert gradcheck(lambda x: pool(x, kernel, stride, padding), leaves(x))
        assert gradgradcheck(lambda x: pool(x, kernel, stride, padding) ** 2, leaves(x))


@pytest.mark.parametrize("kernel", [(2, 2), (2, 3), (3, 2)])
def test_max_pool_of_exact_tiles_agrees_with_the_general_path(kernel):
    """Windows that tile the image (stride = kernel, no padding) take a faster path. One more column
    sends the same windows down the general path (the extra column is in no window): the values, the
    routing of ties to the first maximum, and the gradients must be the same."""
    kh, kw = kernel
    rng = np.random.default_rng(1)
    x = np.round(rng.normal(size=(2, 3, 2 * kh, 3 * kw + 1)), 1)
    x[0, 0, :kh, :kw] = 0.0  # a window of ties, as after a ReLU
    tiles, general = Tensor(x[..., :-1].copy(), requires_grad=True), Tensor(x, requires_grad=True)
    out_tiles, out_general = max_pool2d(tiles, kernel), max_pool2d(general, kernel)
    np.testing.assert_array_equal(out_tiles.data, out_general.data)
    g = rng.normal(size=out_tiles.shape)
    out_tiles.backward(g)
    out_general.backward(g)
    np.testing.assert_array_equal(tiles.grad, general.grad[..., :-1])
    assert np.count_nonzero(tiles.grad[0, 0, :kh, :kw]) == 1 and tiles.grad[0, 0, 0, 0] == g[0, 0, 0, 0]
    smooth = leaves(rng.normal(size=(1, 2, 2 * kh, 2 * kw)))
    assert gradcheck(lambda x: max_pool2d(x, kernel), smooth)
    assert gradgradcheck(lambda x: max_pool2d(x, kernel) ** 2, smooth)


def test_max_pool_value_is_each_windows_maximum_and_padding_is_never_picked():
    x = -np.arange(16.0).reshape(1, 1, 4, 4) - 1  # all negative: a zero padding would win, -inf does not
    out = max_pool2d(Tensor(x), 3, stride=2, padding=1)
    assert out.shape == (1, 1, 2, 2)
    np.testing.assert_array_equal(out.data[0, 0], [[-1, -2], [-5, -6]])  # each window's top-left real pixel
    avg = avg_pool2d(Tensor(np.ones((1, 1, 4, 4))), 3, stride=2, padding=1)
    np.testing.assert_allclose(avg.data[0, 0], [[4 / 9, 6 / 9], [6 / 9, 9 / 9]])  # padded zeros counted


def test_conv_backward_needs_at_most_twice_the_unfolded_input():
    rng = np.random.default_rng(0)
    x, w, b = leaves(rng.normal(size=(16, 8, 24, 24)), rng.normal(size=(16, 8, 3, 3)), rng.normal(size=16))
    out = conv2d(x, w, b, padding=1)
    unfolded = 16 * 24 * 24 * 8 * 9 * 8  # bytes of the (N*oH*oW, C*kH*kW) float64 matrix
    seed = np.ones(out.shape)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        out.backward(seed)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert peak <= 2 * unfolded, f"backward allocated {peak / unfolded:.2f}x the unfolded input"


@pytest.mark.parametrize("call, message", [
    (lambda: conv2d(Tensor(np.zeros((1, 3, 5, 5))), Tensor(np.zeros((2, 4, 3, 3)))), r"3 channels.*\(1, 3, 5, 5\).*4"),
    (lambda: conv2d(Tensor(np.zeros((1, 1, 2, 2))), Tensor(np.zeros((1, 1, 3, 3)))), r"larger than the padded input"),
    (lambda: conv2d(Tensor(np.zeros((3, 5, 5))), Tensor(np.zeros((1, 3, 3, 3)))), r"\(N, C, H, W\).*\(3, 5, 5\)"),
    (lambda: conv2d(Tensor(np.zeros((1, 1, 5, 5))), Tensor(np.zeros((1, 3, 3)))), r"weight.*\(1, 3, 3\)"),
    (lambda: conv2d(Tensor(np.zeros((1, 1, 5, 5))), Tensor(np.zeros((1, 1, 3, 3))), stride=0), r"stride.*0"),
    (lambda: conv2d(Tensor(np.zeros((1, 1, 5, 5))), Tensor(np.zeros((1, 1, 3, 3))), padding=-1), r"padding.*-1"),
    (lambda: conv2d(Tensor(np.zeros((1, 1, 5, 5))), Tensor(np.zeros((1, 1, 3, 3))), stride=(1, 2, 3)), r"stride"),
    (lambda: conv2d(Tensor(np.zeros((1, 1, 5, 5))), Tensor(np.zeros((2, 1, 3, 3))), Tensor(np.zeros(3))),
     r"bias.*\(2,\)"),
    (lambda: max_pool2d(Tensor(np.zeros((1, 1, 5, 5))), 2, padding=2), r"padding.*half the kernel"),
    (lambda: avg_pool2d(Tensor(np.zeros((1, 1, 1, 5))), 2), r"larger than the padded input"),
    (lambda: max_pool2d(Tensor(np.zeros((5, 5))), 2), r"\(N, C, H, W\).*\(5, 5\)"),
])
def test_bad_input_gets_a_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ---- the new Tensor ops ---------------------------------------------------------------------------

UNARY = {
    "sqrt": (lambda t: t.sqrt(), np.sqrt),
    "abs": (lambda t: t.abs(), np.abs),
    "min": (lambda t: t.min(axis=1), lambda a: a.min(axis=1)),
    "min_all": (lambda t: t.min(), np.min),
    "var": (lambda t: t.var(axis=0), lambda a: a.var(axis=0)),
    "var_keep": (lambda t: t.var(axis=(0, 1), keepdims=True), lambda a: a.var(axis=(0, 1), keepdims=True)),
    "std": (lambda t: t.std(axis=1), lambda a: a.std(axis=1)),
}


@pytest.mark.parametrize("name", UNARY)
def test_new_ops_match_numpy_and_finite_differences(name):
    op, reference = UNARY[name]
    x = np.random.default_rng(1).uniform(0.5, 2.0, size=(3, 4)) * np.array([1, -1, 1, -1])
    if name == "sqrt":
        x = np.abs(x)
    np.testing.assert_allclose(op(Tensor(x)).data, reference(x), rtol=1e-13)
    assert gradcheck(op, leaves(x))
    assert gradgradcheck(lambda t: op(t) * op(t), leaves(x))  # squared: abs and min are piecewise linear


def test_maximum_and_minimum_split_ties_and_broadcast():
    a, b = leaves([1.0, 2.0, 3.0], [[2.0], [0.0]])
    out = maximum(a, b)
    np.testing.assert_array_equal(out.data, [[2, 2, 3], [1, 2, 3]])
    out.sum().backward()
    np.testing.assert_array_equal(a.grad, [1, 1.5, 2])  # a = b = 2 at [0, 1]: half each
    np.testing.assert_array_equal(b.grad, [[1.5], [0]])
    x, y = leaves([0.3, -1.2, 2.0], [0.5, -2.0, 1.0])
    for f in (maximum, minimum):
        assert gradcheck(lambda x, y: f(x, y) * x, [x, y])
        assert gradgradcheck(lambda x, y: f(x, y) * x, [x, y])
    np.testing.assert_array_equal(minimum(x, 0.0).data, [0.0, -1.2, 0.0])


def test_comparisons_give_constant_zero_one_tensors_and_argmax_an_index():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    for result, expected in ((x < 2, [1, 0, 0]), (x <= 2, [1, 1, 0]), (x > 2, [0, 0, 1]),
                             (x >= Tensor([2.0, 2.0, 2.0]), [0, 1, 1])):
        assert isinstance(result, Tensor) and not result.requires_grad and result.dtype == np.float64
        np.testing.assert_array_equal(result.data, expected)
    assert (Tensor(np.float32([1, 2])) > 1).dtype == np.float32
    m = Tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]])
    np.testing.assert_array_equal(m.argmax(axis=1), [1, 0])
    assert m.argmax() == 3 and isinstance(m.argmax(axis=0), np.ndarray)
    with pytest.raises(ValueError, match="shapes"):
        Tensor([1.0, 2.0]) < Tensor([1.0, 2.0, 3.0])


@pytest.mark.parametrize("reduction", ["sum", "mean", "max", "min", "var"])
@pytest.mark.parametrize("axis", [0, -1])
def test_reducing_a_0d_tensor_over_axis_0_or_minus_1_is_its_value(reduction, axis):
    x = Tensor(3.0, requires_grad=True)
    out = getattr(x, reduction)(axis=axis)
    assert out.shape == () and out.item() == (0.0 if reduction == "var" else 3.0)
    out.backward()
    assert x.grad == (0.0 if reduction == "var" else 1.0)
    with pytest.raises(ValueError, match="out of range"):
        x.sum(axis=1)


def test_power_with_a_tensor_exponent_at_zero():
    x, y = leaves([0.0, 0.0, 0.0, 0.0], [0.0, 2.0, 0.5, -1.0])
    with np.errstate(divide="ignore"):
        (x ** y).sum().backward()
    # d(x^y)/dx = y x^(y-1): 0 at y = 0 (not 0 * inf), 0 for y = 2, inf for y = 1/2, -inf for y = -1
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, np.inf, -np.inf])
    # d(0^y)/dy = 0^y ln 0: taken as 0 for y >= 0 and -inf for y < 0 (PyTorch's convention)
    np.testing.assert_array_equal(y.grad, [0.0, 0.0, 0.0, -np.inf])


# ---- against PyTorch ----------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(conv_cases)
def test_conv2d_matches_pytorch_including_double_backward(case):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    x, w, b, stride, padding, rng = make_conv(case)
    ours = leaves(x, w) + ([] if b is None else leaves(b))
    theirs = [torch.tensor(a, requires_grad=True) for a in ([x, w] + ([] if b is None else [b]))]
    out = conv2d(ours[0], ours[1], ours[2] if b is not None else None, stride, padding)
    expected = F.conv2d(theirs[0], theirs[1], theirs[2] if b is not None else None, stride, padding)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), atol=1e-12)
    g = rng.normal(size=out.shape)
    first = grad((out * g).sum(), ours, create_graph=True)
    expected_first = torch.autograd.grad((expected * torch.tensor(g)).sum(), theirs, create_graph=True)
    for a, e in zip(first, expected_first):
        np.testing.assert_allclose(a.data, e.detach().numpy(), atol=1e-12)
    # second order: d/d(inputs) of sum(dL/dx ** 2)
    second = grad(sum(((f * f).sum() for f in first), Tensor(0.0)), ours)
    expected_second = torch.autograd.grad(sum((f * f).sum() for f in expected_first), theirs, allow_unused=True)
    for a, e in zip(second, expected_second):
        np.testing.assert_allclose(a, np.zeros(a.shape) if e is None else e.numpy(), atol=1e-10)


@settings(max_examples=25, deadline=None)
@given(pool_cases)
def test_pooling_matches_pytorch(case):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    x, kernel, stride, padding = make_pool(case)
    x = np.round(x, 1)  # ties: max pooling routes the gradient to the first maximum, as PyTorch
    for ours, theirs in ((max_pool2d, F.max_pool2d), (avg_pool2d, F.avg_pool2d)):
        xt, tt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out, expected = ours(xt, kernel, stride, padding), theirs(tt, kernel, stride, padding)
        np.testing.assert_allclose(out.data, expected.detach().numpy(), atol=1e-14)
        g = np.random.default_rng(0).normal(size=out.shape)
        out.backward(g)
        expected.backward(torch.tensor(g))
        np.testing.assert_allclose(xt.grad, tt.grad.numpy(), atol=1e-13)


def test_max_pool_of_exact_tiles_with_ties_matches_pytorch():
    torch = pytest.importorskip("torch")
    x = np.maximum(np.round(np.random.default_rng(2).normal(size=(2, 3, 6, 8)), 1), 0.0)  # many tied zeros
    xt, tt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = max_pool2d(xt, 2), torch.nn.functional.max_pool2d(tt, 2)
    np.testing.assert_array_equal(out.data, expected.detach().numpy())
    g = np.random.default_rng(0).normal(size=out.shape)
    out.backward(g)
    expected.backward(torch.tensor(g))
    np.testing.assert_array_equal(xt.grad, tt.grad.numpy())


def test_new_tensor_ops_match_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x, y = rng.uniform(0.1, 2, size=(3, 4)), rng.uniform(0.1, 2, size=(3, 4))
    x[0, 0] = y[0, 0]  # a tie for maximum/minimum
    cases = [
        (lambda t, u: t.sqrt(), lambda t, u: t.sqrt()),
        (lambda t, u: (t - 1).abs(), lambda t, u: (t - 1).abs()),
        (lambda t, u: t.var(axis=1), lambda t, u: t.var(dim=1, unbiased=False)),
        (lambda t, u: t.std(axis=0, keepdims=True), lambda t, u: t.std(dim=0, unbiased=False, keepdim=True)),
        (lambda t, u: maximum(t, u), torch.maximum),
        (lambda t, u: minimum(t, u), torch.minimum),
    ]
    for ours, theirs in cases:
        a, b = leaves(x, y)
        ta, tb = torch.tensor(x, requires_grad=True), torch.tensor(y, requires_grad=True)
        out, expected = ours(a, b), theirs(ta, tb)
        np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-13)
        out.sum().backward()
        expected.sum().backward()
        for mine, reference in ((a, ta), (b, tb)):
            if reference.grad is not None:
                np.testing.assert_allclose(mine.grad, reference.grad.numpy(), rtol=1e-12)


def test_power_at_zero_matches_pytorch():
    torch = pytest.importorskip("torch")
    x, y = [0.0, 0.0, 0.0, 2.0], [0.0, 2.0, -1.0, 0.0]
    ours, theirs = leaves(x, y), [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (x, y)]
    with np.errstate(divide="ignore"):
        (ours[0] ** ours[1]).sum().backward()
    (theirs[0] ** theirs[1]).sum().backward()
    for mine, reference in zip(ours, theirs):
        np.testing.assert_array_equal(mine.grad, reference.grad.numpy())


@pytest.mark.parametrize("n, c_in, c_out, kh, kw, padding, size", [
    (2, 3, 2, 3, 3, (0, 0), (6, 7)), (1, 2, 4, 2, 3, (1, 2), (4, 5)), (3, 1, 1, 1, 1, (0, 0), (3, 3)),
    (2, 6, 16, 5, 5, (0, 0), (14, 14)), (1, 1, 3, 5, 5, (2, 2), (6, 6))])
def test_stride_1_input_gradient_without_columns_is_col2im_of_the_columns_gradient(n, c_in, c_out, kh, kw,
                                                                                   padding, size):
    rng = np.random.default_rng(1)
    w = rng.normal(size=(c_out, c_in, kh, kw))
    shape = (n, c_in) + size
    oh, ow = size[0] + 2 * padding[0] - kh + 1, size[1] + 2 * padding[1] - kw + 1
    g = rng.normal(size=(n, c_out, oh, ow))
    expected = col2im(w.reshape(c_out, -1).T @ g.reshape(n, c_out, -1), shape, (kh, kw), 1, padding)
    np.testing.assert_allclose(_conv_input_grad_stride1(g, w, padding), expected, atol=1e-12)
