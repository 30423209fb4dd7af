"""Backprop through a convolutional network derived by hand: plain numpy, loops that read like the formulas
(never imports the engine).

Shapes as PyTorch's: images x of shape (N, C, H, W), a kernel W of shape (C_out, C, kH, kW), stride s,
zero padding p, x_pad the padded input. A convolution layer computes

    z[n, o, i, j] = b[o] + sum_{c, u, v} W[o, c, u, v] x_pad[n, c, i*s + u, j*s + v]

and, given its delta[n, o, i, j] = dLoss/dz[n, o, i, j], the chain rule gives

    dW[o, c, u, v] = sum_{n, i, j} delta[n, o, i, j] x_pad[n, c, i*s + u, j*s + v]
                     (the correlation of the layer's input with its delta)
    db[o]          = sum_{n, i, j} delta[n, o, i, j]
    dx_pad[n, c]   = sum_o  full_convolution(delta[n, o] dilated by s, W[o, c] flipped 180 degrees)
                     (each input pixel collects delta * weight from every window it fell in)

Pooling has no parameters; it passes the delta back to its input: max pooling routes each window's
delta to the position of its maximum (the first, in row-major order, on ties; padding counts as -inf),
average pooling spreads it evenly, delta / (kH kW), over the window (padded zeros counted).

`cnn_backprop` strings them together for the network conv -> ReLU -> pool -> flatten -> dense ->
softmax cross-entropy (mean over the batch), layer by layer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .delta_rule import log_softmax


def _pad(x: np.ndarray, padding: int, value: float = 0.0) -> np.ndarray:
    return np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)), constant_values=value)


def _output_size(size: int, kernel: int, stride: int, padding: int) -> int:
    return (size + 2 * padding - kernel) // stride + 1


# ---- convolution ------------------------------------------------------------------------------------


def conv_forward(x: np.ndarray, W: np.ndarray, b: np.ndarray, stride: int = 1, padding: int = 0) -> np.ndarray:
    """z[n, o, i, j] = b[o] + sum_{c, u, v} W[o, c, u, v] x_pad[n, c, i*s + u, j*s + v], one (i, j) at a time."""
    x_pad = _pad(x, padding)
    _, _, kh, kw = W.shape
    oh, ow = _output_size(x.shape[2], kh, stride, padding), _output_size(x.shape[3], kw, stride, padding)
    z = np.zeros((x.shape[0], W.shape[0], oh, ow))
    for i in range(oh):
        for j in range(ow):
            window = x_pad[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]  # (N, C, kH, kW)
            z[:, :, i, j] = np.einsum("ncuv,ocuv->no", window, W) + b
    return z


def conv_backward(x: np.ndarray, W: np.ndarray, delta: np.ndarray, stride: int = 1,
                  padding: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dW, db, dx) of a convolution layer from its input x, kernel W and delta = dLoss/dz."""
    x_pad = _pad(x, padding)
    _, _, kh, kw = W.shape
    _, _, oh, ow = delta.shape

    # dW: the correlation of the input with the delta, one kernel offset (u, v) at a time
    dW = np.zeros_like(W)
    for u in range(kh):
        for v in range(kw):
            seen = x_pad[:, :, u:u + stride * (oh - 1) + 1:stride, v:v + stride * (ow - 1) + 1:stride]  # (N, C, oH, oW)
            dW[:, :, u, v] = np.einsum("noij,ncij->oc", delta, seen)

    db = delta.sum(axis=(0, 2, 3))

    # dx: the full convolution of the delta (spread out by the stride) with the kernel flipped
    spread = np.zeros((delta.shape[0], delta.shape[1], stride * (oh - 1) + 1, stride * (ow - 1) + 1))
    spread[:, :, ::stride, ::stride] = delta
    full = np.pad(spread, ((0, 0), (0, 0), (kh - 1, kh - 1), (kw - 1, kw - 1)))
    flipped = W[:, :, ::-1, ::-1]
    dx_pad = np.zeros_like(x_pad)  # rows and columns no window reached (stride leftovers) keep 0
    for p in range(spread.shape[2] + kh - 1):
        for q in range(spread.shape[3] + kw - 1):
            dx_pad[:, :, p, q] = np.einsum("nouv,ocuv->nc", full[:, :, p:p + kh, q:q + kw], flipped)
    dx = dx_pad[:, :, padding:padding + x.shape[2], padding:padding + x.shape[3]]
    return dW, db, dx


# ---- pooling -----------------------------------------------------------------------------------------


