"""政务舆情: the register, declared once as a state machine, with its response clocks.

TRANSITIONS below is the whole life of an item: 新登记 → 研判中 (assess) → 已转办
(forward) → 回应中 (respond) → 已回应 (conclude) → 已归档 (archive); an item assessed as
needing no response may be archived from 研判中. Every function looks its step up in
that table, checks the actor's role, then changes the item and writes the audit row
in the caller's transaction.

Who: 厅办公室 registers, imports, assesses, forwards, concludes and archives. The units
an item is forwarded to (转请相关单位关注、回应) see it in their queue and log the
responses, as does 厅办公室.
"""

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import func, or_
from sqlmodel import Session, select

from planner.errors import Conflict, InvalidInput, NotFound
from planner.i18n import inside_quotes, t
from planner.models import (Draft, DraftKind, DraftStatus, EventKind, EventStatus, OpinionItem,
                            OpinionNature, OpinionResponse, OpinionRisk, OpinionSeverity,
                            OpinionSource, OpinionStatus, OpinionTrend, OpinionUnit,
                            PressEvent, ResponseKind, Role, Unit, User)
from planner.permissions import has_any_role, has_role, require, roles_of
from planner.services import audit, generated_drafts, opinion_clocks
from planner.timeutil import format_office, now_utc, to_office, to_utc

logger = logging.getLogger(__name__)

OFFICE_ROLES = {Role.GENERAL_OFFICE}
# Roles with which a person views the items forwarded to their unit ...
UNIT_ROLES = {Role.DRAFTER, Role.DEPARTMENT_HEAD, Role.UNIT_HEAD, Role.SPOKESPERSON}
# ... and through which they log the unit's responses (the same roles keep deadlines).
RESPONDER_ROLES = {Role.DRAFTER, Role.SPOKESPERSON}
MAX_SUMMARY = 2000
MAX_LINK = 1000
MAX_CATEGORY = 64
MAX_PAGE_SIZE = 200
# Query parameters that only record how a link was shared. Two links that differ only in
# these point at the same post.
TRACKING_PARAMS = ("utm_", "spm", "share_", "from", "isappinstalled")


class Step(StrEnum):
    ASSESS = "assess"        # 研判
    FORWARD = "forward"      # 转办
    RESPOND = "respond"      # 回应 (one response action)
    CONCLUDE = "conclude"    # 确认已回应
    ARCHIVE = "archive"      # 归档


@dataclass(frozen=True)
class Transition:
    sources: frozenset[OpinionStatus]
    target: OpinionStatus


_S = OpinionStatus
TRANSITIONS: dict[Step, Transition] = {
    Step.ASSESS: Transition(frozenset({_S.NEW, _S.ASSESSING}), _S.ASSESSING),
    Step.FORWARD: Transition(frozenset({_S.ASSESSING}), _S.FORWARDED),
    Step.RESPOND: Transition(frozenset({_S.FORWARDED, _S.RESPONDING}), _S.RESPONDING),
    Step.CONCLUDE: Transition(frozenset({_S.RESPONDING}), _S.RESPONDED),
    Step.ARCHIVE: Transition(frozenset({_S.ASSESSING, _S.RESPONDED}), _S.ARCHIVED),
}
# The statuses in which an item waits for its units in their queue.
QUEUE_STATUSES = (_S.FORWARDED, _S.RESPONDING)


@dataclass
class OpinionInput:
    source: OpinionSource
    summary: str
    first_seen_at: datetime          # timezone-aware
    severity: OpinionSeverity = OpinionSeverity.ORDINARY
    link: str = ""
    source_detail: str = ""
    category: str = ""
    policy_id: int | None = None
    event_id: int | None = None


@dataclass
class AssessmentInput:
    nature: OpinionNature
    trend: OpinionTrend
    risk: OpinionRisk
    severity: OpinionSeverity
    note: str = ""


@dataclass
class ResponseInput:
    kind: ResponseKind
    note: str = ""
    link: str = ""
    draft_id: int | None = None
    event_id: int | None = None
    responded_at: datetime | None = None   # default: now


@dataclass
class OpinionFilter:
    statuses: list[OpinionStatus] = field(default_factory=list)
    severities: list[OpinionSeverity] = field(default_factory=list)
    sources: list[OpinionSource] = field(default_factory=list)
    category: str = ""
    unit_id: int | None = None       # forwarded to this unit
    text: str = ""                   # in the summary or the link
    seen_from: datetime | None = None
    seen_before: datetime | None = None


