"""督办: obligations with deadlines, the supervision board, and the per-person digest.

An obligation stores what its deadline is computed from (rule, trigger time, or its own due
time for a meeting's action item), the unit and the person responsible. The due time is
computed on read (planner.deadlines) with the holiday overrides of the moment, so an
override entered later or a newer holiday calendar moves it.

The board counts tens of thousands of items in SQL: due times never go down when the
trigger moves later, so "due by T" is "triggered by T′" per rule, and T′ is computed once
per rule (DueCalculator.latest_trigger_due_by). Only the rows shown get a due time each.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum
from functools import lru_cache

from sqlalchemy import case, func
from sqlmodel import Session, select

from planner.config import MailSettings
from planner.deadlines import (ACTIVITY_INFO, DUE_SOON_DEFAULT, DUE_SOON_KEY, DUE_SOON_MAX,
                               INTERPRETATION_SYNC, INTERVIEW_PREVIEW, NORMATIVE_ONLINE, RULES,
                               Due, DueCalculator, LimitKind, get_rule)
from planner.errors import InvalidInput, NotFound
from planner.i18n import inside_book_marks, inside_quotes, t
from planner.mail import Mail, send
from planner.models import (DeadlineSetting, EventKind, EventStatus, Obligation,
                            ObligationStatus, Policy, PressEvent, Role, Unit, User)
from planner.permissions import require
from planner.services import audit, holidays
from planner.timeutil import format_cn_date, format_office, now_utc, to_office
from planner.workdays import Override, WorkCalendar, office_day_start

logger = logging.getLogger(__name__)

# Roles that may put an item on the board: those that create what raises obligations
# (policies, events, opinion items, meeting minutes).
TRACKERS = {Role.DRAFTER, Role.SPOKESPERSON, Role.GENERAL_OFFICE, Role.ADMIN}
SUPERVISORS = {Role.GENERAL_OFFICE}       # 督查: may close or reassign anyone's item
SETTINGS_MANAGERS = {Role.ADMIN}
NONE_ID = 0                               # filter value for "no unit" / "no owner"
BOARD_LIMIT = 50                          # rows listed per state; the counts cover all


class DueState(StrEnum):
    OVERDUE = "overdue"    # 已逾期
    SOON = "soon"          # 即将到期 (within the window)
    LATER = "later"        # 未到期


@dataclass(frozen=True)
class BoardFilters:
    unit_id: int | None = None     # NONE_ID: items without a unit
    owner_id: int | None = None    # NONE_ID: items without an owner
    rule_key: str | None = None


@dataclass(frozen=True)
class BoardItem:
    id: int
    rule_key: str
    kind_name: str
    title: str
    entity: str
    entity_id: int | None
    unit_id: int | None
    unit_name: str
    owner_id: int | None
    owner_name: str
    trigger_at: datetime
    due: Due
    state: DueState

    @property
    def due_text(self) -> str:
        return describe_due(self.due)


@dataclass(frozen=True)
class UnitCounts:
    unit_id: int | None
    unit_name: str
    overdue: int
    soon: int
    later: int

    @property
    def total(self) -> int:
        return self.overdue + self.soon + self.later


@dataclass(frozen=True)
class Board:
    now: datetime
    window_days: int
    counts: dict[DueState, int]
    units: list[UnitCounts]
    items: dict[DueState, list[BoardItem]]
    limit: int


@dataclass(frozen=True)
class RateCell:
    month: str             # YYYY-MM of the due time, office time
    unit_id: int | None
    unit_name: str
    on_time: int
    total: int

    @property
    def rate(self) -> float:
        return self.on_time / self.total if self.total else 0.0


@dataclass(frozen=True)
class Reminder:
    """One person's digest as rendered, and whether it went out by mail."""

    digest: "Digest"
    subject: str
    body: str
    sent: bool


@dataclass
class Digest:
    """One person's open items overdue and due soon. With user_id None: the unowned items."""

    user_id: int | None
    name: str
    email: str | None
    overdue: list[BoardItem] = field(default_factory=list)
    soon: list[BoardItem] = field(default_factory=list)


