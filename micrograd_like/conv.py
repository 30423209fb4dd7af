"""Convolution and pooling over images, in PyTorch's layout: a batch of shape (N, C, H, W).

Everything rests on one linear op and its adjoint:

- `im2col(x)` copies every kH x kW window of every channel into one column: for each image a matrix
  of shape (C * kH * kW, oH * oW), one column per output position (columns ordered i, then j; rows
  ordered c, then the kernel's row, then its column; PyTorch's `unfold` layout), so an array of shape
  (N, C * kH * kW, oH * oW). It is linear, so its vector-Jacobian product is its adjoint:
- `col2im(cols)` adds every column back onto the window it came from (a pixel in several windows
  receives the sum). The vjp of `col2im` is `im2col` and the vjp of `im2col` is `col2im`, so
  derivatives of every order work.

Then a convolution is a matrix product per image, one node whose vjps are written with the
engine's ops (`im2col`, `col2im`, `@`), so its higher derivatives come for free:

    out[n, o, i, j] = b[o] + sum_{c, u, v} W[o, c, u, v] x_pad[n, c, i*s + u, j*s + v]
                    = (W.reshape(C_out, -1) @ im2col(x) + b[:, None]), reshaped to (N, C_out, oH, oW)

In this layout the product's (N, C_out, oH*oW) is already the output's memory order, so the output
and every gradient flowing back through it stay contiguous (no copies in the layers that follow).

Pooling reuses the windows of `im2col` taken over the whole batch: for each channel the kH*kW
entries of a window lie along one axis. Average pooling is their mean; max pooling picks each
window's first maximum, and its vjp routes g back to that element (col2im of g times a 0/1 mask).

Output size along an axis: o = (size + 2 * padding - kernel) // stride + 1 (PyTorch's).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .tensor import Tensor, _read_by_product

Pair = tuple[int, int]


# ---- checking the arguments ------------------------------------------------------------------

def _pair(name: str, where: str, value: Any, minimum: int) -> Pair:
    """An int or a pair of ints, each at least `minimum`, as a pair (with a clear error otherwise)."""
    pair = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= minimum
                                 for v in pair):
        raise ValueError(f"{where}: {name} must be an int >= {minimum} or a pair of them, got {value!r}")
    return int(pair[0]), int(pair[1])


def _check_image(where: str, x: Tensor) -> None:
    if x.ndim != 4:
        raise ValueError(f"{where}: expects a batch of images of shape (N, C, H, W), got shape {x.shape} "
                         f"(for one image use x.reshape(1, C, H, W))")


def _output_size(where: str, shape: tuple, kernel: Pair, stride: Pair, padding: Pair) -> Pair:
    """(oH, oW) for windows of `kernel` over the last two axes of `shape`, padded and strided."""
    sizes = []
    for axis, (n, k, s, p) in enumerate(zip(shape[-2:], kernel, stride, padding)):
        if k > n + 2 * p:
            raise ValueError(f"{where}: the kernel {kernel} is larger than the padded input: the input has shape "
                             f"{shape}, {'height' if axis == 0 else 'width'} {n} + 2 x padding {p} = {n + 2 * p} "
                             f"< {k}")
        sizes.append((n + 2 * p - k) // s + 1)
    return sizes[0], sizes[1]


# ---- im2col and col2im on arrays -----------------------------------------------------------------

def _im2col_array(x: np.ndarray, kernel: Pair, stride: Pair, padding: Pair, fill: float = 0.0) -> np.ndarray:
    """The windows of x (N, C, H, W) as columns (N, C*kH*kW, oH*oW); padding filled with `fill`."""
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    if ph or pw:  # (a slice assignment into a filled array: several times faster than np.pad)
        n, c, h, w = x.shape
        padded = np.zeros((n, c, h + 2 * ph, w + 2 * pw), x.dtype) if fill == 0 else \
            np.full((n, c, h + 2 * ph, w + 2 * pw), fill, x.dtype)
        padded[:, :, ph:ph + h, pw:pw + w] = x
        x = padded
    # a view (N, C, oH, oW, kH, kW) of every window, no copy; the reshape below is the one copy (whose
    # innermost loop runs along a row of the image: the fastest order to copy in)
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]
    n, c, oh, ow = windows.shape[:4]
    return windows.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * kh * kw, oh * ow)


def _col2im_array(cols: np.ndarray, shape: tuple, kernel: Pair, stride: Pair, padding: Pair) -> np.ndarray:
    """The adjoint of `_im2col_array`: each column added back onto its window; an array of `shape` (N, C, H, W).

    One strided slice-add per kernel offset (u, v): the (u, v) entry of every window lands on
    x_pad[:, :, u + s*i, v + s*j], distinct pixels for distinct windows, so a slice `+=` is exact."""
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    n, c, h, w = shape
    oh, ow = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    by_offset = cols.reshape(n, c, kh, kw, oh, ow)  # a view
    if (sh, sw) == (kh, kw) and (ph, pw) == (0, 0) and (oh * kh, ow * kw) == (h, w):
        # windows that tile the image exactly (pooling): a rearrangement, one copy
        return by_offset.transpose(0, 1, 4, 2, 5, 3).reshape(shape)
    hp, wp = h + 2 * ph, w + 2 * pw
    if (sh, sw) == (1, 1):
        padded = _col2im_stride1(by_offset, hp, wp)
    else:
        padded = np.zeros((n, c, hp, wp), dtype=cols.dtype)
        for u in range(kh):
            for v in range(kw):
                padded[:, :, u:u + sh * (oh - 1) + 1:sh, v:v + sw * (ow - 1) + 1:sw] += by_offset[:, :, u, v]
    return padded[:, :, ph:ph + h, pw:pw + w] if ph or pw else padded


def _col2im_stride1(by_offset: np.ndarray, hp: int, wp: int) -> np.ndarray:
    """`_col2im_array` for stride 1, as a padded image (N, C, hp, wp), by long contiguous adds.

    With each channel flattened, entry (u, v) of window (i, j) lands at (u + i) * wp + (v + j). Give
    every row of the windows' grid the image's width wp (zeros past oW): then the entries at one
    offset (u, v) are one contiguous run of oH * wp numbers starting at u * wp + v, so each of the
    kH * kW adds runs over long rows instead of rows of oW (twice as fast on LeNet's images).
    One kernel row u at a time, so the widened copy stays small."""
    n, c, kh, kw, oh, ow = by_offset.shape
    flat = np.zeros((n, c, (hp + 1) * wp), dtype=by_offset.dtype)  # a row to spare: the zeros past oW spill over
    widened = np.zeros((n, c, kw, oh, wp), dtype=by_offset.dtype)
    runs = widened.reshape(n, c, kw, oh * wp)
    for u in range(kh):
        widened[..., :ow] = by_offset[:, :, u]
        for v in range(kw):
            flat[:, :, u * wp + v:u * wp + v + oh * wp] += runs[:, :, v]
    return flat[:, :, :hp * wp].reshape(n, c, hp, wp)


# ---- im2col and col2im as ops --------------------------------------------------------------------

def im2col(x: Any, kernel_size: Any, stride: Any = 1, padding: Any = 0) -> Any:
    """Every kH x kW window of x (N, C, H, W), zero-padded, as a column: shape (N, C*kH*kW, oH*oW),
    PyTorch's `unfold` (rows ordered channel, kernel row, kernel column; columns by output position).

    Linear in x, so   vjp(g) = col2im(g):   each column of g added back onto the window it came from.
    Works on arrays too (then returns an array), so that a vjp can call it."""
    kernel = _pair("kernel_size", "im2col", kernel_size, 1)
    stride_, padding_ = _pair("stride", "im2col", stride, 1), _pair("padding", "im2col", padding, 0)
    if not isinstance(x, Tensor):
        return _im2col_array(x, kernel, stride_, padding_)
    _check_image("im2col", x)
    _output_size("im2col", x.shape, kernel, stride_, padding_)
    return Tensor._make(_im2col_array(x.data, kernel, stride_, padding_), (x,),
                        (lambda g, out, x: col2im(g, x.shape, kernel, stride_, padding_),), "im2col")


def col2im(cols: Any, shape: Any, kernel_size: Any, stride: Any = 1, padding: Any = 0) -> Any:
    """The adjoint of `im2col`: columns (N, C*kH*kW, oH*oW) added back onto their windows of an image
    batch of `shape` (N, C, H, W) (padding dropped). Linear, so   vjp(g) = im2col(g).
    Works on arrays too (then returns an array)."""
    kernel = _pair("kernel_size", "col2im", kernel_size, 1)
    stride_, padding_ = _pair("stride", "col2im", stride, 1), _pair("padding", "col2im", padding, 0)
    shape = tuple(int(n) for n in shape)
    if not isinstance(cols, Tensor):
        return _col2im_array(cols, shape, kernel, stride_, padding_)
    oh, ow = _output_size("col2im", shape, kernel, stride_, padding_)
    expected = (shape[0], shape[1] * kernel[0] * kernel[1], oh * ow)
    if cols.shape != expected:
        raise ValueError(f"col2im: the columns of an image batch of shape {shape} with kernel {kernel}, stride "
                         f"{stride_}, padding {padding_} have shape {expected}, got {cols.shape}")
    return Tensor._make(_col2im_array(cols.data, shape, kernel, stride_, padding_), (cols,),
                        (lambda g, out, cols: im2col(g, kernel, stride_, padding_),), "col2im")


# ---- convolution -----------------------------------------------------------------------------------

def conv2d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0) -> Tensor:
    """2-D convolution (cross-correlation, as every framework computes it), PyTorch's `conv2d`:

        out[n, o, i, j] = b[o] + sum_{c, u, v} W[o, c, u, v] x_pad[n, c, i*s + u, j*s + v]

    x of shape (N, C_in, H, W), weight (C_out, C_in, kH, kW), bias (C_out,) or None; stride and
    padding an int or a pair (zero padding). One node, computed with `im2col`: with
    cols = im2col(x) of shape (N, C_in*kH*kW, oH*oW), W_matrix = W.reshape(C_out, -1) and
    G = dL/dout as (N, C_out, oH*oW),

        out   = W_matrix @ cols[n] + b[:, None]      for each image n, reshaped to (N, C_out, oH, oW)
        dL/dW = sum_n G[n] @ cols[n]^T               (the correlation of the input with the delta)
        dL/dx = col2im(W_matrix^T @ G)               (the full convolution of the delta with W flipped)
        dL/db = G summed over n and the positions

    The vjps are written with the engine's ops (`im2col`, `col2im`, `@`), so under create_graph
    they record themselves and every order works; in an ordinary backward pass they reuse the
    forward's columns, and for stride 1 dL/dx skips the columns' gradient (`_conv_input_grad_stride1`)."""
    x = x if isinstance(x, Tensor) else Tensor(x)
    weight = weight if isinstance(weight, Tensor) else Tensor(weight)
    _check_image("conv2d", x)
    if weight.ndim != 4:
        raise ValueError(f"conv2d: weight must have shape (C_out, C_in, kH, kW), got shape {weight.shape}")
    c_out, c_in, kh, kw = weight.shape
    if x.shape[1] != c_in:
        raise ValueError(f"conv2d: the input has {x.shape[1]} channels (shape {x.shape}) but the weight expects "
                         f"{c_in} (weight shape {weight.shape})")
    stride_, padding_ = _pair("stride", "conv2d", stride, 1), _pair("padding", "conv2d", padding, 0)
    oh, ow = _output_size("conv2d", x.shape, (kh, kw), stride_, padding_)
    biases: tuple = ()
    if bias is not None:
        bias = bias if isinstance(bias, Tensor) else Tensor(bias)
        if bias.shape != (c_out,):
            raise ValueError(f"conv2d: bias must have shape ({c_out},) for a weight of shape {weight.shape}, "
                             f"got {bias.shape}")
        biases = (bias,)
    n, kernel, size = x.shape[0], (kh, kw), c_in * kh * kw
    cols = _im2col_array(x.data, kernel, stride_, padding_)  # (N, C_in*kH*kW, oH*oW)
    out = np.matmul(weight.data.reshape(c_out, size), cols)
    if biases:
        out += biases[0].data.reshape(-1, 1)  # in place: `out` is a new array
    # the input's gradient without the columns' one: for stride 1, unless C_out is much larger than C_in
    # (its intermediate has C_out*kW rows where the columns have C_in*kH*kW)
    by_rows = stride_ == (1, 1) and c_out <= c_in * kh

    def vjp_x(g: Any, out: Any, x: Any, w: Any, *b: Any) -> Any:
        if isinstance(g, np.ndarray) and by_rows:
            return _conv_input_grad_stride1(g, w, padding_)
        return col2im(w.reshape(c_out, size).T @ g.reshape(n, c_out, oh * ow), x.shape, kernel, stride_, padding_)

    def vjp_w(g: Any, out: Any, x: Any, w: Any, *b: Any) -> Any:
        # (sum_n cols[n] @ G[n]^T)^T: numpy's batched product runs about twice as fast as sum_n G[n] @ cols[n]^T
        columns = cols if isinstance(g, np.ndarray) else im2col(x, kernel, stride_, padding_)
        return (columns @ g.reshape(n, c_out, oh * ow).transpose(0, 2, 1)).sum(axis=0).T.reshape(w.shape)

    def vjp_b(g: Any, out: Any, x: Any, w: Any, b: Any) -> Any:
        return g.reshape(n, c_out, oh * ow).sum(axis=0).sum(axis=1)  # (faster than one sum over axes 0, 2, 3)

    return Tensor._make(out.reshape(n, c_out, oh, ow), (x, weight) + biases, (vjp_x, vjp_w, vjp_b)[:2 + len(biases)],
                        "conv", _read_by_product(x, weight))


def _conv_input_grad_stride1(g: np.ndarray, w: np.ndarray, padding: Pair) -> np.ndarray:
    """dL/dx of a stride-1 convolution, on arrays: col2im(W_matrix^T @ G) without the columns' gradient
    (N, C_in*kH*kW, oH*oW), about 1.7 times as fast on LeNet's second convolution.

        dx_pad[n, c, i + u, x] = sum_{o, v} W[o, c, u, v] g[n, o, i, x - v]     (g zero outside 0 <= x - v < oW)

    The sum over (o, v) is one matrix product with the kW shifted copies of g's rows (g_shifted), for every
    kernel row u at once; then each kernel row's result is added onto the rows it reaches."""
    c_out, c_in, kh, kw = w.shape
    n, _, oh, ow = g.shape
    hp, wp = oh + kh - 1, ow + kw - 1
    g_wide = np.zeros((n, c_out, oh, ow + 2 * (kw - 1)), g.dtype)  # g with kW - 1 zeros either side of each row
    g_wide[..., kw - 1:kw - 1 + ow] = g
    # windows[n, o, i, s, x] = g_wide[n, o, i, s + x], and g[n, o, i, x - v] is at s = kW - 1 - v
    windows = np.lib.stride_tricks.sliding_window_view(g_wide, wp, axis=3)
    g_shifted = windows[:, :, :, ::-1].transpose(0, 1, 3, 2, 4).reshape(n, c_out * kw, oh * wp)  # rows (o, v)
    w_by_row = w.transpose(2, 1, 0, 3).reshape(kh * c_in, c_out * kw)  # rows (u, c), columns (o, v)
    by_row = (w_by_row @ g_shifted).reshape(n, kh, c_in, oh * wp)
    padded = np.zeros((n, c_in, hp * wp), by_row.dtype)
    for u in range(kh):
        padded[:, :, u * wp:u * wp + oh * wp] += by_row[:, u]
    padded = padded.reshape(n, c_in, hp, wp)
    (ph, pw), (h, width) = padding, (hp - 2 * padding[0], wp - 2 * padding[1])
    return padded[:, :, ph:ph + h, pw:pw + width] if ph or pw else padded


# ---- pooling ---------------------------------------------------------------------------------------

def _pool_arguments(where: str, x: Tensor, kernel_size: Any, stride: Any, padding: Any) -> tuple:
    _check_image(where, x)
    kernel = _pair("kernel_size", where, kernel_size, 1)
    stride_ = kernel if stride is None else _pair("stride", where, stride, 1)
    padding_ = _pair("padding", where, padding, 0)
    if padding_[0] > kernel[0] // 2 or padding_[1] > kernel[1] // 2:
        raise ValueError(f"{where}: padding {padding_} must be at most half the kernel {kernel} (as in PyTorch), "
                         f"so that every window holds part of the image")
    oh, ow = _output_size(where, x.shape, kernel, stride_, padding_)
    return kernel, stride_, padding_, oh, ow


def max_pool2d(x: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0) -> Tensor:
    """The maximum of each kH x kW window of each channel (stride defaults to the kernel size; the
    padding counts as -inf, so it is never the maximum), PyTorch's `max_pool2d`:

        out[n, c, i, j] = max_{u, v} x_pad[n, c, i*s + u, j*s + v]

    vjp(g) = g routed to the position of each window's maximum (the first one, in row-major order,
    if several tie, as PyTorch), summed where windows overlap: col2im(first_max_mask * g)."""
    x = x if isinstance(x, Tensor) else Tensor(x)
    kernel, stride_, padding_, oh, ow = _pool_arguments("max_pool2d", x, kernel_size, stride, padding)
    n, c, h, w = x.shape
    if stride_ == kernel and padding_ == (0, 0) and (oh * kernel[0], ow * kernel[1]) == (h, w):
        return _max_pool_tiles(x, kernel)
    # (N*C, kH*kW, oH*oW): for each channel, a window's entries along axis 1
    windows = _im2col_array(x.data, kernel, stride_, padding_, fill=-np.inf).reshape(n * c, -1, oh * ow)
    out = windows.max(axis=1)
    is_first_max = windows == out[:, None]  # a constant 0/1 factor, made one-hot below
    # ties (after a ReLU, whole windows of zeros) go to the first maximum, as in PyTorch: clear every
    # entry whose window already had a maximum at an earlier offset (a few passes over the offsets)
    seen = is_first_max[:, 0].copy()
    for offset in range(1, is_first_max.shape[1]):
        later = is_first_max[:, offset]
        later &= ~seen
        seen |= later

    def vjp(g: Any, out: Any, x: Any) -> Any:
        routed = (g.reshape(n * c, 1, oh * ow) * is_first_max).reshape(n, -1, oh * ow)
        return col2im(routed, x.shape, kernel, stride_, padding_)

    return Tensor._make(out.reshape(n, c, oh, ow), (x,), (vjp,), "max_pool2d", reads=())  # (masks, made now)


def _max_pool_tiles(x: Tensor, kernel: Pair) -> Tensor:
    """`max_pool2d` for windows that tile the image exactly (stride = kernel, no padding, as LeNet's):
    x is then a view of shape (N, C, oH, kH, oW, kW), and both the maximum and its vjp are elementwise
    ops on that view, with no copy of the windows.

        vjp(g) = g[n, c, i, j] * first_max[n, c, i, u, j, v], reshaped to x's shape.

    The maximum is taken first over a window's kH rows (passes along whole image rows, W long, not
    kW), then over its kW columns; the mask is built one offset (u, v) at a time on arrays of the
    output's shape, each window's first maximum being where x equals the maximum and no earlier
    offset did."""
    (kh, kw), (n, c, h, w) = kernel, x.shape
    oh, ow = h // kh, w // kw
    tiles = x.data.reshape(n, c, oh, kh, ow, kw)  # a view of the input (also of a non-contiguous one)
    rows = tiles.reshape(n, c, oh, kh, w)
    row_max = rows[:, :, :, 0].copy()  # (N, C, oH, W): each window column's maximum
    for u in range(1, kh):
        np.maximum(row_max, rows[:, :, :, u], out=row_max)
    pairs = row_max.reshape(n, c, oh, ow, kw)
    out = pairs[..., 0].copy()
    for v in range(1, kw):
        np.maximum(out, pairs[..., v], out=out)
    # ties (after a ReLU, whole windows of zeros) go to the first maximum in row-major order, as in
    # PyTorch (for booleans, `is_max > seen` is `is_max and not seen`)
    is_first_max = np.empty(tiles.shape, dtype=bool)  # a constant 0/1 factor
    is_max, seen = np.empty(out.shape, dtype=bool), np.zeros(out.shape, dtype=bool)
    for u in range(kh):
        for v in range(kw):
            np.equal(tiles[:, :, :, u, :, v], out, out=is_max)
            np.greater(is_max, seen, out=is_first_max[:, :, :, u, :, v])
            seen |= is_max

    def vjp(g: Any, out: Any, x: Any) -> Any:
        if isinstance(g, np.ndarray):  # the same product, g first repeated along rows (a faster loop)
            return (_repeat_last_axis(g, kw).reshape(n, c, oh, 1, ow, kw) * is_first_max).reshape(n, c, h, w)
        return (g.reshape(n, c, oh, 1, ow, 1) * is_first_max).reshape(n, c, h, w)

    return Tensor._make(out, (x,), (vjp,), "max_pool2d", reads=())  # (masks, made now)


def _repeat_last_axis(a: np.ndarray, times: int) -> np.ndarray:
    """np.repeat(a, times, axis=-1), by `times` strided copies (twice as fast as np.repeat for small `times`)."""
    spread = np.empty(a.shape + (times,), dtype=a.dtype)
    for k in range(times):
        spread[..., k] = a
    return spread.reshape(a.shape[:-1] + (a.shape[-1] * times,))


def avg_pool2d(x: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0) -> Tensor:
    """The mean of each kH x kW window of each channel (stride defaults to the kernel size; padded
    zeros count, as PyTorch's default count_include_pad=True):

        out[n, c, i, j] = 1/(kH kW) sum_{u, v} x_pad[n, c, i*s + u, j*s + v]

    Composed of `im2col` and `mean`, so   vjp(g) = g / (kH kW) spread evenly over each window."""
    x = x if isinstance(x, Tensor) else Tensor(x)
    kernel, stride_, padding_, oh, ow = _pool_arguments("avg_pool2d", x, kernel_size, stride, padding)
    n, c = x.shape[:2]
    cols = im2col(x, kernel, stride_, padding_)  # (N, C*kH*kW, oH*oW)
    return cols.reshape(n * c, -1, oh * ow).mean(axis=1).reshape(n, c, oh, ow)
