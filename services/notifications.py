"""Delivering the notification outbox: at least once, every attempt recorded.

A card writes its notifications in the same transaction as the card (the outbox). A deliverer
takes due ones with SKIP LOCKED (several processes can run), hands each to the sender, and
records the attempt; a failure is retried later with exponential backoff until ``max_attempts``,
after which the notification is marked failed (still visible and traceable).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

import asyncpg
import httpx

from db import notifications as db_notifications
from db.executor import Connection

log = logging.getLogger("sunshine.notify")


class Sender(Protocol):
    name: str

    async def send(self, notification: db_notifications.NotificationRow) -> None:
        """Deliver or raise."""


class LogSender:
    """The default: a structured log line per notification (for a deployment without a gateway)."""

    name = "log"

    async def send(self, notification: db_notifications.NotificationRow) -> None:
        log.info(
            "notification",
            extra={
                "notification_id": notification.id,
                "recipient": notification.recipient,
                "recipient_role": notification.recipient_role,
                "case_no": notification.case_no,
                "rule": notification.rule_code,
                "text": notification.message,
            },
        )


class WebhookSender:
    """POSTs each notification as JSON; any non-2xx answer is a failure to retry."""

    name = "webhook"

    def __init__(self, url: str, client: httpx.AsyncClient | None = None) -> None:
        self.url = url
        self.client = client or httpx.AsyncClient(timeout=10)

    async def send(self, notification: db_notifications.NotificationRow) -> None:
        response = await self.client.post(
            self.url,
            json={
                "id": notification.id,
                "recipient": notification.recipient,
                "recipientRole": notification.recipient_role,
                "caseNo": notification.case_no,
                "rule": notification.rule_code,
                "color": notification.color,
                "message": notification.message,
            },
            headers={"Idempotency-Key": f"sunshine-notification-{notification.id}"},
        )
        response.raise_for_status()


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    delivered: int
    failed: int
    deferred: int = 0  # held back untried: their recipient failed in this run and waits its backoff
    batches: int = 0


def backoff(attempt: int, *, base_s: float = 30, cap_s: float = 3600) -> float:
    """30 s, 60 s, 120 s … capped at an hour."""
    return float(min(cap_s, base_s * 2 ** max(attempt - 1, 0)))


async def deliver(
    pool: asyncpg.Pool, *, sender: Sender, batch: int = 100, max_attempts: int = 8
) -> DeliveryResult:
    """Drain the outbox: deliver what is due, a batch (one transaction) at a time, until nothing
    due is left.

    Backoff is per recipient: when a recipient's delivery fails, that notification and every other
    one pending for the same recipient wait ``backoff(n)`` (``n`` the recipient's failures so far),
    while the other recipients' notifications go on. Every attempt is recorded; a notification
    that has failed ``max_attempts`` times is marked failed.
    """
    delivered = failed = deferred = batches = 0
    async with pool.acquire() as conn:
        while True:
            async with conn.transaction():
                due = await db_notifications.lock_due_notifications(conn, limit=batch)
                if not due:
                    break
                batches += 1
                backing_off: set[tuple[int, str]] = set()
                for n in due:
                    recipient = (n.department_id, n.recipient)
                    if recipient in backing_off:
                        continue  # held back (and counted) when its recipient failed
                    try:
                        await sender.send(n)
                    except Exception as exc:  # any sender failure is recorded and retried
                        failed += 1
                        backing_off.add(recipient)
                        deferred += await _back_off(
                            conn, n, sender=sender, exc=exc, max_attempts=max_attempts
                        )
                        continue
                    delivered += 1
                    await db_notifications.record_attempt(
                        conn, notification_id=n.id, sender=sender.name, ok=True, detail=""
                    )
                    await db_notifications.update_notification_delivered(conn, notification_id=n.id)
    return DeliveryResult(delivered, failed, deferred, batches)


async def _back_off(
    conn: Connection,
    n: db_notifications.NotificationRow,
    *,
    sender: Sender,
    exc: Exception,
    max_attempts: int,
) -> int:
    """Record the failed attempt and hold the recipient back; how many others were held with it."""
    await db_notifications.record_attempt(
        conn, notification_id=n.id, sender=sender.name, ok=False, detail=f"{type(exc).__name__}: {exc}"[:500]
    )
    failures = await db_notifications.get_recipient_failures(
        conn, department_id=n.department_id, recipient=n.recipient
    )
    delay = backoff(max(failures, n.attempts) + 1)
    await db_notifications.update_notification_retry(
        conn, notification_id=n.id, delay_s=delay, max_attempts=max_attempts
    )
    return await db_notifications.update_recipient_deferred(
        conn, department_id=n.department_id, recipient=n.recipient, delay_s=delay, failed_id=n.id
    )
