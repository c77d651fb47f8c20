"""Working-day facts, counting and booking warnings against the official 2025 and 2026 notices.

Expected values are the dates of the State Council General Office (国务院办公厅) holiday
notices for 2025 and 2026; chinesecalendar 1.11.0 carries the same dates. 2027 is not
published in that calendar, so its days are estimates unless an override is entered.
"""

from datetime import date, datetime, timedelta, timezone

import pytest

from planner.i18n import has_key
from planner.timeutil import OFFICE_TZ
from planner.workdays import (DaySource, Override, WarningLevel, WorkCalendar, add_clock_hours,
                              booking_warnings, covered_years, day_info, statutory_holidays)


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
    pytest.param(date(2027, 1, 1), False, False, True, "元旦", False, False,
                 id="2027-01-01 Fri estimated new year day off"),
    pytest.param(date(2027, 1, 4), True, False, False, "", False, False,
                 id="2027-01-04 Mon estimated working day"),
    pytest.param(date(2027, 2, 5), False, False, True, "春节", False, False,
                 id="2027-02-05 Fri estimated spring festival eve"),
    pytest.param(date(2027, 1, 2), False, True, False, "", False, False,
                 id="2027-01-02 Sat uncovered falls back to weekend"),
    pytest.param(date(2003, 10, 1), False, False, True, "国庆节", False, False,
                 id="2003-10-01 before the calendar starts is estimated"),
    pytest.param(date(2003, 10, 8), True, False, False, "", False, False,
                 id="2003-10-08 before the calendar starts, ordinary Wednesday"),
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
                 [("workdays.year_not_covered", None, WarningLevel.WARNING),
                  ("workdays.holiday", date(2027, 1, 1), WarningLevel.WARNING)],
                 id="across year end into the estimated 2027 new year"),
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
                 "2027年的节假日安排尚未发布（或本系统尚未收录），暂按周一至周五并扣除法定节假日"
                 "估算，未计调休；活动仍会保存，请在国务院办公厅发布当年放假安排后复核。",
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


# --- counting working days ---------------------------------------------------------------------

# trigger day, N, the N-th working day after it
COUNT_CASES = [
    pytest.param(date(2026, 9, 30), 3, date(2026, 10, 10),
                 id="2026 national day: third working day is the Saturday makeup"),
    pytest.param(date(2026, 9, 30), 1, date(2026, 10, 8), id="2026 national day: first after"),
    pytest.param(date(2026, 10, 1), 1, date(2026, 10, 8), id="trigger on a holiday"),
    pytest.param(date(2026, 9, 18), 1, date(2026, 9, 20), id="2026-09-20 Sunday makeup"),
    pytest.param(date(2026, 2, 13), 1, date(2026, 2, 14), id="2026 spring festival makeup Sat"),
    pytest.param(date(2026, 2, 14), 1, date(2026, 2, 24), id="2026 spring festival nine days"),
    pytest.param(date(2026, 4, 30), 1, date(2026, 5, 6), id="2026 labour day"),
    pytest.param(date(2026, 5, 8), 1, date(2026, 5, 9), id="2026-05-09 Saturday makeup"),
    pytest.param(date(2025, 12, 31), 1, date(2026, 1, 4), id="2026 new year Sunday makeup"),
    pytest.param(date(2025, 9, 26), 1, date(2025, 9, 28), id="2025-09-28 Sunday makeup"),
    pytest.param(date(2025, 9, 30), 2, date(2025, 10, 10), id="2025 national day and mid-autumn"),
    pytest.param(date(2025, 9, 30), 3, date(2025, 10, 11), id="2025-10-11 Saturday makeup"),
    pytest.param(date(2025, 1, 24), 1, date(2025, 1, 26), id="2025-01-26 Sunday makeup"),
    pytest.param(date(2025, 1, 27), 1, date(2025, 2, 5), id="2025 spring festival"),
    pytest.param(date(2025, 4, 25), 1, date(2025, 4, 27), id="2025-04-27 Sunday makeup"),
    pytest.param(date(2025, 4, 30), 1, date(2025, 5, 6), id="2025 labour day"),
    pytest.param(date(2026, 12, 4), 1, date(2026, 12, 7), id="ordinary weekend"),
]


@pytest.mark.parametrize("trigger, count, expected", COUNT_CASES)
def test_add_working_days_official_calendar(trigger, count, expected):
    result = WorkCalendar().add_working_days(trigger, count)

    assert result.day == expected
    assert result.estimated_years == ()


def test_add_working_days_zero_moves_to_next_working_day():
    result = WorkCalendar().add_working_days(date(2026, 10, 3), 0)

    assert result.day == date(2026, 10, 8)


def test_add_working_days_negative_rejected():
    with pytest.raises(ValueError):
        WorkCalendar().add_working_days(date(2026, 10, 3), -1)


def test_add_working_days_into_2027_is_estimated():
    # 2026-12-31 counts; 2027-01-01 is 元旦 by the estimate, then a weekend.
    result = WorkCalendar().add_working_days(date(2026, 12, 30), 2)

    assert result.day == date(2027, 1, 4)
    assert result.estimated_years == (2027,)


def test_add_working_days_inside_2026_not_estimated_near_year_end():
    result = WorkCalendar().add_working_days(date(2026, 12, 30), 1)

    assert result.day == date(2026, 12, 31)
    assert result.estimated_years == ()


NOTICE_2027 = [Override(date(2027, 1, 1), False, "元旦", "测试通知〔2027〕1号"),
               Override(date(2027, 1, 4), False, "元旦", "测试通知〔2027〕1号"),
               Override(date(2027, 1, 9), True, "元旦", "测试通知〔2027〕1号")]


