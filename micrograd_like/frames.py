"""The backward pass as a sequence of pictures: one per step of `backward_steps`.

Frame k highlights the k-th node to take its chain-rule step and shows the gradients known at
that point; nodes not reached yet read "grad ?". Every frame has the same layout, so the
gradients can be watched flowing from the output back to the inputs. `show_frames` plays the
frames in a notebook.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Iterable, Sequence

from .draw import INSTALL_HINT, Graph, GraphvizNotFound, _draw, _grad_text, dot_available, label_text
from .graph import backward_steps, topological_order


def backward_frames(root: Any, out_dir: str | os.PathLike, *, params: Iterable[Any] | None = None,
                    rankdir: str = "LR", max_elements: int = 12, max_frames: int = 200) -> list[str]:
    """Backpropagate from `root` one step at a time, writing one SVG per step; return their paths.

    The frames are `out_dir/step_001.svg`, `step_002.svg`, ... in the order of `backward_steps`
    (reverse topological order: the output first). Frame k highlights the k-th node and shows the
    grads of the first k nodes, which are final by then; every other node reads "grad ?".
    `params`, `rankdir` and `max_elements` are as in `draw_dot`.

    Like `backward()`, this fills in every `.grad` (a leaf's grad adds up over passes: call
    `zero_grad()` first to watch a fresh pass). Nothing is computed or written when `dot` is
    missing (`GraphvizNotFound`) or when the graph has more than `max_frames` nodes (ValueError).
    """
    graphs = frame_graphs(root, params=params, rankdir=rankdir, max_elements=max_elements, max_frames=max_frames,
                          caller="backward_frames")
    return [graph.write(os.path.join(out_dir, f"step_{k:03d}.svg")) for k, (_, graph) in enumerate(graphs, start=1)]


def frame_graphs(root: Any, *, params: Iterable[Any] | None = None, rankdir: str = "LR", max_elements: int = 12,
                 max_frames: int = 200, after_step: Callable[[Any], None] | None = None,
                 caller: str = "frame_graphs") -> list[tuple[Any, Graph]]:
    """The frames of `backward_frames` as (node, Graph) pairs, drawn but not rendered.

    Runs the backward pass (filling in every `.grad`), calling `after_step(node)` right after each
    node's chain-rule step, while the grads of the nodes not visited yet are still partial sums.
    Raises `GraphvizNotFound` and ValueError (too many nodes) as `backward_frames` does, before
    computing anything.
    """
    if not dot_available():
        raise GraphvizNotFound(INSTALL_HINT)
    size = len(topological_order(root))
    if size > max_frames:
        raise ValueError(f"{caller}: the graph has {size} nodes, so {size} frames (max_frames={max_frames}); "
                         f"draw a smaller graph, or pass a larger max_frames")
    params = None if params is None else list(params)
    steps = []
    for node in backward_steps(root):
        steps.append(node)
        if after_step is not None:
            after_step(node)
    # A node's grad is final once it has been yielded, so drawing after the pass shows each
    # frame's gradients exactly. Reserving room for every final grad keeps the layout fixed.
    widths = {id(node): _grad_width(node, max_elements) for node in steps}
    return [(node, _draw(root, rankdir=rankdir, highlight=[node], max_elements=max_elements, params=params,
                         grads_known=steps[:k], grad_widths=widths, caption=_caption(node, k, len(steps)))[0])
            for k, node in enumerate(steps, start=1)]


def _grad_width(node: Any, max_elements: int) -> int:
    """A generous width, in points, for the node's grad text in 11-point Helvetica (0: no grad shown)."""
    text = _grad_text(node, max_elements)
    return 0 if text is None else int(6.5 * len(text)) + 12


def _caption(node: Any, step: int, steps: int) -> str:
    name = " ".join(label_text(node.label)) or (f"a {node.op!r} node" if node.parents else "a leaf")
    if step == 1:
        return (f"step 1 of {steps}: {name}, the output. Backward starts here, with d(output)/d(output) = 1; "
                f"the chain rule adds (local derivative x grad) into its parents' grads.")
    if node.parents:
        return (f"step {step} of {steps}: {name}. Its grad is final; the chain rule adds "
                f"(local derivative x grad) into the grads of its {len(node.parents)} parent(s).")
    return f"step {step} of {steps}: {name}, a leaf. Its grad is final."


def show_frames(paths: Sequence[str | os.PathLike]) -> Any:
    """Show frames in a notebook: a slider with a play button when ipywidgets is installed.

    Returns the widget (display it, e.g. as a cell's last expression). Without ipywidgets, every
    frame is displayed, one below the other, and None is returned.
    """
    if not paths:
        raise ValueError("show_frames: no frames to show (paths is empty)")
    try:
        from IPython.display import SVG, display
    except ImportError:
        raise ImportError("show_frames is for Jupyter notebooks and needs IPython (pip install ipykernel)") from None
    try:
        import ipywidgets
    except ImportError:
        for path in paths:
            display(SVG(filename=os.fspath(path)))
        return None
    pictures = [_inline_svg(path) for path in paths]
    picture = ipywidgets.HTML(pictures[0])
    slider = ipywidgets.IntSlider(value=1, min=1, max=len(paths), description="step")
    play = ipywidgets.Play(value=1, min=1, max=len(paths), interval=800)
    ipywidgets.jslink((play, "value"), (slider, "value"))
    slider.observe(lambda change: setattr(picture, "value", pictures[change["new"] - 1]), names="value")
    return ipywidgets.VBox([ipywidgets.HBox([play, slider]), picture])


def _inline_svg(path: str | os.PathLike) -> str:
    """The <svg> element of an SVG file, without the XML declaration, to put inside HTML."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return text[text.index("<svg"):]
