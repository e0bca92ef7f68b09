"""The reference public app at ``/`` walked as citizens walk it, in real headless Chromium, on the
kiosk (1080×1920, ``?mode=kiosk``) and on a WeChat phone (375×812), against a demo county of its
own: search the power list and read a guide with its map, follow a case to its current step and rate
a completed one, file and track a complaint, look up a household's subsidies, read a village's
notice list, the fund statistics and the department ranking.

Every page fails its test on a console error, a failed request, a request to any other host
(tests/browsing.py) or personal data shown unmasked; the kiosk's text and touch targets are
measured, and its return home after 90 s idle is run on Chromium's own clock."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
from playwright.async_api import Browser, Locator, Page, expect

from api.settings import Settings
from api.static_files import WEB_DIR
from demo import seed_cases, seed_subsidies
from demo.cases import demo_query_code
from tests.browsing import KIOSK, LAYOUTS, PHONE, Browsing, Layout, shot, watching
from tests.conftest import TEST_SEED, Server
from tests.serving import serving

ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
MASKED_ID = re.compile(r"\d{6}\*{8}[\dX]{4}")


@dataclass(frozen=True)
class Keys:
    """Real keys of the test county, one set per layout so the two walks do not meet."""

    open_case: str  # in progress, with a current step on its power's map
    completed_cases: tuple[str, str]  # completed, not yet rated
    person: tuple[str, str]  # a name and ID number of a household paid more than a page (50) of times
    notice: tuple[str, str, str, str]  # township, village, fund code and month with a notice list


@pytest.fixture(scope="module")
async def county(server: Server, template: str) -> AsyncIterator[str]:
    """The demo county with cases and subsidies, of this module's own: the walks rate cases and
    file complaints."""
    name = await server.clone(template)
    conn = await asyncpg.connect(server.url(name))
    try:
        await seed_cases(conn, seed=TEST_SEED, scale=0.01)
        await seed_subsidies(conn, seed=TEST_SEED, scale=0.01)
    finally:
        await conn.close()
    yield server.url(name)
    await server.drop(name)


@pytest.fixture(scope="module")
async def keys(county: str) -> Keys:
    conn = await asyncpg.connect(county)
    try:
        open_case = await conn.fetchval(
            """SELECT c.case_no FROM cases c JOIN case_steps s ON s.case_id = c.id
               WHERE c.completed_at IS NULL AND s.finished_at IS NULL ORDER BY c.case_no LIMIT 1"""
        )
        completed = await conn.fetch(
            """SELECT c.case_no FROM cases c WHERE c.state = 11
               AND NOT EXISTS (SELECT 1 FROM case_ratings r WHERE r.case_id = c.id)
               ORDER BY c.case_no DESC LIMIT 2"""
        )
        person = await conn.fetchrow(
            """SELECT m.name, m.id_number FROM household_members m
               JOIN (SELECT household_id FROM payments GROUP BY household_id
                     HAVING count(*) > 50 ORDER BY count(*) DESC, household_id LIMIT 1) h
               USING (household_id) ORDER BY m.id LIMIT 1"""
        )
        notice = await conn.fetchrow(
            """SELECT substr(p.village_code, 1, 9) AS township, p.village_code, f.code,
                      to_char(p.period, 'YYYY-MM') AS month
               FROM payments p JOIN funds f ON f.id = p.fund_id
               WHERE f.disclosure = 'notice' ORDER BY p.period DESC, p.id LIMIT 1"""
        )
    finally:
        await conn.close()
    assert open_case and len(completed) == 2 and person and notice
    return Keys(
        open_case=open_case,
        completed_cases=(completed[0]["case_no"], completed[1]["case_no"]),
        person=(person["name"], person["id_number"]),
        notice=(notice["township"], notice["village_code"], notice["code"], notice["month"]),
    )


@pytest.fixture(scope="module")
async def app_site(settings: Settings, county: str) -> AsyncIterator[str]:
    async with serving(county, Path(settings.data_dir), ANONYMOUS_PER_MINUTE="1000000") as served:
        yield str(served.client.base_url).rstrip("/")


@pytest.fixture
async def watched(browser: Browser, app_site: str, request: pytest.FixtureRequest) -> AsyncIterator[Browsing]:
    async with watching(browser, app_site, request.node.name) as pages:
        yield pages


def start(layout: Layout, hash_route: str = "") -> str:
    return ("/?mode=kiosk" if layout is KIOSK else "/") + hash_route


async def open_app(watched: Browsing, layout: Layout, hash_route: str = "") -> Page:
    page = await watched.new_page(layout)
    await page.goto(start(layout, hash_route))
    await expect(page.locator("main h1").first).to_be_visible()
    return page


async def drawn(image: Locator) -> None:
    """The image has arrived and been decoded (a map is at least a phone's width)."""
    handle = await image.element_handle()
    await image.page.wait_for_function("img => img.complete && img.naturalWidth > 300", arg=handle)


async def nothing_personal(page: Page) -> None:
    """No ID number and no mobile number anywhere on screen, in text or in a field."""
    shown = await page.evaluate(
        """() => document.body.innerText + '\\n' +
             Array.from(document.querySelectorAll('input, textarea')).map(e => e.value).join('\\n')"""
    )
    assert not ID_NUMBER.search(shown), ID_NUMBER.search(shown)
    assert not MOBILE.search(shown), MOBILE.search(shown)


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda layout: layout.name)
async def test_a_citizen_searches_the_power_list_and_reads_a_guide_with_its_map(
    watched: Browsing, layout: Layout
) -> None:
    page = await open_app(watched, layout)
    await page.get_by_role("link", name=re.compile("^权力清单")).first.click()
    await page.locator("input[name=keyword]").fill("食品")
    await page.get_by_role("button", name="搜索").click()
    await expect(page.locator(".count")).to_contain_text("共")
    first = page.locator("ul.list a.item").first
    await expect(first).to_contain_text("食品")
    await shot(page, f"app-{layout.name}-power-search")
    await first.click()
    for heading in ("办事指南", "受理条件", "申请材料", "流程图"):
        await expect(page.get_by_role("heading", name=heading)).to_be_visible()
    image = page.locator("figure.map img")
    await expect(image).to_have_attribute("src", re.compile(rf"layout={layout.name}"))
    await image.scroll_into_view_if_needed()
    await drawn(image)
    await shot(page, f"app-{layout.name}-power-detail", full_page=True)
    await nothing_personal(page)


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda layout: layout.name)
async def test_a_citizen_follows_a_case_to_its_current_step_and_rates_a_completed_one(
    watched: Browsing, keys: Keys, layout: Layout
) -> None:
    page = await open_app(watched, layout, "#/case")
    await page.locator("input[name=caseNo]").fill(keys.open_case)
    await page.locator("input[name=queryCode]").fill(demo_query_code(TEST_SEED, keys.open_case))
    await page.get_by_role("button", name="查询进度").click()
    await expect(page.get_by_role("heading", name="办理过程")).to_be_visible()
    await expect(page.locator(".timeline li.current")).not_to_have_count(0)
    image = page.locator("figure.map img")
    await expect(image).to_have_attribute("src", re.compile(r"current=[^&]+"))
    await image.scroll_into_view_if_needed()
    await drawn(image)
    await shot(page, f"app-{layout.name}-case-in-progress", full_page=True)
    await nothing_personal(page)

    completed = keys.completed_cases[LAYOUTS.index(layout)]
    await page.locator("input[name=caseNo]").fill(completed)
    await page.locator("input[name=queryCode]").fill(demo_query_code(TEST_SEED, completed))
    await page.get_by_role("button", name="查询进度").click()
    await expect(page.get_by_role("heading", name="好差评")).to_be_visible()
    await page.get_by_label("满意", exact=True).check()
    await page.get_by_role("button", name="提交评价").click()
    await expect(page.get_by_role("status")).to_contain_text("已收到您的评价：满意")
    await shot(page, f"app-{layout.name}-case-rated", full_page=True)


