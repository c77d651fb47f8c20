"""Co-editing (协同编辑) of drafts: versions, conflicts, assignment, comments, history.

Every save of a section is a DraftSectionVersion with its author. A save based on an
older version than the current one never overwrites it. Its text is kept as a version
row without a number (conflict_state open), and the editor later chooses to merge, to
keep their text or to take the current one. Nothing typed is lost, because both texts
are rows.

Who may edit a section: the draft's owner (its author, `created_by`) always; a section
assigned to someone only by that assignee and the owner; a read-only section only by the
owner; any other section by whoever may edit the draft (drafts.require_editor).
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import StrEnum

from sqlalchemy import func
from sqlmodel import Session, select, update

from planner.diffing import ContentDiff, DiffOp, OpKind, diff_content, diff_text, merge3
from planner.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from planner.i18n import inside_book_marks, inside_quotes, t
from planner.models import (ConflictState, Draft, DraftSection, DraftSectionVersion, Role,
                            RoleAssignment, SectionComment, User, VersionOrigin)
from planner.permissions import has_any_role, has_role, probing
from planner.services import audit, drafts, review
from planner.timeutil import now_utc

logger = logging.getLogger(__name__)

MAX_COMMENT_LENGTH = 2000
# Roles a section can be assigned to: 承办人员 (who write drafts) and 专家 (who co-edit).
ASSIGNEE_ROLES = {Role.DRAFTER, Role.EXPERT}
# Reviewers may comment on a draft too: 承办部门负责人 of the drafting unit (审核) and any
# 单位负责人 (审发 is not bound to the drafting unit). 承办人员 of the unit already edit.
UNIT_REVIEWER_ROLES = {Role.DEPARTMENT_HEAD}
ANY_UNIT_REVIEWER_ROLES = {Role.UNIT_HEAD}


class Resolution(StrEnum):
    """The choice that resolved a conflict (DraftSectionVersion.resolution)."""

    MERGE = "merge"              # a merged text, written by the expert, became the version
    KEEP_MINE = "keep_mine"      # the conflicting text became a version on top of the current
    TAKE_THEIRS = "take_theirs"  # the current text stays; the conflicting one is only kept


@dataclass(frozen=True)
class ConflictView:
    """A save that found the section moved on: the editor's text (mine), the current text
    (theirs), the text both started from (base, None when that version has no row) and
    the character-level diffs from theirs to mine."""

    version_id: int            # the conflict row that contains "mine"
    section_id: int
    base_number: int | None    # the version the editor started from
    mine_title: str
    mine_body: str
    mine_author: str
    mine_at: datetime
    theirs_title: str
    theirs_body: str
    theirs_number: int
    theirs_author: str
    theirs_at: datetime
    title_diff: list[DiffOp]
    body_diff: list[DiffOp]
    base_title: str | None = None
    base_body: str | None = None


@dataclass
class SaveOutcome:
    """The result of a save. `version` is the new current version, or (with `conflict`
    set) the kept conflicting text. A save that wrote nothing (an unchanged text, or
    take_theirs) returns the current version with `changed` False."""

    section: DraftSection
    version: DraftSectionVersion
    conflict: ConflictView | None = None
    changed: bool = True


# --- Saving ---------------------------------------------------------------------------------

def save(session: Session, *, actor: User, section_id: int, title: str, body: str,
         base_version: int, confirm_reset: bool = False, origin: str = VersionOrigin.EDIT,
         ai_suggestion_id: int | None = None, note: str = "",
         confirm_empty: bool = False) -> SaveOutcome:
    """Save one section as a new version, or keep it as an open conflict.

    `base_version` is the version the editor started from. If the section is still at it,
    the text becomes version `base_version + 1`. If another save came first (also one
    committed by another app instance a moment ago), the text is stored as a conflict row
    and the outcome carries both texts. Nothing raises and nothing is overwritten. After
    submission or approval a real change sends the draft back to 草稿, and only with
    `confirm_reset`. A text equal to the current one, or to the version the editor
    started from, saves nothing.

    A blank never replaces text unnoticed: an empty heading is rejected where the
    section has one, and emptying a body that has text needs `confirm_empty`.
    """
    section = _get_section(session, section_id)
    draft = drafts.get_draft(session, section.draft_id)
    require_section_editor(session, actor, draft, section)
    _check_not_blanked(section, title, body, confirm_empty)
    if _is_base_text(session, section, base_version, title.strip(), body.strip()):
        return SaveOutcome(section=section, version=current_version(session, section),
                           changed=False)

    return _save_checked(session, actor=actor, draft=draft, section=section, title=title,
                         body=body, base_version=base_version, confirm_reset=confirm_reset,
                         origin=origin, ai_suggestion_id=ai_suggestion_id, note=note)


def _check_not_blanked(section: DraftSection, title: str, body: str,
                       confirm_empty: bool) -> None:
    if section.title.strip() and not title.strip():
        raise InvalidInput("coedit.title_emptied", title=inside_quotes(_short(section.title)))
    if section.body.strip() and not body.strip() and not confirm_empty:
        raise InvalidInput("coedit.body_emptied", title=inside_quotes(_short(section.title)),
                           length=len(section.body.strip()))


def _save_checked(session: Session, *, actor: User, draft: Draft, section: DraftSection,
                  title: str, body: str, base_version: int, confirm_reset: bool,
                  origin: str, ai_suggestion_id: int | None = None,
                  note: str = "") -> SaveOutcome:
    # The save itself. Callers check the permission first.
    title, body = title.strip(), body.strip()
    if (title, body) == (section.title, section.body):
        return SaveOutcome(section=section, version=current_version(session, section),
                           changed=False)
    if section.version != base_version:
        return _keep_conflict(session, actor=actor, section=section, title=title, body=body,
                              base_version=base_version, origin=origin,
                              ai_suggestion_id=ai_suggestion_id, note=note)

    return _write_version(session, actor=actor, draft=draft, section=section, title=title,
                          body=body, base_version=base_version, confirm_reset=confirm_reset,
                          origin=origin, ai_suggestion_id=ai_suggestion_id, note=note)


def _write_version(session: Session, *, actor: User, draft: Draft, section: DraftSection,
                   title: str, body: str, base_version: int, confirm_reset: bool,
                   origin: str, ai_suggestion_id: int | None, note: str) -> SaveOutcome:
    # Ask for the confirmation before writing anything, then reset the review only once
    # the compare-and-set has succeeded: a save that turns into a conflict changes nothing.
    if review.edit_would_reset(draft) and not confirm_reset:
        review.reset_for_edit(session, actor=actor, draft=draft, confirm_reset=False,
                              change="section")
    current_version(session, section)   # the text being replaced has its row first
    if not drafts.write_if_current(session, actor=actor, section=section, title=title,
                                   body=body, base_version=base_version):
        return _keep_conflict(session, actor=actor, section=section, title=title, body=body,
                              base_version=base_version, origin=origin,
                              ai_suggestion_id=ai_suggestion_id, note=note)

    review.reset_for_edit(session, actor=actor, draft=draft, confirm_reset=True,
                          change="section")
    version = drafts.add_version(session, actor=actor, section=section, origin=origin,
                                 base_number=base_version, note=note,
                                 ai_suggestion_id=ai_suggestion_id)
    drafts._touch(session, draft)

    audit.record(session, actor=actor, action="draft.section_save", entity="draft",
                 entity_id=draft.id,
                 detail={"section_id": section.id, "version": section.version,
                         "origin": origin, "version_id": version.id})
    logger.info("section %s of draft %s saved as version %s (%s) by user %s", section.id,
                draft.id, section.version, origin, actor.id)
    return SaveOutcome(section=section, version=version)


def _keep_conflict(session: Session, *, actor: User, section: DraftSection, title: str,
                   body: str, base_version: int, origin: str, ai_suggestion_id: int | None,
                   note: str) -> SaveOutcome:
    kept = DraftSectionVersion(section_id=section.id, draft_id=section.draft_id, number=None,
                               base_number=base_version, title=title, body=body,
                               origin=origin, conflict_state=ConflictState.OPEN,
                               ai_suggestion_id=ai_suggestion_id, note=note,
                               author_id=actor.id)
    session.add(kept)
    session.flush()

    audit.record(session, actor=actor, action="draft.section_conflict", entity="draft",
                 entity_id=section.draft_id,
                 detail={"section_id": section.id, "base": base_version,
                         "current": section.version, "version_id": kept.id})
    logger.info("section %s: save by user %s based on version %s kept as conflict %s "
                "(current version %s)", section.id, actor.id, base_version, kept.id,
                section.version)
    return SaveOutcome(section=section, version=kept,
                       conflict=conflict_view(session, kept, section=section))


def conflict_view(session: Session, kept: DraftSectionVersion, *,
                  section: DraftSection | None = None) -> ConflictView:
    """Build the side-by-side view of a conflict row against the section's current text."""
    section = section or _get_section(session, kept.section_id)
    current = current_version(session, section)
    base = _numbered_version(session, section.id, kept.base_number)
    return ConflictView(
        version_id=kept.id, section_id=section.id, base_number=kept.base_number,
        mine_title=kept.title, mine_body=kept.body,
        mine_author=_display_name(session, kept.author_id), mine_at=_utc(kept.created_at),
        theirs_title=section.title, theirs_body=section.body, theirs_number=section.version,
        theirs_author=_display_name(session, current.author_id),
        theirs_at=_utc(current.created_at),
        title_diff=diff_text(section.title, kept.title),
        body_diff=diff_text(section.body, kept.body),
        base_title=base.title if base else None, base_body=base.body if base else None)


