"""Field visibility: declared once per field, enforced here and nowhere else.

Every field of every type is declared with :func:`field` and one of the policies below; the
schema test walks the schema and refuses a field without one. What a viewer gets is decided by
:func:`decide` (pure, from the policy, the viewer and the record's owning department) and applied
by :class:`VisibilityExtension`:

==============  ==========  ==================  ===============  ==========
policy          public      other department    own department   discipline
==============  ==========  ==================  ===============  ==========
PUBLIC          value       value               value            value
OWNER           null        null                value            value
DISCIPLINE      null        null                null             value
PERSONAL(kind)  masked      masked              value            value
==============  ==========  ==================  ===============  ==========

A record's owner is its ``owner_department_id`` (a ``strawberry.Private`` attribute every type with
non-public fields carries). A subsidy record also names its village (``owner_village_code``): the
township of that village (role ``township``) sees it as its own department would; a township sees
every other record as the public does. When an official is shown a personal field unmasked, the read is
recorded for the audit trail against the record's ``audit_ref`` (type, id). Row-level rules (who
sees a draft power or a case at all) are the data scope in :mod:`schema.scope`.

Who may *call* a field at all (a mutation only departments may send, a list only officials may
read) is declared the same way, with ``callers=``; everyone else gets ``FORBIDDEN``.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

import strawberry
from strawberry.extensions import FieldExtension

from domain.errors import DomainError
from domain.masking import PersonalKind, mask
from domain.viewer import ANONYMOUS, Role, Viewer

VISIBILITY_KEY = "sunshine.visibility"
CALLERS_KEY = "sunshine.callers"
AUDITED_KEY = "sunshine.audited"  # the field's answer is itself an audited read (needs a reason)


class Access(Enum):
    PUBLIC = "public"
    OWNER = "owner"
    DISCIPLINE = "discipline"
    PERSONAL = "personal"


@dataclass(frozen=True, slots=True)
class Visibility:
    access: Access
    personal: PersonalKind | None = None

    def describe(self) -> str:
        return {
            Access.PUBLIC: "公开",
            Access.OWNER: "仅本部门与纪委监委可见，其他人得到 null",
            Access.DISCIPLINE: "仅纪委监委可见，其他人得到 null",
            Access.PERSONAL: "个人信息：本部门与纪委监委见原文，其他人见脱敏值",
        }[self.access]


PUBLIC = Visibility(Access.PUBLIC)
OWNER = Visibility(Access.OWNER)
DISCIPLINE = Visibility(Access.DISCIPLINE)


def personal(kind: PersonalKind) -> Visibility:
    return Visibility(Access.PERSONAL, kind)


class Decision(Enum):
    SHOW = "show"
    HIDE = "hide"
    MASK = "mask"


def decide(
    visibility: Visibility,
    viewer: Viewer,
    owner_department_id: int | None,
    owner_village_code: str | None = None,
) -> Decision:
    """The whole policy: what ``viewer`` gets of a field declared ``visibility`` on a record owned
    by ``owner_department_id`` (and, for subsidy records, of the village ``owner_village_code``)."""
    if visibility.access is Access.PUBLIC or viewer.role is Role.DISCIPLINE:
        return Decision.SHOW
    if visibility.access is Access.DISCIPLINE:
        return Decision.HIDE
    if viewer.owns(owner_department_id) or viewer.oversees(owner_village_code):
        return Decision.SHOW
    return Decision.MASK if visibility.access is Access.PERSONAL else Decision.HIDE


def as_public(owner: type, name: str, value: Any) -> Any:
    """What the public gets of field ``name`` (its Python name) of type ``owner`` holding ``value``:
    the declared policy and the one mask, for answers built without the executor
    (:mod:`schema.compiled`)."""
    definition = owner.__strawberry_definition__  # type: ignore[attr-defined]  # every strawberry type has one
    visibility: Visibility = definition.get_field(name).metadata[VISIBILITY_KEY]
    decision = decide(visibility, ANONYMOUS, None)
    if decision is Decision.HIDE or value is None:
        return None
    if decision is Decision.MASK and visibility.personal is not None:
        return mask(visibility.personal, value)
    return value


class VisibilityExtension(FieldExtension):
    """Applies :func:`decide` to one field. Public fields carry no extension and cost nothing."""

    def __init__(self, visibility: Visibility) -> None:
        self.visibility = visibility

    def _decision(self, source: Any, info: strawberry.Info) -> Decision:
        owner = getattr(source, "owner_department_id", None)
        village = getattr(source, "owner_village_code", None)
        viewer: Viewer = info.context.viewer
        return decide(self.visibility, viewer, owner, village)

    def _finish(self, decision: Decision, value: Any, source: Any, info: strawberry.Info) -> Any:
        if self.visibility.personal is None or value is None:
            return value
        if decision is Decision.MASK:
            return mask(self.visibility.personal, value)
        # Shown unmasked to an official: the read itself is recorded.
        record_type, record_id = source.audit_ref
        info.context.record_read(record_type, record_id, info.field_name)
        return value

    def resolve(self, next_: Callable[..., Any], source: Any, info: strawberry.Info, **kwargs: Any) -> Any:
        decision = self._decision(source, info)
        if decision is Decision.HIDE:
            return None
        return self._finish(decision, next_(source, info, **kwargs), source, info)

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: strawberry.Info, **kwargs: Any
    ) -> Any:
        decision = self._decision(source, info)
        if decision is Decision.HIDE:
            return None
        value = next_(source, info, **kwargs)
        if inspect.isawaitable(value):
            value = await value
        return self._finish(decision, value, source, info)


class Forbidden(DomainError):
    code = "FORBIDDEN"


OFFICIALS = frozenset({Role.DEPARTMENT, Role.DISCIPLINE})
DEPARTMENTS = frozenset({Role.DEPARTMENT})
DISCIPLINE_ONLY = frozenset({Role.DISCIPLINE})
DISCIPLINE_AND_TOWNSHIPS = frozenset({Role.DISCIPLINE, Role.TOWNSHIP})
_ROLE_NAMES = {
    Role.DEPARTMENT: "部门工作人员",
    Role.DISCIPLINE: "纪委监委",
    Role.PUBLIC: "公众",
    Role.TOWNSHIP: "乡镇（街道）",
}


class CallerExtension(FieldExtension):
    """Refuses the whole field to viewers outside ``roles``."""

    def __init__(self, roles: frozenset[Role]) -> None:
        self.roles = roles

    def _check(self, info: strawberry.Info) -> None:
        if info.context.viewer.role not in self.roles:
            who = "、".join(_ROLE_NAMES[r] for r in sorted(self.roles))
            raise Forbidden(f"只有{who}可以使用 {info.field_name}")

    def resolve(self, next_: Callable[..., Any], source: Any, info: strawberry.Info, **kwargs: Any) -> Any:
        self._check(info)
        return next_(source, info, **kwargs)

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: strawberry.Info, **kwargs: Any
    ) -> Any:
        self._check(info)
        value = next_(source, info, **kwargs)
        return await value if inspect.isawaitable(value) else value


def field(
    visibility: Visibility,
    *,
    description: str | None = None,
    name: str | None = None,
    resolver: Callable[..., Any] | None = None,
    callers: frozenset[Role] | None = None,
    audited: bool = False,
    graphql_type: Any | None = None,
) -> Any:
    """A strawberry field with its visibility declared; also usable as a resolver decorator.

    ``audited`` marks a field whose answer is recorded in the audit trail as a whole (the trail
    itself, a household's dossier): like a personal field, an official must give a reason to ask
    for it (:mod:`schema.reasons`). ``graphql_type`` is the field's type where the resolver's own
    annotation says more (one that may answer at once or later: :func:`schema.prefetch.at_once`)."""
    note = visibility.describe() if visibility is not PUBLIC else None
    if callers is not None:
        note = "仅限" + "、".join(_ROLE_NAMES[r] for r in sorted(callers)) + "调用"
    if audited:
        note = (note + "；" if note else "") + "读取即记入审计，须说明访问事由"
    text = "；".join(part for part in (description, note) if part) or None
    extensions: list[FieldExtension] = [] if visibility is PUBLIC else [VisibilityExtension(visibility)]
    if callers is not None:
        extensions.append(CallerExtension(callers))
    if resolver is not None:
        return strawberry.field(
            resolver=resolver,
            description=text,
            name=name,
            graphql_type=graphql_type,
            metadata={VISIBILITY_KEY: visibility, CALLERS_KEY: callers, AUDITED_KEY: audited},
            extensions=extensions,
        )
    return strawberry.field(
        description=text,
        name=name,
        graphql_type=graphql_type,
        metadata={VISIBILITY_KEY: visibility, CALLERS_KEY: callers, AUDITED_KEY: audited},
        extensions=extensions,
    )
