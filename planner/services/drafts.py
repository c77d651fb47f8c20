"""Drafts: created from a template and a policy, edited section by section, exported.

Who may write is checked here, whatever a page shows. A 承办人员 (or 厅办公室) creates a
draft, and it belongs to that unit. The author, the unit's 承办人员 and 专家 edit its
sections. The author and the unit's 承办人员 change its title and its 公开属性. An edit
after submission or approval sends the draft back to 草稿 (see planner.services.review).
Who may read a 不公开 or 依申请公开 draft is decided in planner.services.draft_access.
"""

import logging

from sqlmodel import Session, select, update

from planner.config import get_settings
from planner.documents.prefill import build_interpretation, build_qa
from planner.documents.roundtrip import make_stamp, write_stamp
from planner.documents.structure import DraftDocument, DraftSectionContent
from planner.documents.word import render_docx
from planner.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from planner.filenames import safe_filename
from planner.i18n import inside_quotes, t
from planner.models import (Disclosure, Draft, DraftKind, DraftSection,
                            DraftSectionVersion, Policy, Role, Unit, User,
                            VersionOrigin)
from planner.permissions import has_any_role, probing, require, roles_of
from planner.services import audit, draft_access, policies, review
from planner.timeutil import now_utc

logger = logging.getLogger(__name__)

PREFILL_BUILDERS = {
    DraftKind.INTERPRETATION: build_interpretation,
    DraftKind.QA: build_qa,
}
CREATOR_ROLES = {Role.DRAFTER, Role.GENERAL_OFFICE}
EVENT_DOCUMENT_KINDS = {DraftKind.PRESS_PLAN, DraftKind.PRESS_RELEASE, DraftKind.ANSWER_BRIEF,
                        DraftKind.EVENT_PREVIEW, DraftKind.TRANSCRIPT, DraftKind.ACTIVITY_INFO}
MAX_DISCLOSURE_TEXT = 2000
MAX_TITLE_LENGTH = 300   # characters; the draft.title column


def create_from_policy(session: Session, *, actor: User, policy_id: int, kind: DraftKind,
                       disclosure: Disclosure | None, disclosure_reason: str = "",
                       disclosure_basis: str = "", unit_id: int | None = None) -> Draft:
    """Create a draft of `kind` pre-filled from the policy, without any AI.

    The 公开属性 is chosen now, not later; 不公开 and 依申请公开 need the reason and its
    legal basis. The draft belongs to `unit_id`, by default the actor's drafting unit.
    """
    unit_id = _creating_unit(session, actor, unit_id)
    disclosure = _check_disclosure(disclosure, disclosure_reason, disclosure_basis)
    parsed = policies.load_parsed(session, policy_id)
    document = PREFILL_BUILDERS[DraftKind(kind)](parsed)
    if len(document.title) > MAX_TITLE_LENGTH:
        raise InvalidInput("draft.generated_title_too_long", length=len(document.title),
                           limit=MAX_TITLE_LENGTH)

    draft = Draft(kind=kind, title=document.title, policy_id=policy_id, disclosure=disclosure,
                  disclosure_reason=disclosure_reason.strip(),
                  disclosure_basis=disclosure_basis.strip(), unit_id=unit_id, template=kind,
                  created_by=actor.id)
    session.add(draft)
    session.flush()
    for position, content in enumerate(document.sections):
        section = DraftSection(draft_id=draft.id, position=position, key=content.key,
                               title=content.title, body=content.body,
                               source_ref=content.source_ref, updated_by=actor.id)
        session.add(section)
        session.flush()
        add_version(session, actor=actor, section=section, origin=VersionOrigin.CREATE,
                    base_number=None)

    audit.record(session, actor=actor, action="draft.create", entity="draft", entity_id=draft.id,
                 detail={"kind": kind, "policy_id": policy_id, "unit_id": unit_id,
                         "disclosure": disclosure})
    logger.info("draft %s (%s) created from policy %s in unit %s", draft.id, kind, policy_id,
                unit_id)
    return draft


def drafting_units(session: Session, actor: User) -> list[Unit]:
    """Return the units in which `actor` may create drafts, by name."""
    unit_ids = {unit_id for role, unit_id in roles_of(session, actor) if role in CREATOR_ROLES}
    if not unit_ids or not actor.is_active:
        return []
    return list(session.exec(select(Unit).where(Unit.id.in_(sorted(unit_ids)))
                             .order_by(Unit.name)))


