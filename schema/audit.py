"""The audit trail for the discipline committee: who read a person's data, what an officer read,
in a date range, each read with its reason and the operation that ran. Reading the trail is itself
an audited read (it names people's records and officers' work)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Self

import strawberry

from db import audit as db_audit
from domain.calendar import CHINA
from domain.identity import normalize_id_number
from domain.masking import mask_id_number
from schema.context import Info
from schema.org import Department
from schema.pagination import Connection, decode_id_cursor, edges_and_info, page_size
from schema.visibility import DISCIPLINE, DISCIPLINE_ONLY, field

ROLE_LABELS = {"department": "部门", "discipline": "纪委监委", "township": "乡镇（街道）"}


@strawberry.type(description="读取人")
class AuditReader:
    subject: str | None = field(DISCIPLINE, description="令牌主体（工作人员为工号）")
    role: str | None = field(DISCIPLINE, description="角色：department / discipline / township")
    role_label: str | None = field(DISCIPLINE, description="角色（中文）")
    unit_code: str | None = field(DISCIPLINE, description="所在部门编码，乡镇（街道）为区划代码")

    @field(DISCIPLINE, description="所在部门（乡镇角色为 null）")
    async def department(self, info: Info) -> Department | None:
        if self.unit_code is None:
            return None
        row = await info.context.loaders.department_by_code.load(self.unit_code)
        return Department.from_row(row) if row else None


@strawberry.type(description="一次未脱敏个人信息的读取（审计记录）")
class AuditRecord:
    id: strawberry.Private[int]
    at: datetime | None = field(DISCIPLINE, description="读取时间")
    reader: AuditReader | None = field(DISCIPLINE, description="读取人")
    record_type: str | None = field(
        DISCIPLINE, description="被读取记录的类型：member 户成员、household 户、payment 补助、case 办件等"
    )
    record_id: str | None = field(
        DISCIPLINE, description="被读取记录的编号（户成员为内部编号，其余为业务编号）"
    )
    fields: list[str] | None = field(DISCIPLINE, description="读取的字段")
    reason: str | None = field(DISCIPLINE, description="访问事由（本功能上线前的记录为 null）")
    operation: str | None = field(
        DISCIPLINE, description="执行的操作名；文档未命名操作时为 anonymous:文档 SHA-256 前 16 位"
    )
    request_id: str | None = field(DISCIPLINE, description="请求编号（对应服务日志）")

    @classmethod
    def from_row(cls, row: db_audit.AuditRow) -> Self:
        return cls(
            id=row.id,
            at=row.at,
            reader=AuditReader(
                subject=row.actor,
                role=row.actor_role,
                role_label=ROLE_LABELS.get(row.actor_role, row.actor_role),
                unit_code=row.department,
            ),
            record_type=row.record_type,
            record_id=row.record_id,
            fields=list(row.fields),
            reason=row.reason,
            operation=row.operation,
            request_id=row.request_id,
        )


@strawberry.type(description="审计记录分页（新的在前）")
class AuditRecordConnection(Connection[AuditRecord]):
    where: strawberry.Private[db_audit.EntryFilter]

    @field(DISCIPLINE, description="符合条件的记录总数")
    async def total_count(self, info: Info) -> int | None:
        return await db_audit.count_entries(info.context.db, where=self.where)


@strawberry.input(description="审计记录的筛选（均可省略；日期按北京时间，含首尾两日）")
class AuditFilter:
    id_number: str | None = strawberry.field(
        default=None, description="被读取人的身份证号码：谁读过此人的信息"
    )
    reader: str | None = strawberry.field(default=None, description="读取人的令牌主体（工号）：此人读过什么")
    from_day: date | None = strawberry.field(default=None, description="起始日期")
    to_day: date | None = strawberry.field(default=None, description="截止日期")


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=CHINA)


def search_label(filter: AuditFilter) -> str:
    """How the trail names a search of itself: the filter, the ID number masked (the trail is
    append-only and keeps no full ID number)."""
    parts = []
    if filter.id_number is not None:
        parts.append("person=" + mask_id_number(normalize_id_number(filter.id_number)))
    if filter.reader is not None:
        parts.append("reader=" + filter.reader)
    if filter.from_day is not None:
        parts.append("from=" + filter.from_day.isoformat())
    if filter.to_day is not None:
        parts.append("to=" + filter.to_day.isoformat())
    return ";".join(parts) or "all"


@strawberry.type
class AuditQueries:
    @field(
        DISCIPLINE,
        description="审计记录：谁读过某人的信息（idNumber）、某工作人员读过什么（reader）、某段日期内的读取；"
        "新的在前，分页（first、after），含访问事由与操作名。查询本身也记入审计",
        callers=DISCIPLINE_ONLY,
        audited=True,
    )
    async def audit_records(
        self,
        info: Info,
        filter: AuditFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> AuditRecordConnection | None:
        filter = filter or AuditFilter()
        size = page_size(first, info.context.limits)
        before = decode_id_cursor(after)
        records = None
        if filter.id_number is not None:
            id_number = normalize_id_number(filter.id_number)
            records = await db_audit.list_subject_refs(info.context.db, id_number=id_number)
        where = db_audit.EntryFilter(
            records=records,
            actor=filter.reader,
            since=_start_of(filter.from_day) if filter.from_day else None,
            until=_start_of(filter.to_day + timedelta(days=1)) if filter.to_day else None,
        )
        rows = await db_audit.list_entries(info.context.db, where=where, before_id=before, limit=size + 1)
        info.context.record_read("audit_search", search_label(filter), "auditRecords")
        for row in rows[:size]:
            info.context.record_read("audit_log", str(row.id), "auditRecords")
        edges, page_info = edges_and_info(rows, size, lambda r: str(r.id), AuditRecord.from_row)
        return AuditRecordConnection(edges=edges, page_info=page_info, where=where)