# --- settings ------------------------------------------------------------------------------

def settings(session: Session) -> dict[str, int]:
    """Stored amounts, by rule key (and DUE_SOON_KEY); a missing key means the default."""
    return {row.key: row.amount for row in session.exec(select(DeadlineSetting))}


def calculator(session: Session) -> DueCalculator:
    """Return a due-time calculator for the overrides and rule settings in the database now.

    Requests that see the same overrides and settings share one calculator, so the days a
    board needs are walked once. Any change to either gives a new calculator.
    """
    return _shared_calculator(holidays.overrides(session),
                              tuple(sorted(settings(session).items())))


@lru_cache(maxsize=8)
def _shared_calculator(overrides: tuple[Override, ...],
                       amounts: tuple[tuple[str, int], ...]) -> DueCalculator:
    return DueCalculator(WorkCalendar(overrides), dict(amounts))


def due_soon_days(session: Session) -> int:
    row = session.get(DeadlineSetting, DUE_SOON_KEY)
    return row.amount if row is not None else DUE_SOON_DEFAULT


def set_amount(session: Session, *, actor: User, key: str, amount: int) -> DeadlineSetting:
    """Change a rule's limit (or the due-soon window); every open item follows at once."""
    require(session, actor, "configure_deadlines", SETTINGS_MANAGERS)
    low, high, name = _amount_range(key)
    if not low <= amount <= high:
        raise InvalidInput("deadlines.amount_out_of_range", name=name, value=amount,
                           low=low, high=high)

    row = session.get(DeadlineSetting, key) or DeadlineSetting(key=key, amount=amount)
    before = row.amount if row.updated_by is not None else None
    row.amount, row.updated_by, row.updated_at = amount, actor.id, now_utc()
    session.add(row)

    audit.record(session, actor=actor, action="deadline.setting", entity="deadline_setting",
                 entity_id=None, detail={"key": key, "before": before, "amount": amount})
    return row


def _amount_range(key: str) -> tuple[int, int, str]:
    if key == DUE_SOON_KEY:
        return 1, DUE_SOON_MAX, t("deadlines.due_soon_name")
    rule = RULES.get(key)
    if rule is None or not rule.configurable:
        raise InvalidInput("deadlines.rule_not_configurable", rule=key)
    return rule.min_amount, rule.max_amount, rule.name


# --- writing -------------------------------------------------------------------------------

def track(session: Session, *, actor: User, rule_key: str, entity: str, entity_id: int | None,
          trigger_at: datetime, unit_id: int | None, owner_id: int | None, title: str,
          due_at: datetime | None = None) -> Obligation:
    """Put an item on the board, or update the one already there for the same entity.

    `due_at` is the item's own due time, for rules whose limit is not computed (meeting
    action items); other rules compute it from `trigger_at`. A cancelled item comes back.
    """
    require(session, actor, "track_deadline", TRACKERS)
    _validate_track(rule_key, trigger_at, due_at, title)

    row = _find(session, rule_key, entity, entity_id)
    created = row is None
    if row is None:
        row = Obligation(rule_key=rule_key, entity=entity, entity_id=entity_id,
                         created_by=actor.id, title="", trigger_at=trigger_at)
    elif _unchanged(row, trigger_at, due_at, unit_id, owner_id, title):
        return row

    _apply(row, trigger_at, due_at, unit_id, owner_id, title)
    session.add(row)
    session.flush()

    audit.record(session, actor=actor, action="deadline.track", entity="obligation",
                 entity_id=row.id, detail={"rule": rule_key, "entity": entity,
                                           "entity_id": entity_id, "created": created,
                                           "trigger_at": row.trigger_at.isoformat()})
    return row


def complete(session: Session, *, actor: User, obligation_id: int,
             at: datetime | None = None) -> Obligation:
    """办结: the owner closes their item; 厅办公室 may close anyone's."""
    row = get_obligation(session, obligation_id)
    if not (actor.is_active and actor.id == row.owner_id):
        require(session, actor, "complete_deadline", SUPERVISORS)
    return _close(session, actor, row, at)


