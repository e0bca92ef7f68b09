"""The official working-day calendar (工作日历) that every time limit is counted in.

A day is a working day when it is Monday to Friday, unless the State Council's yearly notice
(国务院办公厅关于××年部分节假日安排的通知) makes it a public holiday; a Saturday or Sunday is a working
day only when that notice makes it an adjusted working day (调休上班). The notices are data: one CSV
per year (``data/calendar/2025.csv``) lists only those exceptions, read by :func:`parse_calendar_csv`.

Counting convention, used by every method here: a time limit of *n* working days that starts on day
*D* ends on the *n*-th working day strictly after *D*. The day a case is received never counts, even
when it is a working day, so a case received on a Friday with a limit of one working day is due the
following Monday. Whether *D* itself is a working day does not matter.

Only years that were loaded can be asked about: a calendar silently falling back to "weekends only"
would move statutory due dates across the Spring Festival. Asking about any other year raises
:class:`CalendarNotLoaded`.
"""

from __future__ import annotations

import csv
import io
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from types import MappingProxyType

from domain.errors import DomainError, InvalidInput

CHINA = timezone(timedelta(hours=8))  # China keeps one time zone and no daylight saving


def china_day(moment: datetime) -> date:
    """The calendar day in China at ``moment``: the day a time limit counts from."""
    return moment.astimezone(CHINA).date()


def china_time(moment: datetime) -> datetime:
    """``moment`` as read in China (+08:00): every time an answer or a file shows people."""
    return moment.astimezone(CHINA)


# The years the service keeps records of: nothing a county holds predates 1949, and a year past
# 2100 is a typing error (it would also overflow the smallint year columns long before 32767).
FIRST_YEAR, LAST_YEAR = 1949, 2100


def check_year(year: int) -> int:
    """``year`` when the service can hold records of it; otherwise a refusal that says the range."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput(f"年度 {year} 超出范围（{FIRST_YEAR}–{LAST_YEAR}）", code="INVALID_YEAR")
    return year


_CHINESE_DAY = re.compile(r"^(\d{4})\s*(?:[-/.年])\s*(\d{1,2})\s*(?:[-/.月])\s*(\d{1,2})\s*日?$")
_COMPACT_DAY = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def parse_day(text: str) -> date:
    """A day as people in China write it: 2026-11-22, 2026/11/22, 2026.11.22, 2026年11月22日,
    20261122; ValueError (in Chinese) for anything else or a day that does not exist."""
    value = text.strip()
    match = _CHINESE_DAY.fullmatch(value) or _COMPACT_DAY.fullmatch(value)
    if match is None:
        raise ValueError(f"“{text}”不是日期（如 2026-11-22、2026/11/22 或 2026年11月22日）")
    year, month, day = (int(g) for g in match.groups())
    try:
        return date(check_year(year), month, day)
    except (ValueError, InvalidInput):
        raise ValueError(f"“{text}”不是存在的日期") from None


_CLOCK = re.compile(r"^(\d{1,2})[:：时](\d{2})(?:[:：分](\d{2})秒?)?分?$")


def parse_moment(text: str) -> datetime:
    """A moment: ISO 8601 with its offset, or a day as :func:`parse_day` reads it and a time of day
    (``2026/11/22 9:30``, ``2026年11月22日 09:30:15``) read as Beijing time, as records kept in
    China are; ValueError (in Chinese) otherwise."""
    value = text.strip()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is not None and moment.tzinfo is not None:
        if not FIRST_YEAR <= moment.year <= LAST_YEAR:
            raise ValueError(f"“{text}”的年度超出范围（{FIRST_YEAR}–{LAST_YEAR}）")
        return moment
    day_text, _, clock_text = value.replace("T", " ").partition(" ")
    clock = _CLOCK.fullmatch(clock_text.strip())
    if clock is None:
        raise ValueError(f"“{text}”不是时间（如 2026-11-22 09:30 或 2026-11-22T09:30:00+08:00）")
    hour, minute, second = int(clock[1]), int(clock[2]), int(clock[3] or 0)
    try:
        return datetime.combine(parse_day(day_text), datetime.min.time()).replace(
            hour=hour, minute=minute, second=second, tzinfo=CHINA
        )
    except ValueError:
        raise ValueError(f"“{text}”不是存在的时间") from None


def moment_on(day: date, now: datetime) -> datetime:
    """``now`` when it falls on ``day`` in China; otherwise noon of ``day`` in China: the moment a
    replay or a demo pinned to another day acts at."""
    if china_day(now) == day:
        return now
    return datetime(day.year, day.month, day.day, 4, tzinfo=UTC)  # 12:00 in China


def years_without_calendar(start: date, ends: Iterable[date | None], *, loaded: Iterable[int]) -> list[int]:
    """The years a clock from ``start`` to the latest of ``ends`` runs through whose calendar is
    not loaded: due dates counted in them took Monday to Friday as working days, and move when
    the year's calendar is loaded. Empty when there is no end."""
    last = max((end for end in ends if end is not None), default=None)
    if last is None:
        return []
    have = set(loaded)
    return [year for year in range(start.year, last.year + 1) if year not in have]


