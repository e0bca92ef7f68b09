"""Our GraphiQL page: Chinese, served entirely from this server (``web/vendor/``, no CDN), opening
with a tab for each vetted public document and example variables that work on the demo county.

In development a role switch (公众 / 部门 / 纪委) picks the token GraphiQL sends; the tokens come from
``GET /dev/token``, which exists only in development. Outside development the page sends no token
and has no switch. The schema is given to the page, not introspected over HTTP: the public may run
only the vetted documents, so an introspection query from the page would be refused.
"""

from __future__ import annotations

import functools
import hashlib
import html
from dataclasses import dataclass
from typing import Any

import orjson
import strawberry
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from api.auth import mint_dev_token
from api.errors import HTTPError
from api.public_queries import PublicQueries
from api.responses import JSONResponse
from domain.viewer import Role

VENDOR = "/static/vendor"
GRAPHIQL = f"{VENDOR}/graphiql-3.9.0"
REACT = f"{VENDOR}/react-18.3.1/react.production.min.js"
REACT_DOM = f"{VENDOR}/react-dom-18.3.1/react-dom.production.min.js"
ROLE_SWITCH_PATH = "/dev/token"

# Example variables of each vetted document (by file name), in the order the tabs open: those of
# the README, which answer on the demo county. A document not listed opens last, without variables.
EXAMPLES: dict[str, dict[str, Any]] = {
    "power_search": {"filter": {"keyword": "食品"}, "first": 5},
    "power_detail": {"code": "510799-XK-00001"},
    "power_as_of": {"code": "510799-XK-00001", "date": "2025-03-01"},
    "departments": {},
    "regions": {},
    "case_status": {"caseNo": "20260315SCJG000123", "queryCode": "123456"},
    "department_ranking": {"period": "2026-10"},
    "funds": {},
    "household_subsidies": {"name": "张三", "idNumber": "510799199001011234"},
    "notice_list": {"villageCode": "510799001001", "fundCode": "DIBAO", "period": "2026-06-01"},
    "subsidy_aggregates": {"year": 2026},
    "case_rating": {"caseNo": "20260315SCJG000123", "queryCode": "123456", "level": "SATISFIED"},
    "complaint_submit": {
        "complaint": {
            "idempotencyKey": "wx-7f3a9c21",
            "kind": "complaint",
            "about": "department",
            "aboutRef": "SCJG",
            "content": "窗口多次要求补交同一份材料",
        }
    },
    "complaint_track": {"trackingNo": "TS2026112200000001", "trackingCode": "123456"},
    "complaint_rate": {"trackingNo": "TS2026112200000001", "trackingCode": "123456", "stars": 5},
    "live_counts": {},  # a subscription: pushed over the WebSocket of /graphql
}

WELCOME = """\
# 阳光政务 GraphQL 接口
#
# 公众（不带令牌）只能执行 public_queries/ 中已审核的公开查询：
# 上方各标签页即是，变量已按示范县填好，原文照发即可运行（Ctrl-Enter）。
# 改动查询文本后，公众身份会被拒绝（QUERY_NOT_ALLOWED）。
#
# 部门和纪委凭令牌（Authorization: Bearer …）可执行任意查询；
# 字段的可见范围见各字段说明（文档面板）。
#
# 快捷键：Ctrl-Enter 执行，Ctrl-Space 补全。
"""

ROLE_SWITCH = """\
    <label for="role">身份</label>
    <select id="role">
      <option value="public" selected>公众（无令牌）</option>
      <option value="department">部门</option>
      <option value="discipline">纪委</option>
      <option value="township">乡镇（街道）</option>
    </select>
    <label for="dept" id="dept-label" hidden>部门编码</label>
    <input id="dept" value="SCJG" size="8" autocomplete="off" spellcheck="false" hidden>
    <label for="region" id="region-label" hidden>乡镇编码</label>
    <input id="region" value="510799101" size="10" autocomplete="off" spellcheck="false" hidden>
    <label for="reason" id="reason-label" hidden>查阅事由</label>
    <input id="reason" size="16" maxlength="200" placeholder="查看个人信息时必填" autocomplete="off" hidden>
    <output id="role-state" role="status"></output>"""

# Only this server's files; styles inline for React's style attributes, fonts as data: URLs.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)