def complete_for_entity(session: Session, *, actor: User, rule_key: str, entity: str,
                        entity_id: int, at: datetime | None = None,
                        roles: set[Role] = TRACKERS) -> Obligation | None:
    """Close the open item an entity raised, when the entity itself shows it is done.

    Meant for services whose own permission check covers the act that completes the item,
    such as releasing the 解读 or publishing the policy. Returns None without an open item.
    `roles` widens the check for a service that admits other roles to that act (a written
    answer to an interview question may come from any role of the interview's unit).
    """
    require(session, actor, "track_deadline", roles)
    row = _find(session, rule_key, entity, entity_id)
    if row is None or row.status != ObligationStatus.OPEN:
        return None
    return _close(session, actor, row, at)


def cancel_for_entity(session: Session, *, actor: User, rule_key: str, entity: str,
                      entity_id: int) -> Obligation | None:
    """Withdraw an open item whose cause went away (an event cancelled, a kind changed)."""
    require(session, actor, "track_deadline", TRACKERS)
    row = _find(session, rule_key, entity, entity_id)
    if row is None or row.status != ObligationStatus.OPEN:
        return None

    row.status, row.updated_at = ObligationStatus.CANCELLED, now_utc()
    session.add(row)
    audit.record(session, actor=actor, action="deadline.cancel", entity="obligation",
                 entity_id=row.id, detail={"rule": rule_key, "entity": entity,
                                           "entity_id": entity_id})
    return row


def assign(session: Session, *, actor: User, obligation_id: int, owner_id: int | None,
           unit_id: int | None) -> Obligation:
    """Give an item another responsible person and unit (厅办公室)."""
    require(session, actor, "assign_deadline", SUPERVISORS)
    row = get_obligation(session, obligation_id)
    if owner_id is not None and session.get(User, owner_id) is None:
        raise NotFound("deadlines.owner_not_found", id=owner_id)
    if unit_id is not None and session.get(Unit, unit_id) is None:
        raise NotFound("deadlines.unit_not_found", id=unit_id)

    before = {"owner_id": row.owner_id, "unit_id": row.unit_id}
    row.owner_id, row.unit_id, row.updated_at = owner_id, unit_id, now_utc()
    session.add(row)
    audit.record(session, actor=actor, action="deadline.assign", entity="obligation",
                 entity_id=row.id, detail={"before": before, "owner_id": owner_id,
                                           "unit_id": unit_id})
    return row


def get_obligation(session: Session, obligation_id: int) -> Obligation:
    row = session.get(Obligation, obligation_id)
    if row is None:
        raise NotFound("deadlines.not_found", id=obligation_id)
    return row


def obligations_for(session: Session, entity: str, entity_id: int) -> list[Obligation]:
    query = select(Obligation).where(Obligation.entity == entity,
                                     Obligation.entity_id == entity_id).order_by(Obligation.id)
    return list(session.exec(query))


def due_of(session: Session, row: Obligation, calc: DueCalculator | None = None) -> Due:
    return (calc or calculator(session)).due(row.rule_key, row.trigger_at, row.fixed_due_at)


def _validate_track(rule_key: str, trigger_at: datetime, due_at: datetime | None,
                    title: str) -> None:
    rule = get_rule(rule_key)
    if trigger_at.tzinfo is None or (due_at is not None and due_at.tzinfo is None):
        raise ValueError("obligation times must be timezone-aware")
    if rule.kind == LimitKind.OWN_DATE and due_at is None:
        raise InvalidInput("deadlines.due_missing", kind=rule.name, title=inside_quotes(title))
    if rule.kind != LimitKind.OWN_DATE and due_at is not None:
        raise ValueError(f"rule {rule_key} computes its due time; do not pass due_at")
    if not title.strip():
        raise InvalidInput("deadlines.title_missing", kind=rule.name)


def _find(session: Session, rule_key: str, entity: str, entity_id: int | None
          ) -> Obligation | None:
    if entity_id is None:
        return None
    return session.exec(select(Obligation).where(
        Obligation.rule_key == rule_key, Obligation.entity == entity,
        Obligation.entity_id == entity_id)).first()


