"""One demo case from receipt to where it stands on the morning of ``today``.

A case is planned as a list of events in time order — receipt, acceptance, the steps of one way
through its process map (parallel branches side by side, one branch of each alternative), pauses,
the fee, completion, the certificate — and then *run*: every event goes through
:func:`domain.cases.apply`, so state, due dates, paused days, steps and cards are what the engine
computes.  Events from ``today`` on have not happened yet, which leaves the recent cases open.

A red card locks the case, as the API does (``services.supervision.raise_cards``): the department
explains each card, discipline closes them and releases the lock, and work resumes after the
release (the remaining events move later).  When that has not happened before ``today`` the case
stays locked and its story ends there.  Finally the supervision sweep of ``today``
(:func:`domain.cases.time_cards`) adds the time cards of the cases still open, locking those it
gives a red card.

Day numbers are indices into the working days of the loaded calendar; minutes count from
midnight, Asia/Shanghai.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

from demo.case_world import Dept, Power, Variant, World
from domain.cases import (
    CLOSED,
    CardCandidate,
    Case,
    CaseMap,
    CompletionResult,
    Event,
    EventKind,
    PowerTerms,
    apply,
    receive,
    time_cards,
)

CHINA_TIME = timezone(timedelta(hours=8))
ONE_SECOND = timedelta(seconds=1)
# The supervision sweep runs early on ``today``; its cards and locks carry this time.
SWEEP_AT = time(1, 0)
SWEEP_RULES: Mapping[str, Mapping[str, Any]] = {
    "NEAR_DEADLINE": {"ratio": 0.9},
    "OVERDUE": {},
    "STEP_OVERDUE": {},
}
# The actor of an automatic lock, as the API writes it (services.supervision.raise_cards).
LOCKED_BY = "电子监察系统"
DISCIPLINE_STAFF = ("JW-0001", "JW-0002", "JW-0003", "JW-0004", "JW-0005", "JW-0006")

# How cases end, before any anomaly.  The card-raising anomalies are multiplied by
# ``anomaly_scale`` (1.0 gives the rates below; 0.1 a tenth of the red cards).
P_WITHDRAWN_BEFORE_ACCEPTANCE = 0.004
P_NOT_ACCEPTED = 0.012
P_REJECTED = 0.018
P_REFUSAL_WITHOUT_REASON = 0.015  # of refusals at acceptance and at completion
P_REFUSED = 0.03
P_PENDING_DOCS = 0.02
P_WITHDRAWN = 0.003
P_RECALLED = 0.001
P_REVOKED = 0.001  # of approvals, some weeks later
P_SUPPLEMENT = 0.06
P_SPECIAL = 0.012
P_CERTIFICATE = 0.96
P_LATE = 0.018
P_SLOW = 0.12  # of on-time cases: they use 80-100 % of the promised limit
P_LATE_BY_OVERRUN = 0.6  # the rest of the late cases waited between steps
P_OVERRUN = 0.008
P_OUT_OF_ORDER = 0.02  # of cases whose way has a step with a single predecessor
P_FEE_WRONG = 0.01
P_EXPLAINED_LATE = 0.04  # of red cards: the department takes weeks to explain

NOT_ACCEPTED_REASONS = (
    "申请事项依法不需要取得行政许可，已当场告知申请人",
    "申请事项不属于本机关职权范围，已告知申请人向有关行政机关申请",
    "申请人不属于本辖区，已告知向户籍（注册）地机关申请",
)
REJECTED_REASONS = (
    "申请材料不齐全，经一次性告知后逾期未补正",
    "申请人不具备申请主体资格",
    "申请材料不符合法定形式",
    "同一事项已在办理中，不予重复受理",
)
REFUSED_REASONS = (
    "经审查，申请人不符合法定条件，依法作出不予许可决定",
    "现场核查情况与申请材料不符",
    "申请材料存在虚假内容，依法不予通过",
    "不符合相关规划和技术规范要求",
    "经公示有异议且查证属实",
)
SUPPLEMENT_REASONS = (
    "申请材料不齐全，已一次性告知需补正的全部内容",
    "申请表填写不规范，需重新填写",
    "身份证明材料复印件不清晰，需补交",
    "缺少相关证明材料原件，需补交核验",
)
SPECIAL_REASONS = ("组织专家评审", "依法举行听证", "委托检验检测", "依法公示", "征求相关部门意见")
OPINIONS = (
    "同意",
    "材料齐全，符合法定形式",
    "经审查，符合条件",
    "核查属实，同意",
    "同意办理",
    "拟同意，报审批",
)
REFUSAL_OPINION = "经审查不符合条件，拟不予通过"
WITHDRAW_REASONS = ("申请人主动申请撤回", "申请人因故放弃办理")
RECALL_REASONS = ("受理有误，依法撤回",)
REVOKE_REASONS = ("申请人以欺骗手段取得许可，依法撤销", "许可决定违反法定程序，依法撤销")
EXPLANATIONS: Mapping[str, tuple[str, ...]] = {
    "OVERDUE": (
        "因申请人补充材料耗时较长致逾期，已加强时限管理",
        "承办人请假未及时移交，已落实AB角制度",
        "业务系统对接延迟，办件状态未及时推送，已整改",
    ),
    "STEP_OVERDUE": (
        "现场核查需协调申请人时间，环节超时，已整改",
        "环节承办人外出培训，已落实AB角制度",
        "审批人出差，签批延误，已改为网上签批",
    ),
    "STEP_OUT_OF_ORDER": (
        "为压缩办理时间提前启动后续环节，已规范流程顺序",
        "系统录入顺序错误，实际按流程办理，已更正",
    ),
    "FEE_MISMATCH": (
        "收费标准调整后系统未同步，已退还多收款项",
        "窗口录入金额错误，已更正并退补差额",
    ),
    "REFUSAL_WITHOUT_REASON": ("已补充书面说明理由并送达申请人",),
    "STEP_SKIPPED": ("已补办遗漏环节并完善记录",),
    "NEAR_DEADLINE": ("已督促承办人加快办理",),
}
CLOSING_NOTES = (
    "说明理由成立，予以销号",
    "已责令整改，予以解锁销号",
    "经核查属实，约谈承办人后解锁",
    "整改到位，同意解锁",
    "已纳入当月绩效考核，予以销号",
)


@dataclass(slots=True)
class Action:
    """An event not yet run: ``day`` indexes the working days (the receipt may fall on any
    calendar day, given by ``on``)."""

    day: int
    minute: int
    kind: EventKind
    sender: Dept
    step_key: str | None = None
    staff_no: str | None = None
    result: CompletionResult | None = None
    reason: str | None = None
    amount: Decimal | None = None
    on: date | None = None


@dataclass(slots=True)
class EventRecord:
    source: str
    kind: str
    state_after: int
    step_key: str | None
    staff_no: str | None
    occurred_at: datetime
    payload: str


@dataclass(slots=True)
class CardRecord:
    rule: str
    color: str
    subject: str
    evidence: str
    staff_no: str | None
    raised_at: datetime
    raised_on: date
    # The working-day index it was raised on, for its age.
    day: int
    status: str = "open"
    explanation: str | None = None
    explained_by: str | None = None
    explained_at: datetime | None = None
    closed_by: str | None = None
    closed_at: datetime | None = None
    closing_note: str | None = None


@dataclass(slots=True)
class LockRecord:
    card: int  # index into Story.cards
    action: str
    actor: str
    note: str
    at: datetime


@dataclass(slots=True)
class Story:
    case: Case
    case_map: CaseMap
    last_event_at: datetime
    events: list[EventRecord] = field(default_factory=list)
    cards: list[CardRecord] = field(default_factory=list)
    locks: list[LockRecord] = field(default_factory=list)
    locked: bool = False
    updated_at: datetime | None = None


@dataclass(slots=True)
class Timing:
    """When one step of a way starts and finishes: (day, minute) pairs."""

    start: tuple[int, int]
    finish: tuple[int, int]


class Teller:
    """Plans and runs cases for one generator run; holds the random source and the calendar."""

    def __init__(self, world: World, rng: random.Random, *, today: date, anomaly_scale: float) -> None:
        self.world = world
        self.rng = rng
        self.today = today
        self.today_index = world.first_working_index(today)
        self.sweep_at = datetime.combine(today, SWEEP_AT, CHINA_TIME)
        self.scale = anomaly_scale
        # The last working day the calendar knows: no due date may fall after it.
        self.last_index = len(world.working) - 1
        self.midnights: dict[int, datetime] = {}

    # ---------------------------------------------------------------------------------------
    # Time
    # ---------------------------------------------------------------------------------------

    def at(self, day: int, minute: int) -> datetime:
        """The moment of ``minute`` on working day ``day`` (with a few seconds for realism)."""
        midnight = self.midnights.get(day)
        if midnight is None:
            midnight = self.midnights[day] = datetime.combine(self.world.working[day], time(0), CHINA_TIME)
        return midnight + timedelta(seconds=min(minute, 24 * 60 - 1) * 60 + int(self.rng.random() * 60))

    def office_minute(self) -> int:
        """A minute in office hours: 08:30–12:00 or 14:00–17:30."""
        rng = self.rng
        return rng.randint(510, 719) if rng.random() < 0.58 else rng.randint(840, 1049)

    def later(self, moment: tuple[int, int], low: int, high: int) -> tuple[int, int]:
        """A few minutes after ``moment``; after 20:30 work waits for the next morning."""
        day, minute = moment
        minute += self.rng.randint(low, high)
        if minute > 20 * 60 + 30:
            return day + 1, self.rng.randint(510, 600)
        return day, minute

    # ---------------------------------------------------------------------------------------
    # Planning
    # ---------------------------------------------------------------------------------------

    def room(self, received: date) -> int:
        """The largest time limit a case received on ``received`` may have so that its due dates
        (plus an acceptance a few days later) stay inside the loaded calendar."""
        return self.last_index - self.world.first_working_index(received) - 3

    def plan(
        self,
        power: Power,
        dept: Dept,
        received_on: date,
        received_minute: int,
        channel: str,
        *,
        plain: bool = False,
    ) -> tuple[list[Action], Variant, dict[str, Timing]]:
        """The events of one case in time order, the way it takes and when each step runs.

        ``plain`` plans a case without pauses, refusals or anomalies: the lead case of a parallel
        approval, whose joint decision waits for its sub-cases.  Its branches in other departments
        are reported by those departments (the events' source).
        """
        rng = self.rng
        world = self.world
        acceptor = rng.choice(dept.acceptors)
        approver = rng.choice(dept.approvers)
        actions: list[Action] = []

        def add(moment: tuple[int, int], kind: EventKind, sender: Dept, **fields: Any) -> None:
            actions.append(Action(moment[0], moment[1], kind, sender, **fields))

        first = world.first_working_index(received_on)
        on_working_day = received_on in world.index
        add(
            (first, received_minute),
            EventKind.RECEIVED,
            dept,
            staff_no=acceptor if channel in ("window", "proxy") else None,
            on=received_on,
        )
        # Acceptance: at the window within minutes; online applications within two working days.
        if channel in ("window", "proxy") and on_working_day and received_minute < 17 * 60:
            accepted = (first, received_minute + rng.randint(5, 30))
        elif on_working_day and received_minute < 16 * 60 and rng.random() < 0.5:
            accepted = (first, max(received_minute, 510) + rng.randint(10, 120))
        else:
            accepted = (first + (1 if on_working_day else 0) + rng.choice((0, 0, 1)), self.office_minute())
        if not plain:
            draw = rng.random()
            for kind, chance, reasons in (
                (EventKind.WITHDRAWN, P_WITHDRAWN_BEFORE_ACCEPTANCE, WITHDRAW_REASONS),
                (EventKind.NOT_ACCEPTED, P_NOT_ACCEPTED, NOT_ACCEPTED_REASONS),
                (EventKind.REJECTED, P_REJECTED, REJECTED_REASONS),
            ):
                if draw < chance:
                    reason: str | None = rng.choice(reasons)
                    if (
                        kind is not EventKind.WITHDRAWN
                        and rng.random() < P_REFUSAL_WITHOUT_REASON * self.scale
                    ):
                        reason = None
                    add(accepted, kind, dept, staff_no=acceptor, reason=reason)
                    return actions, power.variants[0], {}
                draw -= chance
        add(accepted, EventKind.ACCEPTED, dept, staff_no=acceptor)
        variant = self.choose_variant(power)

        # How long the handling takes, in working days from acceptance.
        limit = power.terms.promised_limit_days or 1
        late = not plain and rng.random() < P_LATE * self.scale
        if late:
            target = limit + rng.randint(1, max(1, limit // 3))
        else:
            # Most cases finish well within the promise; a slow share runs close to it.
            share = rng.uniform(0.8, 1.0) if rng.random() < P_SLOW else rng.betavariate(1.7, 2.3)
            target = round(limit * share)
        durations = self.durations(power, variant, min(target, variant.critical))
        wait = 0
        # Time the way does not need is spent waiting in the queue before the first step.
        queue = 0 if late else max(0, target - self.longest(variant, durations))
        if late:
            excess = target - self.longest(variant, durations)
            if excess > 0:
                if rng.random() < P_LATE_BY_OVERRUN:
                    durations[rng.choice(self.critical_path(variant, durations))] += excess
                else:
                    wait = excess
        elif not plain and rng.random() < P_OVERRUN * self.scale:
            key = rng.choice(variant.keys)
            durations[key] = power.steps[key].limit_days + rng.randint(1, 3)

        # How the case ends, and after which step when it ends early.
        outcome = "APPROVED"
        stop_after: str | None = None
        pause: tuple[str, int, EventKind] | None = None
        early: str | None = None
        if not plain:
            draw = rng.random()
            for name, chance in (
                ("REFUSED", P_REFUSED),
                ("APPROVED_PENDING_DOCS", P_PENDING_DOCS),
                ("WITHDRAWN", P_WITHDRAWN),
                ("RECALLED", P_RECALLED),
            ):
                if draw < chance:
                    outcome = name
                    break
                draw -= chance
            if outcome in ("REFUSED", "WITHDRAWN", "RECALLED"):
                stop_after = rng.choice(variant.cuts)
            if rng.random() < P_SUPPLEMENT:
                pause = (rng.choice(variant.cuts), rng.randint(1, 5), EventKind.SUPPLEMENT_STARTED)
            elif rng.random() < P_SPECIAL and len(variant.keys) > 1:
                pause = (
                    rng.choice(variant.cuts[1:] or variant.cuts),
                    rng.randint(3, 10),
                    EventKind.SPECIAL_STARTED,
                )
            # A pause moves the due dates out, and they must stay inside the loaded calendar.
            if pause is not None and pause[1] > self.room(received_on) - power.max_limit:
                pause = None
            if rng.random() < P_OUT_OF_ORDER * self.scale:
                # Prefer a step that, like its predecessor, has a day in hand: the lock that
                # follows the card holds both up.
                singles = [key for key in variant.keys if len(variant.preds[key]) == 1]
                roomy = [
                    key
                    for key in singles
                    if durations[key] < power.steps[key].limit_days
                    and durations[variant.preds[key][0]] < power.steps[variant.preds[key][0]].limit_days
                ]
                if roomy or singles:
                    early = rng.choice(roomy or singles)

        staff: dict[tuple[int, str], str] = {}

        def holder(step_dept: Dept, post: str) -> str:
            key = (step_dept.id, post)
            if key not in staff:
                staff[key] = step_dept.holder(rng, post)
            return staff[key]

        ready = accepted if queue == 0 else (accepted[0] + queue, self.office_minute())
        timings, pause_span = self.schedule(variant, durations, ready, pause, early)
        keys = list(variant.keys)
        if stop_after is not None:
            keys = keys[: keys.index(stop_after) + 1]
        if pause is not None and pause_span is not None and pause[0] in keys:
            kind = pause[2]
            supplement = kind is EventKind.SUPPLEMENT_STARTED
            text = rng.choice(SUPPLEMENT_REASONS if supplement else SPECIAL_REASONS)
            add(pause_span[0], kind, dept, staff_no=acceptor, reason=text)
            ends = EventKind.SUPPLEMENT_ENDED if supplement else EventKind.SPECIAL_ENDED
            add(pause_span[1], ends, dept, staff_no=acceptor)
        for key in keys:
            step = power.steps[key]
            step_dept = world.departments[step.department_id]
            who = holder(step_dept, step.post_name)
            timing = timings[key]
            opinion = REFUSAL_OPINION if outcome == "REFUSED" and key == stop_after else rng.choice(OPINIONS)
            add(timing.start, EventKind.STEP_STARTED, step_dept, step_key=key, staff_no=who)
            add(timing.finish, EventKind.STEP_FINISHED, step_dept, step_key=key, staff_no=who, reason=opinion)
        end = max(timings[key].finish for key in keys)
        if wait:
            end = (end[0] + wait, self.office_minute())
        closing = self.later(end, 4, 40)
        if outcome in ("WITHDRAWN", "RECALLED"):
            withdrawn = outcome == "WITHDRAWN"
            if rng.random() < 0.5:
                closing = max(closing, (end[0] + rng.randint(1, 3), self.office_minute()))
            kind = EventKind.WITHDRAWN if withdrawn else EventKind.RECALLED
            reason = rng.choice(WITHDRAW_REASONS if withdrawn else RECALL_REASONS)
            add(closing, kind, dept, staff_no=acceptor, reason=reason)
            return self.ordered(actions), variant, timings
        result = CompletionResult(outcome)
        if result is not CompletionResult.REFUSED and power.charges:
            fee = power.terms.fee_yuan or Decimal(0)
            if rng.random() < P_FEE_WRONG * self.scale:
                fee = fee * 2 if rng.random() < 0.5 else fee + Decimal(rng.choice((5, 10, 20)))
            add((closing[0], closing[1] - 2), EventKind.FEE_CHARGED, dept, staff_no=acceptor, amount=fee)
        reason = None
        if result is CompletionResult.REFUSED:
            reason = rng.choice(REFUSED_REASONS)
            if rng.random() < P_REFUSAL_WITHOUT_REASON * self.scale:
                reason = None
        add(closing, EventKind.COMPLETED, dept, staff_no=approver, result=result, reason=reason)
        if result is not CompletionResult.REFUSED and rng.random() < P_CERTIFICATE:
            printer = holder(dept, "制证发证岗") if "制证发证岗" in dept.by_post else acceptor
            if rng.random() < 0.7:
                printed = self.later(closing, 10, 120)
            else:
                printed = (closing[0] + 1, self.office_minute())
            add(printed, EventKind.CERTIFICATE_PRINTED, dept, staff_no=printer)
            if result is CompletionResult.APPROVED and rng.random() < P_REVOKED:
                revoked = (printed[0] + rng.randint(10, 60), self.office_minute())
                add(revoked, EventKind.REVOKED, dept, staff_no=approver, reason=rng.choice(REVOKE_REASONS))
        return self.ordered(actions), variant, timings

    @staticmethod
    def ordered(actions: list[Action]) -> list[Action]:
        """In time order, the receipt first (one on a rest day carries the next working day's
        index); events at the same minute keep the order they were planned in."""
        return [
            action
            for _, action in sorted(
                enumerate(actions),
                key=lambda pair: (
                    pair[1].kind is not EventKind.RECEIVED,
                    pair[1].day,
                    pair[1].minute,
                    pair[0],
                ),
            )
        ]

    def choose_variant(self, power: Power) -> Variant:
        variants = power.variants
        if len(variants) == 1:
            return variants[0]
        return self.rng.choices(variants, [v.weight for v in variants])[0]

    def durations(self, power: Power, variant: Variant, target: int) -> dict[str, int]:
        """Working days per step so that the way takes about ``target`` days, no step over its
        limit."""
        limits = {key: power.steps[key].limit_days for key in variant.keys}
        if target >= variant.critical:
            return limits
        ratio = target / variant.critical
        days = {key: int(limit * ratio) for key, limit in limits.items()}
        for _ in range(2):
            key = self.rng.choice(variant.keys)
            if days[key] < limits[key]:
                days[key] += 1
                if self.longest(variant, days) > target:
                    days[key] -= 1
        return days

    @staticmethod
    def longest(variant: Variant, days: Mapping[str, int]) -> int:
        reach: dict[str, int] = {}
        for key in variant.keys:
            reach[key] = days[key] + max((reach[p] for p in variant.preds[key]), default=0)
        return max(reach[key] for key in variant.terminals)

    @staticmethod
    def critical_path(variant: Variant, days: Mapping[str, int]) -> list[str]:
        reach: dict[str, int] = {}
        for key in variant.keys:
            reach[key] = days[key] + max((reach[p] for p in variant.preds[key]), default=0)
        key = max(variant.terminals, key=reach.__getitem__)
        path = [key]
        while variant.preds[key]:
            key = max(variant.preds[key], key=reach.__getitem__)
            path.append(key)
        return path

    def schedule(
        self,
        variant: Variant,
        days: Mapping[str, int],
        accepted: tuple[int, int],
        pause: tuple[str, int, EventKind] | None,
        early: str | None,
    ) -> tuple[dict[str, Timing], tuple[tuple[int, int], tuple[int, int]] | None]:
        """When each step runs: a few minutes after its predecessors finished, after the pause
        when the pause comes before it, and for the ``early`` step before its predecessor
        finished (on the day it finishes)."""
        rng = self.rng
        timings: dict[str, Timing] = {}
        span: tuple[tuple[int, int], tuple[int, int]] | None = None
        for key in variant.keys:
            preds = variant.preds[key]
            ready = max((timings[p].finish for p in preds), default=accepted)
            done = ready
            if pause is not None and key == pause[0]:
                started = self.later(ready, 2, 30)
                ended = (started[0] + pause[1], self.office_minute())
                span = (started, ended)
                ready = ended
            start = self.later(ready, 3, 30)
            if key == early and (pause is None or pause[0] != key):
                before = timings[preds[0]]
                low = before.start[1] + 1 if before.start[0] == before.finish[0] else 510
                high = before.finish[1] - 1
                if low <= high:
                    start = (before.finish[0], rng.randint(low, high))
            if days[key] == 0:
                finish = (start[0], min(start[1] + rng.randint(5, 60), 24 * 60 - 10))
                if finish < done:
                    finish = (done[0], min(done[1] + rng.randint(1, 20), 24 * 60 - 5))
            else:
                finish = (start[0] + days[key], self.office_minute())
            timings[key] = Timing(start, finish)
        return timings, span

    # ---------------------------------------------------------------------------------------
    # Running
    # ---------------------------------------------------------------------------------------

    def plan_sub(self, power: Power, dept: Dept, received: tuple[int, int], window: int) -> list[Action]:
        """A sub-case of a parallel approval: filed by ``dept`` under its own ``power`` when the
        lead hands the application over, handled within ``window`` working days, approved."""
        rng = self.rng
        acceptor = rng.choice(dept.acceptors)
        on = self.world.working[received[0]]
        actions = [
            Action(received[0], received[1], EventKind.RECEIVED, dept, staff_no=acceptor, on=on),
            Action(received[0], received[1] + 1, EventKind.ACCEPTED, dept, staff_no=acceptor),
        ]
        variant = self.choose_variant(power)
        durations = self.durations(power, variant, min(window, variant.critical))
        timings, _ = self.schedule(variant, durations, (received[0], received[1] + 1), None, None)
        staff: dict[str, str] = {}
        for key in variant.keys:
            step = power.steps[key]
            step_dept = self.world.departments[step.department_id]
            who = staff.setdefault(step.post_name, step_dept.holder(rng, step.post_name))
            timing = timings[key]
            actions.append(
                Action(*timing.start, EventKind.STEP_STARTED, step_dept, step_key=key, staff_no=who)
            )
            actions.append(
                Action(
                    *timing.finish,
                    EventKind.STEP_FINISHED,
                    step_dept,
                    step_key=key,
                    staff_no=who,
                    reason=rng.choice(OPINIONS),
                )
            )
        done = self.later(max(timings[key].finish for key in variant.keys), 1, 5)
        actions.append(
            Action(
                *done,
                EventKind.COMPLETED,
                dept,
                staff_no=rng.choice(dept.approvers),
                result=CompletionResult.APPROVED,
            )
        )
        return self.ordered(actions)

    # ---------------------------------------------------------------------------------------
    # Running
    # ---------------------------------------------------------------------------------------

    def run(
        self,
        actions: Sequence[Action],
        *,
        dept: Dept,
        terms: PowerTerms,
        case_map: CaseMap,
    ) -> Story:
        """Apply the planned events up to ``today`` and return the case as it stands."""
        world = self.world
        rules = world.rules
        first = actions[0]
        received_on = first.on or world.working[first.day]
        received_at = datetime.combine(
            received_on,
            time(*divmod(first.minute, 60), self.rng.randrange(60)),
            CHINA_TIME,
        )
        case = receive(
            _event(first, received_at, received_on),
            department_id=dept.id,
            terms=terms,
        )
        story = Story(case=case, case_map=case_map, last_event_at=received_at)
        story.events.append(_record(first, case, received_at))
        shift = 0
        position = 1
        while position < len(actions):
            action = actions[position]
            day = action.day + shift
            if day >= self.today_index:
                break
            moment = self.at(day, action.minute)
            if moment <= story.last_event_at:
                # Two events in one minute: the seconds must keep them in the order they happened.
                moment = story.last_event_at + ONE_SECOND
            case, candidates = apply(
                case,
                _event(action, moment, world.working[day]),
                terms=terms,
                case_map=case_map,
                calendar=world.calendar,
                sender_department_id=action.sender.id,
            )
            story.events.append(_record(action, case, moment))
            story.last_event_at = moment
            red: list[int] = []
            for candidate in candidates:
                index = self.add_card(story, candidate, case.handler_staff_no, moment, day)
                if index is not None and rules[candidate.rule].color == "red":
                    red.append(index)
            position += 1
            if red:
                # A red card locks the case, open or completed, until discipline releases it.
                release = self.lock(story, red, dept, moment, day)
                if release is None:
                    story.locked = True
                    break
                # Work resumes after the release (at 08:00–08:29, before any handling that day).
                if position < len(actions):
                    next_day = actions[position].day + shift
                    if next_day < release:
                        shift += release - next_day
        story.case = case
        if case.completed_on is None and case.state not in CLOSED:
            self.sweep(story)
        story.updated_at = max([story.last_event_at, *(lock.at for lock in story.locks)])
        return story

    def add_card(
        self, story: Story, candidate: CardCandidate, handler: str | None, moment: datetime, day: int
    ) -> int | None:
        """Record a card once per rule and subject, as the API does (its staff: the one the rule
        names, else the case's handler)."""
        if any(c.rule == candidate.rule and c.subject == candidate.subject for c in story.cards):
            return None
        story.cards.append(
            CardRecord(
                rule=candidate.rule,
                color=self.world.rules[candidate.rule].color,
                subject=candidate.subject,
                evidence=json.dumps(dict(candidate.evidence), ensure_ascii=False),
                staff_no=candidate.staff_no or handler,
                raised_at=moment,
                raised_on=moment.astimezone(CHINA_TIME).date(),
                day=day,
            )
        )
        return len(story.cards) - 1

    def lock(self, story: Story, red: Sequence[int], dept: Dept, moment: datetime, day: int) -> int | None:
        """Lock the case for its new red cards; the department explains each card and discipline
        closes them and releases the case, when that happens before ``today``.  Returns the day
        of the release, or None when the case is still locked on ``today``."""
        rng = self.rng
        story.locks.append(LockRecord(red[0], "locked", LOCKED_BY, story.cards[red[0]].rule, moment))
        explained_day = day + rng.choice((0, 0, 0, 0, 1, 2))
        if rng.random() < P_EXPLAINED_LATE:
            explained_day += rng.randint(5, 40)
        if explained_day >= self.today_index:
            return None
        if explained_day == day:
            explained_at = moment + timedelta(minutes=rng.randint(30, 180))
        else:
            explained_at = self.at(explained_day, self.office_minute())
        explainer = rng.choice(dept.approvers)
        for offset, index in enumerate(red):
            card = story.cards[index]
            card.status = "explained"
            card.explanation = rng.choice(EXPLANATIONS.get(card.rule, EXPLANATIONS["NEAR_DEADLINE"]))
            card.explained_by = explainer
            card.explained_at = explained_at + offset * ONE_SECOND
            story.locks.append(LockRecord(index, "explained", explainer, card.explanation, card.explained_at))
        release_day = explained_day + rng.choice((1, 1, 1, 1, 2, 3))
        if release_day >= self.today_index:
            return None
        released_at = self.at(release_day, rng.randint(480, 509))
        closer = rng.choice(DISCIPLINE_STAFF)
        note = rng.choice(CLOSING_NOTES)
        for offset, index in enumerate(red):
            card = story.cards[index]
            card.status = "closed"
            card.closed_by = closer
            card.closed_at = released_at + offset * ONE_SECOND
            card.closing_note = note
        # The case is released when its last open red card closes.
        story.locks.append(
            LockRecord(red[-1], "released", closer, note, released_at + (len(red) - 1) * ONE_SECOND)
        )
        return release_day

    def sweep(self, story: Story) -> None:
        """The supervision sweep of ``today`` on an open case: time cards, and a lock for red ones."""
        candidates = time_cards(
            story.case,
            case_map=story.case_map,
            calendar=self.world.calendar,
            today=self.today,
            rules=SWEEP_RULES,
        )
        red: list[int] = []
        for candidate in candidates:
            index = self.add_card(
                story, candidate, story.case.handler_staff_no, self.sweep_at, self.today_index
            )
            if index is not None and story.cards[index].color == "red":
                red.append(index)
        if red and not story.locked:
            story.locks.append(
                LockRecord(red[0], "locked", LOCKED_BY, story.cards[red[0]].rule, self.sweep_at)
            )
            story.locked = True


def _event(action: Action, moment: datetime, day: date) -> Event:
    return Event(
        kind=action.kind,
        occurred_at=moment,
        day=day,
        step_key=action.step_key,
        staff_no=action.staff_no,
        result=action.result,
        reason=action.reason,
        amount_yuan=action.amount,
    )


def _record(action: Action, case: Case, moment: datetime) -> EventRecord:
    key = (action.result, action.reason, action.amount)
    payload = _PAYLOADS.get(key)
    if payload is None:
        fields: dict[str, str] = {}
        if action.result is not None:
            fields["result"] = action.result.value
        if action.reason is not None:
            fields["reason"] = action.reason
        if action.amount is not None:
            fields["amount_yuan"] = str(action.amount)
        payload = _PAYLOADS[key] = json.dumps(fields, ensure_ascii=False)
    return EventRecord(
        source=action.sender.code,
        kind=action.kind.value,
        state_after=int(case.state),
        step_key=action.step_key,
        staff_no=action.staff_no,
        occurred_at=moment,
        payload=payload,
    )


# Payloads repeat (the same opinions, reasons and fees): encode each once.
_PAYLOADS: dict[tuple[CompletionResult | None, str | None, Decimal | None], str] = {}
