"""The notification outbox: what each card tells whom, and every attempt to deliver it."""

from __future__ import annotations

from dataclasses import dataclass

from db.executor import Connection, Executor
from db.queries import load

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


async def approver_of(db: Executor, *, department_id: int) -> str | None:
    staff_no: str | None = await db.fetchval(Q.approver_of_department, department_id)
    return staff_no


async def insert_notification(
    conn: Connection, *, card_id: int, recipient: str, role: str, department_id: int, message: str
) -> None:
    await conn.execute(Q.insert_notification, card_id, recipient, role, department_id, message)


async def due_notifications(conn: Connection, *, limit: int) -> list[NotificationRow]:
    rows = await conn.fetch(Q.due_notifications, limit)
    return [NotificationRow(**{f: r[f] for f in NotificationRow.__dataclass_fields__}) for r in rows]


async def record_attempt(
    conn: Connection, *, notification_id: int, sender: str, ok: bool, detail: str
) -> None:
    await conn.execute(Q.record_attempt, notification_id, sender, ok, detail)


async def delivered(conn: Connection, *, notification_id: int) -> None:
    await conn.execute(Q.notification_delivered, notification_id)


async def retry_later(conn: Connection, *, notification_id: int, delay_s: float, max_attempts: int) -> None:
    await conn.execute(Q.notification_retry, notification_id, delay_s, max_attempts)
