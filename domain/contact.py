"""Contact phone numbers as an applicant gives them: a mainland mobile number or a landline.

Written as dialled inside mainland China, without a country code: a mobile number is 11 digits
``1[3-9]xxxxxxxxx``; a landline is an area code of 3 or 4 digits starting with 0, an optional
hyphen, a local number of 7 or 8 digits not starting with 0 or 1, and an optional extension after
a hyphen (``0836-6229229``, ``02866668888``, ``0836-6229229-801``). One form everywhere keeps the
one mask (first 3, last 4) meaningful and lets a receipt's "last digits of the phone" be compared.
"""

from __future__ import annotations

import re

MOBILE = re.compile(r"1[3-9][0-9]{9}")
LANDLINE = re.compile(r"0[1-9][0-9]{1,2}-?[2-9][0-9]{6,7}(-[0-9]{1,6})?")


def phone_problem(value: str) -> str | None:
    """``None`` for a mainland mobile or landline number (see the module), else what is wrong."""
    phone = value.strip()
    if MOBILE.fullmatch(phone) or LANDLINE.fullmatch(phone):
        return None
    return f"联系电话 {phone[:20]!r} 应为11位手机号（如 13812345678）或带区号的固定电话（如 0836-6229229）"
