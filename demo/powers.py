"""Powers (权力事项): which department lists which items, their elements, materials and history.

The mix of categories follows real county inventories — penalties far ahead, then licensing,
inspection and public services — and each category's total is shared among the departments
that hold such powers, in proportion to their size.  Every power's elements are drafted here;
the procedure text is filled in once its process map is drawn, and the adjustment history last,
because each adjustment snapshots the elements as they stood from its date on.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import NamedTuple

from demo.arithmetic import apportion
from demo.codes import CATEGORIES, power_code
from demo.departments import QUALIFIERS, TEMPLATES, TRADING_ITEMS, UNIVERSAL_CATEGORIES, Field
from demo.organisation import Department
from demo.rows import AdjustmentCopy, Foundation, MaterialCopy, PowerCopy
from demo.vocabulary import (
    ADDED_REASONS,
    ANCHOR,
    AREA_CODE,
    BENEFIT_CONDITIONS,
    CANCELLED_REASONS,
    COUNTY_CODE,
    COUNTY_NAME,
    COUNTY_SHORT,
    DRAFT_NOTES,
    GENERAL_FEES,
    ID_CARD_FEES,
    INTERNAL_NOTES,
    LAWS,
    LICENSING_CONDITIONS,
    MATERIAL_NOTES,
    ORGANISATION_MATERIALS,
    PERSONAL_MATERIALS,
    REAL_ESTATE_FEES,
    Fee,
    Law,
)

POWERS_AT_FULL_SCALE = 3300

# Shares of the inventory by category; penalties take whatever the others leave.
CATEGORY_SHARES: dict[str, float] = {
    "licensing": 0.13,
    "coercion": 0.05,
    "levy": 0.015,
    "benefit": 0.025,
    "inspection": 0.11,
    "confirmation": 0.04,
    "reward": 0.015,
    "adjudication": 0.005,
    "other": 0.06,
    "public_service": 0.10,
}

# Departments whose applicants are people rather than organisations hand in personal papers.
PERSONAL_DEPARTMENTS = frozenset({"MZJ", "GAJ", "TYJ", "YBJ", "RSJ", "JYJ"})

# Categories whose applicants hand in materials, and how likely the others are to ask for any.
MATERIAL_CHANCE: dict[str, float] = {
    "licensing": 1.0,
    "confirmation": 1.0,
    "benefit": 1.0,
    "public_service": 1.0,
    "other": 0.6,
    "adjudication": 0.8,
    "levy": 0.4,
    "reward": 0.5,
}

CHINA_TIME = timezone(timedelta(hours=8))
FIRST_ADDED = date(2019, 1, 1)
LAST_ADDED = date(2024, 12, 31)
FIRST_CANCELLED = date(2025, 1, 1)
LAST_CHANGE_BEFORE_CANCEL = date(2026, 6, 30)
# The share of powers that changed once after they were added.
CHANGED_SHARE = 0.2
DIGITS = "零一二三四五六七八九"


class Material(NamedTuple):
    name: str
    copies: int
    original_required: bool
    note: str


@dataclass(frozen=True, slots=True)
class Elements:
    """What an adjustment snapshots: the power as the public sees it from a date on."""

    name: str
    category: str
    legal_basis: str
    conditions: str
    procedure: str
    fee: Fee | None
    statutory_limit_days: int | None
    promised_limit_days: int | None
    visits_needed: int
    parallel_approval: bool
    materials: tuple[Material, ...]

    def to_json(self) -> str:
        return json.dumps(
            {
                "name": self.name,
                "category": self.category,
                "legal_basis": self.legal_basis,
                "conditions": self.conditions,
                "procedure": self.procedure,
                "fee_yuan": self.fee.yuan if self.fee else None,
                "fee_basis": fee_basis(self.fee),
                "statutory_limit_days": self.statutory_limit_days,
                "promised_limit_days": self.promised_limit_days,
                "visits_needed": self.visits_needed,
                "parallel_approval": self.parallel_approval,
                "materials": [material._asdict() for material in self.materials],
            },
            ensure_ascii=False,
        )


@dataclass(slots=True)
class PowerDraft:
    """A power being generated; ``elements.procedure`` is set when its map is drawn."""

    id: int
    code: str
    department: Department
    elements: Elements
    law: Law
    status: str
    service_level: str
    consultation_channel: str
    complaint_channel: str
    internal_note: str
    trading: bool


class Item(NamedTuple):
    department: Department
    category: str
    name: str
    field: Field | None


def category_totals(scale: float) -> dict[str, int]:
    """How many powers of each category the county lists; every category keeps at least one."""
    total = max(len(CATEGORIES), round(POWERS_AT_FULL_SCALE * scale))
    totals = {category: max(1, round(total * share)) for category, share in CATEGORY_SHARES.items()}
    totals["penalty"] = total - sum(totals.values())
    return {category: totals[category] for category in CATEGORIES}


def allocate_items(rng: random.Random, departments: Sequence[Department], scale: float) -> list[Item]:
    """Share each category's total among departments and name the items, department by
    department and category by category (the order their codes follow)."""
    shares: dict[tuple[int, str], int] = {}
    for category, total in category_totals(scale).items():
        weights = [_category_weight(department, category) for department in departments]
        for department, count in zip(departments, apportion(total, weights), strict=True):
            shares[department.id, category] = count
    items: list[Item] = []
    for department in departments:
        for category in CATEGORIES:
            count = shares[department.id, category]
            if count:
                items.extend(_name_items(rng, department, category, count))
    return items


def _category_weight(department: Department, category: str) -> float:
    spec = department.spec
    affinity = spec.affinity.get(category, 1.0)
    if category in UNIVERSAL_CATEGORIES:
        return spec.weight * affinity
    named = len(spec.named.get(category, ()))
    if not named:
        return 0.0
    return spec.weight * affinity if category in TEMPLATES else named * affinity


def _name_items(rng: random.Random, department: Department, category: str, count: int) -> list[Item]:
    """Real names first, then templates over the department's fields in random order, then the
    sub-cases inventories split items into, so names stay unique within the department."""
    spec = department.spec
    pool: list[tuple[str, Field | None]] = [(name, None) for name in spec.named.get(category, ())]
    generic: list[tuple[str, Field | None]] = [
        (template.format(a=field.activity), field)
        for template in TEMPLATES.get(category, ())
        for field in spec.fields
    ]
    rng.shuffle(generic)
    seen = {name for name, _ in pool}
    for name, origin in generic:
        if name not in seen:
            seen.add(name)
            pool.append((name, origin))
    bases = list(pool)
    for qualifier in QUALIFIERS[category]:
        if len(pool) >= count:
            break
        pool.extend((name + qualifier, origin) for name, origin in bases)
    number = 1
    while len(pool) < count:
        base, origin = bases[(number - 1) % len(bases)]
        pool.append((f"{base}（第{number}类情形）", origin))
        number += 1
    return [Item(department, category, name, origin) for name, origin in pool[:count]]


def draft_powers(rng: random.Random, items: Sequence[Item]) -> list[PowerDraft]:
    """Draft every power's elements; codes number each category's items in the order given."""
    serials = dict.fromkeys(CATEGORIES, 0)
    drafts: list[PowerDraft] = []
    for power_id, item in enumerate(items, start=1):
        serials[item.category] += 1
        drafts.append(_draft(rng, power_id, serials[item.category], item))
    return drafts


def _draft(rng: random.Random, power_id: int, serial: int, item: Item) -> PowerDraft:
    department, category, name = item.department, item.category, item.name
    law = LAWS[item.field.law if item.field else _law_key(department, name)]
    subject = item.field.activity if item.field else subject_of(name)
    trading = name in TRADING_ITEMS
    partners = department.spec.partners if not department.is_township else ()
    # Parallel approval needs at least two other departments to run branches in.
    parallel = category == "licensing" and len(partners) >= 2 and rng.random() < 0.08
    statutory, promised = _limits(rng, category, parallel=parallel, trading=trading)
    roll = rng.random()
    status = "draft" if roll < 0.02 else "cancelled" if roll < 0.03 else "published"
    elements = Elements(
        name=name,
        category=category,
        legal_basis=_legal_basis(rng, law, category),
        conditions=_conditions(rng, category, name, subject, law),
        procedure="",
        fee=_fee(rng, department, category, name),
        statutory_limit_days=statutory,
        promised_limit_days=promised,
        visits_needed=_visits(rng, category),
        parallel_approval=parallel,
        materials=_materials(rng, department, category, subject),
    )
    if status == "draft":
        note = rng.choice(DRAFT_NOTES)
    else:
        note = rng.choice(INTERNAL_NOTES) if rng.random() < 0.08 else ""
    if department.is_township:
        service_level = (
            "village" if category in ("public_service", "other") and rng.random() < 0.35 else "township"
        )
    else:
        service_level = "county"
    complaint = f"投诉电话：12345；县纪委监委举报电话：{AREA_CODE}-12388"
    if rng.random() < 0.3:
        complaint += f"；网上投诉：{COUNTY_NAME}政务服务网“我要投诉”栏目"
    return PowerDraft(
        id=power_id,
        code=power_code(COUNTY_CODE, category, serial),
        department=department,
        elements=elements,
        law=law,
        status=status,
        service_level=service_level,
        consultation_channel=f"咨询电话：{department.row.phone}；{rng.choice(department.windows)}",
        complaint_channel=complaint,
        internal_note=note,
        trading=trading,
    )


def _law_key(department: Department, name: str) -> str:
    """The statute a named item cites: trading items cite the bidding or procurement law, others
    the department's explicit citations, then the field whose words the name contains, else the
    department's main field."""
    if name in TRADING_ITEMS:
        return "procurement" if "采购" in name else "bidding"
    spec = department.spec
    for keyword, law in spec.citations:
        if keyword in name:
            return law
    for field in spec.fields:
        if field.activity[:2] in name or any(keyword in name for keyword in field.keywords):
            return field.law
    return spec.fields[0].law


