"""Complaints and suggestions (投诉建议): what one may be about, how long a department has to take
it up, and how its tracking code is kept (only as a hash)."""

from __future__ import annotations

import hashlib

ACCEPT_WITHIN_DAYS = 5
ABOUT = ("case", "department", "fund", "official", "other")


def code_hash(tracking_no: str, code: str) -> bytes:
    return hashlib.sha256(f"complaint:{tracking_no}:{code}".encode()).digest()
