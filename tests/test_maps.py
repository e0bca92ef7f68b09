"""Process maps over HTTP (``/maps/<code>.svg``) for kiosks, phones and case pages: readable text
at the screen's width, a legend, the current step highlighted, validators for caches."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from api.app import create_app
from api.settings import Settings
from demo import demo_query_code
from tests.conftest import TEST_SEED, running

SVG = "{http://www.w3.org/2000/svg}"
KIOSK_WIDTH = 1000  # CSS px a portrait 1080 × 1920 kiosk shows a map at
PHONE_WIDTH = 375
PORTRAIT = 1920 / 1080


def on_screen_font(svg: ET.Element, displayed_width: int) -> float:
    """The smallest text of the drawing in CSS px when it is shown ``displayed_width`` px wide."""
    view_width = float(svg.attrib["viewBox"].split()[2])
    smallest = min(float(text.attrib["font-size"]) for text in svg.iter(f"{SVG}text"))
    return smallest * displayed_width / view_width


def aspect(svg: ET.Element) -> float:
    _, _, width, height = (float(part) for part in svg.attrib["viewBox"].split())
    return height / width


def steps_of(svg: ET.Element) -> dict[str, ET.Element]:
    return {
        group.attrib["data-key"]: group
        for group in svg.iter(f"{SVG}g")
        if "step" in group.attrib.get("class", "").split()
    }


async def longest_map(db: asyncpg.Pool) -> tuple[str, int]:
    row = await db.fetchrow(
        "SELECT p.code, count(*) AS steps FROM powers p JOIN process_steps s ON s.power_id = p.id"
        " WHERE p.status = 'published' GROUP BY p.code ORDER BY count(*) DESC, p.code LIMIT 1"
    )
    assert row is not None
    return row["code"], row["steps"]


async def get_map(client: httpx.AsyncClient, code: str, **params: str) -> ET.Element:
    response = await client.get(f"/maps/{code}.svg", params=params)
    assert response.status_code == 200, response.text
    return ET.fromstring(response.text)


LONG_NAMES = [
    "项目进场登记",
    "招标方案核准",
    "招标文件备案",
    "发布招标公告",
    "投标报名",
    "资格预审",
    "发售招标文件",
    "踏勘现场及答疑",
    "抽取评标专家",
    "开标",
    "评标",
    "中标候选人公示",
    "定标",
    "中标结果公示",
    "发出中标通知书",
    "投标保证金退还",
    "签订合同",
    "合同备案",
    "资料归档",
    "结果公开",
]
MARKUP_NAME = '审查<script>&"确认"</script>'


@pytest.fixture
async def long_map(fresh_db: str) -> tuple[str, str]:
    """A published power whose map has 22 steps: a chain, one step in a second department run in
    parallel, and a name that looks like markup. Returns (power code, second department's name)."""
    conn = await asyncpg.connect(fresh_db)
    try:
        power = await conn.fetchrow(
            "SELECT p.id, p.code, p.department_id FROM powers p WHERE p.status = 'published'"
            " AND (SELECT count(*) FROM process_steps s WHERE s.power_id = p.id) = 1 ORDER BY p.code LIMIT 1"
        )
        assert power is not None
        other = await conn.fetchrow(
            "SELECT id, short_name FROM departments WHERE id <> $1 ORDER BY id LIMIT 1",
            power["department_id"],
        )
        assert other is not None
        previous = await conn.fetchval("SELECT id FROM process_steps WHERE power_id = $1", power["id"])
        insert = (
            "INSERT INTO process_steps (power_id, key, name, post_name, department_id, limit_days, position)"
            " VALUES ($1, $2, $3, '交易中心经办人', $4, 2, $5) RETURNING id"
        )
        link = "INSERT INTO process_edges (power_id, from_step_id, to_step_id) VALUES ($1, $2, $3)"
        fork = None
        for position, name in enumerate([*LONG_NAMES, MARKUP_NAME], start=1):
            step = await conn.fetchval(
                insert, power["id"], f"x{position}", name, power["department_id"], position
            )
            await conn.execute(link, power["id"], previous, step)
            if fork is not None:
                await conn.execute(link, power["id"], fork, step)
                fork = None
            if position == 4:  # a branch in another department, joining the chain two steps on
                fork = await conn.fetchval(insert, power["id"], "parallel", "联合审查", other["id"], 99)
                await conn.execute(link, power["id"], step, fork)
            previous = step
        return power["code"], other["short_name"]
    finally:
        await conn.close()


async def test_the_longest_demo_map_reads_at_16px_on_a_kiosk_and_fits_its_portrait_screen(
    client: httpx.AsyncClient, db: asyncpg.Pool
) -> None:
    code, steps = await longest_map(db)
    svg = await get_map(client, code)
    assert len(steps_of(svg)) == steps
    assert on_screen_font(svg, KIOSK_WIDTH) >= 16
    assert aspect(svg) <= PORTRAIT
    assert svg.attrib["data-layout"] == "kiosk"


async def test_a_22_step_map_wraps_into_columns_readable_on_a_kiosk_and_reads_at_16px_on_a_phone(
    fresh_client: httpx.AsyncClient, long_map: tuple[str, str]
) -> None:
    code, _ = long_map
    kiosk = await get_map(fresh_client, code)
    assert len(steps_of(kiosk)) == 23
    assert on_screen_font(kiosk, KIOSK_WIDTH) >= 16
    assert aspect(kiosk) <= PORTRAIT
    lefts = {next(group.iter(f"{SVG}rect")).attrib["x"] for group in steps_of(kiosk).values()}
    assert len(lefts) >= 3  # columns side by side
    # Edges between columns meet at connectors of the same number, one under and one over.
    connectors = [g for g in kiosk.iter(f"{SVG}g") if "connector" in g.attrib.get("class", "").split()]
    numbers = [g.attrib["data-number"] for g in connectors]
    assert numbers and all(numbers.count(number) >= 2 for number in numbers)

    phone = await get_map(fresh_client, code, layout="phone")
    assert phone.attrib["data-layout"] == "phone"
    assert on_screen_font(phone, PHONE_WIDTH) >= 16
    assert not [g for g in phone.iter(f"{SVG}g") if "connector" in g.attrib.get("class", "").split()]


async def test_an_unknown_layout_is_refused_in_chinese_with_a_code(
    client: httpx.AsyncClient, db: asyncpg.Pool
) -> None:
    code, _ = await longest_map(db)
    response = await client.get(f"/maps/{code}.svg", params={"layout": "tablet"})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "UNKNOWN_MAP_LAYOUT"
    assert "kiosk" in error["message"] and "手机" in error["message"]


async def test_the_legend_names_every_department_of_the_map_in_chinese(
    fresh_client: httpx.AsyncClient, fresh_db: str, long_map: tuple[str, str]
) -> None:
    code, other = long_map
    conn = await asyncpg.connect(fresh_db)
    try:
        lead = await conn.fetchval(
            "SELECT d.short_name FROM powers p JOIN departments d ON d.id = p.department_id"
            " WHERE p.code = $1",
            code,
        )
    finally:
        await conn.close()
    svg = await get_map(fresh_client, code)
    [legend] = [g for g in svg.iter(f"{SVG}g") if g.attrib.get("class") == "legend"]
    labels = [text.text for text in legend.iter(f"{SVG}text")]
    assert labels[0] == "图例："
    assert lead in labels and other in labels
    assert "同号圆圈相连，流程在此接续" in labels
    swatches = [rect.attrib["fill"] for rect in legend.iter(f"{SVG}rect")]
    assert len(set(swatches)) == 2  # one colour per department


async def test_the_current_step_is_filled_tagged_and_titled_and_has_its_own_etag(
    client: httpx.AsyncClient, db: asyncpg.Pool
) -> None:
    code, _ = await longest_map(db)
    step = await db.fetchrow(
        "SELECT s.key, s.name FROM process_steps s JOIN powers p ON p.id = s.power_id"
        " WHERE p.code = $1 ORDER BY s.position DESC LIMIT 1",
        code,
    )
    assert step is not None
    key, name = step["key"], step["name"]
    plain = await client.get(f"/maps/{code}.svg")
    highlighted = await client.get(f"/maps/{code}.svg", params={"current": key})
    assert highlighted.status_code == 200
    groups = steps_of(ET.fromstring(highlighted.text))
    current = groups[key]
    assert current.attrib["class"] == "step current"
    assert current.attrib["aria-current"] == "step"
    assert current.findtext(f"{SVG}title") == f"当前环节：{name}"
    assert "当前" in [text.text for text in current.iter(f"{SVG}text")]
    fills = {k: next(g.iter(f"{SVG}rect")).attrib["fill"] for k, g in groups.items()}
    assert fills[key] not in {fill for k, fill in fills.items() if k != key}
    assert not [g for k, g in steps_of(ET.fromstring(plain.text)).items() if "current" in g.attrib["class"]]
    assert highlighted.headers["etag"] != plain.headers["etag"]
    stale = await client.get(
        f"/maps/{code}.svg", params={"current": key}, headers={"If-None-Match": plain.headers["etag"]}
    )
    assert stale.status_code == 200


async def test_an_unknown_current_step_is_refused_with_400_in_chinese(
    client: httpx.AsyncClient, db: asyncpg.Pool
) -> None:
    code, _ = await longest_map(db)
    response = await client.get(f"/maps/{code}.svg", params={"current": "no-such-step"})
    assert response.status_code == 400
    assert response.headers["cache-control"] == "no-store"
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "UNKNOWN_STEP"
    assert error["message"].startswith("流程图中没有环节“no-such-step”")


async def test_maps_carry_a_strong_etag_and_answer_304_to_if_none_match(
    client: httpx.AsyncClient, db: asyncpg.Pool
) -> None:
    code, _ = await longest_map(db)
    first = await client.get(f"/maps/{code}.svg")
    etag = first.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    assert first.headers["cache-control"].startswith("public, max-age=")
    again = await client.get(f"/maps/{code}.svg", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    weak = await client.get(f"/maps/{code}.svg", headers={"If-None-Match": f'"other", W/{etag}'})
    assert weak.status_code == 304
    assert (await client.get(f"/maps/{code}.svg", headers={"If-None-Match": '"other"'})).status_code == 200
    phone = await client.get(f"/maps/{code}.svg", params={"layout": "phone"}, headers={"If-None-Match": etag})
    assert phone.status_code == 200 and phone.headers["etag"] != etag


async def test_svg_is_escaped_well_formed_xml_with_local_fonts_and_nothing_external(
    fresh_client: httpx.AsyncClient, long_map: tuple[str, str]
) -> None:
    code, _ = long_map
    response = await fresh_client.get(f"/maps/{code}.svg", params={"current": "x21"})
    text = response.text
    svg = ET.fromstring(text)
    assert steps_of(svg)["x21"].findtext(f"{SVG}title") == f"当前环节：{MARKUP_NAME}"
    assert "<script>" not in text
    family = svg.attrib["font-family"]
    assert family.startswith('"Noto Sans CJK SC"') and family.endswith("sans-serif")
    assert "Microsoft YaHei" in family
    # No web fonts, links, images or styles from elsewhere: the one URL is the SVG namespace.
    assert re.findall(r"https?://[^\s\"'<>]+", text) == ["http://www.w3.org/2000/svg"]
    for banned in ("href", "@font-face", "@import", "<image", "<style", "<foreignObject"):
        assert banned not in text
    assert set(re.findall(r"url\(([^)]*)\)", text)) == {"#arrow"}


@pytest.fixture(scope="module")
async def case_client(settings: Settings, populated: str) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_app(settings, database_url=populated)) as client:
        yield client


async def test_a_case_page_highlights_the_cases_current_step_on_its_powers_map(
    case_client: httpx.AsyncClient, populated_db: asyncpg.Pool
) -> None:
    case = await populated_db.fetchrow(
        "SELECT c.case_no, c.current_step_key FROM cases c JOIN process_steps s"
        " ON s.power_id = c.power_id AND s.key = c.current_step_key ORDER BY c.id LIMIT 1"
    )
    assert case is not None
    case_no, key = case["case_no"], case["current_step_key"]
    answer = await case_client.get(
        "/public/CaseStatus", params={"caseNo": case_no, "queryCode": demo_query_code(TEST_SEED, case_no)}
    )
    progress = answer.json()["data"]["caseProgress"]
    assert progress["currentStepKey"] == key
    svg = await get_map(case_client, progress["power"]["code"], current=progress["currentStepKey"])
    current = steps_of(svg)[key]
    assert current.attrib["class"] == "step current"
    assert current.findtext(f"{SVG}title") == f"当前环节：{progress['currentStepName']}"
