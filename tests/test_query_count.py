"""No N+1: a page of 10 powers and a page of 100, each with department, steps and risk points,
take the same number of SQL statements (as the request's own access-log line counts them)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
import pytest

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