def _unchanged(row: Obligation, trigger_at: datetime, due_at: datetime | None,
               unit_id: int | None, owner_id: int | None, title: str) -> bool:
    stored = (_utc(row.trigger_at), _utc(row.fixed_due_at) if row.fixed_due_at else None,
              row.unit_id, row.owner_id, row.title)
    wanted = (_utc(trigger_at), _utc(due_at) if due_at else None, unit_id, owner_id,
              title.strip()[:300])
    return stored == wanted and row.status != ObligationStatus.CANCELLED


def _apply(row: Obligation, trigger_at: datetime, due_at: datetime | None,
           unit_id: int | None, owner_id: int | None, title: str) -> None:
    row.trigger_at = _utc(trigger_at)
    row.fixed_due_at = _utc(due_at) if due_at else None
    row.unit_id, row.owner_id = unit_id, owner_id
    row.title = title.strip()[:300]
    row.updated_at = now_utc()
    if row.status == ObligationStatus.CANCELLED:
        row.status = ObligationStatus.OPEN


def _close(session: Session, actor: User, row: Obligation, at: datetime | None) -> Obligation:
    if row.status != ObligationStatus.OPEN:
        raise InvalidInput("deadlines.not_open", title=inside_quotes(row.title),
                           status=t(f"deadlines.status.{row.status}"))
    row.status = ObligationStatus.DONE
    row.completed_at, row.completed_by = _utc(at or now_utc()), actor.id
    row.updated_at = now_utc()
    session.add(row)

    audit.record(session, actor=actor, action="deadline.complete", entity="obligation",
                 entity_id=row.id, detail={"rule": row.rule_key,
                                           "completed_at": row.completed_at.isoformat()})
    return row


# --- where obligations come from -----------------------------------------------------------

def track_press_event(session: Session, *, actor: User, event: PressEvent) -> None:
    """重要政务活动信息 after every event; a 预告 before an online interview (在线访谈)."""
    owner = session.get(User, event.created_by) if event.created_by else None
    common = {"entity": "press_event", "entity_id": event.id, "title": event.topic,
              "owner_id": owner.id if owner else None,
              "unit_id": owner.unit_id if owner else None}
    if event.status == EventStatus.CANCELLED:
        for rule_key in (ACTIVITY_INFO, INTERVIEW_PREVIEW):
            cancel_for_entity(session, actor=actor, rule_key=rule_key, entity="press_event",
                              entity_id=event.id)
        return

    track(session, actor=actor, rule_key=ACTIVITY_INFO, trigger_at=_utc(event.ends_at),
          **common)
    if event.kind == EventKind.ONLINE_INTERVIEW:
        track(session, actor=actor, rule_key=INTERVIEW_PREVIEW,
              trigger_at=_utc(event.starts_at), **common)
    else:
        cancel_for_entity(session, actor=actor, rule_key=INTERVIEW_PREVIEW,
                          entity="press_event", entity_id=event.id)


def track_policy(session: Session, *, actor: User, policy: Policy) -> None:
    """规范性文件: online within 3 working days of paper issuance; 解读 with the publication.

    Entering the publication date closes the online obligation on that day.
    """
    _validate_policy_dates(policy)
    owner = session.get(User, policy.created_by) if policy.created_by else None
    common = {"entity": "policy", "entity_id": policy.id, "title": policy.title,
              "owner_id": owner.id if owner else None,
              "unit_id": owner.unit_id if owner else None}

    if policy.is_normative:
        online = track(session, actor=actor, rule_key=NORMATIVE_ONLINE,
                       trigger_at=office_day_start(policy.paper_issued_on), **common)
        if policy.published_on is not None and online.status == ObligationStatus.OPEN:
            _close(session, actor, online, office_day_start(policy.published_on))
    else:
        cancel_for_entity(session, actor=actor, rule_key=NORMATIVE_ONLINE, entity="policy",
                          entity_id=policy.id)

    if policy.published_on is not None:
        track(session, actor=actor, rule_key=INTERPRETATION_SYNC,
              trigger_at=office_day_start(policy.published_on), **common)
    else:
        cancel_for_entity(session, actor=actor, rule_key=INTERPRETATION_SYNC, entity="policy",
                          entity_id=policy.id)


