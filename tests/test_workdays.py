"""Working-day facts and booking warnings against the official 2025 and 2026 notices.

Expected values are the dates of the State Council General Office (国务院办公厅) holiday
notices for 2025 and 2026; chinesecalendar 1.11.0 carries the same dates.
"""

from datetime import date, datetime, timezone

import pytest

from planner.i18n import has_key
from planner.timeutil import OFFICE_TZ
from planner.workdays import WarningLevel, booking_warnings, covered_years, day_info


def office(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=OFFICE_TZ)


# day, is_workday, is_weekend, is_holiday, holiday_name, is_makeup_workday, covered
DAY_CASES = [
    pytest.param(date(2026, 10, 1), False, False, True, "国庆节", False, True,
                 id="2026-10-01 Thu national day"),
    pytest.param(date(2026, 10, 3), False, True, True, "国庆节", False, True,
                 id="2026-10-03 Sat inside national day"),
    pytest.param(date(2026, 10, 10), True, True, False, "国庆节", True, True,
                 id="2026-10-10 Sat national day makeup"),
    pytest.param(date(2025, 9, 28), True, True, False, "国庆节", True, True,
                 id="2025-09-28 Sun national day makeup"),
    pytest.param(date(2025, 10, 6), False, False, True, "中秋", False, True,
                 id="2025-10-06 Mon mid-autumn inside national day"),
    pytest.param(date(2026, 1, 1), False, False, True, "元旦", False, True,
                 id="2026-01-01 Thu new year"),
    pytest.param(date(2026, 1, 2), False, False, True, "元旦", False, True,
                 id="2026-01-02 Fri new year day in lieu"),
    pytest.param(date(2026, 1, 4), True, True, False, "元旦", True, True,
                 id="2026-01-04 Sun new year makeup"),
    pytest.param(date(2026, 2, 14), True, True, False, "春节", True, True,
                 id="2026-02-14 Sat spring festival makeup"),
    pytest.param(date(2026, 2, 23), False, False, True, "春节", False, True,
                 id="2026-02-23 Mon spring festival last day"),
    pytest.param(date(2026, 9, 25), False, False, True, "中秋", False, True,
                 id="2026-09-25 Fri mid-autumn"),
    pytest.param(date(2026, 12, 5), False, True, False, "", False, True,
                 id="2026-12-05 ordinary Saturday"),
    pytest.param(date(2026, 12, 7), True, False, False, "", False, True,
                 id="2026-12-07 ordinary Monday"),
    pytest.param(date(2027, 1, 1), True, False, False, "", False, False,
                 id="2027-01-01 Fri uncovered falls back to weekday"),
    pytest.param(date(2027, 1, 2), False, True, False, "", False, False,
                 id="2027-01-02 Sat uncovered falls back to weekend"),
    pytest.param(date(2003, 10, 1), True, False, False, "", False, False,
                 id="2003-10-01 before the calendar starts"),
]


@pytest.mark.parametrize(
    "day, is_workday, is_weekend, is_holiday, holiday_name, is_makeup_workday, covered",
    DAY_CASES)
def test_day_info_matches_official_notice(day, is_workday, is_weekend, is_holiday,
                                          holiday_name, is_makeup_workday, covered):
    info = day_info(day)

    assert info.day == day
    assert info.is_workday is is_workday
    assert info.is_weekend is is_weekend
    assert info.is_holiday is is_holiday
    assert info.holiday_name == holiday_name
    assert info.is_makeup_workday is is_makeup_workday
    assert info.covered is covered


def test_covered_years_match_installed_calendar():
    # chinesecalendar 1.11.0 ends with 2026; a new version changes this on purpose.
    assert covered_years() == range(2004, 2027)


def test_day_info_uncovered_year_falls_back():
    year = covered_years()[-1] + 1

    info = day_info(date(year, 6, 1))

    assert info.covered is False
    assert info.is_holiday is False


