"""`Tensor`: the same reverse-mode engine as `Value`, over numpy arrays.

An op computes its result and, beside it, one *vector-Jacobian product* per parent: a function
that turns d(root)/d(result) into that parent's share of d(root)/d(parent). Backward is then
one rule for every op (`Tensor._chain_rule`):

    parent.grad += vjp(node.grad)

Broadcasting is undone in one place, `unbroadcast`: an input that numpy stretched to a larger
shape receives the sum of the gradient over the stretched axes.

The VJPs close over their inputs' arrays, never over the result node, so a graph holds no
reference cycles and is freed as soon as its root is dropped.
"""

from __future__ import annotations

from functools import lru_cache
from numbers import Real
from typing import Any, Callable, Sequence

import numpy as np

from .graph import RECORDING, Node
from .value import Value

Array = np.ndarray


def unbroadcast(grad: Array, shape: tuple) -> Array:
    """Sum `grad` down to `shape`, undoing numpy broadcasting.

    If x of shape (3,) was broadcast against (4, 3), each x[j] was used 4 times, so its
    gradient is the sum of the 4 gradients: sum over the leading axes numpy added, and over
    every axis where x had length 1.
    """
    if grad.shape == shape:
        return grad
    added = tuple(range(grad.ndim - len(shape)))
    if grad.shape[len(added):] == shape:  # only leading axes added (a bias added to a batch)
        return np.add.reduce(grad, axis=added)
    stretched = tuple(len(added) + i for i, n in enumerate(shape) if n == 1 and grad.shape[len(added) + i] != 1)
    return np.add.reduce(grad, axis=added + stretched, keepdims=True).reshape(shape)


def _as_array(data: Any, dtype: Any = None) -> Array:
    """float64 by default; float16/32 arrays keep their dtype; ints and bools become float64."""
    if type(data) is np.ndarray and data.dtype.kind == "f" and dtype is None:  # the common case, first
        return data
    if isinstance(data, Tensor):
        raise TypeError("Tensor(...) got a Tensor; use t.detach() for a copy outside the graph")
    if isinstance(data, Value):
        raise TypeError("Tensor(...) got a Value; use Tensor(v.data) for its number "
                        "(a Tensor and the scalar Value graph cannot be mixed)")
    try:
        arr = np.asarray(data, dtype=dtype)
    except (TypeError, ValueError) as err:
        raise TypeError(f"Tensor needs numbers, got {type(data).__name__}: {err}") from None
    if arr.dtype.kind == "f":
        return arr
    if arr.dtype.kind in "iub" and dtype is None:
        return arr.astype(np.float64)
    raise TypeError(f"Tensor needs real numbers; got an array of dtype {arr.dtype} with shape {arr.shape}")


