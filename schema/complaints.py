"""Complaints and suggestions (投诉建议): filed and followed by anyone, handled by departments or,
about officials, by discipline."""

from __future__ import annotations

from datetime import date, datetime
from typing import Self

import strawberry

from db import calendar as db_calendar
from db import complaints as db_complaints
from domain.masking import PersonalKind
from schema.context import Info
from schema.org import Department
from schema.pagination import (
    Connection,
    decode_id_cursor,
    edges_and_info,
    page_size,
)
from schema.scope import department_scope
from schema.visibility import OFFICIALS, OWNER, PUBLIC, field, personal
from services import complaints

STATUS_LABELS = {
    "submitted": "已提交，待受理",
    "accepted": "已受理",
    "refused": "不予受理",
    "replied": "已答复",
    "rated": "已评价",
}


@strawberry.type(description="投诉建议")
class Complaint:
    id: int = field(PUBLIC, description="编号（处理用）")
    owner_department_id: strawberry.Private[int | None]
    audit_ref: strawberry.Private[tuple[str, str]]
    tracking_no: str = field(PUBLIC, description="查询编号")
    kind: str = field(PUBLIC, description="complaint（投诉）/ suggestion（建议）")
    about: str = field(PUBLIC, description="对象：case / department / fund / official / other")
    status: str = field(PUBLIC, description="submitted / accepted / refused / replied / rated")
    to_discipline: bool = field(PUBLIC, description="是否转纪委监委（涉及公职人员）")
    submitted_at: datetime = field(PUBLIC, description="提交时间")
    accept_due_on: date = field(PUBLIC, description="受理期限（5个工作日）")
    refusal_reason: str | None = field(PUBLIC, description="不予受理的理由")
    reply: str | None = field(PUBLIC, description="答复")
    replied_at: datetime | None = field(PUBLIC, description="答复时间")
    stars: int | None = field(PUBLIC, description="投诉人评价（1–6 星）")
    about_ref: str | None = field(OWNER, description="对象编号（办件编号、部门编码、资金编码……）")
    content: str | None = field(OWNER, description="内容")
    contact_name: str | None = field(personal(PersonalKind.NAME), description="联系人")
    contact_phone: str | None = field(personal(PersonalKind.PHONE), description="联系电话")

    @classmethod
    def from_row(cls, row: db_complaints.ComplaintRow) -> Self:
        return cls(
            id=row.id,
            owner_department_id=row.department_id,
            audit_ref=("complaint", row.tracking_no),
            tracking_no=row.tracking_no,
            kind=row.kind,
            about=row.about,
            status=row.status,
            to_discipline=row.to_discipline,
            submitted_at=row.submitted_at,
            accept_due_on=row.accept_due_on,
            refusal_reason=row.refusal_reason,
            reply=row.reply,
            replied_at=row.replied_at,
            stars=row.stars,
            about_ref=row.about_ref,
            content=row.content,
            contact_name=row.contact_name or None,
            contact_phone=row.contact_phone or None,
        )

    @field(PUBLIC, description="状态（中文）")
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @field(PUBLIC, description="承办部门；转纪委监委的为 null")
    async def department(self, info: Info) -> Department | None:
        if self.owner_department_id is None:
            return None
        row = await info.context.loaders.department.load(self.owner_department_id)
        return Department.from_row(row) if row else None


@strawberry.type(description="投诉建议回执：请保存查询编号和查询码")
class ComplaintReceipt:
    tracking_no: str = field(PUBLIC, description="查询编号")
    tracking_code: str | None = field(PUBLIC, description="查询码（只在首次提交时给出；重试返回 null）")
    repeated: bool = field(PUBLIC, description="是否为同一次提交的重试")
    accept_due_on: date = field(PUBLIC, description="受理期限")
    to_discipline: bool = field(PUBLIC, description="是否转纪委监委")


@strawberry.type(description="投诉建议分页（新的在前）")
class ComplaintConnection(Connection[Complaint]):
    pass


@strawberry.input(description="投诉建议")
class ComplaintInput:
    idempotency_key: str = strawberry.field(description="客户端生成的唯一键（8–100 字符），重试时不变")
    kind: str = strawberry.field(description="complaint / suggestion")
    about: str = strawberry.field(description="case / department / fund / official / other")
    about_ref: str = strawberry.field(default="", description="办件编号、部门编码、资金编码等")
    department_code: str | None = strawberry.field(
        default=None, description="about 为 official/other 以外且无编号时指定部门"
    )
    content: str = strawberry.field(description="内容（5–2000 字）")
    contact_name: str = ""
    contact_phone: str = ""


