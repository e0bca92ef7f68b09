"""The per-request context every resolver receives as ``info.context``."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import asyncpg
import strawberry

from db.executor import Executor
from db.ratelimit import Limiter, make_limiter
from domain.audit import AuditEntry, Recorder
from domain.calendar import china_day, moment_on
from domain.viewer import Viewer
from schema.loaders import Loaders
from services.attempts import CodeGuard
from services.feed import FeedHub


@dataclass(frozen=True, slots=True)
class Limits:
    """Deployment choices the resolvers enforce (built by the API from its settings)."""

    max_page_size: int
    power_code_pattern: re.Pattern[str]
    lookups_per_client: int  # an hour
    lookups_per_id_number: int  # an hour
    code_attempts_per_day: int  # per case or complaint number, from all callers
    default_page_size: int = 20
    reason_required: bool = True  # officials' unmasked reads carry a reason (schema/reasons.py)


@dataclass(slots=True)
class Context:
    viewer: Viewer
    # Reads. A query's may come from a streaming replica (api/replica.py), a mutation's come from
    # the primary; nothing is written through it.
    db: Executor
    limits: Limits
    # The primary: every write, a query's own included (a ranking published when first read), and
    # any transaction.
    pool: asyncpg.Pool
    limiter: Limiter = field(default_factory=lambda: make_limiter(None))
    client: str = ""  # who is calling, for rate limits: the client key, else the IP address
    request_id: str = ""
    # The operation that runs, as the trail names it: set from the document (schema/reasons.py).
    operation: str = "anonymous"
    reason: str | None = None  # the official's reason of access (extensions.reason)
    # "Today" in China, for on-time checks; fixed by the app in demos and tests (SUNSHINE_TODAY).
    today: date = field(default_factory=lambda: china_day(datetime.now(UTC)))
    feed: FeedHub | None = None  # the process's live supervision feed (subscriptions)
    # When the request reached the server, and when its answer may leave (time.monotonic): a
    # resolver that must not answer sooner (the real-name lookup) says so, and the HTTP layer waits
    # once the whole answer is ready, so nothing done before or after the resolver shows in the time.
    received: float = field(default_factory=time.monotonic)
    not_before: float = 0.0
    # Which way the answer was made: "sql" when by one statement (schema/sql_answers.py).
    answered_by: str = "executor"
    loaders: Loaders = field(init=False)
    _recorder: Recorder | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.db)

    @property
    def code_guard(self) -> CodeGuard:
        """The bound on guessing receipt and tracking codes (services/attempts.py)."""
        return CodeGuard(self.limiter, self.limits.code_attempts_per_day)

    def answer_no_sooner(self, seconds: float) -> None:
        """The answer leaves no sooner than ``seconds`` after the request arrived."""
        self.not_before = max(self.not_before, self.received + seconds)

    def now(self) -> datetime:
        """The moment of the request; on a pinned "today" (demos, tests), noon of that day."""
        return moment_on(self.today, datetime.now(UTC))

    def record_read(self, record_type: str, record_id: str, field_name: str) -> None:
        """An official was shown ``field_name`` of a record unmasked (the audit trail)."""
        if self._recorder is None:
            self._recorder = Recorder(
                actor=self.viewer.subject or "unknown",
                actor_role=self.viewer.role.value,
                department=self.viewer.department_code or self.viewer.region_code,
                request_id=self.request_id,
                reason=self.reason,
            )
        self._recorder.record(
            operation=self.operation, record_type=record_type, record_id=record_id, fields=[field_name]
        )

    def audit_entries(self) -> list[AuditEntry]:
        return self._recorder.entries() if self._recorder else []

    def renew(self) -> None:
        """Fresh loaders for the next answer of a subscription: each event is read as it is now,
        and a long subscription keeps no cache of what it read before."""
        self.loaders = Loaders(self.db)

    def take_audit_entries(self) -> list[AuditEntry]:
        """The reads recorded since the last call (a subscription records each event's reads
        before that event is sent)."""
        entries = self.audit_entries()
        self._recorder = None
        return entries


Info = strawberry.Info[Context, None]
