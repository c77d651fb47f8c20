"""Working-day facts for office dates, and counting periods on them.

Three layers decide whether a date is a working day, and the first that knows wins:

1. Overrides an administrator enters from the State Council General Office's (国务院办公厅)
   annual holiday notice: a day off or a make-up working day (调休上班), with the notice's
   reference. Once any day of a year is entered, the notice for that year counts as known,
   so its other days follow the ordinary Monday-to-Friday week.
2. chinesecalendar, which carries the notices for 2004 to 2026 (version 1.11.0), make-up
   working days included.
3. For a year that neither knows: an estimate of Monday to Friday minus the statutory
   holidays of 《全国年节及纪念日放假办法》 (2024 revision), marked as an estimate.

Counting follows the usual legal convention: a period of N working days starts on the day
after the trigger. Clock-hour limits run in Asia/Shanghai wall time.
"""

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum
from functools import cache

import chinese_calendar

from planner.i18n import t
from planner.timeutil import OFFICE_TZ, format_cn_date, to_office

logger = logging.getLogger(__name__)

MAX_WALK_DAYS = 400   # no holiday arrangement keeps the office closed this long


class DaySource(StrEnum):
    """The layer that decided a date."""

    OVERRIDE = "override"   # an administrator's entry from the holiday notice
    OFFICIAL = "official"   # the notice as carried by chinesecalendar
    NOTICE = "notice"       # an ordinary day of a year whose notice was entered as overrides
    ESTIMATE = "estimate"   # Monday to Friday minus statutory holidays, year not published


@dataclass(frozen=True)
class DayInfo:
    """Working-day facts for one office-local date."""

    day: date
    is_workday: bool
    is_weekend: bool          # Saturday or Sunday, working day or not
    is_holiday: bool          # a day off in the official arrangement (放假), weekend or not
    # Chinese holiday name (国庆节, 中秋, 元旦). On a make-up working day it names the holiday
    # whose arrangement moved work there, so read is_holiday, not this, to tell a day off.
    holiday_name: str
    is_makeup_workday: bool   # 调休上班: a Saturday or Sunday that is a working day
    covered: bool             # False when the day is an estimate (the year is not published)
    source: DaySource = DaySource.OFFICIAL
    reference: str = ""       # the notice an override came from

    @property
    def estimated(self) -> bool:
        return not self.covered


@dataclass(frozen=True)
class Override:
    """One day of a holiday notice as an administrator entered it."""

    day: date
    is_workday: bool          # True: 调休上班; False: a day off
    name: str = ""            # 春节, 国庆节 ...
    reference: str = ""       # e.g. 国办发明电〔2026〕N号


@dataclass(frozen=True)
class WorkdayCount:
    """The result of counting working days: the day reached and the years estimated on the way."""

    day: date
    estimated_years: tuple[int, ...] = ()


class WarningLevel(StrEnum):
    WARNING = "warning"  # the booking falls on a day off
    INFO = "info"        # worth knowing but normal, such as a make-up working day


@dataclass(frozen=True)
class BookingWarning:
    """A note about one date a booking touches, or its year; `key` is a catalog key."""

    key: str
    params: dict[str, object] = field(default_factory=dict)
    level: WarningLevel = WarningLevel.WARNING
    day: date | None = None

    @property
    def message(self) -> str:
        return t(self.key, **self.params)


# Gregorian dates of 春节 (正月初一), 端午 (五月初五) and 中秋 (八月十五) for the years after
# chinesecalendar's last one, from the published Chinese lunisolar calendar. Beyond the table
# the estimate knows only the fixed-date holidays and 清明.
LUNAR_FESTIVALS: dict[int, tuple[date, date, date]] = {
    2027: (date(2027, 2, 6), date(2027, 6, 9), date(2027, 9, 15)),
    2028: (date(2028, 1, 26), date(2028, 5, 28), date(2028, 10, 3)),
    2029: (date(2029, 2, 13), date(2029, 6, 16), date(2029, 9, 22)),
    2030: (date(2030, 2, 3), date(2030, 6, 5), date(2030, 9, 12)),
    2031: (date(2031, 1, 23), date(2031, 6, 24), date(2031, 10, 1)),
    2032: (date(2032, 2, 11), date(2032, 6, 12), date(2032, 9, 19)),
    2033: (date(2033, 1, 31), date(2033, 6, 1), date(2033, 9, 8)),
    2034: (date(2034, 2, 19), date(2034, 6, 20), date(2034, 9, 27)),
    2035: (date(2035, 2, 8), date(2035, 6, 10), date(2035, 9, 16)),
}


