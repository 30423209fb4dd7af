"""Faithful numpy transcriptions of the four seed tutorials (see shared/seeds/README.md).

Each module keeps its tutorial's network, layout, hand-derived backprop and update rule exactly as
the tutorial writes them (sign conventions, scaling and quirks included), restoring only what page
extraction lost:

- ``seed000_and``    -- ``Layer``/``NeuralNetwork``, tanh/sigmoid, binary AND, per-sample SGD.
- ``seed001_digits`` -- ``Network`` with an ``MSE`` loss class, ReLU/Sigmoid, sklearn digits,
  minibatch SGD.
- ``seed002_xor``    -- ``backPropNN``, column vectors, bias folded into the weights, XOR.
- ``seed003_xor``    -- ``XORNeuralNetwork``, 2-2-1 sigmoid, XOR, full batch with learning rate 1.

All four expose the same functions: ``data``, ``init_params``, ``build``, ``params_of``,
``to_standard``/``from_standard`` (the ``x @ W + b`` layout), ``forward``, ``compute_update`` (the
seed's hand-derived quantities for one update, not applied, as a ``common.SeedUpdate``),
``implied_gradients`` (``-update / lr`` in the standard layout), ``step``, ``train`` and
``stated_loss``.
"""