def _windows(x: np.ndarray, kernel: int, stride: int, padding: int, fill: float):
    """(i, j, window of shape (N, C, k, k)) for every output position."""
    x_pad = _pad(x, padding, fill)
    oh, ow = _output_size(x.shape[2], kernel, stride, padding), _output_size(x.shape[3], kernel, stride, padding)
    for i in range(oh):
        for j in range(ow):
            yield i, j, x_pad[:, :, i * stride:i * stride + kernel, j * stride:j * stride + kernel]


def pool_forward(x: np.ndarray, kind: str, kernel: int, stride: int | None = None, padding: int = 0) -> np.ndarray:
    """Max ("max", padding -inf) or average ("avg", padded zeros counted) of each k x k window."""
    stride = stride or kernel
    oh, ow = _output_size(x.shape[2], kernel, stride, padding), _output_size(x.shape[3], kernel, stride, padding)
    out = np.zeros(x.shape[:2] + (oh, ow))
    for i, j, window in _windows(x, kernel, stride, padding, -np.inf if kind == "max" else 0.0):
        out[:, :, i, j] = window.max(axis=(2, 3)) if kind == "max" else window.mean(axis=(2, 3))
    return out


def pool_backward(x: np.ndarray, delta: np.ndarray, kind: str, kernel: int, stride: int | None = None,
                  padding: int = 0) -> np.ndarray:
    """dLoss/dx of a pooling layer: max routes each window's delta to its (first) maximum, average
    spreads delta / k^2 over the window; where windows overlap, the shares add up."""
    stride = stride or kernel
    dx_pad = np.zeros((x.shape[0], x.shape[1], x.shape[2] + 2 * padding, x.shape[3] + 2 * padding))
    for i, j, window in _windows(x, kernel, stride, padding, -np.inf if kind == "max" else 0.0):
        rows, cols = slice(i * stride, i * stride + kernel), slice(j * stride, j * stride + kernel)
        if kind == "max":
            flat = window.reshape(window.shape[0], window.shape[1], -1)
            winner = flat.argmax(axis=2)  # the first maximum in row-major order
            routed = np.zeros_like(flat)
            np.put_along_axis(routed, winner[:, :, None], delta[:, :, i, j][:, :, None], axis=2)
            dx_pad[:, :, rows, cols] += routed.reshape(window.shape)
        else:
            dx_pad[:, :, rows, cols] += delta[:, :, i, j][:, :, None, None] / kernel ** 2
    return dx_pad[:, :, padding:padding + x.shape[2], padding:padding + x.shape[3]]


# ---- a small CNN, layer by layer ---------------------------------------------------------------------


@dataclass
class CNNGradients:
    """Conv layer: dW, db, delta (dLoss/dz before the ReLU), dx (dLoss/d input); dense layer: dW, db,
    delta (dLoss/d logits)."""

    conv_W: np.ndarray
    conv_b: np.ndarray
    conv_delta: np.ndarray
    conv_dx: np.ndarray
    dense_W: np.ndarray
    dense_b: np.ndarray
    dense_delta: np.ndarray
    loss: float


def cnn_backprop(x: np.ndarray, y: np.ndarray, conv_W: np.ndarray, conv_b: np.ndarray, dense_W: np.ndarray,
                 dense_b: np.ndarray, pool: str = "max", pool_size: int = 2, stride: int = 1,
                 padding: int = 0) -> CNNGradients:
    """conv -> ReLU -> pool -> flatten -> dense (rows @ W + b, W of shape (n_in, n_out)) -> softmax
    cross-entropy with integer labels y, mean over the batch; every gradient by the rules above."""
    # forward, keeping what backward needs
    z1 = conv_forward(x, conv_W, conv_b, stride, padding)
    a1 = np.maximum(z1, 0.0)
    pooled = pool_forward(a1, pool, pool_size)
    flat = pooled.reshape(len(x), -1)
    logits = flat @ dense_W + dense_b
    log_p = log_softmax(logits)
    batch = len(x)
    loss = float(-log_p[np.arange(batch), y].mean())

    # backward, from the output to the input
    one_hot = np.zeros_like(logits)
    one_hot[np.arange(batch), y] = 1.0
    delta2 = (np.exp(log_p) - one_hot) / batch  # dLoss/dlogits of the mean softmax cross-entropy
    dense_dW, dense_db = flat.T @ delta2, delta2.sum(axis=0)
    d_pooled = (delta2 @ dense_W.T).reshape(pooled.shape)  # flatten undone
    d_a1 = pool_backward(a1, d_pooled, pool, pool_size)
    delta1 = d_a1 * (z1 > 0)  # ReLU: f'(z) = 1 where z > 0
    conv_dW, conv_db, conv_dx = conv_backward(x, conv_W, delta1, stride, padding)
    return CNNGradients(conv_dW, conv_db, delta1, conv_dx, dense_dW, dense_db, delta2, loss)