class Tensor(Node):
    """An array node of a computation graph.

    `data` is the numpy array, `grad` is d(root)/d(self) (an array of `data`'s shape, or None
    until a backward pass reaches it), `parents` the Tensors it was computed from, `vjps` one
    vector-Jacobian product per parent, `op` the operation's name, `label` a name for drawing.
    Only Tensors with `requires_grad` (and what is computed from them) record a graph.
    """

    __slots__ = ("data", "grad", "parents", "vjps", "op", "label", "scope", "requires_grad")
    NO_GRAD = None
    # numpy must hand `ndarray + Tensor` over to Tensor.__radd__, not loop over the Tensor.
    __array_ufunc__ = None

    def __init__(self, data: Any, requires_grad: bool = False, label: str = "", dtype: Any = None) -> None:
        self.data = _as_array(data, dtype)
        self.grad = None
        self.parents = self.vjps = ()
        self.op = ""
        self.label = label
        self.scope = RECORDING.scope
        self.requires_grad = bool(requires_grad)

    @staticmethod
    def _make(data: Array, parents: tuple, vjps: tuple, op: str) -> Tensor:
        """The result of an op: it records its parents only if one of them needs a gradient."""
        out = object.__new__(Tensor)
        out.data = data
        out.grad = None
        out.op = op
        out.label = ""
        out.scope = RECORDING.scope
        if RECORDING.enabled:
            for parent in parents:
                if parent.requires_grad:
                    out.parents, out.vjps, out.requires_grad = parents, vjps, True
                    return out
        out.parents = out.vjps = ()
        out.requires_grad = False
        return out

    def _chain_rule(self) -> None:
        grad = self.grad
        if grad is None:  # nothing flowed here (e.g. a branch that does not reach the root)
            return
        for parent, vjp in zip(self.parents, self.vjps):
            if parent.requires_grad:
                g = vjp(grad)
                if g.dtype != parent.data.dtype:
                    g = g.astype(parent.data.dtype)
                if parent.grad is not None:
                    parent.grad = parent.grad + g  # a new array: the engine never changes a grad in place
                elif parent.parents or (g is not grad and g.base is None):
                    parent.grad = g  # interior nodes may share one array (x + y hands both its own grad)
                else:
                    parent.grad = g.copy()  # a leaf's grad is its own array: users and optimizers may change it

    def _seed_grad(self, grad: Any) -> None:
        if grad is None:
            if self.data.size != 1:
                raise ValueError(f"backward: the output has shape {self.shape}; only a single number can be "
                                 f"differentiated without saying how. Reduce it (e.g. .sum()) or pass "
                                 f"grad= an array of shape {self.shape}")
            grad = np.array(1, self.data.dtype) if self.data.ndim == 0 else np.ones_like(self.data)
        else:
            grad = np.array(grad.data if isinstance(grad, Tensor) else grad, dtype=self.data.dtype)  # a copy
            if grad.shape != self.shape:
                raise ValueError(f"backward: grad has shape {grad.shape}, but the output has shape {self.shape}")
        self.grad = grad if self.grad is None else self.grad + grad

    def zero_grad(self) -> None:
        self.grad = None

    # ---- plain accessors -----------------------------------------------------------------

    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def size(self) -> int:
        return self.data.size

    def __len__(self) -> int:
        return len(self.data)

    def item(self) -> float:
        if self.data.size != 1:
            raise ValueError(f"item: needs a tensor with one element, this one has shape {self.shape}")
        return self.data.item()

    def numpy(self) -> Array:
        """The data array (shared, not copied)."""
        return self.data

    def detach(self) -> Tensor:
        """A new leaf with the same data (shared), outside the graph."""
        return Tensor(self.data)

    def __repr__(self) -> str:
        body = np.array2string(self.data, precision=4, separator=", ", threshold=20)
        extras = "".join([f", label={self.label!r}" if self.label else "",
                          ", requires_grad=True" if self.requires_grad else "",
                          f", dtype={self.dtype}" if self.dtype != np.float64 else ""])
        return f"Tensor({body}{extras})"

    def _coerce(self, other: Any) -> Tensor:
        """Numbers, lists and arrays join an op as constants (no gradient).

        Numbers and lists take this tensor's dtype (float32 + 0.5 stays float32); a float array
        keeps its own, so float32 + a float64 array is float64, as in numpy."""
        if isinstance(other, Tensor):
            return other
        if type(other) is np.ndarray and other.dtype.kind == "f":  # the common cases, first
            return Tensor._make(other, (), (), "")
        if type(other) is float or type(other) is int:
            return Tensor._make(np.array(other, dtype=self.data.dtype), (), (), "")
        if isinstance(other, Value):
            raise TypeError("cannot combine a Tensor with a Value: they belong to different graphs. "
                            "Use Tensor(v.data) for a constant, or build the computation from Tensors only")
        if isinstance(other, (Real, list, tuple, np.ndarray)):
            try:
                arr = np.asarray(other)
            except ValueError as err:  # a ragged list
                raise TypeError(f"cannot combine a Tensor with this {type(other).__name__}: {err}") from None
            if arr.dtype.kind not in "fiub":
                raise TypeError(f"cannot combine a Tensor with an array of dtype {arr.dtype}")
            if arr.dtype.kind != "f" or not isinstance(other, np.ndarray):
                arr = arr.astype(self.data.dtype)
            return Tensor._make(arr, (), (), "")
        raise TypeError(f"cannot combine a Tensor with {type(other).__name__}; "
                        f"use a number, a list, a numpy array or a Tensor")

    # ---- elementwise arithmetic, with broadcasting ----------------------------------------

    def __add__(self, other: Any) -> Tensor:
        """x + y.   vjp_x(g) = g,  vjp_y(g) = g   (each summed back to its input's shape)."""
        other = self._coerce(other)
        xs, ys = self.data.shape, other.data.shape
        return Tensor._make(_broadcasting("add", np.add, self.data, other.data), (self, other),
                            (lambda g: unbroadcast(g, xs), lambda g: unbroadcast(g, ys)), "+")

    def __sub__(self, other: Any) -> Tensor:
        """x - y.   vjp_x(g) = g,  vjp_y(g) = -g."""
        other = self._coerce(other)
        xs, ys = self.data.shape, other.data.shape
        return Tensor._make(_broadcasting("subtract", np.subtract, self.data, other.data), (self, other),
                            (lambda g: unbroadcast(g, xs), lambda g: -unbroadcast(g, ys)), "-")

    def __mul__(self, other: Any) -> Tensor:
        """x * y.   vjp_x(g) = g * y,  vjp_y(g) = g * x."""
        other = self._coerce(other)
        x, y = self.data, other.data
        return Tensor._make(_broadcasting("multiply", np.multiply, x, y), (self, other),
                            (lambda g: unbroadcast(g * y, x.shape), lambda g: unbroadcast(g * x, y.shape)), "*")

    def __truediv__(self, other: Any) -> Tensor:
        """x / y.   vjp_x(g) = g / y,  vjp_y(g) = -g x / y^2."""
        other = self._coerce(other)
        x, y = self.data, other.data
        return Tensor._make(_broadcasting("divide", np.divide, x, y), (self, other),
                            (lambda g: unbroadcast(g / y, x.shape), lambda g: unbroadcast(-g * x / (y * y), y.shape)),
                            "/")

    def __pow__(self, other: Any) -> Tensor:
        """x ** n (a number):  vjp_x(g) = g n x^(n-1)   (0 for n = 0, even at x = 0).
        x ** y (a Tensor):     vjp_x(g) = g y x^(y-1),  vjp_y(g) = g x^y ln x   (x > 0)."""
        x = self.data
        if isinstance(other, Real):
            n = other
            vjp = np.zeros_like if n == 0 else lambda g: g * n * x ** (n - 1)  # not 0 * 0^-1 = nan
            return Tensor._make(x ** n, (self,), (vjp,), f"**{n:g}")
        other = self._coerce(other)
        y = other.data
        out = _broadcasting("power", np.power, x, y)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_x = np.where(x > 0, np.log(np.where(x > 0, x, 1.0)), np.where(x == 0, 0.0, np.nan))
        return Tensor._make(out, (self, other),
                            (lambda g: unbroadcast(g * y * x ** (y - 1), x.shape),
                             lambda g: unbroadcast(g * out * log_x, y.shape)), "**")

    def __neg__(self) -> Tensor:
        """-x.   vjp(g) = -g."""
        return Tensor._make(-self.data, (self,), (np.negative,), "neg")

    def __radd__(self, other: Any) -> Tensor:
        return self + other

    def __rsub__(self, other: Any) -> Tensor:
        return self._coerce(other) - self

    def __rmul__(self, other: Any) -> Tensor:
        return self * other

    def __rtruediv__(self, other: Any) -> Tensor:
        return self._coerce(other) / self

    def __rpow__(self, other: Any) -> Tensor:
        return self._coerce(other) ** self

    # ---- matrix product --------------------------------------------------------------------

    def __matmul__(self, other: Any) -> Tensor:
        """x @ y (numpy's rules: vectors, matrices, and stacks of matrices with broadcast batch axes).

        For matrices: vjp_x(g) = g @ y^T,  vjp_y(g) = x^T @ g. A vector operand is treated as a
        one-row (left) or one-column (right) matrix, and batch axes are summed back by `unbroadcast`.
        """
        other = self._coerce(other)
        x, y = self.data, other.data
        if x.ndim == 2 and y.ndim == 2 and x.shape[1] == y.shape[0]:  # the common case: no batch axes
            # (ndarray.dot: for matrices, the same BLAS product as @, and cheaper to call on small ones)
            return Tensor._make(x.dot(y), (self, other), (lambda g: g.dot(y.T), lambda g: x.T.dot(g)), "@")
        if x.ndim == 0 or y.ndim == 0:
            raise ValueError(f"matmul: needs arrays with at least one axis, got shapes {x.shape} and {y.shape}")
        inner_y = y.shape[-2] if y.ndim > 1 else y.shape[0]
        if x.shape[-1] != inner_y:
            raise ValueError(f"matmul: shapes {x.shape} and {y.shape} do not align ({x.shape[-1]} != {inner_y})")
        out = _broadcasting("matmul", np.matmul, x, y)
        return Tensor._make(out, (self, other),
                            (lambda g: _matmul_vjp(g, x, y, 0), lambda g: _matmul_vjp(g, x, y, 1)), "@")

    def __rmatmul__(self, other: Any) -> Tensor:
        return self._coerce(other) @ self

    # ---- elementwise functions -------------------------------------------------------------

    def exp(self) -> Tensor:
        """e^x.   vjp(g) = g e^x."""
        out = np.exp(self.data)
        return Tensor._make(out, (self,), (lambda g: g * out,), "exp")

    def log(self) -> Tensor:
        """ln x.   vjp(g) = g / x.   (log 0 = -inf and log of a negative = nan, as in numpy, with its warning.)"""
        x = self.data
        return Tensor._make(np.log(x), (self,), (lambda g: g / x,), "log")

    def tanh(self) -> Tensor:
        """tanh x.   vjp(g) = g (1 - tanh(x)^2)."""
        t = np.tanh(self.data)
        return Tensor._make(t, (self,), (lambda g: g * (1 - t * t),), "tanh")

    def sigmoid(self) -> Tensor:
        """s(x) = 1 / (1 + e^-x).   vjp(g) = g s(x) (1 - s(x)).

        Computed as e^-log(1 + e^-x), whose log(1 + e^-x) numpy evaluates without overflow (logaddexp):
        exact to rounding for every x, 0 and 1 at -+1000."""
        s = _sigmoid(self.data)
        return Tensor._make(s, (self,), (lambda g: g * (s - s * s),), "sigmoid")

    def relu(self) -> Tensor:
        """max(0, x).   vjp(g) = g where x > 0, else 0 (0 at x = 0, as in PyTorch).

        The 0-or-1 factor is computed as sign(max(0, x)): one fast ufunc call, on small arrays and large."""
        out = np.maximum(self.data, 0.0)  # (0.0, not 0: numpy converts a float faster than an int)
        return Tensor._make(out, (self,), (lambda g: g * np.sign(out),), "ReLU")

    def softplus(self) -> Tensor:
        """log(1 + e^x), by numpy's logaddexp(0, x), which never overflows.   vjp(g) = g sigmoid(x)."""
        x = self.data
        return Tensor._make(np.logaddexp(0.0, x), (self,), (lambda g: g * _sigmoid(x),), "softplus")

    def clip(self, low: float, high: float) -> Tensor:
        """x limited to [low, high].   vjp(g) = g where low <= x <= high, else 0 (as PyTorch's clamp)."""
        if not low <= high:
            raise ValueError(f"clip: low ({low}) must not be greater than high ({high})")
        x = self.data
        inside = (x >= low) & (x <= high)
        return Tensor._make(np.clip(x, low, high), (self,), (lambda g: g * inside,), "clip")

    # ---- reductions ------------------------------------------------------------------------

    def sum(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Sum over `axis` (all axes if None).   vjp(g) = g copied back along the summed axes."""
        shape = self.data.shape
        axis = _check_axis("sum", axis, shape)
        return Tensor._make(self.data.sum(axis=axis, keepdims=keepdims), (self,),
                            (lambda g: np.full(shape, _keep_dims(g, axis, keepdims)),), "sum")

    def mean(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Mean over `axis`.   vjp(g) = g / n copied back, n the number of elements averaged."""
        shape = self.data.shape
        axis = _check_axis("mean", axis, shape)
        n = self.data.size if axis is None else int(np.prod([shape[a] for a in axis]))
        return Tensor._make(self.data.mean(axis=axis, keepdims=keepdims), (self,),
                            (lambda g: np.full(shape, _keep_dims(g, axis, keepdims) / n),), "mean")

    def max(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Max over `axis`.   vjp(g) = g at the position of the maximum (shared equally among ties)."""
        x = self.data
        axis = _check_axis("max", axis, x.shape)
        try:
            m = x.max(axis=axis, keepdims=True)
        except ValueError:  # numpy: "zero-size array to reduction operation maximum which has no identity"
            raise ValueError(f"max: a tensor of shape {x.shape} has no elements along axis {axis}") from None
        winners = x == m
        share = winners / winners.sum(axis=axis, keepdims=True)
        out = m if keepdims else (m.reshape(()) if axis is None else np.squeeze(m, axis=axis))
        return Tensor._make(out, (self,), (lambda g: share * _keep_dims(g, axis, keepdims),), "max")

    def softmax(self, axis: int = -1) -> Tensor:
        """s_i = e^(x_i) / sum_j e^(x_j) along `axis`.   vjp(g) = s * (g - sum(g * s)).

        Shifted by the max first, so inputs of +-1000 give exact, finite probabilities."""
        _check_axis("softmax", axis, self.shape)
        e = np.exp(self.data - self.data.max(axis=axis, keepdims=True))
        s = e / e.sum(axis=axis, keepdims=True)
        return Tensor._make(s, (self,), (lambda g: s * (g - (g * s).sum(axis=axis, keepdims=True)),), "softmax")

    def log_softmax(self, axis: int = -1) -> Tensor:
        """x_i - log sum_j e^(x_j) along `axis`, computed as (x - max) - log sum e^(x - max).

        vjp(g) = g - softmax(x) * sum(g)."""
        _check_axis("log_softmax", axis, self.shape)
        shifted = self.data - self.data.max(axis=axis, keepdims=True)
        e = np.exp(shifted)
        total = e.sum(axis=axis, keepdims=True)
        s = e / total
        return Tensor._make(shifted - np.log(total), (self,),
                            (lambda g: g - s * g.sum(axis=axis, keepdims=True),), "log_softmax")

    # ---- shape ---------------------------------------------------------------------------

    def reshape(self, *shape: Any) -> Tensor:
        """Same data, new shape.   vjp(g) = g reshaped back."""
        old = self.data.shape
        new = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        try:
            out = self.data.reshape(new)
        except ValueError:
            raise ValueError(f"reshape: cannot reshape {old} ({self.data.size} elements) into {tuple(new)}") from None
        return Tensor._make(out, (self,), (lambda g: g.reshape(old),), "reshape")

    def transpose(self, *axes: Any) -> Tensor:
        """Permute the axes (reverse them if none given).   vjp(g) = g permuted back."""
        axes = axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
        ndim = self.data.ndim
        axes = tuple(axes) if axes else tuple(reversed(range(ndim)))
        normalized = [a + ndim if isinstance(a, (int, np.integer)) and a < 0 else a for a in axes]
        if len(axes) != ndim or set(normalized) != set(range(ndim)):
            raise ValueError(f"transpose: axes {axes} are not a permutation of the {ndim} axes of {self.shape}")
        inverse = tuple(np.argsort(normalized))
        return Tensor._make(self.data.transpose(axes), (self,), (lambda g: g.transpose(inverse),), "transpose")

    @property
    def T(self) -> Tensor:
        return self.transpose()

    def __getitem__(self, index: Any) -> Tensor:
        """x[index] (slices, integers, integer arrays, masks).   vjp(g) = zeros with g added at `index`
        (added, not assigned, so an element picked twice gets both gradients)."""
        x = self.data
        if isinstance(index, Tensor):
            index = index.data.astype(np.intp)
        elif isinstance(index, tuple):
            index = tuple(i.data.astype(np.intp) if isinstance(i, Tensor) else i for i in index)
        try:
            out = x[index]
        except (IndexError, TypeError) as err:
            raise IndexError(f"index into a tensor of shape {x.shape}: {err}") from None

        def vjp(g: Array) -> Array:
            full = np.zeros_like(x)
            np.add.at(full, index, g)
            return full

        return Tensor._make(np.array(out), (self,), (vjp,), "index")


# ---- functions of several tensors ---------------------------------------------------------

def linear(x: Tensor, weight: Tensor, bias: Tensor) -> Tensor:
    """x @ W + b as one node: a dense layer, samples as rows, W of shape (n_in, n_out), b of shape (n_out,).

        vjp_x(g) = g @ W^T,   vjp_W(g) = x^T @ g,   vjp_b(g) = g summed over the rows.

    These are the layer's hand-derived delta rule (g is the layer's delta), and the same gradients
    that `x @ W + b` gets from its two nodes; one node is cheaper, and draws as the layer it is
    (as PyTorch's `addmm`). Other shapes or mixed dtypes are computed as `x @ W + b`."""
    x = x if isinstance(x, Tensor) else Tensor(x)
    weight = weight if isinstance(weight, Tensor) else Tensor(weight)
    bias = bias if isinstance(bias, Tensor) else Tensor(bias)
    X, W, b = x.data, weight.data, bias.data
    if not (X.ndim == 2 and W.ndim == 2 and X.shape[1] == W.shape[0] and b.shape == W.shape[1:]
            and X.dtype == W.dtype == b.dtype):
        return x @ weight + bias
    out = X.dot(W)  # (as in `@`: ndarray.dot is the same product, and cheaper to call on small matrices)
    out += b  # in place: `out` is a new array
    return Tensor._make(out, (x, weight, bias),
                        (lambda g: g.dot(W.T), lambda g: X.T.dot(g), _column_sums), "linear")


def _column_sums(g: Array) -> Array:
    """g summed over its rows, as ones @ g: the same sum (in another order), and on small matrices
    BLAS's matrix-vector product is several times cheaper to call than numpy's reduction."""
    return _ones(len(g), g.dtype).dot(g)


@lru_cache(maxsize=16)
def _ones(n: int, dtype: np.dtype) -> Array:
    ones = np.ones(n, dtype)
    ones.flags.writeable = False  # shared by every call
    return ones


def concatenate(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis.   Each input's vjp is its slice of g."""
    tensors = tuple(t if isinstance(t, Tensor) else Tensor(t) for t in tensors)
    try:
        out = np.concatenate([t.data for t in tensors], axis=axis)
    except (ValueError, np.exceptions.AxisError) as err:
        raise ValueError(f"concatenate: shapes {[t.shape for t in tensors]} along axis {axis}: {err}") from None
    bounds = np.cumsum([t.shape[axis] for t in tensors])[:-1]
    return Tensor._make(out, tensors, tuple(lambda g, i=i: np.split(g, bounds, axis=axis)[i]
                                            for i in range(len(tensors))), "concatenate")


def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join same-shaped tensors along a new axis.   Each input's vjp is its slice of g."""
    tensors = tuple(t if isinstance(t, Tensor) else Tensor(t) for t in tensors)
    try:
        out = np.stack([t.data for t in tensors], axis=axis)
    except (ValueError, np.exceptions.AxisError) as err:
        raise ValueError(f"stack: shapes {[t.shape for t in tensors]} along axis {axis}: {err}") from None
    return Tensor._make(out, tensors, tuple(lambda g, i=i: np.take(g, i, axis=axis)
                                            for i in range(len(tensors))), "stack")


class Function:
    """A user-defined op: write `forward` and its vector-Jacobian product `backward` side by side.

        class Cube(Function):
            '''x^3.   vjp(g) = 3 x^2 g.'''
            @staticmethod
            def forward(ctx, x):
                ctx.x = x            # ctx is a plain namespace for what backward needs
                return x ** 3
            @staticmethod
            def backward(ctx, g):
                return (3 * ctx.x ** 2 * g,)   # one gradient per input (None for no gradient)

        y = Cube.apply(t)            # t is a Tensor; forward and backward see numpy arrays

    Check a new op with `gradcheck(Cube.apply, [t])`. Non-Tensor extra arguments of `apply`
    are passed to `forward` as they are and get no gradient. `ctx.needs_input_grad` tells
    `backward` which Tensor inputs need a gradient (it may return None for the others).
    """

    @staticmethod
    def forward(ctx: Any, *args: Any) -> Array:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Any, grad: Array) -> tuple:
        raise NotImplementedError

    @classmethod
    def apply(cls, *args: Any) -> Tensor:
        ctx = _Context()
        tensors, arrays, needs_grad = [], [], []
        for a in args:  # (a loop, not three comprehensions: this runs once per op)
            if isinstance(a, Tensor):
                tensors.append(a)
                needs_grad.append(a.requires_grad)
                a = a.data
            arrays.append(a)
        ctx.needs_input_grad = tuple(needs_grad)
        out = cls.forward(ctx, *arrays)
        if type(out) is not np.ndarray:
            out = np.asarray(out)
        if out.dtype.kind != "f":
            raise TypeError(f"{cls.__name__}.forward must return a float array, got dtype {out.dtype}")
        backward = cls.backward
        last: list = [None, ()]  # the last incoming gradient, and the gradients backward made of it

        def vjp_of(i: int) -> Callable[[Array], Array]:
            def vjp(g: Array) -> Array:
                if last[0] is not g:  # backward once per incoming gradient, for all inputs
                    grads = backward(ctx, g)
                    grads = grads if isinstance(grads, tuple) else (grads,)
                    if len(grads) != len(tensors):
                        raise ValueError(f"{cls.__name__}.backward returned {len(grads)} gradients "
                                         f"for {len(tensors)} tensor inputs")
                    last[:] = g, grads
                grad, x = last[1][i], tensors[i].data
                if grad is None:
                    return np.zeros_like(x)
                # A leaf's grad must be its own array (an optimizer may change it in place), and backward
                # may hand back an array it keeps, or one array for two inputs: a leaf gets a copy.
                grad = (np.asarray if tensors[i].parents else np.array)(grad, x.dtype)
                if grad.shape != x.shape:
                    raise ValueError(f"{cls.__name__}.backward: gradient {i} has shape {grad.shape}, "
                                     f"its input has shape {x.shape}")
                return grad
            return vjp

        vjps = [vjp_of(i) if needs else _input_without_grad for i, needs in enumerate(needs_grad)]
        return Tensor._make(out, tuple(tensors), tuple(vjps), cls.__name__)


def _input_without_grad(g: Array) -> Array:
    """The vjp `Function.apply` records for an input that did not require a gradient when it ran."""
    raise RuntimeError("a Function's input was switched to requires_grad=True after its forward pass, which "
                       "therefore did not prepare its gradient; run the forward pass again")


class _Context:
    """Where `Function.forward` leaves what `backward` needs."""


# ---- helpers ------------------------------------------------------------------------------

def _broadcasting(name: str, fn: Callable, x: Array, y: Array) -> Array:
    try:
        return fn(x, y)
    except ValueError:
        raise ValueError(f"{name}: shapes {x.shape} and {y.shape} cannot be broadcast together "
                         f"(numpy pairs axes from the right; each pair must be equal or contain a 1)") from None


def _sigmoid(x: Array) -> Array:
    """1 / (1 + e^-x) = e^-log(1 + e^-x): logaddexp(0, -x) never overflows, and e^-(big) is 0, not nan."""
    return np.exp(-np.logaddexp(0.0, -x))


def _check_axis(name: str, axis: Any, shape: tuple) -> Any:
    """Normalise `axis` to None or a tuple of distinct non-negative ints, with a clear error otherwise."""
    if axis is None:
        return None
    ndim = len(shape)
    axes = axis if isinstance(axis, tuple) else (axis,)
    for a in axes:
        if not isinstance(a, (int, np.integer)):
            raise TypeError(f"{name}: axis must be an int or a tuple of ints, got {axis!r}")
        if not -ndim <= a < ndim:
            raise ValueError(f"{name}: axis {a} is out of range for a tensor of shape {shape} ({ndim} axes)")
    axes = tuple(a % ndim for a in axes)
    if len(set(axes)) != len(axes):
        raise ValueError(f"{name}: axis {axis} names the same axis twice (tensor of shape {shape})")
    return axes


def _keep_dims(g: Array, axis: Any, keepdims: bool) -> Array:
    """Put back the axes a reduction removed, so g broadcasts against the input
    (a reduction over all axes left a single number, which broadcasts as it is)."""
    if keepdims or axis is None:
        return g
    return np.expand_dims(g, axis)


def _matmul_vjp(g: Array, x: Array, y: Array, which: int) -> Array:
    """The vjp of x @ y for vector operands and stacks: vectors become one-row/one-column matrices."""
    x2 = x[None, :] if x.ndim == 1 else x
    y2 = y[:, None] if y.ndim == 1 else y
    g2 = g
    # Column axis first: for vector @ vector, g is 0-d and becomes (1,) then (1, 1).
    if y.ndim == 1:
        g2 = np.expand_dims(g2, -1)
    if x.ndim == 1:
        g2 = np.expand_dims(g2, -2)
    if which == 0:
        d = g2 @ np.swapaxes(y2, -1, -2)
        d = d[..., 0, :] if x.ndim == 1 else d
        return unbroadcast(d, x.shape)
    d = np.swapaxes(x2, -1, -2) @ g2
    d = d[..., 0] if y.ndim == 1 else d
    return unbroadcast(d, y.shape)