async def test_a_wrong_receipt_code_is_told_in_chinese_and_shows_nothing_of_the_case(
    watched: Browsing, keys: Keys
) -> None:
    watched.allow(r"(HTTP 404|status of 404).*CaseStatus|status of 404")
    page = await open_app(watched, PHONE, "#/case")
    await page.locator("input[name=caseNo]").fill(keys.open_case)
    await page.locator("input[name=queryCode]").fill(
        "000000" if demo_query_code(TEST_SEED, keys.open_case) != "000000" else "111111"
    )
    await page.get_by_role("button", name="查询进度").click()
    alert = page.get_by_role("alert")
    await expect(alert).to_be_visible()
    assert re.search(r"[\u4e00-\u9fff]", await alert.inner_text())
    await expect(page.get_by_role("heading", name="办理过程")).to_have_count(0)


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda layout: layout.name)
async def test_a_citizen_files_a_complaint_and_tracks_it_with_the_code_shown_once(
    watched: Browsing, layout: Layout
) -> None:
    page = await open_app(watched, layout, "#/complaint")
    await page.locator("select[name=aboutRef]").select_option("SCJG")
    await page.locator("textarea[name=content]").fill("窗口多次要求补交同一份材料，请核查。")
    await page.get_by_role("button", name="提交", exact=True).click()
    receipt = page.get_by_role("status")
    await expect(receipt).to_contain_text("查询编号")
    tracking_no = (await receipt.locator("dd").nth(0).inner_text()).strip()
    tracking_code = (await receipt.locator("dd").nth(1).inner_text()).strip()
    assert re.fullmatch(r"TS\d{16}", tracking_no) and re.fullmatch(r"\d{6}", tracking_code)
    await shot(page, f"app-{layout.name}-complaint-filed", full_page=True)

    await page.get_by_role("link", name="去查询").click()
    await expect(page.locator("input[name=trackingNo]")).to_have_value(tracking_no)
    await page.locator("input[name=trackingCode]").fill(tracking_code)
    await page.get_by_role("button", name="查询", exact=True).click()
    await expect(page.locator(".complaint-status h2")).to_have_text("已提交，待受理")
    await expect(page.locator(".complaint-status")).to_contain_text("市场监督管理局")
    await shot(page, f"app-{layout.name}-complaint-tracked", full_page=True)


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda layout: layout.name)
async def test_a_household_sees_its_subsidies_masked_then_a_notice_list_and_the_statistics(
    watched: Browsing, keys: Keys, layout: Layout
) -> None:
    name, id_number = keys.person
    page = await open_app(watched, layout, "#/subsidy")
    await page.locator("input[name=name]").fill(name)
    await page.locator("input[name=idNumber]").fill(id_number)
    await page.get_by_role("button", name="查询本户补助").click()
    rows = page.locator(".out table tbody tr")
    await expect(rows).to_have_count(50)
    await page.get_by_role("button", name="加载更多").click()  # the next page, same name and number
    await expect(rows).not_to_have_count(50)
    assert await rows.count() > 50
    await expect(page.locator("input[name=idNumber]")).to_have_value("")  # not left on the screen
    shown = await page.locator("main").inner_text()
    assert id_number not in shown and name not in shown.replace(name[0] + "*", "")
    await nothing_personal(page)
    await shot(page, f"app-{layout.name}-household", full_page=True)

    township, village, fund, month = keys.notice
    await page.get_by_role("link", name="公示名单").click()
    await page.locator("select[name=township]").select_option(township)
    await expect(page.locator(f"select[name=village] option[value='{village}']")).to_have_count(1)
    await page.locator("select[name=village]").select_option(village)
    await page.locator("select[name=fund]").select_option(fund)
    await page.locator("input[name=month]").fill(month)
    await page.get_by_role("button", name="查看公示名单").click()
    entries = page.locator(".out table tbody tr")
    await expect(entries.first).to_be_visible()
    assert MASKED_ID.search(await entries.first.inner_text())
    await nothing_personal(page)
    await shot(page, f"app-{layout.name}-notice-list", full_page=True)

    await page.get_by_role("link", name="资金统计").click()
    await page.locator("select[name=year]").select_option(month[:4])
    await page.get_by_role("button", name="查看统计").click()
    await expect(page.locator("svg.chart rect").first).to_be_visible()
    await shot(page, f"app-{layout.name}-subsidy-statistics", full_page=True)


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda layout: layout.name)
async def test_the_department_ranking_is_a_chart_and_a_ranked_table(
    watched: Browsing, layout: Layout
) -> None:
    page = await open_app(watched, layout, "#/ranking?period=2026-10")
    await expect(page.locator("main table tbody tr").first).to_be_visible()
    assert await page.locator("main table tbody tr").count() > 10
    await expect(page.locator("svg.chart rect")).not_to_have_count(0)
    await shot(page, f"app-{layout.name}-ranking", full_page=True)