def _validate_policy_dates(policy: Policy) -> None:
    if policy.is_normative and policy.paper_issued_on is None:
        raise InvalidInput("deadlines.paper_date_missing",
                           title=inside_book_marks(policy.title))
    published, paper = policy.published_on, policy.paper_issued_on
    if published is not None and paper is not None and published < paper:
        raise InvalidInput("deadlines.published_before_paper", published=format_cn_date(published),
                           paper=format_cn_date(paper))
    today = to_office(now_utc()).date()
    if published is not None and published > today:
        raise InvalidInput("deadlines.published_in_future", published=format_cn_date(published))


# --- reading: the board ---------------------------------------------------------------------

OWN_DATE_RULES = [key for key, rule in RULES.items() if rule.kind == LimitKind.OWN_DATE]
# Columns the board reads; ix_obligation_board covers all of them but the title and entity.
_ITEM_COLUMNS = (Obligation.id, Obligation.rule_key, Obligation.title, Obligation.entity,
                 Obligation.entity_id, Obligation.unit_id, Obligation.owner_id,
                 Obligation.trigger_at, Obligation.fixed_due_at)


def board(session: Session, *, now: datetime, filters: BoardFilters = BoardFilters(),
          window_days: int | None = None, limit: int = BOARD_LIMIT) -> Board:
    """Counts of open items by state and unit, and the most urgent `limit` of each state."""
    now = _utc(now)
    window = window_days if window_days is not None else due_soon_days(session)
    calc = calculator(session)
    soon_until = now + timedelta(days=window)

    units = _unit_counts(session, calc, now, soon_until, filters)
    counts = {state: sum(getattr(u, state.value) for u in units) for state in DueState}
    ranges = {DueState.OVERDUE: (None, now), DueState.SOON: (now, soon_until),
              DueState.LATER: (soon_until, None)}
    items = {state: _listed(session, calc, filters, ranges[state], limit, now, soon_until)
             for state in DueState}
    return Board(now=now, window_days=window, counts=counts, units=units, items=items,
                 limit=limit)


def describe_due(due: Due) -> str:
    """Format a due time as the board and the digest show it: a day, or a wall-clock time."""
    text = (t("deadlines.due_day", date=format_cn_date(due.day)) if due.day is not None
            else format_office(due.at))
    return t("deadlines.estimated_prefix", due=text) if due.estimated else text


def filter_options(session: Session) -> dict[str, dict]:
    """Choices for the board's filters: units, people with open items, kinds."""
    units = {u.id: u.name for u in session.exec(select(Unit).order_by(Unit.name))}
    has_open = select(Obligation.id).where(Obligation.owner_id == User.id,
                                           Obligation.status == ObligationStatus.OPEN).exists()
    people = session.exec(select(User.id, User.display_name).where(has_open)
                          .order_by(User.display_name)).all()
    kinds = {key: rule.name for key, rule in RULES.items()}
    return {"units": units, "people": dict(people), "kinds": kinds}


def on_time_rates(session: Session, *, now: datetime, filters: BoardFilters = BoardFilters(),
                  months: int = 12) -> list[RateCell]:
    """Count 按时办结率 per month of the due time and per unit, over the last `months` months.

    An item counts once its due time has passed or it is closed. It is on time if it was
    closed by its due time, so an open item past its due time counts as late.
    """
    now = _utc(now)
    calc = calculator(session)
    labels, cutoffs = _month_cutoffs(now, months)

    cells: dict[tuple[str, int | None], list[int]] = defaultdict(lambda: [0, 0])
    for rule_key in RULES:
        for unit_id, index, count in session.exec(
                _late_open_by_month(calc, rule_key, cutoffs, now, filters)):
            cells[(labels[index], unit_id)][1] += count

    done = select(Obligation.unit_id, Obligation.rule_key, Obligation.trigger_at,
                  Obligation.fixed_due_at, Obligation.completed_at).where(
        Obligation.status == ObligationStatus.DONE, Obligation.rule_key.in_(list(RULES)),
        ~_due_by(calc, cutoffs[0]), _due_by(calc, cutoffs[-1]), *_filter_clauses(filters))
    for unit_id, rule_key, trigger_at, fixed_due_at, completed_at in session.exec(done):
        due = calc.due(rule_key, trigger_at, fixed_due_at)
        cell = cells[(_month_label(due), unit_id)]
        cell[1] += 1
        cell[0] += _utc(completed_at) <= due.at

    names = _unit_names(session, {unit_id for _, unit_id in cells})
    return [RateCell(month=month, unit_id=unit_id, unit_name=names[unit_id], on_time=on_time,
                     total=total)
            for (month, unit_id), (on_time, total) in sorted(
                cells.items(), key=lambda kv: (kv[0][0], names[kv[0][1]]))]


