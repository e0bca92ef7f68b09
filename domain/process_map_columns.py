"""Where the boxes and arrows of a process-map drawing go, in one column or several.

A long map wraps by cutting its layers (:func:`domain.process_map.layout`) into runs of nearly
equal length set side by side. Inside a column, boxes sit under the mean of their parents and
arrows run down between them; an edge from one column to another is drawn as a pair of numbered
connectors (连接符, the flowchart convention): an arrow into a circle under the source's column,
and from a circle of the same number over the target's column into the target. Pure geometry:
the drawing (:mod:`domain.process_map_svg`) turns it into markup.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from domain.process_map import Edge

BOX_WIDTH = 212
BOX_HEIGHT = 132
GAP_X = 24
GAP_Y = 56
COLUMN_GAP = 40
CONNECTOR_RADIUS = 15
CONNECTOR_GAP = 24  # between a connector and the box it leads from or to
CONNECTOR_SPACING = 40
# The height a row of connectors takes over or under the columns.
CONNECTOR_ROW = 2 * CONNECTOR_RADIUS + CONNECTOR_GAP

_SPACING = BOX_WIDTH + GAP_X
_PITCH = BOX_HEIGHT + GAP_Y
_K = TypeVar("_K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Column:
    first: int  # its first and last layer
    last: int
    left: int
    width: int

    @property
    def layers(self) -> int:
        return self.last - self.first + 1


@dataclass(frozen=True, slots=True)
class Arrangement:
    """The columns a map is cut into, and each step's centre from the left of the first column."""

    columns: list[Column]
    centres: dict[str, int]

    @property
    def width(self) -> int:
        return self.columns[-1].left + self.columns[-1].width

    @property
    def height(self) -> int:
        """From the top of the connectors over the columns to the bottom of those under them."""
        tallest = max(column.layers for column in self.columns)
        return tallest * _PITCH - GAP_Y + (2 * CONNECTOR_ROW if len(self.columns) > 1 else 0)


@dataclass(frozen=True, slots=True)
class Arrow:
    """Path data of one arrow. ``kind`` is ``edge`` (source to target in one column), ``continued``
    (source to the connector under its column) or ``link`` (connector to target)."""

    route: str
    kind: str
    target: str
    source: str | None = None


@dataclass(frozen=True, slots=True)
class Connector:
    """A numbered circle under a column (``inlet`` false: the flow leaves for ``target``) or over
    one (``inlet`` true: the flow arrives at ``target``)."""

    x: int
    y: int
    number: int
    target: str
    inlet: bool


def arrange(rows: Sequence[Sequence[str]], parents: dict[str, list[str]], count: int) -> Arrangement:
    """Cut the layers (``rows`` of step keys, in lane order) into ``count`` runs of nearly equal
    length, longer ones first, and set them side by side."""
    size, extra = divmod(len(rows), count)
    columns: list[Column] = []
    centres: dict[str, int] = {}
    left = first = 0
    for index in range(count):
        band = rows[first : first + size + (1 if index < extra else 0)]
        inside = {key for row in band for key in row}
        local = _centres(band, {key: [p for p in parents[key] if p in inside] for key in inside})
        low = min(local.values()) - BOX_WIDTH // 2
        width = max(local.values()) + BOX_WIDTH // 2 - low
        centres.update({key: x - low + left for key, x in local.items()})
        columns.append(Column(first=first, last=first + len(band) - 1, left=left, width=width))
        left += width + COLUMN_GAP
        first += len(band)
    return Arrangement(columns, centres)


