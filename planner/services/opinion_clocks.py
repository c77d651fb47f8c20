"""The response clocks of an opinion item, kept by the deadline engine.

Which clocks run depends on the severity (planner.deadlines holds the limits and their
sources): an item below 重大 needs a response within 48 hours; a 重大 or 特别重大 item
needs authoritative information within 5 hours and a press conference within 24 hours.
Every clock starts at the item's first sighting.
"""

import logging
from datetime import datetime

from sqlmodel import Session

from planner import deadlines as rules
from planner.models import OpinionItem, OpinionSeverity, ResponseKind, User
from planner.services import deadlines
from planner.timeutil import to_office

logger = logging.getLogger(__name__)

ENTITY = "opinion_item"
MAJOR = {OpinionSeverity.MAJOR, OpinionSeverity.CRITICAL}


def rule_keys(severity: OpinionSeverity | str) -> tuple[str, ...]:
    """Return the clocks that run for an item of `severity`, the first response's first."""
    if severity in MAJOR:
        return rules.OPINION_MAJOR_INFO, rules.OPINION_MAJOR_CONFERENCE
    return (rules.OPINION_ORDINARY,)


def satisfied_by(kind: ResponseKind | str) -> set[str]:
    """Return the clocks a response of `kind` stops. Any response counts as the first
    response (and as authoritative information); only a press conference stops the
    conference clock."""
    stopped = {rules.OPINION_ORDINARY, rules.OPINION_MAJOR_INFO}
    if kind == ResponseKind.PRESS_CONFERENCE:
        stopped.add(rules.OPINION_MAJOR_CONFERENCE)
    return stopped


def start(session: Session, *, actor: User, item: OpinionItem, title: str) -> None:
    """Start the item's clocks, owned by its lead unit, when it is forwarded.

    The trigger goes through to_office: a time read back from SQLite is naive UTC.
    """
    for rule_key in rule_keys(item.severity):
        deadlines.track(session, actor=actor, rule_key=rule_key, entity=ENTITY,
                        entity_id=item.id, trigger_at=to_office(item.first_seen_at),
                        unit_id=item.lead_unit_id, owner_id=None,
                        title=title)
    logger.info("opinion item %s: clocks %s started", item.id, rule_keys(item.severity))


def responded(session: Session, *, actor: User, item: OpinionItem, kind: ResponseKind,
              at: datetime) -> None:
    """Stop the clocks that a response of `kind` given at `at` satisfies."""
    for rule_key in set(rule_keys(item.severity)) & satisfied_by(kind):
        deadlines.complete_for_entity(session, actor=actor, rule_key=rule_key, entity=ENTITY,
                                      entity_id=item.id, at=at)

