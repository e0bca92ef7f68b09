"""Process maps (权力运行流程图) as graphs: validation and layout.

A map is a directed acyclic graph of steps with exactly one start step (no incoming edge) from
which every step can be reached. Parallel approval (并联审批) shows up as a step with several
outgoing edges whose branches meet again later.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
    """Check that the map is a DAG with one start from which every step is reached.

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
    reached = {starts[0]}
    frontier = [starts[0]]
    while frontier:
        for target in outgoing[frontier.pop()]:
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    if len(reached) != len(keys):
        unreachable = [key for key in keys if key not in reached]
        raise InvalidProcessMap(f"以下环节无法从起始环节到达：{'、'.join(unreachable)}")
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