@dataclass(frozen=True, slots=True)
class Geometry:
    """An arrangement placed on the page: ``left`` and ``top`` are where its area begins."""

    arrangement: Arrangement
    layer_of: dict[str, int]
    left: int
    top: int

    @property
    def _columns(self) -> list[Column]:
        return self.arrangement.columns

    @property
    def _wrapped(self) -> bool:
        return len(self._columns) > 1

    def column_of(self, key: str) -> int:
        layer = self.layer_of[key]
        return next(
            index for index, column in enumerate(self._columns) if column.first <= layer <= column.last
        )

    def centre(self, key: str) -> int:
        return self.left + self.arrangement.centres[key]

    def box_top(self, key: str) -> int:
        column = self._columns[self.column_of(key)]
        return self._layers_top + (self.layer_of[key] - column.first) * _PITCH

    @property
    def _layers_top(self) -> int:
        return self.top + (CONNECTOR_ROW if self._wrapped else 0)

    def arrows(self, edges: Sequence[Edge], order: Sequence[str]) -> tuple[list[Arrow], list[Connector]]:
        """Every edge's arrow (two pieces and a pair of connectors for an edge between columns);
        connectors are numbered by their target in ``order``."""
        within = [edge for edge in edges if self.column_of(edge.source) == self.column_of(edge.target)]
        arrows = [self._arrow(edge) for edge in within]
        crossing = [edge for edge in edges if edge not in within]
        targets = sorted({edge.target for edge in crossing}, key=list(order).index)
        number = {target: index + 1 for index, target in enumerate(targets)}
        connectors: list[Connector] = []

        # One inlet per target, over the target's column.
        inlet_y = self.top + CONNECTOR_RADIUS
        entries = {target: self._entry(target) for target in targets}
        inlet_x = _spread_by_column(
            {target: float(_either(entries[target], self.centre(target))) for target in targets},
            self.column_of,
        )
        for target in targets:
            route = _route(
                (inlet_x[target], inlet_y + CONNECTOR_RADIUS),
                (self.centre(target), self.box_top(target)),
                via=entries[target],
                leave=CONNECTOR_GAP,
                enter=GAP_Y,
            )
            arrows.append(Arrow(route, "link", target=target))
            connectors.append(Connector(inlet_x[target], inlet_y, number[target], target, inlet=True))

        # One outlet per column and target, under that column: sources of one target share it.
        exits = {edge: self._exit(edge.source) for edge in crossing}
        outlets: dict[tuple[int, str], list[Edge]] = {}
        for edge in crossing:
            outlets.setdefault((self.column_of(edge.source), edge.target), []).append(edge)
        outlet_x = _spread_by_column(
            {
                outlet: sum(_either(exits[edge], self.centre(edge.source)) for edge in group) / len(group)
                for outlet, group in outlets.items()
            },
            lambda outlet: outlet[0],
        )
        for (column, target), group in outlets.items():
            x = outlet_x[(column, target)]
            y = (
                self._layers_top
                + self._columns[column].layers * _PITCH
                - GAP_Y
                + CONNECTOR_GAP
                + CONNECTOR_RADIUS
            )
            for edge in group:
                route = _route(
                    (self.centre(edge.source), self.box_top(edge.source) + BOX_HEIGHT),
                    (x, y - CONNECTOR_RADIUS),
                    via=exits[edge],
                    leave=GAP_Y,
                    enter=CONNECTOR_GAP,
                )
                arrows.append(Arrow(route, "continued", target=edge.target, source=edge.source))
            connectors.append(Connector(x, y, number[target], target, inlet=False))
        return arrows, connectors

    def _arrow(self, edge: Edge) -> Arrow:
        # A skipping edge runs down a line free of boxes in the layers it crosses.
        blocking = self._blocking(
            self.column_of(edge.source), self.layer_of[edge.source], self.layer_of[edge.target]
        )
        start_x, end_x = self.centre(edge.source), self.centre(edge.target)
        route = _route(
            (start_x, self.box_top(edge.source) + BOX_HEIGHT),
            (end_x, self.box_top(edge.target)),
            via=_free_column(start_x, end_x, blocking) if blocking else None,
            leave=GAP_Y,
            enter=GAP_Y,
        )
        return Arrow(route, "edge", target=edge.target, source=edge.source)

    def _blocking(self, column: int, above: int, below: int) -> list[int]:
        """Centres of the column's boxes in the layers strictly between ``above`` and ``below``."""
        return [
            self.centre(key)
            for key, layer in self.layer_of.items()
            if above < layer < below and self.column_of(key) == column
        ]

    def _exit(self, key: str) -> int | None:
        """The x of a line free of boxes from under ``key`` to the foot of its column, when there
        are boxes below it."""
        column = self.column_of(key)
        blocking = self._blocking(column, self.layer_of[key], self._columns[column].last + 1)
        # Towards the next column, where the flow goes on (the page's margin is on the left).
        return _free_column(self.centre(key), self.centre(key), blocking, prefer=1) if blocking else None

    def _entry(self, key: str) -> int | None:
        """The x of a line free of boxes from the head of ``key``'s column down to it, when there
        are boxes above it."""
        column = self.column_of(key)
        blocking = self._blocking(column, self._columns[column].first - 1, self.layer_of[key])
        # Towards the previous column, where the flow comes from.
        return _free_column(self.centre(key), self.centre(key), blocking, prefer=-1) if blocking else None


