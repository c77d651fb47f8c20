"""Deadline rules and due-time computation on the office's working-day calendar.

A rule turns a trigger (the paper issuance, the end of an activity, the first sighting of
an opinion item) into a due time. Each rule names its source, so the office can check it;
an administrator may change the amount (planner.services.deadlines.set_rule_amount).

The due time is computed, never stored: an obligation keeps its rule and trigger, and the
calendar of the moment (overrides, then chinesecalendar, then the estimate) decides.
"""

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum

from planner.errors import InvalidInput
from planner.i18n import t
from planner.timeutil import to_office
from planner.workdays import WorkCalendar, WorkdayCount, add_clock_hours, office_day_start

logger = logging.getLogger(__name__)

MAX_SEARCH_DAYS = 1000   # bound on the walk that inverts a day-based rule


class LimitKind(StrEnum):
    WORKING_DAYS = "working_days"   # N working days, counted from the day after the trigger
    CLOCK_HOURS = "clock_hours"     # N hours on the Asia/Shanghai wall clock
    SAME_DAY = "same_day"           # 同步: by the end of the trigger's office day
    LEAD_DAYS = "lead_days"         # N days before the trigger, on a working day
    OWN_DATE = "own_date"           # the item carries its own due time


@dataclass(frozen=True)
class Rule:
    """One deadline rule. `amount` is in working days, hours or days, as `kind` sets.

    Its Chinese name, trigger and source live in the catalog under deadlines.rule.<key>.
    """

    key: str
    kind: LimitKind
    default_amount: int = 0
    min_amount: int = 0
    max_amount: int = 0

    @property
    def configurable(self) -> bool:
        return self.kind in (LimitKind.WORKING_DAYS, LimitKind.CLOCK_HOURS, LimitKind.LEAD_DAYS)

    @property
    def name(self) -> str:
        return t(f"deadlines.rule.{self.key}.name")

    @property
    def trigger(self) -> str:
        return t(f"deadlines.rule.{self.key}.trigger")

    @property
    def source(self) -> str:
        return t(f"deadlines.rule.{self.key}.source")

    def describe(self, amount: int) -> str:
        """Describe the limit in words, e.g. 3个工作日 or 24小时."""
        return t(f"deadlines.limit.{self.kind}", amount=amount)


NORMATIVE_ONLINE = "normative_online"
ACTIVITY_INFO = "activity_info"
INTERPRETATION_SYNC = "interpretation_sync"
OPINION_ORDINARY = "opinion_ordinary"
OPINION_MAJOR_INFO = "opinion_major_info"
OPINION_MAJOR_CONFERENCE = "opinion_major_conference"
INTERVIEW_PREVIEW = "interview_preview"
INTERVIEW_ANSWER = "interview_answer"
TRANSCRIPT = "transcript"
MEETING_ACTION = "meeting_action"

RULES: dict[str, Rule] = {rule.key: rule for rule in (
    # The office's implementation opinions (2014), 一、（二）: 3 working days after paper issuance.
    Rule(NORMATIVE_ONLINE, LimitKind.WORKING_DAYS, 3, 1, 30),
    # Same paragraph: 重要政务活动信息 within 24 hours after the activity ends.
    Rule(ACTIVITY_INFO, LimitKind.CLOCK_HOURS, 24, 1, 240),
    # 国办发〔2016〕80号: policy and 解读 are organised, signed off and released together.
    Rule(INTERPRETATION_SYNC, LimitKind.SAME_DAY),
    # 国办发〔2016〕61号: other 政务舆情 get a response within 48 hours.
    Rule(OPINION_ORDINARY, LimitKind.CLOCK_HOURS, 48, 1, 240),
    # 国办发〔2016〕80号: 特别重大/重大 events, authoritative information within 5 hours ...
    Rule(OPINION_MAJOR_INFO, LimitKind.CLOCK_HOURS, 5, 1, 72),
    # ... and a press conference within 24 hours (also 国办发〔2016〕61号).
    Rule(OPINION_MAJOR_CONFERENCE, LimitKind.CLOCK_HOURS, 24, 1, 240),
    # The implementation opinions ask for a 预告 of each online interview; the lead is ours.
    Rule(INTERVIEW_PREVIEW, LimitKind.LEAD_DAYS, 3, 1, 30),
    # Same paragraph (增强访谈实效): questions left open at an interview get a written
    # answer (书面答复); the period is ours.
    Rule(INTERVIEW_ANSWER, LimitKind.WORKING_DAYS, 5, 1, 30),
    # 文字实录 of a press event or interview, counted from its end. No national text sets
    # the period; 3 working days is this office's default.
    Rule(TRANSCRIPT, LimitKind.WORKING_DAYS, 3, 1, 30),
    # A meeting's action item is due when the minutes say.
    Rule(MEETING_ACTION, LimitKind.OWN_DATE),
)}

