"""Real keys of the demo county as loaded, for people trying the public API (``sunshine
demo-keys``): case numbers with their receipt codes, a household's name and ID number, a village's
notice list, a power with a long process map.

Which cases, households and villages exist depends on the seed and the scale, so the keys are read
from the database. A receipt code is kept only as a hash; the demo's codes are recomputed from the
seed (:func:`demo.cases.demo_query_code`) and checked against that hash, so a key is only offered
when it opens its case.
"""

from __future__ import annotations

import shlex
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date

from db import samples
from db.executor import Executor
from demo.cases import demo_query_code
from domain.cases import query_code_hash

# How many candidates to try for a case whose receipt code the seed gives (cases pushed by a
# department system carry codes of their own).
_CANDIDATES = 50


@dataclass(frozen=True, slots=True)
class CaseKey:
    case_no: str
    query_code: str


@dataclass(frozen=True, slots=True)
class DemoKeys:
    in_progress: CaseKey | None
    ratable: CaseKey | None
    late: CaseKey | None
    holder: samples.HolderRow | None
    notice: samples.NoticeKeyRow | None
    long_map: samples.MapKeyRow | None

    def shell(self) -> list[str]:
        """``export`` lines for a POSIX shell, one a key found (``eval`` them)."""
        values: dict[str, str] = {}
        for prefix, case in (("", self.in_progress), ("DONE_", self.ratable), ("LATE_", self.late)):
            if case is not None:
                values[f"{prefix}CASE_NO"] = case.case_no
                values[f"{prefix}QUERY_CODE"] = case.query_code
        if self.holder is not None:
            values["HOLDER_NAME"] = self.holder.name
            values["HOLDER_ID_NUMBER"] = self.holder.id_number
        if self.notice is not None:
            values["VILLAGE_CODE"] = self.notice.village_code
            values["FUND_CODE"] = self.notice.fund_code
            values["PERIOD"] = self.notice.period.isoformat()
        if self.long_map is not None:
            values["POWER_CODE"] = self.long_map.code
        return [f"export {name}={shlex.quote(value)}" for name, value in values.items()]

    def lines(self, *, seed: int) -> list[str]:
        """The keys for people, in Chinese."""
        absent = "（没有：这部分尚未载入，或不是用这个种子载入的）"
        lines = [f"示范县的查询键（种子 {seed}，读自数据库）："]
        for label, case in (
            ("办件·在办", self.in_progress),
            ("办件·已办结、可评价", self.ratable),
            ("办件·逾期办结", self.late),
        ):
            lines.append(
                f"  {label}：" + (f"办件号 {case.case_no}  查询码 {case.query_code}" if case else absent)
            )
        holder, notice, power = self.holder, self.notice, self.long_map
        lines.append(
            f"  实名查询：姓名 {holder.name}  身份证号 {holder.id_number}"
            f"（本户近三年补助 {holder.payments} 笔，分页查看）"
            if holder
            else f"  实名查询：{absent}"
        )
        lines.append(
            f"  公示名单：村 {notice.village_code}  资金 {notice.fund_code}"
            f"  所属期 {notice.period.isoformat()}（{notice.entries} 人）"
            if notice
            else f"  公示名单：{absent}"
        )
        lines.append(
            f"  流程图环节最多的事项：{power.code} {power.name}（{power.steps} 个环节）"
            if power
            else f"  流程图：{absent}"
        )
        lines.append("  投诉：示范县没有投诉；提交一件（complaint_submit）即得到受理编号和查询码")
        lines.append(
            '设为 shell 变量（README 的示例用它们）：eval "$(python3 dev.py sunshine demo-keys --shell)"'
        )
        return lines


async def _case(
    db: Executor, seed: int, candidates: Callable[..., Awaitable[list[samples.CaseKeyRow]]]
) -> CaseKey | None:
    for row in await candidates(db, limit=_CANDIDATES):
        code = demo_query_code(seed, row.case_no)
        if query_code_hash(row.case_no, code) == row.query_code_hash:
            return CaseKey(row.case_no, code)
    return None


async def find(db: Executor, *, seed: int, today: date) -> DemoKeys:
    """The keys of the data at ``db``, for a demo loaded with ``seed``; a kind of key the data
    does not have (a part not loaded yet, another seed) is None. The household is looked up in
    the years the real-name lookup reads on ``today``."""
    return DemoKeys(
        in_progress=await _case(db, seed, samples.list_cases_in_progress),
        ratable=await _case(db, seed, samples.list_cases_ratable),
        late=await _case(db, seed, samples.list_cases_late),
        holder=await samples.get_busiest_holder(db, years=range(today.year - 2, today.year + 1)),
        notice=await samples.get_longest_notice(db),
        long_map=await samples.get_longest_map(db),
    )
