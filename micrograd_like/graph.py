"""The computation graph and its one backward walk, shared by `Value` and `Tensor`.

The node protocol: everything below is written in terms of these names only, so the walk
knows nothing about any particular op. Every node (a `Value` or a `Tensor`) has

- ``data``       its value, computed by the forward pass (a float, or a numpy array);
- ``grad``       d(root)/d(node) after a backward pass: a number / an array, or, after
                 ``backward(create_graph=True)``, a node of the same kind that records how it
                 was computed (so it can be differentiated again);
- ``parents``    the nodes it was computed from (an empty tuple for a leaf);
- ``op``         the name of the operation that made it ("" for a leaf);
- ``label``      a name for drawing ("" if none);
- ``scope``      the names of the modules whose forward pass created it (for drawing);
- ``NO_GRAD``    (class attribute) what ``grad`` holds before anything flowed into it;

and two methods:

- ``_seed_grad(grad, create_graph)``  start a pass at this node: add d(root)/d(root) (1, or
                                      the given ``grad``) into its ``grad``;
- ``_chain_rule(create_graph)``       the local step of the chain rule: add this node's
                                      contribution, (local derivative) x ``grad``, into each
                                      parent's ``grad``. With ``create_graph`` the step is
                                      computed with recorded ops, on nodes instead of numbers.
"""

from __future__ import annotations

from contextlib import ContextDecorator, contextmanager, nullcontext
from threading import get_ident
from typing import Any, Iterator, Sequence


class _Recording:
    """Which threads are inside `no_grad()`, and the current module scope.

    `off` maps a thread's id to how many `no_grad()` blocks it is inside. While it is empty (no
    thread inside `no_grad()`) every op records, and testing that is all an op pays
    (`not RECORDING.off`); otherwise `recording()` looks its own thread up, so `no_grad()` in one
    thread never switches off another's graph. Each thread changes only its own entry, so no lock
    is needed.
    """

    __slots__ = ("off", "scope")

    def __init__(self) -> None:
        self.off: dict[int, int] = {}
        self.scope: tuple[str, ...] = ()


RECORDING = _Recording()


def recording() -> bool:
    """True if ops in this thread record a graph (the test an op makes, fast path first)."""
    return not RECORDING.off or get_ident() not in RECORDING.off


def is_grad_enabled() -> bool:
    """True unless this thread is inside `no_grad()`."""
    return recording()


class no_grad(ContextDecorator):
    """Inside this block, ops compute their data but record no graph (no parents, nothing to backprop).

    Use it for evaluation, and for parameter updates that must not become part of the graph.
    Also a decorator: under `@no_grad()` a whole function runs without recording. It affects only
    the thread that enters it, and may be nested (a decorated function may call itself).
    (A class rather than a generator-based context manager, because a training loop enters it at
    every step.)
    """

    def __enter__(self) -> None:
        off, thread = RECORDING.off, get_ident()
        off[thread] = off.get(thread, 0) + 1

    def __exit__(self, *exc_info: object) -> None:
        off, thread = RECORDING.off, get_ident()
        depth = off[thread] - 1
        if depth:
            off[thread] = depth
        else:
            del off[thread]


class _enable_grad(ContextDecorator):
    """Record in this thread even inside `no_grad()`: a create_graph pass records the backward pass."""

    def __enter__(self) -> None:
        self._depth = RECORDING.off.pop(get_ident(), 0)

    def __exit__(self, *exc_info: object) -> None:
        if self._depth:
            RECORDING.off[get_ident()] = self._depth


@contextmanager
def scope(name: str) -> Iterator[None]:
    """Tag every node created inside this block with `name` (nested blocks give a path of names).

    `nn.Module` wraps its forward pass in one, so that `draw_dot` can group a network's graph by layer.
    """
    previous = RECORDING.scope
    RECORDING.scope = previous + (name,)
    try:
        yield
    finally:
        RECORDING.scope = previous


def topological_order(root: Any) -> list:
    """All nodes that `root` depends on, each listed after all of its parents (root last).

    Iterative depth-first search, so a graph of any depth (a chain of a million nodes) is fine.
    A node reached along several paths appears once.
    """
    return _depth_first(root, clear_interior_grads=False, leaves=True)


def _depth_first(root: Any, clear_interior_grads: bool, leaves: bool) -> list:
    """`topological_order`. A backward pass also clears interior grads here, where each node's parents
    are looked up anyway (rather than in a second walk), and may leave out the leaves, which have no
    chain-rule step to take."""
    order: list = []
    visited: set = set()
    stack: list = [root]
    push, pop, emit = stack.append, stack.pop, _EMIT  # (bound once: this loop runs once per node)
    while stack:
        node = pop()
        if node is emit:  # every parent of the node below this marker has been emitted by now
            order.append(pop())
        elif node not in visited:
            visited.add(node)
            parents = node.parents
            if parents:
                if clear_interior_grads:
                    node.grad = node.NO_GRAD
                push(node)
                push(emit)
                for parent in parents:
                    if parent not in visited:
                        push(parent)
            elif leaves:
                order.append(node)
    return order


_EMIT = object()