CSV_HEADER = ("date", "is_working", "name")

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SATURDAY = 5


class CalendarNotLoaded(DomainError):
    code = "CALENDAR_NOT_LOADED"


@dataclass(frozen=True, slots=True)
class CalendarException:
    """A day that breaks the weekend rule: a public holiday (``is_working=False``) or an adjusted
    working day on a weekend (``is_working=True``)."""

    day: date
    is_working: bool
    name: str


@dataclass(frozen=True, slots=True)
class _Span:
    """Consecutive loaded years and the ordinals of all their working days, ascending.

    Spans stop at a year that is not loaded, so a count that would need that year fails instead
    of skipping it.
    """

    first_year: int
    last_year: int
    working: list[int]


@dataclass(frozen=True)
class WorkingCalendar:
    """Working days for the loaded ``years``; ``exceptions`` maps a day to whether it is worked.

    Every query is O(1) or O(log n): the working days of each run of consecutive loaded years are
    precomputed once as a sorted array of ordinals and searched with :mod:`bisect`.
    """

    exceptions: Mapping[date, bool] = field(hash=False)
    years: frozenset[int]
    _spans: dict[int, _Span] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        # A private copy: the precomputed arrays must not drift from a dict the caller still holds.
        exceptions = MappingProxyType(dict(self.exceptions))
        years = frozenset(self.years)
        outside = sorted({day.year for day in exceptions} - years)
        if outside:
            raise ValueError(f"calendar exceptions for years that are not loaded: {outside}")
        object.__setattr__(self, "exceptions", exceptions)
        object.__setattr__(self, "years", years)
        object.__setattr__(self, "_spans", _build_spans(exceptions, years))

    @classmethod
    def from_exceptions(
        cls, exceptions: Iterable[CalendarException], *, years: Iterable[int]
    ) -> WorkingCalendar:
        """Build a calendar for ``years`` from parsed exceptions (a year may have none)."""
        return cls({item.day: item.is_working for item in exceptions}, frozenset(years))

    @classmethod
    def from_csv(cls, csv_by_year: Mapping[int, str]) -> WorkingCalendar:
        """Build a calendar from the text of each year's CSV file, keyed by year.

        Raises :class:`~domain.errors.InvalidInput` for the first bad line of any file.
        """
        exceptions = [
            item for year, text in csv_by_year.items() for item in parse_calendar_csv(text, year=year)
        ]
        return cls.from_exceptions(exceptions, years=csv_by_year.keys())

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working day under the official calendar."""
        self._span(day.year)
        return _is_worked(self.exceptions, day)

    def add_working_days(self, start: date, days: int) -> date:
        """The due date of a limit of ``days`` working days starting on ``start``.

        This is the ``days``-th working day strictly after ``start`` (see the module docstring), so
        the result is always a working day when ``days > 0``. ``days == 0`` returns ``start``
        unchanged. A negative ``days`` counts back: ``-n`` gives the *n*-th working day strictly
        before ``start`` (for "one working day before the deadline" reminders).

        Raises :class:`CalendarNotLoaded` if ``start`` or the result falls in a year not loaded.
        """
        span = self._span(start.year)
        if days == 0:
            return start
        ordinal = start.toordinal()
        if days > 0:
            # bisect_right: the index of the first working day strictly after start.
            index = bisect_right(span.working, ordinal) + days - 1
            if index >= len(span.working):
                raise _not_loaded(span.last_year + 1)
        else:
            # bisect_left: how many working days lie strictly before start.
            index = bisect_left(span.working, ordinal) + days
            if index < 0:
                raise _not_loaded(span.first_year - 1)
        return date.fromordinal(span.working[index])

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days lie strictly after ``start`` up to and including ``end``.

        This is the elapsed time of a case received on ``start`` as seen on ``end``, and the
        inverse of :meth:`add_working_days`: ``working_days_between(d, add_working_days(d, n)) == n``
        for every ``n >= 0``. Returns 0 when ``end <= start``.

        Raises :class:`CalendarNotLoaded` if either date, or any year between them, is not loaded.
        """
        span = self._span(start.year)
        end_span = self._span(end.year)
        if end <= start:
            return 0
        if end_span is not span:
            raise _not_loaded(span.last_year + 1)
        working = span.working
        return bisect_right(working, end.toordinal()) - bisect_right(working, start.toordinal())

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day`` (``day`` itself never qualifies)."""
        return self.add_working_days(day, 1)

    def _span(self, year: int) -> _Span:
        span = self._spans.get(year)
        if span is None:
            raise _not_loaded(year)
        return span


def parse_calendar_csv(text: str, *, year: int) -> list[CalendarException]:
    """Read one year's exceptions from CSV text with the header ``date,is_working,name``.

    Each line is ``YYYY-MM-DD,true|false,名称``; blank lines are ignored. Raises
    :class:`~domain.errors.InvalidInput` for the first problem, naming its line number: a bad
    header, a wrong number of columns, an invalid date or one outside ``year``, ``is_working``
    other than true/false, a missing name, an adjusted working day that is not a Saturday or
    Sunday (a weekday is a working day anyway, so such a line is a typo), or a date listed twice.
    """
    # Spreadsheet programs on Chinese Windows save CSV with a byte-order mark.
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    header = next(reader, None)
    if header is None or tuple(cell.strip() for cell in header) != CSV_HEADER:
        raise _bad_line(1, f"表头应为 {','.join(CSV_HEADER)}", year=year)
    seen: dict[date, int] = {}
    result: list[CalendarException] = []
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        item = _parse_row(row, line=line, year=year)
        if item.day in seen:
            raise _bad_line(line, f"日期 {item.day.isoformat()} 与第{seen[item.day]}行重复", year=year)
        seen[item.day] = line
        result.append(item)
    return result


def _parse_row(row: list[str], *, line: int, year: int) -> CalendarException:
    if len(row) != len(CSV_HEADER):
        raise _bad_line(
            line, f"应有{len(CSV_HEADER)}列（{','.join(CSV_HEADER)}），实际为{len(row)}列", year=year
        )
    raw_day, raw_working, raw_name = (cell.strip() for cell in row)
    day = _parse_date(raw_day)
    if day is None:
        raise _bad_line(line, f"日期 {raw_day} 无效，应为 YYYY-MM-DD", year=year)
    if day.year != year:
        raise _bad_line(line, f"日期 {raw_day} 不属于{year}年", year=year)
    flag = raw_working.lower()
    if flag not in ("true", "false"):
        raise _bad_line(line, f"is_working 应为 true 或 false，实际为“{raw_working}”", year=year)
    is_working = flag == "true"
    if not raw_name:
        raise _bad_line(line, "缺少名称", year=year)
    if is_working and day.weekday() < _SATURDAY:
        weekday = "一二三四五"[day.weekday()]
        raise _bad_line(line, f"调休上班日 {raw_day} 是星期{weekday}，应为星期六或星期日", year=year)
    return CalendarException(day=day, is_working=is_working, name=raw_name)


def _parse_date(text: str) -> date | None:
    # fromisoformat alone would also take "20250101" and "2025-W01-3", which no notice uses.
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _is_worked(exceptions: Mapping[date, bool], day: date) -> bool:
    return exceptions.get(day, day.weekday() < _SATURDAY)


def _build_spans(exceptions: Mapping[date, bool], years: frozenset[int]) -> dict[int, _Span]:
    spans: dict[int, _Span] = {}
    ordered = sorted(years)
    run_start = 0
    for position, year in enumerate(ordered):
        run_ends = position + 1 == len(ordered) or ordered[position + 1] != year + 1
        if not run_ends:
            continue
        first_year = ordered[run_start]
        first = date(first_year, 1, 1).toordinal()
        last = date(year, 12, 31).toordinal()
        working = [
            ordinal for ordinal in range(first, last + 1) if _is_worked(exceptions, date.fromordinal(ordinal))
        ]
        span = _Span(first_year=first_year, last_year=year, working=working)
        for member in ordered[run_start : position + 1]:
            spans[member] = span
        run_start = position + 1
    return spans


def _not_loaded(year: int) -> CalendarNotLoaded:
    return CalendarNotLoaded(f"未载入{year}年的工作日历，无法计算工作日", year=year)


def _bad_line(line: int, problem: str, *, year: int) -> InvalidInput:
    # The year says which file, since a calendar is loaded from several at once.
    return InvalidInput(f"{year}年工作日历第{line}行：{problem}", line=line, year=year)
