"""The role × field matrix, derived from the declarations and checked cell by cell over HTTP.

Every field of every type must declare a visibility. For each declared field the test asks the
real API, as each audience, for that field on a record owned by one department, and compares the
answer with what the declaration promises against the discipline committee's (unrestricted) view.
A new type or field cannot ship without a declaration and a probe that reaches it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from graphql import GraphQLNonNull, GraphQLObjectType, GraphQLOutputType, get_named_type
from strawberry.types.base import StrawberryObjectDefinition

from api.app import create_app
from api.public_queries import PublicDocument, PublicQueries, document_id
from api.settings import Settings
from db import audit
from domain.audit import AuditEntry
from domain.cases import query_code_hash
from domain.complaints import code_hash
from domain.identity import check_char
from domain.masking import mask
from schema import build_schema
from schema.visibility import VISIBILITY_KEY, Access, Visibility
from tests.conftest import Server, running

SCHEMA = build_schema(Settings().document_limits)

AUDIENCES = ("public", "other_department", "own_department", "township", "discipline")

# What each declaration promises each audience, written out independently of schema.visibility.
# The township (of the sample's village) is promised the own department's answer on the probes of
# its villages' money (``Probe.township_owns``) and the public's answer everywhere else.
PROMISE: dict[Access, dict[str, str]] = {
    Access.PUBLIC: dict.fromkeys(AUDIENCES, "value"),
    Access.OWNER: {
        "public": "null",
        "other_department": "null",
        "own_department": "value",
        "discipline": "value",
    },
    Access.DISCIPLINE: {
        "public": "null",
        "other_department": "null",
        "own_department": "null",
        "discipline": "value",
    },
    Access.PERSONAL: {
        "public": "masked",
        "other_department": "masked",
        "own_department": "value",
        "discipline": "value",
    },
}
REASON = "可见性矩阵核对"  # every official states a reason of access (schema/reasons.py)


@dataclass(frozen=True)
class Probe:
    """How to reach a type: a query whose innermost selection is ``{SELECTION}``, and the path to
    the object (or list of objects) in the answer."""

    query: str
    path: tuple[str, ...]
    per_viewer: bool = False  # the content is about who asks (the viewer itself)
    # Audiences that cannot reach the type here, because a field on the way is hidden from them
    # (they must get null) or refused to them (they must get this error code).
    hidden_for: frozenset[str] = frozenset()
    refused: tuple[tuple[str, str], ...] = ()
    # Audiences that see other rows here by design (a department's own queue), so their values
    # are not the discipline committee's to compare with.
    own_rows_for: frozenset[str] = frozenset()
    # The sample's township sees these records as their own department does.
    township_owns: bool = False

    def refusal(self, audience: str) -> str | None:
        """The error code ``audience`` gets here; a township is refused where the public is,
        unless the records are its own."""
        refusals = dict(self.refused)
        if audience == "township" and not self.township_owns:
            return refusals.get("township", refusals.get("public"))
        return refusals.get(audience)

    def hides_from(self, audience: str) -> bool:
        if audience == "township" and not self.township_owns:
            return "public" in self.hidden_for
        return audience in self.hidden_for

    def promise(self, access: Access, audience: str) -> str:
        if audience == "township":
            return PROMISE[access]["own_department" if self.township_owns else "public"]
        return PROMISE[access][audience]


POWER = "query($code: String!) { power(code: $code) { %s } }"
DEPT = "query($dept: String!) { department(code: $dept) { %s } }"
CASE = "query($no: String!, $qc: String!) { caseProgress(caseNo: $no, queryCode: $qc) { %s } }"
CASES = "query($dept: String!) { cases(filter: {departmentCode: $dept}, first: 5) { %s } }"
CARDS = "query($dept: String!) { cards(filter: {departmentCode: $dept}, first: 5) { %s } }"
RANKING = 'query { departmentPerformance(period: "2026-10") { %s } }'
SAMPLE_ID = "51079919800101123" + check_char("51079919800101123")
LOOKUP = f'query {{ householdSubsidies(name: "钱多多", idNumber: "{SAMPLE_ID}") {{ %s }} }}'
NOTICE = (
    'query($village: String!) { noticeList(villageCode: $village, fundCode: "MX", period: "2026-06-01")'
    " { %s } }"
)
AGGREGATES = "query { subsidyAggregates(year: 2026) { %s } }"
ALL_CARDS = "query($dept: String!) { cards(filter: {departmentCode: $dept}) { nodes { %s } } }"
ALERTS = "query($dept: String!) { cards(filter: {departmentCode: $dept, kind: PAYMENT}) { nodes { %s } } }"
FLAGS = "query($dept: String!) { cards(filter: {departmentCode: $dept, rule: %s}) { nodes { %%s } } }"
SHARED_ID = FLAGS % "INVALID_OR_SHARED_ID"
OFFICIAL = FLAGS % "BENEFICIARY_IS_OFFICIAL"
NOTIFICATIONS = "query { notifications(first: 5) { %s } }"
OVERDUE = "query($dept: String!) { overdueCases(filter: {departmentCode: $dept}, first: 5) { %s } }"
OUTSIDERS = frozenset({"public", "other_department"})
OTHER = frozenset({"other_department"})
PUBLIC_REFUSED = (("public", "FORBIDDEN"),)
TRACK = 'query { trackComplaint(trackingNo: "TS2026101400000001", trackingCode: "246802") { %s } }'
QUEUE = "query { complaints(first: 5) { %s } }"
HOUSEHOLD = 'query { household(householdNo: "MX-1") { %s } }'
AUDIT = 'query { auditRecords(filter: {reader: "MATRIX-READER"}, first: 5) { %s } }'
# The sample department's newest events: its case's card, lock, bad rating and complaint.
FEED = "query($dept: String!) { supervisionEvents(departmentCode: $dept, last: 20) { %s } }"
LIVE = "query { liveCounts { %s } }"
# Only discipline and the household's township read a dossier; only discipline the audit trail.
DOSSIER_REFUSED = (
    ("public", "FORBIDDEN"),
    ("other_department", "FORBIDDEN"),
    ("own_department", "FORBIDDEN"),
)
AUDIT_REFUSED = (*DOSSIER_REFUSED, ("township", "FORBIDDEN"))
# Lists only officials may read, and a department only its own.
OFFICIALS_OWN = (("public", "FORBIDDEN"), ("other_department", "DEPARTMENT_NOT_FOUND"))
PROBES: dict[str, Probe] = {
    "Power": Probe(POWER % "{SELECTION}", ("power",)),
    "Fee": Probe(POWER % "fee { {SELECTION} }", ("power", "fee")),
    "Material": Probe(POWER % "materials { {SELECTION} }", ("power", "materials")),
    "Adjustment": Probe(POWER % "adjustments { {SELECTION} }", ("power", "adjustments")),
    "PowerElements": Probe(POWER % 'asOf(date: "2026-11-01") { {SELECTION} }', ("power", "asOf")),
    "ProcessMap": Probe(POWER % "processMap { {SELECTION} }", ("power", "processMap")),
    "ProcessStep": Probe(POWER % "processMap { nodes { {SELECTION} } }", ("power", "processMap", "nodes")),
    "ProcessEdge": Probe(POWER % "processMap { edges { {SELECTION} } }", ("power", "processMap", "edges")),
    "ParallelBranch": Probe(
        POWER % "processMap { branches { {SELECTION} } }", ("power", "processMap", "branches")
    ),
    "RiskPoint": Probe(POWER % "riskPoints { {SELECTION} }", ("power", "riskPoints")),
    "ControlMeasure": Probe(
        POWER % "riskPoints { measures { {SELECTION} } }", ("power", "riskPoints", "measures")
    ),
    "Department": Probe(DEPT % "{SELECTION}", ("department",)),
    "Region": Probe(DEPT % "region { {SELECTION} }", ("department", "region")),
    "ServiceWindow": Probe(DEPT % "windows { {SELECTION} }", ("department", "windows")),
    "Post": Probe(DEPT % "posts { {SELECTION} }", ("department", "posts")),
    "StaffMember": Probe(DEPT % "staff { {SELECTION} }", ("department", "staff")),
    "PowerConnection": Probe(DEPT % "powers(first: 2) { {SELECTION} }", ("department", "powers")),
    "PowerEdge": Probe(
        DEPT % "powers(first: 2) { edges { {SELECTION} } }", ("department", "powers", "edges")
    ),
    "PageInfo": Probe(
        DEPT % "powers(first: 2) { pageInfo { {SELECTION} } }", ("department", "powers", "pageInfo")
    ),
    "Case": Probe(CASE % "{SELECTION}", ("caseProgress",)),
    "CaseRating": Probe(CASE % "rating { {SELECTION} }", ("caseProgress", "rating")),
    "TimelineEntry": Probe(CASE % "timeline { {SELECTION} }", ("caseProgress", "timeline")),
    "CaseStepRecord": Probe(CASE % "steps { {SELECTION} }", ("caseProgress", "steps"), hidden_for=OUTSIDERS),
    "CaseEventRecord": Probe(
        CASE % "events { {SELECTION} }", ("caseProgress", "events"), hidden_for=OUTSIDERS
    ),
    "LockRecord": Probe(
        CASE % "lockHistory { {SELECTION} }", ("caseProgress", "lockHistory"), hidden_for=OUTSIDERS
    ),
    # Both kinds of card of the sample department: the case's and the subsidy payment's.
    "Card": Probe(ALL_CARDS % "{SELECTION}", ("cards", "nodes"), refused=OFFICIALS_OWN),
    "CaseConnection": Probe(CASES % "{SELECTION}", ("cases",), refused=OFFICIALS_OWN),
    "CaseEdge": Probe(CASES % "edges { {SELECTION} }", ("cases", "edges"), refused=OFFICIALS_OWN),
    "CardConnection": Probe(CARDS % "{SELECTION}", ("cards",), refused=OFFICIALS_OWN),
    "CardEdge": Probe(CARDS % "edges { {SELECTION} }", ("cards", "edges"), refused=OFFICIALS_OWN),
    "PerformanceReport": Probe(RANKING % "{SELECTION}", ("departmentPerformance",)),
    "DepartmentScore": Probe(RANKING % "rows { {SELECTION} }", ("departmentPerformance", "rows")),
    "RankingCorrection": Probe(
        RANKING % "corrections { {SELECTION} }", ("departmentPerformance", "corrections")
    ),
    "SupervisionRule": Probe("query { supervisionRules { {SELECTION} } }", ("supervisionRules",)),
    "Fund": Probe("query { funds { {SELECTION} } }", ("funds",)),
    "SubsidyRecordConnection": Probe(LOOKUP % "{SELECTION}", ("householdSubsidies",)),
    "SubsidyRecordEdge": Probe(LOOKUP % "edges { {SELECTION} }", ("householdSubsidies", "edges")),
    "SubsidyRecord": Probe(LOOKUP % "nodes { {SELECTION} }", ("householdSubsidies", "nodes")),
    "NoticeConnection": Probe(NOTICE % "{SELECTION}", ("noticeList",)),
    "NoticeEntryEdge": Probe(NOTICE % "edges { {SELECTION} }", ("noticeList", "edges")),
    "NoticeEntry": Probe(NOTICE % "nodes { {SELECTION} }", ("noticeList", "nodes"), township_owns=True),
    "SubsidyAggregates": Probe(AGGREGATES % "{SELECTION}", ("subsidyAggregates",)),
    "AggregateCell": Probe(AGGREGATES % "cells { {SELECTION} }", ("subsidyAggregates", "cells")),
    "AlertMember": Probe(
        ALERTS % "member { {SELECTION} }", ("cards", "nodes", "member"), refused=OFFICIALS_OWN
    ),
    "AlertPayment": Probe(
        ALERTS % "payment { {SELECTION} }", ("cards", "nodes", "payment"), refused=OFFICIALS_OWN
    ),
    "TrailEntry": Probe(
        ALERTS % "payment { trail { {SELECTION} } }",
        ("cards", "nodes", "payment", "trail"),
        refused=OFFICIALS_OWN,
    ),
    "FlagPayment": Probe(
        ALERTS % "payments { {SELECTION} }", ("cards", "nodes", "payments"), refused=OFFICIALS_OWN
    ),
    "OtherHolder": Probe(
        SHARED_ID % "otherHolders { {SELECTION} }", ("cards", "nodes", "otherHolders"), refused=OFFICIALS_OWN
    ),
    "FlagOfficial": Probe(
        OFFICIAL % "officials { {SELECTION} }", ("cards", "nodes", "officials"), refused=OFFICIALS_OWN
    ),
    "Notification": Probe(
        ALL_CARDS % "notifications { {SELECTION} }",
        ("cards", "nodes", "notifications"),
        refused=OFFICIALS_OWN,
    ),
    "NotificationAttempt": Probe(
        ALL_CARDS % "notifications { attempts { {SELECTION} } }",
        ("cards", "nodes", "notifications", "attempts"),
        refused=OFFICIALS_OWN,
    ),
    "NotificationConnection": Probe(
        NOTIFICATIONS % "{SELECTION}", ("notifications",), refused=PUBLIC_REFUSED, own_rows_for=OTHER
    ),
    "NotificationEdge": Probe(
        NOTIFICATIONS % "edges { {SELECTION} }",
        ("notifications", "edges"),
        refused=PUBLIC_REFUSED,
        own_rows_for=OTHER,
    ),
    "OverdueCaseConnection": Probe(OVERDUE % "{SELECTION}", ("overdueCases",), refused=OFFICIALS_OWN),
    "Complaint": Probe(TRACK % "{SELECTION}", ("trackComplaint",)),
    "ComplaintConnection": Probe(
        QUEUE % "{SELECTION}", ("complaints",), refused=PUBLIC_REFUSED, own_rows_for=OTHER
    ),
    "ComplaintEdge": Probe(
        QUEUE % "edges { {SELECTION} }", ("complaints", "edges"), refused=PUBLIC_REFUSED, own_rows_for=OTHER
    ),
    "ViewerInfo": Probe("query { viewer { {SELECTION} } }", ("viewer",), True),
    "HouseholdDossier": Probe(
        HOUSEHOLD % "{SELECTION}", ("household",), refused=DOSSIER_REFUSED, township_owns=True
    ),
    "HouseholdMember": Probe(
        HOUSEHOLD % "members { {SELECTION} }",
        ("household", "members"),
        refused=DOSSIER_REFUSED,
        township_owns=True,
    ),
    "HouseholdPaymentConnection": Probe(
        HOUSEHOLD % "payments(first: 5) { {SELECTION} }",
        ("household", "payments"),
        refused=DOSSIER_REFUSED,
        township_owns=True,
    ),
    "HouseholdPaymentEdge": Probe(
        HOUSEHOLD % "payments(first: 5) { edges { {SELECTION} } }",
        ("household", "payments", "edges"),
        refused=DOSSIER_REFUSED,
        township_owns=True,
    ),
    "HouseholdPayment": Probe(
        HOUSEHOLD % "payments(first: 5) { nodes { {SELECTION} } }",
        ("household", "payments", "nodes"),
        refused=DOSSIER_REFUSED,
        township_owns=True,
    ),
    "PaymentStage": Probe(
        HOUSEHOLD % "payments(first: 5) { nodes { stages { {SELECTION} } } }",
        ("household", "payments", "nodes", "stages"),
        refused=DOSSIER_REFUSED,
        township_owns=True,
    ),
    "HouseholdFlag": Probe(
        HOUSEHOLD % "redFlags { {SELECTION} }",
        ("household", "redFlags"),
        refused=DOSSIER_REFUSED,
        township_owns=True,
    ),
    "AuditRecordConnection": Probe(AUDIT % "{SELECTION}", ("auditRecords",), refused=AUDIT_REFUSED),
    "AuditRecordEdge": Probe(
        AUDIT % "edges { {SELECTION} }", ("auditRecords", "edges"), refused=AUDIT_REFUSED
    ),
    "AuditRecord": Probe(AUDIT % "nodes { {SELECTION} }", ("auditRecords", "nodes"), refused=AUDIT_REFUSED),
    "AuditReader": Probe(
        AUDIT % "nodes { reader { {SELECTION} } }", ("auditRecords", "nodes", "reader"), refused=AUDIT_REFUSED
    ),
    "FeedEvent": Probe(FEED % "{SELECTION}", ("supervisionEvents",), refused=OFFICIALS_OWN),
    "LiveCounts": Probe(LIVE % "{SELECTION}", ("liveCounts",)),
    "DepartmentCardCount": Probe(LIVE % "openCards { {SELECTION} }", ("liveCounts", "openCards")),
    "TownshipFlagCount": Probe(
        LIVE % "redFlagsByTownship { {SELECTION} }", ("liveCounts", "redFlagsByTownship")
    ),
}
# Arguments a field needs before it can be selected.
ARGUMENTS = {("Power", "asOf"): '(date: "2026-11-01")', ("Department", "powers"): "(first: 1)"}
ROOT_TYPES = {"Query", "Mutation", "Subscription"}
# Types only a mutation returns: they carry no one's data but the caller's, and must be public.
MUTATION_RESULTS = {
    "CaseEventBatchResult",
    "CaseEventResult",
    "MoneyRecordBatchResult",
    "MoneyRecordResult",
    "ComplaintReceipt",
}


def object_types() -> dict[str, GraphQLObjectType]:
    return {
        name: t
        for name, t in SCHEMA._schema.type_map.items()
        if isinstance(t, GraphQLObjectType) and not name.startswith("__")
    }


def declarations(type_name: str) -> dict[str, Visibility | None]:
    definition = SCHEMA.get_type_by_name(type_name)
    assert isinstance(definition, StrawberryObjectDefinition)
    fields: dict[str, Visibility | None] = {}
    exposed = object_types()[type_name].fields
    for f in definition.fields:
        name = SCHEMA.config.name_converter.get_graphql_name(f)
        if name in exposed:  # strawberry.Private attributes are not fields
            metadata: dict[str, Any] = dict(f.metadata or {})
            fields[name] = metadata.get(VISIBILITY_KEY)
    return fields


def is_object(t: GraphQLOutputType) -> bool:
    return isinstance(get_named_type(t), GraphQLObjectType)


def test_every_field_declares_its_visibility() -> None:
    missing = [
        f"{type_name}.{field}"
        for type_name in object_types()
        for field, visibility in declarations(type_name).items()
        if visibility is None
    ]
    assert missing == []


def test_every_restricted_field_can_be_null() -> None:
    """A field someone may not see answers null for them, so its type must allow null."""
    non_null = [
        f"{type_name}.{name}"
        for type_name, t in object_types().items()
        for name, visibility in declarations(type_name).items()
        if visibility is not None
        and visibility.access is not Access.PUBLIC
        and isinstance(t.fields[name].type, GraphQLNonNull)
    ]
    assert non_null == []


def test_every_type_has_a_probe() -> None:
    assert set(object_types()) - ROOT_TYPES - MUTATION_RESULTS - set(PROBES) == set()


def test_mutation_results_are_all_public() -> None:
    restricted = [
        f"{t}.{f}"
        for t in MUTATION_RESULTS
        for f, v in declarations(t).items()
        if v is None or v.access is not Access.PUBLIC
    ]
    assert restricted == []


@dataclass
class Sample:
    power_code: str
    department_code: str
    other_department_code: str
    case_no: str = "MATRIX-0001"
    query_code: str = "135790"
    village_code: str = ""


@pytest.fixture(scope="module")
async def matrix_db(server: Server, template: str) -> AsyncIterator[str]:
    """A copy of the demo county of this module's own, with one case in which every restricted
    field has a value: steps, events, a card with its lock history, a fee and a refusal reason."""
    name = await server.clone(template)
    yield server.url(name)
    await server.drop(name)


async def add_full_case(conn: asyncpg.Connection, sample: Sample) -> None:
    power = await conn.fetchrow("SELECT id, department_id FROM powers WHERE code = $1", sample.power_code)
    assert power is not None
    power_id, department_id = power["id"], power["department_id"]
    case_id = await conn.fetchval(
        """
        INSERT INTO cases (case_no, query_code_hash, power_id, department_id, applicant_kind, applicant_name,
                           applicant_id_number, applicant_phone, applicant_address, channel, received_at,
                           accepted_on, state, promised_limit_days, promised_due_on, current_step_key,
                           fee_charged_yuan, refusal_reason, handler_staff_no, locked, last_event_at,
                           completed_at, completed_on)
        VALUES ($1, $2, $3, $4, 'person', '李四海', '510799198802024321', '13987654321',
                '桐溪县城关镇河西村3组12号', 'window', '2026-10-12 09:00+08', '2026-10-12', 13, 5,
                '2026-10-19', 'S1', 20.00, '不符合申请条件', 'W-01', false, '2026-10-13 09:00+08',
                '2026-10-13 09:00+08', '2026-10-13')
        RETURNING id
        """,
        sample.case_no,
        query_code_hash(sample.case_no, sample.query_code),
        power_id,
        department_id,
    )
    await conn.execute(
        "INSERT INTO case_steps (case_id, step_key, started_on, started_at, finished_on, finished_at,"
        " staff_no, opinion, finished_by) VALUES ($1, 'S1', '2026-10-12', '2026-10-12 10:00+08',"
        " '2026-10-12', '2026-10-12 16:00+08', 'W-01', '同意', 'W-02')",
        case_id,
    )
    await conn.execute(
        "INSERT INTO case_events (source, event_id, case_id, kind, state_after, step_key, staff_no,"
        " occurred_at) VALUES ('X', 'm-1', $1, 'STEP_STARTED', 8, 'S1', 'W-01', '2026-10-12 10:00+08')",
        case_id,
    )
    card_id = await conn.fetchval(
        "INSERT INTO cards (case_id, rule_code, color, subject, department_id, staff_no, evidence,"
        " raised_on, status, explanation, explained_by, explained_at, closed_by, closed_at, closing_note,"
        " outcome, explain_due_on, escalated_at, escalated_by, escalation_note)"
        " VALUES ($1, 'FEE_MISMATCH', 'red', 'S1', $2, 'W-01', '{\"charged_yuan\": \"20.00\"}',"
        " '2026-10-12', 'closed', '已退费', 'W-01', '2026-10-13 09:00+08', 'JW-01', '2026-10-14 09:00+08',"
        " '同意', 'upheld', '2026-10-20', '2026-10-13 15:00+08', 'JW-01', '限期退还多收费用') RETURNING id",
        case_id,
        department_id,
    )
    clerk = await conn.fetchval("SELECT staff_no FROM staff WHERE department_id = $1 LIMIT 1", department_id)
    notification = await conn.fetchval(
        "INSERT INTO notifications (card_id, recipient, recipient_role, department_id, message, status,"
        " attempts, delivered_at) VALUES ($1, $3, 'handler', $2, '【电子监察红牌】示例', 'delivered', 2,"
        " '2026-10-12 10:05+08') RETURNING id",
        card_id,
        department_id,
        clerk,
    )
    await conn.execute(
        "INSERT INTO notifications (card_id, recipient, recipient_role, department_id, message)"
        " VALUES ($1, 'dept:0', 'department', $2, '【电子监察红牌】示例')",
        card_id,
        department_id,
    )
    await conn.execute(
        "INSERT INTO notification_attempts (notification_id, sender, ok, detail)"
        " VALUES ($1, 'webhook', false, 'ConnectionError: 网关无响应'), ($1, 'webhook', true, '')",
        notification,
    )
    await conn.execute(
        "INSERT INTO case_ratings (case_id, level, comment, rated_on, department_id, rectify_due_on,"
        " rectified_on, rectified_by, rectification)"
        " VALUES ($1, 5, '态度差', '2026-10-14', $2, '2026-11-04', '2026-10-20',"
        " 'W-01', '已整改')",
        case_id,
        department_id,
    )
    await add_subsidy(conn, department_id, sample)
    await conn.execute(
        "INSERT INTO complaints (tracking_no, tracking_code_hash, idempotency_key, kind, about, about_ref,"
        " content, contact_name, contact_phone, department_id, submitted_at, accept_due_on, status,"
        " refusal_reason, reply, replied_at, stars)"
        " VALUES ('TS2026101400000001', $1, 'matrix-key-1', 'complaint', 'case', $2,"
        " '办理太慢了', '周某某', '13600001234', $3, '2026-10-14 10:00+08', '2026-10-21', 'rated', '无',"
        " '已督办', '2026-10-15 10:00+08', 5)",
        code_hash("TS2026101400000001", "246802"),
        sample.case_no,
        department_id,
    )
    await conn.execute(
        "INSERT INTO case_lock_events (case_id, card_id, action, actor, note)"
        " VALUES ($1, $2, 'locked', 'x', 'y')",
        case_id,
        card_id,
    )


async def add_subsidy(conn: asyncpg.Connection, department_id: int, sample: Sample) -> None:
    """A fund of the sample department paid to one member, and a red flag on that payment."""
    village = await conn.fetchval("SELECT code FROM regions WHERE level = 3 ORDER BY code LIMIT 1")
    clerk = await conn.fetchval("SELECT staff_no FROM staff WHERE department_id = $1 LIMIT 1", department_id)
    fund = await conn.fetchval(
        "INSERT INTO funds (code, name, fund_type, purpose, policy_basis, standard_yuan, standard_unit,"
        " department_id) VALUES ('MX', '示例补助', 'other', '示例', '示例依据', 100, 'person_month', $1)"
        " RETURNING id",
        department_id,
    )
    household = await conn.fetchval(
        "INSERT INTO households (household_no, village_code, address, land_mu)"
        " VALUES ('MX-1', $1, '桐溪县城关镇示例村1组1号', 3) RETURNING id",
        village,
    )
    member = await conn.fetchval(
        "INSERT INTO household_members (household_id, name, id_number, relation, is_head, deceased_on)"
        " VALUES ($1, '钱多多', $2, '户主', true, '2026-05-01') RETURNING id",
        household,
        SAMPLE_ID,
    )
    batch = await conn.fetchval(
        "INSERT INTO payment_batches (batch_no, fund_id, township_code, period)"
        " VALUES ('MX-B1', $1, $2, '2026-06-01') RETURNING id",
        fund,
        village[:9],
    )
    await conn.execute(
        "INSERT INTO batch_stages (batch_id, stage, stage_on, amount_yuan, recorded_by)"
        " VALUES ($1, 'allocation', '2026-06-02', 100, $2)",
        batch,
        clerk,
    )
    payment = await conn.fetchval(
        "INSERT INTO payments (year, payment_no, batch_id, fund_id, household_id, member_id, village_code,"
        " period, amount_yuan, land_mu)"
        " VALUES (2026, 'MX-P1', $1, $2, $3, $4, $5, '2026-06-01', 100, 1) RETURNING id",
        batch,
        fund,
        household,
        member,
        village,
    )
    await conn.execute(
        "INSERT INTO disbursements (year, payment_id, disbursed_on, amount_yuan, form, recorded_by)"
        " VALUES (2026, $1, '2026-06-03', 100, 'card', $2)",
        payment,
        clerk,
    )
    await conn.execute(
        "INSERT INTO cards (payment_year, payment_id, member_id, rule_code, color, subject, department_id,"
        " staff_no, evidence, raised_on)"
        " VALUES (2026, $1, $2, 'PAID_AFTER_DEATH', 'red', '', $3, $4, '{}', '2026-06-03')",
        payment,
        member,
        department_id,
        clerk,
    )
    # A person-level flag of each kind that names someone else: a shared ID number and an official.
    shared_id = "51079919900202234" + check_char("51079919900202234")
    for name, deceased in (("钱少少", None), ("赵某某", date(2026, 3, 1))):
        await conn.execute(
            "INSERT INTO household_members (household_id, name, id_number, relation, deceased_on)"
            " VALUES ($1, $2, $3, '子女', $4)",
            household,
            name,
            shared_id,
            deceased,
        )
    await conn.execute(
        "INSERT INTO cards (member_id, rule_code, color, subject, department_id, evidence, raised_on)"
        " SELECT id, 'INVALID_OR_SHARED_ID', 'red', 'shared', $1, '{}', '2026-06-03'"
        " FROM household_members WHERE name = '钱少少'",
        department_id,
    )
    await conn.execute(
        "INSERT INTO officials (name, id_number, kind, department_id, village_code, position)"
        " VALUES ('钱多多', $1, 'official', $2, $3, '股长')",
        SAMPLE_ID,
        department_id,
        village,
    )
    await conn.execute(
        "INSERT INTO cards (member_id, rule_code, color, subject, department_id, evidence, raised_on)"
        " VALUES ($1, 'BENEFICIARY_IS_OFFICIAL', 'red', 'MX', $2, '{}', '2026-06-03')",
        member,
        department_id,
    )
    sample.village_code = village
    # One read in the audit trail by a department's officer, with its reason, for the trail's probes.
    await audit.append(
        conn,
        entries=[
            AuditEntry(
                at=datetime(2026, 11, 2, 9, tzinfo=UTC),
                actor="MATRIX-READER",
                actor_role="department",
                department=await conn.fetchval("SELECT code FROM departments WHERE id = $1", department_id),
                operation="NoticeList",
                record_type="payment",
                record_id="MX-P1",
                fields=("name", "idNumber"),
                request_id="matrix",
                reason="公示前核对",
            )
        ],
    )


@pytest.fixture(scope="module")
async def sample(matrix_db: str) -> Sample:
    db = await asyncpg.connect(matrix_db)
    try:
        found = await find_sample(db)
        await add_full_case(db, found)
    finally:
        await db.close()
    return found


async def find_sample(db: asyncpg.Connection) -> Sample:
    """A published power that has something in every restricted field: an internal note, a
    multi-step map with parallel branches, risk points with measures, and staff."""
    row = await db.fetchrow(
        """
        SELECT p.code, d.code AS department_code
        FROM powers p JOIN departments d ON d.id = p.department_id
        WHERE p.status = 'published' AND p.internal_note <> '' AND p.parallel_approval
          AND EXISTS (SELECT 1 FROM risk_points r WHERE r.power_id = p.id)
          AND EXISTS (SELECT 1 FROM power_materials m WHERE m.power_id = p.id)
          AND EXISTS (SELECT 1 FROM power_adjustments a
                      WHERE a.power_id = p.id AND a.effective_on <= '2026-11-01')
          AND EXISTS (SELECT 1 FROM staff s WHERE s.department_id = d.id AND s.phone IS NOT NULL)
        ORDER BY p.code LIMIT 1
        """
    )
    if row is None:  # widen: a parallel-approval power with a note may not exist at test scale
        row = await db.fetchrow(
            """
            SELECT p.code, d.code AS department_code
            FROM powers p JOIN departments d ON d.id = p.department_id
            WHERE p.status = 'published' AND p.internal_note <> ''
              AND EXISTS (SELECT 1 FROM risk_points r WHERE r.power_id = p.id)
              AND EXISTS (SELECT 1 FROM power_materials m WHERE m.power_id = p.id)
            ORDER BY p.code LIMIT 1
            """
        )
    assert row is not None, "the test county has no power with every restricted field filled"
    other = await db.fetchval(
        "SELECT code FROM departments WHERE code <> $1 ORDER BY id LIMIT 1", row["department_code"]
    )
    return Sample(row["code"], row["department_code"], other)


def dig(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if data is None:
            return None
        if isinstance(data, list):
            data = [dig(item, (key,)) for item in data]
            continue
        data = data[key]
    return data


def flatten(value: Any) -> list[Any]:
    if isinstance(value, list):
        return [leaf for item in value for leaf in flatten(item)]
    return [value]


def cells() -> list[tuple[str, str]]:
    return [
        (type_name, field)
        for type_name in sorted(set(object_types()) - ROOT_TYPES - MUTATION_RESULTS)
        for field in sorted(declarations(type_name))
    ]


def probe_query(type_name: str, field: str) -> str:
    field_type = object_types()[type_name].fields[field].type
    arguments = ARGUMENTS.get((type_name, field), "")
    selection = field + arguments + (" { __typename }" if is_object(field_type) else "")
    return PROBES[type_name].query.replace("{SELECTION}", selection)


@pytest.fixture(scope="module")
async def matrix_client(settings: Settings, matrix_db: str) -> AsyncIterator[httpx.AsyncClient]:
    """The API with every probe vetted as a public document, so the public's cells are asked of
    the real visibility mechanism rather than refused at the door."""
    probes = [probe_query(t, f) for t, f in cells()]
    vetted = PublicQueries([PublicDocument(f"probe{i}", q, document_id(q)) for i, q in enumerate(probes)])
    roomy = replace(
        settings, lookups_per_client=10_000, lookups_per_id_number=10_000, code_attempts_per_day=10_000
    )
    async with running(create_app(roomy, database_url=matrix_db, public_queries=vetted)) as client:
        yield client


@pytest.mark.parametrize(("type_name", "field"), cells())
async def test_field_answers_each_audience_as_declared(
    type_name: str, field: str, sample: Sample, matrix_client: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    visibility = declarations(type_name)[field]
    assert visibility is not None
    probe = PROBES[type_name]
    query = probe_query(type_name, field)
    variables = {
        name: value
        for name, value in (
            ("code", sample.power_code),
            ("dept", sample.department_code),
            ("no", sample.case_no),
            ("qc", sample.query_code),
            ("village", sample.village_code),
        )
        if f"${name}" in query
    }
    tokens = {
        "public": None,
        "other_department": token("department", sample.other_department_code),
        "own_department": token("department", sample.department_code),
        "township": token("township", region=sample.village_code[:9]),
        "discipline": token("discipline"),
    }
    answers = {}
    for audience, bearer in tokens.items():
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        request: dict[str, Any] = {"query": query, "variables": variables}
        if bearer:
            request["extensions"] = {"reason": REASON}
        response = await matrix_client.post("/graphql", json=request, headers=headers)
        body = response.json()
        refusal = probe.refusal(audience)
        if refusal is not None:
            assert body["errors"][0]["extensions"]["code"] == refusal, (audience, body)
            continue
        assert "errors" not in body, (audience, body)
        answers[audience] = dig(body["data"], (*probe.path, field))
    truth = answers["discipline"]
    leaves = [leaf for leaf in flatten(truth) if leaf is not None]
    if visibility.access is not Access.PUBLIC:
        assert leaves, f"{type_name}.{field} has nothing to hide in the sample; pick a fuller sample"
    for audience in AUDIENCES:
        promised = probe.promise(visibility.access, audience)
        if audience not in answers or probe.per_viewer or audience in probe.own_rows_for:
            continue  # refused above; or the viewer's own identity, different by design
        got = answers[audience]
        if probe.hides_from(audience):
            promised = "null"
        if promised == "value":
            assert got == truth, (audience, got, truth)
        elif promised == "null":
            assert all(leaf is None for leaf in flatten(got)), (audience, got)
        else:
            assert visibility.personal is not None
            expected = [mask(visibility.personal, leaf) for leaf in flatten(truth)]
            assert flatten(got) == expected, (audience, got)
            assert flatten(got) != flatten(truth), f"{type_name}.{field} was not masked for {audience}"


SNAPSHOT = Path(__file__).resolve().parent.parent / "schema" / "visibility.txt"


def declaration_table() -> str:
    lines = []
    for type_name in sorted(object_types()):
        for field, visibility in sorted(declarations(type_name).items()):
            assert visibility is not None
            kind = f" {visibility.personal.value}" if visibility.personal else ""
            lines.append(f"{type_name}.{field} {visibility.access.value}{kind}")
    return "\n".join(lines) + "\n"


def test_declarations_match_the_reviewed_snapshot() -> None:
    """Who may see what is a decision to review: changing a field's visibility (or adding a
    field) must change schema/visibility.txt in the same commit. Regenerate with
    ``python -c "from tests.test_visibility_matrix import declaration_table as t; print(t(), end='')"
    > schema/visibility.txt`` and read the diff."""
    assert SNAPSHOT.read_text(encoding="utf-8") == declaration_table()