# start, end, expected [(key, day, level)]
BOOKING_CASES = [
    pytest.param(office(2026, 12, 5, 10), office(2026, 12, 5, 11),
                 [("workdays.weekend", date(2026, 12, 5), WarningLevel.WARNING)],
                 id="Saturday"),
    pytest.param(office(2026, 10, 1, 9), office(2026, 10, 1, 10),
                 [("workdays.holiday", date(2026, 10, 1), WarningLevel.WARNING)],
                 id="national day"),
    pytest.param(office(2026, 10, 3, 9), office(2026, 10, 3, 10),
                 [("workdays.holiday", date(2026, 10, 3), WarningLevel.WARNING)],
                 id="holiday on a Saturday warns once as holiday"),
    pytest.param(office(2026, 10, 10, 9), office(2026, 10, 10, 10),
                 [("workdays.makeup_workday", date(2026, 10, 10), WarningLevel.INFO)],
                 id="makeup working Saturday is info"),
    pytest.param(office(2026, 12, 7, 9), office(2026, 12, 7, 10), [],
                 id="ordinary Monday"),
    pytest.param(office(2027, 1, 4, 9), office(2027, 1, 4, 10),
                 [("workdays.year_not_covered", None, WarningLevel.WARNING)],
                 id="2027 Monday"),
    pytest.param(office(2027, 1, 9, 9), office(2027, 1, 9, 10),
                 [("workdays.year_not_covered", None, WarningLevel.WARNING),
                  ("workdays.weekend", date(2027, 1, 9), WarningLevel.WARNING)],
                 id="2027 Saturday"),
    pytest.param(office(2026, 12, 5, 20), office(2026, 12, 6, 10),
                 [("workdays.weekend", date(2026, 12, 5), WarningLevel.WARNING),
                  ("workdays.weekend", date(2026, 12, 6), WarningLevel.WARNING)],
                 id="two weekend days"),
    pytest.param(office(2026, 10, 7, 20), office(2026, 10, 8, 10),
                 [("workdays.holiday", date(2026, 10, 7), WarningLevel.WARNING)],
                 id="last holiday into a working day"),
    pytest.param(office(2026, 12, 31, 20), office(2027, 1, 1, 2),
                 [("workdays.year_not_covered", None, WarningLevel.WARNING)],
                 id="across year end into 2027"),
    pytest.param(office(2026, 12, 4, 22), office(2026, 12, 5, 0), [],
                 id="ends at midnight before Saturday"),
    pytest.param(datetime(2026, 12, 4, 17, 0, tzinfo=timezone.utc),
                 datetime(2026, 12, 4, 18, 0, tzinfo=timezone.utc),
                 [("workdays.weekend", date(2026, 12, 5), WarningLevel.WARNING)],
                 id="UTC Friday evening is Saturday in the office"),
]


@pytest.mark.parametrize("start, end, expected", BOOKING_CASES)
def test_booking_warnings_cases(start, end, expected):
    warnings = booking_warnings(start, end)

    assert [(w.key, w.day, w.level) for w in warnings] == expected


@pytest.mark.parametrize("start, end, message", [
    pytest.param(office(2026, 12, 5, 10), office(2026, 12, 5, 11),
                 "2026年12月5日（星期六）是周末。如不是特意安排在周末，请改到工作日。",
                 id="weekend"),
    pytest.param(office(2026, 10, 1, 9), office(2026, 10, 1, 10),
                 "2026年10月1日是国庆节假期。如不是特意安排在假期，请改到工作日。",
                 id="holiday"),
    pytest.param(office(2026, 10, 10, 9), office(2026, 10, 10, 10),
                 "2026年10月10日（星期六）是国庆节调休上班日，按工作日安排。",
                 id="makeup"),
    pytest.param(office(2027, 3, 1, 9), office(2027, 3, 1, 10),
                 "2027年的节假日安排尚未发布（或本系统尚未收录），无法判断是否为节假日；"
                 "活动仍会保存，请在国务院办公厅发布当年放假安排后复核。",
                 id="year not covered"),
])
def test_booking_warning_message_text(start, end, message):
    warnings = booking_warnings(start, end)

    assert len(warnings) == 1
    assert warnings[0].message == message


def test_booking_warnings_year_reported_once():
    warnings = booking_warnings(office(2027, 1, 4, 9), office(2027, 1, 8, 18))

    assert [w.key for w in warnings] == ["workdays.year_not_covered"]
    assert warnings[0].params == {"year": 2027}


def test_booking_warnings_naive_times_rejected():
    with pytest.raises(ValueError):
        booking_warnings(datetime(2026, 12, 5, 10), datetime(2026, 12, 5, 11))


def test_booking_warnings_end_before_start_rejected():
    with pytest.raises(ValueError):
        booking_warnings(office(2026, 12, 5, 11), office(2026, 12, 5, 10))


@pytest.mark.parametrize("key", [
    "workdays.weekend", "workdays.holiday", "workdays.makeup_workday",
    "workdays.year_not_covered", *[f"workdays.weekday.{n}" for n in range(7)],
])
def test_catalog_has_workdays_key(key):
    assert has_key(key)
