"""The browser fixture itself: what it must catch on a page, it catches."""

from __future__ import annotations

from tests.browsing import PHONE, Browsing


async def test_a_request_to_another_host_is_recorded_and_never_sent(browsing: Browsing) -> None:
    page = await browsing.new_page()
    await page.goto("/healthz")
    await page.set_content('<img src="https://cdn.example.org/logo.png" alt="">')
    await page.wait_for_load_state("networkidle")
    assert any(
        p.startswith("request to another host: GET https://cdn.example.org/logo.png")
        for p in browsing.problems
    )
    browsing.allow(r"cdn\.example\.org")


async def test_a_console_error_and_an_uncaught_exception_are_recorded(browsing: Browsing) -> None:
    page = await browsing.new_page()
    await page.goto("/healthz")
    await page.evaluate("console.error('坏了')")
    await page.evaluate("setTimeout(() => { throw new Error('没接住') })")
    await page.wait_for_timeout(100)
    assert any("console error: 坏了" in p for p in browsing.problems)
    assert any("uncaught exception: 没接住" in p for p in browsing.problems)
    browsing.allow("坏了|没接住")


async def test_the_phone_layout_is_wechat_on_a_small_touch_screen(browsing: Browsing) -> None:
    page = await browsing.new_page(PHONE)
    await page.goto("/healthz")
    await page.set_content('<meta name="viewport" content="width=device-width, initial-scale=1">')
    seen = await page.evaluate("[innerWidth, innerHeight, navigator.userAgent, 'ontouchstart' in window]")
    assert seen[:2] == [375, 812]
    assert "MicroMessenger" in seen[2]
    assert seen[3] is True