_SUFFIXES = (
    "许可证核发",
    "许可证",
    "许可",
    "审批",
    "核发",
    "登记",
    "核准",
    "审查",
    "认定",
    "备案",
    "征收",
    "发放",
    "给付",
    "支付",
    "服务",
    "受理",
    "行政裁决",
    "调处",
)


def subject_of(name: str) -> str:
    """What an item is about: "食品经营许可（变更）" → "食品经营", "对偷税行为的行政处罚" → "偷税行为"."""
    base = name[: name.rindex("（")] if name.endswith("）") and "（" in name else name
    if base.startswith("对") and base.endswith("的行政处罚"):
        return base[1 : -len("的行政处罚")]
    for suffix in _SUFFIXES:
        if base.endswith(suffix) and len(base) > len(suffix) + 1:
            return base[: -len(suffix)]
    return base


def chinese_number(number: int) -> str:
    """Article numbers as statutes write them: 35 → 三十五, 122 → 一百二十二 (1–999)."""
    if number < 10:
        return DIGITS[number]
    if number < 100:
        tens, units = divmod(number, 10)
        return ("" if tens == 1 else DIGITS[tens]) + "十" + (DIGITS[units] if units else "")
    hundreds, rest = divmod(number, 100)
    text = DIGITS[hundreds] + "百"
    if rest == 0:
        return text
    if rest < 10:
        return text + "零" + DIGITS[rest]
    tens, units = divmod(rest, 10)
    return text + DIGITS[tens] + "十" + (DIGITS[units] if units else "")