def save_section(session: Session, *, actor: User, section_id: int, title: str, body: str,
                 base_version: int, confirm_reset: bool = False) -> DraftSection:
    """Save one section; a save based on an older version raises Conflict and changes nothing.

    After submission or approval the save sends the draft back to 草稿, and only with
    `confirm_reset` (the editor has been warned). An unchanged text saves nothing.
    """
    section = session.get(DraftSection, section_id)
    if section is None:
        raise NotFound("draft.section_not_found", id=section_id)
    draft = get_draft(session, section.draft_id)
    _require_editor(session, actor, draft)
    if section.version != base_version:
        raise Conflict("draft.section_conflict", title=inside_quotes(section.title[:30]),
                       base=base_version, current=section.version)
    if (title.strip(), body.strip()) == (section.title, section.body):
        return section

    review.reset_for_edit(session, actor=actor, draft=draft, confirm_reset=confirm_reset,
                          change="section")
    _write_section(session, actor=actor, section=section, title=title, body=body,
                   base_version=base_version)
    version = add_version(session, actor=actor, section=section, origin=VersionOrigin.EDIT,
                          base_number=base_version)
    _touch(session, draft)

    audit.record(session, actor=actor, action="draft.section_save", entity="draft",
                 entity_id=section.draft_id,
                 detail={"section_id": section.id, "version": section.version,
                         "origin": VersionOrigin.EDIT, "version_id": version.id})
    return section


def rename(session: Session, *, actor: User, draft_id: int, title: str,
           confirm_reset: bool = False) -> Draft:
    """Change the draft's title: only its author or a 承办人员 of the drafting unit."""
    draft = get_draft(session, draft_id)
    _require_details_editor(session, actor, draft, "rename_draft")
    if not title.strip():
        raise InvalidInput("draft.title_missing")
    if len(title.strip()) > MAX_TITLE_LENGTH:
        raise InvalidInput("draft.title_too_long", length=len(title.strip()),
                           limit=MAX_TITLE_LENGTH)
    if title.strip() == draft.title:
        return draft

    review.reset_for_edit(session, actor=actor, draft=draft, confirm_reset=confirm_reset,
                          change="title")
    before = draft.title
    draft.title = title.strip()
    _touch(session, draft)
    audit.record(session, actor=actor, action="draft.rename", entity="draft", entity_id=draft_id,
                 detail={"before": before, "after": draft.title})
    return draft


def change_disclosure(session: Session, *, actor: User, draft_id: int,
                      disclosure: Disclosure | None, reason: str = "", basis: str = "",
                      confirm_reset: bool = False) -> Draft:
    """Change the 公开属性 (with its reason and basis): an edit like any other, so after
    submission or approval it sends the draft back to 草稿 for a new review."""
    draft = get_draft(session, draft_id)
    _require_details_editor(session, actor, draft, "change_disclosure")
    disclosure = _check_disclosure(disclosure, reason, basis)
    after = {"disclosure": disclosure, "reason": reason.strip(), "basis": basis.strip()}
    before = {"disclosure": draft.disclosure, "reason": draft.disclosure_reason,
              "basis": draft.disclosure_basis}
    if after == before:
        return draft

    review.reset_for_edit(session, actor=actor, draft=draft, confirm_reset=confirm_reset,
                          change="disclosure")
    draft.disclosure = disclosure
    draft.disclosure_reason = after["reason"]
    draft.disclosure_basis = after["basis"]
    _touch(session, draft)
    audit.record(session, actor=actor, action="draft.disclosure_change", entity="draft",
                 entity_id=draft_id, detail={"before": before, "after": after})
    return draft


def may_change_title_and_disclosure(session: Session, *, actor: User, draft_id: int) -> bool:
    """True if `actor` may change the draft's title and 公开属性; for pages."""
    draft = get_draft(session, draft_id)
    try:
        with probing():
            _require_details_editor(session, actor, draft, "rename_draft")
    except PermissionDenied:
        return False
    return True


def get_draft(session: Session, draft_id: int) -> Draft:
    draft = session.get(Draft, draft_id)
    if draft is None:
        raise NotFound("draft.not_found", id=draft_id)
    return draft


def list_drafts(session: Session, *, actor: User | None = None,
                policy_id: int | None = None) -> list[Draft]:
    """Return the drafts `actor` may read, most recently changed first; without an actor,
    the 主动公开 drafts only (see planner.services.draft_access)."""
    query = select(Draft).order_by(Draft.updated_at.desc(), Draft.id.desc())
    if actor is None:
        query = query.where(Draft.disclosure.not_in(draft_access.RESTRICTED))
    else:
        query = query.where(draft_access.readable_condition(session, actor))
    if policy_id is not None:
        query = query.where(Draft.policy_id == policy_id)
    return list(session.exec(query))


