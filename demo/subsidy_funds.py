"""The demo county's subsidy funds (惠民资金目录).

The statutes and the national documents cited are real; the county's own notices are invented
like the county.  Standards rose over the three seeded years: ``standards`` lists the yearly
standard, oldest first, the last one being the fund's current standard (the one in ``funds``),
so no payment of an earlier year is above today's standard.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from demo.vocabulary import COUNTY_NAME, COUNTY_SHORT

# How a fund is paid: every month, once a year (in ``pay_month``), or in one-off rounds.
MONTHLY = "monthly"
YEARLY = "yearly"
ONCE = "once"


@dataclass(frozen=True, slots=True)
class FundSpec:
    code: str
    name: str
    fund_type: str
    # Funds of one purpose may not be paid to one person for the same period.
    purpose: str
    policy_basis: str
    unit: str
    note: str
    standards: tuple[Decimal, ...]
    # Words that find the managing county department, best first.
    department_words: tuple[str, ...]
    schedule: str
    disburse_within_days: int = 5

    @property
    def standard(self) -> Decimal:
        return self.standards[-1]

    def standard_in(self, year: int, *, current_year: int) -> Decimal:
        """The standard of ``year``; years before the list's first keep its first standard."""
        back = min(current_year - year, len(self.standards) - 1)
        return self.standards[-1 - max(back, 0)]


def _yuan(*amounts: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(amount) for amount in amounts)


SOCIAL_ASSISTANCE = "《社会救助暂行办法》（国务院令第649号）"
DISABILITY_BASIS = (
    "《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》（国发〔2015〕52号）"
)

NCDB = FundSpec(
    code="NCDB",
    name="农村最低生活保障金",
    fund_type="minimum_living",
    purpose="基本生活保障",
    policy_basis=(
        f"{SOCIAL_ASSISTANCE}；《最低生活保障审核确认办法》（民发〔2021〕57号）；"
        f"《{COUNTY_NAME}人民政府关于调整城乡最低生活保障标准的通知》（{COUNTY_SHORT}府发〔2026〕3号）"
    ),
    unit="person_month",
    note="农村低保标准每人每月560元，按家庭人均收入与保障标准的差额分A、B、C三档按月发放",
    standards=_yuan("520.00", "540.00", "560.00"),
    department_words=("民政",),
    schedule=MONTHLY,
)
TKGY = FundSpec(
    code="TKGY",
    name="特困人员救助供养金",
    fund_type="extreme_poverty",
    purpose="基本生活保障",
    policy_basis=(
        f"{SOCIAL_ASSISTANCE}；《国务院关于进一步健全特困人员救助供养制度的意见》（国发〔2016〕14号）；"
        "《特困人员认定办法》（民发〔2021〕43号）"
    ),
    unit="person_month",
    note="分散供养特困人员基本生活费与照料护理补贴合计每人每月900元，不与最低生活保障金同时享受",
    standards=_yuan("860.00", "880.00", "900.00"),
    department_words=("民政",),
    schedule=MONTHLY,
)
GDBT = FundSpec(
    code="GDBT",
    name="耕地地力保护补贴",
    fund_type="farmland",
    purpose="耕地地力保护",
    policy_basis="《财政部 农业部关于全面推开农业“三项补贴”改革工作的通知》（财农〔2016〕26号）",
    unit="mu_year",
    note="按农村土地承包经营权确权面积计发，每亩每年105元，每年一次性发放至一卡通",
    standards=_yuan("98.00", "102.00", "105.00"),
    department_words=("农业农村",),
    schedule=YEARLY,
)
GLJT = FundSpec(
    code="GLJT",
    name="高龄津贴",
    fund_type="elderly",
    purpose="高龄老人津贴",
    policy_basis=(
        "《中华人民共和国老年人权益保障法》；"
        f"《{COUNTY_NAME}高龄老人津贴发放管理办法》（{COUNTY_SHORT}府办发〔2023〕17号）"
    ),
    unit="person_month",
    note="本县户籍年满80周岁的老年人，自年满80周岁次月起每人每月100元",
    standards=_yuan("100.00", "100.00", "100.00"),
    department_words=("民政",),
    schedule=MONTHLY,
)
KNCJ = FundSpec(
    code="KNCJ",
    name="困难残疾人生活补贴",
    fund_type="disability",
    purpose="残疾人生活补贴",
    policy_basis=DISABILITY_BASIS,
    unit="person_month",
    note="低保家庭中的残疾人及其他困难残疾人每人每月90元，特困供养人员不重复享受",
    standards=_yuan("85.00", "90.00", "90.00"),
    department_words=("残疾", "残联", "民政"),
    schedule=MONTHLY,
)
ZDCJ = FundSpec(
    code="ZDCJ",
    name="重度残疾人护理补贴",
    fund_type="disability",
    purpose="残疾人护理补贴",
    policy_basis=DISABILITY_BASIS,
    unit="person_month",
    note="残疾等级为一级、二级且需要长期照护的重度残疾人每人每月90元",
    standards=_yuan("85.00", "90.00", "90.00"),
    department_words=("残疾", "残联", "民政"),
    schedule=MONTHLY,
)
ZRZH = FundSpec(
    code="ZRZH",
    name="自然灾害救助资金",
    fund_type="disaster_relief",
    purpose="自然灾害生活救助",
    policy_basis="《自然灾害救助条例》（国务院令第577号）；" + SOCIAL_ASSISTANCE,
    unit="once",
    note="受灾群众过渡期生活救助：房屋倒塌或严重损坏户每户2000元，一般损坏户每户1000元",
    standards=_yuan("2000.00", "2000.00", "2000.00"),
    department_words=("应急",),
    schedule=ONCE,
    disburse_within_days=2,
)
WFGZ = FundSpec(
    code="WFGZ",
    name="农村危房改造补助",
    fund_type="housing",
    purpose="农村住房安全保障",
    policy_basis=(
        "《住房和城乡建设部 财政部 民政部 国家乡村振兴局关于做好农村低收入群体等重点对象住房安全保障工作的"
        "实施意见》（建村〔2021〕35号）"
    ),
    unit="once",
    note="D级危房拆除重建每户20000元，C级危房修缮加固每户10000元，竣工验收合格后一次性发放",
    standards=_yuan("20000.00", "20000.00", "20000.00"),
    department_words=("住房", "住建", "民政"),
    schedule=ONCE,
)

# In the order the catalogue lists them (and the seed pays them each month).
FUNDS: tuple[FundSpec, ...] = (NCDB, TKGY, GDBT, GLJT, KNCJ, ZDCJ, ZRZH, WFGZ)

# The month farmland subsidies are paid, and the months of the housing rounds.
FARMLAND_MONTH = 4
HOUSING_MONTHS = (6, 11)
