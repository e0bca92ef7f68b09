"""The contract of a case event pushed by a department's system (``recordCaseEvents``) or imported
from its history (``sunshine import-cases``): the fields each kind takes, the moments an event may
carry, who may have acted, and the fingerprint that tells a resend from a reused event id.

Pure: the checks take what they compare (the case as it stands, the moment of the request, the
applicant's numbers) and raise :class:`~domain.cases.EventRefused` with a stable code. ``FIELDS``
is the one table of what each kind takes: the API checks against it, and the GraphQL input's
descriptions and the README's table are written from it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson

from domain.cases import Case, CompletionResult, Event, EventKind, EventRefused
from domain.contact import phone_problem
from domain.identity import credit_code_problem, id_number_problem

# How far ahead of the server's clock an event may be dated: the departments' clocks drift, but
# not by more than this; an event later than that has not happened yet.
CLOCK_SKEW = timedelta(minutes=5)

# Every event carries these (GraphQL names; the CSV columns are the same words in snake_case).
COMMON = ("eventId", "caseNo", "kind", "occurredAt")


@dataclass(frozen=True, slots=True)
class KindFields:
    """What one kind takes beside :data:`COMMON`; any other field is refused (``FIELD_NOT_FOR_KIND``)."""

    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()

    @property
    def allowed(self) -> frozenset[str]:
        return frozenset(self.required + self.optional)


_STAFF = ("staffNo",)
_WITH_REASON = ("staffNo", "reason")
FIELDS: Mapping[EventKind, KindFields] = {
    EventKind.RECEIVED: KindFields(
        required=("powerCode", "queryCode", "channel", "applicant"), optional=("staffNo", "leadCaseNo")
    ),
    EventKind.ACCEPTED: KindFields(optional=_STAFF),
    EventKind.NOT_ACCEPTED: KindFields(optional=_WITH_REASON),
    EventKind.REJECTED: KindFields(optional=_WITH_REASON),
    EventKind.WITHDRAWN: KindFields(optional=_WITH_REASON),
    EventKind.SUPPLEMENT_STARTED: KindFields(optional=_WITH_REASON),
    EventKind.SUPPLEMENT_ENDED: KindFields(optional=_STAFF),
    EventKind.STEP_STARTED: KindFields(required=("stepKey", "staffNo")),
    EventKind.STEP_FINISHED: KindFields(required=("stepKey", "staffNo"), optional=("reason",)),
    EventKind.SPECIAL_STARTED: KindFields(optional=_WITH_REASON),
    EventKind.SPECIAL_ENDED: KindFields(optional=_STAFF),
    EventKind.FEE_CHARGED: KindFields(required=("amountYuan",), optional=_STAFF),
    EventKind.COMPLETED: KindFields(required=("result",), optional=_WITH_REASON),
    EventKind.CERTIFICATE_PRINTED: KindFields(optional=_STAFF),
    EventKind.RECALLED: KindFields(optional=_WITH_REASON),
    EventKind.REVOKED: KindFields(optional=_WITH_REASON),
}

# Handling that only an accepted case can have (受理在先): steps, special procedures, the fee,
# completion, the certificate and revocation. Withdrawal, recall, supplement and the acceptance
# decision itself may come before acceptance, but never before receipt.
AFTER_ACCEPTANCE = frozenset(
    {
        EventKind.STEP_STARTED,
        EventKind.STEP_FINISHED,
        EventKind.SPECIAL_STARTED,
        EventKind.SPECIAL_ENDED,
        EventKind.FEE_CHARGED,
        EventKind.COMPLETED,
        EventKind.CERTIFICATE_PRINTED,
        EventKind.REVOKED,
    }
)

KIND_NAMES = ", ".join(kind.value for kind in EventKind)


def field_note(name: str) -> str:
    """Which kinds require and which accept the field ``name``, in Chinese (for descriptions)."""
    required = [k.value for k, f in FIELDS.items() if name in f.required]
    optional = [k.value for k, f in FIELDS.items() if name in f.optional]
    parts = []
    if required:
        parts.append(f"必填：{'、'.join(required)}")
    if optional:
        parts.append(f"可选：{'、'.join(optional)}")
    return "；".join(parts) + "；其他类型不得填写"


def parse_kind(raw: str) -> EventKind:
    """The kind named ``raw``; an unknown kind refuses this event only (``UNKNOWN_KIND``)."""
    try:
        return EventKind(raw)
    except ValueError:
        raise EventRefused(
            f"未知的事件类型 {raw[:40]!r}：应为 {KIND_NAMES} 之一", code="UNKNOWN_KIND"
        ) from None


def parse_result(raw: str | None) -> CompletionResult | None:
    if raw is None:
        return None
    try:
        return CompletionResult(raw)
    except ValueError:
        names = "、".join(r.value for r in CompletionResult)
        raise EventRefused(f"办结结果 {raw[:40]!r} 应为 {names} 之一", code="INVALID_FIELD") from None


def check_fields(kind: EventKind, present: Collection[str]) -> None:
    """Refuse a missing required field (``INVALID_FIELD``) or a field the kind does not take
    (``FIELD_NOT_FOR_KIND``: a ``result`` on a step, a ``stepKey`` on a completion mean nothing
    and are mistakes the sender should hear of). ``present`` names the fields given, non-empty."""
    fields = FIELDS[kind]
    missing = [name for name in fields.required if name not in present]
    if missing:
        raise EventRefused(f"{kind.value} 事件缺少字段：{'、'.join(missing)}", code="INVALID_FIELD")
    extra = sorted(set(present) - fields.allowed - set(COMMON))
    if extra:
        raise EventRefused(
            f"{kind.value} 事件不接受字段：{'、'.join(extra)}（各类型的字段见接口说明）",
            code="FIELD_NOT_FOR_KIND",
        )


def check_not_future(occurred_at: datetime, *, now: datetime) -> None:
    """Refuse an event dated later than the server's clock plus :data:`CLOCK_SKEW`."""
    if occurred_at > now + CLOCK_SKEW:
        minutes = int(CLOCK_SKEW.total_seconds() // 60)
        raise EventRefused(
            f"发生时间 {occurred_at.isoformat()} 晚于服务器当前时间（允许误差 {minutes} 分钟）",
            code="EVENT_IN_FUTURE",
        )


def check_applicant(*, kind: str, id_number: str, phone: str, today: date) -> None:
    """A person's 18-digit ID number with its GB 11643 check digit (and a birth date not after
    ``today``), an organisation's unified social credit code with its GB 32100 check character,
    and a phone, when given, as :mod:`domain.contact` writes it."""
    problem = (
        id_number_problem(id_number, today=today) if kind == "person" else credit_code_problem(id_number)
    )
    if problem is not None:
        raise EventRefused(f"申请人证件号码无效：{problem}", code="INVALID_ID_NUMBER")
    if phone.strip() and (problem := phone_problem(phone)) is not None:
        raise EventRefused(problem, code="INVALID_PHONE")


def check_order(case: Case, event: Event, *, accepted_at: datetime | None) -> None:
    """Refuse an event dated before what it follows: any event before the case's receipt
    (``BEFORE_RECEIPT``); handling (:data:`AFTER_ACCEPTANCE`) on a case not accepted, or dated
    before its acceptance (``BEFORE_ACCEPTANCE``); a step finished before it started
    (``BEFORE_STEP_STARTED``). ``accepted_at`` is the moment of the ACCEPTED event; a case without
    one (stored before events carried it) is compared by its acceptance day."""
    if event.occurred_at < case.received_at:
        raise EventRefused(f"发生时间早于接件时间 {case.received_at.isoformat()}", code="BEFORE_RECEIPT")
    if event.kind in AFTER_ACCEPTANCE:
        if case.accepted_on is None:
            raise EventRefused(
                f"办件尚未受理：{event.kind.value} 须在 ACCEPTED（受理）之后", code="BEFORE_ACCEPTANCE"
            )
        early = event.occurred_at < accepted_at if accepted_at is not None else event.day < case.accepted_on
        if early:
            raise EventRefused(
                f"发生时间早于受理时间 {(accepted_at or case.accepted_on).isoformat()}",
                code="BEFORE_ACCEPTANCE",
            )
    if event.kind is EventKind.STEP_FINISHED and event.step_key is not None:
        progress = case.steps.get(event.step_key)
        if progress is not None and event.occurred_at < progress.started_at:
            raise EventRefused(
                f"环节 {event.step_key} 的结束时间早于其开始时间 {progress.started_at.isoformat()}",
                code="BEFORE_STEP_STARTED",
            )


def fingerprint(content: Mapping[str, Any]) -> bytes:
    """SHA-256 of ``content`` as canonical JSON (sorted keys, no whitespace, UTF-8)."""
    return hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).digest()


def canonical_moment(moment: datetime) -> str:
    """One spelling per instant, whatever offset it was sent with."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")