def cite(rng: random.Random, law: Law, category: str) -> str:
    """One citation; penalties cite the liability chapter, down to paragraph and item sometimes."""
    first, last = law.liability
    if category == "penalty" or (category == "coercion" and rng.random() < 0.5):
        article = rng.randint(first, last)
    else:
        article = rng.randint(min(4, first - 1), first - 1) if first > 1 else rng.randint(1, law.articles)
    text = f"《{law.name}》第{chinese_number(article)}条"
    if category == "penalty" and rng.random() < 0.4:
        text += f"第{chinese_number(rng.randint(1, 3))}款"
        if rng.random() < 0.5:
            text += f"第（{chinese_number(rng.randint(1, 6))}）项"
    return text


_GENERAL_LAWS = {"licensing": "licensing_law", "penalty": "penalty_law", "coercion": "coercion_law"}


def _legal_basis(rng: random.Random, law: Law, category: str) -> str:
    """The governing statute, sometimes a second article of it, sometimes the general law of the
    category (行政许可法, 行政处罚法, 行政强制法) as well."""
    basis = cite(rng, law, category)
    if rng.random() < 0.3:
        again = cite(rng, law, category).removeprefix(f"《{law.name}》")
        if again not in basis:
            basis += "、" + again
    if category in _GENERAL_LAWS and rng.random() < 0.25:
        basis += "；" + cite(rng, LAWS[_GENERAL_LAWS[category]], "other")
    return basis


