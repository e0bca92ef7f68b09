"""The event contract over HTTP: every refusal has its code, one bad event sinks only itself (and
the later events of its case), and who finished each step is kept."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from domain.case_events import FIELDS, field_note
from domain.cases import EventKind
from domain.contact import phone_problem
from tests.casework import event, push, received, step

STEPS = """
query($no: String!) { case(caseNo: $no) { steps { stepKey staffNo finishedBy } } }
"""


def codes(results: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    return [(r["outcome"], r["code"]) for r in results]


async def test_an_event_id_reused_for_other_content_is_a_conflict_and_a_resend_a_duplicate(
    world: dict[str, Any], token: Callable[..., str]
) -> None:
    first = received("CASE-C-0001", "2026-10-12")
    accepted = event("CASE-C-0001", "ACCEPTED", "2026-10-12")
    assert codes(await push(world, token, [first, accepted])) == [("APPLIED", None)] * 2
    # The same moment with another offset is the same content.
    resent = {**accepted, "occurredAt": "2026-10-12T01:00:00Z"}
    reused = {**event("CASE-C-0001", "WITHDRAWN", "2026-10-13"), "eventId": accepted["eventId"]}
    later = event("CASE-C-0001", "STEP_STARTED", "2026-10-13", stepKey="S1")
    results = await push(world, token, [first, resent, reused, later])
    assert codes(results) == [
        ("DUPLICATE", None),
        ("DUPLICATE", None),
        ("REFUSED", "EVENT_ID_CONFLICT"),
        ("REFUSED", "PRECEDING_EVENT_REFUSED"),
    ]
    assert accepted["eventId"] in results[2]["message"]


@pytest.mark.parametrize(
    ("events", "code"),
    [
        # A step dated before the acceptance that precedes it in the stream.
        (
            [event("CASE-D-0001", "ACCEPTED", "2026-10-13"), *step("CASE-D-0001", "S1", "2026-10-12", None)],
            "BEFORE_ACCEPTANCE",
        ),
        # Handling on a case never accepted.
        (step("CASE-D-0001", "S1", "2026-10-13", None), "BEFORE_ACCEPTANCE"),
        ([event("CASE-D-0001", "ACCEPTED", "2026-10-11")], "BEFORE_RECEIPT"),
        (
            [
                event("CASE-D-0001", "ACCEPTED", "2026-10-12"),
                event("CASE-D-0001", "STEP_STARTED", "2026-10-13", 10, stepKey="S1"),
                event("CASE-D-0001", "STEP_FINISHED", "2026-10-13", 9, stepKey="S1"),
            ],
            "BEFORE_STEP_STARTED",
        ),
        # The world's clock is 2026-10-31 12:00 in China; five minutes of skew are allowed.
        (
            [{**event("CASE-D-0001", "ACCEPTED", "2026-10-31"), "occurredAt": "2026-10-31T12:06:00+08:00"}],
            "EVENT_IN_FUTURE",
        ),
        ([event("CASE-D-0001", "ACCEPTED", "2027-01-04")], "EVENT_IN_FUTURE"),
        ([event("CASE-D-0001", "ACCEPTED", "2026-10-12", staffNo="NOBODY-1")], "UNKNOWN_STAFF"),
        ([event("CASE-D-0001", "ACCEPTED", "2026-10-12", staffNo="B-01")], "STAFF_OF_OTHER_DEPARTMENT"),
        ([event("CASE-D-0001", "FROZEN", "2026-10-12")], "UNKNOWN_KIND"),
        ([event("CASE-D-0001", "ACCEPTED", "2026-10-12", result="APPROVED")], "FIELD_NOT_FOR_KIND"),
        ([event("CASE-D-0001", "STEP_STARTED", "2026-10-12")], "INVALID_FIELD"),  # no stepKey
    ],
)
async def test_each_broken_rule_of_the_contract_is_refused_with_its_code(
    world: dict[str, Any], token: Callable[..., str], events: list[dict[str, Any]], code: str
) -> None:
    assert codes(await push(world, token, [received("CASE-D-0001", "2026-10-12")])) == [("APPLIED", None)]
    results = await push(world, token, events)
    assert codes(results)[-1] == ("REFUSED", code), results
    assert results[-1]["message"]


async def test_an_event_within_the_clock_skew_is_applied(
    world: dict[str, Any], token: Callable[..., str]
) -> None:
    early = {**event("CASE-D-0002", "ACCEPTED", "2026-10-31"), "occurredAt": "2026-10-31T12:04:00+08:00"}
    results = await push(world, token, [received("CASE-D-0002", "2026-10-12"), early])
    assert codes(results) == [("APPLIED", None)] * 2


@pytest.mark.parametrize(
    ("applicant", "code"),
    [
        ({"idNumber": "123"}, "INVALID_ID_NUMBER"),
        ({"idNumber": "510799199001011234"}, "INVALID_ID_NUMBER"),  # wrong check digit (X)
        (
            {"kind": "organisation", "name": "桐溪县某公司", "idNumber": "91510799MA62A3B4C4"},
            "INVALID_ID_NUMBER",
        ),
        ({"phone": "abc"}, "INVALID_PHONE"),
        ({"phone": "+8613812345678"}, "INVALID_PHONE"),
        ({"phone": "0836-6229229"}, None),
        ({"phone": ""}, None),
        ({"kind": "organisation", "name": "桐溪县某公司", "idNumber": "91510799MA62A3B4C3"}, None),
    ],
)
async def test_applicant_numbers_are_checked(
    world: dict[str, Any], token: Callable[..., str], applicant: dict[str, str], code: str | None
) -> None:
    first = received("CASE-E-0001", "2026-10-12")
    first["applicant"] = {**first["applicant"], **applicant}
    [result] = await push(world, token, [first])
    assert (result["outcome"], result["code"]) == ("REFUSED" if code else "APPLIED", code)


async def test_an_unknown_kind_refuses_its_event_and_not_the_batch(
    world: dict[str, Any], token: Callable[..., str]
) -> None:
    batch = [
        received("CASE-F-0001", "2026-10-12"),
        received("CASE-F-0002", "2026-10-12"),
        event("CASE-F-0001", "ACCEPTED_LATER", "2026-10-12"),
        event("CASE-F-0002", "ACCEPTED", "2026-10-12"),
        event("CASE-F-0001", "ACCEPTED", "2026-10-12"),
    ]
    assert codes(await push(world, token, batch)) == [
        ("APPLIED", None),
        ("APPLIED", None),
        ("REFUSED", "UNKNOWN_KIND"),
        ("APPLIED", None),
        ("REFUSED", "PRECEDING_EVENT_REFUSED"),
    ]


async def test_who_finished_each_step_is_recorded_for_officials(
    world: dict[str, Any], token: Callable[..., str]
) -> None:
    events = [received("CASE-G-0001", "2026-10-12"), event("CASE-G-0001", "ACCEPTED", "2026-10-12")]
    events += step("CASE-G-0001", "S1", "2026-10-12", "2026-10-12")
    events[-1]["staffNo"] = "W-02"
    events += step("CASE-G-0001", "S2", "2026-10-13", None)
    assert codes(await push(world, token, events)) == [("APPLIED", None)] * 5
    headers = {"Authorization": f"Bearer {token('department', world['dept'], 'W-01')}"}
    body = (
        await world["client"].post(
            "/graphql", json={"query": STEPS, "variables": {"no": "CASE-G-0001"}}, headers=headers
        )
    ).json()
    assert body["data"]["case"]["steps"] == [
        {"stepKey": "S1", "staffNo": "W-01", "finishedBy": "W-02"},
        {"stepKey": "S2", "staffNo": "W-01", "finishedBy": None},
    ]


def test_every_kind_has_its_fields_and_each_field_says_which_kinds_take_it() -> None:
    assert set(FIELDS) == set(EventKind)
    assert field_note("stepKey").startswith("必填：STEP_STARTED、STEP_FINISHED")
    assert "STEP_FINISHED" in field_note("reason") and "STEP_STARTED" not in field_note("reason")


@pytest.mark.parametrize(
    ("phone", "good"),
    [
        ("13812345678", True),
        ("19912345678", True),
        ("12812345678", False),
        ("1381234567", False),
        ("0836-6229229", True),
        ("08366229229", True),
        ("010-88886666", True),
        ("0836-6229229-801", True),
        ("0836-0229229", False),
        ("6229229", False),
        ("138 1234 5678", False),
    ],
)
def test_phones_are_mobiles_or_landlines_with_their_area_code(phone: str, good: bool) -> None:
    assert (phone_problem(phone) is None) is good
