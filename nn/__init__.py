"""nn: neural-network layers, losses, optimizers and training built only from micrograd_like's public ops.

- scalar layers on `Value`s, as micrograd's: `Neuron`, `Layer`, `MLP`;
- Tensor layers: `Linear`, `ReLU`, `Tanh`, `Sigmoid`, `Identity`, `Sequential`, `dense_network`;
- image layers (`nn.conv`): `Conv2d`, `MaxPool2d`, `AvgPool2d`, `Flatten`; layers with a training and an
  evaluation mode (`nn.normalization`): `Dropout`, `BatchNorm1d`, `BatchNorm2d`;
- losses (`nn.losses`), optimizers (`nn.optim`: `SGD`, `Adam`), metrics (`nn.metrics`),
  training (`nn.train`: `fit`, `training_steps`), data sets (`nn.datasets`).
"""

from . import datasets, init, losses, metrics, optim, plots, train
from .conv import AvgPool2d, Conv2d, Flatten, MaxPool2d, conv_network
from .init import initial_weights
from .layers import ACTIVATIONS, Identity, Linear, ReLU, Sequential, Sigmoid, Tanh, dense_network
from .losses import (
                     LOSSES,
                     bce_loss,
                     bce_with_logits_loss,
                     half_sse_loss,
                     l2_penalty,
                     max_margin_loss,
                     mse_loss,
                     softmax_cross_entropy,
)
from .metrics import accuracy, classification_report, confusion_matrix, to_labels
from .module import Module
from .normalization import BatchNorm1d, BatchNorm2d, Dropout
from .optim import SGD, Adam, linear_decay
from .scalar import MLP, Layer, Neuron
from .train import History, Step, TrainingDiverged, batches, fit, training_steps

__all__ = [
    "Module", "Neuron", "Layer", "MLP",
    "Linear", "ReLU", "Tanh", "Sigmoid", "Identity", "Sequential", "dense_network", "ACTIVATIONS",
    "initial_weights",
    "Conv2d", "MaxPool2d", "AvgPool2d", "Flatten", "conv_network", "Dropout", "BatchNorm1d", "BatchNorm2d",
    "mse_loss", "half_sse_loss", "bce_loss", "bce_with_logits_loss", "softmax_cross_entropy", "max_margin_loss",
    "l2_penalty", "LOSSES",
    "SGD", "Adam", "linear_decay",
    "accuracy", "confusion_matrix", "classification_report", "to_labels",
    "fit", "training_steps", "batches", "History", "Step", "TrainingDiverged",
    "datasets", "init", "losses", "metrics", "optim", "plots", "train",
]