def _numbered(clauses: Sequence[str]) -> str:
    return (
        "；".join(f"（{chinese_number(index)}）{clause}" for index, clause in enumerate(clauses, start=1))
        + "。"
    )


def _conditions(rng: random.Random, category: str, name: str, subject: str, law: Law) -> str:
    statute = f"《{law.name}》"
    if category == "licensing":
        clauses = [
            clause.format(subject=subject) for clause in rng.sample(LICENSING_CONDITIONS, rng.randint(2, 4))
        ]
        return _numbered(["申请人具有合法有效的主体资格", *clauses, f"符合{statute}规定的其他条件"])
    if category == "benefit":
        return _numbered([*rng.sample(BENEFIT_CONDITIONS, rng.randint(2, 4)), f"符合{statute}规定的其他条件"])
    texts = {
        "penalty": f"经查实存在“{subject}”情形，违反{statute}有关规定，依法应当给予行政处罚的。",
        "coercion": (
            f"在执法中发现违法行为，不及时制止可能造成危害扩大，或者存在证据可能灭失、被转移等情形，"
            f"依照{statute}和《中华人民共和国行政强制法》可以实施行政强制的。"
        ),
        "inspection": (
            f"依据年度检查计划、“双随机”抽查结果、投诉举报或者上级交办线索，对{subject}依法开展检查。"
        ),
        "levy": f"属于{statute}规定的缴纳义务人，发生应税（应缴）行为的。",
        "confirmation": (
            f"申请人为权利人或者利害关系人，申请材料齐全、符合法定形式，符合{statute}规定的条件。"
        ),
        "reward": f"在相关工作中事迹突出、贡献显著，或者举报线索经查证属实的，依照{statute}给予奖励。",
        "adjudication": (
            f"当事人就“{name}”所涉事项发生争议，经协商不成，向本机关提出书面申请，且属于本机关管辖范围的。"
        ),
        "other": f"申请人符合{statute}规定的条件，申请材料齐全、符合法定形式。",
        "public_service": "本县辖区内有相关需求的公民、法人或者其他组织均可申请。",
    }
    return texts[category]


def _limits(
    rng: random.Random, category: str, *, parallel: bool, trading: bool
) -> tuple[int | None, int | None]:
    """(statutory, promised) working days; the promise is often far below the law's limit."""
    statutory: int | None
    promised: int | None
    if trading:
        return None, None
    if category == "licensing":
        statutory = rng.choice((20, 20, 20, 20, 20, 20, 15, 30, 45, 60))
        promised = rng.choice((10, 12, 15)) if parallel else rng.choice((1, 3, 5, 5, 7, 10, 10, 12, 15))
    elif category == "penalty":
        statutory = 90 if rng.random() < 0.8 else None
        promised = 60 if statutory and rng.random() < 0.2 else None
    elif category == "coercion":
        statutory, promised = 30, None
    elif category == "levy":
        statutory, promised = None, rng.choice((1, 1, 3, 5))
    elif category == "benefit":
        statutory, promised = rng.choice((20, 30)), rng.choice((5, 7, 10, 15, 20))
    elif category == "inspection":
        statutory, promised = None, (rng.choice((15, 20)) if rng.random() < 0.3 else None)
    elif category == "confirmation":
        statutory, promised = rng.choice((20, 30)), rng.choice((1, 3, 5, 7, 10))
    elif category == "reward":
        statutory, promised = None, rng.choice((None, 20, 30))
    elif category == "adjudication":
        statutory, promised = rng.choice((60, 90)), rng.choice((30, 45, 60))
    elif category == "other":
        statutory, promised = rng.choice((None, 20, 20, 30)), rng.choice((3, 5, 7, 10))
    else:
        statutory, promised = None, rng.choice((1, 1, 3, 5, 7))
    if statutory is not None and promised is not None:
        promised = min(promised, statutory)
    return statutory, promised


