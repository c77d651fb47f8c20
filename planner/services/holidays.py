"""Holiday overrides: the State Council's annual notice, entered by an administrator.

An override is one day off or one make-up working day (调休上班), with the reference of the
notice it comes from. Overrides are the first layer of the working-day calendar
(planner.workdays), so they correct or complete chinesecalendar and replace the estimate
for a year it does not carry yet.
"""

import logging
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from planner.errors import InvalidInput, NotFound
from planner.models import HolidayOverride, Role, User
from planner.permissions import require
from planner.services import audit
from planner.timeutil import format_cn_date
from planner.workdays import Override, WorkCalendar

logger = logging.getLogger(__name__)

MANAGERS = {Role.ADMIN}
MAX_NAME, MAX_REFERENCE = 64, 300


@dataclass(frozen=True)
class OverrideInput:
    day: date
    is_workday: bool
    name: str
    reference: str


def calendar(session: Session) -> WorkCalendar:
    """Build the working-day calendar with every override in the database as its first layer."""
    return WorkCalendar(overrides(session))


def overrides(session: Session) -> tuple[Override, ...]:
    """Return every override as plain values in date order; the tuple is hashable for caching."""
    rows = session.exec(select(HolidayOverride).order_by(HolidayOverride.day)).all()
    return tuple(Override(day=row.day, is_workday=row.is_workday, name=row.name,
                          reference=row.reference) for row in rows)


def list_overrides(session: Session, *, year: int | None = None) -> list[HolidayOverride]:
    query = select(HolidayOverride).order_by(HolidayOverride.day)
    if year is not None:
        query = query.where(HolidayOverride.day >= date(year, 1, 1),
                            HolidayOverride.day <= date(year, 12, 31))
    return list(session.exec(query))


def add_override(session: Session, *, actor: User, data: OverrideInput) -> HolidayOverride:
    """Enter one day of a holiday notice; a day already entered is refused, not replaced."""
    require(session, actor, "manage_holidays", MANAGERS)
    name, reference = _validate(data)
    if session.exec(select(HolidayOverride).where(HolidayOverride.day == data.day)).first():
        raise InvalidInput("holidays.day_exists", date=format_cn_date(data.day))

    row = HolidayOverride(day=data.day, is_workday=data.is_workday, name=name,
                          reference=reference, created_by=actor.id)
    session.add(row)
    session.flush()

    audit.record(session, actor=actor, action="holiday.add", entity="holiday_override",
                 entity_id=row.id, detail={"day": data.day.isoformat(),
                                           "is_workday": data.is_workday, "name": name,
                                           "reference": reference})
    logger.info("holiday override %s added for %s", row.id, data.day)
    return row


def remove_override(session: Session, *, actor: User, override_id: int) -> date:
    """Delete one entered day; returns the day, which falls back to the next layer."""
    require(session, actor, "manage_holidays", MANAGERS)
    row = session.get(HolidayOverride, override_id)
    if row is None:
        raise NotFound("holidays.not_found", id=override_id)

    detail = {"day": row.day.isoformat(), "is_workday": row.is_workday, "name": row.name,
              "reference": row.reference}
    session.delete(row)
    session.flush()

    audit.record(session, actor=actor, action="holiday.remove", entity="holiday_override",
                 entity_id=override_id, detail=detail)
    logger.info("holiday override %s removed (%s)", override_id, detail["day"])
    return row.day


def _validate(data: OverrideInput) -> tuple[str, str]:
    name, reference = data.name.strip(), data.reference.strip()
    if not reference:
        raise InvalidInput("holidays.reference_missing", date=format_cn_date(data.day))
    if len(reference) > MAX_REFERENCE:
        raise InvalidInput("holidays.reference_too_long", length=len(reference),
                           limit=MAX_REFERENCE)
    if len(name) > MAX_NAME:
        raise InvalidInput("holidays.name_too_long", length=len(name), limit=MAX_NAME)
    return name, reference
