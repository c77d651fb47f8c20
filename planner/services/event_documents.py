"""The documents of a press event: 发布会方案, 新闻通稿, 答问口径, 预告, 文字实录 and
重要政务活动信息.

Each document is a draft of its own kind, written from the event when it is created (topic,
times in Asia/Shanghai, place, people, media, agenda, question channel, linked policy),
linked to the event through EventDraftLink(role=...) and reviewed through 初审 → 审核 → 审发
like any other draft. An event has at most one document per role.

Who creates them: the event's organisers (新闻发言人, 厅办公室) and the 承办人员 of the event's
unit. The draft belongs to the event's unit, so its 初审 and 审核 happen there.
"""

import logging
import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select, update

from planner.config import get_settings
from planner.documents.answer_brief import propose_questions
from planner.documents.event_titles import document_title, quoted, split_topic
from planner.documents.structure import DraftSectionContent
from planner.documents.templates import INTRO_KEY, TemplateSpec, load_template_spec
from planner.errors import Conflict, InvalidInput, PermissionDenied
from planner.i18n import has_key, inside_book_marks, inside_quotes, t
from planner.models import (AnswerTier, Disclosure, Draft, DraftKind, DraftSection, DraftStatus,
                            EventDocument, EventDraftLink, EventMediaInvite, EventStatus,
                            InterviewQuestion,
                            MediaContact, MediaInviteStatus, Policy, PressEvent, QuestionStatus,
                            Role, Unit, User, VersionOrigin)
from planner.permissions import has_any_role, has_role, probing
from planner.services import answer_library, audit, drafts, events, policies, review
from planner.timeutil import format_cn_date, now_utc, to_office

logger = logging.getLogger(__name__)

ROLE_KINDS = {
    EventDocument.PLAN: DraftKind.PRESS_PLAN,
    EventDocument.PRESS_RELEASE: DraftKind.PRESS_RELEASE,
    EventDocument.ANSWER_BRIEF: DraftKind.ANSWER_BRIEF,
    EventDocument.PREVIEW: DraftKind.EVENT_PREVIEW,
    EventDocument.TRANSCRIPT: DraftKind.TRANSCRIPT,
    EventDocument.ACTIVITY_INFO: DraftKind.ACTIVITY_INFO,
}
# What a page preselects: the plan and the answer brief are internal working papers
# (内部掌握); the others are written to be published. The creator chooses either way.
SUGGESTED_DISCLOSURE = {
    EventDocument.PLAN: Disclosure.NOT_PUBLIC,
    EventDocument.ANSWER_BRIEF: Disclosure.NOT_PUBLIC,
}
# 已审发 or 已发布: the 预告 may go out, so the event may be announced.
RELEASABLE_STATES = {DraftStatus.APPROVED, DraftStatus.RELEASED}
# A held event still needs its 文字实录 and 重要政务活动信息, so only these states end drafting.
CLOSED_EVENT = {EventStatus.CANCELLED, EventStatus.ARCHIVED}
MAX_ANSWER_FIELD = 5000
MAX_SOURCE_REF = 500

# Separators between the outlets of the event's own list (四川日报、四川广播电视台).
_OUTLET_SEPARATORS = re.compile(r"[、，,；;\n]")
_LIST_LABEL = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]"
                         r"|\d+[.．、])\s*")


@dataclass(frozen=True)
class EventFacts:
    """The event as the documents quote it: plain strings, times in Beijing time."""

    event_id: int
    org: str
    kind: str            # 新闻发布会
    topic: str
    day: str             # 2026年12月8日
    when: str            # 2026年12月8日 15:00—16:00
    length: str          # 约60分钟
    place: str
    spokespeople: str    # names joined by 、, e-mail addresses dropped
    host: str
    guests: list[str]    # one "姓名 职务" a line
    experts: list[str]
    media: str           # the event's free text of outlets to invite
    agenda: list[str]
    question_channel: str
    policy: Policy | None
    subject: str = ""    # the topic without the kind (2026年春运 of 2026年春运新闻发布会)
    names_kind: bool = False    # the subject still names the kind, so texts leave it out
    kind_names: tuple[str, ...] = ()   # the kind's full and short name: 新闻发布会, 发布会
    invited: tuple["InvitedOutlet", ...] = ()


@dataclass(frozen=True)
class InvitedOutlet:
    """A media contact invited to the event, as documents may quote it: outlet and
    reporter only, because phone and e-mail are personal data (planner.services.media)."""

    outlet: str
    reporter: str
    status: str          # MediaInviteStatus


