"""The change feed's rules (开放数据变更流): where an entry stands in the feed, the cursor that
continues after it and what ``since`` may say.

Entries are ordered by (time, kind, key): the time the change was made public, then the kind's
name, then a key unique within the kind. A cursor is that triple, so a reader continues exactly
after the last entry it read, however many entries share a time.

A ranking is listed at the moment it was published (``ranking_publications.published_at``: the
first time it was asked for after its period ended, or ``sunshine publish-ranking``), not when
its period ended: before then there was nothing to download.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime, time

from domain.calendar import CHINA, parse_day, parse_moment
from domain.errors import InvalidInput

POWER_ADJUSTMENT = "POWER_ADJUSTMENT"
RANKING_PUBLISHED = "RANKING_PUBLISHED"
KINDS = (POWER_ADJUSTMENT, RANKING_PUBLISHED)  # in the feed's order for one moment
_CURSOR_PREFIX = "c1."


@dataclass(frozen=True, slots=True, order=True)
class Position:
    """Where an entry stands in the feed; a reader's ``since`` is a position too, before the
    entries it asks for (``kind`` empty: before every entry of that moment)."""

    at: datetime
    kind: str = ""
    key: str = ""


def adjustment_key(adjustment_id: int) -> str:
    """Adjustment ids as keys that sort as the numbers do."""
    return f"{adjustment_id:012d}"


def encode_cursor(position: Position) -> str:
    raw = f"{position.at.isoformat()}|{position.kind}|{position.key}".encode()
    return _CURSOR_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


class InvalidSince(InvalidInput):
    code = "INVALID_SINCE"


_SINCE_HELP = (
    "参数 since 应为时间（如 2026-10-01T00:00:00+08:00，或 2026-10-01 表示当日零时）或上一页给出的游标"
)


def parse_since(text: str) -> Position:
    """A reader's ``since``: a cursor this feed gave, an ISO 8601 time with its offset, a time
    without one (read as Beijing time) or a day (its midnight in China)."""
    value = text.strip()
    if value.startswith(_CURSOR_PREFIX):
        return _decode_cursor(value[len(_CURSOR_PREFIX) :])
    # A "+" left unescaped in a query string arrives as a space: 2026-10-01T00:00:00 08:00.
    if len(value) > 6 and value[-6] == " " and value[-5:-3].isdigit() and value[-3] == ":":
        value = value[:-6] + "+" + value[-5:]
    try:
        return Position(parse_moment(value))
    except ValueError:
        pass
    try:
        return Position(datetime.combine(parse_day(value), time(), tzinfo=CHINA))
    except ValueError:
        raise InvalidSince(f"{_SINCE_HELP}，收到“{text}”") from None


def _decode_cursor(body: str) -> Position:
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
        at_text, kind, key = raw.split("|")
        at = datetime.fromisoformat(at_text)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidSince(f"游标无法识别：{_SINCE_HELP}") from None
    # A position between entries (kind and key empty) is what an empty page hands back.
    if at.tzinfo is None or not ((kind in KINDS and key) or (kind == key == "")):
        raise InvalidSince(f"游标无法识别：{_SINCE_HELP}")
    return Position(at, kind, key)