PAGES = (
    "",
    "#/powers?keyword=食品",
    "#/power/510799-XK-00001",
    "#/case",
    "#/complaint",
    "#/subsidy/notice",
    "#/ranking?period=2026-10",
)

# Every visible element that shows text, and every target a finger presses (a radio's target is
# its label), measured as the browser lays them out.
MEASURE = """() => {
  const visible = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 &&
    getComputedStyle(e).visibility !== 'hidden'; };
  const small = [];
  for (const e of document.querySelectorAll('body *')) {
    if (!visible(e) || e.closest('svg, noscript')) continue;
    const own = Array.from(e.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    const size = parseFloat(getComputedStyle(e).fontSize);
    if (own && size < 18) small.push(`text ${size}px: ${e.tagName} ${e.textContent.trim().slice(0, 20)}`);
  }
  for (const e of document.querySelectorAll('a, button, input, select, textarea')) {
    if (!visible(e)) continue;
    const target = (e.type === 'radio' || e.type === 'checkbox') ? e.closest('label') : e;
    const r = target.getBoundingClientRect();
    if (r.height < 48 || r.width < 48)
      small.push(`target ${Math.round(r.width)}×${Math.round(r.height)}: ${target.tagName} ` +
                 target.textContent.trim().slice(0, 20));
  }
  return small;
}"""


