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