@dataclass
class RegisterPage:
    rows: list[OpinionItem]
    total: int


# --- registering ------------------------------------------------------------------------

def register(session: Session, *, actor: User, data: OpinionInput,
             allow_duplicate: bool = False, origin: dict | None = None) -> OpinionItem:
    """Enter one item by hand (or from an import row). A link already in the register
    raises Conflict unless `allow_duplicate` (the office has seen the warning)."""
    require(session, actor, "opinion_register", OFFICE_ROLES)
    validate(data)
    key = link_key(data.link)
    if key and not allow_duplicate:
        existing = duplicates(session, [key]).get(key)
        if existing is not None:
            raise Conflict("opinion.duplicate_link", link=data.link.strip(), id=existing)

    item = OpinionItem(created_by=actor.id, link_key=key)
    _apply(item, data)
    session.add(item)
    session.flush()

    audit.record(session, actor=actor, action="opinion.register", entity="opinion_item",
                 entity_id=item.id, detail={"severity": item.severity, "source": item.source,
                                            "link": item.link, **(origin or {})})
    logger.info("opinion item %s registered (%s, %s)", item.id, item.source, item.severity)
    return item


def validate(data: OpinionInput) -> None:
    """Raise InvalidInput naming the first field that cannot be saved."""
    if data.source not in {code.value for code in OpinionSource}:
        raise InvalidInput("opinion.source_invalid", value=data.source)
    if data.severity not in {code.value for code in OpinionSeverity}:
        raise InvalidInput("opinion.severity_invalid", value=data.severity)
    if not data.summary.strip():
        raise InvalidInput("opinion.summary_missing")
    if len(data.summary.strip()) > MAX_SUMMARY:
        raise InvalidInput("opinion.summary_too_long", length=len(data.summary.strip()),
                           limit=MAX_SUMMARY)
    if len(data.link.strip()) > MAX_LINK:
        raise InvalidInput("opinion.link_too_long", limit=MAX_LINK)
    if len(data.category.strip()) > MAX_CATEGORY:
        raise InvalidInput("opinion.category_too_long", value=data.category.strip()[:20],
                           limit=MAX_CATEGORY)
    if data.first_seen_at.tzinfo is None:
        raise ValueError("first_seen_at must be timezone-aware")
    if data.first_seen_at > now_utc():
        raise InvalidInput("opinion.seen_in_future", time=format_office(data.first_seen_at))


def link_key(link: str) -> str:
    """Return the duplicate key of a link: SHA-256 of its normalised form, "" for none.

    Scheme and host are compared without case, the fragment, a trailing slash and
    tracking parameters (utm_…, spm, from, share_…) are ignored, so the same post
    shared twice is found.
    """
    text = link.strip()
    if not text:
        return ""
    if "://" not in text:
        text = f"http://{text}"

    parts = urlsplit(text)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not k.lower().startswith(TRACKING_PARAMS)]
    host = (parts.hostname or "").lower()
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    normal = urlunsplit(("http", host, parts.path.rstrip("/"), urlencode(query), ""))
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


def duplicates(session: Session, keys: list[str]) -> dict[str, int]:
    """Map each link key already in the register to the id of its first item."""
    wanted = sorted({key for key in keys if key})
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 500):   # stay under SQLite's bound-parameter limit
        rows = session.exec(select(OpinionItem.link_key, func.min(OpinionItem.id))
                            .where(OpinionItem.link_key.in_(wanted[start:start + 500]))
                            .group_by(OpinionItem.link_key))
        found.update({key: item_id for key, item_id in rows})
    return found


# --- the transitions --------------------------------------------------------------------

def assess(session: Session, *, actor: User, opinion_id: int,
           data: AssessmentInput) -> OpinionItem:
    """研判: record nature, trend, risk and the (possibly revised) severity."""
    require(session, actor, "opinion_assess", OFFICE_ROLES)
    item = get_item(session, opinion_id)
    _check_assessment(data)
    before = item.severity
    _move(item, Step.ASSESS)

    item.nature, item.trend, item.risk = data.nature, data.trend, data.risk
    item.severity = OpinionSeverity(data.severity)
    item.assessment = data.note.strip()
    item.assessed_by, item.assessed_at = actor.id, now_utc()
    session.add(item)

    audit.record(session, actor=actor, action="opinion.assess", entity="opinion_item",
                 entity_id=item.id, detail={"nature": item.nature, "trend": item.trend,
                                            "risk": item.risk, "severity_before": before,
                                            "severity": item.severity})
    return item


