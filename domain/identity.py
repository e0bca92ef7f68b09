"""Identity numbers: the 18-digit resident ID (居民身份证号码, GB 11643-1999) and the unified
social credit code (统一社会信用代码, GB 32100-2015).

Both end in a check character computed from the first 17, so most typing errors and most made-up
numbers are caught without asking anyone.  The ``*_problem`` functions return ``None`` for a good
number and otherwise one Chinese sentence naming what is wrong, to show to the person who typed it;
the red-flag rule "ID number invalid" in SQL (``sunshine_id_number_valid``) mirrors the check here.
"""

from __future__ import annotations

from datetime import date

# GB 11643-1999: weight of each of the first 17 digits (2^(17-i) mod 11), and the check character
# for each remainder of the weighted sum mod 11.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
# Nobody alive was born earlier; a later date than "today" is a typing error.
EARLIEST_BIRTH = date(1900, 1, 1)

# GB 32100-2015: the 31 characters a code may use (no I, O, S, V, Z, which read like digits), and
# the weight of each of the first 17 positions (3^i mod 31).
CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_VALUES = {char: value for value, char in enumerate(CREDIT_CHARSET)}


def normalize_id_number(value: str) -> str:
    """``value`` without surrounding blanks and with a lowercase check character ``x`` raised."""
    return value.strip().upper()


def check_char(first17: str) -> str:
    """The GB 11643 check character of an ID number's first 17 digits.

    Raises ``ValueError`` unless ``first17`` is exactly 17 ASCII digits.
    """
    if len(first17) != 17 or not _ascii_digits(first17):
        raise ValueError(f"expected the 17 leading digits of an ID number, got {first17!r}")
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def birth_date(id_number: str) -> date:
    """The birth date written at positions 7–14 of an 18-digit ID number.

    Raises ``ValueError`` when the number is not 18 characters or those eight are not a date; it
    does not look at the check character (see :func:`id_number_problem`).
    """
    number = normalize_id_number(id_number)
    if len(number) != 18:
        raise ValueError(f"expected an 18-character ID number, got {len(number)} characters")
    digits = number[6:14]
    if not _ascii_digits(digits):
        raise ValueError(f"the birth date {digits!r} is not eight digits")
    return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))


def id_number_problem(value: str, *, today: date | None = None) -> str | None:
    """``None`` when ``value`` is a valid 18-digit resident ID number, else what is wrong with it.

    Valid means: 17 digits and a check character (a digit or ``X``, lowercase accepted) that
    matches them, with a real birth date from 1900-01-01 up to ``today`` (the real today unless
    given) at positions 7–14.  The length is checked first, then the characters, the birth date
    and last the check character, so the message names the first thing to fix.
    """
    number = normalize_id_number(value)
    if len(number) != 18:
        return "身份证号码应为18位"
    if not _ascii_digits(number[:17]) or not (_ascii_digits(number[17]) or number[17] == "X"):
        return "身份证号码只能由数字组成，最后一位可以是X"
    try:
        born = birth_date(number)
    except ValueError:
        born = None
    latest = today if today is not None else date.today()
    if born is None or not EARLIEST_BIRTH <= born <= latest:
        return f"身份证号码中的出生日期 {number[6:14]} 无效"
    expected = check_char(number[:17])
    if number[17] != expected:
        return f"身份证号码校验位错误（应为 {expected}）"
    return None


def normalize_credit_code(value: str) -> str:
    """``value`` without surrounding blanks, in capitals (codes are printed in capitals)."""
    return value.strip().upper()


def credit_check_char(first17: str) -> str:
    """The GB 32100 check character of a unified social credit code's first 17 characters.

    Raises ``ValueError`` unless ``first17`` is 17 characters of the code's character set.
    """
    if len(first17) != 17 or any(char not in _CREDIT_VALUES for char in first17):
        raise ValueError(f"expected the 17 leading characters of a credit code, got {first17!r}")
    total = sum(_CREDIT_VALUES[char] * weight for char, weight in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARSET[(31 - total % 31) % 31]


def credit_code_problem(value: str) -> str | None:
    """``None`` when ``value`` is a well-formed unified social credit code, else what is wrong.

    Checks the length, the character set (lowercase accepted) and the GB 32100 check character;
    it does not check that the code was ever issued, nor the embedded organisation code.
    """
    code = normalize_credit_code(value)
    if len(code) != 18:
        return "统一社会信用代码应为18位"
    bad = sorted({char for char in code if char not in _CREDIT_VALUES})
    if bad:
        return f"统一社会信用代码含有不允许的字符：{'、'.join(bad)}"
    expected = credit_check_char(code[:17])
    if code[17] != expected:
        return f"统一社会信用代码校验位错误（应为 {expected}）"
    return None


def _ascii_digits(text: str) -> bool:
    # str.isdigit accepts fullwidth and other Unicode digits, which no ID number contains.
    return text.isascii() and text.isdigit()
