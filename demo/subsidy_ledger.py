"""The money: batches through the four monitoring points, and one payment and one disbursement
per beneficiary and period.

A batch is one fund, one township and one period: monthly funds every month, the farmland
subsidy every April, housing renovation in its rounds (June and November) and disaster relief
once, days after the flood.  Its spending plan (用款计划) is filed in the first working days of
the month, approved two to four working days later, allocated one to three working days after
that, and the township hands the money out one to four working days after the allocation —
on one day for the bank cards (惠民惠农“一卡通”), over a few days for the few paid in cash; disaster
relief goes the same way within two working days.  Each stage's amount is the sum of the batch's
lines.  A beneficiary is paid only while alive at the latest day the batch can go out.

Nothing dated on or after ``today`` has happened: the current month's batches stop at the last
stage reached, and their payments wait for the disbursement (always within the allowed working
days, so only planted cases are late).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import NamedTuple

from demo.subsidy_funds import FARMLAND_MONTH, GDBT, MONTHLY, ONCE, YEARLY, ZRZH, FundSpec
from demo.subsidy_people import Disaster, Enrolment, FarmRoll
from demo.subsidy_rows import BatchCopy, DisbursementCopy, LedgerChunk, PaymentCopy, StageCopy
from demo.subsidy_world import Department, Staff, SubsidyWorld, Township

CHINA_TIME = timezone(timedelta(hours=8))
CHUNK_PAYMENTS = 200_000
CENT = Decimal("0.01")
YUAN = Decimal("1")
# Working days from allocation to disbursement: bank cards on one day, cash over a few.
CARD_DAYS = (1, 3)
CASH_DAYS = (1, 4)
PLAN_NOTE_UNITS = {"person_month": "人", "mu_year": "户", "once": "户"}
PLANNER_POSTS = ("审核", "受理", "科长")
APPROVER_POSTS = ("审批", "局长", "分管", "科长")
ALLOCATOR_POSTS = ("科长", "审核", "综合")
TOWNSHIP_CLERK_POSTS = ("社会事务", "受理", "审核")


@dataclass(frozen=True, slots=True)
class Fund:
    """A fund as loaded: its row id, its spec and the department that manages it."""

    id: int
    spec: FundSpec
    department: Department


@dataclass(slots=True)
class LinePlant:
    """A planted anomaly on one payment line."""

    amount: Decimal | None = None
    # Working days from allocation to disbursement, beyond the allowed ones.
    late: int = 0
    # Hundredths of a mu paid beyond the household's contracted land.
    extra_land: int = 0


@dataclass(frozen=True, slots=True)
class Timing:
    plan: date
    approval: date
    allocation: date
    card: date
    # Ordinal: whoever is paid must be alive after this day.
    alive_after: int


class Line(NamedTuple):
    """One beneficiary of a batch; ``land`` in hundredths of a mu for the farmland subsidy."""

    fund: str
    member_id: int
    household_id: int
    place: int
    share: Decimal
    cash: bool
    land: int


@dataclass(slots=True)
class LedgerCounts:
    payments: int = 0
    disbursements: int = 0
    batches: int = 0
    stages: int = 0
    awaiting_disbursement: int = 0
    batches_awaiting_allocation: int = 0


@dataclass(slots=True)
class Ledger:
    world: SubsidyWorld
    funds: tuple[Fund, ...]
    enrolments: list[Enrolment]
    farm: FarmRoll
    excluded_households: set[int]
    disaster: Disaster | None
    plants: Mapping[tuple[str, int, int], LinePlant]
    rng: random.Random
    counts: LedgerCounts = field(default_factory=LedgerCounts)

    def chunks(self) -> Iterator[LedgerChunk]:
        """Every batch in time order, cut into chunks of about ``CHUNK_PAYMENTS`` payments."""
        world = self.world
        groups: dict[tuple[str, int], list[Enrolment]] = {}
        for enrolment in sorted(self.enrolments, key=lambda e: (e.place, e.member_id, e.first)):
            key = (enrolment.fund, world.places[enrolment.place].township.index)
            groups.setdefault(key, []).append(enrolment)
        once_months = {(e.fund, e.first) for e in self.enrolments if e.first == e.last}
        writer = _Writer(world, self.rng, self.counts)
        for month in range(world.months):
            period = world.month_start(month)
            for fund in self.funds:
                schedule = fund.spec.schedule
                if schedule == YEARLY and period.month != FARMLAND_MONTH:
                    continue
                if schedule == ONCE and (fund.spec.code, month) not in once_months:
                    continue
                for township in world.townships:
                    timing = self._timing(fund, period)
                    if timing.plan >= world.today:
                        continue
                    if fund.spec is GDBT:
                        lines = self._farmland(township, timing)
                    else:
                        lines = self._beneficiaries(
                            groups.get((fund.spec.code, township.index), []), month, timing
                        )
                    writer.batch(fund, township, period, month, timing, lines, self.plants)
                    if len(writer.chunk.payments) >= CHUNK_PAYMENTS:
                        yield writer.take()
        if writer.chunk.batches:
            yield writer.take()

    def _timing(self, fund: Fund, period: date) -> Timing:
        rng = self.rng
        world = self.world
        add = world.calendar.add_working_days
        limit = fund.spec.disburse_within_days
        if fund.spec is ZRZH and self.disaster is not None:
            plan = add(self.disaster.day, rng.randint(1, 2))
            approval = add(plan, 1)
            allocation = add(approval, 1)
        else:
            if fund.spec.schedule == MONTHLY:
                # The allowances for the elderly and the disabled follow the assistance funds.
                offset = rng.randint(0, 3) + (2 if fund.spec.fund_type in ("elderly", "disability") else 0)
            else:
                offset = rng.randint(4, 12)
            plan = add(world.working_on_or_after(period), offset)
            approval = add(plan, rng.randint(2, 4))
            allocation = add(approval, rng.randint(1, 3))
        card = add(allocation, rng.randint(CARD_DAYS[0], min(CARD_DAYS[1], limit)))
        last_normal = add(allocation, min(CASH_DAYS[1], limit))
        return Timing(plan, approval, allocation, card, last_normal.toordinal())

    def _beneficiaries(self, group: list[Enrolment], month: int, timing: Timing) -> list[Line]:
        alive_after = timing.alive_after
        return [
            Line(e.fund, e.member_id, e.household_id, e.place, e.share, e.cash, 0)
            for e in group
            if e.first <= month <= e.last and (e.died == 0 or e.died > alive_after or month <= e.paid_through)
        ]

    def _farmland(self, township: Township, timing: Timing) -> list[Line]:
        alive_after = timing.alive_after
        excluded = self.excluded_households
        lines: list[Line] = []
        for household, place, land, head, head_died, other, other_died, cash in self.farm.rows(
            township.index
        ):
            if household in excluded:
                continue
            if head_died == 0 or head_died > alive_after:
                payee = head
            elif other and (other_died == 0 or other_died > alive_after):
                payee = other
            else:
                continue
            lines.append(Line(GDBT.code, payee, household, place, YUAN, bool(cash), land))
        return lines


class _Writer:
    """Turns batches and their lines into rows, numbering them as it goes."""

    def __init__(self, world: SubsidyWorld, rng: random.Random, counts: LedgerCounts) -> None:
        self.world = world
        self.rng = rng
        self.counts = counts
        self.chunk = LedgerChunk()
        self.sequence_in_year: dict[int, int] = {}
        self._amounts: dict[tuple[str, int, Decimal], Decimal] = {}
        self._land: dict[int, Decimal] = {}
        self._moments: dict[tuple[date, int], datetime] = {}
        self._recorders: dict[tuple[int, int, str], str] = {}
        self._village_codes = [place.code for place in world.places]

    def take(self) -> LedgerChunk:
        chunk, self.chunk = self.chunk, LedgerChunk()
        return chunk

    def batch(
        self,
        fund: Fund,
        township: Township,
        period: date,
        month: int,
        timing: Timing,
        lines: list[Line],
        plants: Mapping[tuple[str, int, int], LinePlant],
    ) -> None:
        if not lines:
            return
        world = self.world
        today = world.today
        rng = self.rng
        add = world.calendar.add_working_days
        spec = fund.spec
        year = period.year
        counts = self.counts
        batch_id = counts.batches + 1
        counts.batches = batch_id
        planned_at = self._moment(timing.plan, 9)
        self.chunk.batches.append(
            BatchCopy(
                batch_id,
                f"{spec.code}-{township.code[6:]}-{period:%Y%m}",
                fund.id,
                township.code,
                period,
                planned_at,
            )
        )
        allocated = timing.allocation < today
        if not allocated:
            counts.batches_awaiting_allocation += 1
        limit = spec.disburse_within_days
        cash_days = [
            add(timing.allocation, days) for days in range(CASH_DAYS[0], min(CASH_DAYS[1], limit) + 1)
        ]
        clerk = self._township_clerk(township, year)
        payments = self.chunk.payments
        disbursements = self.chunk.disbursements
        sequence = self.sequence_in_year.get(year, 0)
        total = Decimal(0)
        standard = spec.standard_in(year, current_year=today.year)
        for line in lines:
            plant = plants.get((line.fund, line.member_id, month))
            land_mu: Decimal | None = None
            if spec is GDBT:
                land = line.land + (plant.extra_land if plant else 0)
                land_mu = self._land_mu(land)
                amount = (land_mu * standard).quantize(CENT)
            else:
                amount = self._amount(spec, year, line.share, standard)
            if plant and plant.amount is not None:
                amount = plant.amount
            total += amount
            sequence += 1
            counts.payments += 1
            payment_id = counts.payments
            payments.append(
                PaymentCopy(
                    payment_id,
                    year,
                    f"HM{year}{sequence:08d}",
                    batch_id,
                    fund.id,
                    line.household_id,
                    line.member_id,
                    self._village_codes[line.place],
                    period,
                    amount,
                    land_mu,
                    planned_at,
                )
            )
            if plant and plant.late:
                disbursed_on = add(timing.allocation, plant.late)
            elif line.cash:
                disbursed_on = cash_days[int(rng.random() * len(cash_days))]
            else:
                disbursed_on = timing.card
            if not allocated:
                continue
            if disbursed_on >= today:
                counts.awaiting_disbursement += 1
                continue
            counts.disbursements += 1
            disbursements.append(
                DisbursementCopy(
                    counts.disbursements,
                    year,
                    payment_id,
                    disbursed_on,
                    amount,
                    "cash" if line.cash else "card",
                    clerk,
                    None,
                    "现金发放，受益人签字确认" if line.cash else "",
                    self._moment(disbursed_on, 16),
                )
            )
        self.sequence_in_year[year] = sequence
        self._stages(fund, township, period, batch_id, timing, total, len(lines))

    def _stages(
        self,
        fund: Fund,
        township: Township,
        period: date,
        batch_id: int,
        timing: Timing,
        total: Decimal,
        lines: int,
    ) -> None:
        spec = fund.spec
        year = period.year
        if spec is ZRZH:
            plan_note = f"{township.name}{period.month}月暴雨洪涝灾害受灾群众过渡期生活救助，共{lines}户"
        else:
            unit = PLAN_NOTE_UNITS.get(spec.unit, "人")
            plan_note = f"{township.name}{period.year}年{period.month}月{spec.name}用款计划，共{lines}{unit}"
        stages = (
            ("plan", timing.plan, self._recorder(fund, year, "plan", PLANNER_POSTS), plan_note, 10),
            (
                "approval",
                timing.approval,
                self._recorder(fund, year, "approval", APPROVER_POSTS),
                "经审核，同意拨付",
                15,
            ),
            (
                "allocation",
                timing.allocation,
                self._recorder(fund, year, "allocation", ALLOCATOR_POSTS),
                f"已拨付至{township.name}惠民惠农财政补贴资金“一卡通”代发账户",
                11,
            ),
        )
        for stage, on, recorder, note, hour in stages:
            if on >= self.world.today:
                break
            self.counts.stages += 1
            self.chunk.stages.append(
                StageCopy(
                    self.counts.stages,
                    batch_id,
                    stage,
                    on,
                    total,
                    recorder,
                    None,
                    note,
                    self._moment(on, hour),
                )
            )

    def _amount(self, spec: FundSpec, year: int, share: Decimal, standard: Decimal) -> Decimal:
        key = (spec.code, year, share)
        amount = self._amounts.get(key)
        if amount is None:
            # Shares of the standard are paid in whole yuan.
            amount = standard if share == 1 else (standard * share).quantize(YUAN).quantize(CENT)
            self._amounts[key] = amount
        return amount

    def _land_mu(self, hundredths: int) -> Decimal:
        land = self._land.get(hundredths)
        if land is None:
            land = self._land[hundredths] = (Decimal(hundredths) / 100).quantize(CENT)
        return land

    def _moment(self, day: date, hour: int) -> datetime:
        moment = self._moments.get((day, hour))
        if moment is None:
            minute = (day.toordinal() * 7 + hour) % 50
            moment = self._moments[(day, hour)] = datetime.combine(day, time(hour, minute), CHINA_TIME)
        return moment

    def _recorder(self, fund: Fund, year: int, stage: str, posts: tuple[str, ...]) -> str:
        return self._pick((fund.id, year, stage), fund.department.staff, posts)

    def _township_clerk(self, township: Township, year: int) -> str:
        return self._pick((-township.index - 1, year, "disbursement"), township.staff, TOWNSHIP_CLERK_POSTS)

    def _pick(self, key: tuple[int, int, str], staff: tuple[Staff, ...], posts: tuple[str, ...]) -> str:
        """The staff number who records this kind of stage for a year: someone in a fitting post."""
        chosen = self._recorders.get(key)
        if chosen is None:
            fitting = [s for s in staff if any(word in s.post for word in posts)] or list(staff)
            chosen = self._recorders[key] = fitting[int(self.rng.random() * len(fitting))].staff_no
        return chosen
