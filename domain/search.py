"""Keyword search over Chinese text without a tokenizer.

The database indexes every two-character window of a power's name and code
(``sunshine_bigrams`` in the foundation migration); a keyword matches when all its windows are
present and the keyword itself occurs (the exact check that removes false positives).
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import InvalidInput

MAX_KEYWORD_LENGTH = 50


@dataclass(frozen=True, slots=True)
class KeywordQuery:
    bigrams: tuple[str, ...] | None
    patterns: tuple[str, ...]


def bigrams(text: str) -> set[str]:
    """The same windows as the SQL function: two characters, neither of them white space."""
    return {text[i : i + 2] for i in range(len(text) - 1) if not any(ch.isspace() for ch in text[i : i + 2])}


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def keyword_query(keyword: str) -> KeywordQuery | None:
    """Split ``keyword`` on white space; every term must occur. ``None`` for an empty keyword."""
    keyword = keyword.strip().lower()
    if len(keyword) > MAX_KEYWORD_LENGTH:
        raise InvalidInput(f"关键词过长（最多 {MAX_KEYWORD_LENGTH} 个字符）", code="KEYWORD_TOO_LONG")
    terms = keyword.split()
    if not terms:
        return None
    windows: set[str] = set()
    for term in terms:
        windows |= bigrams(term)
    return KeywordQuery(
        bigrams=tuple(sorted(windows)) if windows else None,
        patterns=tuple(_like_pattern(term) for term in terms),
    )
