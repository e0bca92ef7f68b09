"""How far a demo load has come, told to whoever watches it (``serve``'s log, the CLI)."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, int, int], None]
"""Told after each chunk a part loads: what is loading, how much of it is in, of how much —
("cases", 30_000, 100_000), ("payment months", 12, 35)."""

# What each part and stage is called where people read it.
LABELS = {
    "cases": "办件",
    "subsidies": "惠民资金",
    "households": "户籍（户）",
    "payment months": "补助发放（月）",
    "red flags": "疑点规则",
}


def quiet(what: str, done: int, total: int) -> None:
    """No one watches."""
