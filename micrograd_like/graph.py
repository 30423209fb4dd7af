"""The computation graph, shared by `Value` and `Tensor`.

Every node (a `Value` or a `Tensor`) carries:

- ``data``      its value, computed by the forward pass;
- ``grad``      d(root)/d(node), filled in by the backward pass;
- ``parents``   the nodes it was computed from (empty for a leaf);
- ``op``        the name of the operation that made it;
- ``scope``     the names of the modules whose forward pass created it (for drawing).

and one method, ``_chain_rule()``, which pushes its own ``grad`` into its parents'
``grad`` (the local step of the chain rule). Everything in this file is written in
terms of those names only: the walk knows nothing about any particular op.
"""

from __future__ import annotations

from contextlib import ContextDecorator, contextmanager
from typing import Any, Iterator


class _Recording:
    """What new nodes record: whether to keep their parents, and the current module scope."""

    __slots__ = ("enabled", "scope")

    def __init__(self) -> None:
        self.enabled = True
        self.scope: tuple[str, ...] = ()


RECORDING = _Recording()


def is_grad_enabled() -> bool:
    """True unless inside `no_grad()`."""
    return RECORDING.enabled


class no_grad(ContextDecorator):
    """Inside this block, ops compute their data but record no graph (no parents, nothing to backprop).

    Use it for evaluation, and for parameter updates that must not become part of the graph.
    Also a decorator: under `@no_grad()` a whole function runs without recording.
    (A class rather than a generator-based context manager, because a training loop enters it at
    every step; it keeps a stack of previous states, so one instance may be entered again inside
    itself, as a decorated function that calls itself does.)
    """

    def __init__(self) -> None:
        self._previous: list[bool] = []

    def __enter__(self) -> None:
        self._previous.append(RECORDING.enabled)
        RECORDING.enabled = False

    def __exit__(self, *exc_info: object) -> None:
        RECORDING.enabled = self._previous.pop()


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
    emit = _EMIT
    while stack:
        node = stack.pop()
        if node is emit:
            # Every parent of the node below this marker has been emitted by now.
            order.append(stack.pop())
            continue
        if node in visited:
            continue
        visited.add(node)
        parents = node.parents
        if not parents:
            if leaves:
                order.append(node)
            continue
        if clear_interior_grads:
            node.grad = node.NO_GRAD
        stack.append(node)
        stack.append(emit)
        for parent in parents:
            if parent not in visited:
                stack.append(parent)
    return order


_EMIT = object()


def backward_steps(root: Any, grad: Any = None) -> Iterator[Any]:
    """Backpropagate from `root` one node at a time, yielding each node after its chain-rule step.

    Nodes come in reverse topological order, so when a node is yielded its own `grad` is final
    and has just been added into its parents' `grad`. Seeds d(root)/d(root) = 1 (or `grad`).

    Gradients accumulate: a node reached along several paths sums the contributions of all of
    them, and a leaf's `grad` keeps adding up over repeated backward passes until it is zeroed
    (`zero_grad()`). Interior nodes start each pass from zero, so they hold this pass's gradient.
    """
    for node in reversed(_start_pass(root, grad, leaves=True)):
        node._chain_rule()
        yield node


def backward(root: Any, grad: Any = None) -> None:
    """`backward_steps` run to the end (without stopping at each node): fill in `grad` for every
    node that `root` depends on."""
    for node in reversed(_start_pass(root, grad, leaves=False)):
        node._chain_rule()


def _start_pass(root: Any, grad: Any, leaves: bool) -> list:
    """The nodes in topological order (leaves only if asked), interior grads cleared, the root's grad seeded."""
    order = _depth_first(root, clear_interior_grads=True, leaves=leaves)
    root._seed_grad(grad)
    return order


class Node:
    """What `Value` and `Tensor` share: graph-walking methods written once, in terms of `parents`."""

    __slots__ = ()

    def backward(self, grad: Any = None) -> None:
        """Fill in `.grad` of every node this one depends on with d(self)/d(node).

        Gradients accumulate (see `backward_steps`): call `zero_grad()` on the leaves
        between independent passes.
        """
        backward(self, grad)

    def backward_steps(self, grad: Any = None) -> Iterator[Any]:
        """Step-by-step `backward()`: yields each node right after its chain-rule step."""
        return backward_steps(self, grad)

    def topological_order(self) -> list:
        """This node's graph, parents before children, this node last."""
        return topological_order(self)

    # micrograd's names, so code written against micrograd keeps working.
    @property
    def _prev(self) -> set:
        return set(self.parents)

    @property
    def _op(self) -> str:
        return self.op
