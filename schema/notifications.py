"""Who a card told, and whether it reached them: the notification outbox as officials read it,
with every attempt to deliver each notification."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Self

import strawberry

from db import notifications as db_notifications
from schema.context import Info
from schema.pagination import Connection, decode_id_cursor, edges_and_info, page_size
from schema.scope import department_scope
from schema.visibility import OFFICIALS, OWNER, PUBLIC, field


@strawberry.enum(description="通知状态")
class NotificationStatus(Enum):
    PENDING = strawberry.enum_value("pending", description="待发送或等待重试")
    DELIVERED = strawberry.enum_value("delivered", description="已送达")
    FAILED = strawberry.enum_value("failed", description="多次重试仍失败")


@strawberry.enum(description="接收人角色")
class RecipientRole(Enum):
    HANDLER = strawberry.enum_value("handler", description="承办人")
    APPROVER = strawberry.enum_value("approver", description="审批人（部门负责人）")
    DEPARTMENT = strawberry.enum_value("department", description="部门（无具体责任人时）")


@strawberry.type(description="一次发送尝试")
class NotificationAttempt:
    owner_department_id: strawberry.Private[int]
    at: datetime | None = field(OWNER, description="尝试时间")
    ok: bool | None = field(OWNER, description="是否送达")
    channel: str | None = field(OWNER, description="发送渠道：log（日志）/ webhook（消息网关）")
    error: str | None = field(OWNER, description="失败原因；送达为 null")


@strawberry.type(description="监察卡发出的通知：通知了谁、是否送达")
class Notification:
    owner_department_id: strawberry.Private[int]
    id: int = field(PUBLIC, description="编号")
    card_id: int | None = field(OWNER, description="监察卡编号")
    recipient: str | None = field(OWNER, description="接收人：工号，部门为 dept:编号")
    recipient_name: str | None = field(OWNER, description="接收人姓名（工作人员）")
    recipient_role: RecipientRole | None = field(OWNER, description="接收人角色")
    message: str | None = field(OWNER, description="通知内容")
    status: NotificationStatus | None = field(OWNER, description="状态")
    attempt_count: int | None = field(OWNER, description="已尝试次数")
    created_at: datetime | None = field(OWNER, description="生成时间")
    next_attempt_at: datetime | None = field(OWNER, description="下次尝试时间（待发送时）")
    delivered_at: datetime | None = field(OWNER, description="送达时间")

    @classmethod
    def from_row(cls, row: db_notifications.SentNotificationRow) -> Self:
        return cls(
            owner_department_id=row.department_id,
            id=row.id,
            card_id=row.card_id,
            recipient=row.recipient,
            recipient_name=row.recipient_name,
            recipient_role=RecipientRole(row.recipient_role),
            message=row.message,
            status=NotificationStatus(row.status),
            attempt_count=row.attempts,
            created_at=row.created_at,
            next_attempt_at=row.next_attempt_at if row.status == "pending" else None,
            delivered_at=row.delivered_at,
        )

    @field(OWNER, description="发送渠道：最近一次尝试所用；未尝试为 null")
    async def channel(self, info: Info) -> str | None:
        attempts = await info.context.loaders.notification_attempts.load(self.id)
        return attempts[-1].sender if attempts else None

    @field(OWNER, description="每次发送尝试，先后为序")
    async def attempts(self, info: Info) -> list[NotificationAttempt] | None:
        return [
            NotificationAttempt(
                owner_department_id=self.owner_department_id,
                at=a.attempted_at,
                ok=a.ok,
                channel=a.sender,
                error=None if a.ok else a.detail,
            )
            for a in await info.context.loaders.notification_attempts.load(self.id)
        ]


@strawberry.type(description="通知分页（新的在前）")
class NotificationConnection(Connection[Notification]):
    scope: strawberry.Private[db_notifications.NotificationScope]

    @field(PUBLIC, description="符合筛选条件的通知总数")
    async def total_count(self, info: Info) -> int:
        return await db_notifications.count_notifications(info.context.db, scope=self.scope)


@strawberry.input(description="通知筛选")
class NotificationFilter:
    card_id: int | None = strawberry.field(default=None, description="监察卡编号")
    status: NotificationStatus | None = strawberry.field(default=None, description="状态")
    recipient: str | None = strawberry.field(default=None, description="接收人工号")


@strawberry.type
class NotificationQueries:
    @field(PUBLIC, description="监察卡发出的通知（部门只见本部门的），新的在前", callers=OFFICIALS)
    async def notifications(
        self,
        info: Info,
        filter: NotificationFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> NotificationConnection:
        f = filter or NotificationFilter()
        size = page_size(first, info.context.limits)
        scope = db_notifications.NotificationScope(
            department_id=department_scope(info.context.viewer),
            card_id=f.card_id,
            status=str(f.status.value) if f.status else None,
            recipient=f.recipient,
        )
        rows = await db_notifications.list_notifications(
            info.context.db, scope=scope, before_id=decode_id_cursor(after), limit=size + 1
        )
        edges, page_info = edges_and_info(rows, size, lambda r: str(r.id), Notification.from_row)
        return NotificationConnection(edges=edges, page_info=page_info, scope=scope)
