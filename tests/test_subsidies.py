"""Subsidy funds for a small county loaded through the CSV path: the four monitoring points, every
red flag once (and none for the clean household), the real-name lookup, notice lists,
aggregates and the audit of unmasked reads."""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import date
from typing import Any

import asyncpg
import httpx
import pytest

from api.app import create_app
from api.settings import Settings
from db import audit
from domain.identity import check_char
from domain.supervision import RULE_LABELS
from schema.pagination import encode_cursor
from schema.subsidies import LOOKUP_FLOOR_S
from services import red_flags, subsidy_load
from tests.conftest import ACCESS_REASON, ROOT, Server, running


def person(birth: str, serial: int) -> str:
    first17 = f"510799{birth}{serial:03d}"
    return first17 + check_char(first17)


IDS = {
    name: person(f"19{60 + n:02d}0{n % 9 + 1}1{n % 9}", 100 + n)
    for n, name in enumerate(["张三", "李四", "王五", "赵六", "钱七", "孙八", "周九", "吴十"])
}


@pytest.fixture
async def county(server: Server, template: str, settings: Settings) -> AsyncIterator[dict[str, Any]]:
    name = await server.clone(template)
    url = server.url(name)
    conn = await asyncpg.connect(url)
    dept = await conn.fetchrow("SELECT id, code FROM departments ORDER BY id LIMIT 1")
    assert dept is not None
    township = await conn.fetchval("SELECT code FROM regions WHERE level = 2 ORDER BY code LIMIT 1")
    villages = [
        r["code"]
        for r in await conn.fetch("SELECT code FROM regions WHERE parent_code = $1 ORDER BY code", township)
    ]
    funds = (
        "code,name,fund_type,purpose,policy_basis,standard_yuan,standard_unit\n"
        "T-DB,测试低保金,minimum_living,基本生活保障,《社会救助暂行办法》,500.00,person_month\n"
        "T-TK,测试特困供养金,extreme_poverty,基本生活保障,《社会救助暂行办法》,800.00,person_month\n"
        "T-GD,测试耕地地力保护补贴,farmland,耕地保护,农业农村部文件,100.00,mu_year\n"
        "T-JZ,测试自然灾害救助,disaster_relief,灾害救助,《自然灾害救助条例》,1000.00,once\n"
        "T-XX,坏行,nonsense,x,x,1,person_month\n"
    )
    report = await subsidy_load.load_funds(conn, text=funds, department_id=dept["id"])
    assert (report.applied, [p.line for p in report.problems]) == (4, [6])
    v1, v2 = villages[0], villages[1]
    households = (
        "household_no,village_code,address,land_mu,name,id_number,relation,deceased_on\n"
        + "".join(
            [
                f"H1,{v1},桐溪县城关镇一村1组1号,5,张三,{IDS['张三']},户主,\n",
                f"H2,{v1},桐溪县城关镇一村1组2号,0,李四,{IDS['李四']},户主,2026-05-01\n",
                f"H3,{v1},桐溪县城关镇一村1组3号,0,王五,{IDS['王五']},户主,\n",
                f"H4,{v1},桐溪县城关镇一村1组4号,0,赵六,{IDS['赵六']},户主,\n",
                f"H5,{v2},桐溪县城关镇二村2组5号,2,钱七,{IDS['钱七']},户主,\n",
                f"H6,{v2},桐溪县城关镇二村2组6号,0,孙八,{IDS['孙八']},户主,\n",
                f"H7,{v2},桐溪县城关镇二村2组7号,0,周九,{IDS['孙八']},户主,\n",  # one ID, two people
                f"H8,{v2},桐溪县城关镇二村2组8号,0,吴十,{IDS['吴十']},户主,\n",
                f"H9,{v2},桐溪县城关镇二村2组9号,0,郑甲,{IDS['吴十'][:-1]}{'0' if IDS['吴十'][-1] != '0' else '1'},户主,\n",
                f"H9,{v2},桐溪县城关镇二村2组9号,0,郑乙,{IDS['张三']},子女,\n",  # refused with its household
                f"H10,999999999999,不存在的村,0,某人,{IDS['张三']},户主,\n",
            ]
        )
    )
    report = await subsidy_load.load_households(conn, text=households)
    assert report.applied == 8
    assert {(p.line, p.code) for p in report.problems} == {
        (10, "INVALID_ID_NUMBER"),
        (11, "HOUSEHOLD_REFUSED"),
        (12, "UNKNOWN_VILLAGE"),
    }
    # Legacy data loaded before the checks existed: a member with a broken ID number.
    legacy = await conn.fetchval("SELECT id FROM households WHERE household_no = 'H8'")
    await conn.execute(
        "INSERT INTO household_members (household_id, name, id_number, relation) VALUES ($1, '吴小', $2, '子女')",
        legacy,
        IDS["吴十"][:-1] + ("0" if IDS["吴十"][-1] != "0" else "1"),
    )
    # The registry: 王五 is the declared relative of a village cadre.
    official = await conn.fetchval(
        "INSERT INTO officials (name, id_number, kind, village_code, position)"
        " VALUES ('王大', $1, 'village_cadre', $2, '村委会主任') RETURNING id",
        person("19580101", 999),
        v1,
    )
    await conn.execute(
        "INSERT INTO official_relatives (official_id, name, id_number, relation) VALUES ($1, '王五', $2, '兄弟')",
        official,
        IDS["王五"],
    )

    def line(
        batch: str,
        fund: str,
        period: str,
        stage: str,
        on: str,
        amount: str,
        hh: str = "",
        who: str = "",
        form: str = "",
        mu: str = "",
    ) -> str:  # a table, one row a line
        return f"{batch},{fund},{township},{period},{stage},{on},{amount},{hh},{IDS[who] if who else ''},{form},{mu},W-01\n"

    money = "batch_no,fund_code,township_code,period,stage,stage_on,amount_yuan,household_no,id_number,form,land_mu,recorded_by\n"
    rows = [
        line("B1", "T-DB", "2026-06-01", "plan", "2026-06-01", "2500"),
        line("B1", "T-DB", "2026-06-01", "approval", "2026-06-02", "2500"),
        line("B1", "T-DB", "2026-06-01", "allocation", "2026-06-03", "2500"),
        line(
            "B1", "T-DB", "2026-06-01", "disbursement", "2026-06-05", "500", "H2", "李四", "card"
        ),  # after death
        line(
            "B1", "T-DB", "2026-06-01", "disbursement", "2026-06-05", "500", "H3", "王五", "card"
        ),  # a cadre's relative
        line("B1", "T-DB", "2026-06-01", "disbursement", "2026-06-05", "500", "H4", "赵六", "card"),
        line(
            "B1", "T-DB", "2026-06-01", "disbursement", "2026-06-05", "500", "H6", "孙八", "cash"
        ),  # shared ID
        line("B2", "T-TK", "2026-06-01", "plan", "2026-06-01", "800"),
        line("B2", "T-TK", "2026-06-01", "approval", "2026-06-02", "800"),
        line("B2", "T-TK", "2026-06-01", "allocation", "2026-06-03", "800"),
        line(
            "B2", "T-TK", "2026-06-01", "disbursement", "2026-06-05", "800", "H4", "赵六", "card"
        ),  # same purpose twice
        line("B3", "T-GD", "2026-04-01", "plan", "2026-04-01", "1000"),
        line("B3", "T-GD", "2026-04-01", "approval", "2026-04-02", "1000"),
        line("B3", "T-GD", "2026-04-01", "allocation", "2026-04-03", "1000"),
        line(
            "B3", "T-GD", "2026-04-01", "disbursement", "2026-04-07", "500", "H1", "张三", "card", "5"
        ),  # clean
        line(
            "B3", "T-GD", "2026-04-01", "disbursement", "2026-04-07", "500", "H5", "钱七", "card", "5"
        ),  # holds 2
        line("B4", "T-JZ", "2026-07-01", "plan", "2026-07-01", "1000"),
        line("B4", "T-JZ", "2026-07-01", "approval", "2026-07-02", "1000"),
        line("B4", "T-JZ", "2026-07-01", "allocation", "2026-07-03", "1000"),
        line(
            "B4", "T-JZ", "2026-07-01", "disbursement", "2026-07-09", "1000", "H8", "吴十", "card"
        ),  # 4 days > 2
        line("B5", "T-DB", "2026-07-01", "plan", "2026-07-01", "500"),
        line(
            "B5", "T-DB", "2026-07-01", "disbursement", "2026-07-02", "500", "H1", "张三", "card"
        ),  # out of order
        line(
            "B1", "T-DB", "2026-06-01", "disbursement", "2026-06-05", "abc", "H1", "张三", "card"
        ),  # not a number
        line(
            "B1", "T-DB", "2026-06-01", "disbursement", "2026-06-05", "500", "H4", "赵六", "card"
        ),  # exact repeat
    ]
    parsed, header = subsidy_load.rows_of(money + "".join(rows), subsidy_load.MONEY_COLUMNS)
    assert header == []
    applied, refused = await subsidy_load.record_money(conn, rows=parsed, department_id=dept["id"])
    assert [(p.line, p.code) for p in refused] == [(23, "STAGE_OUT_OF_ORDER"), (24, "INVALID_ROW")]
    assert [a.line for a in applied if a.what == "repeat"] == [25]
    pool = await asyncpg.create_pool(url, min_size=1, max_size=2)
    await conn.close()
    app = create_app(replace(settings, today=date(2026, 11, 20)), database_url=url)
    async with running(app) as client:
        yield {
            "url": url,
            "pool": pool,
            "dept": dept["code"],
            "client": client,
            "township": township,
            "v1": v1,
        }
    await pool.close()
    await server.drop(name)