def forward(session: Session, *, actor: User, opinion_id: int, lead_unit_id: int,
            other_unit_ids: list[int] | None = None) -> OpinionItem:
    """转请相关单位关注、回应: name the lead unit and the others, and start the clocks."""
    require(session, actor, "opinion_forward", OFFICE_ROLES)
    item = get_item(session, opinion_id)
    others = [uid for uid in dict.fromkeys(other_unit_ids or []) if uid != lead_unit_id]
    _check_units(session, [lead_unit_id, *others])
    _move(item, Step.FORWARD)

    session.add(OpinionUnit(opinion_id=item.id, unit_id=lead_unit_id, is_lead=True))
    for unit_id in others:
        session.add(OpinionUnit(opinion_id=item.id, unit_id=unit_id, is_lead=False))
    item.lead_unit_id, item.forwarded_at = lead_unit_id, now_utc()
    session.add(item)
    opinion_clocks.start(session, actor=actor, item=item,
                         title=t("opinion.clock_title", summary=short_text(item.summary)))

    audit.record(session, actor=actor, action="opinion.forward", entity="opinion_item",
                 entity_id=item.id, detail={"lead_unit_id": lead_unit_id, "others": others})
    logger.info("opinion item %s forwarded to unit %s and %s", item.id, lead_unit_id, others)
    return item


def log_response(session: Session, *, actor: User, opinion_id: int,
                 data: ResponseInput) -> OpinionResponse:
    """Log one response action, linked to the released draft or the event that carried it."""
    item = get_item(session, opinion_id)
    unit_id = _require_responder(session, actor, item)
    responded_at = _response_time(item, data.responded_at)
    _check_response_links(session, data)
    _move(item, Step.RESPOND)

    response = OpinionResponse(opinion_id=item.id, kind=ResponseKind(data.kind), unit_id=unit_id,
                               note=data.note.strip(), link=data.link.strip()[:MAX_LINK],
                               draft_id=data.draft_id, event_id=data.event_id,
                               responded_at=responded_at, created_by=actor.id)
    session.add(response)
    session.add(item)
    session.flush()
    opinion_clocks.responded(session, actor=actor, item=item, kind=response.kind,
                             at=responded_at)

    audit.record(session, actor=actor, action="opinion.respond", entity="opinion_item",
                 entity_id=item.id, detail={"response_id": response.id, "kind": response.kind,
                                            "draft_id": data.draft_id,
                                            "event_id": data.event_id})
    return response


def conclude(session: Session, *, actor: User, opinion_id: int) -> OpinionItem:
    """确认已回应: the office confirms the responses are done."""
    require(session, actor, "opinion_conclude", OFFICE_ROLES)
    item = get_item(session, opinion_id)
    _move(item, Step.CONCLUDE)
    item.responded_at = now_utc()
    session.add(item)

    audit.record(session, actor=actor, action="opinion.conclude", entity="opinion_item",
                 entity_id=item.id, detail={})
    return item


def archive(session: Session, *, actor: User, opinion_id: int, note: str = "") -> OpinionItem:
    """归档. From 研判中 (no response needed) the note saying why is required."""
    require(session, actor, "opinion_archive", OFFICE_ROLES)
    item = get_item(session, opinion_id)
    if item.status == _S.ASSESSING and not note.strip():
        raise InvalidInput("opinion.archive_reason_missing")
    before = item.status
    _move(item, Step.ARCHIVE)
    if note.strip():
        item.assessment = "\n".join(p for p in (item.assessment, note.strip()) if p)
    session.add(item)

    audit.record(session, actor=actor, action="opinion.archive", entity="opinion_item",
                 entity_id=item.id, detail={"from": before, "note": note.strip()})
    return item


