"""Real Chromium for pages: the server as a process of its own on the seeded demo county, Debian's
Chromium driven by Playwright (async, on the session's event loop), and pages that fail their test
on any console error, uncaught exception, failed request or request to another host.

Fixtures (registered in ``tests/conftest.py``):

- ``site``: the started server's base URL (``http://127.0.0.1:<port>``), development mode with
  GraphiQL, on the shared demo county; tokens from the ``token`` fixture are valid there;
- ``browser``: one headless Chromium for the session;
- ``browsing``: opens watched pages (``await browsing.new_page(PHONE)``), and at teardown fails the
  test with everything that went wrong on them (``browsing.allow(regex)`` for what a test expects);
- ``page``: one watched desktop page, its relative URLs resolved against ``site``.

``await shot(page, "name")`` saves ``test-artifacts/screenshots/name.png``. ``KIOSK`` (1080×1920)
and ``PHONE`` (375×812, WeChat's user agent, touch) are the layouts of the public web app.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Error,
    Page,
    Playwright,
    Request,
    Response,
    Route,
    WebSocket,
    async_playwright,
)

from api.settings import Settings
from tests.serving import serving

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
# Debian's Chromium (.ci/run installs it); Playwright's own browser downloads are never used.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
WECHAT_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; V2307A Build/UP1A.231005.007; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/130.0.6723.103 Mobile Safari/537.36 XWEB/1300333 "
    "MMWEBSDK/20241103 MMWEBID/2046 MicroMessenger/8.0.55.2780(0x28003737) WeChat/arm64 Weixin "
    "NetType/WIFI Language/zh_CN ABI/arm64"
)


@dataclass(frozen=True, slots=True)
class Layout:
    """A screen a page is opened on; chosen when the page is made (the user agent cannot change)."""

    name: str
    width: int
    height: int
    user_agent: str | None = None
    mobile: bool = False
    scale: float = 1


DESKTOP = Layout("desktop", 1280, 800)
KIOSK = Layout("kiosk", 1080, 1920)  # an upright touch screen in a service hall
PHONE = Layout("phone", 375, 812, user_agent=WECHAT_ANDROID, mobile=True, scale=2)
LAYOUTS = (KIOSK, PHONE)


async def shot(page: Page, name: str, *, full_page: bool = False) -> Path:
    """Save a screenshot of ``page`` as ``test-artifacts/screenshots/<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^0-9A-Za-z_.-]+', '-', name)}.png"
    await page.screenshot(path=path, full_page=full_page)
    return path


@dataclass
class Browsing:
    """Watched pages on ``base_url``: what went wrong on them, in words a failure message shows."""

    browser: Browser
    base_url: str
    problems: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)
    contexts: list[BrowserContext] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        """Problems matching ``pattern`` (a regex searched in the problem's text) are expected."""
        self.allowed.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [p for p in self.problems if not any(a.search(p) for a in self.allowed)]

    async def new_page(self, layout: Layout = DESKTOP) -> Page:
        context = await self.browser.new_context(
            base_url=self.base_url,
            viewport={"width": layout.width, "height": layout.height},
            user_agent=layout.user_agent,
            is_mobile=layout.mobile,
            has_touch=layout.mobile,
            device_scale_factor=layout.scale,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            service_workers="block",
        )
        self.contexts.append(context)
        await context.route("**/*", self._keep_home)
        page = await context.new_page()
        page.on("console", self._console)
        page.on("pageerror", self._page_error)
        page.on("requestfailed", self._request_failed)
        page.on("response", self._response)
        page.on("websocket", self._websocket)
        self.pages.append(page)
        return page

    def _is_home(self, url: str) -> bool:
        here, there = urlsplit(self.base_url), urlsplit(url)
        return (there.scheme, there.netloc) == (here.scheme, here.netloc)

    async def _keep_home(self, route: Route) -> None:
        # Nothing leaves the server: a request elsewhere is recorded and never sent.
        request = route.request
        if self._is_home(request.url):
            await route.continue_()
        else:
            self.problems.append(f"request to another host: {request.method} {request.url}")
            await route.abort("blockedbyclient")

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.problems.append(f"console error: {message.text} ({message.location.get('url', '')})")

    def _page_error(self, error: Error) -> None:
        self.problems.append(f"uncaught exception: {error.message}")

    def _request_failed(self, request: Request) -> None:
        if self._is_home(request.url):  # a request elsewhere is already recorded
            self.problems.append(f"request failed: {request.method} {request.url} ({request.failure})")

    def _response(self, response: Response) -> None:
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.request.method} {response.url}")

    def _websocket(self, socket: WebSocket) -> None:
        if not self._is_home(socket.url.replace("ws", "http", 1)):
            self.problems.append(f"websocket to another host: {socket.url}")

    async def close(self) -> None:
        for context in self.contexts:
            await context.close()


@pytest.fixture(scope="session")
async def site(settings: Settings, shared_db: str) -> AsyncIterator[str]:
    """``sunshine serve`` on the shared demo county: development mode (tokens of the ``token``
    fixture are valid), GraphiQL on, a roomy anonymous budget (every page calls from one address)."""
    async with serving(
        shared_db, Path(settings.data_dir), GRAPHIQL="1", ANONYMOUS_PER_MINUTE="1000000"
    ) as served:
        yield str(served.client.base_url).rstrip("/")


def debian_chromium() -> Path:
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)"
    return CHROMIUM


@pytest.fixture(scope="session")
async def playwright() -> AsyncIterator[Playwright]:
    async with async_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
async def browser(playwright: Playwright) -> AsyncIterator[Browser]:
    chromium = await playwright.chromium.launch(executable_path=debian_chromium(), args=list(CHROMIUM_ARGS))
    yield chromium
    await chromium.close()


@asynccontextmanager
async def watching(browser: Browser, base_url: str, test_name: str) -> AsyncIterator[Browsing]:
    """Watched pages on ``base_url`` for one test; the test fails with what went wrong on them."""
    watched = Browsing(browser, base_url)
    yield watched
    unexpected = watched.unexpected()
    if unexpected:
        for i, page in enumerate(watched.pages):
            if not page.is_closed():
                await shot(page, f"failed-{test_name}-{i}")
    await watched.close()
    if unexpected:
        pytest.fail("what went wrong in the browser:\n" + "\n".join(unexpected), pytrace=False)


@pytest.fixture
async def browsing(browser: Browser, site: str, request: pytest.FixtureRequest) -> AsyncIterator[Browsing]:
    async with watching(browser, site, request.node.name) as watched:
        yield watched


@pytest.fixture
async def page(browsing: Browsing) -> Page:
    return await browsing.new_page()
