"""Ratings of completed cases (好差评): once per case with the receipt code; a bad rating must be
rectified within 15 working days or the sweep raises a red card; bad ratings count in the score."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import httpx

from api.settings import Settings
from tests.casework import applied, ask_on, event, push, received, step, sweep_on
from tests.conftest import ROOT

RATE = (ROOT / "public_queries" / "case_rating.graphql").read_text(encoding="utf-8")


async def complete(world: dict[str, Any], token: Callable[..., str], case_no: str, day: str) -> None:
    events = [received(case_no, day), event(case_no, "ACCEPTED", day)]
    for key in ("S1", "S2", "S3"):
        events += step(case_no, key, day, day)
    events.append(event(case_no, "COMPLETED", day, 17, result="APPROVED"))
    assert applied(await push(world, token, events))


async def rate(client: httpx.AsyncClient, case_no: str, level: str, code: str = "246810") -> dict[str, Any]:
    variables = {"caseNo": case_no, "queryCode": code, "level": level, "comment": "窗口排队太久"}
    return dict((await client.post("/graphql", json={"query": RATE, "variables": variables})).json())


async def test_a_case_is_rated_once_and_only_when_completed(
    world: dict[str, Any], token: Callable[..., str]
) -> None:
    client = world["client"]
    await complete(world, token, "RATE-0001", "2026-10-12")
    first = await rate(client, "RATE-0001", "SATISFIED")
    assert first["data"]["rateCase"] == {
        "level": "SATISFIED",
        "levelLabel": "满意",
        "ratedOn": "2026-10-31",  # the pinned "today"
        "bad": False,
        "rectifyDueOn": None,
    }
    again = await rate(client, "RATE-0001", "VERY_DISSATISFIED")
    assert again["errors"][0]["extensions"]["code"] == "ALREADY_RATED"
    wrong_code = await rate(client, "RATE-0001", "SATISFIED", code="000000")
    assert wrong_code["errors"][0]["extensions"]["code"] == "CASE_NOT_FOUND"
    assert applied(await push(world, token, [received("RATE-0002", "2026-10-12")]))
    open_case = await rate(client, "RATE-0002", "SATISFIED")
    assert open_case["errors"][0]["extensions"]["code"] == "CASE_NOT_COMPLETED"


async def test_unrectified_bad_rating_raises_a_red_card_and_costs_points(
    world: dict[str, Any], token: Callable[..., str], month_db_settings: Settings
) -> None:
    client = world["client"]
    await complete(world, token, "RATE-0003", "2026-10-12")
    await complete(world, token, "RATE-0004", "2026-10-12")
    bad = (await rate(client, "RATE-0003", "VERY_DISSATISFIED"))["data"]["rateCase"]
    # Rated Sat Oct 31: 15 working days are Nov 2-6, 9-13, 16-20 -> Nov 20.
    assert (bad["bad"], bad["rectifyDueOn"]) == (True, "2026-11-20")
    assert (await rate(client, "RATE-0004", "DISSATISFIED"))["data"]["rateCase"]["bad"] is True
    headers = {"Authorization": f"Bearer {token('department', world['dept'], 'W-01')}"}
    rectify = 'mutation { rectifyRating(caseNo: "RATE-0004", note: "已约谈窗口人员并增设自助机") }'
    assert (await client.post("/graphql", json={"query": rectify}, headers=headers)).json()["data"] == {
        "rectifyRating": True
    }
    assert await sweep_on(world, date(2026, 11, 20)) == 0  # due today: not late yet
    assert await sweep_on(world, date(2026, 11, 23)) == 1  # RATE-0003 is; RATE-0004 was rectified
    jw = {"Authorization": f"Bearer {token('discipline')}"}
    query = (
        'query { case(caseNo: "RATE-0003") { locked cards { rule color } rating { comment rectifiedOn } } }'
    )
    got = (await client.post("/graphql", json={"query": query}, headers=jw)).json()["data"]["case"]
    assert got["cards"] == [{"rule": "RECTIFICATION_OVERDUE", "color": "RED"}]
    assert got["rating"] == {"comment": "窗口排队太久", "rectifiedOn": None}
    ranking = (
        'query { departmentPerformance(period: "2026-10") { rows { department { code } badRatings score } } }'
    )
    rows = (await ask_on(world, month_db_settings, date(2026, 11, 23), ranking, jw))["data"][
        "departmentPerformance"
    ]["rows"]
    row = next(r for r in rows if r["department"]["code"] == world["dept"])
    assert row["badRatings"] == 2
    assert Decimal(row["score"]) == Decimal(100) - 2  # two bad ratings, nothing else in October