def create_response_draft(session: Session, *, actor: User, opinion_id: int) -> Draft:
    """Start a 舆情回应稿 from the item; it goes through 初审 → 审核 → 审发 like any draft."""
    item = get_item(session, opinion_id)
    if item.status not in (_S.ASSESSING, *QUEUE_STATUSES):
        raise Conflict("opinion.wrong_state", step=t("opinion.step.draft"),
                       status=t(f"opinion.status.{item.status}"))
    unit_id = _drafting_unit(session, actor, item)
    title = t("opinion.response_title", summary=inside_quotes(short_text(item.summary, 24)))

    bodies = {"facts": t("opinion.response_facts", time=format_office(item.first_seen_at),
                         source=source_label(item), summary=item.summary)}
    return generated_drafts.create(session, actor=actor, kind=DraftKind.OPINION_RESPONSE,
                                   title=title, bodies=bodies, unit_id=unit_id,
                                   source={"opinion_id": item.id})


# --- reading ----------------------------------------------------------------------------

def get_item(session: Session, opinion_id: int) -> OpinionItem:
    item = session.get(OpinionItem, opinion_id)
    if item is None:
        raise NotFound("opinion.not_found", id=opinion_id)
    return item


def get_visible(session: Session, *, actor: User, opinion_id: int) -> OpinionItem:
    """The item, if the actor may see it: 厅办公室, or a unit it was forwarded to."""
    item = get_item(session, opinion_id)
    if not can_see(session, actor, item):
        require(session, actor, "opinion_view", OFFICE_ROLES | UNIT_ROLES,
                unit_id=item.lead_unit_id or -1)
    return item


def can_see(session: Session, actor: User, item: OpinionItem) -> bool:
    if has_any_role(session, actor, OFFICE_ROLES):
        return True
    return bool(set(forwarded_unit_ids(session, item.id)) & _unit_ids(session, actor))


def list_items(session: Session, *, actor: User, filters: OpinionFilter | None = None,
               limit: int = 50, offset: int = 0) -> RegisterPage:
    """One page of the register, newest first seen first, and the total that matches.

    厅办公室 sees every item; anyone else sees the items forwarded to their units.
    """
    conditions = _conditions(session, actor, filters or OpinionFilter())
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    total = session.exec(select(func.count()).select_from(OpinionItem).where(*conditions)).one()
    rows = session.exec(select(OpinionItem).where(*conditions)
                        .order_by(OpinionItem.first_seen_at.desc(), OpinionItem.id.desc())
                        .limit(limit).offset(max(offset, 0)))
    return RegisterPage(rows=list(rows), total=total)


def queue_for(session: Session, *, actor: User, limit: int = 100) -> RegisterPage:
    """The items waiting for a response from the actor's units, oldest first (one page)."""
    unit_ids = _unit_ids(session, actor)
    if not unit_ids:
        return RegisterPage(rows=[], total=0)
    forwarded = select(OpinionUnit.opinion_id).where(OpinionUnit.unit_id.in_(sorted(unit_ids)))
    waiting = (OpinionItem.id.in_(forwarded), OpinionItem.status.in_(QUEUE_STATUSES))
    total = session.exec(select(func.count()).select_from(OpinionItem).where(*waiting)).one()
    rows = session.exec(select(OpinionItem).where(*waiting)
                        .order_by(OpinionItem.first_seen_at, OpinionItem.id)
                        .limit(max(1, min(limit, MAX_PAGE_SIZE))))
    return RegisterPage(rows=list(rows), total=total)


def response_choices(session: Session, item: OpinionItem, *, limit: int = 200
                     ) -> tuple[list[Draft], list[PressEvent]]:
    """What a response can link to: drafts released and events held since a day before the
    item was first seen, newest first; a response cannot come before the item."""
    since = to_utc(to_office(item.first_seen_at)) - timedelta(days=1)
    released = session.exec(select(Draft).where(Draft.status == DraftStatus.RELEASED,
                                                Draft.status_changed_at >= since)
                             .order_by(Draft.status_changed_at.desc()).limit(limit))
    held = session.exec(select(PressEvent).where(PressEvent.starts_at >= since,
                                                 PressEvent.starts_at <= now_utc(),
                                                 PressEvent.status != EventStatus.CANCELLED)
                        .order_by(PressEvent.starts_at.desc()).limit(limit))
    return list(released), list(held)


def forwarded_unit_ids(session: Session, opinion_id: int) -> list[int]:
    """The units the item was forwarded to, the lead unit first."""
    rows = session.exec(select(OpinionUnit).where(OpinionUnit.opinion_id == opinion_id)
                        .order_by(OpinionUnit.is_lead.desc(), OpinionUnit.unit_id))
    return [row.unit_id for row in rows]


