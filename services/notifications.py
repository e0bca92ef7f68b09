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


def backoff(attempt: int, *, base_s: float = 30, cap_s: float = 3600) -> float:
    """30 s, 60 s, 120 s … capped at an hour."""
    return float(min(cap_s, base_s * 2 ** max(attempt - 1, 0)))


async def deliver(
    pool: asyncpg.Pool, *, sender: Sender, batch: int = 100, max_attempts: int = 8
) -> DeliveryResult:
    delivered = failed = 0
    async with pool.acquire() as conn, conn.transaction():
        for n in await db_notifications.lock_due_notifications(conn, limit=batch):
            try:
                await sender.send(n)
            except Exception as exc:  # any sender failure is recorded and retried
                failed += 1
                await db_notifications.record_attempt(
                    conn,
                    notification_id=n.id,
                    sender=sender.name,
                    ok=False,
                    detail=f"{type(exc).__name__}: {exc}"[:500],
                )
                await db_notifications.update_notification_retry(
                    conn, notification_id=n.id, delay_s=backoff(n.attempts + 1), max_attempts=max_attempts
                )
                continue
            delivered += 1
            await db_notifications.record_attempt(
                conn, notification_id=n.id, sender=sender.name, ok=True, detail=""
            )
            await db_notifications.update_notification_delivered(conn, notification_id=n.id)
    return DeliveryResult(delivered, failed)
