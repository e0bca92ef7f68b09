"""Who is asking: the three audiences of DOMAIN.md, and a township (镇街) that oversees its villages'
subsidy money."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.errors import DomainError


class Role(StrEnum):
    PUBLIC = "public"  # 公众：匿名或以客户端密钥标识的前端
    DEPARTMENT = "department"  # 部门 / 镇街工作人员
    DISCIPLINE = "discipline"  # 纪委监委（监察局）
    TOWNSHIP = "township"  # 乡镇（街道）：本镇各村的惠民资金


@dataclass(frozen=True, slots=True)
class Viewer:
    role: Role
    department_id: int | None = None
    department_code: str | None = None
    staff_no: str | None = None
    subject: str | None = None
    region_code: str | None = None  # a township's 9-digit region code

    @property
    def is_official(self) -> bool:
        return self.role is not Role.PUBLIC

    def department(self) -> tuple[int, str]:
        """The viewer's department (id, code); refused for anyone who is not department staff."""
        if self.role is not Role.DEPARTMENT or self.department_id is None or self.department_code is None:
            raise DomainError("只有部门工作人员可以执行此操作", code="FORBIDDEN")
        return self.department_id, self.department_code

    def owns(self, department_id: int | None) -> bool:
        """Whether this viewer's department owns a record of ``department_id``."""
        return (
            self.role is Role.DEPARTMENT and department_id is not None and department_id == self.department_id
        )

    def oversees(self, village_code: str | None) -> bool:
        """Whether this viewer is the township of the village ``village_code`` (12 digits, its
        first 9 the township's)."""
        return (
            self.role is Role.TOWNSHIP
            and self.region_code is not None
            and village_code is not None
            and village_code[:9] == self.region_code
        )


ANONYMOUS = Viewer(role=Role.PUBLIC)
