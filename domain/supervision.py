"""The names people read for electronic supervision (电子监察): every rule and card colour.

The rules themselves are rows of ``supervision_rules`` (migrations); a test checks that every
rule there has its label here.
"""

from __future__ import annotations

RULE_LABELS = {
    "NEAR_DEADLINE": "临近承诺时限",
    "DAY_BEFORE_DEADLINE": "承诺时限届满前提醒",
    "OVERDUE": "超过承诺时限",
    "STEP_OVERDUE": "环节超时",
    "FEE_MISMATCH": "收费与标准不符",
    "STEP_OUT_OF_ORDER": "环节未按顺序办理",
    "STEP_SKIPPED": "必经环节未办理",
    "REFUSAL_WITHOUT_REASON": "不予受理或不予许可未说明理由",
    "RECTIFICATION_OVERDUE": "差评逾期未整改",
    "COMPLAINT_NOT_DECIDED": "投诉建议逾期未受理",
    "PAID_AFTER_DEATH": "受益人死亡后仍发放",
    "BENEFICIARY_IS_OFFICIAL": "受益人为公职人员、村干部或其备案亲属",
    "DUPLICATE_BENEFIT": "同一用途重复领取",
    "ABOVE_STANDARD": "发放金额或面积超过标准",
    "INVALID_OR_SHARED_ID": "身份证号码无效或多人共用",
    "LATE_DISBURSEMENT": "拨付后逾期未发放到户",
}
COLOR_LABELS = {"yellow": "黄牌", "red": "红牌"}

# One card per escalation of a limit: a red card supersedes the yellow warnings about the same
# limit. A sweep that proves the red card does not also raise those yellows, and raising the red
# card closes the case's yellows still open, as superseded (their note names the red card).
SUPERSEDES: dict[str, tuple[str, ...]] = {"OVERDUE": ("NEAR_DEADLINE", "DAY_BEFORE_DEADLINE")}


def superseded_note(rule: str, card_id: int) -> str:
    """The closing note of a yellow card that ``rule``'s red card (``card_id``) supersedes."""
    return f"已升级为红牌（{RULE_LABELS.get(rule, rule)}，监察卡 {card_id}），本预警随之关闭"
