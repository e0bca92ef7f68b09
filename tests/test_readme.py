"""The README's public API examples, run as written against the demo county.

The shell commands of the code blocks in the README's "The public API" section are read and
interpreted here, each request sent through the app over HTTP: ``eval "$(… demo-keys --shell)"``
runs the real command against the database, ``q NAME 'VARIABLES'`` is the document and its
variables, ``$NAME`` and jq's ``$ENV.NAME`` are the exported values, ``export X=$(jq -r PATH FILE)``
reads an answer kept with ``| tee FILE``. Every request must answer with data.

Case numbers, households and villages depend on the seed and the scale, so the README takes them
from ``demo-keys``; its literal values (a department, a power code, a keyword, periods) are ones
the county has at the tests' scale, as here, and at the default scale ``serve`` loads (regions
and departments are whole at any scale).
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shlex
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import asyncpg
import httpx
import pytest

from api.app import create_app
from api.settings import Settings
from demo import demo_query_code, keys
from domain.cases import CLOSED, COMPLETED, State, query_code_hash
from tests.conftest import ROOT, TEST_SEED, Server, county_of_its_own, running

README = ROOT / "README.md"
KEYS_COMMAND = 'eval "$(python3 dev.py sunshine demo-keys --shell)"'
# The README's helper: a document's text and its variables (a jq expression) as a request body.
Q_DEFINITION = """q() { jq -Rs "{query: ., variables: ($2)}" "public_queries/$1.graphql"; }"""
_Q_CALL = re.compile(r"""-d "\$\(q (\w+) '(.*?)'\)"$""", re.DOTALL)
_RAW_BODY = re.compile(r"-d '(\{.*\})'$", re.DOTALL)
_EXPORT_FROM_ANSWER = re.compile(r"^export (\w+)=\$\(jq -r \.([\w.]+) (\S+)\)$")
_KEPT = re.compile(r"\s*(?:\| tee|>) (\S+)$")


def _open(text: str) -> bool:
    """Whether a shell quote or command substitution is still open at the end of ``text``."""
    stack: list[str] = []
    i = 0
    while i < len(text):
        c, top = text[i], stack[-1] if stack else ""
        if top == "'":
            if c == "'":
                stack.pop()
        elif c == "\\":
            i += 1
        elif top == '"' and c == '"':
            stack.pop()
        elif c == "$" and text[i + 1 : i + 2] == "(":
            stack.append("(")
            i += 1
        elif top == "(" and c == ")":
            stack.pop()
        elif top != '"' and c in "'\"":
            stack.append(c)
        i += 1
    return bool(stack)


def readme_commands() -> list[str]:
    """The commands of the shell blocks in "The public API", one a command (continuation lines
    joined; comment lines and trailing comments dropped)."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## The public API\n", 1)[1].split("\n## ", 1)[0]
    commands: list[str] = []
    for block in re.findall(r"```sh\n(.*?)```", section, re.DOTALL):
        pending = ""
        for line in block.splitlines():
            if not pending and line.lstrip().startswith("#"):
                continue
            pending = f"{pending}\n{line}" if pending else line
            if pending.endswith("\\"):
                pending = pending[:-1].rstrip()
                continue
            if _open(pending):
                continue
            commands.append(re.sub(r"\s+#[^'\"]*$", "", pending).strip())
            pending = ""
        assert not pending, f"unfinished command in the README: {pending}"
    return commands


