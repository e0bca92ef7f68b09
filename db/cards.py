"""Electronic supervision (电子监察) data: the rules, the cards they raise, and the locks red cards
put on cases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

import asyncpg
import orjson

from db.executor import Connection, Executor
from db.queries import expand, load

Q = load("cards")
RED_FLAGS = load("red_flags")


@dataclass(frozen=True, slots=True)
class RuleRow:
    code: str
    color: str
    enabled: bool
    params: dict[str, Any]
    description: str = ""


@dataclass(frozen=True, slots=True)
class CardRow:
    id: int
    case_id: int | None
    case_no: str | None
    payment_year: int | None
    payment_id: int | None
    member_id: int | None
    rule_code: str
    color: str
    subject: str
    department_id: int
    staff_no: str | None
    evidence: dict[str, Any]
    raised_at: datetime
    raised_on: date
    status: str
    explanation: str | None
    explained_by: str | None
    explained_at: datetime | None
    closed_by: str | None
    closed_at: datetime | None
    closing_note: str | None
    # What discipline found when it closed the card (migration 0009): upheld, unfounded, serious.
    outcome: str | None = None
    complaint_id: int | None = None
    # The day the card's matter was due (cards.sql, "due"); only the officials' list reads it.
    due_on: date | None = None
    # Discipline's review (migration 0012): the deadline of a returned or escalated card's
    # explanation or rectification, and the escalation (督办).
    explain_due_on: date | None = None
    escalated_at: datetime | None = None
    escalated_by: str | None = None
    escalation_note: str | None = None


_CARD_FIELDS = [f.name for f in fields(CardRow)]


def _card(record: asyncpg.Record) -> CardRow:
    values = {name: record[name] for name in _CARD_FIELDS if name in record}
    values["evidence"] = orjson.loads(values["evidence"])
    return CardRow(**values)


@dataclass(frozen=True, slots=True)
class LockEventRow:
    id: int
    case_id: int
    card_id: int | None
    action: str
    actor: str
    note: str
    at: datetime


async def list_rules(db: Executor) -> list[RuleRow]:
    return [
        RuleRow(
            code=r["code"],
            color=r["color"],
            enabled=r["enabled"],
            params=orjson.loads(r["params"]),
            description=r["description"],
        )
        for r in await db.fetch(Q.list_rules)
    ]


async def list_rule_overrides_by_power(db: Executor, *, power_ids: Sequence[int]) -> dict[int, list[RuleRow]]:
    found: dict[int, list[RuleRow]] = {}
    for r in await db.fetch(Q.list_rule_overrides_by_power, list(power_ids)):
        found.setdefault(r["power_id"], []).append(
            RuleRow(code=r["rule_code"], color="", enabled=r["enabled"], params=orjson.loads(r["params"]))
        )
    return found


async def list_cards_by_case(db: Executor, *, case_ids: Sequence[int]) -> list[CardRow]:
    return [_card(r) for r in await db.fetch(Q.list_cards_by_case, list(case_ids))]


async def list_cards_by_id(db: Executor, *, ids: Sequence[int]) -> list[CardRow]:
    return [_card(r) for r in await db.fetch(Q.list_cards_by_id, list(ids))]


async def list_lock_events_by_case(db: Executor, *, case_ids: Sequence[int]) -> list[LockEventRow]:
    return [LockEventRow(**r) for r in await db.fetch(Q.list_lock_events_by_case, list(case_ids))]


@dataclass(frozen=True, slots=True)
class CardScope:
    """Which cards a list or a count covers; None is no condition. ``kind``: 'case' (supervision
    cards), 'payment' (subsidy red flags) or 'complaint'; ``township_code`` the 9-digit code of
    the case's or the beneficiary's township; ``fund_id`` a fund whose payments the flag is about;
    ``raised_from``/``raised_to`` days, both included."""

    department_id: int | None = None
    kind: str | None = None
    rule_code: str | None = None
    color: str | None = None
    status: str | None = None
    township_code: str | None = None
    fund_id: int | None = None
    raised_from: date | None = None
    raised_to: date | None = None

    def args(self) -> tuple[Any, ...]:
        return tuple(getattr(self, f.name) for f in fields(self))


# The orders of the list, each a keyset on (day, id) after the day and id of the last row read:
# the day raised, newest or oldest first, or the day due (``CardRow.due_on``), soonest first.
CARD_ORDERS = ("newest", "oldest", "due")
_LIST_CARDS = {order: expand(getattr(Q, f"list_cards_{order}"), Q, RED_FLAGS) for order in CARD_ORDERS}
_COUNT_CARDS = expand(Q.count_cards, Q, RED_FLAGS)
_LOCK_CARD = expand(Q.lock_card, Q)


async def list_cards(
    db: Executor, *, scope: CardScope, order: str, after: tuple[date, int] | None, limit: int
) -> list[CardRow]:
    day, last = after if after else (None, None)
    return [_card(r) for r in await db.fetch(_LIST_CARDS[order], *scope.args(), day, last, limit)]


async def count_cards(db: Executor, *, scope: CardScope) -> int:
    total: int = await db.fetchval(_COUNT_CARDS, *scope.args())
    return total


async def lock_card(conn: Connection, *, card_id: int) -> CardRow | None:
    row = await conn.fetchrow(_LOCK_CARD, card_id)
    return _card(row) if row else None


async def list_open_red_cards_by_case(db: Executor, *, case_id: int) -> list[tuple[int, str]]:
    return [(r["id"], r["status"]) for r in await db.fetch(Q.list_open_red_cards_by_case, case_id)]


async def insert_card(
    conn: Connection,
    *,
    case_id: int,
    rule_code: str,
    color: str,
    subject: str,
    department_id: int,
    staff_no: str | None,
    evidence: dict[str, Any],
    raised_at: datetime,
    raised_on: date,
) -> int | None:
    """The new card's id, or None when this rule already carded this case and subject."""
    card_id: int | None = await conn.fetchval(
        Q.insert_card,
        case_id,
        rule_code,
        color,
        subject,
        department_id,
        staff_no,
        orjson.dumps(evidence).decode(),
        raised_at,
        raised_on,
    )
    return card_id