DUE_SOON_KEY = "due_soon_days"     # the board's "due soon" window, stored next to the rules
DUE_SOON_DEFAULT, DUE_SOON_MAX = 3, 60


@dataclass(frozen=True)
class Due:
    """A computed due time. The item is overdue from `at` on (aware UTC).

    `day` is the office-local due day of a day-based rule (due by the end of it); clock-hour
    and own-date rules have none. `estimated_years` lists the years whose holiday
    arrangement was estimated on the way; then the due time may still move.
    """

    at: datetime
    day: date | None = None
    estimated_years: tuple[int, ...] = ()

    @property
    def estimated(self) -> bool:
        return bool(self.estimated_years)

    @property
    def reason(self) -> str:
        """Why the due time is an estimate, in Chinese; "" when it is not."""
        if not self.estimated:
            return ""
        years = "、".join(f"{year}年" for year in self.estimated_years)
        return t("deadlines.estimated_reason", years=years)


def get_rule(key: str) -> Rule:
    rule = RULES.get(key)
    if rule is None:
        raise InvalidInput("deadlines.rule_unknown", rule=key)
    return rule


class DueCalculator:
    """Due times for one calendar and one set of rule amounts; memoises day-based results.

    Build one per request (planner.services.deadlines.calculator) and reuse it for every
    item on a page, so a board of many items costs one calendar walk per distinct day.
    """

    def __init__(self, calendar: WorkCalendar, amounts: Mapping[str, int] | None = None) -> None:
        self.calendar = calendar
        self._amounts = dict(amounts or {})
        self._by_day: dict[tuple[str, date], Due] = {}

    def amount(self, rule_key: str) -> int:
        rule = get_rule(rule_key)
        return self._amounts.get(rule_key, rule.default_amount)

    def due(self, rule_key: str, trigger_at: datetime,
            fixed_due_at: datetime | None = None) -> Due:
        """The due time of an item raised by `trigger_at` under `rule_key`."""
        rule = get_rule(rule_key)
        if rule.kind == LimitKind.OWN_DATE:
            if fixed_due_at is None:
                raise ValueError(f"rule {rule_key} needs the item's own due time")
            return Due(at=_aware_utc(fixed_due_at))
        if rule.kind == LimitKind.CLOCK_HOURS:
            return Due(at=add_clock_hours(trigger_at, self.amount(rule_key)))
        return self.due_for_day(rule_key, to_office(trigger_at).date())

    def due_for_day(self, rule_key: str, trigger_day: date) -> Due:
        """The due time of a day-based rule for a trigger on the office-local `trigger_day`."""
        memo_key = (rule_key, trigger_day)
        due = self._by_day.get(memo_key)
        if due is None:
            due = self._by_day[memo_key] = self._day_rule(get_rule(rule_key), trigger_day)
        return due

    def latest_trigger_due_by(self, rule_key: str, moment: datetime) -> datetime:
        """The latest trigger time whose due time is at or before `moment` (aware UTC).

        Due times never go down when the trigger moves later, so "due by `moment`" is the
        same as "triggered at or before this time"; the board counts items in SQL with it.
        """
        rule = get_rule(rule_key)
        if rule.kind == LimitKind.OWN_DATE:
            raise ValueError(f"rule {rule_key} has no trigger-based due time")
        if rule.kind == LimitKind.CLOCK_HOURS:
            return add_clock_hours(moment, -self.amount(rule_key))

        last_day = self._last_trigger_day(rule_key, moment)
        return office_day_start(last_day + timedelta(days=1)) - timedelta(microseconds=1)

    def _last_trigger_day(self, rule_key: str, moment: datetime) -> date:
        day = to_office(moment).date()
        for _ in range(MAX_SEARCH_DAYS):
            if self.due_for_day(rule_key, day).at > moment:
                day -= timedelta(days=1)
            elif self.due_for_day(rule_key, day + timedelta(days=1)).at <= moment:
                day += timedelta(days=1)
            else:
                return day
        raise ValueError(f"rule {rule_key}: no trigger day found near {moment.isoformat()}")

    def _day_rule(self, rule: Rule, trigger_day: date) -> Due:
        if rule.kind == LimitKind.SAME_DAY:
            # 同步 is not a period: the 解读 goes out with the policy, whatever the day.
            return _end_of(WorkdayCount(trigger_day))
        if rule.kind == LimitKind.WORKING_DAYS:
            return _end_of(self.calendar.add_working_days(trigger_day, self.amount(rule.key)))
        # LEAD_DAYS: a day that is not a working day moves earlier, so the notice still
        # goes out before the event.
        target = trigger_day - timedelta(days=self.amount(rule.key))
        return _end_of(self.calendar.previous_working_day(target))


def _end_of(count: WorkdayCount) -> Due:
    return Due(at=office_day_start(count.day + timedelta(days=1)), day=count.day,
               estimated_years=count.estimated_years)


def _aware_utc(moment: datetime) -> datetime:
    # Stored times come back naive from SQLite and mean UTC.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)
