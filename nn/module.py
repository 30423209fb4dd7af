"""`Module`: the base of every layer and network: parameters, zero_grad, and a named forward pass."""

from __future__ import annotations

from typing import Any, Iterator

from micrograd_like import Tensor, Value, scope


class Module:
    """A piece of a network. Subclasses define `forward`; calling the module runs it.

    Parameters are found by looking through the module's attributes, in the order they were
    set: a `Value`, a `Tensor` with `requires_grad`, another `Module`, or a list/tuple of those.
    Every node the forward pass creates is tagged with the module's name, so that `draw_dot`
    can group a network's graph by layer.
    """

    def forward(self, *args: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any) -> Any:
        with scope(self.scope_name()):
            return self.forward(*args)

    def scope_name(self) -> str:
        """The name this module's nodes are grouped under when drawn."""
        return getattr(self, "_scope_name", None) or type(self).__name__

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Any]]:
        """(dotted name, parameter) pairs, e.g. ("layers.0.neurons.1.w.0", Value(...))."""
        for name, attr in vars(self).items():
            if not name.startswith("_"):
                yield from _named(prefix + name, attr)

    def parameters(self) -> list:
        """Everything an optimizer should update."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Reset every parameter's gradient (gradients accumulate across backward passes)."""
        for p in self.parameters():
            p.zero_grad()


def _named(prefix: str, obj: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(obj, Value) or (isinstance(obj, Tensor) and obj.requires_grad):
        yield prefix, obj
    elif isinstance(obj, Module):
        yield from obj.named_parameters(prefix + ".")
    elif isinstance(obj, (list, tuple)):
        for i, item in enumerate(obj):
            yield from _named(f"{prefix}.{i}", item)