def current_version(session: Session, section: DraftSection) -> DraftSectionVersion:
    """Return the version row of the section's current text.

    A section made without one (by code that predates version rows) gets it now, as
    origin create, so its history starts with the text it has.
    """
    row = session.exec(select(DraftSectionVersion)
                       .where(DraftSectionVersion.section_id == section.id,
                              DraftSectionVersion.number == section.version)
                       .order_by(DraftSectionVersion.id.desc())).first()
    if row is not None:
        return row

    author = session.get(User, section.updated_by) if section.updated_by else None
    row = drafts.add_version(session, actor=author, section=section,
                             origin=VersionOrigin.CREATE, base_number=None)
    row.created_at = section.updated_at or now_utc()
    session.add(row)
    session.flush()
    return row


# --- Conflicts ------------------------------------------------------------------------------

def resolve_conflict(session: Session, *, actor: User, version_id: int, choice: str,
                     title: str | None = None, body: str | None = None,
                     confirm_reset: bool = False,
                     seen_version: int | None = None) -> SaveOutcome:
    """Resolve an open conflict: "merge", "keep_mine" or "take_theirs".

    merge saves `title` and `body` (the expert's merged text) as a new version, origin
    merge. keep_mine saves the conflicting text on top of the current version. take_theirs
    writes no version. The conflict row is marked resolved in each case. `seen_version` is
    the current version the expert looked at (default: the current one now). If the
    section has moved on past it, the text becomes another open conflict, never an
    overwrite. Only the conflict's author or the draft's owner may resolve it.
    """
    kept = _get_open_conflict(session, version_id)
    section = _get_section(session, kept.section_id)
    draft = drafts.get_draft(session, section.draft_id)
    choice = _check_choice(choice)
    _require_resolver(session, actor, draft, kept)
    if choice != Resolution.TAKE_THEIRS:
        require_section_editor(session, actor, draft, section)
        title, body = _resolved_text(kept, choice, title, body)
        if choice == Resolution.MERGE and section.title.strip() and not title.strip():
            raise InvalidInput("coedit.title_emptied", title=inside_quotes(_short(section.title)))
        if review.edit_would_reset(draft) and not confirm_reset:
            review.reset_for_edit(session, actor=actor, draft=draft, confirm_reset=False,
                                  change="section")

    _mark_resolved(session, kept, choice)
    if choice == Resolution.TAKE_THEIRS:
        outcome = SaveOutcome(section=section, version=current_version(session, section),
                              changed=False)
    else:
        base = section.version if seen_version is None else seen_version
        origin = VersionOrigin.MERGE if choice == Resolution.MERGE else kept.origin
        outcome = _save_checked(session, actor=actor, draft=draft, section=section,
                                title=title, body=body, base_version=base,
                                confirm_reset=confirm_reset, origin=origin,
                                ai_suggestion_id=kept.ai_suggestion_id, note=kept.note)

    audit.record(session, actor=actor, action="draft.conflict_resolve", entity="draft",
                 entity_id=draft.id,
                 detail={"section_id": section.id, "conflict_id": kept.id, "choice": choice,
                         "version_id": outcome.version.id,
                         "conflict_again": outcome.conflict is not None})
    return outcome


