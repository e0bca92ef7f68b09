"""Powers (权力清单), their adjustments, process maps (流程图) and integrity risk points (廉政风险点)."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Sequence
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any, Self

import strawberry

from db import powers
from domain import process_map
from domain.errors import InvalidInput, NotFound
from domain.process_map_svg import KIOSK, PHONE, SvgStep, render_svg
from domain.search import keyword_query
from schema.context import Info, Limits
from schema.org import Department
from schema.pagination import (
    Connection,
    decode_cursor,
    edges_and_info,
    page_size,
)
from schema.prefetch import LIST_ITEMS, Relation, at_once, prefetch
from schema.scope import draft_scope
from schema.visibility import OWNER, PUBLIC, field


@strawberry.enum(description="权力类别")
class PowerCategory(Enum):
    LICENSING = "licensing"
    PENALTY = "penalty"
    COERCION = "coercion"
    LEVY = "levy"
    BENEFIT = "benefit"
    INSPECTION = "inspection"
    CONFIRMATION = "confirmation"
    REWARD = "reward"
    ADJUDICATION = "adjudication"
    OTHER = "other"
    PUBLIC_SERVICE = "public_service"


CATEGORY_LABELS = {
    PowerCategory.LICENSING: "行政许可",
    PowerCategory.PENALTY: "行政处罚",
    PowerCategory.COERCION: "行政强制",
    PowerCategory.LEVY: "行政征收",
    PowerCategory.BENEFIT: "行政给付",
    PowerCategory.INSPECTION: "行政检查",
    PowerCategory.CONFIRMATION: "行政确认",
    PowerCategory.REWARD: "行政奖励",
    PowerCategory.ADJUDICATION: "行政裁决",
    PowerCategory.OTHER: "其他行政权力",
    PowerCategory.PUBLIC_SERVICE: "公共服务",
}


@strawberry.enum(description="事项状态")
class PowerStatus(Enum):
    DRAFT = "draft"  # 草稿：未公布，仅本部门与纪委监委可见
    PUBLISHED = "published"  # 已公布
    CANCELLED = "cancelled"  # 已取消（历史可查）


STATUS_LABELS = {
    PowerStatus.DRAFT: "未公布",
    PowerStatus.PUBLISHED: "已公布",
    PowerStatus.CANCELLED: "已取消",
}


@strawberry.enum(description="调整类型")
class AdjustmentKind(Enum):
    ADDED = "added"
    CHANGED = "changed"
    CANCELLED = "cancelled"


ADJUSTMENT_LABELS = {
    AdjustmentKind.ADDED: "新增",
    AdjustmentKind.CHANGED: "变更",
    AdjustmentKind.CANCELLED: "取消",
}


@strawberry.enum(description="廉政风险等级")
class RiskLevel(Enum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


RISK_LABELS = {RiskLevel.HIGH: "高", RiskLevel.MEDIUM: "中", RiskLevel.LOW: "低"}


@strawberry.type(description="收费标准")
class Fee:
    free: bool = field(PUBLIC, description="是否免费")
    amount_yuan: Decimal | None = field(PUBLIC, description="收费金额（元，精确到分）；免费为 null")
    basis: str = field(PUBLIC, description="收费依据")

    @field(PUBLIC, description="显示用文字，如“免费”或“200.00元”")
    def label(self) -> str:
        return "免费" if self.amount_yuan is None else f"{self.amount_yuan:.2f}元"

    @classmethod
    def of(cls, amount: Decimal | str | None, basis: str) -> Self:
        value = None if amount is None else Decimal(amount)
        return cls(free=value is None or value == 0, amount_yuan=value, basis=basis)


@strawberry.type(description="申报材料")
class Material:
    name: str = field(PUBLIC, description="材料名称")
    copies: int = field(PUBLIC, description="份数")
    original_required: bool = field(PUBLIC, description="是否需要原件")
    note: str = field(PUBLIC, description="说明")


@strawberry.type(description="权力事项调整记录")
class Adjustment:
    kind: AdjustmentKind = field(PUBLIC, description="调整类型")
    effective_on: date = field(PUBLIC, description="生效日期")
    reason: str = field(PUBLIC, description="调整理由")
    document_no: str = field(PUBLIC, description="依据文号")

    @field(PUBLIC, description="调整类型（中文）")
    def kind_label(self) -> str:
        return ADJUSTMENT_LABELS[self.kind]


@strawberry.type(description="某一日期时有效的事项要素（依调整记录还原）")
class PowerElements:
    effective_on: date = field(PUBLIC, description="这些要素的生效日期")
    adjustment_kind: AdjustmentKind = field(PUBLIC, description="确立这些要素的调整")
    name: str = field(PUBLIC, description="事项名称")
    category: PowerCategory = field(PUBLIC, description="权力类别")
    legal_basis: str = field(PUBLIC, description="设定依据")
    conditions: str = field(PUBLIC, description="申请条件")
    procedure: str = field(PUBLIC, description="办理程序")
    fee: Fee = field(PUBLIC, description="收费")
    statutory_limit_days: int | None = field(PUBLIC, description="法定时限（工作日）")
    promised_limit_days: int | None = field(PUBLIC, description="承诺时限（工作日）")
    visits_needed: int = field(PUBLIC, description="到现场次数")
    parallel_approval: bool = field(PUBLIC, description="是否并联审批")
    materials: list[Material] = field(PUBLIC, description="申报材料")

    @classmethod
    def from_row(cls, row: powers.ElementsRow) -> Self:
        e: dict[str, Any] = row.elements
        return cls(
            effective_on=row.effective_on,
            adjustment_kind=AdjustmentKind(row.kind),
            name=e["name"],
            category=PowerCategory(e["category"]),
            legal_basis=e["legal_basis"],
            conditions=e["conditions"],
            procedure=e["procedure"],
            fee=Fee.of(e["fee_yuan"], e["fee_basis"]),
            statutory_limit_days=e["statutory_limit_days"],
            promised_limit_days=e["promised_limit_days"],
            visits_needed=e["visits_needed"],
            parallel_approval=e["parallel_approval"],
            materials=[
                Material(
                    name=m["name"],
                    copies=m["copies"],
                    original_required=m["original_required"],
                    note=m["note"],
                )
                for m in e["materials"]
            ],
        )


@strawberry.type(description="防控措施")
class ControlMeasure:
    owner_department_id: strawberry.Private[int]
    description: str | None = field(OWNER, description="措施内容")


@strawberry.type(description="廉政风险点（仅本部门与纪委监委可见）")
class RiskPoint:
    id: strawberry.Private[int]
    owner_department_id: strawberry.Private[int]
    step_id: strawberry.Private[int]
    description: str | None = field(OWNER, description="风险描述")
    level: RiskLevel | None = field(OWNER, description="风险等级")

    @classmethod
    def from_row(cls, row: powers.RiskPointRow, owner: int) -> Self:
        return cls(
            id=row.id,
            owner_department_id=owner,
            step_id=row.step_id,
            description=row.description,
            level=RiskLevel(row.level),
        )

    @field(OWNER, description="风险等级（中文）")
    def level_label(self) -> str | None:
        return RISK_LABELS[self.level] if self.level else None

    @field(OWNER, description="防控措施")
    async def measures(self, info: Info) -> list[ControlMeasure] | None:
        rows = await info.context.loaders.measures.load(self.id)
        return [
            ControlMeasure(owner_department_id=self.owner_department_id, description=r.description)
            for r in rows
        ]


@strawberry.type(description="流程环节")
class ProcessStep:
    id: strawberry.Private[int]
    owner_department_id: strawberry.Private[int]
    department_id: strawberry.Private[int]
    key: str = field(PUBLIC, description="环节编号")
    name: str = field(PUBLIC, description="环节名称")
    post: str = field(PUBLIC, description="办理岗位")
    limit_days: int = field(PUBLIC, description="环节时限（工作日）")
    counts_toward_limit: bool = field(PUBLIC, description="是否计入法定时限")
    checks: str = field(PUBLIC, description="审查要点")
    layer: int = field(PUBLIC, description="图中所在层（从起始环节数起，0 起）")
    lane: int = field(PUBLIC, description="同层中的位置（并联分支并排）")

    @field(PUBLIC, description="办理部门（并联审批时可能是其他部门）")
    async def department(self, info: Info) -> Department | None:
        row = await info.context.loaders.department.load(self.department_id)
        return Department.from_row(row) if row else None

    @field(OWNER, description="本环节的廉政风险点")
    async def risk_points(self, info: Info) -> list[RiskPoint] | None:
        rows = await info.context.loaders.step_risk_points.load(self.id)
        return [RiskPoint.from_row(r, self.owner_department_id) for r in rows]


@strawberry.type(description="流程连线")
class ProcessEdge:
    source: str = field(PUBLIC, description="起点环节编号")
    target: str = field(PUBLIC, description="终点环节编号")
    condition: str = field(PUBLIC, description="走这条线的条件；无条件为空")


@strawberry.type(description="并联审批分支：从分叉环节出发、到汇合环节为止的一串环节")
class ParallelBranch:
    fork: str = field(PUBLIC, description="分叉环节编号")
    join: str | None = field(PUBLIC, description="汇合环节编号")
    steps: list[str] = field(PUBLIC, description="分支上的环节编号")


@strawberry.enum(description="流程图图形版式")
class MapLayout(Enum):
    KIOSK = strawberry.enum_value("kiosk", description="触摸屏（竖屏约 1000 像素宽）：长流程分栏排布")
    PHONE = strawberry.enum_value("phone", description="手机（约 360 像素宽）：单栏，上下滚动")


_FRAMES = {MapLayout.KIOSK: KIOSK, MapLayout.PHONE: PHONE}


@strawberry.type(description="权力运行流程图")
class ProcessMap:
    power_name: strawberry.Private[str]
    start: str = field(PUBLIC, description="起始环节编号")
    nodes: list[ProcessStep] = field(PUBLIC, description="环节")
    edges: list[ProcessEdge] = field(PUBLIC, description="连线")
    branches: list[ParallelBranch] = field(PUBLIC, description="并联分支（无并联时为空）")

    @field(
        PUBLIC,
        description="流程图 SVG 图形（可缩放，文字在版式宽度下不小于 16 像素）；"
        "current 为办件当前环节编号（CaseProgress.currentStepKey），该环节突出显示",
    )
    async def svg(self, info: Info, layout: MapLayout = MapLayout.KIOSK, current: str | None = None) -> str:
        loader = info.context.loaders.department
        departments = {
            row.id: row.short_name
            for row in await loader.load_many(sorted({n.department_id for n in self.nodes}))
            if row is not None
        }
        steps = [
            SvgStep(
                key=n.key,
                name=n.name,
                post=n.post,
                limit_days=n.limit_days,
                department=departments.get(n.department_id, ""),
            )
            for n in self.nodes
        ]
        return render_svg(
            self.power_name,
            steps,
            [process_map.Edge(e.source, e.target) for e in self.edges],
            frame=_FRAMES[layout],
            current=current,
        )


def parallel_branches(keys: list[str], edges: list[process_map.Edge]) -> list[ParallelBranch]:
    """Each outgoing edge of a fork starts a branch that runs while steps have one way in and one
    way out; the step where it stops with several ways in is the join."""
    outgoing: dict[str, list[str]] = {k: [] for k in keys}
    incoming: dict[str, int] = dict.fromkeys(keys, 0)
    for e in edges:
        outgoing[e.source].append(e.target)
        incoming[e.target] += 1
    branches = []
    for fork in keys:
        if len(outgoing[fork]) < 2:
            continue
        for first in outgoing[fork]:
            chain: list[str] = []
            step: str | None = first
            while step is not None and incoming[step] == 1:
                chain.append(step)
                step = outgoing[step][0] if len(outgoing[step]) == 1 else None
            branches.append(ParallelBranch(fork=fork, join=step, steps=chain))
    return branches


def build_process_map(power: Power, steps: list[powers.StepRow], edges: list[powers.EdgeRow]) -> ProcessMap:
    return laid_out_map(power.name, power.owner_department_id, steps, edges)


def laid_out_map(
    power_name: str,
    owner_department_id: int,
    steps: Sequence[powers.StepRow],
    edges: Sequence[powers.EdgeRow],
) -> ProcessMap:
    """The power's map from its rows (steps in order, edges), laid out."""
    return _laid_out(power_name, owner_department_id, tuple(steps), tuple(edges))


