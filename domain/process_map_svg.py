"""Process maps drawn as SVG flowcharts that a touchscreen kiosk in a service hall can show.

The drawing reads top to bottom: one rounded box per step with its name (wrapped over at most two
lines), the post that acts and its time limit; steps handled by another department than the first
step's (parallel approval, 并联审批) are tinted in that department's colour and named. Arrows follow
:func:`domain.process_map.layout`. Everything that comes from data is escaped, and the output is a
self-contained, well-formed SVG document with no external resources.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from domain.process_map import Edge, Node, Placement, layout

FONT_FAMILY = '"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif'

BOX_WIDTH = 220
BOX_HEIGHT = 100
GAP_X = 48
GAP_Y = 64
MARGIN = 40
TITLE_HEIGHT = 72
PADDING = 12

TITLE_FONT = 24
NAME_FONT = 18
NAME_LINE = 24
META_FONT = 14
META_LINE = 20
DEPARTMENT_FONT = 13
DEPARTMENT_LINE = 18

INK = "#1f2933"
MUTED = "#52606d"
ARROW = "#7b8794"
HIGHLIGHT = "#d9480f"
# (fill, stroke): the first step's department, then one pair per other department in order of
# appearance; with more departments than pairs the colours repeat, and the name still tells them apart.
LEAD_COLOURS = ("#eef4ff", "#2f5fa7")
OTHER_COLOURS = (
    ("#fff3e0", "#c25e00"),
    ("#e8f7ef", "#1e7a4c"),
    ("#f3ecfb", "#6a3fa0"),
    ("#fdecef", "#b0284a"),
)

_SPACING = BOX_WIDTH + GAP_X
# Characters XML 1.0 forbids even when escaped; names pasted from other systems sometimes carry them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True, slots=True)
class SvgStep:
    """One step as the drawing shows it; ``department`` is the department's short name and a
    ``limit_days`` of 0 shows as 即办 (handled on the spot)."""

    key: str
    name: str
    post: str
    limit_days: int
    department: str
    highlighted: bool = False


def render_svg(title: str, steps: Sequence[SvgStep], edges: Sequence[Edge]) -> str:
    """Draw the map as a standalone SVG document, sized to its layout.

    ``highlighted`` steps (a case's current step, say) get a thick outline. Raises
    :class:`~domain.process_map.InvalidProcessMap` if the steps and edges do not form a valid map.
    """
    placements = layout([Node(key=step.key, name=step.name) for step in steps], edges)
    by_key = {step.key: step for step in steps}
    parents: dict[str, list[str]] = {step.key: [] for step in steps}
    for edge in edges:
        parents[edge.target].append(edge.source)
    centres = _centres(placements, parents)
    layer_of = {placement.key: placement.layer for placement in placements}

    content_width = max(centres.values()) - min(centres.values()) + BOX_WIDTH
    width = max(content_width, round(_text_width(_clean(title)) * TITLE_FONT)) + 2 * MARGIN
    shift = (width - content_width) // 2 + BOX_WIDTH // 2 - min(centres.values())
    centres = {key: x + shift for key, x in centres.items()}
    layers = max(layer_of.values()) + 1
    height = TITLE_HEIGHT + layers * BOX_HEIGHT + (layers - 1) * GAP_Y + MARGIN

    # Layout order puts the start step first; its department leads a parallel approval.
    ordered = [by_key[placement.key] for placement in placements]
    lead = ordered[0].department
    colours = _department_colours(lead, ordered)
    arrows = [_edge_path(edge, centres, layer_of) for edge in edges]
    boxes = [
        _box(step, centre=centres[step.key], layer=layer_of[step.key], lead=lead, colours=colours)
        for step in ordered
    ]
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="map-title map-desc" '
            f"font-family='{FONT_FAMILY}'>",
            f'<title id="map-title">{_text(title)}</title>',
            f'<desc id="map-desc">权力运行流程图，共{len(steps)}个环节</desc>',
            "<defs>",
            '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
            'orient="auto-start-reverse">',
            f'<path d="M0,0 L10,5 L0,10 z" fill="{ARROW}"/>',
            "</marker>",
            "</defs>",
            f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
            f'<text x="{width // 2}" y="{MARGIN}" text-anchor="middle" '
            f'font-size="{TITLE_FONT}" font-weight="bold" fill="{INK}">{_text(title)}</text>',
            '<g class="edges">',
            *arrows,
            "</g>",
            '<g class="steps">',
            *boxes,
            "</g>",
            "</svg>",
        ]
    )


def wrap(text: str, *, width: float, lines: int) -> list[str]:
    """Break ``text`` into at most ``lines`` lines of at most ``width`` ems, by character.

    Chinese has no spaces to break at, so any character boundary will do; a CJK character is one em
    wide, anything else about half. Text that still does not fit ends in "…".
    """
    result: list[str] = []
    current, used = "", 0.0
    for char in text:
        char_width = _char_width(char)
        if current and used + char_width > width:
            result.append(current)
            current, used = "", 0.0
        current += char
        used += char_width
    result.append(current)
    if len(result) <= lines:
        return result
    last = result[lines - 1]
    while last and _text_width(last + "…") > width:
        last = last[:-1]
    return [*result[: lines - 1], last + "…"]


def _centres(placements: Sequence[Placement], parents: dict[str, list[str]]) -> dict[str, int]:
    """Horizontal centre of every box: each step as close as possible to the mean of its parents,
    keeping the layout's lane order and one box plus a gap between neighbours."""
    centre: dict[str, int] = {}
    rows: list[list[str]] = []
    for placement in placements:
        if placement.layer == len(rows):
            rows.append([])
        rows[placement.layer].append(placement.key)
    for row in rows:
        wanted = [
            sum(centre[parent] for parent in parents[key]) / len(parents[key]) if parents[key] else 0.0
            for key in row
        ]
        for key, x in zip(row, _spread(wanted), strict=True):
            centre[key] = x
    return centre


def _spread(wanted: list[float]) -> list[int]:
    """Positions in the given order, at least one spacing apart, closest to ``wanted`` in the
    least-squares sense: subtracting ``i * spacing`` turns it into isotonic regression, solved by
    pooling adjacent violators."""
    blocks: list[list[float]] = []  # [sum, count] of each pool
    for index, x in enumerate(wanted):
        blocks.append([x - index * _SPACING, 1.0])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            total, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += count
    base = [value for total, count in blocks for value in [total / count] * int(count)]
    # Whole pixels keep the path data short; rounding the shared base keeps the spacing exact.
    return [round(value) + index * _SPACING for index, value in enumerate(base)]


def _layer_top(layer: int) -> int:
    return TITLE_HEIGHT + layer * (BOX_HEIGHT + GAP_Y)


def _edge_path(edge: Edge, centres: dict[str, int], layer_of: dict[str, int]) -> str:
    start_x, end_x = centres[edge.source], centres[edge.target]
    source_layer, target_layer = layer_of[edge.source], layer_of[edge.target]
    start_y = _layer_top(source_layer) + BOX_HEIGHT
    end_y = _layer_top(target_layer)
    # Curves leave and enter the boxes vertically, bending in the middle of the gap between layers.
    below, above = start_y + GAP_Y // 2, end_y - GAP_Y // 2
    if target_layer == source_layer + 1:
        route = f"M{start_x},{start_y} C{start_x},{below} {end_x},{above} {end_x},{end_y}"
    else:
        # A skipping edge runs down a column free of boxes in the layers it crosses.
        crossed = [centres[key] for key, layer in layer_of.items() if source_layer < layer < target_layer]
        x = _free_column(start_x, end_x, crossed)
        route = (
            f"M{start_x},{start_y} C{start_x},{below} {x},{below} {x},{start_y + GAP_Y} "
            f"L{x},{end_y - GAP_Y} C{x},{above} {end_x},{above} {end_x},{end_y}"
        )
    return (
        f'<path class="edge" data-source="{_attr(edge.source)}" data-target="{_attr(edge.target)}" '
        f'd="{route}" fill="none" stroke="{ARROW}" stroke-width="2" marker-end="url(#arrow)"/>'
    )


def _free_column(source_x: int, target_x: int, blocking: list[int]) -> int:
    reach = (BOX_WIDTH + GAP_X) // 2  # half a box plus half a gap: the middle of the gap is free
    candidates = {source_x, target_x} | {x + side * reach for x in blocking for side in (-1, 1)}
    free = [x for x in candidates if all(abs(x - other) >= reach for other in blocking)]
    return min(free, key=lambda x: (abs(x - source_x) + abs(x - target_x), x))


def _department_colours(lead: str, steps: Sequence[SvgStep]) -> dict[str, tuple[str, str]]:
    colours = {lead: LEAD_COLOURS}
    for step in steps:
        if step.department not in colours:
            colours[step.department] = OTHER_COLOURS[(len(colours) - 1) % len(OTHER_COLOURS)]
    return colours


def _box(step: SvgStep, *, centre: int, layer: int, lead: str, colours: dict[str, tuple[str, str]]) -> str:
    top = _layer_top(layer)
    inner = BOX_WIDTH - 2 * PADDING
    fill, stroke = colours[step.department]
    limit = "即办" if step.limit_days == 0 else f"{step.limit_days}个工作日"
    # (text, font size, line height, colour, weight)
    lines: list[tuple[str, int, int, str, str]] = []
    if step.department != lead:
        department = wrap(_clean(step.department), width=inner / DEPARTMENT_FONT, lines=1)[0]
        lines.append((department, DEPARTMENT_FONT, DEPARTMENT_LINE, stroke, "bold"))
    lines.extend(
        (line, NAME_FONT, NAME_LINE, INK, "bold")
        for line in wrap(_clean(step.name), width=inner / NAME_FONT, lines=2)
    )
    meta = wrap(f"{_clean(step.post)} · {limit}", width=inner / META_FONT, lines=1)[0]
    lines.append((meta, META_FONT, META_LINE, MUTED, "normal"))

    classes = "step highlighted" if step.highlighted else "step"
    outline = (
        f'stroke="{HIGHLIGHT}" stroke-width="5"'
        if step.highlighted
        else f'stroke="{stroke}" stroke-width="2"'
    )
    parts = [
        f'<g class="{classes}" data-key="{_attr(step.key)}">',
        f"<title>{_text(step.name)}</title>",
        f'<rect x="{centre - BOX_WIDTH // 2}" y="{top}" width="{BOX_WIDTH}" height="{BOX_HEIGHT}" '
        f'rx="14" ry="14" fill="{fill}" {outline}/>',
    ]
    # Centre the block of lines vertically; each baseline sits about 0.8 of a line below its top.
    y = top + (BOX_HEIGHT - sum(line_height for _, _, line_height, _, _ in lines)) / 2
    for text, size, line_height, colour, weight in lines:
        baseline = round(y + line_height * 0.8)
        parts.append(
            f'<text x="{centre}" y="{baseline}" text-anchor="middle" font-size="{size}" '
            f'font-weight="{weight}" fill="{colour}">{_text(text)}</text>'
        )
        y += line_height
    parts.append("</g>")
    return "\n".join(parts)


def _text_width(text: str) -> float:
    return sum(_char_width(char) for char in text)


def _char_width(char: str) -> float:
    """Approximate width in ems: full-width (CJK) characters take one em, the rest about half."""
    return 1.0 if unicodedata.east_asian_width(char) in ("W", "F") else 0.55


def _clean(text: str) -> str:
    """One line of XML-safe text: line breaks and runs of spaces become one space."""
    return _NOT_XML.sub("", " ".join(text.split()))


def _text(text: str) -> str:
    return escape(_clean(text))


def _attr(text: str) -> str:
    return escape(_clean(text), {'"': "&quot;"})