@dataclass
class Shell:
    """What the README's commands leave behind: exported values and kept answers."""

    database_url: str
    env: dict[str, str] = field(default_factory=dict)
    files: dict[str, Any] = field(default_factory=dict)

    def expand(self, text: str) -> str:
        return re.sub(r"\$([A-Z_][A-Z0-9_]*)", lambda m: self.env.get(m[1], m[0]), text)

    def variables(self, expression: str) -> Any:
        """The jq expression of a ``q`` call: JSON whose values may be ``$ENV.NAME``, and whose
        strings may hold jq's ``\\(now)`` (the time in seconds)."""
        expression = expression.replace("\\(now)", str(time.time()))
        return json.loads(re.sub(r"\$ENV\.(\w+)", lambda m: json.dumps(self.env[m[1]]), expression))

    def demo_keys(self) -> None:
        argv = shlex.split(KEYS_COMMAND.split('"$(', 1)[1].rsplit(')"', 1)[0])
        assert argv[:3] == ["python3", "dev.py", "sunshine"]  # dev.py runs the CLI in the venv
        exports = subprocess.run(
            [sys.executable, "-m", "api.cli", *argv[3:]],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": self.database_url},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for line in exports.splitlines():
            keyword, assignment = shlex.split(line)
            assert keyword == "export"
            name, _, value = assignment.partition("=")
            self.env[name] = value


def answered_with_data(value: Any) -> bool:
    """An answer's field holds something: not null, no empty list, no empty page."""
    if value is None:
        return False
    if isinstance(value, list):
        return bool(value)
    if isinstance(value, dict) and "nodes" in value:
        return bool(value["nodes"])
    return True


async def reply_to_complaint(
    client: httpx.AsyncClient, token: str, tracking_no: str, pool: asyncpg.Pool
) -> None:
    """What the department does before a complaint can be rated: accept it, then reply."""
    complaint_id = await pool.fetchval("SELECT id FROM complaints WHERE tracking_no = $1", tracking_no)
    headers = {"Authorization": f"Bearer {token}"}
    for mutation in (
        "mutation($id: Int!) { decideComplaint(complaintId: $id, accept: true) { status } }",
        'mutation($id: Int!) { replyComplaint(complaintId: $id, reply: "已核实，材料一次告知") { status } }',
    ):
        body = (
            await client.post(
                "/graphql", json={"query": mutation, "variables": {"id": complaint_id}}, headers=headers
            )
        ).json()
        assert "errors" not in body, body


async def run_examples(
    client: httpx.AsyncClient, shell: Shell, *, discipline_token: str, pool: asyncpg.Pool
) -> list[str]:
    """Run every README example in order; what each request asked (a GET path, a document, or
    "persisted" for a document sent by its id)."""
    sent: list[str] = []
    for command in readme_commands():
        if command == KEYS_COMMAND:
            shell.demo_keys()
            continue
        if command == Q_DEFINITION:
            continue  # interpreted by Shell.variables
        if exported := _EXPORT_FROM_ANSWER.match(command):
            name, path, kept = exported.groups()
            value = shell.files[kept]
            for key in path.split("."):
                value = value[key]
            shell.env[name] = value
            continue
        assert command.startswith("curl -s "), f"an example the test cannot run: {command}"
        kept_as = None
        if kept := _KEPT.search(command):
            kept_as, command = kept[1], command[: kept.start()]
        if call := _Q_CALL.search(command):
            document, expression = call.groups()
            if document == "complaint_rate":
                await reply_to_complaint(client, discipline_token, shell.env["TRACKING_NO"], pool)
            query = (ROOT / "public_queries" / f"{document}.graphql").read_text(encoding="utf-8")
            response = await client.post(
                "/graphql", json={"query": query, "variables": shell.variables(expression)}
            )
            sent.append(document)
        elif raw := _RAW_BODY.search(command):
            response = await client.post("/graphql", json=json.loads(raw[1]))
            sent.append("persisted")
        else:
            words = shlex.split(shell.expand(command))[2:]
            url = next(w for w in words if w.startswith("localhost:8000/"))
            params: list[tuple[str, str | int | float | bool | None]] = [
                (name, value)
                for option, pair in itertools.pairwise(words)
                if option in ("-d", "--data-urlencode")
                for name, _, value in [pair.partition("=")]
            ]
            assert params == [] or "-G" in words
            path = url.removeprefix("localhost:8000").split("?")[0]
            # (httpx drops the query the URL carries when given a list of parameters, even empty)
            response = await client.get(url.removeprefix("localhost:8000"), params=params or None)
            sent.append(path)
        assert response.status_code == 200, (command, response.text)
        if response.headers["content-type"].startswith("image/svg+xml"):
            assert "<svg" in response.text, command
            continue
        body = response.json()
        assert "errors" not in body, (command, body)
        assert body["data"] and all(answered_with_data(v) for v in body["data"].values()), (command, body)
        if kept_as:
            shell.files[kept_as] = body
    return sent


@pytest.fixture
async def demo_county(server: Server, template: str) -> AsyncIterator[str]:
    """A copy of the test county with cases and subsidies of its own (the examples write: a
    complaint, a rating)."""
    async with county_of_its_own(server, template) as url:
        yield url


async def test_every_public_example_in_the_readme_answers_with_data(
    demo_county: str, settings: Settings, token: Any
) -> None:
    shell = Shell(demo_county)
    pool = await asyncpg.create_pool(demo_county, min_size=1, max_size=2)
    try:
        # One caller's default budget: a newcomer running every example at once is not refused.
        newcomer = replace(settings, anonymous_per_minute=Settings().anonymous_per_minute)
        async with running(create_app(newcomer, database_url=demo_county)) as client:
            sent = await run_examples(client, shell, discipline_token=token("discipline"), pool=pool)
    finally:
        await pool.close()
    assert sent.count("/public/CaseStatus") == 2  # in progress and late
    assert {
        "power_search",
        f"/maps/{shell.env['POWER_CODE']}.svg",
        "/public/PowerSearch",
        "/public/PowerDetail",
        "/public/DepartmentRanking",
        "/public/NoticeList",
        "/public/SubsidyAggregates",
        "/public/PowerAsOf",
        "/public/Departments",
        "/public/HouseholdSubsidies",
        "complaint_submit",
        "complaint_track",
        "complaint_rate",
        "case_rating",
        "persisted",
    } <= set(sent)


async def test_demo_keys_name_cases_of_each_kind_whose_receipt_codes_open_them(
    populated_db: asyncpg.Pool,
) -> None:
    found = await keys.find(populated_db, seed=TEST_SEED, today=date(2026, 11, 20))
    assert found.in_progress and found.ratable and found.late
    rows: dict[str, asyncpg.Record] = {}
    for kind, key in (("in progress", found.in_progress), ("ratable", found.ratable), ("late", found.late)):
        row = await populated_db.fetchrow(
            "SELECT c.*, EXISTS (SELECT 1 FROM case_ratings r WHERE r.case_id = c.id) AS rated"
            " FROM cases c WHERE case_no = $1",
            key.case_no,
        )
        assert row is not None, kind
        assert query_code_hash(key.case_no, key.query_code) == row["query_code_hash"], kind
        assert key.query_code == demo_query_code(TEST_SEED, key.case_no)
        rows[kind] = row
    assert State(rows["in progress"]["state"]) not in CLOSED
    assert State(rows["ratable"]["state"]) in COMPLETED and not rows["ratable"]["rated"]
    assert State(rows["late"]["state"]) in COMPLETED
    assert rows["late"]["completed_on"] > rows["late"]["promised_due_on"]
