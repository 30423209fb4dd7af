"""Property-based tests: random expression graphs of `Value`s, with reused nodes, against finite
differences, against PyTorch, and walked step by step.

A program is a list of steps (op, i, j): apply op to nodes i and j of the nodes so far (the inputs,
then each step's result). Operands are drawn with replacement, so a node is often used twice or
more; the root is the sum of every step's result, so every node is also reused by the root. Each op
keeps to its domain by construction (log and fractional powers of 1 + a^2 > 0, division by 1 + b^2).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from micrograd_like import Value, backward_steps, gradcheck, topological_order

# Written with operators and methods that torch tensors share, so the same program runs on both.
OPS = {
    "a + b": lambda a, b: a + b,
    "a - b": lambda a, b: a - b,
    "a * b": lambda a, b: a * b,
    "a / (1 + b^2)": lambda a, b: a / (1 + b * b),
    "(1 + a^2) ** b": lambda a, b: (1 + a * a) ** b,
    "-a": lambda a, b: -a,
    "1 - a": lambda a, b: 1 - a,
    "2 * a": lambda a, b: 2 * a,
    "a ** 2": lambda a, b: a ** 2,
    "a ** 3": lambda a, b: a ** 3,
    "(1 + a^2) ** 0.5": lambda a, b: (1 + a * a) ** 0.5,
    "1 / (1 + a^2)": lambda a, b: 1 / (1 + a * a),
    "2 ** a": lambda a, b: 2 ** a,
    "relu": lambda a, b: a.relu(),
    "tanh": lambda a, b: a.tanh(),
    "sigmoid": lambda a, b: a.sigmoid(),
    "exp": lambda a, b: a.exp(),
    "log(1 + a^2)": lambda a, b: (1 + a * a).log(),
}


@st.composite
def programs(draw):
    inputs = draw(st.lists(st.floats(-2.0, 2.0), min_size=1, max_size=3))
    steps = []
    for k in range(draw(st.integers(1, 8))):
        nodes = len(inputs) + k
        steps.append((draw(st.sampled_from(sorted(OPS))), draw(st.integers(0, nodes - 1)),
                      draw(st.integers(0, nodes - 1))))
    return inputs, steps


def run(steps, *inputs):
    """Every node of the program: the inputs, then each step's result."""
    nodes = list(inputs)
    for op, i, j in steps:
        nodes.append(OPS[op](nodes[i], nodes[j]))
    return nodes


def root_of(steps, *inputs):
    return sum(run(steps, *inputs)[len(inputs):])


def well_conditioned(inputs, steps) -> bool:
    """Values of moderate size, and no relu within 1e-3 of its kink (finite differences cannot see a kink)."""
    try:
        nodes = run(steps, *map(Value, inputs))
    except (OverflowError, ValueError):  # e.g. exp(exp(exp(2))): beyond the largest float, a clear error
        return False
    relu_inputs = [nodes[i].data for op, i, _ in steps if op == "relu"]
    return all(abs(n.data) < 100 for n in nodes) and all(abs(z) > 1e-3 for z in relu_inputs)


PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])


@PROPERTY
@given(programs())
def test_random_graphs_agree_with_finite_differences(program):
    inputs, steps = program
    assume(well_conditioned(inputs, steps))
    assert gradcheck(lambda *xs: root_of(steps, *xs), [Value(x, label=f"x{i}") for i, x in enumerate(inputs)])


@PROPERTY
@given(programs())
def test_random_graphs_agree_with_torch(program):
    torch = pytest.importorskip("torch")
    inputs, steps = program
    assume(well_conditioned(inputs, steps))
    xs = [Value(x) for x in inputs]
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in inputs]
    ours, theirs = root_of(steps, *xs), root_of(steps, *ts)
    ours.backward()
    theirs.backward()
    assert ours.data == pytest.approx(theirs.item(), rel=1e-12, abs=1e-12)
    for x, t in zip(xs, ts):
        torch_grad = 0.0 if t.grad is None else t.grad.item()  # None: the input is not used
        assert x.grad == pytest.approx(torch_grad, rel=1e-9, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(programs())
def test_backward_steps_visit_each_node_once_in_reverse_topological_order_and_finish_like_backward(program):
    inputs, steps = program
    try:
        root = root_of(steps, *map(Value, inputs))
    except OverflowError:  # exp or ** past the largest float: not what this test is about
        assume(False)
    order = topological_order(root)
    root.backward()
    final = [n.grad for n in order]
    for leaf in order:
        if not leaf.parents:
            leaf.zero_grad()

    yielded = []
    for node in backward_steps(root):
        yielded.append((node, node.grad))
    assert [node for node, _ in yielded] == order[::-1]
    assert [grad for _, grad in yielded][::-1] == final  # final when yielded
    assert [n.grad for n in order] == final               # and the same as backward()'s


@settings(max_examples=100, deadline=None)
@given(st.floats(-50, 50), st.integers(2, 6))
def test_a_node_used_k_times_in_a_sum_gets_gradient_k(x, k):
    a = Value(x)
    total = a
    for _ in range(k - 1):
        total = total + a
    total.backward()
    assert a.grad == k
    assert total.data == pytest.approx(k * x)
