"""Row-level scope: which records exist at all for a viewer (as opposed to which fields of a
record it sees, :mod:`schema.visibility`)."""

from __future__ import annotations

from db.powers import DraftScope
from domain.errors import NotFound
from domain.viewer import Role, Viewer
from schema.context import Context


def draft_scope(viewer: Viewer) -> DraftScope:
    """Drafts are seen by their own department and by discipline; everyone sees the rest."""
    if viewer.role is Role.DISCIPLINE:
        return DraftScope(every_department=True)
    if viewer.role is Role.DEPARTMENT and viewer.department_id is not None:
        return DraftScope(departments=(viewer.department_id,))
    return DraftScope()


def department_scope(viewer: Viewer) -> int | None:
    """Cases, cards and complaints: a department sees its own (its id), discipline sees all (None);
    anyone else is refused."""
    if viewer.role is Role.DISCIPLINE:
        return None
    department_id, _ = viewer.department()
    return department_id


async def department_by_code(context: Context, code: str | None) -> int | None:
    """The id of the department ``code`` names (None for no code); an unknown code is not found."""
    if code is None:
        return None
    row = await context.loaders.department_by_code.load(code)
    if row is None:
        raise NotFound(f"未找到编码为 {code} 的部门", code="DEPARTMENT_NOT_FOUND")
    return row.id


async def requested_department(context: Context, code: str | None, *, refusal: str) -> int | None:
    """The department a list of cases or cards is narrowed to: the one ``code`` names, which
    department staff may name only for themselves (else ``refusal``), or else the viewer's scope."""
    department_id = department_scope(context.viewer)
    if code is not None:
        requested = await department_by_code(context, code)
        if department_id is not None and requested != department_id:
            raise NotFound(refusal, code="DEPARTMENT_NOT_FOUND")
        department_id = requested
    return department_id
