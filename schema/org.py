"""Regions (行政区划), departments (部门), their windows (窗口), posts (岗位) and staff."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Annotated, Self

import strawberry

from db import org
from domain.errors import NotFound
from domain.masking import PersonalKind
from schema.context import Context, Info
from schema.visibility import OWNER, PUBLIC, field, personal

if TYPE_CHECKING:
    from schema.powers import PowerConnection


@strawberry.enum(description="行政区划层级")
class RegionLevel(Enum):
    COUNTY = 1  # 县（区）
    TOWNSHIP = 2  # 乡镇 / 街道
    VILLAGE = 3  # 村 / 社区


@strawberry.enum(description="服务层级：县行政服务中心、镇街便民服务中心、村便民服务室")
class ServiceLevel(Enum):
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"


_LEVEL_NAMES = {
    RegionLevel.COUNTY: "县（区）",
    RegionLevel.TOWNSHIP: "乡镇（街道）",
    RegionLevel.VILLAGE: "村（社区）",
}


async def region_of_level(context: Context, code: str, level: RegionLevel) -> org.RegionRow:
    """The region ``code`` names, which must be of ``level``: a village code where a village is
    asked for, a township's where a township is (a county code would widen the answer to all)."""
    row = await context.loaders.region.load(code)
    if row is None or row.level != level.value:
        raise NotFound(f"未找到{_LEVEL_NAMES[level]} {code}", code="REGION_NOT_FOUND")
    return row


REGION_KIND_LABELS = {
    "county": "县",
    "township": "乡",
    "town": "镇",
    "street": "街道",
    "village": "村",
    "community": "社区",
}


@strawberry.type(description="行政区划")
class Region:
    code: str = field(PUBLIC, description="行政区划代码（县6位、乡镇街道9位、村社区12位）")
    name: str = field(PUBLIC, description="名称")
    level: RegionLevel = field(PUBLIC, description="层级")
    kind_label: str = field(PUBLIC, description="类别：县、乡、镇、街道、村、社区")
    parent_code: strawberry.Private[str | None]

    @classmethod
    def from_row(cls, row: org.RegionRow) -> Self:
        return cls(
            code=row.code,
            name=row.name,
            level=RegionLevel(row.level),
            kind_label=REGION_KIND_LABELS[row.kind],
            parent_code=row.parent_code,
        )

    @field(PUBLIC, description="上级区划")
    async def parent(self, info: Info) -> Region | None:
        if self.parent_code is None:
            return None
        row = await info.context.loaders.region.load(self.parent_code)
        return Region.from_row(row) if row else None


@strawberry.type(description="服务窗口")
class ServiceWindow:
    number: str = field(PUBLIC, description="窗口号")
    name: str = field(PUBLIC, description="窗口名称")


@strawberry.type(description="岗位")
class Post:
    name: str = field(PUBLIC, description="岗位名称")
    duties: str = field(PUBLIC, description="岗位职责")


@strawberry.type(description="工作人员（公众见脱敏姓名与岗位）")
class StaffMember:
    owner_department_id: strawberry.Private[int]
    audit_ref: strawberry.Private[tuple[str, str]]
    staff_no: str | None = field(OWNER, description="工号")
    name: str | None = field(personal(PersonalKind.NAME), description="姓名")
    phone: str | None = field(personal(PersonalKind.PHONE), description="电话")
    post: str | None = field(PUBLIC, description="岗位")
    active: bool | None = field(OWNER, description="是否在岗")


