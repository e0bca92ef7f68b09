"""Every moment an answer shows is read in China (+08:00), whatever offset it was sent with."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.casework import push, received

OFFICIAL_CASE = "query($no: String!) { case(caseNo: $no) { receivedAt events { occurredAt } } }"


async def test_a_moment_sent_in_any_offset_is_answered_in_china_time(
    world: dict[str, Any], token: Callable[..., str]
) -> None:
    # 01:30 in London on 15 March is 09:30 in China; 09:30 +08:00 read back unchanged.
    utc, china = received("TZ-UTC-0001", "2026-03-16"), received("TZ-CST-0001", "2026-03-16")
    utc["occurredAt"], china["occurredAt"] = "2026-03-16T01:30:00Z", "2026-03-16T09:30:00+08:00"
    results = await push(world, token, [utc, china])
    assert all(r["outcome"] == "APPLIED" for r in results), results
    discipline = {"Authorization": f"Bearer {token('discipline', staff='JW-01')}"}
    for case_no in ("TZ-UTC-0001", "TZ-CST-0001"):
        official = await world["client"].post(
            "/graphql", json={"query": OFFICIAL_CASE, "variables": {"no": case_no}}, headers=discipline
        )
        case = official.json()["data"]["case"]
        assert case["receivedAt"] == "2026-03-16T09:30:00+08:00", case
        assert [e["occurredAt"] for e in case["events"]] == ["2026-03-16T09:30:00+08:00"]
    public = await world["client"].get(
        "/public/CaseStatus", params={"caseNo": "TZ-UTC-0001", "queryCode": "246810"}
    )
    assert public.json()["data"]["caseProgress"]["receivedAt"] == "2026-03-16T09:30:00+08:00"