def open_conflicts(session: Session, *, actor: User, draft_id: int) -> list[ConflictView]:
    """Return the open conflicts of the draft that `actor` may resolve, oldest first: the
    owner sees all of them, anyone else their own."""
    draft = drafts.get_draft(session, draft_id)
    query = (select(DraftSectionVersion)
             .where(DraftSectionVersion.draft_id == draft_id,
                    DraftSectionVersion.conflict_state == ConflictState.OPEN)
             .order_by(DraftSectionVersion.id))
    if not (actor.is_active and actor.id == draft.created_by):
        query = query.where(DraftSectionVersion.author_id == actor.id)
    return [conflict_view(session, row) for row in session.exec(query)]


def _get_open_conflict(session: Session, version_id: int) -> DraftSectionVersion:
    kept = session.get(DraftSectionVersion, version_id)
    if kept is None:
        raise NotFound("coedit.version_not_found", id=version_id)
    if kept.conflict_state == ConflictState.RESOLVED:
        raise Conflict("coedit.conflict_already_resolved",
                       resolution=t(f"coedit.resolution.{kept.resolution}"))
    if kept.conflict_state != ConflictState.OPEN:
        raise InvalidInput("coedit.not_a_conflict", id=version_id)
    return kept


def _check_choice(choice: str) -> Resolution:
    if choice not in {item.value for item in Resolution}:
        raise InvalidInput("coedit.choice_invalid", choice=choice)
    return Resolution(choice)


