"""micrograd_like: a small, exact autograd engine for teaching and learning backpropagation.

- `Value`: a scalar that records the graph of the computation that produced it (micrograd's API).
- `Tensor`: the same engine over numpy arrays, with broadcasting.
- `backward()` is one iterative walk over that graph (`graph.py`), shared by both.
- `gradcheck` compares backward() with finite differences; `draw_dot` draws the graph.

On import it asks glibc to keep freed memory for reuse (`memory.py`: a training step frees its
graph, and the next one would otherwise fault the same pages back in).
"""

from .draw import Graph, GraphvizNotFound, dot_available, draw_dot
from .frames import backward_frames, show_frames
from .gradcheck import GradcheckError, gradcheck
from .graph import backward_steps, is_grad_enabled, no_grad, scope, topological_order
from .memory import keep_freed_memory
from .tensor import Function, Tensor, concatenate, linear, stack, unbroadcast
from .value import Value

__all__ = [
    "Value", "Tensor", "Function", "linear", "concatenate", "stack", "unbroadcast",
    "no_grad", "is_grad_enabled", "scope", "topological_order", "backward_steps",
    "gradcheck", "GradcheckError", "draw_dot", "backward_frames", "show_frames", "Graph", "GraphvizNotFound", "dot_available",
]
__version__ = "0.1.0"