def _visits(rng: random.Random, category: str) -> int:
    choices = {
        "licensing": (0, 1, 1, 1, 2),
        "confirmation": (0, 1, 1, 2),
        "benefit": (0, 1, 1),
        "public_service": (0, 0, 1),
        "penalty": (0, 0, 1),
        "coercion": (0, 0, 1),
        "inspection": (0, 0, 1),
    }
    return rng.choice(choices.get(category, (0, 1)))


def _fee(rng: random.Random, department: Department, category: str, name: str) -> Fee | None:
    """Most items are free; registration of real estate and ID cards are the usual charges."""
    if department.spec.code == "ZRZY" and category == "confirmation" and "登记" in name:
        return rng.choice(REAL_ESTATE_FEES) if rng.random() < 0.7 else None
    if "身份证" in name and category == "confirmation":
        return ID_CARD_FEES[1] if "补领" in name else ID_CARD_FEES[0]
    if category in ("licensing", "confirmation") and rng.random() < 0.04:
        return rng.choice(GENERAL_FEES)
    return None


def fee_basis(fee: Fee | None) -> str:
    return f"{fee.basis}：{fee.name}每件{fee.yuan}元" if fee else ""


def _materials(
    rng: random.Random, department: Department, category: str, subject: str
) -> tuple[Material, ...]:
    if rng.random() >= MATERIAL_CHANCE.get(category, 0.0):
        return ()
    personal = department.spec.code in PERSONAL_DEPARTMENTS or department.is_township
    if category in ("benefit", "public_service") or personal:
        first, pool = "申请表", list(PERSONAL_MATERIALS)
    else:
        first = f"{subject}申请书" if len(subject) <= 10 else "申请书"
        pool = list(department.spec.materials) + list(ORGANISATION_MATERIALS)
    if category in ("licensing", "confirmation", "benefit", "public_service"):
        wanted = rng.randint(1, 8)
    else:
        wanted = rng.randint(1, 4)
    names = [first, *rng.sample(pool, min(len(pool), wanted - 1))]
    return tuple(_material(rng, name) for name in names)


def _material(rng: random.Random, name: str) -> Material:
    roll = rng.random()
    if roll < 0.05:
        return Material(name, 0, True, "仅核验原件，不收取")
    copies = 1 if roll < 0.75 else 2 if roll < 0.95 else 3
    note = rng.choice(MATERIAL_NOTES) if rng.random() < 0.4 else ""
    return Material(name, copies, rng.random() < 0.25, note)


# ---------------------------------------------------------------------------------------------
# Adjustments (调整) and rows
# ---------------------------------------------------------------------------------------------


def _random_day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, (last - first).days))


def _moment(rng: random.Random, day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=CHINA_TIME) + timedelta(minutes=rng.randrange(420))


def _document_no(rng: random.Random, kind: str, day: date) -> str:
    return f"{COUNTY_SHORT}{kind}〔{day.year}〕{rng.randint(1, 60)}号"


def _earlier(rng: random.Random, power: PowerDraft) -> tuple[Elements, str]:
    """The elements before the one change this power went through, and why it changed."""
    current = power.elements
    options: list[str] = []
    statutory, promised = current.statutory_limit_days, current.promised_limit_days
    if promised is not None and (statutory is None or promised < statutory):
        options += ["promised"] * 4
    if current.materials:
        options += ["materials"] * 3
    if current.visits_needed <= 1:
        options.append("visits")
    if current.fee is None and current.category in ("licensing", "confirmation"):
        options.append("fee")
    options.append("legal_basis")
    change = rng.choice(options)
    if change == "promised" and promised is not None:
        longest = statutory if statutory is not None else promised + 10
        before = min(longest, promised + rng.choice((3, 5, 10)))
        reason = f"深化“放管服”改革，压缩承诺时限，由{before}个工作日压缩至{promised}个工作日"
        return replace(current, promised_limit_days=before), reason
    if change == "materials":
        extra = rng.choice(
            [name for name in ORGANISATION_MATERIALS + PERSONAL_MATERIALS if name not in _names(current)]
        )
        materials = list(current.materials)
        materials.insert(rng.randint(1, len(materials)), Material(extra, 1, False, ""))
        reason = f"落实减证便民要求，取消“{extra}”申请材料"
        return replace(current, materials=tuple(materials)), reason
    if change == "fee":
        fee = GENERAL_FEES[0]
        return replace(current, fee=fee), f"根据国家清理规范行政事业性收费政策，停止收取{fee.name}"
    if change == "legal_basis":
        older = cite(rng, power.law, current.category)
        if older != current.legal_basis:
            return replace(current, legal_basis=older), f"《{power.law.name}》修订，更新设定依据条款"
        # The statute offers no other article to have cited before; the visits went down instead.
    before_visits = current.visits_needed + 1
    reason = f"推行“最多跑一次”改革，到现场次数由{before_visits}次减少为{current.visits_needed}次"
    return replace(current, visits_needed=before_visits), reason


