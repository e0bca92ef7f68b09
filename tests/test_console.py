"""The officials' console at ``/console/`` walked in real headless Chromium (tests/browsing.py: any
console error, failed request or request elsewhere fails the test): a department opens its locked
case's red card, reads the evidence and explains; discipline reviews and closes it; the case is
unlocked. Then the page itself: no other site named, a policy that forbids reaching one, and the
development sign-in only in development."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import asyncpg
import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from api.app import create_app
from api.settings import Settings
from api.static_files import WEB_DIR
from tests.browsing import DESKTOP, Browsing, shot, watching
from tests.conftest import Server, county_of_its_own, running
from tests.serving import serving


@pytest.fixture(scope="module")
async def county(server: Server, template: str) -> AsyncIterator[str]:
    """A county with a year of cases of this module's own, swept by the supervision command (its
    red cards lock the cases they find late): the walk explains, returns and closes cards."""
    async with county_of_its_own(server, template, subsidies=True, swept=True) as url:
        yield url


@pytest.fixture(scope="module")
async def console_site(settings: Settings, county: str) -> AsyncIterator[str]:
    async with serving(county, Path(settings.data_dir)) as served:
        yield str(served.client.base_url).rstrip("/")


@pytest.fixture
async def watched(
    browser: Browser, console_site: str, request: pytest.FixtureRequest
) -> AsyncIterator[Browsing]:
    async with watching(browser, console_site, request.node.name) as pages:
        yield pages


async def sign_in(watched: Browsing, role: str, department: str | None = None) -> Page:
    """A page signed in through the console's own development sign-in."""
    page = await watched.new_page(DESKTOP)
    await page.goto("/console/")
    await expect(page.get_by_role("heading", name="登录监管工作台")).to_be_visible()
    if department is not None:
        await page.locator(f"select[name=devDept] option[value='{department}']").wait_for(state="attached")
        await page.locator("select[name=devDept]").select_option(department)
    await page.get_by_role(
        "button", name="以部门身份进入" if role == "department" else "以纪委监委身份进入"
    ).click()
    await expect(page.locator("#who")).to_contain_text("部门" if role == "department" else "纪委监委")
    return page


async def test_a_red_card_is_explained_by_the_department_closed_by_discipline_and_the_case_unlocked(
    watched: Browsing, county: str
) -> None:
    conn = await asyncpg.connect(county)
    try:
        locked = await conn.fetchrow(
            """SELECT c.case_no, d.code AS department,
                      array_agg(k.id ORDER BY k.id) FILTER (WHERE k.status = 'open') AS to_explain,
                      array_agg(k.id ORDER BY k.id) AS to_close
               FROM cards k JOIN cases c ON c.id = k.case_id JOIN departments d ON d.id = c.department_id
               WHERE c.locked AND k.color = 'red' AND k.status <> 'closed'
               GROUP BY c.id, c.case_no, d.code
               HAVING count(*) FILTER (WHERE k.status = 'open') > 0
               ORDER BY count(*), c.id LIMIT 1"""
        )
    finally:
        await conn.close()
    assert locked is not None, "the demo county has a case locked by a red card not yet explained"
    case_page = f"/console/#/case/{locked['case_no']}"

    department = await sign_in(watched, "department", locked["department"])
    for card_id in locked["to_explain"]:
        await department.goto(case_page)
        await expect(department.locator("main h1")).to_contain_text("已锁定")
        await department.get_by_role("link", name=re.compile(rf"^#{card_id}$")).click()
        await expect(department.locator("main h1")).to_contain_text("红牌")
        assert await department.locator("dl.evidence dt").count() > 0  # the rule's numbers and dates
        await shot(department, f"console-department-red-card-{card_id}", full_page=True)
        await department.locator("textarea[name=text]").fill("申请人补正材料延误，已督促承办人加快办理。")
        await department.get_by_role("button", name="提交说明").click()
        await expect(department.get_by_role("status")).to_contain_text("说明已提交")

    discipline = await sign_in(watched, "discipline")
    await expect(discipline.locator("main h1")).to_have_text("待审核监察卡")
    for card_id in locked["to_close"]:
        await discipline.goto(case_page)
        await discipline.get_by_role("link", name=re.compile(rf"^#{card_id}$")).click()
        await expect(discipline.locator("main")).to_contain_text("部门说明")
        await discipline.locator("select[name=decision]").select_option("close")
        await discipline.locator("textarea[name=note]").fill("说明属实，已整改，同意关闭。")
        await discipline.get_by_role("button", name="提交审核意见").click()
        await expect(discipline.get_by_role("status")).to_contain_text("监察卡已关闭")
    await discipline.goto(case_page)
    await expect(discipline.locator("main h1")).to_contain_text("未锁定")
    await expect(discipline.locator("main")).to_contain_text("解锁")
    await shot(discipline, "console-discipline-case-unlocked", full_page=True)


