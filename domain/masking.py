"""The one mask for personal data (DOMAIN.md "Personal data").

Every page uses the same mask, because different masks on different pages can be combined to
recover the whole: a name keeps its first character (张**), an ID number its first 6 and last 4
(110105********1234), a mobile number its first 3 and last 4 (138****1234), and an address only
reaches down to the township or street.
"""

from __future__ import annotations

import re
from enum import StrEnum


class PersonalKind(StrEnum):
    NAME = "name"
    ID_NUMBER = "id_number"
    PHONE = "phone"
    ADDRESS = "address"


# The first township-level unit in an address: 镇, 乡 or 街道 (苏木 in some regions), reached
# after the county part. A village or house number after it is cut off.
_TOWNSHIP = re.compile(r"^.*?(?:街道|镇|乡|苏木)")


def mask_name(name: str) -> str:
    name = name.strip()
    if not name:
        return name
    return name[0] + "*" * max(len(name) - 1, 2)


def mask_id_number(id_number: str) -> str:
    id_number = id_number.strip()
    if len(id_number) <= 10:
        return "*" * len(id_number)
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]


def mask_phone(phone: str) -> str:
    digits = phone.strip()
    if len(digits) < 8:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_address(address: str) -> str:
    match = _TOWNSHIP.match(address.strip())
    # An address with no township part shows nothing rather than a street and house number.
    return match.group(0) if match else ""


_MASKS = {
    PersonalKind.NAME: mask_name,
    PersonalKind.ID_NUMBER: mask_id_number,
    PersonalKind.PHONE: mask_phone,
    PersonalKind.ADDRESS: mask_address,
}


def mask(kind: PersonalKind, value: str | None) -> str | None:
    if value is None:
        return None
    return _MASKS[kind](value)