def backward_steps(root: Any, grad: Any = None, create_graph: bool = False) -> Iterator[Any]:
    """Backpropagate from `root` one node at a time, yielding each node after its chain-rule step.

    Nodes come in reverse topological order, so when a node is yielded its own `grad` is final
    and has just been added into its parents' `grad`. Seeds d(root)/d(root) = 1 (or `grad`).

    Gradients accumulate: a node reached along several paths sums the contributions of all of
    them, and a leaf's `grad` keeps adding up over repeated backward passes until it is zeroed
    (`zero_grad()`). Interior nodes start each pass from zero, so they hold this pass's gradient.
    With `create_graph`, every grad the pass reaches is a node recording how it was computed
    (adding to a leaf's earlier grad is recorded too).
    """
    order = _start_pass(root, grad, create_graph, leaves=True)
    with _enable_grad() if create_graph else nullcontext():
        for node in reversed(order):
            node._chain_rule(create_graph)
            yield node


def backward(root: Any, grad: Any = None, create_graph: bool = False) -> None:
    """`backward_steps` run to the end (without stopping at each node): fill in `grad` for every
    node that `root` depends on."""
    order = _start_pass(root, grad, create_graph, leaves=False)
    if create_graph:
        with _enable_grad():
            for node in reversed(order):
                node._chain_rule(True)
        return
    for node in reversed(order):
        node._chain_rule()


def _start_pass(root: Any, grad: Any, create_graph: bool, leaves: bool) -> list:
    """The nodes in topological order (leaves only if asked), interior grads cleared, the root's grad seeded."""
    if not root.parents and (root.op or not getattr(root, "requires_grad", True)):
        raise RuntimeError(f"backward: this {type(root).__name__} has no graph to backpropagate through: it was "
                           f"computed under no_grad(), or from Tensors none of which has requires_grad=True. "
                           f"Compute it outside no_grad(), from inputs made with requires_grad=True")
    order = _depth_first(root, clear_interior_grads=True, leaves=leaves)
    root._seed_grad(grad, create_graph)
    return order




def grad(output: Any, inputs: Any, grad: Any = None, create_graph: bool = False) -> tuple:
    """d(output)/d(input) for each of `inputs`, as a tuple, without touching any `.grad` attribute.

    Numbers (for Values) / arrays (for Tensors) by default; with `create_graph=True`, Values /
    Tensors that record how they were computed, so they can be differentiated again:

        x = Value(1.0)
        (dy,) = grad(x.tanh(), [x], create_graph=True)      # 1 - tanh(x)^2, as a graph
        (d2y,) = grad(dy, [x])                                # -2 tanh(x) (1 - tanh(x)^2)

    An input that `output` does not depend on gets 0 (a zero array for a Tensor). `grad` is
    d(final)/d(output) for a non-scalar output, as in `backward`.
    """
    single = not isinstance(inputs, Sequence)
    inputs = [inputs] if single else list(inputs)
    if not inputs:
        raise ValueError("grad: inputs is empty; pass the nodes to differentiate with respect to")
    # Value or Tensor (not a subclass, such as the result of a Function)
    kind = next((c for c in type(output).__mro__ if Node in c.__bases__), type(output))
    for i, node in enumerate(inputs):
        if not isinstance(node, kind):
            raise TypeError(f"grad: input {i} is a {type(node).__name__}, but the output is a {kind.__name__}; "
                            f"differentiate with respect to nodes of the output's graph")
    nodes = set(topological_order(output))
    nodes.update(inputs)
    saved = [(node, node.grad) for node in nodes]
    try:
        for node in nodes:
            node.grad = node.NO_GRAD
        backward(output, grad, create_graph)
        return tuple(node._grad_or_zero(create_graph) for node in inputs)
    finally:
        for node, previous in saved:
            node.grad = previous


class Node:
    """What `Value` and `Tensor` share: graph-walking methods written once, in terms of `parents`.
    (The protocol's attributes, declared for type checkers; each kind keeps them in its own slots.)"""

    __slots__ = ()
    data: Any
    grad: Any
    op: str
    label: str

    @property
    def parents(self) -> tuple:
        raise NotImplementedError

    def _chain_rule(self, create_graph: bool = False) -> None:
        raise NotImplementedError

    def backward(self, grad: Any = None, create_graph: bool = False) -> None:
        """Fill in `.grad` of every node this one depends on with d(self)/d(node).

        Gradients accumulate (see `backward_steps`): call `zero_grad()` on the leaves between
        independent passes. With `create_graph=True` every `.grad` is a node of the same kind that
        records how it was computed, so it can be differentiated again (a leaf's grad then refers
        to the graph, and so to the leaf: drop it with `zero_grad()`, or use `grad()`, which sets
        no `.grad`).
        """
        backward(self, grad, create_graph)

    def backward_steps(self, grad: Any = None) -> Iterator[Any]:
        """Step-by-step `backward()`: yields each node right after its chain-rule step."""
        return backward_steps(self, grad)

    def topological_order(self) -> list:
        """This node's graph, parents before children, this node last."""
        return topological_order(self)

    def __reduce__(self) -> tuple:
        """Pickling: the graph flattened, so that a chain of any length is copied without recursion
        (see `copying.py`)."""
        from .copying import flatten
        return flatten(self)

    def __deepcopy__(self, memo: dict) -> Any:
        from .copying import deep_copy
        return deep_copy(self, memo)

    # micrograd's names, so code written against micrograd keeps working.
    @property
    def _prev(self) -> set:
        return set(self.parents)

    @property
    def _op(self) -> str:
        return self.op

    def _backward(self) -> None:
        """micrograd's name for the local chain-rule step: set `out.grad = 1.0`, then call
        `out._backward()`, then each parent's, in reverse topological order, as in the lecture."""
        self._chain_rule()