# --- Creating ----------------------------------------------------------------------------

def create_document(session: Session, *, actor: User, event_id: int, role: EventDocument | str,
                    disclosure: Disclosure | str | None, disclosure_reason: str = "",
                    disclosure_basis: str = "") -> Draft:
    """Create the event's document for `role`, prefilled from the event; return the draft.

    The 公开属性 is chosen now (不公开 and 依申请公开 need the reason and legal basis). A
    second document for the same role raises Conflict naming the existing draft.
    """
    role = _role(role)
    event = _lock_event(session, event_id)
    _require_open(event)
    unit_id = _require_creator(session, actor, event)
    disclosure = drafts.check_disclosure(disclosure, disclosure_reason, disclosure_basis)
    if disclosure == Disclosure.PUBLIC:
        disclosure_reason = disclosure_basis = ""   # a form may still carry the defaults
    existing = document_draft(session, event_id, role)
    if existing is not None:
        raise Conflict("event_documents.exists", role=t(f"event_documents.role.{role}"),
                       title=inside_book_marks(existing.title), id=existing.id)

    kind = ROLE_KINDS[role]
    spec = load_template_spec(kind)
    facts = event_facts(session, event)
    draft = Draft(kind=kind, title=_title(spec, facts), policy_id=event.policy_id,
                  disclosure=disclosure, disclosure_reason=disclosure_reason.strip(),
                  disclosure_basis=disclosure_basis.strip(), unit_id=unit_id, template=kind,
                  created_by=actor.id)
    session.add(draft)
    session.flush()
    _add_sections(session, actor=actor, draft=draft, contents=_contents(session, role, spec, facts))
    session.add(EventDraftLink(event_id=event.id, draft_id=draft.id, role=role))

    audit.record(session, actor=actor, action="event.document_create", entity="draft",
                 entity_id=draft.id, detail={"event_id": event.id, "role": role, "kind": kind,
                                             "unit_id": unit_id, "disclosure": disclosure,
                                             "policy_id": event.policy_id})
    logger.info("event %s: %s draft %s created in unit %s by user %s", event.id, role,
                draft.id, unit_id, actor.id)
    return draft


def may_create(session: Session, *, actor: User, event_id: int) -> bool:
    """True if `actor` may create the event's documents; for pages to offer the buttons."""
    try:
        with probing():
            _require_creator(session, actor, events.get_event(session, event_id))
    except (PermissionDenied, InvalidInput):
        return False
    return True


def closed_reason(session: Session, event_id: int) -> str | None:
    """Return why no document can be drafted for the event any more, or None if it can."""
    try:
        _require_open(events.get_event(session, event_id))
    except Conflict as exc:
        return exc.message
    return None


def _require_open(event: PressEvent) -> None:
    if event.status in CLOSED_EVENT:
        raise Conflict("event_documents.event_closed", topic=inside_quotes(event.topic),
                       status=t(f"event.status.{event.status}"))


def _role(role: EventDocument | str) -> EventDocument:
    if role not in {code.value for code in EventDocument}:
        raise InvalidInput("event_documents.role_invalid", role=role)
    return EventDocument(role)


def _lock_event(session: Session, event_id: int) -> PressEvent:
    """Load the event after a no-op update of its row. The update takes the row lock on
    PostgreSQL and the write lock on SQLite, so two people creating the same role at once
    run one after the other and the second finds the first one's draft."""
    session.exec(update(PressEvent).where(PressEvent.id == event_id)
                 .values(updated_at=PressEvent.updated_at))
    event = events.get_event(session, event_id)
    session.refresh(event)
    return event


def _require_creator(session: Session, actor: User, event: PressEvent) -> int:
    """Return the unit the documents belong to, after checking that `actor` may create them."""
    unit_id = _document_unit(session, event, actor)
    if has_any_role(session, actor, events.EVENT_ORGANISERS):
        return unit_id
    if has_role(session, actor, Role.DRAFTER, unit_id):
        return unit_id
    unit = session.get(Unit, unit_id)
    raise PermissionDenied("event_documents.not_allowed", unit=unit.name if unit else "—")