class WorkCalendar:
    """The office's working days: overrides, then chinesecalendar, then the estimate.

    Build one per request from the overrides in the database; answers are cached per date.
    """

    def __init__(self, overrides: Iterable[Override] = ()) -> None:
        self._overrides: dict[date, Override] = {o.day: o for o in overrides}
        self._notice_years = {day.year for day in self._overrides}
        self._days: dict[date, DayInfo] = {}

    @property
    def overrides(self) -> Mapping[date, Override]:
        return self._overrides

    def day(self, day: date) -> DayInfo:
        info = self._days.get(day)
        if info is None:
            info = self._days[day] = self._lookup(day)
        return info

    def is_workday(self, day: date) -> bool:
        return self.day(day).is_workday

    def add_working_days(self, start: date, count: int) -> WorkdayCount:
        """Return the count-th working day after `start` (`start` itself is not counted).

        With count 0 the result is `start`, moved to the next working day if it is not one.
        """
        if count < 0:
            raise ValueError(f"working-day count must not be negative, got {count}")
        if count == 0:
            return self.next_working_day(start)

        estimated: set[int] = set()
        day, remaining = start, count
        for _ in range(count + MAX_WALK_DAYS):
            day += timedelta(days=1)
            info = self.day(day)
            if info.estimated:
                estimated.add(day.year)
            if info.is_workday:
                remaining -= 1
                if remaining == 0:
                    return WorkdayCount(day, tuple(sorted(estimated)))
        raise ValueError(f"no {count} working days within {MAX_WALK_DAYS} days after {start}")

    def next_working_day(self, day: date) -> WorkdayCount:
        """Return `day` if it is a working day, else the first working day after it."""
        return self._walk(day, timedelta(days=1))

    def previous_working_day(self, day: date) -> WorkdayCount:
        """Return `day` if it is a working day, else the last working day before it."""
        return self._walk(day, timedelta(days=-1))

    def _walk(self, day: date, step: timedelta) -> WorkdayCount:
        estimated: set[int] = set()
        for _ in range(MAX_WALK_DAYS):
            info = self.day(day)
            if info.estimated:
                estimated.add(day.year)
            if info.is_workday:
                return WorkdayCount(day, tuple(sorted(estimated)))
            day += step
        raise ValueError(f"no working day within {MAX_WALK_DAYS} days of {day}")

    def _lookup(self, day: date) -> DayInfo:
        override = self._overrides.get(day)
        if override is not None:
            return _from_override(override)
        official = _official(day)
        if official is not None:
            return official
        if day.year in self._notice_years:
            return _ordinary(day, DaySource.NOTICE)
        return _estimate(day)


_DEFAULT_CALENDAR = WorkCalendar()


def covered_years() -> range:
    """Return the years whose official holiday arrangement the installed calendar carries."""
    first = min(chinese_calendar.holidays).year
    last = max(chinese_calendar.holidays).year
    return range(first, last + 1)


def day_info(day: date, calendar: WorkCalendar | None = None) -> DayInfo:
    """Return the working-day facts for `day` (without overrides unless a calendar is given)."""
    return (calendar or _DEFAULT_CALENDAR).day(day)


def add_clock_hours(moment: datetime, hours: float) -> datetime:
    """Add `hours` on the Asia/Shanghai wall clock; returns aware UTC.

    A naive `moment` is read as UTC, as stored times come back from SQLite.
    """
    local = to_office(moment).replace(tzinfo=None)
    return (local + timedelta(hours=hours)).replace(tzinfo=OFFICE_TZ).astimezone(timezone.utc)


def office_day_start(day: date) -> datetime:
    """00:00 of an office-local date, as aware UTC."""
    return datetime.combine(day, datetime.min.time(), tzinfo=OFFICE_TZ).astimezone(timezone.utc)