def _require_resolver(session: Session, actor: User, draft: Draft,
                      kept: DraftSectionVersion) -> None:
    if actor.is_active and actor.id in {kept.author_id, draft.created_by}:
        return
    raise PermissionDenied("coedit.resolve_not_allowed",
                           author=_display_name(session, kept.author_id))


def _resolved_text(kept: DraftSectionVersion, choice: Resolution, title: str | None,
                   body: str | None) -> tuple[str, str]:
    if choice == Resolution.KEEP_MINE:
        return kept.title, kept.body
    if title is None or body is None or not (title.strip() or body.strip()):
        raise InvalidInput("coedit.merge_text_missing")
    if t("coedit.merge_marker_start") in title + body:
        raise InvalidInput("coedit.merge_markers_left", marker=t("coedit.merge_marker_start"))
    return title, body


def merge_template(theirs: str, mine: str, base: str | None = None) -> str:
    """Return the proposed merge of the current text (theirs) and the conflicting one
    (mine), with each place to settle marked as 〔对方：…｜我的：…〕.

    With `base`, the text both started from, it is a three-way merge: what only one
    side changed is applied, the same change on both sides is taken once, and only
    changes of both sides to the same place are marked. Without it, every difference
    between theirs and mine is marked. resolve_conflict rejects a merged text that still
    contains a marker.
    """
    if base is not None:
        return "".join(t("coedit.merge_marker", theirs=chunk.theirs, mine=chunk.mine)
                       if chunk.conflict else chunk.text
                       for chunk in merge3(base, theirs, mine))

    parts: list[str] = []
    pending = {"theirs": "", "mine": ""}

    def flush() -> None:
        if pending["theirs"] or pending["mine"]:
            parts.append(t("coedit.merge_marker", **pending))
            pending.update(theirs="", mine="")

    for op in diff_text(theirs, mine):
        if op.kind == OpKind.EQUAL:
            flush()
            parts.append(op.text)
        else:
            pending["theirs" if op.kind == OpKind.DELETE else "mine"] += op.text
    flush()
    return "".join(parts)


def _mark_resolved(session: Session, kept: DraftSectionVersion, choice: Resolution) -> None:
    # Compare-and-set on the state: of two people resolving the same conflict at once,
    # the second finds it resolved and gets a Conflict naming the first choice.
    result = session.exec(update(DraftSectionVersion)
                          .where(DraftSectionVersion.id == kept.id,
                                 DraftSectionVersion.conflict_state == ConflictState.OPEN)
                          .values(conflict_state=ConflictState.RESOLVED, resolution=choice))
    session.refresh(kept)
    if result.rowcount != 1:
        raise Conflict("coedit.conflict_already_resolved",
                       resolution=t(f"coedit.resolution.{kept.resolution}"))


# --- Permissions ----------------------------------------------------------------------------

def require_section_editor(session: Session, actor: User, draft: Draft,
                           section: DraftSection) -> None:
    """Raise PermissionDenied unless `actor` may edit this section (see the module text)."""
    if actor.is_active and actor.id == draft.created_by:
        return
    if section.read_only:
        raise PermissionDenied("coedit.section_read_only",
                               title=inside_quotes(_short(section.title)))
    if section.assignee_id is not None:
        if actor.is_active and actor.id == section.assignee_id:
            return
        raise PermissionDenied("coedit.section_assigned",
                               title=inside_quotes(_short(section.title)),
                               assignee=_display_name(session, section.assignee_id))
    drafts.require_editor(session, actor, draft)


def may_edit_section(session: Session, *, actor: User, section: DraftSection) -> bool:
    """True if `actor` may edit the section now; for pages."""
    draft = drafts.get_draft(session, section.draft_id)
    try:
        with probing():
            require_section_editor(session, actor, draft, section)
    except PermissionDenied:
        return False
    return True


# --- Assignment -----------------------------------------------------------------------------

@dataclass(frozen=True)
class AssignedSection:
    """A section assigned to the user, for 分配给我的段落 on 我的待办."""

    section_id: int
    section_title: str
    position: int
    read_only: bool
    draft_id: int
    draft_title: str
    draft_kind: str
    draft_status: str
    open_comments: int          # open comment threads on this section
    updated_at: datetime


