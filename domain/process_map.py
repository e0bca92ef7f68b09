"""Process maps (权力运行流程图) as graphs: validation and layout.

A map is a directed acyclic graph of steps with exactly one start step (no incoming edge) from
which every step can be reached. Parallel approval (并联审批) shows up as a step with several
outgoing edges whose branches meet again later.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from domain.errors import DomainError


class InvalidProcessMap(DomainError):
    code = "INVALID_PROCESS_MAP"


@dataclass(frozen=True, slots=True)
class Node:
    key: str
    name: str


@dataclass(frozen=True, slots=True)
class Edge:
    source: str
    target: str


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a step sits in the drawing: ``layer`` counts steps from the start, ``lane`` separates
    steps of one layer (parallel branches)."""

    key: str
    layer: int
    lane: int


def validate(nodes: Sequence[Node], edges: Sequence[Edge]) -> str:
    """Check that the map is a DAG with one start (then every step is reached from it: in a DAG
    every step has a path back to a step without predecessors, and there is only one).

    Returns the start step's key; raises :class:`InvalidProcessMap` naming the first problem.
    """
    if not nodes:
        raise InvalidProcessMap("流程图至少需要一个环节")
    keys = [node.key for node in nodes]
    known = set(keys)
    if len(known) != len(keys):
        duplicated = sorted({key for key in keys if keys.count(key) > 1})
        raise InvalidProcessMap(f"环节编号重复：{'、'.join(duplicated)}")
    incoming = {key: 0 for key in keys}
    outgoing: dict[str, list[str]] = {key: [] for key in keys}
    for edge in edges:
        for end in (edge.source, edge.target):
            if end not in known:
                raise InvalidProcessMap(f"连线指向不存在的环节：{end}")
        if edge.source == edge.target:
            raise InvalidProcessMap(f"环节不能连向自身：{edge.source}")
        incoming[edge.target] += 1
        outgoing[edge.source].append(edge.target)
    starts = [key for key in keys if incoming[key] == 0]
    if len(starts) != 1:
        if not starts:
            raise InvalidProcessMap("流程图没有起始环节（存在环路）")
        raise InvalidProcessMap(f"流程图只能有一个起始环节，现有：{'、'.join(starts)}")
    order = topological_order(keys, outgoing, dict(incoming))
    if len(order) != len(keys):
        cyclic = sorted(known.difference(order))
        raise InvalidProcessMap(f"流程图存在环路，涉及环节：{'、'.join(cyclic)}")
    return starts[0]


def topological_order(
    keys: Sequence[str], outgoing: dict[str, list[str]], incoming: dict[str, int]
) -> list[str]:
    """Kahn's algorithm, stable in the order of ``keys``; ``incoming`` is consumed."""
    ready = [key for key in keys if incoming[key] == 0]
    order: list[str] = []
    while ready:
        key = ready.pop(0)
        order.append(key)
        for target in outgoing[key]:
            incoming[target] -= 1
            if incoming[target] == 0:
                ready.append(target)
    return order


_ORDERING_SWEEPS = 8


def layout(nodes: Sequence[Node], edges: Sequence[Edge]) -> list[Placement]:
    """Place every step of a valid map in layers from top to bottom, sorted by layer then lane.

    A step's layer is the length of the longest path from the start, so the branches of a
    parallel approval sit side by side and the step that joins them comes after the longest
    branch. Lanes number the steps of one layer from 0; they start in the order the steps were
    given and change only where barycenter ordering removes edge crossings, so the same map is
    always drawn the same way. Raises :class:`InvalidProcessMap` like :func:`validate`.
    """
    validate(nodes, edges)
    keys = [node.key for node in nodes]
    outgoing: dict[str, list[str]] = {key: [] for key in keys}
    incoming = {key: 0 for key in keys}
    for edge in edges:
        outgoing[edge.source].append(edge.target)
        incoming[edge.target] += 1
    layer = dict.fromkeys(keys, 0)
    for key in topological_order(keys, outgoing, incoming):
        for target in outgoing[key]:
            layer[target] = max(layer[target], layer[key] + 1)

    # Vertices 0..n-1 are the steps; an edge that spans several layers gets one virtual vertex per
    # layer it crosses, so the ordering keeps room for it instead of drawing it through a box.
    index = {key: position for position, key in enumerate(keys)}
    vertex_layer = [layer[key] for key in keys]
    rank: list[tuple[int, int]] = [(position, 0) for position in range(len(keys))]
    above: list[list[int]] = [[] for _ in keys]
    for edge in edges:
        previous = index[edge.source]
        for depth in range(layer[edge.source] + 1, layer[edge.target]):
            vertex_layer.append(depth)
            # A virtual vertex starts just after the step its edge leads to.
            rank.append((index[edge.target], 1))
            above.append([previous])
            previous = len(vertex_layer) - 1
        above[index[edge.target]].append(previous)
    below: list[list[int]] = [[] for _ in vertex_layer]
    for vertex, parents in enumerate(above):
        for parent in parents:
            below[parent].append(vertex)

    rows: list[list[int]] = [[] for _ in range(max(vertex_layer) + 1)]
    for vertex in sorted(range(len(vertex_layer)), key=rank.__getitem__):
        rows[vertex_layer[vertex]].append(vertex)
    rows = _reduce_crossings(rows, above, below)

    return [
        Placement(key=keys[vertex], layer=depth, lane=lane)
        for depth, row in enumerate(rows)
        for lane, vertex in enumerate(vertex for vertex in row if vertex < len(keys))
    ]


def _reduce_crossings(
    rows: list[list[int]], above: list[list[int]], below: list[list[int]]
) -> list[list[int]]:
    """Barycenter heuristic: alternate downward and upward sweeps, keep the best ordering seen."""
    best = [list(row) for row in rows]
    best_crossings = _crossings(best, below)
    current = [list(row) for row in rows]
    for _ in range(_ORDERING_SWEEPS):
        if best_crossings == 0:
            break
        for depth in range(1, len(current)):
            current[depth] = _by_barycenter(current[depth], current[depth - 1], above)
        for depth in range(len(current) - 2, -1, -1):
            current[depth] = _by_barycenter(current[depth], current[depth + 1], below)
        crossings = _crossings(current, below)
        if crossings >= best_crossings:
            break
        best = [list(row) for row in current]
        best_crossings = crossings
    return best


def _by_barycenter(row: list[int], neighbour_row: list[int], neighbours: list[list[int]]) -> list[int]:
    position = {vertex: place for place, vertex in enumerate(neighbour_row)}

    def barycenter(place: int) -> float:
        linked = [position[other] for other in neighbours[row[place]]]
        # A vertex with no neighbour on that side keeps its place rather than drifting to the edge.
        return sum(linked) / len(linked) if linked else float(place)

    # sorted() is stable, so ties keep the current order.
    return [row[place] for place in sorted(range(len(row)), key=barycenter)]


def _crossings(rows: list[list[int]], below: list[list[int]]) -> int:
    total = 0
    for upper, lower in pairwise(rows):
        position = {vertex: place for place, vertex in enumerate(lower)}
        links = [(place, position[child]) for place, vertex in enumerate(upper) for child in below[vertex]]
        total += sum(
            1
            for first, (top, bottom) in enumerate(links)
            for other_top, other_bottom in links[first + 1 :]
            if (top - other_top) * (bottom - other_bottom) < 0
        )
    return total