async def update_cards_superseded(
    conn: Connection, *, case_id: int, rules: Sequence[str], by_card_id: int, at: datetime, note: str
) -> list[int]:
    """Close the case's cards of ``rules`` still open as superseded by ``by_card_id``; their ids."""
    rows = await conn.fetch(Q.update_cards_superseded, case_id, list(rules), at, by_card_id, note)
    return [r["id"] for r in rows]


@dataclass(frozen=True, slots=True)
class RaisedCountRow:
    rule_code: str
    color: str
    cards: int
    locks: int
    notifications: int


async def get_last_card_id(db: Executor) -> int:
    last: int = await db.fetchval(Q.get_last_card_id)
    return last


async def list_cards_raised_at(db: Executor, *, after_id: int, raised_at: datetime) -> list[RaisedCountRow]:
    """What one sweep raised (cards after ``after_id`` raised at its moment), by rule and colour."""
    return [RaisedCountRow(**r) for r in await db.fetch(Q.list_cards_raised_at, after_id, raised_at)]


async def update_case_locked(conn: Connection, *, case_id: int) -> bool:
    return await conn.execute(Q.update_case_locked, case_id) == "UPDATE 1"


async def update_case_unlocked(conn: Connection, *, case_id: int) -> None:
    await conn.execute(Q.update_case_unlocked, case_id)


async def insert_lock_event(
    conn: Connection, *, case_id: int, card_id: int | None, action: str, actor: str, note: str = ""
) -> None:
    await conn.execute(Q.insert_lock_event, case_id, card_id, action, actor, note)


async def update_card_explained(conn: Connection, *, card_id: int, explanation: str, by: str) -> None:
    await conn.execute(Q.update_card_explained, card_id, explanation, by)


async def update_card_returned(conn: Connection, *, card_id: int, due_on: date) -> None:
    await conn.execute(Q.update_card_returned, card_id, due_on)


async def update_card_escalated(conn: Connection, *, card_id: int, by: str, note: str, due_on: date) -> None:
    await conn.execute(Q.update_card_escalated, card_id, by, note, due_on)


async def update_card_closed(conn: Connection, *, card_id: int, by: str, note: str, outcome: str) -> None:
    await conn.execute(Q.update_card_closed, card_id, by, note, outcome)
