"""Process maps drawn as SVG flowcharts for the screens people read them on.

The drawing reads top to bottom: one rounded box per step with its name (wrapped over at most two
lines), the post that acts and its time limit, tinted in the colour of its department and named
when that is not the first step's (parallel approval, 并联审批); a legend under the title names the
departments' colours. Arrows follow :func:`domain.process_map.layout`.

A map is drawn for a :class:`Frame`, the screen it is shown on. Its text is never smaller than
16 units, and the drawing is never wider than the frame (unless one layer of parallel branches
needs more), so shown at the frame's width its text is at least 16 px. A long map on a kiosk wraps
into columns side by side until it is no taller than the portrait screen allows; an edge from one
column to another is drawn as a pair of numbered connectors (连接符), the flowchart convention.

Everything that comes from data is escaped, and the output is a self-contained, well-formed SVG
document with no external resources: no web fonts, links or images, only local font families.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from domain.errors import DomainError
from domain.process_map import Edge, Node, layout
from domain.process_map_columns import (
    BOX_HEIGHT,
    BOX_WIDTH,
    CONNECTOR_RADIUS,
    Arrangement,
    Arrow,
    Connector,
    Geometry,
    arrange,
)

# Local fonts only (a kiosk may be offline): the common Chinese system faces, then any sans-serif.
FONT_FAMILY = (
    '"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",'
    '"Hiragino Sans GB","WenQuanYi Micro Hei",sans-serif'
)


@dataclass(frozen=True, slots=True)
class Frame:
    """The screen a map is drawn for: shown ``width`` CSS pixels wide, the drawing's units are
    pixels or larger; ``aspect`` is the tallest height / width before a long map wraps into
    columns (``None``: never wrap, the screen scrolls)."""

    name: str
    width: int
    aspect: float | None


# A portrait 1080 × 1920 kiosk shows the map about 1000 px wide, under its page's header.
KIOSK = Frame("kiosk", 1000, 1.6)
# A 360–430 px wide phone scrolls a map of one column.
PHONE = Frame("phone", 360, None)

MIN_FONT = 16
MARGIN = 12
PADDING = 10

TITLE_FONT = 24
TITLE_LINE = 32
TITLE_LINES = 3
NAME_FONT = 20
NAME_LINE = 26
META_FONT = MIN_FONT
META_LINE = 21
LEGEND_FONT = MIN_FONT
LEGEND_LINE = 30
SWATCH = (28, 20)

INK = "#1f2933"
MUTED = "#52606d"
ARROW = "#7b8794"
# The current step: a fill no department has, a thick outline, and a "当前" tag.
CURRENT_FILL = "#ffe066"
CURRENT_STROKE = "#c2410c"
# (fill, stroke): the first step's department, then one pair per other department in order of
# appearance; with more departments than pairs the colours repeat, and the name still tells them apart.
LEAD_COLOURS = ("#eef4ff", "#2f5fa7")
OTHER_COLOURS = (
    ("#fff3e0", "#c25e00"),
    ("#e8f7ef", "#1e7a4c"),
    ("#f3ecfb", "#6a3fa0"),
    ("#fdecef", "#b0284a"),
)

# Characters XML 1.0 forbids even when escaped; names pasted from other systems sometimes carry them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class UnknownStep(DomainError):
    code = "UNKNOWN_STEP"


@dataclass(frozen=True, slots=True)
class SvgStep:
    """One step as the drawing shows it; ``department`` is the department's short name and a
    ``limit_days`` of 0 shows as 即办 (handled on the spot)."""

    key: str
    name: str
    post: str
    limit_days: int
    department: str


@dataclass(frozen=True, slots=True)
class _LegendItem:
    label: str
    fill: str
    stroke: str
    connector: bool = False

    @property
    def width(self) -> int:
        return SWATCH[0] + 8 + round(_text_width(self.label) * LEGEND_FONT)


_LEGEND_CAPTION = "图例："
_LEGEND_SEPARATION = 24


def render_svg(
    title: str,
    steps: Sequence[SvgStep],
    edges: Sequence[Edge],
    *,
    frame: Frame = KIOSK,
    current: str | None = None,
) -> str:
    """Draw the map for ``frame`` as a standalone SVG document that scales (``viewBox``).

    ``current`` (a case's current step) is filled, tagged 当前 and named so in its ``<title>``.
    Raises :class:`UnknownStep` if ``current`` is not a step of the map, and
    :class:`~domain.process_map.InvalidProcessMap` if the steps and edges do not form a valid map.
    """
    placements = layout([Node(key=step.key, name=step.name) for step in steps], edges)
    by_key = {step.key: step for step in steps}
    if current is not None and current not in by_key:
        raise UnknownStep(f"流程图中没有环节“{_clean(current)[:40]}”，请使用流程图中环节的编号（key）")
    parents: dict[str, list[str]] = {step.key: [] for step in steps}
    for edge in edges:
        parents[edge.target].append(edge.source)
    rows: list[list[str]] = []
    for placement in placements:
        if placement.layer == len(rows):
            rows.append([])
        rows[placement.layer].append(placement.key)

    # Layout order puts the start step first; its department leads a parallel approval.
    ordered = [by_key[placement.key] for placement in placements]
    lead = ordered[0].department
    colours = _department_colours(lead, ordered)
    legend = [_LegendItem(name or "办理部门", fill, stroke) for name, (fill, stroke) in colours.items()]
    if current is not None:
        legend.append(_LegendItem("当前环节", CURRENT_FILL, CURRENT_STROKE))
    title_text = _clean(title)

    def measure(arrangement: Arrangement) -> tuple[int, int, list[str], list[list[_LegendItem]]]:
        items = legend
        if len(arrangement.columns) > 1:
            items = [*legend, _LegendItem("同号圆圈相连，流程在此接续", "#ffffff", INK, connector=True)]
        inner = max(arrangement.width, frame.width - 2 * MARGIN)
        lines = wrap(title_text, width=inner / TITLE_FONT, lines=TITLE_LINES)
        legend_rows = _legend_rows(items, inner)
        content = max(
            arrangement.width,
            max(round(_text_width(line) * TITLE_FONT) for line in lines),
            _legend_width(legend_rows),
        )
        height = _header_height(len(lines), len(legend_rows)) + arrangement.height + MARGIN
        # Never narrower than the frame: shown at its width, the drawing is at its own size.
        return max(content + 2 * MARGIN, frame.width), height, lines, legend_rows

    # Wrap into more columns only while the map is too tall for the frame and the columns fit.
    arrangement = arrange(rows, parents, 1)
    for count in range(2, len(rows) + 1 if frame.aspect is not None else 2):
        width, height, _, _ = measure(arrangement)
        wider = arrange(rows, parents, count)
        if height <= (frame.aspect or 0) * width or wider.width > frame.width - 2 * MARGIN:
            break
        arrangement = wider
    width, height, title_lines, legend_rows = measure(arrangement)
    geometry = Geometry(
        arrangement,
        layer_of={placement.key: placement.layer for placement in placements},
        left=(width - arrangement.width) // 2,
        top=_header_height(len(title_lines), len(legend_rows)),
    )
    arrows, connectors = geometry.arrows(edges, [step.key for step in ordered])
    boxes = [
        _box(
            step,
            centre=geometry.centre(step.key),
            top=geometry.box_top(step.key),
            lead=lead,
            colours=colours,
            current=step.key == current,
        )
        for step in ordered
    ]
    description = f"权力运行流程图，共{len(steps)}个环节"
    if current is not None:
        description += f"，当前环节：{by_key[current].name}"
    legend_top = MARGIN + TITLE_LINE * len(title_lines) + 8
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" preserveAspectRatio="xMidYMin meet" role="img" '
            f'aria-labelledby="map-title map-desc" data-layout="{frame.name}" '
            f"font-family='{FONT_FAMILY}'>",
            f'<title id="map-title">{_text(title)}</title>',
            f'<desc id="map-desc">{_text(description)}</desc>',
            "<defs>",
            '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
            'orient="auto-start-reverse">',
            f'<path d="M0,0 L10,5 L0,10 z" fill="{ARROW}"/>',
            "</marker>",
            "</defs>",
            f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
            *(
                f'<text x="{width // 2}" y="{MARGIN + TITLE_LINE * index + TITLE_FONT}" '
                f'text-anchor="middle" font-size="{TITLE_FONT}" font-weight="bold" fill="{INK}">'
                f"{_text(line)}</text>"
                for index, line in enumerate(title_lines)
            ),
            _legend(legend_rows, left=(width - _legend_width(legend_rows)) // 2, top=legend_top),
            '<g class="edges">',
            *(_path(arrow) for arrow in arrows),
            *(_connector(connector, by_key[connector.target].name) for connector in connectors),
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


def _header_height(title_lines: int, legend_rows: int) -> int:
    # Room under the legend for the 当前 tag, which stands above its box.
    return MARGIN + TITLE_LINE * title_lines + 8 + LEGEND_LINE * legend_rows + 24


def _path(arrow: Arrow) -> str:
    classes = {"edge": "edge", "continued": "edge continued", "link": "connector-link"}[arrow.kind]
    source = f'data-source="{_attr(arrow.source)}" ' if arrow.source is not None else ""
    return (
        f'<path class="{classes}" {source}data-target="{_attr(arrow.target)}" d="{arrow.route}" '
        f'fill="none" stroke="{ARROW}" stroke-width="2" marker-end="url(#arrow)"/>'
    )


def _connector(connector: Connector, target_name: str) -> str:
    number, x, y = connector.number, connector.x, connector.y
    if connector.inlet:
        title = f"由{number}号圆圈接续：{target_name}"
    else:
        title = f"转到{number}号圆圈继续：{target_name}"
    return "\n".join(
        [
            f'<g class="connector{" inlet" if connector.inlet else ""}" data-number="{number}" '
            f'data-target="{_attr(connector.target)}">',
            f"<title>{_text(title)}</title>",
            f'<circle cx="{x}" cy="{y}" r="{CONNECTOR_RADIUS}" fill="#ffffff" stroke="{INK}" '
            'stroke-width="2"/>',
            f'<text x="{x}" y="{y + 6}" text-anchor="middle" font-size="{MIN_FONT}" '
            f'font-weight="bold" fill="{INK}">{number}</text>',
            "</g>",
        ]
    )


def _department_colours(lead: str, steps: Sequence[SvgStep]) -> dict[str, tuple[str, str]]:
    colours = {lead: LEAD_COLOURS}
    for step in steps:
        if step.department not in colours:
            colours[step.department] = OTHER_COLOURS[(len(colours) - 1) % len(OTHER_COLOURS)]
    return colours


def _legend_rows(items: list[_LegendItem], inner: int) -> list[list[_LegendItem]]:
    """The legend's items in rows no wider than ``inner``, in order."""
    rows: list[list[_LegendItem]] = [[]]
    for item in items:
        if rows[-1] and _row_width([*rows[-1], item]) > inner:
            rows.append([])
        rows[-1].append(item)
    return rows


def _row_width(row: list[_LegendItem]) -> int:
    caption = round(_text_width(_LEGEND_CAPTION) * LEGEND_FONT)
    return caption + sum(item.width for item in row) + _LEGEND_SEPARATION * (len(row) - 1)


def _legend_width(rows: list[list[_LegendItem]]) -> int:
    return max(_row_width(row) for row in rows)


def _legend(rows: list[list[_LegendItem]], *, left: int, top: int) -> str:
    """The key to the colours (departments, the current step) and, with columns, the connectors;
    continued rows start under the first item, after the caption."""
    caption = round(_text_width(_LEGEND_CAPTION) * LEGEND_FONT)
    baseline = LEGEND_LINE // 2 + 6
    parts = [
        '<g class="legend">',
        f'<text x="{left}" y="{top + baseline}" font-size="{LEGEND_FONT}" font-weight="bold" '
        f'fill="{INK}">{_LEGEND_CAPTION}</text>',
    ]
    for index, row in enumerate(rows):
        y = top + index * LEGEND_LINE
        x = left + caption
        for item in row:
            swatch_width, swatch_height = SWATCH
            middle = y + LEGEND_LINE // 2
            if item.connector:
                parts.append(
                    f'<circle cx="{x + swatch_width // 2}" cy="{middle}" r="{swatch_height // 2}" '
                    f'fill="{item.fill}" stroke="{item.stroke}" stroke-width="2"/>'
                )
            else:
                parts.append(
                    f'<rect class="swatch" x="{x}" y="{middle - swatch_height // 2}" width="{swatch_width}" '
                    f'height="{swatch_height}" rx="4" ry="4" fill="{item.fill}" stroke="{item.stroke}" '
                    'stroke-width="2"/>'
                )
            parts.append(
                f'<text x="{x + swatch_width + 8}" y="{y + baseline}" font-size="{LEGEND_FONT}" '
                f'fill="{INK}">{_text(item.label)}</text>'
            )
            x += item.width + _LEGEND_SEPARATION
    parts.append("</g>")
    return "\n".join(parts)


def _box(
    step: SvgStep,
    *,
    centre: int,
    top: int,
    lead: str,
    colours: dict[str, tuple[str, str]],
    current: bool,
) -> str:
    inner = BOX_WIDTH - 2 * PADDING
    fill, stroke = colours[step.department]
    limit = "即办" if step.limit_days == 0 else f"{step.limit_days}个工作日"
    # (text, font size, line height, colour, weight)
    lines: list[tuple[str, int, int, str, str]] = []
    if step.department != lead:
        department = wrap(_clean(step.department), width=inner / META_FONT, lines=1)[0]
        lines.append((department, META_FONT, META_LINE, INK if current else stroke, "bold"))
    lines.extend(
        (line, NAME_FONT, NAME_LINE, INK, "bold")
        for line in wrap(_clean(step.name), width=inner / NAME_FONT, lines=2)
    )
    meta = f"{_clean(step.post)} · {limit}"
    if _text_width(meta) > inner / META_FONT:
        meta_lines = [wrap(_clean(step.post), width=inner / META_FONT, lines=1)[0], limit]
    else:
        meta_lines = [meta]
    lines.extend((line, META_FONT, META_LINE, INK if current else MUTED, "normal") for line in meta_lines)

    left = centre - BOX_WIDTH // 2
    if current:
        head = f'<g class="step current" aria-current="step" data-key="{_attr(step.key)}">'
        title = f"当前环节：{step.name}"
        outline = f'fill="{CURRENT_FILL}" stroke="{CURRENT_STROKE}" stroke-width="5"'
    else:
        head = f'<g class="step" data-key="{_attr(step.key)}">'
        title = step.name
        outline = f'fill="{fill}" stroke="{stroke}" stroke-width="2"'
    parts = [
        head,
        f"<title>{_text(title)}</title>",
        f'<rect x="{left}" y="{top}" width="{BOX_WIDTH}" height="{BOX_HEIGHT}" rx="14" ry="14" {outline}/>',
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
    if current:
        # A tag on the top edge, so the step reads as current without relying on colour.
        tag_width = round(_text_width("当前") * MIN_FONT) + 20
        parts.append(
            f'<rect class="current-tag" x="{left + 12}" y="{top - 14}" width="{tag_width}" height="26" '
            f'rx="13" ry="13" fill="{CURRENT_STROKE}"/>'
        )
        parts.append(
            f'<text x="{left + 12 + tag_width // 2}" y="{top + 5}" text-anchor="middle" '
            f'font-size="{MIN_FONT}" font-weight="bold" fill="#ffffff">当前</text>'
        )
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