def _document_unit(session: Session, event: PressEvent, actor: User) -> int:
    """Return the event's unit; for an event booked without one, its creator's unit, else
    the actor's. A draft needs a unit, because its 初审 and 审核 happen in that unit."""
    creator = session.get(User, event.created_by) if event.created_by else None
    for unit_id in (event.unit_id, creator.unit_id if creator else None, actor.unit_id):
        if unit_id is not None:
            return unit_id
    raise InvalidInput("event_documents.no_unit", topic=inside_quotes(event.topic))


def _title(spec: TemplateSpec, facts: EventFacts) -> str:
    return document_title(spec.title, spec.title_named, topic=facts.topic,
                          kind_names=facts.kind_names, org=facts.org)[:300]


def _add_sections(session: Session, *, actor: User, draft: Draft,
                  contents: list[DraftSectionContent]) -> None:
    for position, content in enumerate(contents):
        section = DraftSection(draft_id=draft.id, position=position, key=content.key,
                               title=content.title, body=content.body.strip(),
                               source_ref=content.source_ref[:MAX_SOURCE_REF],
                               tier=content.tier, key_points=content.key_points,
                               avoid_phrasing=content.avoid_phrasing, updated_by=actor.id)
        session.add(section)
        session.flush()
        drafts.add_version(session, actor=actor, section=section, origin=VersionOrigin.CREATE,
                           base_number=None)


# --- Reading -----------------------------------------------------------------------------

def documents_for(session: Session, event_id: int) -> dict[EventDocument, Draft]:
    """Return role → draft for the documents the event has; its status is the review status."""
    rows = session.exec(select(EventDraftLink.role, Draft)
                        .join(Draft, EventDraftLink.draft_id == Draft.id)
                        .where(EventDraftLink.event_id == event_id,
                               EventDraftLink.role != "")).all()
    return {EventDocument(role): draft for role, draft in rows}


def document_draft(session: Session, event_id: int, role: EventDocument) -> Draft | None:
    return documents_for(session, event_id).get(EventDocument(role))


def preview_released(session: Session, event_id: int) -> bool:
    """True once the event's 预告 is 已审发 or 已发布, so the event may be announced."""
    preview = document_draft(session, event_id, EventDocument.PREVIEW)
    return preview is not None and preview.status in RELEASABLE_STATES


def library_suggestions(session: Session, event_id: int, limit: int = 5, *,
                        actor: User | None = None) -> answer_library.LibraryPage | None:
    """Return the approved 答问口径库 entries on the event's policy that `actor` may read,
    newest first, or None when the event has no policy."""
    event = events.get_event(session, event_id)
    if event.policy_id is None:
        return None
    return answer_library.search(session, query="", actor=actor, policy_id=event.policy_id,
                                 limit=limit)


# --- The answer brief's own fields -------------------------------------------------------

def save_answer_details(session: Session, *, actor: User, section_id: int, tier: str,
                        key_points: str, avoid_phrasing: str, source_ref: str,
                        confirm_reset: bool = False) -> DraftSection:
    """Save the tier, 答题要点, 避免的表述 and 依据 of one question of an 答问口径.

    An edit like any other: after submission or approval it sends the draft back to 草稿,
    only with `confirm_reset`. The question and answer are saved with drafts.save_section.
    """
    section = _answer_section(session, section_id)
    draft = drafts.get_draft(session, section.draft_id)
    drafts.require_editor(session, actor, draft)
    after = _checked_details(tier, key_points, avoid_phrasing, source_ref)
    before = {"tier": section.tier, "key_points": section.key_points,
              "avoid_phrasing": section.avoid_phrasing, "source_ref": section.source_ref}
    if after == before:
        return section

    review.reset_for_edit(session, actor=actor, draft=draft, confirm_reset=confirm_reset,
                          change="answer_details")
    for name, value in after.items():
        setattr(section, name, value)
    section.updated_by, section.updated_at = actor.id, now_utc()
    draft.updated_at = now_utc()
    session.add_all([section, draft])

    audit.record(session, actor=actor, action="draft.answer_details_save", entity="draft",
                 entity_id=draft.id, detail={"section_id": section.id,
                                             "changed": sorted(k for k in after
                                                               if after[k] != before[k])})
    return section


def _answer_section(session: Session, section_id: int) -> DraftSection:
    section = session.get(DraftSection, section_id)
    if section is None:
        raise InvalidInput("draft.section_not_found", id=section_id)
    draft = drafts.get_draft(session, section.draft_id)
    if draft.kind != DraftKind.ANSWER_BRIEF or section.key == INTRO_KEY:
        raise InvalidInput("event_documents.not_a_question",
                           title=inside_quotes(section.title[:30]))
    return section


