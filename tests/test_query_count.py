"""No N+1: a page of 10 powers and a page of 100, each with department, steps and risk points,
take the same number of SQL statements (as the request's own access-log line counts them)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

import asyncpg
import httpx
import pytest

from api.app import create_app
from api.settings import Settings
from services import red_flags
from tests.conftest import Server, county_of_its_own, running

PAGE = """
query Page($first: Int!) {
  powers(first: $first) {
    nodes {
      code
      department { name region { name } }
      materials { name }
      processMap { nodes { key department { shortName } riskPoints { level measures { description } } } }
      riskPoints { description }
    }
  }
}
"""


async def statements_for(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, first: int, bearer: str
) -> tuple[int, int]:
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="sunshine.access"):
        response = await client.post(
            "/graphql",
            json={"query": PAGE, "variables": {"first": first}},
            headers={"Authorization": f"Bearer {bearer}"},
        )
    body = response.json()
    assert "errors" not in body, body
    [line] = [r for r in caplog.records if r.name == "sunshine.access"]
    statements: int = line.__dict__["sql_statements"]
    return statements, len(body["data"]["powers"]["nodes"])


async def test_ten_and_a_hundred_powers_cost_the_same_statements(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, token: Callable[..., str]
) -> None:
    bearer = token("discipline")
    small, ten = await statements_for(client, caplog, 10, bearer)
    large, hundred = await statements_for(client, caplog, 100, bearer)
    assert (ten, hundred) == (10, 100)
    assert small == large
    # The page, then one statement per relation: department, region, materials, steps, edges,
    # step departments (already cached), step risk points, measures, power risk points.
    assert small <= 10


FLAGS = """
query Flags($first: Int!) {
  cards(filter: {kind: PAYMENT}, first: $first) {
    nodes { id payment { paymentNo fundName period amountYuan } department { name } }
  }
}
"""


async def test_subsidy_flags_with_their_payment_cost_the_same_statements_for_any_page(
    settings: Settings,
    server: Server,
    template: str,
    caplog: pytest.LogCaptureFixture,
    token: Callable[..., str],
) -> None:
    async with county_of_its_own(server, template, cases=False) as url:
        pool = await asyncpg.create_pool(url, min_size=1, max_size=2)
        try:
            await red_flags.run(pool, since=date(2024, 1, 1), until=date(2026, 11, 20))
        finally:
            await pool.close()
        async with running(create_app(settings, database_url=url)) as client:
            counted = []
            for first in (2, 20):
                caplog.clear()
                with caplog.at_level(logging.INFO, logger="sunshine.access"):
                    response = await client.post(
                        "/graphql",
                        json={"query": FLAGS, "variables": {"first": first}},
                        headers={"Authorization": f"Bearer {token('discipline')}"},
                    )
                body = response.json()
                assert "errors" not in body, body
                nodes = body["data"]["cards"]["nodes"]
                assert len(nodes) == first and all(n["payment"] for n in nodes)
                [line] = [r for r in caplog.records if r.name == "sunshine.access"]
                counted.append(line.__dict__["sql_statements"])
    assert counted[0] == counted[1], counted  # one statement for every card's payment, not one each