def _names(elements: Elements) -> set[str]:
    return {material.name for material in elements.materials}


def emit_powers(rng: random.Random, powers: Sequence[PowerDraft], out: Foundation) -> None:
    """Rows for the powers, their materials and their adjustment history.

    Every power was added between 2019 and 2024; a fifth changed once later (the added snapshot
    keeps the old elements, the changed one equals the current row); cancelled powers end with
    a cancellation.
    """
    for power in powers:
        elements = power.elements
        added_on = _random_day(rng, FIRST_ADDED, LAST_ADDED)
        history: list[tuple[str, date, str, str, Elements]] = []
        reason, kind = rng.choice(ADDED_REASONS)
        reason = reason.format(county=COUNTY_NAME, law=power.law.name)
        earlier = _earlier(rng, power) if rng.random() < CHANGED_SHARE else None
        if earlier is None:
            history.append(("added", added_on, reason, _document_no(rng, kind, added_on), elements))
        else:
            history.append(("added", added_on, reason, _document_no(rng, kind, added_on), earlier[0]))
            # A cancelled power's change came well before its cancellation.
            last_change = (
                LAST_CHANGE_BEFORE_CANCEL if power.status == "cancelled" else ANCHOR - timedelta(days=1)
            )
            changed_on = _random_day(rng, added_on + timedelta(days=90), last_change)
            history.append(
                ("changed", changed_on, earlier[1], _document_no(rng, "府办发", changed_on), elements)
            )
        published_on: date | None = history[-1][1]
        if power.status == "cancelled":
            published_on = added_on
            start = max(history[-1][1] + timedelta(days=30), FIRST_CANCELLED)
            cancelled_on = _random_day(rng, start, ANCHOR - timedelta(days=1))
            reason, kind = rng.choice(CANCELLED_REASONS)
            reason = reason.format(other=rng.choice(("县综合执法局", "县政务服务管理局", "镇（街道）")))
            history.append(
                ("cancelled", cancelled_on, reason, _document_no(rng, kind, cancelled_on), elements)
            )
        elif power.status == "draft":
            published_on = None
        for kind, effective_on, reason, document_no, snapshot in history:
            recorded_on = effective_on - timedelta(days=rng.randint(0, 15))
            out.power_adjustments.append(
                AdjustmentCopy(
                    id=len(out.power_adjustments) + 1,
                    power_id=power.id,
                    kind=kind,
                    effective_on=effective_on,
                    reason=reason,
                    document_no=document_no,
                    elements=snapshot.to_json(),
                    recorded_at=_moment(rng, recorded_on, 9),
                )
            )
        out.powers.append(_power_row(power, published_on, _moment(rng, history[-1][1], 9)))
        for position, material in enumerate(elements.materials, start=1):
            out.power_materials.append(MaterialCopy(power.id, position, *material))


def _power_row(power: PowerDraft, published_on: date | None, updated_at: datetime) -> PowerCopy:
    elements = power.elements
    return PowerCopy(
        id=power.id,
        code=power.code,
        name=elements.name,
        category=elements.category,
        department_id=power.department.id,
        status=power.status,
        service_level=power.service_level,
        legal_basis=elements.legal_basis,
        conditions=elements.conditions,
        procedure=elements.procedure,
        fee_yuan=Decimal(elements.fee.yuan) if elements.fee else None,
        fee_basis=fee_basis(elements.fee),
        statutory_limit_days=elements.statutory_limit_days,
        promised_limit_days=elements.promised_limit_days,
        visits_needed=elements.visits_needed,
        parallel_approval=elements.parallel_approval,
        consultation_channel=power.consultation_channel,
        complaint_channel=power.complaint_channel,
        internal_note=power.internal_note,
        published_on=published_on,
        updated_at=updated_at,
    )