def responses(session: Session, opinion_id: int) -> list[OpinionResponse]:
    return list(session.exec(select(OpinionResponse)
                             .where(OpinionResponse.opinion_id == opinion_id)
                             .order_by(OpinionResponse.responded_at, OpinionResponse.id)))


def categories(session: Session) -> list[str]:
    """The categories in use, for suggestions and filters."""
    rows = session.exec(select(OpinionItem.category).where(OpinionItem.category != "")
                        .group_by(OpinionItem.category).order_by(OpinionItem.category))
    return list(rows)


def office_unit_id(session: Session, actor: User) -> int | None:
    """Return the unit in which the actor acts as 厅办公室 (their own unit first), or None."""
    if not actor.is_active:
        return None
    units = sorted(unit_id for role, unit_id in roles_of(session, actor)
                   if role == Role.GENERAL_OFFICE)
    if actor.unit_id in units:
        return actor.unit_id
    return units[0] if units else None


def source_label(item: OpinionItem) -> str:
    label = t(f"opinion.source.{item.source}")
    return f"{label}（{item.source_detail}）" if item.source_detail else label


def allowed_steps(item: OpinionItem) -> set[Step]:
    """The steps the item's status allows, for pages to offer (roles are checked on use)."""
    return {step for step, rule in TRANSITIONS.items() if item.status in rule.sources}


# --- helpers ----------------------------------------------------------------------------

def _move(item: OpinionItem, step: Step) -> None:
    rule = TRANSITIONS[step]
    if item.status not in rule.sources:
        raise Conflict("opinion.wrong_state", step=t(f"opinion.step.{step}"),
                       status=t(f"opinion.status.{item.status}"))
    if item.status != rule.target:
        logger.info("opinion item %s: %s → %s", item.id, item.status, rule.target)
        item.status = rule.target
        item.status_changed_at = now_utc()
    item.updated_at = now_utc()


def _apply(item: OpinionItem, data: OpinionInput) -> None:
    item.source = OpinionSource(data.source)
    item.source_detail = data.source_detail.strip()[:64]
    item.link = data.link.strip()
    item.first_seen_at = to_utc(to_office(data.first_seen_at))
    item.summary = data.summary.strip()
    item.category = data.category.strip()
    item.severity = OpinionSeverity(data.severity)
    item.policy_id = data.policy_id
    item.event_id = data.event_id


def _check_assessment(data: AssessmentInput) -> None:
    for group, value, codes in (("nature", data.nature, OpinionNature),
                                ("trend", data.trend, OpinionTrend),
                                ("risk", data.risk, OpinionRisk),
                                ("severity", data.severity, OpinionSeverity)):
        if value not in {code.value for code in codes}:
            raise InvalidInput("opinion.assessment_invalid", what=t(f"opinion.field.{group}"),
                               value=value)


def _check_units(session: Session, unit_ids: list[int]) -> None:
    for unit_id in unit_ids:
        if session.get(Unit, unit_id) is None:
            raise NotFound("opinion.unit_not_found", id=unit_id)


def _unit_ids(session: Session, actor: User) -> set[int]:
    if not actor.is_active:
        return set()
    return {unit_id for role, unit_id in roles_of(session, actor) if role in UNIT_ROLES}


def _require_responder(session: Session, actor: User, item: OpinionItem) -> int | None:
    """Return the unit the actor responds for: a forwarded unit they act for, or the
    lead unit when 厅办公室 logs it; raise PermissionDenied otherwise."""
    for unit_id in forwarded_unit_ids(session, item.id):
        if has_any_role(session, actor, RESPONDER_ROLES, unit_id):
            return unit_id
    if has_role(session, actor, Role.GENERAL_OFFICE):
        return item.lead_unit_id
    require(session, actor, "opinion_respond", OFFICE_ROLES | RESPONDER_ROLES,
            unit_id=item.lead_unit_id or -1)
    return None


def _drafting_unit(session: Session, actor: User, item: OpinionItem) -> int:
    for unit_id in forwarded_unit_ids(session, item.id):
        if has_role(session, actor, Role.DRAFTER, unit_id):
            return unit_id
    office_unit = office_unit_id(session, actor)
    if office_unit is None:
        require(session, actor, "opinion_draft", {Role.DRAFTER, Role.GENERAL_OFFICE},
                unit_id=item.lead_unit_id or -1)
    return office_unit


