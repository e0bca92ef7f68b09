"""Relay-style connections over keyset cursors.

A cursor is the opaque, versioned form of the last row's sort key; the next page is "rows after
this key" on an index, never OFFSET, so page 100 costs what page 1 costs.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from datetime import date
from typing import Generic, TypeVar

import strawberry

from domain.errors import InvalidInput
from schema.context import Limits
from schema.visibility import PUBLIC, field

T = TypeVar("T")
R = TypeVar("R")
_PREFIX = "v1:"


class InvalidCursor(InvalidInput):
    code = "INVALID_CURSOR"


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode((_PREFIX + key).encode()).decode()


def decode_cursor(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor.encode("ascii")).decode()
    except (binascii.Error, UnicodeError, ValueError):
        raise InvalidCursor("分页游标无效：请使用上一页返回的 endCursor") from None
    if not text.startswith(_PREFIX) or len(text) == len(_PREFIX):
        raise InvalidCursor("分页游标无效：请使用上一页返回的 endCursor")
    return text[len(_PREFIX) :]


def decode_id_cursor(cursor: str | None) -> int | None:
    """A cursor over rows ordered by a numeric id."""
    key = decode_cursor(cursor)
    if key is None:
        return None
    if not key.isdigit():
        raise InvalidCursor("分页游标无效：请使用上一页返回的 endCursor")
    return int(key)


def decode_date_id_cursor(cursor: str | None) -> tuple[date, int] | None:
    """A cursor over rows ordered by a date and then a numeric id (written ``2026-06-01/123``)."""
    key = decode_cursor(cursor)
    if key is None:
        return None
    day, _, last = key.partition("/")
    try:
        # An id past bigint would fail in the database: not a cursor this API wrote.
        if not last.isascii() or not last.isdigit() or len(last) > 18:
            raise ValueError(last)
        return date.fromisoformat(day), int(last)
    except ValueError:
        raise InvalidCursor("分页游标无效：请使用上一页返回的 endCursor") from None


def page_size(first: int | None, limits: Limits) -> int:
    size = limits.default_page_size if first is None else first
    if size < 1 or size > limits.max_page_size:
        raise InvalidInput(f"每页条数 first 须在 1 到 {limits.max_page_size} 之间", code="INVALID_PAGE_SIZE")
    return size


@strawberry.type(description="分页信息")
class PageInfo:
    has_next_page: bool = field(PUBLIC, description="是否还有下一页")
    end_cursor: str | None = field(PUBLIC, description="本页最后一条的游标，传给 after 取下一页")


@strawberry.type
class Edge(Generic[T]):
    cursor: str = field(PUBLIC)
    node: T = field(PUBLIC)


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]] = field(PUBLIC)
    page_info: PageInfo = field(PUBLIC)

    @field(PUBLIC, description="本页的记录（不需要游标时用它更简单）")
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]


def edges_and_info(
    rows: Sequence[R], size: int, key: Callable[[R], str], node: Callable[[R], T]
) -> tuple[list[Edge[T]], PageInfo]:
    """A keyset page as a connection's edges and page info. ``rows`` were fetched with
    ``LIMIT size + 1``: the extra row only says that a next page exists."""
    page = list(rows[:size])
    info = PageInfo(has_next_page=len(rows) > size, end_cursor=encode_cursor(key(page[-1])) if page else None)
    return [Edge(cursor=encode_cursor(key(r)), node=node(r)) for r in page], info
