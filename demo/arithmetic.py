"""Whole-number shares: the seed's counts must add up exactly, however they are split."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Largest-remainder apportionment: integer shares of ``total`` proportional to ``weights``,
    ties going to the earlier weight."""
    whole = sum(weights)
    quotas = [total * weight / whole for weight in weights]
    shares = [int(quota) for quota in quotas]
    by_remainder = sorted(range(len(weights)), key=lambda index: (shares[index] - quotas[index], index))
    for index in by_remainder[: total - sum(shares)]:
        shares[index] += 1
    return shares


def systematic(rng: random.Random, total: int, weights: Sequence[float]) -> list[int]:
    """Random whole numbers adding up to ``total`` whose expectations are proportional to
    ``weights`` (systematic sampling: each share is the floor or the ceiling of its quota)."""
    whole = sum(weights)
    offset = rng.random()
    cumulative = 0.0
    previous = math.floor(offset)
    counts: list[int] = []
    for weight in weights:
        cumulative += total * weight / whole
        current = math.floor(cumulative + offset)
        counts.append(current - previous)
        previous = current
    # Floating-point drift can leave the sum one off; settle it on random entries.
    drift = total - sum(counts)
    while drift > 0:
        counts[rng.randrange(len(counts))] += 1
        drift -= 1
    while drift < 0:
        index = rng.randrange(len(counts))
        if counts[index] > 0:
            counts[index] -= 1
            drift += 1
    return counts