def _late_open_by_month(calc: DueCalculator, rule_key: str, cutoffs: list[datetime],
                        now: datetime, filters: BoardFilters):
    """(unit, month index, count) of one rule's open items whose due time has passed."""
    column = _due_column(rule_key)
    month = case(*[(column <= _key_limit(calc, rule_key, cut), index)
                   for index, cut in enumerate(cutoffs[1:-1])], else_=len(cutoffs) - 2)
    rows = select(Obligation.unit_id, month.label("month")).where(
        Obligation.status == ObligationStatus.OPEN, Obligation.rule_key == rule_key,
        column > _key_limit(calc, rule_key, cutoffs[0]),
        column <= _key_limit(calc, rule_key, now), *_filter_clauses(filters)).subquery()
    return select(rows.c.unit_id, rows.c.month, func.count()).group_by(rows.c.unit_id,
                                                                       rows.c.month)


def _unit_counts(session: Session, calc: DueCalculator, now: datetime, soon_until: datetime,
                 filters: BoardFilters) -> list[UnitCounts]:
    overdue, soon = _due_by(calc, now), _due_by(calc, soon_until)
    query = select(Obligation.unit_id, func.sum(case((overdue, 1), else_=0)),
                   func.sum(case((soon, 1), else_=0)), func.count()).where(
        Obligation.status == ObligationStatus.OPEN, Obligation.rule_key.in_(list(RULES)),
        *_filter_clauses(filters)).group_by(Obligation.unit_id)

    rows = session.exec(query).all()
    names = _unit_names(session, {row[0] for row in rows})
    counts = [UnitCounts(unit_id=unit_id, unit_name=names[unit_id], overdue=int(due),
                         soon=int(due_soon) - int(due), later=total - int(due_soon))
              for unit_id, due, due_soon, total in rows]
    return sorted(counts, key=lambda u: (-u.overdue, -u.soon, u.unit_name))


def _listed(session: Session, calc: DueCalculator, filters: BoardFilters,
            bounds: tuple[datetime | None, datetime | None], limit: int, now: datetime,
            soon_until: datetime) -> list[BoardItem]:
    """Return the `limit` open items due in (after, until] that fall due first."""
    after, until = bounds
    rows = []
    for rule_key in RULES:
        column = _due_column(rule_key)
        conditions = [Obligation.status == ObligationStatus.OPEN, Obligation.rule_key == rule_key,
                      *_filter_clauses(filters)]
        if after is not None:
            conditions.append(column > _key_limit(calc, rule_key, after))
        if until is not None:
            conditions.append(column <= _key_limit(calc, rule_key, until))
        rows += session.exec(select(*_ITEM_COLUMNS).where(*conditions)
                             .order_by(column, Obligation.id).limit(limit)).all()

    # Each rule's rows come in due order; merging them needs the due times, and only the
    # first `limit` become board items.
    due = {row.id: calc.due(row.rule_key, row.trigger_at, row.fixed_due_at) for row in rows}
    first = sorted(rows, key=lambda row: (due[row.id].at, row.id))[:limit]
    return _board_items(session, calc, first, now, soon_until)