def assign_section(session: Session, *, actor: User, section_id: int,
                   assignee_id: int | None, read_only: bool) -> DraftSection:
    """Assign the section to an expert or drafter (None removes the assignment) and set
    只读.

    Only the draft's owner, or 厅办公室 of the drafting unit, may do it. The assignee
    must be an active user holding 专家 or 承办人员.
    """
    section = _get_section(session, section_id)
    draft = drafts.get_draft(session, section.draft_id)
    _require_assigner(session, actor, draft)
    if assignee_id is not None:
        _check_assignee(session, assignee_id)
    before = {"assignee_id": section.assignee_id, "read_only": section.read_only}
    after = {"assignee_id": assignee_id, "read_only": bool(read_only)}
    if before == after:
        return section

    section.assignee_id = assignee_id
    section.read_only = bool(read_only)
    session.add(section)
    session.flush()

    audit.record(session, actor=actor, action="draft.section_assign", entity="draft",
                 entity_id=draft.id,
                 detail={"section_id": section.id, "before": before, "after": after})
    logger.info("section %s of draft %s assigned to user %s (read only %s) by user %s",
                section.id, draft.id, assignee_id, read_only, actor.id)
    return section


def may_assign(session: Session, *, actor: User, draft_id: int) -> bool:
    """True if `actor` may assign the draft's sections; for pages."""
    try:
        with probing():
            _require_assigner(session, actor, drafts.get_draft(session, draft_id))
    except PermissionDenied:
        return False
    return True


def assignable_users(session: Session) -> list[User]:
    """Return the active users who may be given a section (专家, 承办人员), by name."""
    holders = (select(User).join(RoleAssignment, RoleAssignment.user_id == User.id)
               .where(User.is_active.is_(True),
                      RoleAssignment.role.in_(sorted(ASSIGNEE_ROLES)))
               .distinct().order_by(User.display_name, User.id))
    return list(session.exec(holders))


def assigned_sections(session: Session, *, actor: User) -> list[AssignedSection]:
    """Return the sections assigned to `actor`, by draft (newest change first), in order."""
    open_threads = (select(SectionComment.section_id, func.count().label("n"))
                    .where(SectionComment.parent_id.is_(None),
                           SectionComment.resolved_at.is_(None))
                    .group_by(SectionComment.section_id).subquery())
    rows = session.exec(
        select(DraftSection, Draft, open_threads.c.n)
        .join(Draft, DraftSection.draft_id == Draft.id)
        .join(open_threads, open_threads.c.section_id == DraftSection.id, isouter=True)
        .where(DraftSection.assignee_id == actor.id)
        .order_by(Draft.updated_at.desc(), Draft.id, DraftSection.position)).all()
    return [AssignedSection(section_id=section.id, section_title=section.title,
                            position=section.position, read_only=section.read_only,
                            draft_id=draft.id, draft_title=draft.title, draft_kind=draft.kind,
                            draft_status=draft.status, open_comments=count or 0,
                            updated_at=_utc(section.updated_at))
            for section, draft, count in rows]


def _require_assigner(session: Session, actor: User, draft: Draft) -> None:
    if actor.is_active and actor.id == draft.created_by:
        return
    if draft.unit_id is not None and has_role(session, actor, Role.GENERAL_OFFICE,
                                              draft.unit_id):
        return
    raise PermissionDenied("coedit.assign_not_allowed",
                           title=inside_book_marks(_short(draft.title)))


def _check_assignee(session: Session, assignee_id: int) -> None:
    assignee = session.get(User, assignee_id)
    if assignee is None:
        raise NotFound("coedit.assignee_not_found", id=assignee_id)
    if not assignee.is_active:
        raise InvalidInput("coedit.assignee_inactive", name=assignee.display_name)
    if not has_any_role(session, assignee, ASSIGNEE_ROLES):
        raise InvalidInput("coedit.assignee_without_role", name=assignee.display_name)


# --- Comments (批注) ------------------------------------------------------------------------

@dataclass(frozen=True)
class CommentView:
    id: int
    body: str
    author_name: str
    created_at: datetime


@dataclass(frozen=True)
class CommentThread:
    """A comment with its replies; resolving and reopening apply to the whole thread."""

    comment: CommentView
    replies: list[CommentView]
    section_id: int
    section_title: str
    resolved: bool
    resolved_by_name: str = ""
    resolved_at: datetime | None = None