def booking_warnings(start: datetime, end: datetime, *,
                     calendar: WorkCalendar | None = None) -> list[BookingWarning]:
    """List the weekend, holiday and unknown-year notes for every office-local date touched.

    `start` and `end` must be timezone-aware. An end at exactly 00:00 office time does not
    touch that date. Each year whose days are estimated gets one year_not_covered warning.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("booking_warnings needs timezone-aware start and end times")
    if end < start:
        raise ValueError(f"booking ends ({end.isoformat()}) before it starts "
                         f"({start.isoformat()})")

    warnings: list[BookingWarning] = []
    reported_years: set[int] = set()
    for day in _office_dates(start, end):
        info = day_info(day, calendar)
        if not info.covered and day.year not in reported_years:
            reported_years.add(day.year)
            warnings.append(BookingWarning("workdays.year_not_covered", {"year": day.year}))
        warning = _day_warning(info)
        if warning is not None:
            warnings.append(warning)
    return warnings


def statutory_holidays(year: int) -> dict[date, str]:
    """The statutory days off of `year` before any 调休 arrangement, with their names.

    《全国年节及纪念日放假办法》 as revised in 2024: 元旦 1 day, 春节 4 days (除夕 to 初三),
    清明 1 day, 劳动节 2 days, 端午 1 day, 中秋 1 day, 国庆节 3 days.
    """
    return dict(_statutory_holidays(year))


@cache
def _statutory_holidays(year: int) -> tuple[tuple[date, str], ...]:
    names = {h: h.chinese for h in chinese_calendar.Holiday}
    days: dict[date, str] = {date(year, 1, 1): names[chinese_calendar.Holiday.new_years_day]}
    days.update({date(year, 5, n): names[chinese_calendar.Holiday.labour_day] for n in (1, 2)})
    for term_day, term in chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 10)):
        if term == "清明":
            days[term_day] = names[chinese_calendar.Holiday.tomb_sweeping_day]

    lunar = LUNAR_FESTIVALS.get(year)
    if lunar is not None:
        new_year, dragon_boat, mid_autumn = lunar
        spring = names[chinese_calendar.Holiday.spring_festival]
        for offset in range(-1, 3):     # 除夕 to 初三
            days[new_year + timedelta(days=offset)] = spring
        days[dragon_boat] = names[chinese_calendar.Holiday.dragon_boat_festival]
        days[mid_autumn] = names[chinese_calendar.Holiday.mid_autumn_festival]
    else:
        logger.debug("no lunar festival dates for %s; estimate knows fixed-date holidays only",
                     year)

    days.update({date(year, 10, n): names[chinese_calendar.Holiday.national_day]
                 for n in (1, 2, 3)})
    return tuple(sorted(days.items()))


def _official(day: date) -> DayInfo | None:
    try:
        on_holiday, english_name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return None

    is_weekend = day.weekday() >= 5
    return DayInfo(
        day=day,
        is_workday=not on_holiday,
        is_weekend=is_weekend,
        is_holiday=on_holiday and english_name is not None,
        holiday_name=_chinese_name(english_name),
        is_makeup_workday=not on_holiday and english_name is not None,
        covered=True,
        source=DaySource.OFFICIAL,
    )


def _from_override(override: Override) -> DayInfo:
    is_weekend = override.day.weekday() >= 5
    return DayInfo(day=override.day, is_workday=override.is_workday, is_weekend=is_weekend,
                   is_holiday=not override.is_workday, holiday_name=override.name,
                   is_makeup_workday=override.is_workday and is_weekend, covered=True,
                   source=DaySource.OVERRIDE, reference=override.reference)


def _ordinary(day: date, source: DaySource) -> DayInfo:
    is_weekend = day.weekday() >= 5
    return DayInfo(day=day, is_workday=not is_weekend, is_weekend=is_weekend,
                   is_holiday=False, holiday_name="", is_makeup_workday=False,
                   covered=source != DaySource.ESTIMATE, source=source)


def _estimate(day: date) -> DayInfo:
    name = dict(_statutory_holidays(day.year)).get(day, "")
    if not name:
        return _ordinary(day, DaySource.ESTIMATE)
    return DayInfo(day=day, is_workday=False, is_weekend=day.weekday() >= 5, is_holiday=True,
                   holiday_name=name, is_makeup_workday=False, covered=False,
                   source=DaySource.ESTIMATE)


def _chinese_name(english_name: str | None) -> str:
    # chinesecalendar 1.11.0 returns the Holiday enum's value, which is the English name.
    # The enum member carries the Chinese name as `.chinese`.
    if english_name is None:
        return ""
    return chinese_calendar.Holiday(english_name).chinese


def _office_dates(start: datetime, end: datetime) -> list[date]:
    first = to_office(start).date()
    local_end = to_office(end)
    last = local_end.date()
    if local_end > to_office(start) and local_end.time() == datetime.min.time():
        last -= timedelta(days=1)
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def _day_warning(info: DayInfo) -> BookingWarning | None:
    params: dict[str, object] = {"date": format_cn_date(info.day),
                                 "weekday": t(f"workdays.weekday.{info.day.weekday()}"),
                                 "holiday": info.holiday_name}

    if info.is_holiday:
        return BookingWarning("workdays.holiday", params, WarningLevel.WARNING, info.day)
    if info.is_makeup_workday:
        return BookingWarning("workdays.makeup_workday", params, WarningLevel.INFO, info.day)
    if info.is_weekend and not info.is_workday:
        return BookingWarning("workdays.weekend", params, WarningLevel.WARNING, info.day)
    return None