async def test_the_discipline_console_lists_cards_and_the_overdue_and_the_scores(watched: Browsing) -> None:
    page = await sign_in(watched, "discipline")
    await page.goto("/console/#/?status=&color=RED&kind=CASE")
    await expect(page.locator("table.cards tbody tr").first).to_be_visible()
    await page.goto("/console/#/overdue")
    await expect(page.locator("main h1")).to_have_text("逾期办件")
    await page.goto("/console/#/score?period=2026-10")
    await expect(page.locator("main table tbody tr").first).to_be_visible()
    assert await page.locator("main table tbody tr").count() > 10
    await shot(page, "console-discipline-scores", full_page=True)


async def test_discipline_returns_an_explanation_with_a_deadline(watched: Browsing, county: str) -> None:
    conn = await asyncpg.connect(county)
    try:
        card = await conn.fetchrow(
            """SELECT k.id, c.case_no, d.code AS department FROM cards k
               JOIN cases c ON c.id = k.case_id JOIN departments d ON d.id = c.department_id
               WHERE k.status = 'open' ORDER BY k.id DESC LIMIT 1"""
        )
    finally:
        await conn.close()
    assert card is not None, "the swept county has an open card"
    card_link = re.compile(rf"^#{card['id']}$")
    case_page = f"/console/#/case/{card['case_no']}"
    department = await sign_in(watched, "department", card["department"])
    await department.goto(case_page)
    await department.get_by_role("link", name=card_link).click()
    await department.locator("textarea[name=text]").fill("已提醒承办人。")
    await department.get_by_role("button", name="提交说明").click()
    await expect(department.get_by_role("status")).to_contain_text("说明已提交")

    discipline = await sign_in(watched, "discipline")
    await discipline.goto(case_page)
    await discipline.get_by_role("link", name=card_link).click()
    await discipline.locator("select[name=decision]").select_option("return")
    await discipline.locator("textarea[name=note]").fill("说明过于简单，请补充证明材料。")
    await discipline.get_by_role("button", name="提交审核意见").click()
    await expect(discipline.get_by_role("status")).to_contain_text("已退回部门")
    await discipline.goto(case_page)
    await expect(discipline.locator("main")).to_contain_text("退回")


async def test_discipline_reads_a_household_dossier_with_a_reason_and_finds_the_read_in_the_audit(
    watched: Browsing, county: str
) -> None:
    conn = await asyncpg.connect(county)
    try:
        member = await conn.fetchrow(
            """SELECT h.household_no, m.id_number
               FROM households h JOIN household_members m ON m.household_id = h.id
               WHERE EXISTS (SELECT 1 FROM payments p WHERE p.household_id = h.id) ORDER BY h.id LIMIT 1"""
        )
    finally:
        await conn.close()
    assert member is not None
    page = await sign_in(watched, "discipline")
    await page.get_by_role("link", name="户档案").click()
    await page.locator("input[name=no]").fill(member["household_no"])
    await page.locator("input[name=reason]").fill("核查信访件（测试）")
    await page.get_by_role("button", name="查看户档案").click()
    await expect(page.get_by_role("heading", name="成员")).to_be_visible()
    await expect(page.locator("main")).to_contain_text(member["id_number"])  # discipline reads it whole
    await shot(page, "console-household-dossier", full_page=True)
    await page.get_by_role("link", name="查阅审计").click()
    await page.locator("input[name=idNumber]").fill(member["id_number"])
    await page.locator("input[name=reason]").fill("复核查阅记录（测试）")
    await page.get_by_role("button", name="查询审计记录").click()
    await expect(page.locator(".out table tbody tr").first).to_contain_text("核查信访件（测试）")


async def test_an_expired_or_foreign_token_sends_the_official_to_sign_in(watched: Browsing) -> None:
    watched.allow(r"(HTTP 401|status of 401)")
    page = await watched.new_page(DESKTOP)
    await page.goto("/console/")
    # A well-formed token the server did not sign: the console believes it until the server says no.
    forged = "eyJhbGciOiJFZERTQSJ9.eyJyb2xlIjoiZGlzY2lwbGluZSIsImV4cCI6NDEwMjQ0NDgwMH0.c2lnbmF0dXJl"
    await page.locator("textarea[name=token]").fill(forged)
    await page.get_by_role("button", name="登录", exact=True).click()
    await expect(page.get_by_role("heading", name="登录监管工作台")).to_be_visible()
    await expect(page.get_by_role("alert")).to_contain_text("令牌")


async def test_the_console_page_names_no_other_site_and_offers_dev_sign_in_only_in_development(
    settings: Settings, shared_db: str
) -> None:
    names_a_site = re.compile(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", re.I)
    for path in (WEB_DIR / "console").iterdir():
        assert not names_a_site.search(path.read_text(encoding="utf-8")), path
    for dev in (True, False):
        async with running(create_app(replace(settings, dev=dev), database_url=shared_db)) as client:
            page = await client.get("/console/")
            assert page.status_code == 200
            assert "connect-src 'self'" in page.headers["content-security-policy"]
            assert ('data-dev="1"' in page.text) is dev
            again = await client.get("/console/", headers={"If-None-Match": page.headers["etag"]})
            assert again.status_code == 304


async def test_the_console_slash_is_added_for_an_address_typed_without_it(console_site: str) -> None:
    async with httpx.AsyncClient(base_url=console_site) as client:
        bare = await client.get("/console")
    assert bare.status_code in {301, 307, 308} and bare.headers["location"].endswith("/console/")
