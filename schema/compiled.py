"""Vetted documents answered without the executor.

A few public documents are asked far more often than the rest, and some cannot be cached because
every answer is about one person (a case's progress, asked from every WeChat front end). For those,
a hand-written answer: one statement gathers what the document shows, and the schema's own rules
(labels, the on-time rule, the declared visibility and its one mask) shape it.

Each compiled answer is pinned to the exact text of its document (the SHA-256 in the manifest).
When the document changes, the pin no longer matches and the executor answers until the compiled
answer is brought up to date; ``tests/test_compiled.py`` proves, case by case, that each compiled
answer equals the executor's. A compiled answer refuses by the executor's own rule (a wrong receipt
code), answered in the executor's shape without a second query, and returns ``None`` when it would
not answer exactly as the executor does (variables of another shape): the executor answers then.
Only the public is answered this way; officials' answers are audited reads and go through the
executor.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from graphql import FieldNode, GraphQLError, OperationDefinitionNode, parse

from db import cases as db_cases
from db.executor import Executor
from domain.cases import STATE_LABELS, State, check_receipt, on_time
from domain.errors import DomainError
from schema.cases import CHANNEL_LABELS, Case
from schema.scalars import moment_text
from schema.visibility import as_public
from services.attempts import CodeGuard

Answer = Callable[[Executor, CodeGuard, dict[str, Any], date], Awaitable[dict[str, Any] | None]]


@dataclass(frozen=True, slots=True)
class CompiledDocument:
    document: str  # the file in public_queries/, without .graphql
    sha256: str  # the text it was written for
    # The ``data`` of the response, or None to let the executor answer; a DomainError is the
    # refusal the executor would give (by the same rule), answered by :meth:`refusal`.
    answer: Answer

    @staticmethod
    def refusal(text: str, error: DomainError) -> tuple[GraphQLError, dict[str, Any]]:
        """The error and the data the executor answers when the document's (nullable) root field
        refuses: the error located at that field, and null in its place."""
        root = _root_field(text)
        key = root.alias.value if root.alias else root.name.value
        return GraphQLError(error.message, nodes=[root], path=[key], original_error=error), {key: None}


@functools.cache
def _root_field(text: str) -> FieldNode:
    [operation] = [d for d in parse(text).definitions if isinstance(d, OperationDefinitionNode)]
    [root] = operation.selection_set.selections
    assert isinstance(root, FieldNode)  # noqa: S101 -- the pinned documents select one root field
    return root


async def case_status(
    db: Executor, guard: CodeGuard, variables: dict[str, Any], today: date
) -> dict[str, Any] | None:
    """``case_status.graphql``: a citizen's case by number and receipt code."""
    case_no, query_code = variables.get("caseNo"), variables.get("queryCode")
    if len(variables) != 2 or not isinstance(case_no, str) or not isinstance(query_code, str):
        return None

    async def check() -> db_cases.ProgressRow:
        row = await db_cases.get_case_progress_by_no(db, case_no=case_no.strip()[:40])
        return check_receipt(row, case_no=case_no, query_code=query_code)

    row = await guard.open(kind="case", number=case_no, what="办件编号", check=check)
    case = row.case
    state = State(case.state)
    return {
        "caseProgress": {
            "caseNo": case.case_no,
            "state": state.name,
            "stateLabel": STATE_LABELS[state],
            "channelLabel": CHANNEL_LABELS.get(case.channel, case.channel),
            "receivedAt": moment_text(case.received_at),
            "acceptedOn": _iso(case.accepted_on),
            "promisedDueOn": _iso(case.promised_due_on),
            "completedOn": _iso(case.completed_on),
            "onTime": on_time(
                completed_on=case.completed_on, promised_due_on=case.promised_due_on, today=today
            ),
            "currentStepName": row.current_step_name,
            # The executor's rule: the key only of a step the power's map has (then it has a name).
            "currentStepKey": case.current_step_key if row.current_step_name is not None else None,
            "applicantName": as_public(Case, "applicant_name", case.applicant_name),
            "power": {
                "code": row.power_code,
                "name": row.power_name,
                "promisedLimitDays": row.power_promised_limit_days,
            },
            "department": {"name": row.department_name, "phone": row.department_phone},
            "timeline": [
                {
                    "stepKey": s.step_key,
                    "stepName": s.step_name,
                    "startedOn": s.started_on.isoformat(),
                    "finishedOn": _iso(s.finished_on),
                }
                for s in row.timeline
            ],
            "subCases": [
                {
                    "caseNo": sub.case_no,
                    "stateLabel": STATE_LABELS[State(sub.state)],
                    "department": {"name": sub.department_name},
                }
                for sub in row.sub_cases
            ],
        }
    }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


COMPILED = {
    c.sha256: c
    for c in (
        CompiledDocument(
            "case_status", "26cb015df4a23698b796e10f4f1cc33d46e96338667e5841af379d4bb0acee6d", case_status
        ),
    )
}