def _checked_details(tier: str, key_points: str, avoid_phrasing: str,
                     source_ref: str) -> dict[str, str]:
    if tier not in {code.value for code in AnswerTier}:
        raise InvalidInput("answer_library.tier_invalid", tier=tier)
    values = {"key_points": key_points.strip(), "avoid_phrasing": avoid_phrasing.strip()}
    for name, value in values.items():
        if len(value) > MAX_ANSWER_FIELD:
            raise InvalidInput("event_documents.field_too_long",
                               field=t(f"event_documents.field.{name}"), length=len(value),
                               limit=MAX_ANSWER_FIELD)
    if len(source_ref.strip()) > MAX_SOURCE_REF:
        raise InvalidInput("event_documents.field_too_long",
                           field=t("event_documents.field.source_ref"),
                           length=len(source_ref.strip()), limit=MAX_SOURCE_REF)
    return {"tier": tier, **values, "source_ref": source_ref.strip()}


# --- The event as the documents quote it -------------------------------------------------

def event_facts(session: Session, event: PressEvent) -> EventFacts:
    start, end = to_office(event.starts_at), to_office(event.ends_at)
    kind_names = _kind_names(event.kind)
    topic = split_topic(event.topic, kind_names)
    return EventFacts(
        event_id=event.id, org=get_settings().org_name, kind=kind_names[0], topic=event.topic,
        day=format_cn_date(start.date()), when=time_range(start, end),
        length=t("event_documents.length", minutes=round((end - start).total_seconds() / 60)),
        place=_place(event), spokespeople=_names(event.spokespeople), host=_names(event.host),
        guests=_lines(event.guests), experts=_lines(event.experts),
        media=" ".join(event.invited_media.split()), agenda=_numbered(_lines(event.agenda)),
        question_channel=event.question_channel.strip(),
        policy=session.get(Policy, event.policy_id) if event.policy_id else None,
        subject=topic.subject, names_kind=topic.names_kind, kind_names=kind_names,
        invited=invited_outlets(session, event.id))


def invited_outlets(session: Session, event_id: int) -> tuple[InvitedOutlet, ...]:
    """Return the media invited to the event, by outlet and reporter. Only these columns and
    the status are read, so no phone number or e-mail address can reach a document."""
    rows = session.exec(select(MediaContact.outlet, MediaContact.reporter,
                               EventMediaInvite.status)
                        .join(MediaContact, MediaContact.id == EventMediaInvite.contact_id)
                        .where(EventMediaInvite.event_id == event_id)
                        .order_by(MediaContact.outlet, MediaContact.reporter)).all()
    return tuple(InvitedOutlet(outlet=outlet, reporter=reporter, status=status)
                 for outlet, reporter, status in rows)


def _kind_names(kind: str) -> tuple[str, ...]:
    """Return the kind's full name and, where the catalog has one, its short name (发布会)."""
    short_key = f"event_documents.kind_short.{kind}"
    short = t(short_key) if has_key(short_key) else ""
    return (t(f"event.kind.{kind}"), short) if short else (t(f"event.kind.{kind}"),)


def _kind_after_topic(facts: EventFacts) -> str:
    """Return the kind to write after the topic: "" when the topic names it already."""
    return "" if facts.names_kind else facts.kind


def time_range(start: datetime, end: datetime) -> str:
    """2026年12月8日 15:00—16:00, or with both dates when the event runs past midnight."""
    day = format_cn_date(start.date())
    if start.date() == end.date():
        return f"{day} {start:%H:%M}—{end:%H:%M}"
    return f"{day} {start:%H:%M}—{format_cn_date(end.date())} {end:%H:%M}"


def _place(event: PressEvent) -> str:
    parts = [event.venue.strip()]
    if event.online_room.strip():
        parts.append(t("event_documents.online_room", room=event.online_room.strip()))
    return "；".join(part for part in parts if part)


def _names(text: str) -> str:
    return "、".join(person.name for person in events.parse_people(text))


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _numbered(lines: list[str]) -> list[str]:
    """Drop the numbers people type (一、 （一） 1. 1、) and number the lines 1. 2. afresh."""
    texts = [_LIST_LABEL.sub("", line).strip() for line in lines]
    return [f"{n}. {text}" for n, text in enumerate((text for text in texts if text), start=1)]


