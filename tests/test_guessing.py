"""Receipt and tracking codes resist guessing without an oracle: failures are bounded per number
across all callers, a locked number refuses even the right code and says where to go, and an
existing number with a wrong code cannot be told from an unknown number, by answer or by time."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest

from api.app import create_app
from api.public_queries import PublicQueries
from api.settings import Settings
from demo import demo_query_code
from services.attempts import ATTEMPTS_PER_DAY, FAILURE_FLOOR_S
from tests.conftest import TEST_SEED, running

DOCUMENTS = PublicQueries.load()
STATUS = DOCUMENTS.by_name("case_status")
TRACK = DOCUMENTS.by_name("complaint_track")


@pytest.fixture
async def own_client(settings: Settings, populated: str) -> AsyncIterator[httpx.AsyncClient]:
    """The API with limit counters of its own, so no other test's guesses count here."""
    async with running(create_app(settings, database_url=populated)) as client:
        yield client


async def ask_status(client: httpx.AsyncClient, case_no: str, code: str) -> tuple[int, Any, float]:
    assert STATUS is not None
    started = time.perf_counter()
    response = await client.post(
        "/graphql", json={"query": STATUS.text, "variables": {"caseNo": case_no, "queryCode": code}}
    )
    return response.status_code, response.json(), time.perf_counter() - started


def without_wait(body: Any) -> Any:
    """The answer less its Retry-After seconds, which tick on between two requests."""
    for error in body.get("errors", ()):
        error["extensions"].pop("retryAfter", None)
    return body


def code_of(body: Any) -> str | None:
    errors = body.get("errors")
    return errors[0]["extensions"]["code"] if errors else None


async def test_a_thousand_wrong_codes_never_open_a_case_and_the_number_locks(
    own_client: httpx.AsyncClient, populated_db: asyncpg.Pool
) -> None:
    case_no = await populated_db.fetchval("SELECT case_no FROM cases ORDER BY id LIMIT 1")
    right = demo_query_code(TEST_SEED, case_no)
    wrong = [f"{n:06d}" for n in range(1000) if f"{n:06d}" != right][:1000]
    answers = []
    for start in range(0, len(wrong), 100):
        answers += await asyncio.gather(
            *(ask_status(own_client, case_no, c) for c in wrong[start : start + 100])
        )
    codes = [code_of(body) for _, body, _ in answers]
    assert not [body for _, body, _ in answers if (body.get("data") or {}).get("caseProgress")]
    assert codes.count("CASE_NOT_FOUND") == ATTEMPTS_PER_DAY
    assert codes.count("TOO_MANY_ATTEMPTS") == len(wrong) - ATTEMPTS_PER_DAY
    status, body, _ = await ask_status(own_client, case_no, right)  # even the right code, while locked
    assert status == 429 and code_of(body) == "TOO_MANY_ATTEMPTS"
    assert "办事窗口" in body["errors"][0]["message"]
    assert body["errors"][0]["extensions"]["retryAfter"] > 0


async def test_an_unknown_number_answers_as_a_known_one_with_a_wrong_code(
    own_client: httpx.AsyncClient, populated_db: asyncpg.Pool
) -> None:
    case_no = await populated_db.fetchval("SELECT case_no FROM cases ORDER BY id OFFSET 1 LIMIT 1")
    known = [await ask_status(own_client, case_no, "000000") for _ in range(ATTEMPTS_PER_DAY + 2)]
    unknown = [
        await ask_status(own_client, "20991231XXXX000001", "000000") for _ in range(ATTEMPTS_PER_DAY + 2)
    ]
    assert [(s, without_wait(b)) for s, b, _ in known] == [(s, without_wait(b)) for s, b, _ in unknown]
    assert [code_of(b) for _, b, _ in known][-2:] == ["TOO_MANY_ATTEMPTS"] * 2
    known_times = [t for _, _, t in known]
    unknown_times = [t for _, _, t in unknown]
    assert min(known_times + unknown_times) >= FAILURE_FLOOR_S
    # Both wait for the same floor: whatever the lookup costs is hidden under it.
    assert abs(statistics.median(known_times) - statistics.median(unknown_times)) < 0.02


async def test_complaint_tracking_codes_are_bounded_the_same_way(own_client: httpx.AsyncClient) -> None:
    assert TRACK is not None

    async def track(number: str, code: str) -> tuple[int, Any]:
        response = await own_client.post(
            "/graphql", json={"query": TRACK.text, "variables": {"trackingNo": number, "trackingCode": code}}
        )
        return response.status_code, response.json()

    answers = [await track("TS2099010100000001", f"{n:06d}") for n in range(ATTEMPTS_PER_DAY + 1)]
    assert [code_of(b) for _, b in answers] == ["COMPLAINT_NOT_FOUND"] * ATTEMPTS_PER_DAY + [
        "TOO_MANY_ATTEMPTS"
    ]
    assert answers[-1][0] == 429