async def cards_by_person(pool: asyncpg.Pool) -> dict[str, set[str]]:
    rows = await pool.fetch(
        "SELECT m.name, c.rule_code FROM cards c JOIN household_members m ON m.id = c.member_id"
        " JOIN households h ON h.id = m.household_id WHERE h.household_no ~ '^H[0-9]+$'"
    )
    found: dict[str, set[str]] = {}
    for r in rows:
        found.setdefault(r["name"], set()).add(r["rule_code"])
    return found


async def test_every_red_flag_fires_once_and_the_clean_household_none(county: dict[str, Any]) -> None:
    pool = county["pool"]
    first = await red_flags.run(pool, since=date(2026, 1, 1), until=date(2026, 11, 20))
    assert first.total >= 6
    flagged = await cards_by_person(pool)
    assert flagged == {
        "李四": {"PAID_AFTER_DEATH"},
        "王五": {"BENEFICIARY_IS_OFFICIAL"},
        "赵六": {"DUPLICATE_BENEFIT"},
        "钱七": {"ABOVE_STANDARD"},
        "孙八": {"INVALID_OR_SHARED_ID"},
        "吴十": {"LATE_DISBURSEMENT"},
    }
    assert "张三" not in flagged
    again = await red_flags.run(pool, since=date(2026, 1, 1), until=date(2026, 11, 20))
    assert again.total == 0  # re-running a period raises nothing twice
    notified = await pool.fetchval(
        "SELECT count(DISTINCT n.card_id) FROM notifications n JOIN cards c ON c.id = n.card_id WHERE c.case_id IS NULL"
    )
    assert notified >= 6