def add_comment(session: Session, *, actor: User, section_id: int, body: str,
                parent_id: int | None = None) -> SectionComment:
    """Add a comment to a section, or a reply to a thread (`parent_id`).

    A reply to a reply joins the thread of its first comment. Anyone who may edit the
    draft may comment, and so may its reviewers.
    """
    section = _get_section(session, section_id)
    draft = drafts.get_draft(session, section.draft_id)
    require_commenter(session, actor, draft)
    text = _check_comment(body)
    root = _thread_root(session, parent_id, section) if parent_id is not None else None

    comment = SectionComment(draft_id=draft.id, section_id=section.id,
                             parent_id=root.id if root else None, body=text,
                             author_id=actor.id)
    session.add(comment)
    session.flush()

    audit.record(session, actor=actor, action="draft.comment_add", entity="draft",
                 entity_id=draft.id,
                 detail={"section_id": section.id, "comment_id": comment.id,
                         "parent_id": comment.parent_id, "length": len(text)})
    return comment


def resolve_thread(session: Session, *, actor: User, comment_id: int) -> SectionComment:
    """Mark the thread of `comment_id` resolved (已解决)."""
    return _set_thread_state(session, actor=actor, comment_id=comment_id, resolved=True)


def reopen_thread(session: Session, *, actor: User, comment_id: int) -> SectionComment:
    """Open a resolved thread again."""
    return _set_thread_state(session, actor=actor, comment_id=comment_id, resolved=False)


def list_comments(session: Session, draft_id: int, *,
                  open_only: bool = False) -> list[CommentThread]:
    """Return the draft's comment threads in section order, oldest first, with replies."""
    rows = session.exec(select(SectionComment, DraftSection.title, DraftSection.position)
                        .join(DraftSection, SectionComment.section_id == DraftSection.id)
                        .where(SectionComment.draft_id == draft_id)
                        .order_by(DraftSection.position, SectionComment.id)).all()
    names = display_names(session, {c.author_id for c, _, _ in rows}
                   | {c.resolved_by for c, _, _ in rows})
    replies: dict[int, list[CommentView]] = {}
    for comment, _, _ in rows:
        if comment.parent_id is not None:
            replies.setdefault(comment.parent_id, []).append(_comment_view(comment, names))

    threads = [CommentThread(comment=_comment_view(comment, names),
                             replies=replies.get(comment.id, []), section_id=comment.section_id,
                             section_title=title, resolved=comment.resolved_at is not None,
                             resolved_by_name=names.get(comment.resolved_by, ""),
                             resolved_at=_utc(comment.resolved_at))
               for comment, title, _ in rows if comment.parent_id is None]
    return [thread for thread in threads if not (open_only and thread.resolved)]


def open_comment_count(session: Session, draft_id: int) -> int:
    """Return the number of unresolved comment threads on the draft."""
    return review.open_comment_count(session, draft_id)


def may_comment(session: Session, *, actor: User, draft_id: int) -> bool:
    """True if `actor` may comment on the draft; for pages."""
    try:
        with probing():
            require_commenter(session, actor, drafts.get_draft(session, draft_id))
    except (PermissionDenied, InvalidInput):
        return False
    return True


def require_commenter(session: Session, actor: User, draft: Draft) -> None:
    """Raise PermissionDenied unless `actor` may edit the draft or review it."""
    if not actor.is_active:
        raise PermissionDenied("coedit.comment_not_allowed")
    if actor.id == draft.created_by or _is_assignee(session, actor, draft):
        return
    if has_any_role(session, actor, ANY_UNIT_REVIEWER_ROLES):
        return
    if draft.unit_id is not None and has_any_role(session, actor, UNIT_REVIEWER_ROLES,
                                                  draft.unit_id):
        return
    try:
        drafts.require_editor(session, actor, draft)
    except (PermissionDenied, InvalidInput):
        raise PermissionDenied("coedit.comment_not_allowed") from None


def _set_thread_state(session: Session, *, actor: User, comment_id: int,
                      resolved: bool) -> SectionComment:
    root = _thread_root(session, comment_id)
    draft = drafts.get_draft(session, root.draft_id)
    require_commenter(session, actor, draft)
    if resolved and root.resolved_at is not None:
        raise Conflict("coedit.thread_already_resolved",
                       name=_display_name(session, root.resolved_by))
    if not resolved and root.resolved_at is None:
        raise Conflict("coedit.thread_not_resolved")

    root.resolved_at = now_utc() if resolved else None
    root.resolved_by = actor.id if resolved else None
    session.add(root)
    session.flush()

    audit.record(session, actor=actor, action="draft.comment_resolve" if resolved
                 else "draft.comment_reopen", entity="draft", entity_id=draft.id,
                 detail={"section_id": root.section_id, "comment_id": root.id})
    return root


