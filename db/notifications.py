"""The notification outbox: what each card tells whom, and every attempt to deliver it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime

import asyncpg
import orjson

from db.executor import Connection, Executor
from db.queries import expand, load
from domain.supervision import COLOR_LABELS, RULE_LABELS

Q = load("notifications")


@dataclass(frozen=True, slots=True)
class NotificationRow:
    id: int
    card_id: int
    recipient: str
    recipient_role: str
    department_id: int
    message: str
    attempts: int
    rule_code: str
    color: str
    case_no: str | None


async def insert_card_notifications(conn: Connection, *, card_ids: Sequence[int]) -> None:
    """Write the outbox of newly raised cards, one statement for every kind of card (case cards,
    subsidy red flags, complaint cards). A notification written before is not written again."""
    await conn.execute(
        Q.insert_card_notifications,
        list(card_ids),
        orjson.dumps(RULE_LABELS).decode(),
        orjson.dumps(COLOR_LABELS).decode(),
    )


async def lock_due_notifications(conn: Connection, *, limit: int) -> list[NotificationRow]:
    rows = await conn.fetch(Q.lock_due_notifications, limit)
    return [NotificationRow(**{f: r[f] for f in NotificationRow.__dataclass_fields__}) for r in rows]


async def record_attempt(
    conn: Connection, *, notification_id: int, sender: str, ok: bool, detail: str
) -> None:
    await conn.execute(Q.record_attempt, notification_id, sender, ok, detail)


async def get_recipient_failures(conn: Connection, *, department_id: int, recipient: str) -> int:
    failures: int = await conn.fetchval(Q.get_recipient_failures, department_id, recipient)
    return failures


async def update_recipient_deferred(
    conn: Connection, *, department_id: int, recipient: str, delay_s: float, failed_id: int
) -> int:
    """Hold the recipient's other pending notifications for ``delay_s``; how many there were."""
    status = await conn.execute(Q.update_recipient_deferred, department_id, recipient, delay_s, failed_id)
    return int(status.split()[-1])


async def update_notification_delivered(conn: Connection, *, notification_id: int) -> None:
    await conn.execute(Q.update_notification_delivered, notification_id)


async def update_notification_retry(
    conn: Connection, *, notification_id: int, delay_s: float, max_attempts: int
) -> None:
    await conn.execute(Q.update_notification_retry, notification_id, delay_s, max_attempts)


@dataclass(frozen=True, slots=True)
class NotificationScope:
    """Which notifications a list or a count covers; None is no condition."""

    department_id: int | None = None
    card_id: int | None = None
    status: str | None = None  # pending | delivered | failed
    recipient: str | None = None

    def args(self) -> tuple[object, ...]:
        return (self.department_id, self.card_id, self.status, self.recipient)


@dataclass(frozen=True, slots=True)
class SentNotificationRow:
    """A notification as the officials read it: to whom, about which card, how it stands."""

    id: int
    card_id: int
    recipient: str
    recipient_role: str
    recipient_name: str | None
    department_id: int
    message: str
    status: str
    attempts: int
    next_attempt_at: datetime
    delivered_at: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AttemptRow:
    notification_id: int
    attempted_at: datetime
    sender: str
    ok: bool
    detail: str


_LIST_NOTIFICATIONS = expand(Q.list_notifications, Q)
_COUNT_NOTIFICATIONS = expand(Q.count_notifications, Q)


def _sent(record: asyncpg.Record) -> SentNotificationRow:
    return SentNotificationRow(**{f.name: record[f.name] for f in fields(SentNotificationRow)})


async def list_notifications(
    db: Executor, *, scope: NotificationScope, before_id: int | None, limit: int
) -> list[SentNotificationRow]:
    """Newest first, keyset on id."""
    return [_sent(r) for r in await db.fetch(_LIST_NOTIFICATIONS, *scope.args(), before_id, limit)]


async def count_notifications(db: Executor, *, scope: NotificationScope) -> int:
    total: int = await db.fetchval(_COUNT_NOTIFICATIONS, *scope.args())
    return total


async def list_notifications_by_card(db: Executor, *, card_ids: Sequence[int]) -> list[SentNotificationRow]:
    return [_sent(r) for r in await db.fetch(Q.list_notifications_by_card, list(card_ids))]


async def list_attempts_by_notification(db: Executor, *, notification_ids: Sequence[int]) -> list[AttemptRow]:
    return [AttemptRow(**r) for r in await db.fetch(Q.list_attempts_by_notification, list(notification_ids))]
