"""Backprop derived by hand and its check against autograd.

- `delta_rule`: the textbook delta rule for a dense network, plain numpy (never imports the engine);
- `conv_rule`: convolution and pooling backprop derived by hand, plain numpy (never imports the engine);
- `seeds`: the four seed tutorials transcribed faithfully, plain numpy;
- `registry`: the seeds declared once (`SEEDS`): how each is compared and reproduced;
- `compare`: the hand-derived deltas against autograd on graphs of primitive ops;
- `reproduce`: the seeds' experiments run with our engine.
"""
