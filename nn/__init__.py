"""nn: neural-network layers built only from micrograd_like's public ops."""

from .module import Module
from .scalar import MLP, Layer, Neuron

__all__ = ["Module", "Neuron", "Layer", "MLP"]