# --- Section contents per role -----------------------------------------------------------

def _contents(session: Session, role: EventDocument, spec: TemplateSpec,
              facts: EventFacts) -> list[DraftSectionContent]:
    if role == EventDocument.ANSWER_BRIEF:
        return _answer_brief(session, spec, facts)
    writers = {
        EventDocument.PLAN: _plan_bodies,
        EventDocument.PRESS_RELEASE: _release_bodies,
        EventDocument.PREVIEW: _preview_bodies,
        EventDocument.TRANSCRIPT: _transcript_bodies,
        EventDocument.ACTIVITY_INFO: _activity_bodies,
    }
    bodies = writers[role](session, facts)
    return [DraftSectionContent(key=entry.key, title=entry.title,
                                body=bodies.get(entry.key) or _to_complete(entry.hint))
            for entry in spec.sections]


def _to_complete(hint: str) -> str:
    return t("documents.prefill.to_complete", hint=hint)


def _plan_bodies(session: Session, facts: EventFacts) -> dict[str, str]:
    topic = facts.topic
    if facts.policy is not None:
        topic += "\n" + t("event_documents.plan.topic_policy", policy=_policy_name(facts.policy))
    materials = [t("event_documents.plan.material_release"),
                 t("event_documents.plan.material_brief")]
    if facts.policy is not None:
        materials.append(t("event_documents.plan.material_policy",
                           policy=_policy_name(facts.policy)))
    return {
        "intro": t("event_documents.plan.intro", topic=quoted(facts.subject),
                   kind=_kind_after_topic(facts)),
        "topic": topic,
        "time": facts.when,
        "place": facts.place,
        "spokespeople": facts.spokespeople,
        "host": facts.host,
        "guests": "\n".join(facts.guests + [t("event_documents.expert_line", expert=line)
                                            for line in facts.experts]),
        "media": _invited_media(facts),
        "agenda": "\n".join(facts.agenda),
        "materials": "\n".join(_numbered(materials)),
    }


def _release_bodies(session: Session, facts: EventFacts) -> dict[str, str]:
    return {
        "intro": _news_lead(facts, "event_documents.release.intro"),
        "content": _policy_overview(session, facts),
        "attendance": _attendance(facts),
    }


def _activity_bodies(session: Session, facts: EventFacts) -> dict[str, str]:
    return {
        "intro": _news_lead(facts, "event_documents.activity.intro"),
        "content": _policy_overview(session, facts),
        "attendance": _attendance(facts),
    }


def _preview_bodies(session: Session, facts: EventFacts) -> dict[str, str]:
    guests = facts.guests or ([facts.spokespeople] if facts.spokespeople else [])
    guest_names = "、".join(line.split()[0] for line in guests if line.split())
    return {
        "intro": t("event_documents.preview.intro", when=facts.when, topic=quoted(facts.subject),
                   guests=guest_names or t("event_documents.someone", org=facts.org)),
        "topic": facts.topic,
        "guests": "\n".join(guests),
        "time": facts.when,
        "length": facts.length,
        "watch": facts.place,
        "questions": facts.question_channel,
    }


def _transcript_bodies(session: Session, facts: EventFacts) -> dict[str, str]:
    host = t("event_documents.transcript.host_unnamed")
    if facts.host:
        host = t("event_documents.transcript.host", host=facts.host)
    speakers = facts.spokespeople.split("、") if facts.spokespeople else []
    info = [t("event_documents.transcript.time", when=facts.when),
            t("event_documents.transcript.place", place=facts.place or "—"),
            t("event_documents.transcript.speakers", names=facts.spokespeople or "—"),
            t("event_documents.transcript.host_line", host=facts.host or "—")]
    if facts.guests:
        info.append(t("event_documents.transcript.guests", guests="；".join(facts.guests)))
    return {
        "intro": "\n".join(info),
        "opening": t("event_documents.transcript.opening", host=host),
        "statements": "\n".join(t("event_documents.transcript.statement", name=name)
                                for name in speakers),
        "answers": _recorded_answers(session, facts.event_id),
        "closing": t("event_documents.transcript.closing", host=host),
    }


