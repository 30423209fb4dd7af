"""micrograd_like: a small, exact autograd engine for teaching and learning backpropagation.

- `Value`: a scalar that records the graph of the computation that produced it (micrograd's API).
- `Tensor`: the same engine over numpy arrays, with broadcasting.
- `backward()` is one iterative walk over that graph (`graph.py`), shared by both;
  `backward(create_graph=True)` and `grad()` record it too, for derivatives of derivatives.
- `gradcheck` / `gradgradcheck` compare first / second derivatives with finite differences;
  `draw_dot` draws a graph; `backward_page` writes the backward pass as one HTML page.

Importing it changes nothing process-wide. `keep_freed_memory()` is an explicit, opt-in tuning of
glibc's allocator for training loops (see `memory.py`).
"""

from .conv import avg_pool2d, col2im, conv2d, im2col, max_pool2d
from .draw import Graph, GraphvizError, GraphvizNotFound, dot_available, draw_dot
from .frames import backward_frames, show_frames
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .graph import backward_steps, grad, is_grad_enabled, no_grad, scope, topological_order
from .memory import keep_freed_memory
from .page import Page, backward_page, explain, explain_text, training_page
from .tensor import Function, Tensor, concatenate, linear, maximum, minimum, stack, unbroadcast, where
from .value import Value

__all__ = [
    "Value", "Tensor", "Function", "linear", "where", "concatenate", "stack", "unbroadcast",
    "no_grad", "is_grad_enabled", "scope", "topological_order", "backward_steps", "grad",
    "gradcheck", "gradgradcheck", "GradcheckError",
    "draw_dot", "backward_frames", "show_frames", "Graph", "GraphvizNotFound", "GraphvizError", "dot_available",
    "backward_page", "training_page", "Page", "explain", "explain_text",
    "keep_freed_memory",
    "maximum", "minimum", "conv2d", "max_pool2d", "avg_pool2d", "im2col", "col2im",
]
__version__ = "0.1.0"
