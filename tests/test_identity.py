"""Resident ID numbers (GB 11643) and unified social credit codes (GB 32100): pure checks."""

from __future__ import annotations

from datetime import date

import pytest

from domain.identity import (
    birth_date,
    check_char,
    credit_check_char,
    credit_code_problem,
    id_number_problem,
    normalize_id_number,
)

TODAY = date(2026, 11, 20)

# The textbook example: 1×7 + 1×9 + 0×10 + 1×5 + 0×8 + 5×4 + 1×2 + 9×1 + 4×6 + 9×3 + 1×7 + 2×9
# + 3×10 + 1×5 + 0×8 + 0×4 + 2×2 = 167, 167 mod 11 = 2, and remainder 2 gives "X".
TEXTBOOK_ID = "11010519491231002X"
# 9×1 + 1×3 + 3×9 + 5×27 + 1×26 + M(21)×20 + 1×8 + Y(30)×30 + 4×28 = 1640, 1640 mod 31 = 28,
# 31 - 28 = 3.
TEXTBOOK_CREDIT_CODE = "91350100M000100Y43"


def test_textbook_id_number_is_valid() -> None:
    assert check_char(TEXTBOOK_ID[:17]) == "X"
    assert id_number_problem(TEXTBOOK_ID, today=TODAY) is None


def test_lowercase_check_character_is_accepted_and_normalized() -> None:
    assert id_number_problem("11010519491231002x", today=TODAY) is None
    assert normalize_id_number(" 11010519491231002x ") == TEXTBOOK_ID


@pytest.mark.parametrize("first17", ["51079919800101001", "51070320000229123", "51079919000101002"])
def test_numbers_completed_with_their_check_character_are_valid(first17: str) -> None:
    assert id_number_problem(first17 + check_char(first17), today=TODAY) is None


def test_wrong_check_character_names_the_right_one() -> None:
    assert id_number_problem("110105194912310021", today=TODAY) == "身份证号码校验位错误（应为 X）"
    first17 = "51079919800101001"
    right = check_char(first17)
    wrong = "0" if right != "0" else "1"
    assert id_number_problem(first17 + wrong, today=TODAY) == f"身份证号码校验位错误（应为 {right}）"


@pytest.mark.parametrize("value", ["", "11010519491231002", "11010519491231002X0", "110105491231002"])
def test_wrong_length_is_reported_first(value: str) -> None:
    assert id_number_problem(value, today=TODAY) == "身份证号码应为18位"


@pytest.mark.parametrize("value", ["1101051949123100AX", "11010519491231002Y", "１１010519491231002X"])
def test_letters_and_fullwidth_digits_are_refused(value: str) -> None:
    assert id_number_problem(value, today=TODAY) == "身份证号码只能由数字组成，最后一位可以是X"


@pytest.mark.parametrize("born", ["19901345", "19900230", "18991231", "20261121", "00000000"])
def test_impossible_or_out_of_range_birth_date_is_named(born: str) -> None:
    first17 = f"510799{born}001"
    assert id_number_problem(first17 + check_char(first17), today=TODAY) == (
        f"身份证号码中的出生日期 {born} 无效"
    )


def test_birth_date_on_today_is_accepted() -> None:
    first17 = "51079920261120002"
    assert id_number_problem(first17 + check_char(first17), today=TODAY) is None


def test_birth_date_is_read_from_positions_seven_to_fourteen() -> None:
    assert birth_date(TEXTBOOK_ID) == date(1949, 12, 31)
    with pytest.raises(ValueError, match="18-character"):
        birth_date("110105194912")
    with pytest.raises(ValueError, match="month"):
        birth_date("110105199013450011")


def test_check_char_refuses_anything_but_seventeen_digits() -> None:
    with pytest.raises(ValueError, match="17 leading digits"):
        check_char("1101051949123100")
    with pytest.raises(ValueError, match="17 leading digits"):
        check_char("1101051949123100X")


def test_textbook_credit_code_is_valid() -> None:
    assert credit_check_char(TEXTBOOK_CREDIT_CODE[:17]) == "3"
    assert credit_code_problem(TEXTBOOK_CREDIT_CODE) is None
    assert credit_code_problem(TEXTBOOK_CREDIT_CODE.lower()) is None


@pytest.mark.parametrize("first17", ["91510799MA6CX8K2L", "12510799000000001", "92510799L00000000"])
def test_credit_codes_completed_with_their_check_character_are_valid(first17: str) -> None:
    assert credit_code_problem(first17 + credit_check_char(first17)) is None


def test_check_value_thirty_one_becomes_zero() -> None:
    # A weighted sum divisible by 31 gives 31 - 0 = 31, written as "0".
    assert credit_check_char("00000000000000000") == "0"


def test_wrong_credit_check_character_names_the_right_one() -> None:
    assert credit_code_problem("91350100M000100Y44") == "统一社会信用代码校验位错误（应为 3）"


def test_wrong_credit_code_length() -> None:
    assert credit_code_problem("91350100M000100Y4") == "统一社会信用代码应为18位"
    assert credit_code_problem("") == "统一社会信用代码应为18位"


def test_letters_outside_the_credit_charset_are_named() -> None:
    assert credit_code_problem("91350100I000100S43") == "统一社会信用代码含有不允许的字符：I、S"


def test_credit_check_char_refuses_letters_outside_the_charset() -> None:
    with pytest.raises(ValueError, match="17 leading characters"):
        credit_check_char("91350100O000100Y4")