PAGE = """\
<!doctype html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>阳光政务 · GraphiQL</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="{graphiql}/graphiql.min.css">
  <link rel="stylesheet" href="/static/graphiql/graphiql.css">
</head>
<body>
  <header class="sunshine-bar">
    <strong>阳光政务 GraphQL 接口</strong>
    <span class="sunshine-mode">{mode}</span>
{switch}
  </header>
  <main id="graphiql">正在加载 GraphiQL…</main>
  <script type="application/json" id="graphiql-config">{config}</script>
  <script src="{react}"></script>
  <script src="{react_dom}"></script>
  <script src="{graphiql}/graphiql.min.js"></script>
  <script src="/static/graphiql/graphiql.js"></script>
</body>
</html>
"""


@dataclass
class GraphiQLPage:
    """The page, rendered once per process on its first request."""

    schema: strawberry.Schema
    public_queries: PublicQueries
    dev: bool

    def response(self) -> Response:
        return HTMLResponse(
            self.html,
            headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY, "Cache-Control": "no-cache"},
        )

    @functools.cached_property
    def html(self) -> str:
        # JSON inside <script>: "<" escaped, so no text in it can close the element.
        config = orjson.dumps(self.config()).decode().replace("<", "\\u003c")
        return PAGE.format(
            graphiql=GRAPHIQL,
            react=REACT,
            react_dom=REACT_DOM,
            mode=html.escape("开发模式" if self.dev else "公众只能执行已审核的公开查询"),
            switch=ROLE_SWITCH if self.dev else "",
            config=config,
        )

    def tabs(self) -> list[dict[str, str]]:
        """GraphiQL's ``defaultTabs``: the welcome, then each vetted document as written."""
        order = {name: i for i, name in enumerate(EXAMPLES)}
        documents = sorted(self.public_queries, key=lambda d: (order.get(d.name, len(order)), d.name))
        tabs = [{"query": WELCOME}]
        for doc in documents:
            tab = {"query": doc.text}
            if variables := EXAMPLES.get(doc.name):
                tab["variables"] = orjson.dumps(variables, option=orjson.OPT_INDENT_2).decode()
            tabs.append(tab)
        return tabs

    def config(self) -> dict[str, Any]:
        tabs = self.tabs()
        return {
            "endpoint": "/graphql",
            "tokenUrl": ROLE_SWITCH_PATH if self.dev else None,
            "defaultQuery": WELCOME,
            "tabs": tabs,
            # Tabs kept in the browser belong to this set of documents: a changed document opens anew.
            "revision": hashlib.sha256(orjson.dumps(tabs)).hexdigest()[:12],
            "schema": self.schema.introspect(),
        }


async def dev_token(request: Request) -> Response:
    """``GET /dev/token?role=department&dept=SCJG``: a development token for the page's role
    switch. Registered only in development; answered only to this server's own pages."""
    fetch_site = request.headers.get("sec-fetch-site")
    origin = request.headers.get("origin")
    own = f"{request.url.scheme}://{request.url.netloc}"
    if (fetch_site is not None and fetch_site not in ("same-origin", "none")) or (
        origin is not None and origin != own
    ):
        raise HTTPError(403, "FORBIDDEN", "开发令牌只发给本站页面")
    role = request.query_params.get("role")
    dept = request.query_params.get("dept") or None
    region = request.query_params.get("region") or None
    if role not in (Role.DEPARTMENT.value, Role.DISCIPLINE.value, Role.TOWNSHIP.value):
        raise HTTPError(400, "BAD_REQUEST", "role 应为 department、discipline 或 township（公众不需要令牌）")
    if role == Role.DEPARTMENT.value and dept is None:
        raise HTTPError(400, "BAD_REQUEST", "部门令牌须指明部门编码 dept")
    if role == Role.TOWNSHIP.value and (region is None or not (region.isascii() and region.isdigit())):
        raise HTTPError(400, "BAD_REQUEST", "乡镇令牌须指明 9 位乡镇编码 region")
    token = mint_dev_token(
        request.app.state.settings,
        role=Role(role),
        department_code=dept if role == Role.DEPARTMENT.value else None,
        region_code=region if role == Role.TOWNSHIP.value else None,
        staff_no=f"dev-graphiql-{role}",
    )
    return JSONResponse({"token": token, "role": role}, headers={"Cache-Control": "no-store"})