def _thread_root(session: Session, comment_id: int,
                 section: DraftSection | None = None) -> SectionComment:
    comment = session.get(SectionComment, comment_id)
    if comment is None or (section is not None and comment.section_id != section.id):
        raise NotFound("coedit.comment_not_found", id=comment_id)
    while comment.parent_id is not None:
        comment = session.get(SectionComment, comment.parent_id)
    return comment


def _check_comment(body: str) -> str:
    text = body.strip()
    if not text:
        raise InvalidInput("coedit.comment_empty")
    if len(text) > MAX_COMMENT_LENGTH:
        raise InvalidInput("coedit.comment_too_long", length=len(text),
                           limit=MAX_COMMENT_LENGTH)
    return text


def _is_assignee(session: Session, actor: User, draft: Draft) -> bool:
    return session.exec(select(DraftSection.id)
                        .where(DraftSection.draft_id == draft.id,
                               DraftSection.assignee_id == actor.id)).first() is not None


def _comment_view(comment: SectionComment, names: dict[int, str]) -> CommentView:
    return CommentView(id=comment.id, body=comment.body,
                       author_name=names.get(comment.author_id, ""),
                       created_at=_utc(comment.created_at))


# --- History --------------------------------------------------------------------------------

@dataclass(frozen=True)
class VersionView:
    """One row of a section's history. `number` is None for a conflicting save."""

    id: int
    section_id: int
    number: int | None
    base_number: int | None
    title: str
    body: str
    origin: str
    conflict_state: str
    resolution: str
    author_name: str
    created_at: datetime
    note: str
    ai_suggestion_id: int | None

    @property
    def ai_drafted(self) -> bool:
        """The version's text is an accepted AI suggestion (AI 起草), possibly edited
        before it was accepted; a later edit is a version of its own."""
        return self.origin == VersionOrigin.AI

    @property
    def imported(self) -> bool:
        return self.origin == VersionOrigin.IMPORT


@dataclass(frozen=True)
class DraftVersion:
    """One save that changed the draft; the draft as of it is identified by `version_id`."""

    version_id: int            # the last section version row this draft version includes
    ordinal: int               # 1 for the first draft version, in time order
    section_id: int
    section_title: str
    number: int
    origin: str
    author_name: str
    created_at: datetime


@dataclass(frozen=True)
class VersionComparison:
    older: VersionView
    newer: VersionView
    title: list[DiffOp] = field(default_factory=list)
    body: list[DiffOp] = field(default_factory=list)


def section_history(session: Session, section_id: int) -> list[VersionView]:
    """Return every version of the section, conflicting saves included, oldest first."""
    _get_section(session, section_id)
    rows = session.exec(select(DraftSectionVersion)
                        .where(DraftSectionVersion.section_id == section_id)
                        .order_by(DraftSectionVersion.id)).all()
    names = display_names(session, {row.author_id for row in rows})
    return [_version_view(row, names) for row in rows]


def draft_history(session: Session, draft_id: int) -> list[DraftVersion]:
    """Return the draft's versions: every save that became a section's current text,
    across sections, in time order."""
    drafts.get_draft(session, draft_id)
    rows = session.exec(select(DraftSectionVersion, DraftSection.title)
                        .join(DraftSection, DraftSectionVersion.section_id == DraftSection.id)
                        .where(DraftSectionVersion.draft_id == draft_id,
                               DraftSectionVersion.number.is_not(None))
                        .order_by(DraftSectionVersion.id)).all()
    names = display_names(session, {row.author_id for row, _ in rows})
    return [DraftVersion(version_id=row.id, ordinal=ordinal, section_id=row.section_id,
                         section_title=title, number=row.number, origin=row.origin,
                         author_name=names.get(row.author_id, ""),
                         created_at=_utc(row.created_at))
            for ordinal, (row, title) in enumerate(rows, start=1)]


def compare_versions(session: Session, a_id: int, b_id: int) -> VersionComparison:
    """Compare two versions of one section; the diff runs from the older to the newer."""
    first, second = (_get_version(session, a_id), _get_version(session, b_id))
    if first.section_id != second.section_id:
        raise InvalidInput("coedit.compare_other_section")
    older, newer = sorted((first, second), key=lambda row: row.id)
    names = display_names(session, {older.author_id, newer.author_id})
    return VersionComparison(older=_version_view(older, names), newer=_version_view(newer, names),
                             title=diff_text(older.title, newer.title),
                             body=diff_text(older.body, newer.body))


