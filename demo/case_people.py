"""Applicants of the demo cases: people and organisations of 桐溪县.

A person has a name, an 18-digit resident ID number (GB 11643: region, birth date, sequence whose
parity is the sex, and a valid check character), a mobile number and a home address down to the
village group or the community building, written with the real region names of the loaded county
so that the township in the address is the township of ``region_code``.  An organisation has a
company name, a unified social credit code (GB 32100: registration authority 9 and type 1 for an
enterprise, the county code, a GB 11714 organisation code with its own check character, and the
GB 32100 check character), a phone and a street address.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from demo.vocabulary import (
    AREA_CODE,
    COUNTY_CODE,
    COUNTY_NAME,
    GIVEN_CHARACTERS,
    MOBILE_PREFIXES,
    SURNAMES,
)
from domain.identity import (
    CREDIT_CHARSET,
    check_char,
    credit_check_char,
    credit_code_problem,
    id_number_problem,
)

# GB 11714-1997: weights of the organisation code's eight body characters.
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

# People born elsewhere in the prefecture (5107xx) keep the region code of their first
# registration; most applicants were born in the county itself.
BIRTH_REGIONS: tuple[tuple[str, float], ...] = (
    (COUNTY_CODE, 0.74),
    ("510703", 0.05),
    ("510704", 0.04),
    ("510705", 0.02),
    ("510722", 0.04),
    ("510723", 0.03),
    ("510725", 0.02),
    ("510726", 0.02),
    ("510727", 0.02),
    ("510781", 0.02),
)

BRANDS: tuple[str, ...] = tuple(
    [
        "鑫盛",
        "恒泰",
        "宏远",
        "金桐",
        "溪源",
        "华通",
        "顺达",
        "兴旺",
        "丰源",
        "瑞祥",
        "锦程",
        "嘉和",
        "天府",
        "蜀汇",
        "润丰",
        "德源",
        "汇通",
        "安泰",
        "福满",
        "祥和",
        "明达",
        "新锐",
        "盛世",
        "宏发",
        "利民",
        "康源",
        "佳禾",
        "绿野",
        "青禾",
        "川润",
        "鼎盛",
        "众诚",
        "昌隆",
        "永辉",
        "博远",
        "聚鑫",
        "同创",
        "海纳",
        "金穗",
        "桐林",
        "凤鸣",
        "白鹤",
        "龙泉",
        "石门",
        "清源",
        "双河",
        "黄坪",
        "高山",
        "桃源",
        "金竹",
        "锦屏",
        "文昌",
        "益民",
        "惠农",
        "诚信",
        "腾达",
        "长虹",
        "远航",
        "蓝天",
        "绿源",
    ]
)
INDUSTRIES: tuple[str, ...] = tuple(
    [
        "商贸",
        "建材",
        "餐饮管理",
        "农业开发",
        "建筑工程",
        "物流",
        "食品",
        "酒店管理",
        "科技",
        "旅游开发",
        "医药连锁",
        "汽车服务",
        "装饰工程",
        "劳务",
        "家具",
        "生态养殖",
        "茶业",
        "水务",
        "电子商务",
        "印务",
        "运输",
        "矿业",
        "混凝土",
        "机械",
        "文化传媒",
        "物业管理",
        "环保科技",
        "粮油",
    ]
)
COMPANY_SUFFIXES: tuple[tuple[str, float], ...] = (("有限公司", 0.85), ("有限责任公司", 0.15))
ROADS: tuple[str, ...] = tuple(
    [
        "人民路",
        "政府街",
        "桐溪大道",
        "文昌路",
        "滨江路",
        "新华街",
        "建设路",
        "工业园路",
        "兴业大道",
        "商贸街",
        "解放路",
        "迎宾大道",
        "正街",
        "振兴路",
    ]
)


@dataclass(frozen=True, slots=True)
class Place:
    """A village or community with its township, as addresses need them."""

    code: str
    name: str
    kind: str  # 'village' or 'community'
    township_name: str
    township_code: str


@dataclass(frozen=True, slots=True)
class Applicant:
    kind: str  # 'person' or 'organisation'
    name: str
    id_number: str
    phone: str
    address: str
    region_code: str


# The check characters are the API's own (domain.identity), so demo data passes its checks.
id_check_character = check_char


def valid_id_number(number: str) -> bool:
    """Whether ``number`` is a well-formed 18-character ID number."""
    return id_number_problem(number) is None


def organisation_code_check(body: str) -> str:
    """The GB 11714 check character of an organisation code's eight body characters."""
    total = sum(_org_value(char) * weight for char, weight in zip(body, ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


uscc_check_character = credit_check_char
USCC_CHARSET = CREDIT_CHARSET


def valid_uscc(code: str) -> bool:
    """Whether ``code`` is a well-formed unified social credit code (both check characters)."""
    if credit_code_problem(code) is not None:
        return False
    return organisation_code_check(code[8:16]) == code[16]


def _org_value(char: str) -> int:
    return int(char) if char.isdigit() else ord(char) - ord("A") + 10


class ApplicantMaker:
    """Draws applicants from one ``random.Random``; a share of them come back for another case."""

    REPEAT_SHARE = 0.12
    POOL_SIZE = 400

    def __init__(self, rng: random.Random, places: Sequence[Place]) -> None:
        if not places:
            raise ValueError("the county has no villages or communities")
        self._rng = rng
        self._places = tuple(places)
        self._by_township: dict[str, tuple[Place, ...]] = {}
        for place in places:
            self._by_township.setdefault(place.township_code, ())
            self._by_township[place.township_code] += (place,)
        self._pools: dict[tuple[str, str], list[Applicant]] = {}
        self._regions = [code for code, _ in BIRTH_REGIONS]
        self._region_weights = [weight for _, weight in BIRTH_REGIONS]

    def applicant(self, kind: str, township_code: str | None, received: date) -> Applicant:
        """An applicant of ``kind`` living (or registered) in ``township_code``, or anywhere in the
        county when it is None."""
        rng = self._rng
        key = (kind, township_code or "")
        pool = self._pools.setdefault(key, [])
        if pool and rng.random() < self.REPEAT_SHARE:
            return rng.choice(pool)
        places = self._by_township.get(township_code, self._places) if township_code else self._places
        place = rng.choice(places)
        made = self.person(place, received) if kind == "person" else self.organisation(place)
        if len(pool) < self.POOL_SIZE:
            pool.append(made)
        else:
            pool[rng.randrange(self.POOL_SIZE)] = made
        return made

    def person(self, place: Place, received: date) -> Applicant:
        rng = self._rng
        region = rng.choices(self._regions, self._region_weights)[0]
        age_days = int(365.25 * rng.triangular(18, 86, 42))
        born = received - timedelta(days=age_days + rng.randrange(365))
        sequence = rng.randrange(1, 1000)
        first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
        name = rng.choice(SURNAMES) + "".join(
            rng.choices(GIVEN_CHARACTERS, k=2 if rng.random() < 0.72 else 1)
        )
        if place.kind == "village":
            address = (
                f"{COUNTY_NAME}{place.township_name}{place.name}{rng.randint(1, 12)}组{rng.randint(1, 80)}号"
            )
        else:
            address = (
                f"{COUNTY_NAME}{place.township_name}{place.name}{rng.randint(1, 30)}栋"
                f"{rng.randint(1, 4)}单元{rng.randint(1, 18)}{rng.randint(1, 4):02d}号"
            )
        return Applicant(
            kind="person",
            name=name,
            id_number=first17 + id_check_character(first17),
            phone=rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}",
            address=address,
            region_code=place.code,
        )

    def organisation(self, place: Place) -> Applicant:
        rng = self._rng
        suffix = rng.choices([s for s, _ in COMPANY_SUFFIXES], [w for _, w in COMPANY_SUFFIXES])[0]
        name = f"{COUNTY_NAME}{rng.choice(BRANDS)}{rng.choice(INDUSTRIES)}{suffix}"
        # Codes issued since 2015 carry an organisation code starting "MA".
        body = "MA" + "".join(rng.choices(USCC_CHARSET, k=6))
        first17 = f"91{COUNTY_CODE}{body}{organisation_code_check(body)}"
        phone = (
            f"{AREA_CODE}-{rng.randint(6200000, 6299999)}"
            if rng.random() < 0.5
            else rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        )
        if place.kind == "village":
            address = (
                f"{COUNTY_NAME}{place.township_name}{place.name}{rng.randint(1, 12)}组{rng.randint(1, 80)}号"
            )
        else:
            address = f"{COUNTY_NAME}{place.township_name}{rng.choice(ROADS)}{rng.randint(1, 299)}号"
        return Applicant(
            kind="organisation",
            name=name,
            id_number=first17 + uscc_check_character(first17),
            phone=phone,
            address=address,
            region_code=place.code,
        )