# A map is laid out once for each content it is seen with: validation, layout and the objects
# cost about 0.1 ms a map (a page of 20 powers spent 2–3 ms on them) while a map's rows change a
# few times a year. Keyed by the rows themselves, a changed map is simply a new key, never stale;
# the objects are read, never changed, by the resolvers that share them.
@functools.lru_cache(maxsize=4096)
def _laid_out(
    power_name: str,
    owner_department_id: int,
    steps: tuple[powers.StepRow, ...],
    edges: tuple[powers.EdgeRow, ...],
) -> ProcessMap:
    nodes = [process_map.Node(s.key, s.name) for s in steps]
    links = [process_map.Edge(e.source, e.target) for e in edges]
    start = process_map.validate(nodes, links)
    placement = {p.key: p for p in process_map.layout(nodes, links)}
    return ProcessMap(
        power_name=power_name,
        start=start,
        nodes=[
            ProcessStep(
                id=s.id,
                owner_department_id=owner_department_id,
                department_id=s.department_id,
                key=s.key,
                name=s.name,
                post=s.post_name,
                limit_days=s.limit_days,
                counts_toward_limit=s.counts_toward_limit,
                checks=s.checks,
                layer=placement[s.key].layer,
                lane=placement[s.key].lane,
            )
            for s in steps
        ],
        edges=[ProcessEdge(source=e.source, target=e.target, condition=e.condition) for e in edges],
        branches=parallel_branches([s.key for s in steps], links),
    )