def test_override_for_2027_replaces_the_estimate():
    calendar = WorkCalendar(NOTICE_2027)

    result = calendar.add_working_days(date(2026, 12, 30), 2)

    assert result.day == date(2027, 1, 5)
    assert result.estimated_years == ()


def test_override_makeup_saturday_counts_as_working_day():
    calendar = WorkCalendar(NOTICE_2027)

    result = calendar.add_working_days(date(2027, 1, 8), 1)

    assert result.day == date(2027, 1, 9)


def test_override_wins_over_official_calendar():
    calendar = WorkCalendar([Override(date(2026, 10, 8), False, "国庆节", "更正通知")])

    result = calendar.add_working_days(date(2026, 9, 30), 1)

    assert result.day == date(2026, 10, 9)


# day, overrides, source, is_workday, covered
LAYER_CASES = [
    pytest.param(date(2026, 10, 1), [], DaySource.OFFICIAL, False, True, id="official holiday"),
    pytest.param(date(2026, 10, 8), [Override(date(2026, 10, 8), False)],
                 DaySource.OVERRIDE, False, True, id="override in a covered year"),
    pytest.param(date(2027, 1, 4), NOTICE_2027, DaySource.OVERRIDE, False, True,
                 id="override day in 2027"),
    pytest.param(date(2027, 6, 1), NOTICE_2027, DaySource.NOTICE, True, True,
                 id="2027 day the entered notice does not list"),
    pytest.param(date(2027, 10, 1), NOTICE_2027, DaySource.NOTICE, True, True,
                 id="2027 national day when the notice was entered without it"),
    pytest.param(date(2027, 10, 1), [], DaySource.ESTIMATE, False, False,
                 id="2027 national day estimated"),
    pytest.param(date(2028, 1, 3), NOTICE_2027, DaySource.ESTIMATE, True, False,
                 id="2028 has no notice"),
]


@pytest.mark.parametrize("day, overrides, source, is_workday, covered", LAYER_CASES)
def test_day_info_first_layer_that_knows_wins(day, overrides, source, is_workday, covered):
    info = day_info(day, WorkCalendar(overrides))

    assert info.source == source
    assert info.is_workday is is_workday
    assert info.covered is covered
    assert info.estimated is (not covered)


def test_day_info_override_carries_reference():
    info = day_info(date(2027, 1, 9), WorkCalendar(NOTICE_2027))

    assert info.is_makeup_workday is True
    assert info.reference == "测试通知〔2027〕1号"
    assert info.holiday_name == "元旦"


def test_statutory_holidays_2027_estimate():
    days = statutory_holidays(2027)

    assert len(days) == 13
    assert [day for day, name in days.items() if name == "春节"] == [
        date(2027, 2, 5), date(2027, 2, 6), date(2027, 2, 7), date(2027, 2, 8)]
    assert days[date(2027, 4, 5)] == "清明"
    assert days[date(2027, 6, 9)] == "端午"
    assert days[date(2027, 9, 15)] == "中秋"
    assert [day for day, name in days.items() if name == "劳动节"] == [
        date(2027, 5, 1), date(2027, 5, 2)]


def test_statutory_holidays_beyond_lunar_table_keeps_fixed_days():
    days = statutory_holidays(2040)

    assert date(2040, 10, 1) in days
    assert "春节" not in days.values()


# --- clock hours ---------------------------------------------------------------------------------

# start, hours, expected end on the office wall clock
CLOCK_CASES = [
    pytest.param(office(2026, 12, 4, 20), 5, office(2026, 12, 5, 1), id="5 h across midnight"),
    pytest.param(office(2026, 12, 4, 22, 30), 24, office(2026, 12, 5, 22, 30),
                 id="24 h across midnight"),
    pytest.param(office(2026, 12, 31, 22), 5, office(2027, 1, 1, 3), id="5 h into 2027"),
    pytest.param(office(2026, 10, 1, 9), 48, office(2026, 10, 3, 9),
                 id="48 h ignore holidays"),
    pytest.param(datetime(2026, 12, 4, 15, 30, tzinfo=timezone.utc), 24,
                 office(2026, 12, 5, 23, 30), id="UTC input 23:30 office time"),
    pytest.param(datetime(2026, 12, 4, 15, 30), 5, office(2026, 12, 5, 4, 30),
                 id="naive input read as UTC"),
]


@pytest.mark.parametrize("start, hours, expected", CLOCK_CASES)
def test_add_clock_hours_wall_time(start, hours, expected):
    result = add_clock_hours(start, hours)

    assert result == expected
    assert result.tzinfo == timezone.utc


def test_add_clock_hours_negative_goes_back():
    assert add_clock_hours(office(2026, 12, 5, 1), -5) == office(2026, 12, 4, 20)


def test_booking_warnings_use_overrides():
    calendar = WorkCalendar(NOTICE_2027)

    warnings = booking_warnings(office(2027, 1, 4, 9), office(2027, 1, 4, 10), calendar=calendar)

    assert [(w.key, w.day) for w in warnings] == [("workdays.holiday", date(2027, 1, 4))]
    assert warnings[0].message == "2027年1月4日是元旦假期。如不是特意安排在假期，请改到工作日。"


def test_work_calendar_walk_is_bounded():
    calendar = WorkCalendar(Override(date(2030, 1, 1) + timedelta(days=n), False)
                            for n in range(500))

    with pytest.raises(ValueError):
        calendar.add_working_days(date(2029, 12, 31), 1)