async def test_paying_the_legacy_member_flags_the_invalid_id(
    county: dict[str, Any], token: Callable[..., str]
) -> None:
    """Through the API: a disbursement recorded for a member whose ID number is broken."""
    pool = county["pool"]
    bad = await pool.fetchval("SELECT id_number FROM household_members WHERE name = '吴小'")
    mutation = """
    mutation($records: [MoneyRecordInput!]!) { recordSubsidyMoney(records: $records) {
      applied duplicates refused alertsRaised results { index outcome code message } } }
    """
    base = {"batchNo": "B6", "fundCode": "T-DB", "townshipCode": county["township"], "period": "2026-08-01"}
    records = [
        {**base, "stage": "plan", "stageOn": "2026-08-03", "amountYuan": "500"},
        {**base, "stage": "approval", "stageOn": "2026-08-04", "amountYuan": "500"},
        {**base, "stage": "allocation", "stageOn": "2026-08-05", "amountYuan": "500"},
        {
            **base,
            "stage": "disbursement",
            "stageOn": "2026-08-06",
            "amountYuan": "500",
            "householdNo": "H8",
            "idNumber": bad,
            "form": "card",
        },
    ]
    headers = {"Authorization": f"Bearer {token('department', county['dept'], 'W-01')}"}
    body = (
        await county["client"].post(
            "/graphql", json={"query": mutation, "variables": {"records": records}}, headers=headers
        )
    ).json()
    result = body["data"]["recordSubsidyMoney"]
    assert (result["applied"], result["refused"]) == (4, 0)
    assert result["alertsRaised"] >= 1
    assert "INVALID_OR_SHARED_ID" in (await cards_by_person(pool))["吴小"]


