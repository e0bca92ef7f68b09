"""Demo cases (办件) and their electronic supervision: a year of applications to the demo county,
run through the case engine, with the cards, locks and notifications supervision produced.

``seed_cases`` loads them into a database that has the demo county (``seed_foundation``) and the
working calendar but no cases yet.  About 100,000 cases at scale 1 are received over the twelve
months before ``today`` — on working days in office hours mostly, online applications at any
time — for published powers with a promised time limit, popular ones more often.  Each case is
planned as a sequence of events and every event goes through :func:`domain.cases.apply` (see
:mod:`demo.case_story`), so its state, due dates, steps and cards are the engine's.

Generation is pure Python from one ``random.Random`` seeded with ``seed``: the same seed, scale
and ``today`` give the same rows, ids included.  It runs chunk by chunk (about 10,000 cases), each
chunk built in a worker thread while the one before is copied, so memory stays flat at any scale.
Everything loads in one transaction; identity sequences then move past the ids the seed chose.

The receipt's query code is not stored, only its hash (``domain.cases.query_code_hash``, the
one the API checks against); the demo code of any case is recoverable from the seed
(:func:`demo_query_code`) for tests and benchmarks.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import random
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

import asyncpg

from demo.arithmetic import systematic
from demo.bulk_load import bulk_load
from demo.case_people import Applicant, ApplicantMaker
from demo.case_story import Action, CardRecord, Story, Teller, Timing
from demo.case_world import Dept, Power, SeedRandom, World, load_world
from demo.progress import Progress, quiet
from domain.cases import query_code_hash
from domain.supervision import COLOR_LABELS, RULE_LABELS

DEFAULT_SEED = 20261122
DEFAULT_TODAY = date(2026, 11, 20)
CASES_AT_FULL_SCALE = 100_000
CHUNK_CASES = 10_000
# The share of cases that are the lead case of a parallel approval (with one sub-case per other
# department on its map).
P_PARALLEL = 0.01
# Multiplies the chance of every card-raising anomaly (late completion, step overrun, out-of-order
# step, wrong fee, refusal without reason).  At 1.0 about 3 % of cases finish late, 1 % start a
# step out of order and 1 % of fees are wrong (about 6,800 cards at scale 1); at 0.1 about 0.4 %
# finish late and there are about 900 cards in all.
ANOMALY_SCALE = 1.0

MONTH_FACTOR = {
    1: 1.0,
    2: 0.75,
    3: 1.1,
    4: 1.05,
    5: 1.0,
    6: 1.05,
    7: 0.95,
    8: 0.95,
    9: 1.05,
    10: 0.9,
    11: 1.05,
    12: 1.1,
}
# Mondays are busiest; an adjusted working Saturday or Sunday (调休) is an ordinary day.
WEEKDAY_FACTOR = (1.15, 1.05, 1.0, 1.0, 0.92, 0.95, 0.95)
# Online applications keep coming in on weekends and holidays, a trickle of the working-day flow.
RESTDAY_FACTOR = 0.05

# How long after an event the department's system pushed it, cycling (no draw needed).
RECORDING_DELAYS = tuple(
    timedelta(seconds=seconds) for seconds in (3, 41, 7, 12, 88, 5, 26, 9, 63, 15, 4, 33)
)

# How long the notifier took to deliver, cycling.
DELIVERY_DELAYS = tuple(timedelta(seconds=seconds) for seconds in (4, 9, 31, 6, 15, 58, 3, 22))

# Tables whose id the seed assigns and whose identity sequence must follow.
IDENTITY_TABLES = (
    "cases",
    "case_events",
    "cards",
    "case_lock_events",
    "notifications",
    "notification_attempts",
)
# Every table the cases load into.
TABLES = (*IDENTITY_TABLES, "case_steps")
# The tables with a row per case or more: their foreign keys are checked once, when the copies end
# (demo.bulk_load). Cards and their notifications, a few thousand rows, are checked row by row:
# the supervision feed's triggers on them wait for the commit, and turning a trigger of theirs
# off and on again would have to wait for those.
CHECKED_AT_THE_END = ("cases", "case_events", "case_steps")


def demo_query_code(seed: int, case_no: str) -> str:
    """The query code printed on a demo case's receipt: the first six hex digits of
    sha256("{seed}:{case_no}") read as a number, modulo 10**6, zero-padded to six digits."""
    digest = hashlib.sha256(f"{seed}:{case_no}".encode()).hexdigest()
    return f"{int(digest[:6], 16) % 10**6:06d}"


# Rows as COPY writes them, each a table's columns in order (as in demo.rows).
class CaseCopy(NamedTuple):
    id: int
    case_no: str
    query_code_hash: bytes
    power_id: int
    department_id: int
    lead_case_id: int | None
    applicant_kind: str
    applicant_name: str
    applicant_id_number: str
    applicant_phone: str
    applicant_address: str
    region_code: str | None
    channel: str
    received_at: datetime
    accepted_on: date | None
    state: int
    resume_state: int | None
    paused_since: date | None
    paused_days: int
    special_days: int
    promised_limit_days: int | None
    statutory_limit_days: int | None
    promised_due_on: date | None
    statutory_due_on: date | None
    current_step_key: str | None
    fee_charged_yuan: Decimal | None
    completed_at: datetime | None
    completed_on: date | None
    refusal_reason: str | None
    handler_staff_no: str | None
    locked: bool
    last_event_at: datetime
    updated_at: datetime


class CaseEventCopy(NamedTuple):
    id: int
    source: str
    event_id: str
    case_id: int
    kind: str
    state_after: int
    step_key: str | None
    staff_no: str | None
    occurred_at: datetime
    payload: str  # JSON text
    recorded_at: datetime


class CaseStepCopy(NamedTuple):
    case_id: int
    step_key: str
    started_on: date
    started_at: datetime
    finished_at: datetime | None
    finished_on: date | None
    staff_no: str | None
    opinion: str
    paused_before: int
    finished_by: str | None


class CardCopy(NamedTuple):
    id: int
    case_id: int
    rule_code: str
    color: str
    subject: str
    department_id: int
    staff_no: str | None
    evidence: str  # JSON text
    raised_at: datetime
    raised_on: date
    status: str
    explanation: str | None
    explained_by: str | None
    explained_at: datetime | None
    closed_by: str | None
    closed_at: datetime | None
    closing_note: str | None


class LockEventCopy(NamedTuple):
    id: int
    case_id: int
    card_id: int | None
    action: str
    actor: str
    note: str
    at: datetime


class NotificationCopy(NamedTuple):
    id: int
    card_id: int
    recipient: str
    recipient_role: str
    department_id: int
    message: str
    status: str
    attempts: int
    next_attempt_at: datetime
    delivered_at: datetime | None
    created_at: datetime


class AttemptCopy(NamedTuple):
    id: int
    notification_id: int
    attempted_at: datetime
    sender: str
    ok: bool
    detail: str


@dataclass(slots=True)
class Chunk:
    """The rows of one chunk of cases, table by table."""

    cases: list[CaseCopy] = field(default_factory=list)
    case_events: list[CaseEventCopy] = field(default_factory=list)
    case_steps: list[CaseStepCopy] = field(default_factory=list)
    cards: list[CardCopy] = field(default_factory=list)
    case_lock_events: list[LockEventCopy] = field(default_factory=list)
    notifications: list[NotificationCopy] = field(default_factory=list)
    notification_attempts: list[AttemptCopy] = field(default_factory=list)

    def tables(self) -> list[tuple[str, tuple[str, ...], Sequence[tuple[object, ...]]]]:
        """(table, columns, rows) in an order that satisfies the foreign keys."""
        return [
            ("cases", CaseCopy._fields, self.cases),
            ("case_events", CaseEventCopy._fields, self.case_events),
            ("case_steps", CaseStepCopy._fields, self.case_steps),
            ("cards", CardCopy._fields, self.cards),
            ("case_lock_events", LockEventCopy._fields, self.case_lock_events),
            ("notifications", NotificationCopy._fields, self.notifications),
            ("notification_attempts", AttemptCopy._fields, self.notification_attempts),
        ]


@dataclass(frozen=True, slots=True)
class Pool:
    """Powers to draw from, ordered by their largest time limit, with cumulative weights."""

    powers: tuple[Power, ...]
    limits: tuple[int, ...]
    cumulative: tuple[float, ...]

    @classmethod
    def of(cls, powers: Sequence[Power]) -> Pool:
        ordered = sorted(powers, key=lambda p: (p.max_limit, p.id))
        total = 0.0
        cumulative: list[float] = []
        for power in ordered:
            total += power.weight
            cumulative.append(total)
        return cls(tuple(ordered), tuple(p.max_limit for p in ordered), tuple(cumulative))

    def draw(self, rng: random.Random, room: int) -> Power | None:
        """A power by weight among those whose limits fit in ``room`` working days."""
        fitting = bisect_right(self.limits, room)
        if fitting == 0:
            return None
        point = rng.random() * self.cumulative[fitting - 1]
        return self.powers[min(bisect_right(self.cumulative, point), fitting - 1)]


class CaseGenerator:
    """Builds the demo cases chunk by chunk; ids and case numbers carry on across chunks."""

    def __init__(self, world: World, *, seed: int, scale: float, today: date, anomaly_scale: float) -> None:
        self.world = world
        self.seed = seed
        self.today = today
        self.rng = SeedRandom(f"{seed}:cases")
        self.teller = Teller(world, self.rng, today=today, anomaly_scale=anomaly_scale)
        self.people = ApplicantMaker(self.rng, world.places)
        self.total = round(CASES_AT_FULL_SCALE * scale)
        self.regular = Pool.of([p for p in world.powers if p.id not in world.partners])
        self.parallel = Pool.of([p for p in world.powers if p.id in world.partners])
        self.sequences: dict[str, int] = {}
        self.next_case = 1
        self.next_event = 1
        self.next_card = 1
        self.next_lock = 1
        self.next_notification = 1
        self.next_attempt = 1

    def days(self) -> list[list[tuple[date, int]]]:
        """How many cases arrive on each of the 365 days before ``today``, grouped into chunks."""
        days = [self.today - timedelta(days=back) for back in range(365, 0, -1)]
        weights = [
            MONTH_FACTOR[day.month]
            * (WEEKDAY_FACTOR[day.weekday()] if day in self.world.index else RESTDAY_FACTOR)
            for day in days
        ]
        counts = systematic(self.rng, self.total, weights)
        chunks: list[list[tuple[date, int]]] = [[]]
        size = 0
        for day, count in zip(days, counts, strict=True):
            if size >= CHUNK_CASES:
                chunks.append([])
                size = 0
            chunks[-1].append((day, count))
            size += count
        return chunks

    def build(self, days: Sequence[tuple[date, int]]) -> Chunk:
        chunk = Chunk()
        for day, count in days:
            working = day in self.world.index
            arrivals = sorted(self.arrival(working) for _ in range(count))
            for minute, channel in arrivals:
                self.one(chunk, day, minute, channel)
        return chunk

    def arrival(self, working: bool) -> tuple[int, str]:
        """When an application arrives and through which channel (rest days: online only)."""
        rng = self.rng
        if not working:
            channel = "online" if rng.random() < 0.7 else "wechat"
            return rng.randint(8 * 60, 22 * 60), channel
        channel = rng.choices(("window", "online", "wechat", "proxy"), (0.55, 0.25, 0.13, 0.07))[0]
        if channel in ("online", "wechat") and rng.random() < 0.3:
            return rng.choice((rng.randint(7 * 60, 8 * 60 + 29), rng.randint(18 * 60, 23 * 60 + 30))), channel
        return self.teller.office_minute(), channel

    def one(self, chunk: Chunk, day: date, minute: int, channel: str) -> None:
        """Plan, run and store one case (with its sub-cases when it leads a parallel approval)."""
        rng = self.rng
        world = self.world
        room = self.teller.room(day)
        power = self.parallel.draw(rng, room) if self.parallel.powers and rng.random() < P_PARALLEL else None
        if power is None:
            power = self.regular.draw(rng, room)
        if power is None:
            raise RuntimeError(f"no power fits the loaded calendar for a case received on {day}")
        dept = world.departments[power.department_id]
        if channel == "proxy" and dept.service_level == "county" and rng.random() < 0.6:
            channel = "window"
        share = power.organisation_share * (0.6 if dept.service_level == "township" else 1.0)
        kind = "organisation" if rng.random() < share else "person"
        applicant = self.people.applicant(kind, dept.township_code, day)
        partners = world.partners.get(power.id)
        actions, variant, timings = self.teller.plan(
            power, dept, day, minute, channel, plain=partners is not None
        )
        subs: list[tuple[Power, Dept, list[Action]]] = []
        if partners:
            subs = self.sub_cases(power, variant.keys, timings, partners, actions)
        story = self.teller.run(actions, dept=dept, terms=power.terms, case_map=power.case_map)
        lead_id = self.store(chunk, story, power, dept, applicant, channel, lead=None)
        for sub_power, partner, sub_actions in subs:
            sub_story = self.teller.run(
                sub_actions, dept=partner, terms=sub_power.terms, case_map=sub_power.case_map
            )
            self.store(chunk, sub_story, sub_power, partner, applicant, "online", lead=lead_id)

    def sub_cases(
        self,
        power: Power,
        keys: Sequence[str],
        timings: Mapping[str, Timing],
        partners: Mapping[int, Power],
        actions: list[Action],
    ) -> list[tuple[Power, Dept, list[Action]]]:
        """统一受理、抄告相关、同步审批、集中回复: when the lead hands the application over, each other
        department on the map files a sub-case under its own power and handles it while its branch
        of the lead's map runs; the lead's joint decision (and all after it) waits until every
        sub-case is completed."""
        teller = self.teller
        subs: list[tuple[Power, Dept, list[Action]]] = []
        done = (-1, 0)
        for department_id, sub_power in partners.items():
            branch = [
                key for key in keys if power.steps[key].department_id == department_id and key in timings
            ]
            if not branch:
                continue
            start = min(timings[key].start for key in branch)
            end = max(timings[key].finish for key in branch)
            received = (start[0], start[1] - 2)
            if received[0] >= teller.today_index or sub_power.max_limit > teller.room(
                self.world.working[received[0]]
            ):
                continue
            partner = self.world.departments[department_id]
            sub_actions = teller.plan_sub(sub_power, partner, received, end[0] - start[0])
            done = max(done, (sub_actions[-1].day, sub_actions[-1].minute))
            subs.append((sub_power, partner, sub_actions))
        joins = [
            key
            for key in keys
            if key in timings
            and power.steps[key].department_id == power.department_id
            and any(power.steps[p].department_id in partners for p in power.case_map.predecessors(key))
        ]
        if joins and subs:
            join = min(timings[key].start for key in joins)
            if done >= join:
                delta = done[0] - join[0] + (1 if done[1] >= join[1] else 0)
                for action in actions:
                    if (action.day, action.minute) >= join:
                        action.day += delta
        return subs

    def store(
        self,
        chunk: Chunk,
        story: Story,
        power: Power,
        dept: Dept,
        applicant: Applicant,
        channel: str,
        *,
        lead: int | None,
    ) -> int:
        """Append the case's rows to ``chunk``; returns its id."""
        case = story.case
        case_id = self.next_case
        self.next_case += 1
        sequence = self.sequences.get(dept.code, 0) + 1
        self.sequences[dept.code] = sequence
        case_no = f"{case.received_on:%Y%m%d}{dept.code}{sequence:06d}"
        promised_due, statutory_due = case.due_dates(self.world.calendar)
        last_event_at = story.last_event_at
        chunk.cases.append(
            CaseCopy(
                id=case_id,
                case_no=case_no,
                query_code_hash=query_code_hash(case_no, demo_query_code(self.seed, case_no)),
                power_id=power.id,
                department_id=dept.id,
                lead_case_id=lead,
                applicant_kind=applicant.kind,
                applicant_name=applicant.name,
                applicant_id_number=applicant.id_number,
                applicant_phone=applicant.phone,
                applicant_address=applicant.address,
                region_code=applicant.region_code,
                channel=channel,
                received_at=case.received_at,
                accepted_on=case.accepted_on,
                state=int(case.state),
                resume_state=int(case.resume_state) if case.resume_state is not None else None,
                paused_since=case.paused_since,
                paused_days=case.paused_days,
                special_days=case.special_days,
                promised_limit_days=case.promised_limit_days,
                statutory_limit_days=case.statutory_limit_days,
                promised_due_on=promised_due,
                statutory_due_on=statutory_due,
                current_step_key=case.current_step_key,
                fee_charged_yuan=case.fee_charged_yuan,
                completed_at=case.completed_at,
                completed_on=case.completed_on,
                refusal_reason=case.refusal_reason,
                handler_staff_no=case.handler_staff_no,
                locked=story.locked,
                last_event_at=last_event_at,
                updated_at=story.updated_at or last_event_at,
            )
        )
        for number, event in enumerate(story.events, start=1):
            chunk.case_events.append(
                CaseEventCopy(
                    id=self.next_event,
                    source=event.source,
                    event_id=f"{case_no}-{number}",
                    case_id=case_id,
                    kind=event.kind,
                    state_after=event.state_after,
                    step_key=event.step_key,
                    staff_no=event.staff_no,
                    occurred_at=event.occurred_at,
                    payload=event.payload,
                    recorded_at=event.occurred_at + RECORDING_DELAYS[number % len(RECORDING_DELAYS)],
                )
            )
            self.next_event += 1
        for progress in case.steps.values():
            chunk.case_steps.append(
                CaseStepCopy(
                    case_id=case_id,
                    step_key=progress.key,
                    started_on=progress.started_on,
                    started_at=progress.started_at,
                    finished_at=progress.finished_at,
                    finished_on=progress.finished_on,
                    staff_no=progress.staff_no,
                    opinion=progress.opinion,
                    paused_before=progress.paused_before,
                    finished_by=progress.finished_by,
                )
            )
        card_ids: list[int] = []
        for card in story.cards:
            card_id = self.next_card
            self.next_card += 1
            card_ids.append(card_id)
            chunk.cards.append(
                CardCopy(
                    id=card_id,
                    case_id=case_id,
                    rule_code=card.rule,
                    color=card.color,
                    subject=card.subject,
                    department_id=dept.id,
                    staff_no=card.staff_no,
                    evidence=card.evidence,
                    raised_at=card.raised_at,
                    raised_on=card.raised_on,
                    status=card.status,
                    explanation=card.explanation,
                    explained_by=card.explained_by,
                    explained_at=card.explained_at,
                    closed_by=card.closed_by,
                    closed_at=card.closed_at,
                    closing_note=card.closing_note,
                )
            )
            self.notify(chunk, card_id, card, case_no, dept)
        for lock in story.locks:
            chunk.case_lock_events.append(
                LockEventCopy(
                    id=self.next_lock,
                    case_id=case_id,
                    card_id=card_ids[lock.card],
                    action=lock.action,
                    actor=lock.actor,
                    note=lock.note,
                    at=lock.at,
                )
            )
            self.next_lock += 1
        return case_id

    def notify(self, chunk: Chunk, card_id: int, card: CardRecord, case_no: str, dept: Dept) -> None:
        """The card's notifications as the API writes them (services.supervision.raise_cards): the
        same message to the handler and the department's approver; delivered by the log sender
        soon after, except for cards raised on ``today``, still in the outbox."""
        message = (
            f"【电子监察{COLOR_LABELS[card.color]}】办件 {case_no}：{RULE_LABELS.get(card.rule, card.rule)}"
        )
        if card.color == "red":
            message += "。办件已锁定，请提交说明，待纪委监委解锁后继续办理"
        recipients = [(card.staff_no, "handler")] if card.staff_no else []
        recipients.append((dept.approver, "approver"))
        delivered = card.raised_on < self.today
        for recipient, role in dict.fromkeys(recipients):
            notification_id = self.next_notification
            self.next_notification += 1
            delivered_at = card.raised_at + DELIVERY_DELAYS[notification_id % len(DELIVERY_DELAYS)]
            chunk.notifications.append(
                NotificationCopy(
                    id=notification_id,
                    card_id=card_id,
                    recipient=recipient,
                    recipient_role=role,
                    department_id=dept.id,
                    message=message,
                    status="delivered" if delivered else "pending",
                    attempts=1 if delivered else 0,
                    next_attempt_at=card.raised_at,
                    delivered_at=delivered_at if delivered else None,
                    created_at=card.raised_at,
                )
            )
            if delivered:
                chunk.notification_attempts.append(
                    AttemptCopy(self.next_attempt, notification_id, delivered_at, "log", True, "")
                )
                self.next_attempt += 1


