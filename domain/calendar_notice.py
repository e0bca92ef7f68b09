"""A year's calendar as people bring it: the CSV of ``data/calendar/<year>.csv``, or the text of
the State Council's yearly notice (国务院办公厅关于××年部分节假日安排的通知) pasted into a file.

The notice gives each holiday on a line of its own::

    一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
    二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。
    三、清明节：4月4日（周六）至6日（周一）放假，共3天。

Every day it names becomes a :class:`~domain.calendar.CalendarException`, checked as the CSV is
(an adjusted working day must be a Saturday or Sunday, no day twice) and more: the weekday the
notice prints beside a day must be that day's weekday in the year loaded (a notice for another
year fails here), and "共N天" must count the days of the range. Lines that are not holiday lines
(the title, the greeting, the closing paragraph) are skipped; a line that names a holiday and
"放假" but cannot be read is refused with its number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from domain.calendar import CSV_HEADER, CalendarException, check_year, parse_calendar_csv
from domain.errors import InvalidInput

_WEEKDAYS = "一二三四五六日"
_SATURDAY = 5

# "一、元旦：…" — the holiday's name before the colon, after an optional ordinal.
_HOLIDAY_LINE = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+\s*[、.．]\s*)?(?P<name>[^：，。\d]{1,16}?)\s*：(?P<rest>.*放假.*)$"
)
_DAY = r"(?:(?P<{0}m>\d{{1,2}})月)?(?P<{0}d>\d{{1,2}})日(?:（(?P<{0}note>[^）]*)）)?"
_RANGE = re.compile(r"^\s*" + _DAY.format("a") + r"(?:\s*至\s*" + _DAY.format("b") + r")?\s*(?:放假|补休)")
_TOTAL = re.compile(r"共\s*(\d+)\s*天")
_WORKDAY = re.compile(r"(?P<m>\d{1,2})月(?P<d>\d{1,2})日(?:（(?P<note>[^）]*)）)?")
_WEEKDAY_NOTE = re.compile(r"(?:周|星期)([一二三四五六日天])")
_NOTICE_YEAR = re.compile(r"(\d{4})\s*年(?:部分)?节假日")
_WIDE = str.maketrans({"(": "（", ")": "）", ":": "："})


@dataclass(frozen=True, slots=True)
class YearCalendar:
    """One year's exceptions read from a file, and the form it came in (``csv`` or ``notice``)."""

    year: int
    exceptions: list[CalendarException]
    form: str


def read_calendar(text: str, *, year: int | None = None) -> YearCalendar:
    """A year's calendar from a file's text: CSV when it opens with the header
    ``date,is_working,name``, otherwise the notice's text. ``year`` defaults to the one the text
    names (the CSV's first date, the notice's title). Raises :class:`InvalidInput` naming the line."""
    body = text.removeprefix("\ufeff")
    first = next((line for line in body.splitlines() if line.strip()), "")
    if first.strip().lower().startswith(CSV_HEADER[0]):
        found = year or _csv_year(body)
        return YearCalendar(found, parse_calendar_csv(body, year=check_year(found)), "csv")
    found = year or _notice_year(body)
    return YearCalendar(found, parse_calendar_notice(body, year=check_year(found)), "notice")


def parse_calendar_notice(text: str, *, year: int) -> list[CalendarException]:
    """Every holiday and adjusted working day the notice's text gives for ``year``."""
    seen: dict[date, int] = {}
    result: list[CalendarException] = []
    for number, raw in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
        line = raw.translate(_WIDE).strip()
        match = _HOLIDAY_LINE.match(line)
        if match is None:
            continue
        name = match["name"].strip()
        for day, is_working in _holiday_days(match["rest"], year=year, line=number):
            if day in seen:
                raise _bad(number, f"{_md(day)} 已在第{seen[day]}行列出", year=year)
            seen[day] = number
            label = f"{name}调休上班" if is_working else name
            result.append(CalendarException(day=day, is_working=is_working, name=label))
    if not result:
        raise InvalidInput(
            f"{year}年工作日历：文件中没有可读的放假安排（应为 CSV，表头 {','.join(CSV_HEADER)}；"
            "或国务院办公厅通知的正文，如“元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。”）",
            year=year,
        )
    return result


def _holiday_days(rest: str, *, year: int, line: int) -> list[tuple[date, bool]]:
    holiday, _, after = rest.partition("。")
    span = _RANGE.match(holiday)
    if span is None:
        example = "1月1日（周四）至3日（周六）放假"
        raise _bad(line, f"读不出放假日期：“{holiday.strip()}”（应如“{example}”）", year=year)
    if span["am"] is None:
        raise _bad(line, "放假的第一天须写明月份（如“1月1日”）", year=year)
    start = _day(int(span["am"]), int(span["ad"]), span["anote"], year=year, line=line)
    end = start
    if span["bd"] is not None:
        month = int(span["bm"]) if span["bm"] else start.month
        end = _day(month, int(span["bd"]), span["bnote"], year=year, line=line)
        if end < start:
            raise _bad(line, f"放假的最后一天 {_md(end)} 早于第一天 {_md(start)}", year=year)
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    total = _TOTAL.search(holiday)
    if total is not None and int(total[1]) != len(days):
        raise _bad(line, f"写明共{total[1]}天，但 {_md(start)} 至 {_md(end)} 是{len(days)}天", year=year)
    result = [(day, False) for day in days]
    for sentence in after.split("。"):
        if "上班" not in sentence:
            continue
        for work in _WORKDAY.finditer(sentence):
            day = _day(int(work["m"]), int(work["d"]), work["note"], year=year, line=line)
            if day.weekday() < _SATURDAY:
                weekday = _WEEKDAYS[day.weekday()]
                raise _bad(line, f"调休上班日 {_md(day)} 是星期{weekday}，应为星期六或星期日", year=year)
            result.append((day, True))
    return result


def _day(month: int, day_of_month: int, note: str | None, *, year: int, line: int) -> date:
    try:
        day = date(year, month, day_of_month)
    except ValueError:
        raise _bad(line, f"{year}年没有{month}月{day_of_month}日", year=year) from None
    weekday = _WEEKDAY_NOTE.search(note or "")
    if weekday is not None:
        printed = _WEEKDAYS.index(weekday[1].replace("天", "日"))
        if printed != day.weekday():
            raise _bad(
                line,
                f"{_md(day)} 注明星期{weekday[1]}，但{year}年的这一天是星期{_WEEKDAYS[day.weekday()]}"
                "（是否载入了另一年的通知？）",
                year=year,
            )
    return day


def _csv_year(text: str) -> int:
    for line in text.splitlines()[1:]:
        cell = line.split(",", 1)[0].strip()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", cell):
            return int(cell[:4])
    raise InvalidInput("工作日历 CSV 中没有日期，无法判断年份：请用 --year 指定")


def _notice_year(text: str) -> int:
    found = _NOTICE_YEAR.search(text)
    if found is None:
        raise InvalidInput("通知中没有写明年份（如“关于2027年部分节假日安排的通知”）：请用 --year 指定")
    return int(found[1])


def _md(day: date) -> str:
    return f"{day.month}月{day.day}日"


def _bad(line: int, problem: str, *, year: int) -> InvalidInput:
    return InvalidInput(f"{year}年放假安排第{line}行：{problem}", line=line, year=year)
