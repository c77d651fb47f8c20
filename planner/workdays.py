"""Working-day facts for office dates, from the official Chinese holiday calendar.

The State Council General Office (国务院办公厅) publishes each year's public holidays and
make-up working days (调休上班), usually late in the year before. chinesecalendar 1.11.0
carries those notices for 2004 to 2026. A year it does not carry falls back to Monday to
Friday, and every result records whether the official calendar covered it.
"""

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

import chinese_calendar

from planner.i18n import t
from planner.timeutil import format_cn_date, to_office

logger = logging.getLogger(__name__)


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
    covered: bool             # False when the official calendar for the year is not known


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


def covered_years() -> range:
    """Return the years whose official holiday arrangement the installed calendar carries."""
    first = min(chinese_calendar.holidays).year
    last = max(chinese_calendar.holidays).year
    return range(first, last + 1)


def day_info(day: date) -> DayInfo:
    """Return the working-day facts for `day`.

    A year outside covered_years() falls back to Monday to Friday with covered=False.
    """
    # NOTE: administrator overrides (a day off or a make-up working day entered with the
    # reference of the notice that set it) are not read yet. They will be the first layer
    # here, checked before the official calendar and before the weekday fallback.
    try:
        on_holiday, english_name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        logger.debug("no official holiday calendar for %s, using Monday to Friday", day)
        return _weekday_fallback(day)

    is_weekend = day.weekday() >= 5
    return DayInfo(
        day=day,
        is_workday=not on_holiday,
        is_weekend=is_weekend,
        is_holiday=on_holiday and english_name is not None,
        holiday_name=_chinese_name(english_name),
        is_makeup_workday=not on_holiday and english_name is not None,
        covered=True,
    )


def booking_warnings(start: datetime, end: datetime) -> list[BookingWarning]:
    """List the weekend, holiday and unknown-year notes for every office-local date touched.

    `start` and `end` must be timezone-aware. An end at exactly 00:00 office time does not
    touch that date. Each uncovered year gets one year_not_covered warning.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("booking_warnings needs timezone-aware start and end times")
    if end < start:
        raise ValueError(f"booking ends ({end.isoformat()}) before it starts "
                         f"({start.isoformat()})")

    warnings: list[BookingWarning] = []
    reported_years: set[int] = set()
    for day in _office_dates(start, end):
        info = day_info(day)
        if not info.covered and day.year not in reported_years:
            reported_years.add(day.year)
            warnings.append(BookingWarning("workdays.year_not_covered", {"year": day.year}))
        warning = _day_warning(info)
        if warning is not None:
            warnings.append(warning)
    return warnings


def _weekday_fallback(day: date) -> DayInfo:
    is_weekend = day.weekday() >= 5
    return DayInfo(day=day, is_workday=not is_weekend, is_weekend=is_weekend,
                   is_holiday=False, holiday_name="", is_makeup_workday=False, covered=False)


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
