"""Row-level scope: which records exist at all for a viewer (as opposed to which fields of a
record it sees, :mod:`schema.visibility`)."""

from __future__ import annotations

from db.powers import DraftScope
from domain.viewer import Role, Viewer


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
