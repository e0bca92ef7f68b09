"""Named, parameterised SQL kept in ``db/sql/<domain>.sql``.

Each query starts with a ``-- name: <identifier>`` line; the text up to the next such line is the
query. SQL is never assembled from user strings: optional filters are written as
``($2::int IS NULL OR department_id = $2)`` so one prepared statement serves every combination.
"""

from __future__ import annotations

import re
from dataclasses import fields
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

Row = TypeVar("Row")
# A query and its arguments, for a reader that builds on another's statement (schema/sql_answers.py).
Statement = tuple[str, list[Any]]

_SQL_DIR = Path(__file__).with_name("sql")
_NAME = re.compile(r"^--\s*name:\s*([a-z_][a-z0-9_]*)\s*$", re.MULTILINE)
_FRAGMENT = re.compile(r"/\*>\s*([a-z_][a-z0-9_]*)\s*<\*/")


class Queries:
    """The queries of one ``.sql`` file, looked up by name (``Q.get_power_by_code``)."""

    def __init__(self, domain: str, text: str) -> None:
        self._domain = domain
        self._queries: dict[str, str] = {}
        parts = _NAME.split(text)
        for name, body in zip(parts[1::2], parts[2::2], strict=True):
            if name in self._queries:
                raise ValueError(f"{domain}.sql defines {name} twice")
            self._queries[name] = body.strip()

    def __getattr__(self, name: str) -> str:
        try:
            return self._queries[name]
        except KeyError:
            raise AttributeError(f"{self._domain}.sql has no query named {name}") from None

    def names(self) -> list[str]:
        return sorted(self._queries)


@cache
def load(domain: str) -> Queries:
    return Queries(domain, (_SQL_DIR / f"{domain}.sql").read_text(encoding="utf-8"))


def expand(text: str, *sources: Queries) -> str:
    """``text`` with every ``/*> name <*/`` marker replaced by the query ``name`` of the first of
    ``sources`` that has it, markers inside it expanded too: a piece of SQL several queries share
    (a list's scope and its count) is written once. Only the files' own text is put together."""

    def fragment(match: re.Match[str]) -> str:
        name = match.group(1)
        for source in sources:
            if name in source.names():
                return expand(getattr(source, name), *sources)
        raise AttributeError(f"no query named {name} for the marker in {text[:60]!r}")

    return _FRAGMENT.sub(fragment, text)


def part(record: Any, row_type: type[Row], prefix: str) -> Row:
    """The row of ``row_type`` held in ``record``'s columns named ``prefix`` + each field: one
    statement that joins a record to what nearly every reader of it shows (its power, its
    department) answers for each of them."""
    return row_type(**{f.name: record[prefix + f.name] for f in fields(row_type)})  # type: ignore[arg-type]  # row types are dataclasses
