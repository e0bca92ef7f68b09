"""Ratings of completed cases (好差评): the five levels and which of them are bad.

A bad rating obliges the department to rectify within ``RECTIFY_WITHIN_DAYS`` working days
(``services/ratings.py`` records it; the sweep raises RECTIFICATION_OVERDUE when it is not done).
"""

from __future__ import annotations

from enum import IntEnum

RECTIFY_WITHIN_DAYS = 15


class RatingLevel(IntEnum):
    VERY_SATISFIED = 1  # 非常满意
    SATISFIED = 2  # 满意
    BASICALLY_SATISFIED = 3  # 基本满意
    DISSATISFIED = 4  # 不满意
    VERY_DISSATISFIED = 5  # 非常不满意


RATING_LABELS = {
    RatingLevel.VERY_SATISFIED: "非常满意",
    RatingLevel.SATISFIED: "满意",
    RatingLevel.BASICALLY_SATISFIED: "基本满意",
    RatingLevel.DISSATISFIED: "不满意",
    RatingLevel.VERY_DISSATISFIED: "非常不满意",
}


def is_bad(level: RatingLevel) -> bool:
    return level >= RatingLevel.DISSATISFIED
