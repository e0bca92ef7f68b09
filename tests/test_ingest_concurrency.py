"""Answers tell the truth under concurrency: an event that is stored is never reported REFUSED,
and DUPLICATE means that very event id is stored — with batches sent twice at once, overlapping
batches, and two different first events for one new case."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import asyncpg

from tests.casework import PUSH, event, received, step


async def send(world: dict[str, Any], token: Callable[..., str], events: list[dict[str, Any]]) -> list[Any]:
    response = await world["client"].post(
        "/graphql",
        json={"query": PUSH, "variables": {"events": events}},
        headers={"Authorization": f"Bearer {token('department', world['dept'], 'W-01')}"},
    )
    body = response.json()
    assert "errors" not in body, body
    results: list[Any] = body["data"]["recordCaseEvents"]["results"]
    return results


async def stored_ids(world: dict[str, Any]) -> set[str]:
    conn = await asyncpg.connect(world["url"])
    try:
        return {r["event_id"] for r in await conn.fetch("SELECT event_id FROM case_events")}
    finally:
        await conn.close()


def batch(case_no: str) -> list[dict[str, Any]]:
    events = [received(case_no, "2026-10-12"), event(case_no, "ACCEPTED", "2026-10-12")]
    events += step(case_no, "S1", "2026-10-12", "2026-10-13")
    return events


async def test_a_batch_sent_twice_at_once_is_applied_once_and_told_truly(
    world: dict[str, Any], token: Callable[..., str]
) -> None:
    events = batch("CONC-0001") + batch("CONC-0002")
    first, second = await asyncio.gather(send(world, token, events), send(world, token, events))
    stored = await stored_ids(world)
    for a, b in zip(first, second, strict=True):
        assert {a["outcome"], b["outcome"]} == {"APPLIED", "DUPLICATE"}, (a, b)
        assert a["eventId"] in stored
    assert not [r for r in first + second if r["outcome"] == "REFUSED"]


async def test_overlapping_batches_never_refuse_a_stored_event(
    world: dict[str, Any], token: Callable[..., str]
) -> None:
    events = batch("CONC-0003")
    await send(world, token, events[:1])  # the case exists; then three requests overlap on the rest
    answers = await asyncio.gather(
        send(world, token, events[:3]), send(world, token, events[1:]), send(world, token, events)
    )
    assert not [r for results in answers for r in results if r["outcome"] == "REFUSED"]
    stored = await stored_ids(world)
    for results in answers:
        for r in results:
            if r["outcome"] == "REFUSED":
                assert r["eventId"] not in stored, r
            if r["outcome"] in ("APPLIED", "DUPLICATE"):
                assert r["eventId"] in stored, r
    assert {e["eventId"] for e in events} <= stored


async def test_two_first_events_for_one_new_case_store_one_and_refuse_the_other(
    world: dict[str, Any], token: Callable[..., str]
) -> None:
    one, other = received("CONC-0004", "2026-10-12"), received("CONC-0004", "2026-10-12")
    [a], [b] = await asyncio.gather(send(world, token, [one]), send(world, token, [other]))
    stored = await stored_ids(world)
    outcomes = {a["eventId"]: a, b["eventId"]: b}
    assert sorted(r["outcome"] for r in outcomes.values()) == ["APPLIED", "REFUSED"]
    for event_id, r in outcomes.items():
        assert (event_id in stored) == (r["outcome"] == "APPLIED")
        if r["outcome"] == "REFUSED":
            assert r["code"] == "DUPLICATE_CASE_NO"
