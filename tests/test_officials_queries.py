"""The officials' queries over real HTTP with real tokens: cards sorted, filtered and counted,
refused enum values, a department's scope, the county's overdue cases in one request, the
notifications a card sent with each attempt, and subsidy flags with the payments behind them, the
other holder of a shared ID number and the official's post."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import date
from typing import Any

import asyncpg
import httpx
import pytest

from api.app import create_app
from api.settings import Settings
from db import notifications as db_notifications
from services import notifications, red_flags
from tests.conftest import running
from tests.test_subsidies import IDS, county  # noqa: F401  # the county fixture, re-used

REASON = {"reason": "核查监察卡（测试）"}

CARDS = """
query Cards($filter: CardFilter, $order: CardOrder, $first: Int, $after: String) {
  cards(filter: $filter, orderBy: $order, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id kind rule color status raisedAt dueOn explainedAt closedAt caseLocked department { code } }
  }
}
"""


@pytest.fixture(scope="module")
async def county_client(settings: Settings, populated: str) -> AsyncIterator[httpx.AsyncClient]:
    """The county with cases and subsidies, on a fixed day."""
    async with running(create_app(settings, database_url=populated)) as client:
        yield client


async def post(
    client: httpx.AsyncClient, token: str, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables or {}, "extensions": REASON},
        headers={"Authorization": f"Bearer {token}"},
    )
    body: dict[str, Any] = response.json()
    return body


async def every_page(
    client: httpx.AsyncClient, token: str, variables: dict[str, Any], size: int = 7
) -> tuple[list[dict[str, Any]], int]:
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        body = await post(client, token, CARDS, {**variables, "first": size, "after": after})
        assert "errors" not in body, body
        page = body["data"]["cards"]
        nodes += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes, page["totalCount"]
        after = page["pageInfo"]["endCursor"]


async def test_cards_sort_newest_oldest_and_due_over_every_page_with_the_total(
    county_client: httpx.AsyncClient, populated_db: asyncpg.Pool, token: Callable[..., str]
) -> None:
    discipline = token("discipline")
    expected = await populated_db.fetch(
        "SELECT c.id, c.raised_on, coalesce(k.promised_due_on, q.accept_due_on, c.raised_on) AS due"
        " FROM cards c LEFT JOIN cases k ON k.id = c.case_id LEFT JOIN complaints q ON q.id = c.complaint_id"
        " WHERE c.color = 'red'"
    )
    assert len(expected) > 10
    newest = sorted(expected, key=lambda r: (r["raised_on"], r["id"]), reverse=True)
    due = sorted(expected, key=lambda r: (r["due"], r["id"]))
    for order, rows in (("NEWEST", newest), ("OLDEST", newest[::-1]), ("DUE", due)):
        nodes, total = await every_page(
            county_client, discipline, {"filter": {"color": "RED"}, "order": order}
        )
        assert [n["id"] for n in nodes] == [r["id"] for r in rows], order
        assert total == len(rows)
    assert {n["color"] for n in nodes} == {"RED"}
    assert all(n["dueOn"] for n in nodes)


async def test_cards_filter_by_rule_status_kind_township_and_dates(
    county_client: httpx.AsyncClient, populated_db: asyncpg.Pool, token: Callable[..., str]
) -> None:
    discipline = token("discipline")
    row = await populated_db.fetchrow(
        "SELECT left(k.region_code, 9) AS township, c.rule_code, c.raised_on FROM cards c"
        " JOIN cases k ON k.id = c.case_id WHERE c.status = 'open'"
        " GROUP BY 1, 2, 3 ORDER BY count(*) DESC LIMIT 1"
    )
    assert row is not None
    filter = {
        "rule": row["rule_code"],
        "status": "OPEN",
        "kind": "CASE",
        "townshipCode": row["township"],
        "raisedFrom": row["raised_on"].isoformat(),
        "raisedTo": row["raised_on"].isoformat(),
    }
    expected = await populated_db.fetchval(
        "SELECT count(*) FROM cards c JOIN cases k ON k.id = c.case_id WHERE c.rule_code = $1"
        " AND c.status = 'open' AND left(k.region_code, 9) = $2 AND c.raised_on = $3",
        row["rule_code"],
        row["township"],
        row["raised_on"],
    )
    nodes, total = await every_page(county_client, discipline, {"filter": filter})
    assert total == len(nodes) == expected > 0
    assert {(n["rule"], n["status"], n["kind"]) for n in nodes} == {(row["rule_code"], "OPEN", "CASE")}
    assert {n["raisedAt"][:10] for n in nodes} <= {row["raised_on"].isoformat()}
    assert all(n["caseLocked"] is not None for n in nodes)


async def test_an_invalid_enum_value_is_refused_in_chinese_not_answered_empty(
    county_client: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    discipline = token("discipline")
    for filter in ({"status": "open"}, {"kind": "PAID_AFTER_DEATH"}, {"rule": "LATE"}, {"color": "GREEN"}):
        response = await county_client.post(
            "/graphql",
            json={"query": CARDS, "variables": {"filter": filter}},
            headers={"Authorization": f"Bearer {discipline}"},
        )
        assert response.status_code == 400, filter
        [error] = response.json()["errors"]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"]), error
        assert "data" not in response.json() or response.json()["data"] is None
    literal = "{ cards(filter: {status: OPENED}) { totalCount } }"
    body = await post(county_client, discipline, literal)
    assert body["errors"] and any("\u4e00" <= ch <= "\u9fff" for ch in body["errors"][0]["message"])


async def test_a_department_sees_only_its_own_cards_and_may_not_name_another(
    county_client: httpx.AsyncClient, populated_db: asyncpg.Pool, token: Callable[..., str]
) -> None:
    rows = await populated_db.fetch(
        "SELECT d.code, count(*) AS n FROM cards c JOIN departments d ON d.id = c.department_id"
        " GROUP BY d.code ORDER BY n DESC LIMIT 2"
    )
    own, other = rows[0]["code"], rows[1]["code"]
    department = token("department", own, f"{own}-0001")
    nodes, total = await every_page(county_client, department, {}, size=50)
    assert total == len(nodes) == rows[0]["n"]
    assert {n["department"]["code"] for n in nodes} == {own}
    refused = await post(county_client, department, CARDS, {"filter": {"departmentCode": other}})
    assert refused["errors"][0]["extensions"]["code"] == "DEPARTMENT_NOT_FOUND"
    everyone = await post(county_client, token("discipline"), CARDS, {"first": 1})
    assert everyone["data"]["cards"]["totalCount"] == await populated_db.fetchval(
        "SELECT count(*) FROM cards"
    )


async def test_a_cursor_of_another_order_is_refused(
    county_client: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    discipline = token("discipline")
    first = await post(county_client, discipline, CARDS, {"order": "DUE", "first": 2})
    cursor = first["data"]["cards"]["pageInfo"]["endCursor"]
    body = await post(county_client, discipline, CARDS, {"order": "NEWEST", "first": 2, "after": cursor})
    assert body["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"


OVERDUE = """
query Overdue($filter: OverdueCaseFilter, $first: Int, $after: String) {
  overdueCases(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { caseNo promisedDueOn department { code } }
  }
}
"""


async def test_the_county_overdue_cases_come_in_one_request_most_overdue_first(
    settings: Settings, populated: str, populated_db: asyncpg.Pool, token: Callable[..., str]
) -> None:
    # The day after the last open case falls due: every open case with a due date is overdue.
    today = await populated_db.fetchval(
        "SELECT max(promised_due_on) + 1 FROM cases WHERE completed_at IS NULL"
    )
    expected = await populated_db.fetch(
        "SELECT case_no, promised_due_on, id, department_id FROM cases"
        " WHERE completed_at IS NULL AND promised_due_on < $1 ORDER BY promised_due_on, id",
        today,
    )
    assert len({r["department_id"] for r in expected}) > 1
    app = create_app(replace(settings, today=today), database_url=populated)
    async with running(app) as client:
        body = await post(client, token("discipline"), OVERDUE, {"first": 100})
        page = body["data"]["overdueCases"]
        assert page["totalCount"] == len(expected)
        assert [n["caseNo"] for n in page["nodes"]] == [r["case_no"] for r in expected][:100]
        dept = page["nodes"][0]["department"]["code"]
        own = await post(client, token("department", dept, f"{dept}-0001"), OVERDUE, {"first": 100})
        assert {n["department"]["code"] for n in own["data"]["overdueCases"]["nodes"]} == {dept}
        township = await populated_db.fetchval(
            "SELECT left(region_code, 9) FROM cases WHERE case_no = $1", page["nodes"][0]["caseNo"]
        )
        narrowed = await post(
            client, token("discipline"), OVERDUE, {"filter": {"townshipCode": township}, "first": 100}
        )
        in_township = await populated_db.fetch(
            "SELECT case_no FROM cases WHERE completed_at IS NULL AND promised_due_on < $1"
            " AND left(region_code, 9) = $2 ORDER BY promised_due_on, id",
            today,
            township,
        )
        assert narrowed["data"]["overdueCases"]["totalCount"] == len(in_township) < len(expected)
        assert [n["caseNo"] for n in narrowed["data"]["overdueCases"]["nodes"]] == [
            r["case_no"] for r in in_township
        ][:100]


FLAGS = """
query Flags($filter: CardFilter) {
  cards(filter: $filter, first: 20) {
    totalCount
    nodes {
      id rule kind
      member { name }
      payments { paymentNo fundCode fundName period amountYuan disbursedOn village { code name } }
      paymentCount
      otherHolders { name idNumber address householdNo }
      officials { name post kindLabel relation department { code } village { code } }
      notifications { recipient recipientRole status channel attemptCount attempts { at ok channel error } }
    }
  }
}
"""


class Flaky:
    """A sender that fails the first time it sees each notification."""

    name = "webhook"

    def __init__(self) -> None:
        self.seen: set[int] = set()

    async def send(self, notification: db_notifications.NotificationRow) -> None:
        if notification.id not in self.seen:
            self.seen.add(notification.id)
            raise ConnectionError("网关无响应")


async def test_subsidy_flags_name_their_payments_the_other_holder_and_the_officials_post(
    county: dict[str, Any],  # noqa: F811  # the fixture imported above
    token: Callable[..., str],
) -> None:
    pool: asyncpg.Pool = county["pool"]
    dept_id = await pool.fetchval("SELECT id FROM departments WHERE code = $1", county["dept"])
    # 张三 is himself an official of the fund's department.
    await pool.execute(
        "INSERT INTO officials (name, id_number, kind, department_id, position)"
        " VALUES ('张三', $1, 'official', $2, '社会救助股股长')",
        IDS["张三"],
        dept_id,
    )
    await red_flags.run(pool, since=date(2026, 1, 1), until=date(2026, 11, 20))
    client: httpx.AsyncClient = county["client"]
    discipline = token("discipline")

    body = await post(client, discipline, FLAGS, {"filter": {"kind": "PAYMENT"}})
    assert "errors" not in body, body
    by_rule = {(n["rule"], n["member"]["name"]): n for n in body["data"]["cards"]["nodes"]}
    of_fund = await post(client, discipline, FLAGS, {"filter": {"kind": "PAYMENT", "fundCode": "T-DB"}})
    assert {(n["rule"], n["member"]["name"]) for n in of_fund["data"]["cards"]["nodes"]} == {
        ("PAID_AFTER_DEATH", "李四"),
        ("BENEFICIARY_IS_OFFICIAL", "王五"),
        ("DUPLICATE_BENEFIT", "赵六"),
        ("INVALID_OR_SHARED_ID", "孙八"),
    }

    shared = by_rule[("INVALID_OR_SHARED_ID", "孙八")]
    assert [(h["name"], h["idNumber"], h["householdNo"]) for h in shared["otherHolders"]] == [
        ("周九", IDS["孙八"], "H7")
    ]
    assert [(p["fundCode"], p["period"], p["amountYuan"]) for p in shared["payments"]] == [
        ("T-DB", "2026-06-01", "500.00")
    ]
    assert shared["payments"][0]["village"]["code"][:9] == county["township"]
    audited = await pool.fetchval(
        "SELECT count(*) FROM audit_log WHERE record_type = 'member' AND record_id ="
        " (SELECT id::text FROM household_members WHERE name = '周九')"
    )
    assert audited >= 1

    official = by_rule[("BENEFICIARY_IS_OFFICIAL", "张三")]
    assert [
        (o["name"], o["post"], o["kindLabel"], o["relation"], o["department"]["code"])
        for o in official["officials"]
    ] == [("张三", "社会救助股股长", "公职人员", "本人", county["dept"])]
    assert [(p["fundCode"], p["period"]) for p in official["payments"]] == [("T-GD", "2026-04-01")]
    assert official["paymentCount"] == 1

    cadre = by_rule[("BENEFICIARY_IS_OFFICIAL", "王五")]
    assert [(o["name"], o["post"], o["relation"], o["department"]) for o in cadre["officials"]] == [
        ("王大", "村委会主任", "兄弟", None)
    ]
    assert cadre["officials"][0]["village"]["code"] == county["v1"]

    duplicate = by_rule[("DUPLICATE_BENEFIT", "赵六")]
    assert sorted(p["fundCode"] for p in duplicate["payments"]) == ["T-DB", "T-TK"]

    # Another department reading the same card gets it masked (as it does the card's own person).
    other = await pool.fetchval(
        "SELECT code FROM departments WHERE code <> $1 ORDER BY id LIMIT 1", county["dept"]
    )
    department = token("department", other, f"{other}-0001")
    refused = await post(client, department, FLAGS, {"filter": {"departmentCode": county["dept"]}})
    assert refused["errors"][0]["extensions"]["code"] == "DEPARTMENT_NOT_FOUND"
    own = await post(
        client,
        token("department", county["dept"], "W-01"),
        FLAGS,
        {"filter": {"rule": "INVALID_OR_SHARED_ID"}},
    )
    [holder] = [h for n in own["data"]["cards"]["nodes"] for h in n["otherHolders"]]
    assert (holder["name"], holder["idNumber"], holder["householdNo"]) == ("周九", IDS["孙八"], "H7")


async def test_notifications_say_who_was_told_and_every_attempt(
    county: dict[str, Any],  # noqa: F811  # the fixture imported above
    token: Callable[..., str],
) -> None:
    pool: asyncpg.Pool = county["pool"]
    await red_flags.run(pool, since=date(2026, 1, 1), until=date(2026, 11, 20))
    flaky = Flaky()
    for _ in range(10):  # each failure waits its backoff: let time pass until nothing is pending
        await notifications.deliver(pool, sender=flaky, batch=1000)
        if not await pool.fetchval(
            "UPDATE notifications SET next_attempt_at = now() WHERE status = 'pending' RETURNING 1"
        ):
            break
    client: httpx.AsyncClient = county["client"]
    discipline = token("discipline")

    body = await post(client, discipline, FLAGS, {"filter": {"rule": "PAID_AFTER_DEATH"}})
    [card] = body["data"]["cards"]["nodes"]
    assert card["notifications"], card
    for n in card["notifications"]:
        assert (n["status"], n["channel"], n["attemptCount"]) == ("DELIVERED", "webhook", 2)
        assert [(a["ok"], a["error"]) for a in n["attempts"]] == [
            (False, "ConnectionError: 网关无响应"),
            (True, None),
        ]

    listing = """
    query($filter: NotificationFilter, $after: String) {
      notifications(filter: $filter, first: 2, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } nodes { id cardId recipient status }
      }
    }
    """
    one_card = await post(client, discipline, listing, {"filter": {"cardId": card["id"]}})
    page = one_card["data"]["notifications"]
    assert page["totalCount"] == len(card["notifications"])
    assert {n["cardId"] for n in page["nodes"]} == {card["id"]}
    delivered = await post(client, discipline, listing, {"filter": {"status": "DELIVERED"}})
    assert delivered["data"]["notifications"]["totalCount"] == await pool.fetchval(
        "SELECT count(*) FROM notifications WHERE status = 'delivered'"
    )
    pending = await post(client, discipline, listing, {"filter": {"status": "PENDING"}})
    assert pending["data"]["notifications"]["totalCount"] == 0
    bad = await post(client, discipline, listing, {"filter": {"status": "SENT"}})
    assert bad["errors"] and any("\u4e00" <= ch <= "\u9fff" for ch in bad["errors"][0]["message"])
    recipient = page["nodes"][0]["recipient"]
    by_recipient = await post(client, discipline, listing, {"filter": {"recipient": recipient}})
    assert {n["recipient"] for n in by_recipient["data"]["notifications"]["nodes"]} == {recipient}
    # Another department sees none of them.
    other = await pool.fetchval(
        "SELECT code FROM departments WHERE code <> $1 ORDER BY id LIMIT 1", county["dept"]
    )
    theirs = await post(client, token("department", other, f"{other}-0001"), listing)
    assert theirs["data"]["notifications"]["totalCount"] == 0