def _by(info: Info) -> str:
    viewer = info.context.viewer
    return viewer.staff_no or viewer.subject or "unknown"


@strawberry.type
class ComplaintQueries:
    @field(PUBLIC, description="凭查询编号和查询码跟踪投诉建议")
    async def track_complaint(self, info: Info, tracking_no: str, tracking_code: str) -> Complaint:
        async def check() -> db_complaints.ComplaintRow:
            return await complaints.track(info.context.db, tracking_no=tracking_no, code=tracking_code)

        row = await info.context.code_guard.open(
            kind="complaint", number=tracking_no, what="投诉编号", check=check
        )
        return Complaint.from_row(row)

    @field(
        PUBLIC, description="待处理的投诉建议（部门见本部门的，纪委监委见全部），新的在前", callers=OFFICIALS
    )
    async def complaints(
        self, info: Info, status: str | None = None, first: int | None = None, after: str | None = None
    ) -> ComplaintConnection:
        size = page_size(first, info.context.limits)
        department_id = department_scope(info.context.viewer)
        rows = await db_complaints.list_complaints(
            info.context.db,
            department_id=department_id,
            discipline=department_id is None,
            status=status,
            before_id=decode_id_cursor(after),
            limit=size + 1,
        )
        edges, page_info = edges_and_info(rows, size, lambda r: str(r.id), Complaint.from_row)
        return ComplaintConnection(edges=edges, page_info=page_info)


@strawberry.type
class ComplaintMutations:
    @field(PUBLIC, description="提交投诉建议（先保存再处理；同一 idempotencyKey 重试得到同一件）")
    async def submit_complaint(self, info: Info, complaint: ComplaintInput) -> ComplaintReceipt:
        calendar = await db_calendar.get_calendar(info.context.db)
        async with info.context.pool.acquire() as conn:
            done = await complaints.submit(
                conn,
                idempotency_key=complaint.idempotency_key,
                kind=complaint.kind,
                about=complaint.about,
                about_ref=complaint.about_ref,
                content=complaint.content,
                contact_name=complaint.contact_name,
                contact_phone=complaint.contact_phone,
                department_code=complaint.department_code,
                at=info.context.now(),
                calendar=calendar,
            )
        return ComplaintReceipt(
            tracking_no=done.complaint.tracking_no,
            tracking_code=done.tracking_code,
            repeated=done.tracking_code is None,
            accept_due_on=done.complaint.accept_due_on,
            to_discipline=done.complaint.to_discipline,
        )

    @field(PUBLIC, description="投诉人对答复评价（1–6 星，一次）")
    async def rate_complaint(self, info: Info, tracking_no: str, tracking_code: str, stars: int) -> Complaint:
        async def check() -> db_complaints.ComplaintRow:
            async with info.context.pool.acquire() as conn:
                return await complaints.rate(
                    conn, tracking_no=tracking_no, code=tracking_code, stars=stars, at=info.context.now()
                )

        row = await info.context.code_guard.open(
            kind="complaint", number=tracking_no, what="投诉编号", check=check
        )
        return Complaint.from_row(row)

    @field(PUBLIC, description="受理或不予受理（须说明理由）", callers=OFFICIALS)
    async def decide_complaint(
        self, info: Info, complaint_id: int, accept: bool, reason: str | None = None
    ) -> Complaint:
        department_id = department_scope(info.context.viewer)
        async with info.context.pool.acquire() as conn:
            row = await complaints.decide(
                conn,
                complaint_id=complaint_id,
                accept=accept,
                reason=reason,
                by=_by(info),
                department_id=department_id,
                discipline=department_id is None,
                at=info.context.now(),
            )
        return Complaint.from_row(row)

    @field(PUBLIC, description="答复已受理的投诉建议", callers=OFFICIALS)
    async def reply_complaint(self, info: Info, complaint_id: int, reply: str) -> Complaint:
        department_id = department_scope(info.context.viewer)
        async with info.context.pool.acquire() as conn:
            row = await complaints.answer(
                conn,
                complaint_id=complaint_id,
                text=reply,
                by=_by(info),
                department_id=department_id,
                discipline=department_id is None,
                at=info.context.now(),
            )
        return Complaint.from_row(row)