async def seed_cases(
    conn: asyncpg.Connection,
    *,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    today: date = DEFAULT_TODAY,
    progress: Progress = quiet,
) -> dict[str, int]:
    """Load the demo cases when there are none yet; return how many rows went into each table
    (an empty dict when the database already had cases), telling ``progress`` after each chunk.
    Needs the demo county and the working calendar loaded first."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    async with conn.transaction():
        # Two processes starting on an empty database must not both load it.
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext('sunshine-seed-cases'))")
        if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM cases)"):
            return {}
        world = await load_world(conn, seed=seed, today=today)
        generator = CaseGenerator(world, seed=seed, scale=scale, today=today, anomaly_scale=ANOMALY_SCALE)
        chunks = generator.days()
        counts: dict[str, int] = dict.fromkeys(TABLES, 0)
        received = 0
        # Build the next chunk in a thread while this one is copied: the server works meanwhile.
        building = asyncio.ensure_future(asyncio.to_thread(generator.build, chunks[0]))
        try:
            async with bulk_load(conn, tables=CHECKED_AT_THE_END):
                for position in range(len(chunks)):
                    chunk = await building
                    if position + 1 < len(chunks):
                        building = asyncio.ensure_future(
                            asyncio.to_thread(generator.build, chunks[position + 1])
                        )
                    for table, columns, rows in chunk.tables():
                        if rows:
                            await conn.copy_records_to_table(table, records=rows, columns=columns)
                        counts[table] += len(rows)
                    # Applications received so far (the sub-cases of parallel approvals come on top).
                    received += sum(count for _, count in chunks[position])
                    progress("cases", received, generator.total)
        finally:
            # A failed copy leaves a chunk being built; let it finish before the caller goes on.
            if not building.done():
                with contextlib.suppress(Exception):
                    await building
        # The seed numbered each table's rows 1..n; identity columns carry on from n + 1.
        for table in IDENTITY_TABLES:
            await conn.execute(
                "SELECT setval(pg_get_serial_sequence($1, 'id'), $2, false)", table, counts[table] + 1
            )
    return counts


__all__ = ["demo_query_code", "query_code_hash", "seed_cases"]