def _response_time(item: OpinionItem, at: datetime | None) -> datetime:
    moment = now_utc() if at is None else at
    if moment.tzinfo is None:
        raise ValueError("responded_at must be timezone-aware")
    if moment > now_utc():
        raise InvalidInput("opinion.response_in_future", time=format_office(moment))
    if moment < to_office(item.first_seen_at):
        raise InvalidInput("opinion.response_before_seen", time=format_office(moment),
                           seen=format_office(item.first_seen_at))
    return to_utc(to_office(moment))


def _check_response_links(session: Session, data: ResponseInput) -> None:
    """Each response links to what carried it: a 网上发布消息 to its released draft, a
    新闻发布会 to the event, the others to either."""
    if data.kind not in {code.value for code in ResponseKind}:
        raise InvalidInput("opinion.response_kind_invalid", value=data.kind)
    kind = ResponseKind(data.kind)
    needs = {ResponseKind.ONLINE_MESSAGE: "draft", ResponseKind.PRESS_CONFERENCE: "event"}
    if needs.get(kind) == "draft" and data.draft_id is None:
        raise InvalidInput("opinion.response_needs_draft", kind=t(f"opinion.response.{kind}"))
    if needs.get(kind) == "event" and data.event_id is None:
        raise InvalidInput("opinion.response_needs_event", kind=t(f"opinion.response.{kind}"))
    if data.draft_id is None and data.event_id is None:
        raise InvalidInput("opinion.response_needs_link", kind=t(f"opinion.response.{kind}"))
    if data.draft_id is not None:
        _check_released(session, data.draft_id)
    if data.event_id is not None:
        _check_event(session, data.event_id, kind)


def _check_released(session: Session, draft_id: int) -> None:
    # 先审查、后公开: only a draft that went through 审发 and was released went out.
    draft = session.get(Draft, draft_id)
    if draft is None:
        raise NotFound("draft.not_found", id=draft_id)
    if draft.status != DraftStatus.RELEASED:
        raise InvalidInput("opinion.response_draft_not_released", title=inside_quotes(draft.title),
                           status=t(f"draft.status.{draft.status}"))


def _check_event(session: Session, event_id: int, kind: ResponseKind) -> None:
    event = session.get(PressEvent, event_id)
    if event is None:
        raise NotFound("event.not_found", id=event_id)
    if event.status == EventStatus.CANCELLED:
        raise InvalidInput("opinion.response_event_cancelled", topic=inside_quotes(event.topic))
    press = {EventKind.PRESS_CONFERENCE, EventKind.BRIEFING}
    if kind == ResponseKind.PRESS_CONFERENCE and event.kind not in press:
        raise InvalidInput("opinion.response_event_not_conference",
                           topic=inside_quotes(event.topic),
                           kind=t(f"event.kind.{event.kind}"))


def _conditions(session: Session, actor: User, filters: OpinionFilter) -> list:
    conditions = []
    if not has_any_role(session, actor, OFFICE_ROLES):
        units = sorted(_unit_ids(session, actor)) or [-1]
        conditions.append(OpinionItem.id.in_(
            select(OpinionUnit.opinion_id).where(OpinionUnit.unit_id.in_(units))))
    if filters.unit_id is not None:
        conditions.append(OpinionItem.id.in_(
            select(OpinionUnit.opinion_id).where(OpinionUnit.unit_id == filters.unit_id)))
    for column, values in ((OpinionItem.status, filters.statuses),
                           (OpinionItem.severity, filters.severities),
                           (OpinionItem.source, filters.sources)):
        if values:
            conditions.append(column.in_([str(value) for value in values]))
    if filters.category.strip():
        conditions.append(OpinionItem.category == filters.category.strip())
    if filters.text.strip():
        pattern = f"%{_escape_like(filters.text.strip())}%"
        conditions.append(or_(OpinionItem.summary.like(pattern, escape="\\"),
                              OpinionItem.link.like(pattern, escape="\\")))
    if filters.seen_from is not None:
        conditions.append(OpinionItem.first_seen_at >= to_utc(to_office(filters.seen_from)))
    if filters.seen_before is not None:
        conditions.append(OpinionItem.first_seen_at < to_utc(to_office(filters.seen_before)))
    return conditions


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def short_text(text: str, length: int = 30) -> str:
    """The text on one line, cut to `length` characters with an ellipsis."""
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= length else one_line[:length] + "…"
