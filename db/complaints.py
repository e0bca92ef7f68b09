"""Complaints and suggestions (投诉建议)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime

import asyncpg

from db.executor import Connection, Executor
from db.queries import load

Q = load("complaints")


@dataclass(frozen=True, slots=True)
class ComplaintRow:
    id: int
    tracking_no: str
    tracking_code_hash: bytes
    idempotency_key: str
    kind: str
    about: str
    about_ref: str
    content: str
    contact_name: str
    contact_phone: str
    department_id: int | None
    to_discipline: bool
    status: str
    submitted_at: datetime
    accept_due_on: date
    decided_at: datetime | None
    decided_by: str | None
    refusal_reason: str | None
    reply: str | None
    replied_at: datetime | None
    replied_by: str | None
    stars: int | None
    rated_at: datetime | None


_FIELDS = [f.name for f in fields(ComplaintRow)]


def _row(record: asyncpg.Record) -> ComplaintRow:
    return ComplaintRow(**{name: record[name] for name in _FIELDS})


async def get_complaint_by_key(db: Executor, *, key: str) -> ComplaintRow | None:
    row = await db.fetchrow(Q.get_complaint_by_key, key)
    return _row(row) if row else None


async def get_complaint_by_tracking_no(db: Executor, *, tracking_no: str) -> ComplaintRow | None:
    row = await db.fetchrow(Q.get_complaint_by_tracking_no, tracking_no)
    return _row(row) if row else None


async def list_complaints_by_id(db: Executor, *, ids: Sequence[int]) -> list[ComplaintRow]:
    return [_row(r) for r in await db.fetch(Q.list_complaints_by_id, list(ids))]


async def lock_complaint(conn: Connection, *, complaint_id: int) -> ComplaintRow | None:
    row = await conn.fetchrow(Q.lock_complaint, complaint_id)
    return _row(row) if row else None


async def insert_complaint(conn: Connection, *, values: Sequence[object]) -> int | None:
    """None when a complaint with this idempotency key exists already."""
    complaint_id: int | None = await conn.fetchval(Q.insert_complaint, *values)
    return complaint_id


async def update_complaint_decided(
    conn: Connection, *, complaint_id: int, status: str, at: datetime, by: str, reason: str | None
) -> None:
    await conn.execute(Q.update_complaint_decided, complaint_id, status, at, by, reason)


async def update_complaint_replied(
    conn: Connection, *, complaint_id: int, text: str, at: datetime, by: str
) -> None:
    await conn.execute(Q.update_complaint_replied, complaint_id, text, at, by)


async def update_complaint_rated(conn: Connection, *, complaint_id: int, stars: int, at: datetime) -> None:
    await conn.execute(Q.update_complaint_rated, complaint_id, stars, at)


async def list_complaints(
    db: Executor,
    *,
    department_id: int | None,
    discipline: bool,
    status: str | None,
    before_id: int | None,
    limit: int,
) -> list[ComplaintRow]:
    rows = await db.fetch(Q.list_complaints, department_id, discipline, status, before_id, limit)
    return [_row(r) for r in rows]


@dataclass(frozen=True, slots=True)
class Undecided:
    id: int
    tracking_no: str
    department_id: int
    accept_due_on: date


async def list_overdue_undecided_complaints(db: Executor, *, today: date) -> list[Undecided]:
    return [Undecided(**r) for r in await db.fetch(Q.list_overdue_undecided_complaints, today)]


async def insert_complaint_card(
    conn: Connection, *, complaint: Undecided, color: str, evidence: str, at: datetime, day: date
) -> int | None:
    card_id: int | None = await conn.fetchval(
        Q.insert_complaint_card, complaint.id, color, complaint.department_id, evidence, at, day
    )
    return card_id