def _recorded_answers(session: Session, event_id: int) -> str:
    """The questions submitted before an online interview and answered, in the order they
    came in; "" when there are none, so the section keeps its hint."""
    questions = session.exec(select(InterviewQuestion).where(
        InterviewQuestion.event_id == event_id,
        InterviewQuestion.status == QuestionStatus.ANSWERED)
        .order_by(InterviewQuestion.submitted_at, InterviewQuestion.id))
    lines = []
    for question in questions:
        asker = question.asker or t("event_documents.transcript.asker_unnamed")
        lines.append(t("event_documents.transcript.question", asker=asker, text=question.text))
        key = ("answer_written" if question.answer_mode == "written" else "answer_live")
        lines.append(t(f"event_documents.transcript.{key}",
                       name=question.assignee or t("event_documents.transcript.host_unnamed"),
                       answer=question.answer))
    return "\n".join(lines)


def _news_lead(facts: EventFacts, key: str) -> str:
    # A topic naming the kind (第三场新闻发布会（春运专场）) is the event's name: "举行{topic}".
    speakers = facts.spokespeople or t("event_documents.someone", org=facts.org)
    return t(f"{key}_named" if facts.names_kind else key, day=facts.day, org=facts.org,
             kind=facts.kind, topic=facts.subject, who=speakers, place=facts.place or facts.org)


def _policy_overview(session: Session, facts: EventFacts) -> str:
    """Summarise the policy as the 答记者问 prefill does; return "" without a policy."""
    if facts.policy is None:
        return ""
    questions = propose_questions(policies.load_parsed(session, facts.policy.id))
    overview = next((q.body for q in questions if q.key == "content"), "")
    lead = t("event_documents.release.policy", issuer=facts.policy.issuer or facts.org,
             policy=_policy_name(facts.policy))
    return "\n".join(part for part in (lead, overview) if part)


def _attendance(facts: EventFacts) -> str:
    lines = []
    people = facts.guests + facts.experts
    if people:
        lines.append(t("event_documents.attendance.guests", kind=facts.kind,
                       guests="；".join(people)))
    # The outlets that confirmed, else the event's own list of outlets to invite.
    confirmed = [item.outlet for item in facts.invited
                 if item.status == MediaInviteStatus.CONFIRMED]
    media = "、".join(dict.fromkeys(confirmed)) or facts.media
    if media:
        lines.append(t("event_documents.attendance.media", media=media, kind=facts.kind))
    return "\n".join(lines)


def _invited_media(facts: EventFacts) -> str:
    """Write the 邀请媒体 of the 发布会方案: one line per invited contact with its status
    (已邀请, 已确认, 已婉拒), then the event's own list of outlets, if any."""
    lines = []
    for item in facts.invited:
        name = t("event_documents.plan.media_reporter", outlet=item.outlet,
                 reporter=item.reporter) if item.reporter else item.outlet
        lines.append(t("event_documents.plan.media_line", name=name,
                       status=t(f"media.status.{item.status}")))
    if not lines:
        return facts.media
    invited = {item.outlet for item in facts.invited}
    others = [name.strip() for name in _OUTLET_SEPARATORS.split(facts.media)
              if name.strip() and name.strip() not in invited]
    if others:
        lines.append(t("event_documents.plan.media_other", media="、".join(others)))
    return "\n".join(lines)


def _policy_name(policy: Policy) -> str:
    # Both messages set the title in 《》, so the title's own 《》 become 〈〉.
    title = inside_book_marks(policy.title)
    if policy.doc_number.strip():
        return t("event_documents.policy_with_number", title=title,
                 number=policy.doc_number.strip())
    return t("event_documents.policy_title", title=title)


def _answer_brief(session: Session, spec: TemplateSpec,
                  facts: EventFacts) -> list[DraftSectionContent]:
    intro_title = next((entry.title for entry in spec.sections if entry.key == INTRO_KEY), "")
    intro = DraftSectionContent(key=INTRO_KEY, title=intro_title,
                                body=t("event_documents.brief.intro", day=facts.day,
                                       topic=quoted(facts.subject),
                                       kind=_kind_after_topic(facts),
                                       spokespeople=facts.spokespeople or "—"))
    if facts.policy is not None:
        questions = propose_questions(policies.load_parsed(session, facts.policy.id))
        return [intro, *questions]

    generic = [entry for entry in spec.sections if entry.key != INTRO_KEY]
    return [intro, *(DraftSectionContent(
        key=entry.key, title=entry.title.format(topic=facts.subject, kind=facts.kind),
        body=_to_complete(entry.hint), tier=entry.tier or AnswerTier.LIKELY)
        for entry in generic)]