def open_draft(session: Session, *, actor: User, draft_id: int) -> Draft:
    """Return the draft for a page to show, after checking that `actor` may read it."""
    return draft_access.readable_draft(session, actor=actor, draft_id=draft_id)


def may_read(session: Session, *, actor: User, draft: Draft) -> bool:
    """True if `actor` may read the draft's content; for pages, logs nothing."""
    return draft_access.may_read(session, actor=actor, draft=draft)


def unit_name(session: Session, unit_id: int | None) -> str:
    unit = session.get(Unit, unit_id) if unit_id is not None else None
    return unit.name if unit else ""


def list_sections(session: Session, draft_id: int) -> list[DraftSection]:
    return list(session.exec(select(DraftSection).where(DraftSection.draft_id == draft_id)
                             .order_by(DraftSection.position)))


def append_sections(session: Session, *, actor: User, draft_id: int,
                    sections: list[DraftSectionContent], origin: str,
                    ai_suggestion_id: int | None = None,
                    confirm_reset: bool = False) -> list[DraftSection]:
    """Add sections after the last one (new questions of a 答问 draft), each with its
    first version row. Like any edit, after submission or approval this sends the draft
    back to 草稿, and only with `confirm_reset`. An empty list adds nothing."""
    draft = get_draft(session, draft_id)
    _require_editor(session, actor, draft)
    if not sections:
        return []

    review.reset_for_edit(session, actor=actor, draft=draft, confirm_reset=confirm_reset,
                          change="section")
    existing = list_sections(session, draft_id)
    position = existing[-1].position + 1 if existing else 0
    added = []
    for offset, content in enumerate(sections):
        section = DraftSection(draft_id=draft_id, position=position + offset, key=content.key,
                               title=content.title.strip(), body=content.body.strip(),
                               source_ref=content.source_ref.strip()[:500], updated_by=actor.id)
        session.add(section)
        session.flush()
        add_version(session, actor=actor, section=section, origin=origin, base_number=None,
                    ai_suggestion_id=ai_suggestion_id)
        added.append(section)
    _touch(session, draft)

    audit.record(session, actor=actor, action="draft.sections_append", entity="draft",
                 entity_id=draft_id,
                 detail={"section_ids": [section.id for section in added], "origin": origin,
                         "ai_suggestion_id": ai_suggestion_id})
    return added


def to_document(session: Session, draft_id: int) -> DraftDocument:
    draft = get_draft(session, draft_id)
    policy = session.get(Policy, draft.policy_id) if draft.policy_id else None
    sections = [DraftSectionContent(key=s.key, title=s.title, body=s.body, source_ref=s.source_ref,
                                    tier=s.tier, key_points=s.key_points,
                                    avoid_phrasing=s.avoid_phrasing)
                for s in list_sections(session, draft_id)]
    # A press event's documents speak for the office, not for the policy's issuer.
    issuer = policy.issuer if policy else ""
    if draft.kind in EVENT_DOCUMENT_KINDS:
        issuer = get_settings().org_name
    return DraftDocument(kind=draft.kind, title=draft.title, sections=sections,
                         issuer=issuer, doc_number="", date=None)


def export_docx(session: Session, draft_id: int, *, actor: User) -> tuple[str, bytes]:
    """Render the draft as a GB/T 9704-2012 Word file; returns (file name, bytes).

    The export is recorded as "draft.export" with the file name. The file carries the
    export stamp (draft id, section versions) that a later Word import reads back. Only
    someone who may read the draft gets the file.
    """
    draft_access.readable_draft(session, actor=actor, draft_id=draft_id)
    document = to_document(session, draft_id)
    stamp = make_stamp(draft_id=draft_id, kind=document.kind, title=document.title,
                       sections=[(s.id, s.version, s.key, s.title, s.body)
                                 for s in list_sections(session, draft_id)])
    data = write_stamp(render_docx(document), stamp)

    name = export_filename(document.title)
    audit.record(session, actor=actor, action="draft.export", entity="draft",
                 entity_id=draft_id, detail={"file": name, "bytes": len(data)})
    logger.info("draft %s rendered to Word, %s bytes, by user %s", draft_id, len(data),
                actor.id)
    return name, data


def export_filename(title: str) -> str:
    """The Word file name of a draft, known before the file is rendered."""
    return safe_filename(title, "docx")


def require_editor(session: Session, actor: User, draft: Draft) -> None:
    """Raise PermissionDenied unless `actor` may edit the draft's sections: its author,
    a 承办人员 of its unit or a 专家 (for a 不公开 or 依申请公开 draft, one who may read it)."""
    _require_editor(session, actor, draft)