LOOKUP = (ROOT / "public_queries" / "household_subsidies.graphql").read_text(encoding="utf-8")


async def test_real_name_lookup_answers_misses_and_mismatches_alike(county: dict[str, Any]) -> None:
    client: httpx.AsyncClient = county["client"]

    async def look(name: str, id_number: str) -> dict[str, Any]:
        response = await client.post(
            "/graphql", json={"query": LOOKUP, "variables": {"name": name, "idNumber": id_number}}
        )
        return dict(response.json())

    found = await look("张三", IDS["张三"])
    [record] = found["data"]["householdSubsidies"]["nodes"]
    assert record == {
        "fundName": "测试耕地地力保护补贴",
        "standard": "100.00元/亩·年",
        "beneficiary": "张**",
        "period": "2026-04-01",
        "disbursedOn": "2026-04-07",
        "form": "一卡通",
        "address": "桐溪县城关镇",
        "amountYuan": "500.00",
    }
    mismatch = await look("张四", IDS["张三"])
    miss = await look("张三", person("19990101", 555))
    assert mismatch == miss
    assert miss["errors"][0]["extensions"]["code"] == "NO_SUBSIDY_RECORD"


async def test_a_match_and_a_miss_leave_no_sooner_than_the_floor_and_at_the_same_time(
    county: dict[str, Any],
) -> None:
    client: httpx.AsyncClient = county["client"]
    await _give_many_payments(county["pool"], "张三", 150)  # a full page to shape, for the match

    async def took(name: str) -> float:
        started = time.perf_counter()
        body = (
            await client.post(
                "/graphql",
                json={"query": LOOKUP, "variables": {"name": name, "idNumber": IDS["张三"], "first": 100}},
            )
        ).json()
        assert ("errors" in body) == (name != "张三")
        return time.perf_counter() - started

    # The answer waits at the HTTP edge once it is whole: shaping a hundred records after the
    # floor would tell a match from a wrong name (by about 7 ms here when the resolver slept).
    matches, misses = [], []
    for _ in range(7):
        matches.append(await took("张三"))
        misses.append(await took("张四"))
    assert min(matches + misses) >= LOOKUP_FLOOR_S
    assert abs(statistics.median(matches) - statistics.median(misses)) < 0.005


