"""The big screen (大屏幕, ``/screen/``) in Debian's Chromium at 1920×1080, against a real server
process: a complaint filed through the public API appears on it within 2 s — in the public
edition as the counts and an alert that move, in the discipline edition as the feed's event."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from api.public_queries import PublicQueries
from api.settings import Settings
from tests.browsing import Browsing, Layout, shot, watching
from tests.conftest import Server, county_of_its_own
from tests.serving import serving

SCREEN = Layout("screen", 1920, 1080)
SUBMIT = PublicQueries.load().by_name("complaint_submit")


@pytest.fixture(scope="module")
async def screen_site(server: Server, template: str, settings: Settings) -> AsyncIterator[str]:
    async with (
        county_of_its_own(server, template) as county,
        serving(county, Path(settings.data_dir), ANONYMOUS_PER_MINUTE="1000000") as served,
    ):
        yield str(served.client.base_url).rstrip("/")


@pytest.fixture
async def watched(
    browser: Browser, screen_site: str, request: pytest.FixtureRequest
) -> AsyncIterator[Browsing]:
    async with watching(browser, screen_site, request.node.name) as pages:
        yield pages


async def file_complaint(site: str) -> float:
    """File a complaint as a citizen's front end does (the vetted document by its id); when the
    answer came (monotonic seconds)."""
    assert SUBMIT is not None
    complaint = {
        "idempotencyKey": f"screen-{uuid.uuid4().hex}",
        "kind": "complaint",
        "about": "department",
        "aboutRef": "SCJG",
        "content": "窗口多次要求补交同一份材料",
    }
    async with httpx.AsyncClient(base_url=site) as client:
        answer = await client.post(
            "/graphql", json={"id": SUBMIT.sha256, "variables": {"complaint": complaint}}
        )
    assert answer.status_code == 200 and "errors" not in answer.json(), answer.text
    return time.monotonic()


async def open_screen(page: Page) -> None:
    await page.goto("/screen/")
    await expect(page.locator("#link")).to_have_attribute("data-state", "live")
    await expect(page.locator("#complaints")).to_have_text(re.compile(r"^\d+$"))


async def test_a_complaint_filed_through_the_public_api_appears_on_the_public_screen_within_2_s(
    watched: Browsing, screen_site: str
) -> None:
    page = await watched.new_page(SCREEN)
    await open_screen(page)
    await expect(page.locator("#edition")).to_have_text("公众版")
    before = int(await page.locator("#complaints").inner_text())
    answered = await file_complaint(screen_site)
    await expect(page.locator("#complaints")).to_have_text(str(before + 1), timeout=2000)
    await expect(page.locator("#alerts li").first).to_contain_text("收到投诉建议", timeout=2000)
    assert time.monotonic() - answered < 2
    # One screen, nothing to scroll; the charts are drawn.
    size = await page.evaluate("() => [document.body.scrollWidth, document.body.scrollHeight]")
    assert size == [1920, 1080]
    assert await page.locator("#ranking svg, #ranking .empty").count() == 1
    assert await page.locator("#rate svg").count() == 1
    await shot(page, "screen-public")


async def test_the_discipline_screen_shows_the_feeds_event_within_2_s(
    watched: Browsing, screen_site: str, token: Callable[..., str]
) -> None:
    page = await watched.new_page(SCREEN)
    # Signed in at the console in this tab: the token is in the tab's sessionStorage.
    await page.add_init_script(f"sessionStorage.setItem('sunshine.console.token', {token('discipline')!r})")
    await open_screen(page)
    await expect(page.locator("#edition")).to_have_text("纪检监管版")
    answered = await file_complaint(screen_site)
    newest = page.locator("#alerts li").first
    await expect(newest).to_contain_text("收到投诉建议", timeout=2000)
    await expect(newest).to_contain_text("市场监管")
    assert time.monotonic() - answered < 2
    await shot(page, "screen-discipline")
