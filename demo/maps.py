"""Process maps (权力运行流程图), integrity risk points and their control measures.

Yubei drew 1,250 maps for its 3,300 powers; here the others get a one-step map ("受理并办结"), so
every power can be drawn and monitored.  Multi-step maps follow their category's flow; parallel
approvals fork after acceptance into branches in other departments that join at one reply; some
maps skip a step on a condition ("无需现场核查").  Every map is checked with the same validator the
API uses before it is kept.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from demo.arithmetic import apportion, systematic
from demo.organisation import Department
from demo.powers import PowerDraft
from demo.rows import ControlMeasureCopy, EdgeCopy, Foundation, RiskPointCopy, StepCopy
from demo.steps import (
    FLOWS,
    GENERIC_RISKS,
    SINGLE_STEP,
    SINGLE_STEP_RISK_WEIGHT,
    STEP_KINDS,
    TRADING_FLOW,
    Risk,
)
from demo.vocabulary import CATEGORY_PROCEDURES
from domain.process_map import Edge, Node, validate

MAPS_AT_FULL_SCALE = 1250
RISK_POINTS_AT_FULL_SCALE = 13890
CONTROL_MEASURES_AT_FULL_SCALE = 14550

# How likely a power of each category is to have had its map drawn: approvals first.
MAP_WEIGHTS: dict[str, float] = {
    "licensing": 3.0,
    "benefit": 2.0,
    "adjudication": 2.0,
    "confirmation": 1.5,
    "coercion": 1.0,
    "levy": 1.0,
    "inspection": 1.0,
    "reward": 1.0,
    "other": 1.0,
    "public_service": 0.8,
    "penalty": 0.6,
}
CONDITIONAL_SHARE = 0.12
LEVELS = ("high", "medium", "low")


@dataclass(slots=True)
class StepDraft:
    key: str
    kind: str
    name: str
    department: Department
    limit_days: int = 0
    counts: bool = True


@dataclass(slots=True)
class DrawnMap:
    steps: list[StepDraft] = field(default_factory=list)
    # (source key, target key, condition)
    edges: list[tuple[str, str, str]] = field(default_factory=list)
    # Steps a conditional fork may skip.
    optional: set[str] = field(default_factory=set)

    def add(self, kind: str, name: str, department: Department) -> StepDraft:
        step = StepDraft(f"S{len(self.steps) + 1}", kind, name, department)
        self.steps.append(step)
        return step

    def chain(self) -> None:
        """Connect the steps in order, one after another."""
        self.edges = [(a.key, b.key, "") for a, b in zip(self.steps, self.steps[1:], strict=False)]


@dataclass(frozen=True, slots=True)
class StepRef:
    """A loaded step, as the risk allocation needs it."""

    step_id: int
    power_id: int
    kind: str
    single: bool


def draw_maps(
    rng: random.Random,
    powers: Sequence[PowerDraft],
    departments_by_code: dict[str, Department],
    scale: float,
    out: Foundation,
) -> None:
    """Draw every power's map into ``out`` and set each power's procedure text from it."""
    multi = choose_multi_step(rng, powers, scale)
    refs: list[StepRef] = []
    for power in powers:
        drawn = _draw(rng, power, departments_by_code, multi=power.id in multi)
        validate(
            [Node(step.key, step.name) for step in drawn.steps],
            [Edge(source, target) for source, target, _ in drawn.edges],
        )
        procedure = (
            procedure_text(drawn) if power.id in multi else CATEGORY_PROCEDURES[power.elements.category]
        )
        power.elements = replace(power.elements, procedure=procedure)
        ids: dict[str, int] = {}
        for position, step in enumerate(drawn.steps, start=1):
            ids[step.key] = len(out.process_steps) + 1
            kind = STEP_KINDS[step.kind]
            out.process_steps.append(
                StepCopy(
                    id=ids[step.key],
                    power_id=power.id,
                    key=step.key,
                    name=step.name,
                    post_name=_post(kind.posts, step.department),
                    department_id=step.department.id,
                    limit_days=step.limit_days,
                    counts_toward_limit=step.counts,
                    checks=rng.choice(kind.checks).format(law=power.law.name),
                    position=position,
                )
            )
            refs.append(StepRef(ids[step.key], power.id, step.kind, single=len(drawn.steps) == 1))
        for source, target, condition in drawn.edges:
            out.process_edges.append(EdgeCopy(power.id, ids[source], ids[target], condition))
    add_risks(rng, refs, scale, out)


def choose_multi_step(rng: random.Random, powers: Sequence[PowerDraft], scale: float) -> set[int]:
    """Which powers get a drawn map: parallel approvals and trading items always, the rest by a
    weighted draw without replacement (Efraimidis–Spirakis keys)."""
    wanted = min(len(powers), round(MAPS_AT_FULL_SCALE * scale))
    forced = [power.id for power in powers if power.trading or power.elements.parallel_approval]
    forced_set = set(forced)
    keyed = sorted(
        (
            (rng.random() ** (1 / MAP_WEIGHTS[power.elements.category]), power.id)
            for power in powers
            if power.id not in forced_set
        ),
        reverse=True,
    )
    chosen = forced[:wanted] + [power_id for _, power_id in keyed[: max(0, wanted - len(forced))]]
    return set(chosen)


def _draw(
    rng: random.Random, power: PowerDraft, departments_by_code: dict[str, Department], *, multi: bool
) -> DrawnMap:
    elements = power.elements
    drawn = DrawnMap()
    if not multi:
        kind = SINGLE_STEP[elements.category]
        drawn.add(kind, STEP_KINDS[kind].names[0], power.department)
    elif power.trading:
        for name, kind in TRADING_FLOW:
            drawn.add(kind, name, power.department)
        drawn.chain()
    elif elements.parallel_approval:
        partners = [departments_by_code[code] for code in power.department.spec.partners]
        _parallel(rng, drawn, power.department, partners)
    else:
        _flow(rng, drawn, elements.category, power.department)
    budget = elements.promised_limit_days or elements.statutory_limit_days
    _allocate_days(rng, drawn.steps, budget)
    return drawn


def _flow(rng: random.Random, drawn: DrawnMap, category: str, department: Department) -> None:
    """A line through the category's steps; about one map in ten makes a step conditional."""
    flow = FLOWS[category]
    conditional = next((kind for kind, chance in flow if chance < 1 and STEP_KINDS[kind].condition), None)
    if conditional is not None and rng.random() >= CONDITIONAL_SHARE:
        conditional = None
    chosen = {kind for kind, chance in flow if chance >= 1 or kind == conditional or rng.random() < chance}
    for kind, _ in flow:
        if len(chosen) >= 4:
            break
        chosen.add(kind)
    for kind, _ in flow:
        if kind in chosen:
            drawn.add(kind, rng.choice(STEP_KINDS[kind].names), department)
    drawn.chain()
    index = next((i for i, step in enumerate(drawn.steps) if step.kind == conditional), None)
    if conditional is None or index is None or index == len(drawn.steps) - 1:
        return
    taken, skipped = STEP_KINDS[conditional].condition or ("", "")
    before, step, after = drawn.steps[index - 1], drawn.steps[index], drawn.steps[index + 1]
    drawn.edges.remove((before.key, step.key, ""))
    drawn.edges += [(before.key, step.key, taken), (before.key, after.key, skipped)]
    drawn.optional.add(step.key)