async def test_strangers_wrong_names_stop_name_guessing_but_never_lock_out_the_owner(
    county: dict[str, Any], token: Callable[..., str]
) -> None:
    client: httpx.AsyncClient = county["client"]

    async def look(name: str, *, stranger: int) -> httpx.Response:
        return await client.post(
            "/graphql",
            json={"query": LOOKUP, "variables": {"name": name, "idNumber": IDS["钱七"]}},
            headers={"X-Forwarded-For": f"203.0.113.{stranger}"},  # not believed: one address
        )

    wrong = [await look(f"钱{n}", stranger=n) for n in range(6)]
    codes = [r.json()["errors"][0]["extensions"]["code"] for r in wrong]
    assert codes == ["NO_SUBSIDY_RECORD"] * 5 + ["RATE_LIMITED"]
    assert wrong[5].status_code == 429 and int(wrong[5].headers["retry-after"]) > 0
    owner = await look("钱七", stranger=99)
    assert owner.status_code == 200
    assert owner.json()["data"]["householdSubsidies"]["nodes"]
    aliased = "query($n: String!, $i: String!) { a: householdSubsidies(name: $n, idNumber: $i) { nodes { amountYuan } } }"
    body = (
        await client.post(
            "/graphql",
            json={"query": aliased, "variables": {"n": "张三", "i": IDS["张三"]}},
            headers={"Authorization": f"Bearer {token('discipline')}"},
        )
    ).json()
    assert body["errors"][0]["extensions"]["code"] == "LOOKUP_NOT_ALONE"


async def test_statistics_and_notice_lists_follow_one_disclosure_rule_per_fund(
    county: dict[str, Any],
) -> None:
    client: httpx.AsyncClient = county["client"]
    aggregates = (ROOT / "public_queries" / "subsidy_aggregates.graphql").read_text(encoding="utf-8")
    notice = (ROOT / "public_queries" / "notice_list.graphql").read_text(encoding="utf-8")
    by_village = {
        "year": 2026,
        "townshipCode": county["township"],
        "byVillage": True,
        "byMonth": True,
        "fundCode": "T-DB",
    }
    listing = {"villageCode": county["v1"], "fundCode": "T-DB", "period": "2026-06-01"}

    async def june_cells() -> list[dict[str, Any]]:
        body = (await client.post("/graphql", json={"query": aggregates, "variables": by_village})).json()
        assert body["data"]["subsidyAggregates"]["minGroupSize"] == 5
        cells: list[dict[str, Any]] = body["data"]["subsidyAggregates"]["cells"]
        return [c for c in cells if c["period"] == "2026-06-01"]

    # 低保 is a notice fund: its June list in village 1 names three people, and the statistics
    # say the same three (withholding them would hide nothing the list does not show).
    listed = (await client.post("/graphql", json={"query": notice, "variables": listing})).json()
    assert len(listed["data"]["noticeList"]["nodes"]) == 3
    cell = next(c for c in await june_cells() if c["regionCode"] == county["v1"])
    assert (cell["withheld"], cell["beneficiaries"]) == (False, 3)
    # Made a fund that lists no one, the same groups of 3 and 1 are withheld, and there is no list.
    await county["pool"].execute("UPDATE funds SET disclosure = 'aggregate' WHERE code = 'T-DB'")
    # The public's kept answers give way once the change is heard (a NOTIFY, just after the commit).
    for _ in range(250):
        june = await june_cells()
        if all(c["withheld"] for c in june):
            break
        await asyncio.sleep(0.02)
    assert june
    assert all(c["withheld"] and c["amountYuan"] is None and c["beneficiaries"] is None for c in june)
    refused = (await client.post("/graphql", json={"query": notice, "variables": listing})).json()
    assert refused["errors"][0]["extensions"]["code"] == "NOT_NOTICE_LISTED"