async def test_the_kiosk_shows_text_of_18_px_or_more_and_touch_targets_of_48_px_or_more(
    watched: Browsing,
) -> None:
    page = await watched.new_page(KIOSK)
    for route in PAGES:
        await page.goto(start(KIOSK, route))
        await expect(page.locator("main h1").first).to_be_visible()
        await page.wait_for_load_state("networkidle")
        assert await page.evaluate(MEASURE) == [], route


async def test_the_phone_layout_never_scrolls_sideways(watched: Browsing) -> None:
    page = await watched.new_page(PHONE)
    for route in PAGES:
        await page.goto(start(PHONE, route))
        await expect(page.locator("main h1").first).to_be_visible()
        await page.wait_for_load_state("networkidle")
        width = await page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE.width, (route, width)


async def test_the_kiosk_returns_home_after_90_seconds_without_a_touch(watched: Browsing) -> None:
    page = await watched.new_page(KIOSK)
    await page.clock.install()
    await page.goto(start(KIOSK, "#/case"))
    await page.locator("input[name=caseNo]").fill("20260101TEST0001")
    await page.clock.run_for(60_000)
    await expect(page.locator("main h1")).to_have_text("办件查询")  # a minute is not yet idle
    await page.clock.run_for(35_000)
    await expect(page.locator("main h1")).to_have_text("欢迎使用阳光政务")
    assert await page.evaluate("() => location.hash") in {"#/", ""}


async def test_the_app_page_names_no_other_site_and_forbids_reaching_one(app_site: str) -> None:
    async with httpx.AsyncClient(base_url=app_site) as client:
        page = await client.get("/")
    assert page.status_code == 200 and 'lang="zh-CN"' in page.text
    assert "connect-src 'self'" in page.headers["content-security-policy"]
    names_a_site = re.compile(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", re.I)
    sources = {path.name: path.read_text(encoding="utf-8") for path in (WEB_DIR / "app").iterdir()}
    sources["app.js"] = sources["app.js"].replace("http://www.w3.org/2000/svg", "")  # a name, never fetched
    assert {
        name: names_a_site.findall(text) for name, text in sources.items() if names_a_site.search(text)
    } == {}