def _parallel(rng: random.Random, drawn: DrawnMap, lead: Department, partners: Sequence[Department]) -> None:
    """统一受理、抄告相关、同步审批、集中回复: acceptance forks into one branch per department, the
    branches join at one decision."""
    accept = drawn.add("accept", "统一受理", lead)
    fork = drawn.add("distribute", "抄告相关部门", lead) if rng.random() < 0.7 else accept
    if fork is not accept:
        drawn.edges.append((accept.key, fork.key, ""))
    others = rng.sample(list(partners), min(len(partners), rng.randint(2, 4)))
    branch_ends: list[StepDraft] = []
    for department in [lead, *others]:
        name = f"{department.row.short_name}{'审查' if department is lead else '同步审查'}"
        review = drawn.add("branch_review", name, department)
        drawn.edges.append((fork.key, review.key, ""))
        end = review
        if rng.random() < 0.35:
            end = drawn.add("branch_site", f"{department.row.short_name}现场踏勘", department)
            drawn.edges.append((review.key, end.key, ""))
        branch_ends.append(end)
    join = drawn.add("joint_decision", rng.choice(STEP_KINDS["joint_decision"].names), lead)
    drawn.edges += [(end.key, join.key, "") for end in branch_ends]
    last = join
    if rng.random() < 0.6:
        certify = drawn.add("certify", "制证", lead)
        drawn.edges.append((last.key, certify.key, ""))
        last = certify
    deliver = drawn.add("deliver", "送达", lead)
    drawn.edges.append((last.key, deliver.key, ""))