@strawberry.type(description="部门或镇街")
class Department:
    id: strawberry.Private[int]
    owner_department_id: strawberry.Private[int]
    region_code: strawberry.Private[str]
    code: str = field(PUBLIC, description="部门编码")
    name: str = field(PUBLIC, description="全称")
    short_name: str = field(PUBLIC, description="简称")
    service_level: ServiceLevel = field(PUBLIC, description="服务层级")
    hall: str | None = field(PUBLIC, description="办事大厅")
    phone: str | None = field(PUBLIC, description="咨询电话")
    address: str | None = field(PUBLIC, description="办公地址")

    @classmethod
    def from_row(cls, row: org.DepartmentRow) -> Self:
        return cls(
            id=row.id,
            owner_department_id=row.id,
            region_code=row.region_code,
            code=row.code,
            name=row.name,
            short_name=row.short_name,
            service_level=ServiceLevel(row.service_level),
            hall=row.hall,
            phone=row.phone,
            address=row.address,
        )

    @classmethod
    def from_optional_row(cls, row: org.DepartmentRow | None) -> Self | None:
        return cls.from_row(row) if row else None

    @field(PUBLIC, description="所在行政区划")
    async def region(self, info: Info) -> Region | None:
        row = await info.context.loaders.region.load(self.region_code)
        return Region.from_row(row) if row else None

    @field(PUBLIC, description="服务窗口")
    async def windows(self, info: Info) -> list[ServiceWindow]:
        rows = await info.context.loaders.windows.load(self.id)
        return [ServiceWindow(number=r.number, name=r.name) for r in rows]

    @field(PUBLIC, description="岗位设置")
    async def posts(self, info: Info) -> list[Post]:
        rows = await info.context.loaders.posts.load(self.id)
        return [Post(name=r.name, duties=r.duties) for r in rows]

    @field(PUBLIC, description="工作人员")
    async def staff(self, info: Info) -> list[StaffMember]:
        rows = await info.context.loaders.staff.load(self.id)
        return [
            StaffMember(
                owner_department_id=r.department_id,
                audit_ref=("staff", r.staff_no),
                staff_no=r.staff_no,
                name=r.name,
                phone=r.phone,
                post=r.post_name,
                active=r.active,
            )
            for r in rows
        ]

    @field(PUBLIC, description="已公布的权力事项数")
    async def published_power_count(self, info: Info) -> int:
        return await info.context.loaders.published_count.load(self.id)

    @field(PUBLIC, description="本部门的权力事项（分页）")
    async def powers(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Annotated[PowerConnection, strawberry.lazy("schema.powers")]:
        from schema.powers import PowerFilter, list_powers  # schema.powers imports this module

        return await list_powers(info, PowerFilter(), first=first, after=after, department_id=self.id)


@strawberry.type(description="当前调用者")
class ViewerInfo:
    role: str = field(PUBLIC, description="public / department / discipline")
    department_code: str | None = field(PUBLIC, description="所属部门编码")
    staff_no: str | None = field(PUBLIC, description="工号")


@strawberry.type
class OrgQueries:
    @field(PUBLIC, description="行政区划：按上级或层级列出")
    async def regions(
        self, info: Info, parent_code: str | None = None, level: RegionLevel | None = None
    ) -> list[Region]:
        rows = await org.list_regions(
            info.context.db, parent_code=parent_code, level=level.value if level else None
        )
        return [Region.from_row(r) for r in rows]

    @field(PUBLIC, description="按代码查询行政区划")
    async def region(self, info: Info, code: str) -> Region | None:
        row = await info.context.loaders.region.load(code)
        if row is None:
            raise NotFound(f"未找到行政区划 {code}", code="REGION_NOT_FOUND")
        return Region.from_row(row)

    @field(PUBLIC, description="部门与镇街")
    async def departments(
        self, info: Info, region_code: str | None = None, service_level: ServiceLevel | None = None
    ) -> list[Department]:
        rows = await org.list_departments(
            info.context.db,
            region_code=region_code,
            service_level=service_level.value if service_level else None,
        )
        return [Department.from_row(r) for r in rows]

    @field(PUBLIC, description="按编码查询部门")
    async def department(self, info: Info, code: str) -> Department | None:
        row = await info.context.loaders.department_by_code.load(code)
        if row is None:
            raise NotFound(f"未找到编码为 {code} 的部门", code="DEPARTMENT_NOT_FOUND")
        return Department.from_row(row)

    @field(PUBLIC, description="当前调用者的身份")
    def viewer(self, info: Info) -> ViewerInfo:
        v = info.context.viewer
        return ViewerInfo(role=v.role.value, department_code=v.department_code, staff_no=v.staff_no)