def _board_items(session: Session, calc: DueCalculator, rows: list, now: datetime,
                 soon_until: datetime) -> list[BoardItem]:
    units = _unit_names(session, {row.unit_id for row in rows})
    people = _user_names(session, {row.owner_id for row in rows if row.owner_id is not None})
    kinds = {key: rule.name for key, rule in RULES.items()}
    items = []
    for row in rows:
        due = calc.due(row.rule_key, row.trigger_at, row.fixed_due_at)
        state = (DueState.OVERDUE if due.at <= now else
                 DueState.SOON if due.at <= soon_until else DueState.LATER)
        items.append(BoardItem(
            id=row.id, rule_key=row.rule_key, kind_name=kinds[row.rule_key], title=row.title,
            entity=row.entity, entity_id=row.entity_id, unit_id=row.unit_id,
            unit_name=units[row.unit_id], owner_id=row.owner_id,
            owner_name=people.get(row.owner_id, t("deadlines.no_owner")),
            trigger_at=_utc(row.trigger_at), due=due, state=state))
    return items


def _due_column(rule_key: str):
    """Return the column a rule's due time grows with: the own due time, or the trigger."""
    own = RULES[rule_key].kind == LimitKind.OWN_DATE
    return Obligation.fixed_due_at if own else Obligation.trigger_at


def _key_limit(calc: DueCalculator, rule_key: str, moment: datetime) -> datetime:
    """Return the latest value of the rule's due column that makes an item due by `moment`."""
    if RULES[rule_key].kind == LimitKind.OWN_DATE:
        return moment
    return calc.latest_trigger_due_by(rule_key, moment)


def _due_by(calc: DueCalculator, moment: datetime):
    """SQL condition: the row's due time is at or before `moment`, whatever its rule."""
    column = case((Obligation.rule_key.in_(OWN_DATE_RULES), Obligation.fixed_due_at),
                  else_=Obligation.trigger_at)
    limits = {rule_key: _key_limit(calc, rule_key, moment) for rule_key in RULES}
    return column <= case(limits, value=Obligation.rule_key)


def _filter_clauses(filters: BoardFilters) -> list:
    clauses = []
    if filters.unit_id is not None:
        clauses.append(Obligation.unit_id.is_(None) if filters.unit_id == NONE_ID
                       else Obligation.unit_id == filters.unit_id)
    if filters.owner_id is not None:
        clauses.append(Obligation.owner_id.is_(None) if filters.owner_id == NONE_ID
                       else Obligation.owner_id == filters.owner_id)
    if filters.rule_key is not None:
        clauses.append(Obligation.rule_key == filters.rule_key)
    return clauses


def _month_cutoffs(now: datetime, months: int) -> tuple[list[str], list[datetime]]:
    """Labels of the last `months` months and the month starts around them (months + 1).

    A due time in (start of month i, start of month i+1] belongs to month i, so a day-based
    due time (00:00 after the due day) counts in the due day's month.
    """
    first = to_office(now).date().replace(day=1)
    starts = [_add_months(first, offset) for offset in range(-months + 1, 2)]
    return ([start.strftime("%Y-%m") for start in starts[:-1]],
            [office_day_start(start) for start in starts])


def _month_label(due: Due) -> str:
    day = due.day or to_office(due.at - timedelta(microseconds=1)).date()
    return f"{day.year}-{day.month:02d}"