def _allocate_days(rng: random.Random, steps: Sequence[StepDraft], budget: int | None) -> None:
    """Give each step its working days so that the counted ones fit within the promise (or the
    statutory limit when nothing is promised)."""
    for step in steps:
        kind = STEP_KINDS[step.kind]
        step.counts = rng.random() < kind.counts
        step.limit_days = rng.randint(*kind.days)
    if budget is None:
        return
    if len(steps) == 1:
        steps[0].limit_days, steps[0].counts = budget, True
        return
    counted = [step for step in steps if step.counts]
    wanted = [step.limit_days for step in counted]
    if sum(wanted) > budget:
        for step, days in zip(counted, apportion(budget, wanted), strict=True):
            step.limit_days = days


def _post(preferred: Sequence[str], department: Department) -> str:
    """The first preferred post the department has; every department has a 审核岗."""
    return next((post for post in preferred if post in department.posts), "审核岗")


def procedure_text(drawn: DrawnMap) -> str:
    """The procedure as inventories print it: steps joined by dashes, parallel ones bracketed,
    a step that may be skipped marked 视情."""
    predecessors: dict[str, list[str]] = {step.key: [] for step in drawn.steps}
    for source, target, _ in drawn.edges:
        predecessors[target].append(source)
    # Steps were added in topological order, so one pass finds each step's depth.
    depth: dict[str, int] = {}
    for step in drawn.steps:
        depth[step.key] = max((depth[source] + 1 for source in predecessors[step.key]), default=0)
    layers: dict[int, list[str]] = {}
    for step in drawn.steps:
        layers.setdefault(depth[step.key], []).append(
            step.name + ("（视情）" if step.key in drawn.optional else "")
        )
    parts = [
        names[0] if len(names) == 1 else f"（{'、'.join(names)}）" for _, names in sorted(layers.items())
    ]
    return "—".join(parts)


def add_risks(rng: random.Random, refs: Sequence[StepRef], scale: float, out: Foundation) -> None:
    """Risk points and control measures, totalling the scaled Yubei figures exactly.

    Each step's share follows its kind (acceptance and approval carry more risks than delivery);
    systematic sampling turns the shares into whole numbers that add up to the target.
    """
    weights = [
        (SINGLE_STEP_RISK_WEIGHT if ref.single else min(len(STEP_KINDS[ref.kind].risks), 4) / 3)
        * rng.uniform(0.6, 1.4)
        for ref in refs
    ]
    counts = systematic(rng, round(RISK_POINTS_AT_FULL_SCALE * scale), weights)
    chosen: list[tuple[int, Risk]] = []
    for ref, count in zip(refs, counts, strict=True):
        kind = STEP_KINDS[ref.kind]
        for risk in _pick(rng, kind.risks, count):
            level = rng.choices(LEVELS, weights=kind.levels)[0]
            row = RiskPointCopy(len(out.risk_points) + 1, ref.step_id, ref.power_id, risk.description, level)
            out.risk_points.append(row)
            chosen.append((row.id, risk))
    # Every risk point gets one measure; enough of them a second to reach the measures' total.
    extra = min(len(chosen), max(0, round(CONTROL_MEASURES_AT_FULL_SCALE * scale) - len(chosen)))
    doubled = set(rng.sample(range(len(chosen)), extra))
    for index, (risk_point_id, risk) in enumerate(chosen):
        if index in doubled:
            second = risk.measures[1] if len(risk.measures) > 1 else "全程纳入电子监察系统"
            measures = [risk.measures[0], second]
        else:
            measures = [rng.choice(risk.measures)]
        for measure in measures:
            out.control_measures.append(
                ControlMeasureCopy(len(out.control_measures) + 1, risk_point_id, measure)
            )


def _pick(rng: random.Random, risks: Sequence[Risk], count: int) -> list[Risk]:
    """``count`` different risks, drawing on the generic ones when the kind lists too few."""
    if count <= len(risks):
        return rng.sample(list(risks), count)
    missing = count - len(risks)
    if missing <= len(GENERIC_RISKS):
        return [*risks, *rng.sample(GENERIC_RISKS, missing)]
    return [*risks, *rng.choices(GENERIC_RISKS, k=missing)]
