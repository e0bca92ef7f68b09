"""The schema's own reading of Python values as GraphQL scalars.

``DateTime``: every moment an answer shows is read in China (+08:00), whatever zone the database
handed it over in (asyncpg gives UTC); a moment sent in may carry any offset. Declared once here, in
the schema's ``scalar_map``, and used by the compiled documents (schema/compiled.py) for the same
text.
"""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.schema.types.base_scalars import DateTimeDefinition
from strawberry.types.scalar import ScalarDefinition

from domain.calendar import china_time


def moment_text(value: datetime) -> str:
    """A moment as every answer writes it: ISO 8601 in China's time, ``2026-03-15T09:30:00+08:00``."""
    if value.tzinfo is None:
        # A naive time would be read in the server's own zone: a bug upstream, not a guess here.
        raise TypeError(f"a moment without a time zone reached an answer: {value!r}")
    return china_time(value).isoformat()


DATETIME: ScalarDefinition = strawberry.scalar(
    name="DateTime",
    description="日期时间（ISO 8601）：答复一律为北京时间（+08:00），提交时可带任意时区",
    serialize=moment_text,
    parse_value=DateTimeDefinition.parse_value,
)

SCALARS: dict[object, ScalarDefinition] = {datetime: DATETIME}
