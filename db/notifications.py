"""The notification outbox: what each card tells whom, and every attempt to deliver it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import orjson

from db.executor import Connection
from db.queries import load
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
