"""Complaints and suggestions: filed anonymously and idempotently, routed, decided within 5
working days (or carded), replied, tracked and rated."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import asyncpg
import httpx

from api.workers import run_sweep
from tests.conftest import ACCESS_REASON, ROOT


def doc(name: str) -> str:
    return (ROOT / "public_queries" / f"{name}.graphql").read_text(encoding="utf-8")


async def public(client: httpx.AsyncClient, name: str, variables: dict[str, Any]) -> dict[str, Any]:
    return dict((await client.post("/graphql", json={"query": doc(name), "variables": variables})).json())


def complaint(key: str, **extra: Any) -> dict[str, Any]:
    return {
        "complaint": {
            "idempotencyKey": key,
            "kind": "complaint",
            "about": "department",
            "content": "窗口工作人员多次让我补交同一份材料",
            "contactName": "刘一",
            "contactPhone": "13900001111",
            **extra,
        }
    }


async def test_a_complaint_is_stored_once_handled_and_rated(
    world: dict[str, Any], token: Callable[..., str]
) -> None:
    client: httpx.AsyncClient = world["client"]
    body = complaint("key-0001-abcdef", aboutRef=world["dept"])
    first = (await public(client, "complaint_submit", body))["data"]["submitComplaint"]
    assert first["trackingCode"] and not first["repeated"]
    # Submitted Sat Oct 31 (the pinned "today"): 5 working days are Nov 2-6.
    assert first["acceptDueOn"] == "2026-11-06"
    retry = (await public(client, "complaint_submit", body))["data"]["submitComplaint"]
    assert (retry["trackingNo"], retry["trackingCode"], retry["repeated"]) == (
        first["trackingNo"],
        None,
        True,
    )
    track = {"trackingNo": first["trackingNo"], "trackingCode": first["trackingCode"]}
    assert (await public(client, "complaint_track", track))["data"]["trackComplaint"]["status"] == "submitted"
    wrong = await public(client, "complaint_track", {**track, "trackingCode": "000000"})
    assert wrong["errors"][0]["extensions"]["code"] == "COMPLAINT_NOT_FOUND"

    dept = {"Authorization": f"Bearer {token('department', world['dept'], 'W-05')}", **ACCESS_REASON}
    queue = "{ complaints { nodes { id trackingNo content contactName contactPhone } } }"
    nodes = (await client.post("/graphql", json={"query": queue}, headers=dept)).json()["data"]["complaints"][
        "nodes"
    ]
    mine = next(n for n in nodes if n["trackingNo"] == first["trackingNo"])
    assert (mine["contactName"], mine["contactPhone"]) == ("刘一", "13900001111")
    other = {"Authorization": f"Bearer {token('department', world['other'])}", **ACCESS_REASON}
    others = (await client.post("/graphql", json={"query": queue}, headers=other)).json()["data"][
        "complaints"
    ]["nodes"]
    assert first["trackingNo"] not in [n["trackingNo"] for n in others]

    refuse_without_reason = (
        f"mutation {{ decideComplaint(complaintId: {mine['id']}, accept: false) {{ status }} }}"
    )
    early = (await client.post("/graphql", json={"query": refuse_without_reason}, headers=dept)).json()
    assert early["errors"][0]["extensions"]["code"] == "REASON_REQUIRED"
    accept = f"mutation {{ decideComplaint(complaintId: {mine['id']}, accept: true) {{ status }} }}"
    assert (await client.post("/graphql", json={"query": accept}, headers=dept)).json()["data"][
        "decideComplaint"
    ] == {"status": "accepted"}
    reply = (
        f'mutation {{ replyComplaint(complaintId: {mine["id"]}, reply: "已实行一次性告知，并向您致歉")'
        " { status } }"
    )
    assert (await client.post("/graphql", json={"query": reply}, headers=dept)).json()["data"][
        "replyComplaint"
    ]["status"] == "replied"
    rated = await public(client, "complaint_rate", {**track, "stars": 6})
    assert rated["data"]["rateComplaint"] == {
        "trackingNo": first["trackingNo"],
        "status": "rated",
        "stars": 6,
    }
    twice = await public(client, "complaint_rate", {**track, "stars": 1})
    assert twice["errors"][0]["extensions"]["code"] == "NOT_REPLIED"  # rated already: no longer replied


async def test_complaints_about_officials_go_to_discipline(
    world: dict[str, Any], token: Callable[..., str]
) -> None:
    client: httpx.AsyncClient = world["client"]
    receipt = (await public(client, "complaint_submit", complaint("key-0002-abcdef", about="official")))[
        "data"
    ]["submitComplaint"]
    assert receipt["toDiscipline"] is True
    queue = "{ complaints { nodes { trackingNo contactName } } }"
    dept = {"Authorization": f"Bearer {token('department', world['dept'])}", **ACCESS_REASON}
    jw = {"Authorization": f"Bearer {token('discipline', staff='JW-02')}", **ACCESS_REASON}
    seen_by_dept = (await client.post("/graphql", json={"query": queue}, headers=dept)).json()["data"][
        "complaints"
    ]
    assert receipt["trackingNo"] not in [n["trackingNo"] for n in seen_by_dept["nodes"]]
    seen_by_jw = (await client.post("/graphql", json={"query": queue}, headers=jw)).json()["data"][
        "complaints"
    ]
    assert receipt["trackingNo"] in [n["trackingNo"] for n in seen_by_jw["nodes"]]


async def test_bad_submissions_are_refused_with_codes(world: dict[str, Any]) -> None:
    client: httpx.AsyncClient = world["client"]
    short = await public(
        client, "complaint_submit", complaint("key-0003-abcdef", aboutRef=world["dept"], content="差")
    )
    assert short["errors"][0]["extensions"]["code"] == "CONTENT_LENGTH"
    key = await public(client, "complaint_submit", complaint("k", aboutRef=world["dept"]))
    assert key["errors"][0]["extensions"]["code"] == "INVALID_FIELD"
    nowhere = await public(client, "complaint_submit", complaint("key-0004-abcdef", aboutRef="NOPE"))
    assert nowhere["errors"][0]["extensions"]["code"] == "DEPARTMENT_NOT_FOUND"


async def test_undecided_complaint_gets_a_yellow_card_after_five_working_days(world: dict[str, Any]) -> None:
    client: httpx.AsyncClient = world["client"]
    receipt = (
        await public(client, "complaint_submit", complaint("key-0005-abcdef", aboutRef=world["dept"]))
    )["data"]["submitComplaint"]
    pool = await asyncpg.create_pool(world["url"], min_size=1, max_size=2)
    try:
        assert (await run_sweep(pool, today=date(2026, 11, 6))).cards_raised == 0
        assert (await run_sweep(pool, today=date(2026, 11, 9))).cards_raised == 1
        assert (await run_sweep(pool, today=date(2026, 11, 9))).cards_raised == 0
        card = await pool.fetchrow(
            "SELECT c.color, c.rule_code FROM cards c JOIN complaints k ON k.id = c.complaint_id"
            " WHERE k.tracking_no = $1",
            receipt["trackingNo"],
        )
        assert card is not None
        assert (card["color"], card["rule_code"]) == ("yellow", "COMPLAINT_NOT_DECIDED")
    finally:
        await pool.close()
