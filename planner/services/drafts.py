"""Drafts: created from a template and a policy, edited section by section, exported."""

import logging

from sqlmodel import Session, select

from planner.documents.prefill import build_interpretation, build_qa
from planner.documents.structure import DraftDocument, DraftSectionContent
from planner.documents.word import render_docx
from planner.errors import Conflict, InvalidInput, NotFound
from planner.filenames import safe_filename
from planner.models import Disclosure, Draft, DraftKind, DraftSection, Policy, User
from planner.services import audit, policies
from planner.timeutil import now_utc

logger = logging.getLogger(__name__)

PREFILL_BUILDERS = {
    DraftKind.INTERPRETATION: build_interpretation,
    DraftKind.QA: build_qa,
}


def create_from_policy(session: Session, *, actor: User, policy_id: int, kind: DraftKind,
                       disclosure: Disclosure = Disclosure.PUBLIC,
                       disclosure_reason: str = "") -> Draft:
    """Create a draft of `kind` pre-filled from the policy, without any AI."""
    _check_disclosure(disclosure, disclosure_reason)
    parsed = policies.load_parsed(session, policy_id)
    document = PREFILL_BUILDERS[DraftKind(kind)](parsed)

    draft = Draft(kind=kind, title=document.title, policy_id=policy_id, disclosure=disclosure,
                  disclosure_reason=disclosure_reason.strip(), template=kind, created_by=actor.id)
    session.add(draft)
    session.flush()
    for position, content in enumerate(document.sections):
        session.add(DraftSection(draft_id=draft.id, position=position, key=content.key,
                                 title=content.title, body=content.body,
                                 source_ref=content.source_ref, updated_by=actor.id))

    audit.record(session, actor=actor, action="draft.create", entity="draft", entity_id=draft.id,
                 detail={"kind": kind, "policy_id": policy_id, "disclosure": disclosure})
    logger.info("draft %s (%s) created from policy %s", draft.id, kind, policy_id)
    return draft


def save_section(session: Session, *, actor: User, section_id: int, title: str, body: str,
                 base_version: int) -> DraftSection:
    """Save one section; a save based on an older version raises Conflict and changes nothing."""
    section = session.get(DraftSection, section_id)
    if section is None:
        raise NotFound("draft.section_not_found", id=section_id)
    if section.version != base_version:
        raise Conflict("draft.section_conflict", title=section.title[:30],
                       base=base_version, current=section.version)

    section.title = title.strip()
    section.body = body.strip()
    section.version += 1
    section.updated_by = actor.id
    section.updated_at = now_utc()
    session.add(section)
    _touch(session, section.draft_id)

    audit.record(session, actor=actor, action="draft.section_save", entity="draft",
                 entity_id=section.draft_id,
                 detail={"section_id": section.id, "version": section.version})
    return section


def rename(session: Session, *, actor: User, draft_id: int, title: str) -> Draft:
    draft = get_draft(session, draft_id)
    if not title.strip():
        raise InvalidInput("draft.title_missing")
    before = draft.title
    draft.title = title.strip()
    draft.updated_at = now_utc()
    session.add(draft)
    audit.record(session, actor=actor, action="draft.rename", entity="draft", entity_id=draft_id,
                 detail={"before": before, "after": draft.title})
    return draft


def get_draft(session: Session, draft_id: int) -> Draft:
    draft = session.get(Draft, draft_id)
    if draft is None:
        raise NotFound("draft.not_found", id=draft_id)
    return draft


def list_drafts(session: Session, *, policy_id: int | None = None) -> list[Draft]:
    query = select(Draft).order_by(Draft.updated_at.desc(), Draft.id.desc())
    if policy_id is not None:
        query = query.where(Draft.policy_id == policy_id)
    return list(session.exec(query))


def list_sections(session: Session, draft_id: int) -> list[DraftSection]:
    return list(session.exec(select(DraftSection).where(DraftSection.draft_id == draft_id)
                             .order_by(DraftSection.position)))


def to_document(session: Session, draft_id: int) -> DraftDocument:
    draft = get_draft(session, draft_id)
    policy = session.get(Policy, draft.policy_id) if draft.policy_id else None
    sections = [DraftSectionContent(key=s.key, title=s.title, body=s.body, source_ref=s.source_ref)
                for s in list_sections(session, draft_id)]
    return DraftDocument(kind=draft.kind, title=draft.title, sections=sections,
                         issuer=policy.issuer if policy else "",
                         doc_number="", date=None)


def export_docx(session: Session, draft_id: int) -> tuple[str, bytes]:
    """Render the draft as a GB/T 9704-2012 Word file; returns (file name, bytes)."""
    document = to_document(session, draft_id)
    data = render_docx(document)
    logger.info("draft %s rendered to Word, %s bytes", draft_id, len(data))
    return safe_filename(document.title, "docx"), data


def _check_disclosure(disclosure: Disclosure, reason: str) -> None:
    # 不公开 and 依申请公开 must say why, from the draft's creation on.
    if Disclosure(disclosure) != Disclosure.PUBLIC and not reason.strip():
        raise InvalidInput("draft.disclosure_reason_missing")


def _touch(session: Session, draft_id: int) -> None:
    draft = session.get(Draft, draft_id)
    if draft is not None:
        draft.updated_at = now_utc()
        session.add(draft)