@strawberry.type(description="权力事项")
class Power:
    id: strawberry.Private[int]
    owner_department_id: strawberry.Private[int]
    code: str = field(PUBLIC, description="事项编码")
    name: str = field(PUBLIC, description="事项名称")
    category: PowerCategory = field(PUBLIC, description="权力类别")
    status: PowerStatus = field(PUBLIC, description="状态")
    service_level: str = field(PUBLIC, description="办理层级：county / township / village")
    legal_basis: str = field(PUBLIC, description="设定依据")
    conditions: str = field(PUBLIC, description="申请条件")
    procedure: str = field(PUBLIC, description="办理程序")
    fee: Fee = field(PUBLIC, description="收费标准及依据")
    statutory_limit_days: int | None = field(PUBLIC, description="法定时限（工作日）")
    promised_limit_days: int | None = field(PUBLIC, description="承诺时限（工作日）")
    visits_needed: int = field(PUBLIC, description="到现场次数")
    parallel_approval: bool = field(PUBLIC, description="是否适用并联审批")
    consultation_channel: str = field(PUBLIC, description="咨询方式")
    complaint_channel: str = field(PUBLIC, description="投诉方式")
    published_on: date | None = field(PUBLIC, description="公布日期")
    internal_note: str | None = field(OWNER, description="内部备注")

    @classmethod
    def from_optional_row(cls, row: powers.PowerRow | None) -> Self | None:
        return cls.from_row(row) if row else None

    @classmethod
    def from_row(cls, row: powers.PowerRow) -> Self:
        return cls(
            id=row.id,
            owner_department_id=row.department_id,
            code=row.code,
            name=row.name,
            category=PowerCategory(row.category),
            status=PowerStatus(row.status),
            service_level=row.service_level,
            legal_basis=row.legal_basis,
            conditions=row.conditions,
            procedure=row.procedure,
            fee=Fee.of(row.fee_yuan, row.fee_basis),
            statutory_limit_days=row.statutory_limit_days,
            promised_limit_days=row.promised_limit_days,
            visits_needed=row.visits_needed,
            parallel_approval=row.parallel_approval,
            consultation_channel=row.consultation_channel,
            complaint_channel=row.complaint_channel,
            published_on=row.published_on,
            internal_note=row.internal_note,
        )

    @field(PUBLIC, description="权力类别（中文）")
    def category_label(self) -> str:
        return CATEGORY_LABELS[self.category]

    @field(PUBLIC, description="状态（中文）")
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @field(PUBLIC, description="实施部门", graphql_type=Department | None)
    def department(self, info: Info) -> Department | Awaitable[Department | None] | None:
        return at_once(
            info.context.loaders.department, self.owner_department_id, Department.from_optional_row
        )

    @field(PUBLIC, description="申报材料清单")
    async def materials(self, info: Info) -> list[Material]:
        rows = await info.context.loaders.materials.load(self.id)
        return [
            Material(name=r.name, copies=r.copies, original_required=r.original_required, note=r.note)
            for r in rows
        ]

    @field(PUBLIC, description="调整历史（新的在前）")
    async def adjustments(self, info: Info) -> list[Adjustment]:
        rows = await info.context.loaders.adjustments.load(self.id)
        return [
            Adjustment(
                kind=AdjustmentKind(r.kind),
                effective_on=r.effective_on,
                reason=r.reason,
                document_no=r.document_no,
            )
            for r in rows
        ]

    @field(PUBLIC, description="某日有效的事项要素；该日尚未设立时为 null")
    async def as_of(self, info: Info, date: date) -> PowerElements | None:
        row = await powers.get_elements_as_of(info.context.db, power_id=self.id, day=date)
        return PowerElements.from_row(row) if row else None

    @field(PUBLIC, description="权力运行流程图", graphql_type=ProcessMap)
    def process_map(self, info: Info) -> ProcessMap | Awaitable[ProcessMap]:
        return at_once(
            info.context.loaders.process_map,
            self.id,
            lambda rows: build_process_map(self, rows.steps, rows.edges),
        )

    @field(OWNER, description="全部廉政风险点（按环节）")
    async def risk_points(self, info: Info) -> list[RiskPoint] | None:
        rows = await info.context.loaders.power_risk_points.load(self.id)
        return [RiskPoint.from_row(r, self.owner_department_id) for r in rows]