def _either(value: int | None, default: int) -> int:
    return default if value is None else value


def _centres(rows: Sequence[Sequence[str]], parents: dict[str, list[str]]) -> dict[str, int]:
    """Horizontal centre of every box: each step as close as possible to the mean of its parents,
    keeping the layout's lane order and one box plus a gap between neighbours."""
    centre: dict[str, int] = {}
    for row in rows:
        wanted = [
            sum(centre[parent] for parent in parents[key]) / len(parents[key]) if parents[key] else 0.0
            for key in row
        ]
        for key, x in zip(row, _spread(wanted, _SPACING), strict=True):
            centre[key] = x
    return centre


def _spread(wanted: list[float], spacing: int) -> list[int]:
    """Positions in the given order, at least ``spacing`` apart, closest to ``wanted`` in the
    least-squares sense: subtracting ``i * spacing`` turns it into isotonic regression, solved by
    pooling adjacent violators."""
    blocks: list[list[float]] = []  # [sum, count] of each pool
    for index, x in enumerate(wanted):
        blocks.append([x - index * spacing, 1.0])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            total, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += count
    base = [value for total, count in blocks for value in [total / count] * int(count)]
    # Whole pixels keep the path data short; rounding the shared base keeps the spacing exact.
    return [round(value) + index * spacing for index, value in enumerate(base)]


def _spread_by_column(wanted: dict[_K, float], column: Callable[[_K], int]) -> dict[_K, int]:
    """Connectors of one column, in order of their wanted x and far enough apart to tell apart."""
    placed: dict[_K, int] = {}
    for index in {column(key) for key in wanted}:
        keys = sorted((key for key in wanted if column(key) == index), key=wanted.__getitem__)
        placed.update(zip(keys, _spread([wanted[key] for key in keys], CONNECTOR_SPACING), strict=True))
    return placed


def _route(start: tuple[int, int], end: tuple[int, int], *, via: int | None, leave: int, enter: int) -> str:
    """Path data of a curve down from ``start`` to ``end``, leaving and entering vertically; with
    ``via``, it bends within ``leave`` of the start onto a straight run at x = ``via`` and off it
    within ``enter`` of the end."""
    (start_x, start_y), (end_x, end_y) = start, end
    if via is None:
        middle = (start_y + end_y) // 2
        return f"M{start_x},{start_y} C{start_x},{middle} {end_x},{middle} {end_x},{end_y}"
    below, above = start_y + leave // 2, end_y - enter // 2
    return (
        f"M{start_x},{start_y} C{start_x},{below} {via},{below} {via},{start_y + leave} "
        f"L{via},{end_y - enter} C{via},{above} {end_x},{above} {end_x},{end_y}"
    )


def _free_column(source_x: int, target_x: int, blocking: list[int], *, prefer: int = -1) -> int:
    """The x nearest the two ends where a vertical line passes no box; of two as near, the one on
    the side of ``prefer`` (-1 left, 1 right)."""
    reach = (BOX_WIDTH + GAP_X) // 2  # half a box plus half a gap: the middle of the gap is free
    candidates = {source_x, target_x} | {x + side * reach for x in blocking for side in (-1, 1)}
    free = [x for x in candidates if all(abs(x - other) >= reach for other in blocking)]
    return min(free, key=lambda x: (abs(x - source_x) + abs(x - target_x), -prefer * x))
