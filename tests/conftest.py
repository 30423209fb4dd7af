"""Shared fixtures: render a graph with Graphviz's `dot` and read back what the picture shows."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Callable, NamedTuple

import pytest

from micrograd_like import Graph, dot_available

SVG = "{http://www.w3.org/2000/svg}"


class DrawnNode(NamedTuple):
    """One node of a rendered picture: its lines of text, its outline ("ellipse" or "polygon"), its fill colour
    and its centre (y grows downwards)."""
    texts: list[str]
    shape: str
    fill: str
    x: float
    y: float


def _drawn_node(group: ET.Element) -> DrawnNode:
    shape = next(e for e in group if e.tag in (f"{SVG}polygon", f"{SVG}ellipse"))
    if shape.tag == f"{SVG}ellipse":
        x, y = float(shape.get("cx")), float(shape.get("cy"))
    else:
        points = [tuple(map(float, p.split(","))) for p in shape.get("points").split()]
        x, y = sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)
    return DrawnNode([t.text for t in group.iter(f"{SVG}text")], shape.tag.removeprefix(SVG), shape.get("fill"), x, y)


@pytest.fixture
def render() -> Callable[[Graph], dict[str, DrawnNode]]:
    """graph -> {DOT node name: DrawnNode}, by rendering to SVG with `dot` and parsing the SVG.

    Skips (with the reason) only when `dot` is not installed."""
    if not dot_available():
        pytest.skip("Graphviz's `dot` program is not installed")

    def drawn_nodes(graph: Graph) -> dict[str, DrawnNode]:
        svg = ET.fromstring(graph.pipe(format="svg"))
        return {g.findtext(f"{SVG}title"): _drawn_node(g) for g in svg.iter(f"{SVG}g") if g.get("class") == "node"}

    return drawn_nodes