@strawberry.input(description="权力事项筛选条件")
class PowerFilter:
    category: PowerCategory | None = None
    department_code: str | None = None
    keyword: str | None = strawberry.field(
        default=None, description="名称或编码中的关键词，如“食品”；空格分隔多个词"
    )
    statuses: list[PowerStatus] | None = strawberry.field(
        default=None, description="默认只列已公布事项；未公布事项仅本部门与纪委监委可见"
    )


@strawberry.type(description="权力事项分页")
class PowerConnection(Connection[Power]):
    search: strawberry.Private[powers.PowerSearch]

    @field(PUBLIC, description="符合条件的事项总数")
    async def total_count(self, info: Info) -> int:
        return await powers.count_powers(
            info.context.db, scope=draft_scope(info.context.viewer), search=self.search
        )


async def list_powers(
    info: Info, filter: PowerFilter, *, first: int | None, after: str | None, department_id: int | None = None
) -> PowerConnection:
    size = page_size(first, info.context.limits)
    after_code = decode_cursor(after)
    if filter.department_code is not None:
        department = await info.context.loaders.department_by_code.load(filter.department_code)
        if department is None:
            raise NotFound(f"未找到编码为 {filter.department_code} 的部门", code="DEPARTMENT_NOT_FOUND")
        department_id = department.id
    search = power_search(filter, department_id=department_id)
    rows = await powers.list_powers(
        info.context.db,
        scope=draft_scope(info.context.viewer),
        search=search,
        after_code=after_code,
        limit=size + 1,
    )
    edges, page_info = edges_and_info(rows, size, lambda r: r.code, Power.from_row)
    await prefetch(info, [e.node for e in edges], POWER_RELATIONS, under=LIST_ITEMS)
    return PowerConnection(edges=edges, page_info=page_info, search=search)


