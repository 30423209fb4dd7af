"""Copying and pickling a graph of any depth, without recursion.

Python's default pickling and `copy.deepcopy` follow a node's parents recursively, once per node,
and stop at the recursion limit (about 1000). Here a graph is flattened into a list in topological
order, each reference to a parent replaced by its position in the list, and rebuilt node by node
(parents first). Nodes shared within the graph stay shared in the copy. A grad that is itself a graph
(after ``backward(create_graph=True)``) is copied as its value.
"""

from __future__ import annotations

import copy
import types
from functools import lru_cache
from operator import attrgetter
from typing import Any, Callable

from .graph import Node, topological_order


def flatten(root: Node) -> tuple:
    """`root.__reduce__()`: a function that rebuilds the graph, and the flat records it reads."""
    nodes = topological_order(root)
    position = {id(node): _Position(i) for i, node in enumerate(nodes)}
    records = []
    state_of: dict = {}
    for node in nodes:
        kind = type(node)
        if kind not in state_of:
            state_of[kind] = _state_of(kind)
        values = list(state_of[kind](node))
        for i, value in enumerate(values):
            if isinstance(value, Node):
                values[i] = value.data if i == 1 else position[id(value)]  # 1: `grad`
            elif type(value) is tuple and value and isinstance(value[0], Node):
                values[i] = tuple([position[id(v)] for v in value])
        records.append((kind, values))
    return _rebuild_graph, (records,)


def deep_copy(root: Node, memo: dict) -> Any:
    """`copy.deepcopy(root)`: the graph copied as `flatten` lays it out; numbers, text, functions and
    tuples of them (the parents' positions) are kept as they are, arrays and anything else copied."""
    _, (records,) = flatten(root)
    return _rebuild_graph([(kind, [v if _immutable(v) else copy.deepcopy(v, memo) for v in values])
                           for kind, values in records])


class _Position(int):
    """A reference to the node at this position of a flattened graph (see `Node.__reduce__`)."""


_IMMUTABLE = {float, int, bool, str, type(None), _Position, types.FunctionType, types.BuiltinFunctionType}


def _immutable(value: Any) -> bool:
    """A number, text, a function, or a tuple of them (parents' positions, VJPs, a scope)."""
    kind = type(value)
    return kind in _IMMUTABLE or (kind is tuple and all(type(v) in _IMMUTABLE for v in value))


def _rebuild_graph(records: list) -> Any:
    """The graph `Node.__reduce__` flattened, rebuilt node by node (parents first); returns its root."""
    nodes: list = []
    for kind, values in records:
        node = object.__new__(kind)
        for name, value in zip(_slot_names(kind), values):
            if type(value) is _Position:
                value = nodes[value]
            elif type(value) is tuple and value and type(value[0]) is _Position:
                value = tuple([nodes[i] for i in value])
            setattr(node, name, value)
        nodes.append(node)
    return nodes[-1]


@lru_cache(maxsize=None)
def _slot_names(kind: type) -> tuple[str, ...]:
    """Every slot of a node class, `grad` second."""
    names = [name for cls in reversed(kind.__mro__) for name in getattr(cls, "__slots__", ()) if name != "grad"]
    return (names[0], "grad", *names[1:])


def _state_of(kind: type) -> Callable[[Any], tuple]:
    return attrgetter(*_slot_names(kind))
