"""Power categories and the code format the demo county gives its powers.

Codes differ by province, so the API validates them against a per-deployment pattern (the
``POWER_CODE_PATTERN`` setting, whose default this format fits); the demo county's codes read
``{county code}-{category}-{serial}``, e.g. ``510799-XK-00012``.
"""

from __future__ import annotations

# The categories in the order inventories list them, with the two letters their codes carry.
CATEGORY_CODES: dict[str, str] = {
    "licensing": "XK",
    "penalty": "CF",
    "coercion": "QZ",
    "levy": "ZS",
    "benefit": "JF",
    "inspection": "JC",
    "confirmation": "QR",
    "reward": "JL",
    "adjudication": "CJ",
    "other": "QT",
    "public_service": "GG",
}

CATEGORIES: tuple[str, ...] = tuple(CATEGORY_CODES)


def power_code(county_code: str, category: str, serial: int) -> str:
    """The code of the ``serial``-th power of ``category`` in the county."""
    return f"{county_code}-{CATEGORY_CODES[category]}-{serial:05d}"
