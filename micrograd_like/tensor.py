"""`Tensor`: the same reverse-mode engine as `Value`, over numpy arrays.

An op computes its result and, beside it, one *vector-Jacobian product* per parent: a function
`vjp(g, out, *inputs)` that turns g = d(root)/d(result) into that parent's share of
d(root)/d(parent). Backward is then one rule for every op (`Tensor._chain_rule`):

    parent.grad += vjp(node.grad, node, *node.parents)

In an ordinary backward pass g, out and the inputs are numpy arrays. Under
`backward(create_graph=True)` they are the Tensors themselves, and the same formula, run on
Tensors, records the backward pass as a graph that can be differentiated again. So a VJP is
written with what works on both: arithmetic, `@`/`.dot`, `.T`, `.reshape`, `.transpose`,
`.sum`, indexing, and the few functions in "what the VJPs are written with" below.
Constant factors (masks, indices, shapes) may be computed from the data at forward time.

Broadcasting is undone in one place, `unbroadcast`: an input that numpy stretched to a larger
shape receives the sum of the gradient over the stretched axes.

A VJP receives its node and inputs as arguments and never keeps the result node, so a graph
holds no reference cycles and is freed as soon as its root is dropped.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from numbers import Real
from typing import Any, Callable, Sequence

import numpy as np

from .graph import RECORDING, Node, recording
from .value import Value, decimal_refused

Array = np.ndarray


def unbroadcast(grad: Any, shape: tuple) -> Any:
    """Sum `grad` down to `shape`, undoing numpy broadcasting (an array, or a Tensor under create_graph).

    If x of shape (3,) was broadcast against (4, 3), each x[j] was used 4 times, so its
    gradient is the sum of the 4 gradients: sum over the leading axes numpy added, and over
    every axis where x had length 1.
    """
    if grad.shape == shape:
        return grad
    added = tuple(range(grad.ndim - len(shape)))
    stretched = tuple(len(added) + i for i, n in enumerate(shape) if n == 1 and grad.shape[len(added) + i] != 1)
    if isinstance(grad, Tensor):
        return grad.sum(axis=added + stretched, keepdims=True).reshape(shape) if added + stretched \
            else grad.reshape(shape)
    if not stretched:  # only leading axes added (a bias added to a batch)
        return np.add.reduce(grad, axis=added)
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
    if isinstance(data, Real) and not isinstance(data, (bool, np.generic)):  # a Fraction (numpy: an object)
        data = float(data)
    elif isinstance(data, Decimal):
        raise decimal_refused("Tensor", data)
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
    until a backward pass reaches it; a Tensor after `backward(create_graph=True)`), `parents`
    the Tensors it was computed from, `vjps` one vector-Jacobian product per parent (in a
    `Function`'s node, its joint backward), `op` the operation's name, `label` a name for drawing.
    Only Tensors with `requires_grad` (and what is computed from them) record a graph.

    Changing `data` between a forward pass and its backward pass. The VJPs read the parents'
    arrays at backward time, so a change would silently give the gradient of other numbers. So:
    - `saved` holds the parents' arrays as the forward pass used them: assigning a new array
      (``t.data = other``, or ``t.data = t.data - step``) changes nothing in a graph already built;
    - the array of a leaf with ``requires_grad`` (a parameter: what users and optimizers change)
      whose values the backward pass will read is made read-only while a graph records it
      (`frozen`), so that writing into it, ``t.data[0] = 5`` or ``t.data += 1``, raises numpy's
      "assignment destination is read-only" / "output array is read-only" instead. The backward
      pass makes it writable again as it passes the leaf, so an optimizer's in-place update after
      ``backward()`` works as always. To change such a leaf before its graph's backward pass (or
      after a forward pass never backpropagated), assign a new array (``t.data = t.data + 1``) or
      use a copy. A leaf the backward pass does not read stays writable, since a change to it
      cannot change any gradient: a bias, or a first layer's weight (x W reads W only for x's
      gradient, and a batch of data needs none); each op declares what its backward reads
      (`_make`'s `reads`).
      Not guarded, because each guard costs two numpy flag changes per array per step: constant
      inputs (``requires_grad`` False, such as a batch of data) and interior nodes' arrays; write
      into those only between steps.
    This is PyTorch's rule ("a value needed for the gradient was modified in place") made cheap:
    nothing is copied, and the check is numpy's own write protection.
    """

    __slots__ = ("data", "grad", "parents", "vjps", "op", "label", "scope", "requires_grad", "saved", "frozen")
    NO_GRAD = None
    # numpy must hand `ndarray + Tensor` over to Tensor.__radd__, not loop over the Tensor.
    __array_ufunc__ = None

    def __init__(self, data: Any, requires_grad: bool = False, label: str = "", dtype: Any = None) -> None:
        self.data = _as_array(data, dtype)
        self.grad: Any = None  # an array, or a Tensor after backward(create_graph=True)
        self.parents: tuple = ()
        self.vjps: tuple = ()
        self.op = ""
        self.label = label
        self.scope = RECORDING.scope
        self.requires_grad = bool(requires_grad)
        self.saved: tuple = ()
        self.frozen: Array | None = None

    @staticmethod
    def _make(data: Array, parents: tuple, vjps: Any, op: str, reads: tuple | None = None) -> Tensor:
        """The result of an op: it records its parents only if one of them needs a gradient. `vjps`: one
        VJP per parent, or a Function's `_JointBackward`. `reads`: the inputs whose values (not only
        shapes) the backward pass will read, which are guarded against in-place changes until then;
        None for all of them. (An op whose result may be a view of an input leaves it None: later
        ops read the input through the view.)"""
        out: Tensor = object.__new__(Tensor)
        out.data = data
        out.grad = None
        out.op = op
        out.label = ""
        out.scope = RECORDING.scope
        out.frozen = None
        if not RECORDING.off or recording():
            for parent in parents:
                if parent.requires_grad:
                    out.parents, out.vjps, out.requires_grad = parents, vjps, True
                    # the parents' arrays as this forward pass used them (see the class docstring);
                    # one to three parents spelled out: cheaper than a comprehension
                    n = len(parents)
                    out.saved = ((parents[0].data,) if n == 1 else (parents[0].data, parents[1].data) if n == 2
                                 else (parents[0].data, parents[1].data, parents[2].data) if n == 3
                                 else tuple([p.data for p in parents]))
                    # guard the parameters whose arrays the backward pass reads: read-only until then (`_thaw`)
                    for p in parents if reads is None else reads:
                        if p.frozen is None and not p.parents and p.requires_grad:
                            array = p.data
                            # (an array that is read-only already stays as it is; a view is not guarded,
                            # so that the thawing never fails: see `_thaw`)
                            if array.base is None and array.flags.writeable:
                                array.setflags(False)  # (positional: cheaper than flags.writeable = False)
                                p.frozen = array
                    return out
        out.parents = out.vjps = out.saved = ()
        out.requires_grad = False
        return out

    def _chain_rule(self, create_graph: bool = False) -> None:
        """parent.grad += vjp(grad, out, *inputs) for each parent that needs a gradient: on arrays, or,
        with `create_graph`, on the Tensors themselves (so the step is recorded)."""
        grad = self.grad
        if grad is None:  # nothing flowed here (e.g. a branch that does not reach the root)
            return
        parents, vjps = self.parents, self.vjps
        if type(vjps) is _JointBackward:  # a Function's node
            return vjps.chain_rule(self, grad, create_graph)
        if create_graph:
            for parent, vjp in zip(parents, vjps):
                if parent.requires_grad:
                    _add_recorded_grad(parent, vjp(grad, self, *parents))
                    if parent.frozen is not None:
                        _thaw(parent)
            return
        out, inputs = self.data, self.saved
        n = len(inputs)
        for parent, vjp in zip(parents, vjps):
            if parent.requires_grad:
                frozen = parent.frozen
                if frozen is not None:  # a guarded leaf, past which nothing in this pass reads: `_thaw`
                    parent.frozen = None
                    frozen.setflags(True)
                # (one to three inputs passed one by one: a call with *inputs costs more than many a VJP's work)
                g = (vjp(grad, out, inputs[0]) if n == 1 else vjp(grad, out, inputs[0], inputs[1]) if n == 2
                     else vjp(grad, out, inputs[0], inputs[1], inputs[2]) if n == 3 else vjp(grad, out, *inputs))
                dtype = parent.data.dtype
                if g.dtype is not dtype and g.dtype != dtype:  # (identity first: cheaper, and numpy shares dtypes)
                    g = g.astype(dtype)
                # parent.grad += g, never in place (a sum is a new array). So interior nodes may share one
                # array (x + y hands both its incoming grad; a view of it is fine too), but a leaf's grad is
                # its own array, since users and optimizers change it in place: it gets a copy when the VJP
                # returned the incoming grad itself or a view (reshape, broadcast_to, a slice).
                current = parent.grad
                if current is not None:
                    parent.grad = current + g
                elif parent.parents or (g is not grad and g.base is None):
                    parent.grad = g
                else:
                    parent.grad = g.copy()

    def _seed_grad(self, grad: Any = None, create_graph: bool = False) -> None:
        seed: Any
        if grad is None and self.grad is None and not create_graph and self.data.size == 1:  # the usual case
            self.grad = np.array(1, self.data.dtype) if self.data.ndim == 0 else np.ones_like(self.data)
            return
        if grad is None:
            if self.data.size != 1:
                raise ValueError(f"backward: the output has shape {self.shape}; only a single number can be "
                                 f"differentiated without saying how. Reduce it (e.g. .sum()) or pass "
                                 f"grad= an array of shape {self.shape}")
            seed = np.array(1, self.data.dtype) if self.data.ndim == 0 else np.ones_like(self.data)
        elif isinstance(grad, Tensor) and create_graph:
            seed = grad
        else:
            values = grad.data if isinstance(grad, Tensor) else grad
            if isinstance(values, (str, bytes)) or np.asarray(values).dtype.kind not in "fiub":
                raise TypeError(f"backward: grad must hold real numbers, got {type(values).__name__} "
                                f"{np.asarray(values).dtype if not isinstance(values, (str, bytes)) else 'text'}: "
                                f"{values!r:.80}")
            seed = np.array(values, dtype=self.data.dtype)  # a copy
        if seed.shape != self.shape:
            raise ValueError(f"backward: grad has shape {seed.shape}, but the output has shape {self.shape}")
        if create_graph and not isinstance(seed, Tensor):
            seed = Tensor(seed)
        self.grad = seed if self.grad is None else self.grad + seed

    def _grad_or_zero(self, create_graph: bool) -> Any:
        """This node's grad (zeros where nothing flowed), as a Tensor if the pass recorded one."""
        grad = np.zeros_like(self.data) if self.grad is None else self.grad
        return Tensor(grad) if create_graph and not isinstance(grad, Tensor) else grad

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
        if isinstance(other, Real) and not isinstance(other, (bool, np.generic)):  # a Fraction
            other = float(other)
        elif isinstance(other, Decimal):
            raise decimal_refused("Tensor", other)
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
    # (The VJPs of the core ops are module-level functions, defined once, rather than closures
    # made at every call; those that need a constant of the forward pass close over it.)

    def __add__(self, other: Any) -> Tensor:
        """x + y.   vjp_x(g) = g,  vjp_y(g) = g   (each summed back to its input's shape)."""
        other = self._coerce(other)
        return Tensor._make(_broadcasting("add", np.add, self.data, other.data), (self, other),
                            (_add_vjp_x, _add_vjp_y), "+", reads=())

    def __sub__(self, other: Any) -> Tensor:
        """x - y.   vjp_x(g) = g,  vjp_y(g) = -g."""
        other = self._coerce(other)
        return Tensor._make(_broadcasting("subtract", np.subtract, self.data, other.data), (self, other),
                            (_add_vjp_x, _sub_vjp_y), "-", reads=())

    def __mul__(self, other: Any) -> Tensor:
        """x * y.   vjp_x(g) = g * y,  vjp_y(g) = g * x."""
        other = self._coerce(other)
        return Tensor._make(_broadcasting("multiply", np.multiply, self.data, other.data), (self, other),
                            (_mul_vjp_x, _mul_vjp_y), "*", _read_by_product(self, other))

    def __truediv__(self, other: Any) -> Tensor:
        """x / y.   vjp_x(g) = g / y,  vjp_y(g) = -g x / y^2."""
        other = self._coerce(other)
        return Tensor._make(_broadcasting("divide", np.divide, self.data, other.data), (self, other),
                            (_div_vjp_x, _div_vjp_y), "/")

    def __pow__(self, other: Any) -> Tensor:
        """x ** n (a number):  vjp_x(g) = g n x^(n-1)   (0 for n = 0, even at x = 0).
        x ** y (a Tensor):     vjp_x(g) = g y x^(y-1)   (0 where y = 0, even at x = 0, as in PyTorch),
                               vjp_y(g) = g x^y ln x    (at x = 0: 0 for y >= 0 and -inf for y < 0, as in
                                                          PyTorch; nan where x < 0)."""
        x = self.data
        if isinstance(other, Real) and not isinstance(other, bool):
            n = float(other) if not isinstance(other, (int, float)) else other
            vjp = _zeros_vjp if n == 0 else (lambda g, out, x: g * n * x ** (n - 1))  # (not 0 * 0^-1 = nan)
            return Tensor._make(x ** n, (self,), (vjp,), f"**{n:g}")
        other = self._coerce(other)
        y = other.data
        out = _broadcasting("power", np.power, x, y)
        y_is_zero = y == 0
        positive = x > 0
        # what ln x is taken to be where x <= 0 (PyTorch's convention): at x = 0, 0 for y >= 0 (so that
        # d(0^y)/dy = 0) and -inf for y < 0 (d(0^y)/dy = inf * -inf = -inf); nan for x < 0
        log_x_elsewhere = np.where(x == 0, np.where(y >= 0, 0.0, -np.inf), np.nan)

        def vjp_x(g: Any, out: Any, x: Any, y: Any) -> Any:
            with np.errstate(divide="ignore", invalid="ignore"):  # 0^-1 = inf, masked out by `where`
                return unbroadcast(where(y_is_zero, 0.0, g * y * x ** (y - 1)), x.shape)

        def vjp_y(g: Any, out: Any, x: Any, y: Any) -> Any:
            log_x = where(positive, _log(where(positive, x, 1.0)), log_x_elsewhere)
            return unbroadcast(g * out * log_x, y.shape)

        return Tensor._make(out, (self, other), (vjp_x, vjp_y), "**")

    def __neg__(self) -> Tensor:
        """-x.   vjp(g) = -g."""
        return Tensor._make(-self.data, (self,), (_neg_vjp,), "neg", reads=())

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
            return Tensor._make(x.dot(y), (self, other), (_matmul2_vjp_x, _matmul2_vjp_y), "@",
                                _read_by_product(self, other))
        if x.ndim == 0 or y.ndim == 0:
            raise ValueError(f"matmul: needs arrays with at least one axis, got shapes {x.shape} and {y.shape}")
        inner_y = y.shape[-2] if y.ndim > 1 else y.shape[0]
        if x.shape[-1] != inner_y:
            raise ValueError(f"matmul: shapes {x.shape} and {y.shape} do not align ({x.shape[-1]} != {inner_y})")
        return Tensor._make(_broadcasting("matmul", np.matmul, x, y), (self, other),
                            (_matmul_vjp_x, _matmul_vjp_y), "@", _read_by_product(self, other))

    def __rmatmul__(self, other: Any) -> Tensor:
        return self._coerce(other) @ self

    def dot(self, other: Any) -> Tensor:
        """x @ y (numpy's `ndarray.dot` name, so that a VJP written `g.dot(w.T)` runs on arrays and Tensors)."""
        return self @ other

    # ---- elementwise functions -------------------------------------------------------------

    def exp(self) -> Tensor:
        """e^x.   vjp(g) = g e^x."""
        return Tensor._make(np.exp(self.data), (self,), (_exp_vjp,), "exp", reads=())

    def log(self) -> Tensor:
        """ln x.   vjp(g) = g / x.   (log 0 = -inf and log of a negative = nan, as in numpy, with its warning.)"""
        return Tensor._make(np.log(self.data), (self,), (_log_vjp,), "log")

    def tanh(self) -> Tensor:
        """tanh x.   vjp(g) = g (1 - tanh(x)^2)."""
        return Tensor._make(np.tanh(self.data), (self,), (_tanh_vjp,), "tanh", reads=())

    def sigmoid(self) -> Tensor:
        """s(x) = 1 / (1 + e^-x).   vjp(g) = g s(x) (1 - s(x)).

        Computed as e^-log(1 + e^-x), whose log(1 + e^-x) numpy evaluates without overflow (logaddexp):
        exact to rounding for every x, 0 and 1 at -+1000."""
        return Tensor._make(_sigmoid(self.data), (self,), (_sigmoid_vjp,), "sigmoid", reads=())

    def relu(self) -> Tensor:
        """max(0, x).   vjp(g) = g where x > 0, else 0 (0 at x = 0, as in PyTorch).

        The 0-or-1 factor is computed as sign(max(0, x)): one fast ufunc call, on small arrays and large."""
        # (0.0, not 0: numpy converts a float faster than an int)
        return Tensor._make(np.maximum(self.data, 0.0), (self,), (_relu_vjp,), "ReLU", reads=())

    def softplus(self) -> Tensor:
        """log(1 + e^x), by numpy's logaddexp(0, x), which never overflows.   vjp(g) = g sigmoid(x)."""
        return Tensor._make(np.logaddexp(0.0, self.data), (self,), (_softplus_vjp,), "softplus")

    def clip(self, low: float, high: float) -> Tensor:
        """x limited to [low, high].   vjp(g) = g where low <= x <= high, else 0 (as PyTorch's clamp)."""
        if not low <= high:
            raise ValueError(f"clip: low ({low}) must not be greater than high ({high})")
        x = self.data
        inside = (x >= low) & (x <= high)
        return Tensor._make(np.clip(x, low, high), (self,), (lambda g, out, x: g * inside,), "clip")

    # ---- reductions ------------------------------------------------------------------------

    def sum(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Sum over `axis` (all axes if None).   vjp(g) = g copied back along the summed axes."""
        shape = self.data.shape
        axis = _check_axis("sum", axis, shape)
        kept = _kept_shape(shape, axis)
        return Tensor._make(self.data.sum(axis=axis, keepdims=keepdims), (self,),
                            (lambda g, out, x: _broadcast_to(g.reshape(kept), shape),), "sum", reads=())

    def mean(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Mean over `axis`.   vjp(g) = g / n copied back, n the number of elements averaged."""
        shape = self.data.shape
        axis = _check_axis("mean", axis, shape)
        kept = _kept_shape(shape, axis)
        n = self.data.size if axis is None else int(np.prod([shape[a] for a in axis]))
        return Tensor._make(self.data.mean(axis=axis, keepdims=keepdims), (self,),
                            (lambda g, out, x: _broadcast_to(g.reshape(kept) / n, shape),), "mean", reads=())

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
        return Tensor._make(out, (self,), (lambda g, out, x: share * g.reshape(m.shape),), "max")

    def softmax(self, axis: int = -1) -> Tensor:
        """s_i = e^(x_i) / sum_j e^(x_j) along `axis`.   vjp(g) = s * (g - sum(g * s)).

        Shifted by the max first, so inputs of +-1000 give exact, finite probabilities."""
        _check_axis("softmax", axis, self.shape)
        with np.errstate(over="ignore"):  # x - max is -inf for logits 1e308 apart: e^-inf = 0 is exact
            e = np.exp(self.data - self.data.max(axis=axis, keepdims=True))
        return Tensor._make(e / e.sum(axis=axis, keepdims=True), (self,),
                            (lambda g, s, x: s * (g - (g * s).sum(axis=axis, keepdims=True)),), "softmax")

    def log_softmax(self, axis: int = -1) -> Tensor:
        """x_i - log sum_j e^(x_j) along `axis`, computed as (x - max) - log sum e^(x - max).

        vjp(g) = g - softmax(x) * sum(g), with softmax(x) = e^(log_softmax(x))."""
        _check_axis("log_softmax", axis, self.shape)
        with np.errstate(over="ignore"):  # -inf for logits 1e308 apart: the exact -2e308, rounded
            shifted = self.data - self.data.max(axis=axis, keepdims=True)
        return Tensor._make(shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True)), (self,),
                            (lambda g, out, x: g - _exp(out) * g.sum(axis=axis, keepdims=True),), "log_softmax")

    # ---- more reductions, elementwise sqrt/abs, comparisons (issue 15: what a course's layers need) --

    def sqrt(self) -> Tensor:
        """sqrt(x).   vjp(g) = g / (2 sqrt(x))   (inf at x = 0, as in PyTorch)."""
        with np.errstate(divide="ignore"):
            return Tensor._make(np.sqrt(self.data), (self,), (lambda g, out, x: g / (2 * out),), "sqrt")

    def abs(self) -> Tensor:
        """|x|.   vjp(g) = g sign(x)   (0 at x = 0, as in PyTorch)."""
        sign = np.sign(self.data)
        return Tensor._make(np.abs(self.data), (self,), (lambda g, out, x: g * sign,), "abs")

    def min(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Min over `axis` = -max(-x).   vjp(g) = g at the position of the minimum (shared among ties)."""
        return -((-self).max(axis=axis, keepdims=keepdims))

    def var(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Population variance over `axis`, mean((x - mean(x))^2) (numpy's default; PyTorch's unbiased=False).
        Composed of mean, - and *, so   vjp(g) = g 2 (x - mean(x)) / n."""
        centred = self - self.mean(axis=axis, keepdims=True)
        return (centred * centred).mean(axis=axis, keepdims=keepdims)

    def std(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Population standard deviation, sqrt(var(x)).   vjp(g) = g (x - mean(x)) / (n std(x))."""
        return self.var(axis=axis, keepdims=keepdims).sqrt()

    def argmax(self, axis: int | None = None) -> Array:
        """The index of the largest element along `axis` (of the flattened tensor if None): a plain
        integer array, not part of any graph (an index has no gradient)."""
        if axis is not None:
            _check_axis("argmax", axis, self.shape)
        return np.asarray(np.argmax(self.data, axis=axis))

    def _compare(self, other: Any, fn: Callable, name: str) -> Tensor:
        other = other.data if isinstance(other, Tensor) else self._coerce(other).data
        return Tensor(_broadcasting(name, fn, self.data, other).astype(self.data.dtype))

    def __lt__(self, other: Any) -> Tensor:
        """x < y as 0.0/1.0 (a Tensor of x's dtype with no gradient: a step function's derivative is 0)."""
        return self._compare(other, np.less, "<")

    def __le__(self, other: Any) -> Tensor:
        """x <= y as 0.0/1.0, no gradient."""
        return self._compare(other, np.less_equal, "<=")

    def __gt__(self, other: Any) -> Tensor:
        """x > y as 0.0/1.0, no gradient."""
        return self._compare(other, np.greater, ">")

    def __ge__(self, other: Any) -> Tensor:
        """x >= y as 0.0/1.0, no gradient."""
        return self._compare(other, np.greater_equal, ">=")

    # ---- shape ---------------------------------------------------------------------------

    def reshape(self, *shape: Any) -> Tensor:
        """Same data, new shape.   vjp(g) = g reshaped back."""
        old = self.data.shape
        new = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        try:
            out = self.data.reshape(new)
        except (ValueError, TypeError):
            raise ValueError(f"reshape: cannot reshape {old} ({self.data.size} elements) into {tuple(new)}") from None
        return Tensor._make(out, (self,), (_reshape_vjp,), "reshape")

    def broadcast_to(self, shape: Sequence[int]) -> Tensor:
        """x repeated along new leading axes and axes of length 1, as numpy's broadcast_to.
        vjp(g) = g summed back to x's shape (`unbroadcast`)."""
        shape = tuple(shape)
        try:
            out = np.broadcast_to(self.data, shape)
        except ValueError:
            raise ValueError(f"broadcast_to: cannot broadcast shape {self.shape} to {shape}") from None
        return Tensor._make(out, (self,), (_add_vjp_x,), "broadcast_to")

    def transpose(self, *axes: Any) -> Tensor:
        """Permute the axes (reverse them if none given).   vjp(g) = g permuted back."""
        given = axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
        ndim = self.data.ndim
        axes = tuple(given) if given else tuple(reversed(range(ndim)))
        normalized = [a + ndim if isinstance(a, (int, np.integer)) and a < 0 else a for a in axes]
        if len(axes) != ndim or set(normalized) != set(range(ndim)):
            raise ValueError(f"transpose: axes {axes} are not a permutation of the {ndim} axes of {self.shape}")
        inverse = tuple(int(i) for i in np.argsort(normalized))
        return Tensor._make(self.data.transpose(axes), (self,), (lambda g, out, x: g.transpose(inverse),),
                            "transpose")

    @property
    def T(self) -> Tensor:
        return self.transpose()

    def __getitem__(self, index: Any) -> Tensor:
        """x[index] (slices, integers, integer arrays, boolean masks), as numpy selects.
        vjp(g) = zeros with g added at `index` (added, not assigned, so an element picked twice gets both)."""
        x = self.data
        try:
            index = _index(index)
            out = x[index]
        except (IndexError, TypeError) as err:
            raise IndexError(f"index into a tensor of shape {x.shape}: {err}") from None
        return Tensor._make(np.array(out), (self,), (lambda g, out, x: _index_add(g, index, x.shape),), "index")


# ---- functions of several tensors ---------------------------------------------------------

def linear(x: Tensor, weight: Tensor, bias: Tensor) -> Tensor:
    """x @ W + b as one node: a dense layer, samples as rows, W of shape (n_in, n_out), b of shape (n_out,).

        vjp_x(g) = g @ W^T,   vjp_W(g) = x^T @ g,   vjp_b(g) = g summed over the rows.

    The same gradients that `x @ W + b` gets from its two nodes (a test checks it); one node is
    cheaper, and draws as the layer it is (as PyTorch's `addmm`). Other shapes or mixed dtypes
    are computed as `x @ W + b`."""
    x = x if isinstance(x, Tensor) else Tensor(x)
    weight = weight if isinstance(weight, Tensor) else Tensor(weight)
    bias = bias if isinstance(bias, Tensor) else Tensor(bias)
    X, W, b = x.data, weight.data, bias.data
    if not (X.ndim == 2 and W.ndim == 2 and X.shape[1] == W.shape[0] and b.shape == W.shape[1:]
            and X.dtype == W.dtype == b.dtype):
        return x @ weight + bias
    out = X.dot(W)  # (as in `@`: ndarray.dot is the same product, and cheaper to call on small matrices)
    out += b  # in place: `out` is a new array
    return Tensor._make(out, (x, weight, bias), (_linear_vjp_x, _linear_vjp_w, _linear_vjp_b), "linear",
                        _read_by_product(x, weight))


def where(condition: Any, a: Any, b: Any) -> Any:
    """a where `condition` is true, else b (elementwise, broadcasting, as numpy's where).

    vjp_a(g) = g where the condition holds, else 0;   vjp_b(g) = the rest. The condition is a
    constant: a boolean array, or a Tensor of 0.0/1.0 (as comparisons give), with no gradient.
    With neither a nor b a Tensor, the result is a plain array (as a VJP needs on arrays)."""
    mask = _condition(condition)
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        return np.where(mask, a, b)
    a = a if isinstance(a, Tensor) else (b._coerce(a) if isinstance(b, Tensor) else Tensor(a))
    b = b if isinstance(b, Tensor) else a._coerce(b)
    try:
        out = np.where(mask, a.data, b.data)
    except ValueError:
        raise ValueError(f"where: shapes {mask.shape}, {a.shape} and {b.shape} cannot be broadcast together") from None
    return Tensor._make(out, (a, b), (lambda g, out, a, b: unbroadcast(where(mask, g, 0.0), a.shape),
                                      lambda g, out, a, b: unbroadcast(where(mask, 0.0, g), b.shape)), "where")


def maximum(a: Any, b: Any) -> Tensor:
    """The elementwise larger of a and b (broadcasting), as numpy's and PyTorch's `maximum`.

    vjp_a(g) = g where a > b,  vjp_b(g) = g where b > a;  where they tie, each gets g / 2 (PyTorch's rule)."""
    return _pick_larger("maximum", a, b, np.maximum, np.greater)


def minimum(a: Any, b: Any) -> Tensor:
    """The elementwise smaller of a and b (broadcasting).   vjp_a(g) = g where a < b, vjp_b(g) = g
    where b < a; where they tie, each gets g / 2 (PyTorch's rule)."""
    return _pick_larger("minimum", a, b, np.minimum, np.less)


def _pick_larger(name: str, a: Any, b: Any, fn: Callable, wins: Callable) -> Tensor:
    """max/min of a and b: `wins(a, b)` says where a is picked; ties share g equally."""
    a = a if isinstance(a, Tensor) else (b._coerce(a) if isinstance(b, Tensor) else Tensor(a))
    b = a._coerce(b)
    out = _broadcasting(name, fn, a.data, b.data)
    share_a = wins(a.data, b.data) + 0.5 * (a.data == b.data)  # a constant factor, 1, 1/2 or 0
    return Tensor._make(out, (a, b), (lambda g, out, a, b: unbroadcast(g * share_a, a.shape),
                                      lambda g, out, a, b: unbroadcast(g * (1.0 - share_a), b.shape)), name)


def concatenate(tensors: Sequence[Tensor], axis: int | None = 0) -> Tensor:
    """Join tensors along an existing axis (axis=None: flatten them first, as numpy).
    Each input's vjp is its slice of g."""
    tensors = tuple(t if isinstance(t, Tensor) else Tensor(t) for t in tensors)
    if not tensors:
        raise ValueError("concatenate: needs at least one tensor")
    if axis is None:
        return concatenate([t.reshape(-1) for t in tensors], axis=0)
    try:
        out = np.concatenate([t.data for t in tensors], axis=axis)
    except (ValueError, TypeError, np.exceptions.AxisError) as err:
        raise ValueError(f"concatenate: shapes {[t.shape for t in tensors]} along axis {axis}: {err}") from None
    axis = axis % out.ndim
    ends = np.cumsum([t.shape[axis] for t in tensors])
    slices = [(slice(None),) * axis + (slice(int(end - t.shape[axis]), int(end)),) for t, end in zip(tensors, ends)]
    return Tensor._make(out, tensors, tuple(lambda g, out, *xs, i=i: g[i] for i in slices), "concatenate")


def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join same-shaped tensors along a new axis.   Each input's vjp is its slice of g."""
    tensors = tuple(t if isinstance(t, Tensor) else Tensor(t) for t in tensors)
    if not tensors:
        raise ValueError("stack: needs at least one tensor")
    try:
        out = np.stack([t.data for t in tensors], axis=axis)
    except (ValueError, TypeError, np.exceptions.AxisError) as err:
        raise ValueError(f"stack: shapes {[t.shape for t in tensors]} along axis {axis}: {err}") from None
    axis = axis % out.ndim
    picks = [(slice(None),) * axis + (i,) for i in range(len(tensors))]
    return Tensor._make(out, tensors, tuple(lambda g, out, *xs, i=i: g[i] for i in picks), "stack")


def _index_add(g: Any, index: Any, shape: tuple) -> Any:
    """Zeros of `shape` with g added at `index`: the vjp of indexing (and indexing is its vjp)."""
    if not isinstance(g, Tensor):
        full = np.zeros(shape, g.dtype)
        np.add.at(full, index, g)
        return full
    return Tensor._make(_index_add(g.data, index, shape), (g,), (lambda gg, out, g: gg[index],), "index_add")


class Function:
    """A user-defined op: write `forward` and its vector-Jacobian product `backward` side by side.

        class Cube(Function):
            '''x^3.   vjp(g) = 3 x^2 g.'''
            differentiable_backward = True   # backward uses only ctx.inputs / ctx.output and ops
            @staticmethod
            def forward(ctx, x):
                return x ** 3
            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.inputs
                return (3 * x ** 2 * g,)   # one gradient per Tensor input (None for no gradient)

        y = Cube.apply(t)            # t is a Tensor; forward sees numpy arrays

    `forward(ctx, *args)` gets each Tensor argument's array (other arguments as they are) and may
    keep what backward needs on `ctx`. `backward(ctx, g)` returns one gradient per Tensor input
    (None for no gradient; `ctx.needs_input_grad` tells which inputs need one). `ctx.inputs` and
    `ctx.output` are the Tensor inputs and the output: numpy arrays in an ordinary backward pass,
    and the Tensors themselves under `backward(create_graph=True)`. A backward written only with
    those and with ops that work on arrays and Tensors alike (arithmetic, `@`, `.T`, `.sum`,
    `.reshape`) has derivatives of its own: declare `differentiable_backward = True`. Otherwise a
    create_graph pass raises, rather than silently treating the gradient as a constant. Check a
    new op with `gradcheck` (and `gradgradcheck`).
    """

    differentiable_backward = False

    @staticmethod
    def forward(ctx: Any, *args: Any) -> Array:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Any, grad: Array) -> tuple:
        raise NotImplementedError

    @classmethod
    def apply(cls, *args: Any) -> Tensor:
        ctx = _Context()
        tensors, arrays, needs = [], [], []
        for a in args:  # (a loop, not comprehensions: this runs once per op)
            if isinstance(a, Tensor):
                tensors.append(a)
                needs.append(a.requires_grad)
                a = a.data
            arrays.append(a)
        ctx.needs_input_grad = tuple(needs)
        out = cls.forward(ctx, *arrays)
        if type(out) is not np.ndarray:
            out = np.asarray(out)
        if out.dtype.kind != "f":
            raise TypeError(f"{cls.__name__}.forward must return a float array, got dtype {out.dtype}")
        return Tensor._make(out, tuple(tensors), _JointBackward(cls, ctx), cls.__name__)


class _JointBackward:
    """What a `Function`'s node holds in place of one VJP per input: its backward, one call of which gives
    every input's gradient (a joint VJP). (The node stays a plain Tensor, so that the walk and `_make`
    see one kind of node.)"""

    __slots__ = ("function", "ctx")

    def __init__(self, function: type[Function], ctx: _Context) -> None:
        self.function, self.ctx = function, ctx

    def chain_rule(self, node: Tensor, grad: Any, create_graph: bool) -> None:
        """`Tensor._chain_rule` for a Function's node: one call of its backward for all of its inputs."""
        parents, cls, ctx = node.parents, self.function, self.ctx
        if create_graph and not cls.differentiable_backward:
            raise RuntimeError(f"{cls.__name__}.backward works on arrays only, so backward(create_graph=True) "
                               f"cannot differentiate it again. Write it with ctx.inputs / ctx.output and ops "
                               f"that work on Tensors too, and set differentiable_backward = True")
        ctx.inputs, ctx.output = (parents, node) if create_graph else (node.saved, node.data)
        try:
            grads = cls.backward(ctx, grad)
        finally:
            ctx.inputs = ctx.output = None  # the pass's arrays (or Tensors) are not kept
        grads = grads if isinstance(grads, tuple) else (grads,)
        if len(grads) != len(parents):
            raise ValueError(f"{cls.__name__}.backward returned {len(grads)} gradients "
                             f"for {len(parents)} tensor inputs")
        for i, (parent, g, prepared) in enumerate(zip(parents, grads, ctx.needs_input_grad)):
            if parent.frozen is not None:
                _thaw(parent)
            if not parent.requires_grad:
                continue
            if not prepared:
                raise RuntimeError(f"input {i} of {cls.__name__} was switched to requires_grad=True after its "
                                   f"forward pass, which therefore did not prepare its gradient; run it again")
            data = parent.data
            if g is None:  # no gradient: zeros
                g = np.zeros_like(data)
            if not create_graph:
                # backward may hand back an array it keeps, or one array for two inputs: a leaf gets a copy
                # of its own (the sharing rule of `Tensor._chain_rule`)
                g = (np.asarray if parent.parents else np.array)(g, data.dtype)
            if g.shape != data.shape:
                raise ValueError(f"{cls.__name__}.backward: gradient {i} has shape {g.shape}, "
                                 f"its input has shape {data.shape}")
            if create_graph:
                _add_recorded_grad(parent, g)
            else:
                parent.grad = g if parent.grad is None else parent.grad + g


class _Context:
    """Where `Function.forward` leaves what `backward` needs (any attribute may be set on it)."""

    needs_input_grad: tuple
    inputs: Any
    output: Any


# ---- guarding the leaves' arrays between forward and backward (see Tensor's docstring) ----------
# `_make` makes a parameter's array read-only (and remembers it in `frozen`) when a graph records an op
# whose backward pass reads it; the chain-rule step that passes the parameter makes it writable again.

def _read_by_product(x: Tensor, y: Tensor) -> tuple:
    """What the backward pass of a product (x * y, x @ y, a layer's x W) reads: y to give x its gradient, and
    x to give y its own. So the weight of a first layer, whose input needs no gradient, is not read."""
    return ((y,) if x.requires_grad else ()) + ((x,) if y.requires_grad else ())


def _thaw(leaf: Tensor) -> None:
    """Writable again, once a backward pass has gone past the leaf (`Tensor._chain_rule` does the same
    inline). Only arrays that own their memory are frozen, so making one writable again never fails."""
    array, leaf.frozen = leaf.frozen, None
    array.setflags(True)  # type: ignore[union-attr, call-arg]  # (numpy's stubs: keyword only)


# ---- accumulating gradients under create_graph ------------------------------------------

def _add_recorded_grad(parent: Tensor, g: Any) -> None:
    """parent.grad += g under create_graph: a recorded sum of Tensors (which are never changed in place)."""
    g = g if isinstance(g, Tensor) else Tensor(g)
    parent.grad = g if parent.grad is None else parent.grad + g


# ---- the VJPs of the core ops, and what they are written with -----------------------------
# Each runs on arrays (an ordinary backward pass) and on Tensors (create_graph): g is the
# gradient flowing in, out the op's result, then its inputs.

def _add_vjp_x(g: Any, out: Any, x: Any, y: Any = None) -> Any:
    return unbroadcast(g, x.shape)


def _add_vjp_y(g: Any, out: Any, x: Any, y: Any) -> Any:
    return unbroadcast(g, y.shape)


def _sub_vjp_y(g: Any, out: Any, x: Any, y: Any) -> Any:
    return -unbroadcast(g, y.shape)


def _mul_vjp_x(g: Any, out: Any, x: Any, y: Any) -> Any:
    return unbroadcast(g * y, x.shape)


def _mul_vjp_y(g: Any, out: Any, x: Any, y: Any) -> Any:
    return unbroadcast(g * x, y.shape)


def _div_vjp_x(g: Any, out: Any, x: Any, y: Any) -> Any:
    return unbroadcast(g / y, x.shape)


def _div_vjp_y(g: Any, out: Any, x: Any, y: Any) -> Any:
    return unbroadcast(-g * x / (y * y), y.shape)


def _neg_vjp(g: Any, out: Any, x: Any) -> Any:
    return -g


def _zeros_vjp(g: Any, out: Any, x: Any) -> Any:
    return _zeros_like(x)


def _matmul2_vjp_x(g: Any, out: Any, x: Any, y: Any) -> Any:
    return g.dot(y.T)


def _matmul2_vjp_y(g: Any, out: Any, x: Any, y: Any) -> Any:
    return x.T.dot(g)


def _matmul_vjp_x(g: Any, out: Any, x: Any, y: Any) -> Any:
    """x @ y with vectors or stacks: a vector operand is a one-row (x) or one-column (y) matrix."""
    x2, y2, g2 = _as_matrices(g, x, y)
    d = g2 @ _swap_last_two(y2)
    return unbroadcast(d.reshape(d.shape[:-2] + d.shape[-1:]) if x.ndim == 1 else d, x.shape)


def _matmul_vjp_y(g: Any, out: Any, x: Any, y: Any) -> Any:
    x2, y2, g2 = _as_matrices(g, x, y)
    d = _swap_last_two(x2) @ g2
    return unbroadcast(d.reshape(d.shape[:-1]) if y.ndim == 1 else d, y.shape)


def _as_matrices(g: Any, x: Any, y: Any) -> tuple:
    x2 = x.reshape((1,) + x.shape) if x.ndim == 1 else x
    y2 = y.reshape(y.shape + (1,)) if y.ndim == 1 else y
    g_shape = g.shape
    if y.ndim == 1:  # column axis first: for vector @ vector, g is 0-d and becomes (1,) then (1, 1)
        g_shape = g_shape + (1,)
    if x.ndim == 1:
        g_shape = g_shape[:-1] + (1,) + g_shape[-1:]
    return x2, y2, g.reshape(g_shape)


def _swap_last_two(a: Any) -> Any:
    axes = tuple(range(a.ndim - 2)) + (a.ndim - 1, a.ndim - 2)
    return a.transpose(axes)


def _linear_vjp_x(g: Any, out: Any, x: Any, w: Any, b: Any) -> Any:
    return g.dot(w.T)


def _linear_vjp_w(g: Any, out: Any, x: Any, w: Any, b: Any) -> Any:
    return x.T.dot(g)


def _linear_vjp_b(g: Any, out: Any, x: Any, w: Any, b: Any) -> Any:
    """g summed over its rows; on arrays as ones @ g: the same sum (in another order), and on small
    matrices BLAS's matrix-vector product is several times cheaper to call than numpy's reduction."""
    return _ones(len(g), g.dtype).dot(g) if type(g) is np.ndarray else g.sum(axis=0)


def _exp_vjp(g: Any, out: Any, x: Any) -> Any:
    return g * out


def _log_vjp(g: Any, out: Any, x: Any) -> Any:
    return g / x


def _tanh_vjp(g: Any, out: Any, x: Any) -> Any:
    return g * (1 - out * out)


def _sigmoid_vjp(g: Any, out: Any, x: Any) -> Any:
    return g * (out - out * out)


def _relu_vjp(g: Any, out: Any, x: Any) -> Any:
    if type(out) is not np.ndarray:  # create_graph: the 0/1 factor is a constant
        return g * np.sign(out.data)
    # on large arrays a boolean mask is faster than sign (on small ones slower)
    return g * (out > 0) if out.size > 4096 else g * np.sign(out)


def _softplus_vjp(g: Any, out: Any, x: Any) -> Any:
    return g * (x.sigmoid() if isinstance(x, Tensor) else _sigmoid(x))


def _reshape_vjp(g: Any, out: Any, x: Any) -> Any:
    return g.reshape(x.shape)


@lru_cache(maxsize=16)
def _ones(n: int, dtype: np.dtype) -> Array:
    ones = np.ones(n, dtype)
    ones.flags.writeable = False  # shared by every call
    return ones


def _exp(a: Any) -> Any:
    return a.exp() if isinstance(a, Tensor) else np.exp(a)


def _log(a: Any) -> Any:
    return a.log() if isinstance(a, Tensor) else np.log(a)


def _zeros_like(a: Any) -> Any:
    return Tensor(np.zeros_like(a.data)) if isinstance(a, Tensor) else np.zeros_like(a)


def _broadcast_to(a: Any, shape: tuple) -> Any:
    return a.broadcast_to(shape) if isinstance(a, Tensor) else np.broadcast_to(a, shape)


def _kept_shape(shape: tuple, axis: Any) -> tuple:
    """The shape a reduction over `axis` leaves with keepdims=True."""
    return tuple(1 if axis is None or i in axis else n for i, n in enumerate(shape))


def _condition(condition: Any) -> Array:
    """`where`'s condition as a boolean array (a Tensor's nonzero elements are true)."""
    mask = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    return mask if mask.dtype == bool else mask != 0


def _index(index: Any) -> Any:
    """An index as numpy takes it: Tensors become their arrays (booleans stay masks); float arrays are refused."""
    if isinstance(index, tuple):
        return tuple(_index(i) for i in index)
    if isinstance(index, list):
        index = np.asarray(index)
        if index.dtype == object:
            raise IndexError("index: a ragged list cannot index a tensor; use an integer array, a mask or a tuple")
    if isinstance(index, Tensor):
        index = index.data
    if isinstance(index, np.ndarray):
        if index.dtype.kind == "f":
            raise IndexError(f"index: a float array ({index.dtype}) cannot index a tensor; use integers, or a "
                             f"boolean mask (a comparison's 0.0/1.0 Tensor as a mask: t.data.astype(bool))")
        if index.dtype.kind not in "biu":
            raise IndexError(f"index: an array of dtype {index.dtype} cannot index a tensor; use integers or a mask")
    return index


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
    if ndim == 0 and isinstance(axis, (int, np.integer)) and axis in (0, -1):
        return None  # numpy's sum and max (and PyTorch) let axis 0 or -1 name the one element of a 0-d array
    for a in axes:
        if not isinstance(a, (int, np.integer)):
            raise TypeError(f"{name}: axis must be an int or a tuple of ints, got {axis!r}")
        if not -ndim <= a < ndim:
            raise ValueError(f"{name}: axis {a} is out of range for a tensor of shape {shape} ({ndim} axes)")
    axes = tuple(a % ndim for a in axes)
    if len(set(axes)) != len(axes):
        raise ValueError(f"{name}: axis {axis} names the same axis twice (tensor of shape {shape})")
    return axes
