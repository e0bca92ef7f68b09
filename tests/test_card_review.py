"""Discipline's review of an explained card beyond closing it, over real HTTP with real tokens:
returned (退回) to the department for a fuller explanation by a deadline, the case staying locked;
escalated (督办) once, with a deadline; both kept in the case's lock history; refusals by name."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from api.app import create_app
from api.settings import Settings
from domain.calendar import china_day
from tests.conftest import Server, county_of_its_own, running

TODAY = china_day(datetime.now(UTC))
CARD = "id status explainDueOn escalatedAt escalatedBy escalationNote caseLocked"
EXPLAIN = (
    f'mutation($id: Int!) {{ explainCard(cardId: $id, explanation: "已督促承办人加快办理") {{ {CARD} }} }}'
)
RETURN = (
    "mutation($id: Int!, $due: Date!, $note: String!) "
    f"{{ returnCard(cardId: $id, note: $note, dueOn: $due) {{ {CARD} }} }}"
)
ESCALATE = (
    "mutation($id: Int!, $due: Date!) "
    f'{{ escalateCard(cardId: $id, note: "限期整改并书面说明", dueOn: $due) {{ {CARD} }} }}'
)
HISTORY = "query($no: String!) { case(caseNo: $no) { locked lockHistory { action actor note } } }"


@pytest.fixture(scope="module")
async def county(server: Server, template: str) -> AsyncIterator[str]:
    """A year of cases, swept by the supervision command: its red cards lock late cases."""
    async with county_of_its_own(server, template, subsidies=False, swept=True) as url:
        yield url


@pytest.fixture(scope="module")
async def client(settings: Settings, county: str) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_app(replace(settings, today=TODAY), database_url=county)) as c:
        yield c


async def open_red_cards(county: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(county)
    try:
        return await conn.fetch(
            """SELECT k.id, c.case_no, d.code AS department FROM cards k
               JOIN cases c ON c.id = k.case_id JOIN departments d ON d.id = c.department_id
               WHERE k.color = 'red' AND k.status = 'open' AND c.locked ORDER BY k.id"""
        )
    finally:
        await conn.close()


async def ask(client: httpx.AsyncClient, token: str, query: str, **variables: Any) -> dict[str, Any]:
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    body: dict[str, Any] = response.json()
    return body


def code_of(body: dict[str, Any]) -> str:
    return str(body["errors"][0]["extensions"]["code"])


async def test_a_returned_card_is_open_again_by_a_deadline_and_its_case_stays_locked(
    client: httpx.AsyncClient, county: str, token: Callable[..., str]
) -> None:
    card = (await open_red_cards(county))[0]
    department, discipline = token("department", card["department"]), token("discipline")
    explained = await ask(client, department, EXPLAIN, id=card["id"])
    assert explained["data"]["explainCard"]["status"] == "EXPLAINED", explained
    due = TODAY + timedelta(days=5)
    returned = await ask(
        client, discipline, RETURN, id=card["id"], due=due.isoformat(), note="说明过于简单，请补充"
    )
    assert returned["data"]["returnCard"] == {
        "id": card["id"],
        "status": "OPEN",
        "explainDueOn": due.isoformat(),
        "escalatedAt": None,
        "escalatedBy": None,
        "escalationNote": None,
        "caseLocked": True,
    }
    history = (await ask(client, discipline, HISTORY, no=card["case_no"]))["data"]["case"]
    assert history["locked"] is True
    assert [h["action"] for h in history["lockHistory"]][-2:] == ["explained", "returned"]
    assert history["lockHistory"][-1]["note"] == "说明过于简单，请补充"
    again = await ask(client, department, EXPLAIN, id=card["id"])
    assert again["data"]["explainCard"]["status"] == "EXPLAINED"


async def test_an_escalated_card_carries_its_deadline_and_is_escalated_once(
    client: httpx.AsyncClient, county: str, token: Callable[..., str]
) -> None:
    card = (await open_red_cards(county))[1]
    discipline = token("discipline")
    due = TODAY + timedelta(days=10)
    escalated = (await ask(client, discipline, ESCALATE, id=card["id"], due=due.isoformat()))["data"][
        "escalateCard"
    ]
    assert escalated["status"] == "OPEN" and escalated["explainDueOn"] == due.isoformat()
    assert escalated["escalationNote"] == "限期整改并书面说明" and escalated["escalatedAt"] is not None
    twice = await ask(client, discipline, ESCALATE, id=card["id"], due=due.isoformat())
    assert code_of(twice) == "ALREADY_ESCALATED"
    history = (await ask(client, discipline, HISTORY, no=card["case_no"]))["data"]["case"]["lockHistory"]
    assert history[-1]["action"] == "escalated"


async def test_review_is_refused_by_name_for_the_wrong_card_deadline_or_caller(
    client: httpx.AsyncClient, county: str, token: Callable[..., str]
) -> None:
    card = (await open_red_cards(county))[2]
    discipline = token("discipline")
    later = (TODAY + timedelta(days=5)).isoformat()
    not_explained = await ask(client, discipline, RETURN, id=card["id"], due=later, note="请补充说明材料")
    assert code_of(not_explained) == "CARD_NOT_EXPLAINED"
    for due in (TODAY, TODAY + timedelta(days=91), date(2020, 1, 1)):
        refused = await ask(client, discipline, ESCALATE, id=card["id"], due=due.isoformat())
        assert code_of(refused) == "INVALID_DEADLINE", due
    short = await ask(client, discipline, RETURN, id=card["id"], due=later, note="不行")
    assert code_of(short) == "INVALID_FIELD"
    by_department = await ask(
        client, token("department", card["department"]), ESCALATE, id=card["id"], due=later
    )
    assert code_of(by_department) == "FORBIDDEN"