async def test_notice_list_is_masked_for_the_public_and_audited_for_the_department(
    county: dict[str, Any], token: Callable[..., str]
) -> None:
    query = (ROOT / "public_queries" / "notice_list.graphql").read_text(encoding="utf-8")
    variables = {"villageCode": county["v1"], "fundCode": "T-DB", "period": "2026-06-01"}
    client: httpx.AsyncClient = county["client"]
    public = (await client.post("/graphql", json={"query": query, "variables": variables})).json()
    names = [n["name"] for n in public["data"]["noticeList"]["nodes"]]
    assert sorted(names) == ["李**", "王**", "赵**"]
    assert all(n["idNumber"].count("*") == 8 for n in public["data"]["noticeList"]["nodes"])
    headers = {"Authorization": f"Bearer {token('department', county['dept'], 'W-07')}", **ACCESS_REASON}
    own = (
        await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    ).json()
    assert sorted(n["name"] for n in own["data"]["noticeList"]["nodes"]) == ["李四", "王五", "赵六"]
    async with county["pool"].acquire() as conn:
        rows = await conn.fetch("SELECT actor, operation, record_type FROM audit_log WHERE actor = 'W-07'")
        assert len(rows) == 3 and {r["record_type"] for r in rows} == {"payment"}
        assert {r["operation"] for r in rows} == {"NoticeList"}
        assert (await audit.verify(conn)).ok


async def test_the_supervision_worker_raises_late_disbursements_as_time_passes(
    county: dict[str, Any],
) -> None:
    """A batch allocated and not yet paid out: no flag while within its working days, one after."""
    from api.workers import run_sweep

    pool = county["pool"]
    async with pool.acquire() as conn:
        rows, _ = subsidy_load.rows_of(
            "batch_no,fund_code,township_code,period,stage,stage_on,amount_yuan\n"
            + "".join(
                f"B9,T-DB,{county['township']},2026-11-01,{stage},{day},500\n"
                for stage, day in (
                    ("plan", "2026-11-02"),
                    ("approval", "2026-11-03"),
                    ("allocation", "2026-11-04"),
                )
            ),
            subsidy_load.MONEY_COLUMNS,
        )
        applied, refused = await subsidy_load.record_money(
            conn,
            rows=rows,
            department_id=await conn.fetchval("SELECT department_id FROM funds WHERE code = 'T-DB'"),
        )
        assert (len(applied), refused) == (3, [])
        member = await conn.fetchrow(
            "SELECT m.id, m.household_id, h.village_code FROM household_members m"
            " JOIN households h ON h.id = m.household_id WHERE m.name = '张三'"
        )
        batch = await conn.fetchval("SELECT id FROM payment_batches WHERE batch_no = 'B9'")
        fund = await conn.fetchval("SELECT id FROM funds WHERE code = 'T-DB'")
        await conn.execute(
            "INSERT INTO payments (year, payment_no, batch_id, fund_id, household_id, member_id, village_code, period,"
            " amount_yuan) VALUES (2026, 'B9-1', $1, $2, $3, $4, $5, '2026-11-01', 500)",
            batch,
            fund,
            member["household_id"],
            member["id"],
            member["village_code"],
        )
    # allocated Wed Nov 4; five working days: Nov 5, 6, 9, 10, 11
    await run_sweep(pool, today=date(2026, 11, 11))
    assert "LATE_DISBURSEMENT" not in (await cards_by_person(pool)).get("张三", set())
    await run_sweep(pool, today=date(2026, 11, 12))
    assert "LATE_DISBURSEMENT" in (await cards_by_person(pool))["张三"]


def test_every_rule_has_a_chinese_label() -> None:
    migrations = "".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "migrations" / "versions").glob("*.py")
    )
    codes = set(re.findall(r"\(\s*'([A-Z_]+)',\s*'(?:yellow|red)'", migrations))
    assert codes
    assert codes <= set(RULE_LABELS)


