"""No public answer anywhere carries an unmasked name, ID number or phone from the demo data:
every vetted document is run anonymously against a county with cases, subsidies and complaints,
and every byte of every answer is searched for the raw values."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx

from api.app import create_app
from api.public_queries import PublicQueries
from api.settings import Settings
from demo import demo_query_code
from tests.conftest import TEST_SEED as SEED
from tests.conftest import running


async def variables_for(conn: asyncpg.Connection) -> dict[str, list[dict[str, Any]]]:
    """Real inputs for each public operation, several each."""
    cases = [r["case_no"] for r in await conn.fetch("SELECT case_no FROM cases ORDER BY id LIMIT 20")]
    people = await conn.fetch(
        "SELECT m.name, m.id_number FROM payments p JOIN household_members m ON m.id = p.member_id LIMIT 5"
    )
    notices = await conn.fetch(
        "SELECT DISTINCT p.village_code, f.code, p.period FROM payments p"
        " JOIN funds f ON f.id = p.fund_id LIMIT 10"
    )
    power = await conn.fetchval("SELECT code FROM powers WHERE status = 'published' ORDER BY code LIMIT 1")
    township = await conn.fetchval("SELECT code FROM regions WHERE level = 2 ORDER BY code LIMIT 1")
    return {
        "CaseStatus": [{"caseNo": c, "queryCode": demo_query_code(SEED, c)} for c in cases],
        "HouseholdSubsidies": [{"name": p["name"], "idNumber": p["id_number"]} for p in people],
        "NoticeList": [
            {
                "villageCode": n["village_code"],
                "fundCode": n["code"],
                "period": n["period"].isoformat(),
                "first": 100,
            }
            for n in notices
        ],
        "SubsidyAggregates": [{"year": 2026, "townshipCode": township, "byVillage": True, "byMonth": True}],
        "PowerDetail": [{"code": power}],
        "PowerAsOf": [{"code": power, "date": "2026-01-01"}],
        "PowerSearch": [{"first": 100}],
        "DepartmentRanking": [{"period": "2026-10"}, {"period": "2026Q3"}],
        "Departments": [{}],
        "Regions": [{}],
        "Funds": [{}],
    }


async def raw_personal_values(conn: asyncpg.Connection) -> set[str]:
    values: set[str] = set()
    for r in await conn.fetch("SELECT applicant_name, applicant_id_number, applicant_phone FROM cases"):
        values |= {r["applicant_id_number"], r["applicant_phone"]}
        if len(r["applicant_name"]) >= 3:  # two-character names also occur inside ordinary words
            values.add(r["applicant_name"])
    for r in await conn.fetch("SELECT name, id_number FROM household_members"):
        values.add(r["id_number"])
        if len(r["name"]) >= 3:
            values.add(r["name"])
    for r in await conn.fetch("SELECT name, phone FROM staff"):
        if r["phone"]:
            values.add(r["phone"])
        if len(r["name"]) >= 3:
            values.add(r["name"])
    return {v for v in values if v}


async def test_no_public_answer_contains_raw_personal_data(populated: str, settings: Settings) -> None:
    conn = await asyncpg.connect(populated)
    try:
        inputs = await variables_for(conn)
        secrets = await raw_personal_values(conn)
    finally:
        await conn.close()
    assert len(secrets) > 1000
    documents = PublicQueries.load()
    answered: list[str] = []
    async with running(create_app(settings, database_url=populated)) as client:
        for entry in documents.manifest().values():
            operation = entry["operation"]
            if operation not in inputs:
                continue  # the mutations: they answer with what the caller sent
            document = documents.by_operation(operation)
            assert document is not None
            for variables in inputs[operation]:
                response: httpx.Response = await client.post(
                    "/graphql", json={"query": document.text, "variables": variables}
                )
                assert response.status_code == 200, (operation, response.text)
                answered.append(response.text)
    text = "\n".join(answered)
    # the lookups found something, so the scan had something to look at
    assert "householdSubsidies" in text and "caseProgress" in text
    leaked = sorted(v for v in secrets if v in text)
    assert leaked == []
    queries = {e["operation"] for e in documents.manifest().values()}
    # The mutations, and LiveCounts: counts only, pushed over WebSocket (tests/test_feed.py).
    assert queries - set(inputs) == {
        "RateCase",
        "SubmitComplaint",
        "TrackComplaint",
        "RateComplaint",
        "LiveCounts",
    }
