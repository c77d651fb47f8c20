"""Time zone handling: stored in UTC, shown and entered in Asia/Shanghai."""

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

OFFICE_TZ = ZoneInfo("Asia/Shanghai")


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def to_utc(local: datetime) -> datetime:
    """Convert an office-local time (naive means Asia/Shanghai) to aware UTC."""
    if local.tzinfo is None:
        local = local.replace(tzinfo=OFFICE_TZ)
    return local.astimezone(timezone.utc)


def to_office(moment: datetime) -> datetime:
    """Convert a stored time (naive means UTC, as SQLite returns it) to Asia/Shanghai."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(OFFICE_TZ)


def combine_office(day: date, clock: time) -> datetime:
    """Build an aware UTC time from a date and a wall-clock time entered in the office."""
    return to_utc(datetime.combine(day, clock))


def format_office(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return to_office(moment).strftime("%Y-%m-%d %H:%M")


def format_cn_date(day: date) -> str:
    """GB/T 9704-2012: dates in Arabic numerals without zero padding (2014年1月10日)."""
    return f"{day.year}年{day.month}月{day.day}日"
