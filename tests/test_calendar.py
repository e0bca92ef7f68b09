"""The working-day calendar against the State Council's real schedules in data/calendar."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from domain.calendar import CalendarException, CalendarNotLoaded, WorkingCalendar, parse_calendar_csv
from domain.errors import InvalidInput

CALENDAR_DIR = Path(__file__).resolve().parents[1] / "data" / "calendar"
LOADED_YEARS = (2024, 2025, 2026)


@pytest.fixture(scope="module")
def calendar() -> WorkingCalendar:
    return WorkingCalendar.from_csv(
        {year: (CALENDAR_DIR / f"{year}.csv").read_text(encoding="utf-8") for year in LOADED_YEARS}
    )


def day_by_day_due_date(calendar: WorkingCalendar, start: date, days: int) -> date:
    """The obvious slow reading of the counting rule, to check the fast one against."""
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        counted += calendar.is_working_day(day)
    return day


def test_adjusted_saturday_before_spring_festival_counts_as_working_day(calendar: WorkingCalendar) -> None:
    assert calendar.is_working_day(date(2026, 2, 14))
    assert calendar.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)


def test_spring_festival_2026_is_skipped_until_the_tuesday_after(calendar: WorkingCalendar) -> None:
    festival = [date(2026, 2, 15) + timedelta(days=offset) for offset in range(9)]
    assert not any(calendar.is_working_day(day) for day in festival)
    assert calendar.add_working_days(date(2026, 2, 14), 1) == date(2026, 2, 24)
    assert calendar.next_working_day(date(2026, 2, 15)) == date(2026, 2, 24)


def test_adjusted_saturday_after_spring_festival_counts_but_the_sunday_does_not(
    calendar: WorkingCalendar,
) -> None:
    assert calendar.is_working_day(date(2026, 2, 28))
    assert not calendar.is_working_day(date(2026, 3, 1))
    # Feb 14 (Sat), Feb 24–27, Feb 28 (Sat); the festival and Mar 1 (Sun) do not count.
    assert calendar.working_days_between(date(2026, 2, 13), date(2026, 3, 1)) == 6
    assert calendar.add_working_days(date(2026, 2, 27), 2) == date(2026, 3, 2)


def test_national_day_2025_counts_the_adjusted_sunday_and_saturday(calendar: WorkingCalendar) -> None:
    assert not calendar.is_working_day(date(2025, 9, 27))
    assert calendar.is_working_day(date(2025, 9, 28))
    assert not any(calendar.is_working_day(date(2025, 10, day)) for day in range(1, 9))
    assert calendar.is_working_day(date(2025, 10, 11))
    # Received Friday Sep 26: Sep 28, 29, 30, then Oct 9, 10.
    assert calendar.add_working_days(date(2025, 9, 26), 5) == date(2025, 10, 10)
    assert calendar.add_working_days(date(2025, 9, 26), 6) == date(2025, 10, 11)
    assert calendar.add_working_days(date(2025, 9, 26), 7) == date(2025, 10, 13)


def test_five_working_days_from_an_ordinary_friday_end_the_next_friday(calendar: WorkingCalendar) -> None:
    assert calendar.add_working_days(date(2025, 3, 7), 5) == date(2025, 3, 14)


def test_the_day_of_receipt_never_counts(calendar: WorkingCalendar) -> None:
    assert calendar.add_working_days(date(2025, 3, 10), 1) == date(2025, 3, 11)
    assert calendar.add_working_days(date(2025, 3, 8), 1) == date(2025, 3, 10)
    assert calendar.working_days_between(date(2025, 3, 10), date(2025, 3, 10)) == 0


def test_zero_days_leaves_the_start_even_on_a_holiday(calendar: WorkingCalendar) -> None:
    assert calendar.add_working_days(date(2025, 10, 1), 0) == date(2025, 10, 1)


def test_negative_days_count_back_to_the_working_day_before(calendar: WorkingCalendar) -> None:
    assert calendar.add_working_days(date(2026, 2, 24), -1) == date(2026, 2, 14)
    assert calendar.add_working_days(date(2026, 2, 24), -2) == date(2026, 2, 13)


def test_end_before_start_counts_nothing(calendar: WorkingCalendar) -> None:
    assert calendar.working_days_between(date(2025, 6, 10), date(2025, 6, 3)) == 0


def test_counting_crosses_new_year_between_loaded_years(calendar: WorkingCalendar) -> None:
    # Dec 31 2024 (Tue) → Jan 1 2025 is 元旦 → Jan 2, 3, then the weekend.
    assert calendar.add_working_days(date(2024, 12, 31), 2) == date(2025, 1, 3)
    assert calendar.working_days_between(date(2024, 12, 30), date(2025, 1, 5)) == 3


def test_fast_due_dates_match_counting_day_by_day(calendar: WorkingCalendar) -> None:
    starts = [date(2024, 1, 1) + timedelta(days=offset) for offset in range(0, 1000, 7)]
    for start in starts:
        for days in (1, 2, 5, 15, 20, 60):
            assert calendar.add_working_days(start, days) == day_by_day_due_date(calendar, start, days)


def test_between_undoes_add(calendar: WorkingCalendar) -> None:
    # From mid-January so that counting back never needs 2023.
    for offset in range(0, 1000, 3):
        start = date(2024, 1, 15) + timedelta(days=offset)
        for days in (0, 1, 3, 8, 20):
            due = calendar.add_working_days(start, days)
            assert calendar.working_days_between(start, due) == days
            if days:
                earlier = calendar.add_working_days(due, -days)
                assert calendar.working_days_between(earlier, due) == days
                assert earlier <= start


def test_add_lands_on_the_latest_working_day_not_after_end(calendar: WorkingCalendar) -> None:
    start = date(2025, 1, 20)
    for offset in range(1, 40):
        end = start + timedelta(days=offset)
        elapsed = calendar.working_days_between(start, end)
        reached = calendar.add_working_days(start, elapsed)
        assert reached <= end
        assert calendar.is_working_day(end) == (reached == end)


def test_year_not_loaded_is_refused_with_its_year_named(calendar: WorkingCalendar) -> None:
    with pytest.raises(CalendarNotLoaded) as refused:
        calendar.is_working_day(date(2023, 12, 29))
    assert refused.value.code == "CALENDAR_NOT_LOADED"
    assert "2023" in refused.value.message


def test_due_date_running_into_an_unloaded_year_is_refused(calendar: WorkingCalendar) -> None:
    with pytest.raises(CalendarNotLoaded, match="2027") as refused:
        calendar.add_working_days(date(2026, 12, 30), 5)
    assert refused.value.code == "CALENDAR_NOT_LOADED"
    with pytest.raises(CalendarNotLoaded, match="2023"):
        calendar.add_working_days(date(2024, 1, 2), -3)
    with pytest.raises(CalendarNotLoaded, match="2027"):
        calendar.working_days_between(date(2026, 6, 1), date(2027, 1, 5))


def test_a_gap_in_the_loaded_years_is_never_bridged() -> None:
    calendar = WorkingCalendar.from_exceptions([], years=[2024, 2026])
    with pytest.raises(CalendarNotLoaded, match="2025"):
        calendar.add_working_days(date(2024, 12, 20), 30)
    with pytest.raises(CalendarNotLoaded, match="2025"):
        calendar.working_days_between(date(2024, 12, 20), date(2026, 1, 5))
    with pytest.raises(CalendarNotLoaded, match="2025"):
        calendar.add_working_days(date(2026, 1, 5), -10)


def test_every_adjusted_working_day_in_the_data_falls_on_a_weekend() -> None:
    for year in LOADED_YEARS:
        exceptions = parse_calendar_csv((CALENDAR_DIR / f"{year}.csv").read_text(encoding="utf-8"), year=year)
        adjusted = [item.day for item in exceptions if item.is_working]
        assert adjusted
        assert all(day.weekday() >= 5 for day in adjusted)


def test_csv_parses_holidays_and_adjusted_days_with_their_names() -> None:
    text = "\ufeffdate,is_working,name\n2025-01-01,false,元旦\n\n2025-01-26,true,春节调休上班\n"
    assert parse_calendar_csv(text, year=2025) == [
        CalendarException(day=date(2025, 1, 1), is_working=False, name="元旦"),
        CalendarException(day=date(2025, 1, 26), is_working=True, name="春节调休上班"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("date,working,name\n", "第1行：表头应为 date,is_working,name"),
        ("", "第1行：表头应为"),
        (
            "date,is_working,name\n2025-01-01,false,元旦\n2025-13-01,false,春节\n",
            "第3行：日期 2025-13-01 无效",
        ),
        ("date,is_working,name\n20250101,false,元旦\n", "第2行：日期 20250101 无效"),
        ("date,is_working,name\n2024-12-31,false,元旦\n", "第2行：日期 2024-12-31 不属于2025年"),
        ("date,is_working,name\n2025-01-01,no,元旦\n", "第2行：is_working 应为 true 或 false"),
        ("date,is_working,name\n2025-01-01,false\n", "第2行：应有3列"),
        ("date,is_working,name\n2025-01-01,false, \n", "第2行：缺少名称"),
        ("date,is_working,name\n2025-01-27,true,春节调休上班\n", "第2行：调休上班日 2025-01-27 是星期一"),
        (
            "date,is_working,name\n2025-01-28,false,春节\n\n2025-01-28,false,春节\n",
            "第4行：日期 2025-01-28 与第2行重复",
        ),
    ],
)
def test_csv_errors_name_the_line(text: str, message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_calendar_csv(text, year=2025)
    assert message in refused.value.message
    assert refused.value.code == "INVALID_INPUT"