def _add_months(first: date, offset: int) -> date:
    index = first.year * 12 + first.month - 1 + offset
    return date(index // 12, index % 12 + 1, 1)


def _unit_names(session: Session, unit_ids: set[int | None]) -> dict[int | None, str]:
    wanted = {unit_id for unit_id in unit_ids if unit_id is not None}
    found = dict(session.exec(select(Unit.id, Unit.name).where(Unit.id.in_(wanted))).all())
    names: dict[int | None, str] = {None: t("deadlines.no_unit")}
    for unit_id in wanted:
        # A unit removed while foreign keys were off leaves its id behind: name it, don't fail.
        names[unit_id] = found.get(unit_id) or t("deadlines.unit_deleted", id=unit_id)
    return names


def _user_names(session: Session, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    found = dict(session.exec(select(User.id, User.display_name)
                              .where(User.id.in_(user_ids))).all())
    return {user_id: found.get(user_id) or t("deadlines.owner_deleted", id=user_id)
            for user_id in user_ids}


# --- reading: the digest -------------------------------------------------------------------

def digests(session: Session, *, now: datetime, window_days: int | None = None
            ) -> list[Digest]:
    """Per person, the open items overdue or due within the window; unowned items last."""
    now = _utc(now)
    window = window_days if window_days is not None else due_soon_days(session)
    calc = calculator(session)
    soon_until = now + timedelta(days=window)

    rows = session.exec(select(*_ITEM_COLUMNS).where(
        Obligation.status == ObligationStatus.OPEN, Obligation.rule_key.in_(list(RULES)),
        _due_by(calc, soon_until))).all()
    # A deactivated owner gets no mail; their items go to 厅办公室 with the unowned ones.
    people = {u.id: u for u in session.exec(select(User).where(
        User.id.in_({row.owner_id for row in rows if row.owner_id is not None}),
        User.is_active))}

    by_owner: dict[int | None, Digest] = {}
    for item in sorted(_board_items(session, calc, rows, now, soon_until),
                       key=lambda i: (i.due.at, i.id)):
        owner = people.get(item.owner_id)
        key = owner.id if owner is not None else None
        digest = by_owner.get(key) or by_owner.setdefault(key, _new_digest(owner))
        (digest.overdue if item.state == DueState.OVERDUE else digest.soon).append(item)
    return sorted(by_owner.values(), key=lambda d: (d.user_id is None, d.name))


def render_digest(digest: Digest, *, now: datetime, window_days: int, org_name: str
                  ) -> tuple[str, str]:
    """Render the digest as a Chinese mail and return (subject, body)."""
    subject = t("digest.subject", overdue=len(digest.overdue), soon=len(digest.soon))
    owned = digest.user_id is not None
    lines = [t("digest.greeting", name=digest.name) if owned else t("digest.greeting_unowned"),
             "", t("digest.intro" if owned else "digest.intro_unowned", now=format_office(now),
                   overdue=len(digest.overdue), soon=len(digest.soon), days=window_days)]
    for header, items in ((t("digest.overdue_header"), digest.overdue),
                          (t("digest.soon_header"), digest.soon)):
        if items:
            lines += ["", header]
            lines += [_digest_line(number, item) for number, item in enumerate(items, 1)]
    lines += ["", t("digest.closing"), t("digest.signature", org=org_name)]
    return subject, "\n".join(lines) + "\n"


def remind(session: Session, *, now: datetime, mail_settings: MailSettings, org_name: str,
           window_days: int | None = None) -> list[Reminder]:
    """Render every digest and mail those whose person has an address, if SMTP is set up.

    The caller prints what was not sent; nothing is written to the database.
    """
    window = window_days if window_days is not None else due_soon_days(session)
    rendered = [(digest, *render_digest(digest, now=now, window_days=window, org_name=org_name))
                for digest in digests(session, now=now, window_days=window)]
    mailable = [(digest, subject, body) for digest, subject, body in rendered
                if mail_settings.configured and digest.email]

    send(mail_settings, [Mail(to_name=digest.name, to_address=digest.email, subject=subject,
                              body=body) for digest, subject, body in mailable])
    sent_ids = {id(digest) for digest, _, _ in mailable}
    return [Reminder(digest=digest, subject=subject, body=body, sent=id(digest) in sent_ids)
            for digest, subject, body in rendered]


def _new_digest(owner: User | None) -> Digest:
    if owner is None:
        return Digest(user_id=None, name=t("deadlines.no_owner"), email=None)
    return Digest(user_id=owner.id, name=owner.display_name, email=owner.email or None)


def _digest_line(number: int, item: BoardItem) -> str:
    line = t("digest.item", number=number, kind=item.kind_name, title=item.title,
             unit=item.unit_name, due=item.due_text)
    return f"{line}{t('digest.estimated_note', reason=item.due.reason)}" if item.due.estimated \
        else line


def _utc(moment: datetime) -> datetime:
    # Stored times come back naive from SQLite and mean UTC.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)