def power_search(filter: PowerFilter, *, department_id: int | None) -> powers.PowerSearch:
    """What a list of powers searches for (the filter's department already looked up)."""
    keywords = keyword_query(filter.keyword) if filter.keyword else None
    statuses = filter.statuses or [PowerStatus.PUBLISHED]
    return powers.PowerSearch(
        statuses=tuple(sorted(s.value for s in statuses)),
        category=filter.category.value if filter.category else None,
        department_id=department_id,
        bigrams=keywords.bigrams if keywords else None,
        patterns=keywords.patterns if keywords else None,
    )


# What a list of powers loads for all its items at once, when its selection asks for it.
POWER_RELATIONS: dict[str, Relation[Power]] = {
    "department": lambda loaders, items: loaders.department.load_many(
        list({p.owner_department_id for p in items})
    ),
    "processMap": lambda loaders, items: loaders.process_map.load_many([p.id for p in items]),
}


def check_power_code(limits: Limits, code: str) -> None:
    if not limits.power_code_pattern.fullmatch(code):
        raise InvalidInput(
            f"事项编码格式不正确：{code}，请按权力清单上的事项编码填写",
            code="INVALID_POWER_CODE",
            detail=f"pattern {limits.power_code_pattern.pattern}",
        )


@strawberry.type
class PowerQueries:
    @field(PUBLIC, description="权力清单：按编码排序、键集分页，可按类别、部门、关键词筛选")
    async def powers(
        self,
        info: Info,
        filter: PowerFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> PowerConnection:
        return await list_powers(info, filter or PowerFilter(), first=first, after=after)

    @field(PUBLIC, description="按编码查询一项权力事项的全部要素")
    async def power(self, info: Info, code: str) -> Power | None:
        check_power_code(info.context.limits, code)
        found = await powers.get_power_by_code(
            info.context.db, scope=draft_scope(info.context.viewer), code=code
        )
        # Read with the power: its department answers without a statement of its own.
        info.context.loaders.department.prime(found.department.id, found.department)
        return Power.from_row(found.power)