def check_disclosure(disclosure: Disclosure | str | None, reason: str, basis: str
                     ) -> Disclosure:
    """Check a 公开属性 chosen at creation (reason and basis unless 主动公开); return it."""
    return _check_disclosure(disclosure, reason, basis)


def write_if_current(session: Session, *, actor: User, section: DraftSection, title: str,
                     body: str, base_version: int) -> bool:
    """Write the section's text as version `base_version + 1` if it is still at
    `base_version`; return False, writing nothing, if another save came first.

    Compare-and-set on the version: of two saves checked against the same version at the
    same moment (two app instances), the second finds no row. The section is refreshed
    either way, so it shows the current text afterwards.
    """
    result = session.exec(update(DraftSection)
                          .where(DraftSection.id == section.id,
                                 DraftSection.version == base_version)
                          .values(title=title.strip(), body=body.strip(),
                                  version=base_version + 1, updated_by=actor.id,
                                  updated_at=now_utc()))
    session.refresh(section)
    return result.rowcount == 1


def add_version(session: Session, *, actor: User | None, section: DraftSection, origin: str,
                base_number: int | None, note: str = "",
                ai_suggestion_id: int | None = None) -> DraftSectionVersion:
    """Record the section's current text as its version row `section.version`."""
    version = DraftSectionVersion(section_id=section.id, draft_id=section.draft_id,
                                  number=section.version, base_number=base_number,
                                  title=section.title, body=section.body, origin=origin,
                                  ai_suggestion_id=ai_suggestion_id, note=note,
                                  author_id=actor.id if actor else None)
    session.add(version)
    session.flush()
    return version


def _write_section(session: Session, *, actor: User, section: DraftSection, title: str,
                   body: str, base_version: int) -> None:
    if not write_if_current(session, actor=actor, section=section, title=title, body=body,
                            base_version=base_version):
        raise Conflict("draft.section_conflict", title=inside_quotes(section.title[:30]),
                       base=base_version, current=section.version)


def _creating_unit(session: Session, actor: User, unit_id: int | None) -> int:
    if unit_id is not None:
        require(session, actor, "create_draft", CREATOR_ROLES, unit_id=unit_id)
        return unit_id

    allowed = [unit.id for unit in drafting_units(session, actor)]
    if not allowed:
        require(session, actor, "create_draft", CREATOR_ROLES)   # raises, naming the roles
    # Several drafting units: the user's own unit first; a page offers the choice.
    return actor.unit_id if actor.unit_id in allowed else allowed[0]


def _require_editor(session: Session, actor: User, draft: Draft) -> None:
    if actor.is_active and actor.id == draft.created_by:
        return
    if has_any_role(session, actor, {Role.EXPERT}):
        # Any 专家 co-edits, but a restricted draft only when the expert may read it.
        draft_access.require_reader(session, actor=actor, draft=draft)
        return
    require(session, actor, "edit_draft", {Role.DRAFTER, Role.EXPERT},
            unit_id=review.drafting_unit_id(draft))


def _require_details_editor(session: Session, actor: User, draft: Draft, action: str) -> None:
    # The drafting unit is responsible for the title and the 公开属性, so experts, who
    # co-edit the text, do not change them.
    if actor.is_active and actor.id == draft.created_by:
        return
    require(session, actor, action, {Role.DRAFTER}, unit_id=review.drafting_unit_id(draft))


def _check_disclosure(disclosure: Disclosure | str | None, reason: str, basis: str
                      ) -> Disclosure:
    # Every draft has a 公开属性 from its creation. 不公开 and 依申请公开 need a reason and
    # a legal basis (for example 政府信息公开条例 第十四条至第十六条).
    if disclosure not in {code.value for code in Disclosure}:
        raise InvalidInput("draft.disclosure_missing")
    disclosure = Disclosure(disclosure)
    if disclosure == Disclosure.PUBLIC:
        return disclosure

    label = t(f"draft.disclosure.{disclosure}")
    if not reason.strip():
        raise InvalidInput("draft.disclosure_reason_missing", disclosure=label)
    if not basis.strip():
        raise InvalidInput("draft.disclosure_basis_missing", disclosure=label)
    if max(len(reason.strip()), len(basis.strip())) > MAX_DISCLOSURE_TEXT:
        raise InvalidInput("draft.disclosure_text_too_long", limit=MAX_DISCLOSURE_TEXT)
    return disclosure


def _touch(session: Session, draft: Draft) -> None:
    draft.updated_at = now_utc()
    session.add(draft)