async def _pages(client: httpx.AsyncClient, name: str, id_number: str, first: int) -> list[dict[str, Any]]:
    """Every page of one's lookup, following endCursor; the answers as they came."""
    pages: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        variables = {"name": name, "idNumber": id_number, "first": first, "after": after}
        body = (await client.post("/graphql", json={"query": LOOKUP, "variables": variables})).json()
        assert "errors" not in body, body
        page = body["data"]["householdSubsidies"]
        pages.append(page)
        if not page["pageInfo"]["hasNextPage"]:
            return pages
        after = page["pageInfo"]["endCursor"]


async def _give_many_payments(pool: asyncpg.Pool, name: str, count: int) -> None:
    """``count`` more disbursed payments to ``name``'s household over the lookup's three years,
    several in each month, each of a different amount (1 to ``count`` yuan)."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO payments (year, payment_no, batch_id, fund_id, household_id, member_id,"
            " village_code, period, amount_yuan)"
            " SELECT extract(year FROM x.period)::smallint, 'PAGE-' || n, p.batch_id, p.fund_id,"
            "        p.household_id, p.member_id, p.village_code, x.period, n"
            " FROM (SELECT p.* FROM payments p JOIN household_members m ON m.id = p.member_id"
            "       WHERE m.name = $1 LIMIT 1) p,"
            "      generate_series(1, $2) n,"
            "      LATERAL (SELECT (date '2024-01-01' + (n % 35) * interval '1 month')::date AS period) x",
            name,
            count,
        )
        await conn.execute(
            "INSERT INTO disbursements (year, payment_id, disbursed_on, amount_yuan, form, recorded_by)"
            " SELECT year, id, period + 5, amount_yuan, 'card', 'W-01' FROM payments"
            " WHERE payment_no LIKE 'PAGE-%'"
        )


async def test_the_lookup_pages_past_two_hundred_payments_newest_first_without_gaps_or_repeats(
    county: dict[str, Any],
) -> None:
    await _give_many_payments(county["pool"], "张三", 250)
    pages = await _pages(county["client"], "张三", IDS["张三"], first=100)
    assert [len(p["nodes"]) for p in pages] == [100, 100, 51]
    records = [record for page in pages for record in page["nodes"]]
    # Every amount once: the 250 added (1 to 250 yuan) and the farmland subsidy of 500 yuan.
    assert sorted(float(r["amountYuan"]) for r in records) == [*range(1, 251), 500]
    periods = [r["period"] for r in records]
    assert periods == sorted(periods, reverse=True)
    assert {r["beneficiary"] for r in records} == {"张**"}


async def test_a_cursor_past_every_payment_answers_as_a_miss(county: dict[str, Any]) -> None:
    client: httpx.AsyncClient = county["client"]
    [page] = await _pages(client, "张三", IDS["张三"], first=1)
    past = encode_cursor("1900-01-01/0")

    async def look(name: str, id_number: str) -> dict[str, Any]:
        variables = {"name": name, "idNumber": id_number, "after": past}
        response = await client.post("/graphql", json={"query": LOOKUP, "variables": variables})
        return dict(response.json())

    assert page["nodes"]  # the owner has a payment; past it, nothing tells them from a stranger
    owner, stranger = await look("张三", IDS["张三"]), await look("张四", IDS["张三"])
    assert owner == stranger
    assert owner["errors"][0]["extensions"]["code"] == "NO_SUBSIDY_RECORD"


async def test_a_lookup_cursor_not_written_by_the_api_is_refused(county: dict[str, Any]) -> None:
    client: httpx.AsyncClient = county["client"]
    for cursor in (
        "nonsense",
        encode_cursor("2026-06-01/x"),
        encode_cursor("2026-13-01/1"),
        encode_cursor("2026-06-01/" + "9" * 30),
    ):
        variables = {"name": "张三", "idNumber": IDS["张三"], "after": cursor}
        body = (await client.post("/graphql", json={"query": LOOKUP, "variables": variables})).json()
        assert body["errors"][0]["extensions"]["code"] == "INVALID_CURSOR", cursor