def draft_content_at(session: Session, draft_id: int, version_id: int) -> dict:
    """The draft's content (review.current_content shape) as of the draft version
    `version_id`: each section's newest numbered version with an id up to it.

    NOTE: the draft's title and 公开属性 have no version rows, so both are the current
    ones. A section without a version yet at that point is left out.
    """
    content = review.current_content(session, draft_id)
    rows = session.exec(select(DraftSectionVersion, DraftSection)
                        .join(DraftSection, DraftSectionVersion.section_id == DraftSection.id)
                        .where(DraftSectionVersion.draft_id == draft_id,
                               DraftSectionVersion.number.is_not(None),
                               DraftSectionVersion.id <= version_id)
                        .order_by(DraftSectionVersion.id)).all()
    latest: dict[int, tuple[DraftSectionVersion, DraftSection]] = {}
    for row, section in rows:
        latest[section.id] = (row, section)

    ordered = sorted(latest.values(), key=lambda pair: (pair[1].position, pair[1].id))
    content["sections"] = [{"key": section.key, "title": row.title, "body": row.body,
                            "source_ref": section.source_ref} for row, section in ordered]
    return content


def compare_draft(session: Session, draft_id: int, at_a: int, at_b: int) -> ContentDiff:
    """Compare the whole draft as of two draft versions (version row ids), older first."""
    older, newer = sorted((at_a, at_b))
    for version_id in (older, newer):
        if _get_version(session, version_id).draft_id != draft_id:
            raise InvalidInput("coedit.compare_other_draft")
    return diff_content(draft_content_at(session, draft_id, older),
                        draft_content_at(session, draft_id, newer))


def restore(session: Session, *, actor: User, version_id: int, base_version: int,
            confirm_reset: bool = False, confirm_empty: bool = False) -> SaveOutcome:
    """Restore an older version's text as a new version (origin restore).

    Like any save, it becomes a conflict if the section moved on past `base_version`,
    and restoring an empty body over text needs `confirm_empty`.
    """
    row = _get_version(session, version_id)
    note = t("coedit.restored_from", number=row.number) if row.number else ""
    return save(session, actor=actor, section_id=row.section_id, title=row.title,
                body=row.body, base_version=base_version, confirm_reset=confirm_reset,
                origin=VersionOrigin.RESTORE, note=note, confirm_empty=confirm_empty)


def _get_version(session: Session, version_id: int) -> DraftSectionVersion:
    row = session.get(DraftSectionVersion, version_id)
    if row is None:
        raise NotFound("coedit.version_not_found", id=version_id)
    return row


def _version_view(row: DraftSectionVersion, names: dict[int, str]) -> VersionView:
    return VersionView(id=row.id, section_id=row.section_id, number=row.number,
                       base_number=row.base_number, title=row.title, body=row.body,
                       origin=row.origin, conflict_state=row.conflict_state,
                       resolution=row.resolution, author_name=names.get(row.author_id, ""),
                       created_at=_utc(row.created_at), note=row.note,
                       ai_suggestion_id=row.ai_suggestion_id)


# --- Helpers --------------------------------------------------------------------------------

def _get_section(session: Session, section_id: int) -> DraftSection:
    section = session.get(DraftSection, section_id)
    if section is None:
        raise NotFound("draft.section_not_found", id=section_id)
    return section


def _is_base_text(session: Session, section: DraftSection, base_version: int, title: str,
                  body: str) -> bool:
    # The editor changed nothing since `base_version`: there is nothing of theirs to keep.
    if base_version == section.version:
        return False
    base = _numbered_version(session, section.id, base_version)
    return base is not None and (base.title, base.body) == (title, body)


def _numbered_version(session: Session, section_id: int,
                      number: int | None) -> DraftSectionVersion | None:
    if number is None:
        return None
    return session.exec(select(DraftSectionVersion)
                        .where(DraftSectionVersion.section_id == section_id,
                               DraftSectionVersion.number == number)).first()


def _display_name(session: Session, user_id: int | None) -> str:
    user = session.get(User, user_id) if user_id is not None else None
    return user.display_name if user else ""


def _short(text: str, length: int = 30) -> str:
    return text if len(text) <= length else text[:length] + "…"


def display_names(session: Session, user_ids: set[int | None]) -> dict[int, str]:
    """Return {user id: display name} for the given ids; None and unknown ids are left out."""
    ids = sorted(uid for uid in user_ids if uid is not None)
    if not ids:
        return {}
    rows = session.exec(select(User.id, User.display_name).where(User.id.in_(ids))).all()
    return dict(rows)


def _utc(moment: datetime | None) -> datetime | None:
    # SQLite returns stored UTC times without a time zone.
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)
