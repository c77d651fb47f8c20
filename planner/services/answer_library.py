"""答问口径库: questions and answers approved at 审发, searchable and reusable.

When an 答问口径 draft is approved at the final level (审发), planner.services.review calls
add_from_approval in the same transaction. Each question section becomes an entry: question,
answer, 答题要点, 依据, 避免的表述, tier, the event and draft it came from, and the hash of
the cited policy at that moment. A later edit of that policy marks the entry
in search results (policy_changed), because an answer resting on changed text needs a
new check before it is used again.

Anyone signed in with a role reads the library, except the entries of a 不公开 or
依申请公开 brief, which only those who may read that brief see (planner.services.
draft_access). Reusing an entry copies it into an 答问口径 draft as a new section: an edit
like any other, checked and audited.
"""

import hashlib
import json
import logging
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_
from sqlmodel import Session, select

from planner.documents.templates import INTRO_KEY
from planner.errors import InvalidInput, NotFound, PermissionDenied
from planner.i18n import inside_book_marks, t
from planner.models import (AnswerLibraryEntry, AnswerTier, Draft, DraftKind, DraftSection,
                            EventDocument, EventDraftLink, Policy, PolicySection, PressEvent,
                            ReviewDecision, RoleAssignment, User, VersionOrigin)
from planner.permissions import log_refusal, probing
from planner.services import audit, draft_access, drafts, review
from planner.timeutil import now_utc

logger = logging.getLogger(__name__)

MAX_PAGE_SIZE = 200
MAX_QUERY_TERMS = 10
REUSE_TARGET_LIMIT = 100   # drafts offered as reuse targets; a longer list is unusable
REUSE_KEY_PREFIX = "reuse"


@dataclass(frozen=True)
class LibraryHit:
    """One entry found by search, with what the entry alone does not say."""

    entry: AnswerLibraryEntry
    event_topic: str          # "" when the entry has no event or the event was deleted
    event_starts_at: datetime | None
    policy_title: str
    policy_changed: bool      # the cited policy changed or was deleted since approval


@dataclass(frozen=True)
class LibraryPage:
    hits: list[LibraryHit]
    total: int                # entries matching the search, across all pages


# --- Entries from an approval -------------------------------------------------------------

def add_from_approval(session: Session, *, actor: User, draft: Draft,
                      decision: ReviewDecision) -> list[AnswerLibraryEntry]:
    """Add each question of an 答问口径 approved at 审发 to the library; return the entries.

    The intro (使用说明) and sections without a question or an answer are left out.
    """
    if draft.kind != DraftKind.ANSWER_BRIEF:
        raise ValueError(f"draft {draft.id} is a {draft.kind}, not an answer brief")
    policy_hash = current_policy_hashes(session, {draft.policy_id}).get(draft.policy_id, "")
    event_id = _event_of(session, draft.id)

    entries = [_entry(section, draft=draft, decision=decision, event_id=event_id,
                      policy_hash=policy_hash)
               for section in drafts.list_sections(session, draft.id) if _is_question(section)]
    session.add_all(entries)
    session.flush()

    audit.record(session, actor=actor, action="answer_library.add", entity="draft",
                 entity_id=draft.id, detail={"round": draft.review_round, "event_id": event_id,
                                             "entries": [entry.id for entry in entries]})
    logger.info("answer brief %s (round %s): %d entries added to the library", draft.id,
                draft.review_round, len(entries))
    return entries


def _is_question(section: DraftSection) -> bool:
    return section.key != INTRO_KEY and bool(section.title.strip()) and bool(section.body.strip())


def _entry(section: DraftSection, *, draft: Draft, decision: ReviewDecision,
           event_id: int | None, policy_hash: str) -> AnswerLibraryEntry:
    return AnswerLibraryEntry(
        question=section.title, answer=section.body, key_points=section.key_points,
        sources=section.source_ref[:500], avoid_phrasing=section.avoid_phrasing,
        tier=section.tier or AnswerTier.LIKELY,
        search_text=search_text(section.title, section.body, section.key_points,
                                section.source_ref),
        policy_id=draft.policy_id, policy_hash=policy_hash, event_id=event_id,
        draft_id=draft.id, section_key=section.key, review_round=draft.review_round,
        approved_at=decision.at)


def _event_of(session: Session, draft_id: int) -> int | None:
    """Return the event the brief was written for; a plain link counts when there is no
    link as its 答问口径."""
    links = session.exec(select(EventDraftLink).where(EventDraftLink.draft_id == draft_id)
                         .order_by(EventDraftLink.event_id)).all()
    briefs = [link for link in links if link.role == EventDocument.ANSWER_BRIEF]
    chosen = (briefs or links)[:1]
    return chosen[0].event_id if chosen else None


def search_text(*parts: str) -> str:
    """Return the text a search term is matched against: NFKC-normalised and case-folded,
    so 全角 letters, digits and brackets match their half-width forms."""
    return normalise("\n".join(part for part in parts if part))


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").casefold()


# --- The cited policy's fingerprint -------------------------------------------------------

def current_policy_hashes(session: Session, policy_ids: set[int | None]) -> dict[int, str]:
    """Return policy id → SHA-256 of the policy's current content; deleted ones are missing.

    The hash covers the text as imported (raw_text), the corrected header fields and every
    parsed section (path, label, heading, text, kind, level, table), in document order.
    Two queries, whatever the number of policies.
    """
    ids = sorted(pid for pid in policy_ids if pid is not None)
    if not ids:
        return {}
    policies = session.exec(select(Policy).where(Policy.id.in_(ids))).all()
    sections: dict[int, list] = {policy.id: [] for policy in policies}
    rows = session.exec(select(PolicySection).where(PolicySection.policy_id.in_(ids))
                        .order_by(PolicySection.policy_id, PolicySection.position,
                                  PolicySection.id)).all()
    for row in rows:
        sections[row.policy_id].append([row.path, row.label, row.heading, row.text, row.kind,
                                        row.level, row.table_json or ""])
    return {policy.id: _policy_digest(policy, sections[policy.id]) for policy in policies}


def _policy_digest(policy: Policy, sections: list) -> str:
    content = {"raw_text": policy.raw_text, "title": policy.title,
               "doc_number": policy.doc_number, "issuer": policy.issuer,
               "addressee": policy.addressee,
               "issue_date": policy.issue_date.isoformat() if policy.issue_date else "",
               "sections": sections}
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --- Reading ------------------------------------------------------------------------------

def require_reader(session: Session, actor: User) -> None:
    """Raise PermissionDenied unless `actor` is active and has at least one role."""
    assignment_id = session.exec(select(RoleAssignment.id)
                                 .where(RoleAssignment.user_id == actor.id).limit(1)).first()
    if not actor.is_active or assignment_id is None:
        raise PermissionDenied("answer_library.no_role")


def search(session: Session, *, query: str, actor: User | None = None,
           tier: AnswerTier | str | None = None, policy_id: int | None = None,
           limit: int = 50, offset: int = 0) -> LibraryPage:
    """Find entries whose text contains every whitespace-separated term of `query`.

    Terms match as substrings (Chinese has no word spaces), ignoring case and full-width
    forms. Newest approval first. An empty query lists every entry that passes the filters.
    With `actor`, only the entries that `actor` may see are found and counted.
    """
    conditions = _conditions(query, tier, policy_id, session.get_bind().dialect.name)
    if actor is not None:
        conditions.append(_visible_to(session, actor))
    # NOTE: without `actor` nothing is filtered by reading rights. Pages and services that
    # act for a person pass it; only the benchmark and tests search without one.
    limit, offset = max(1, min(limit, MAX_PAGE_SIZE)), max(offset, 0)
    page_ids, total = _matching_page(session, conditions, limit, offset)
    rows = session.exec(
        select(AnswerLibraryEntry, PressEvent.topic, PressEvent.starts_at, Policy.title)
        .join(PressEvent, AnswerLibraryEntry.event_id == PressEvent.id, isouter=True)
        .join(Policy, AnswerLibraryEntry.policy_id == Policy.id, isouter=True)
        .where(AnswerLibraryEntry.id.in_(page_ids))).all()
    rows.sort(key=lambda row: page_ids.index(row[0].id))

    hashes = current_policy_hashes(session, {entry.policy_id for entry, *_ in rows})
    hits = [LibraryHit(entry=entry, event_topic=topic or "", event_starts_at=starts_at,
                       policy_title=policy_title or "",
                       policy_changed=_policy_changed(entry, hashes))
            for entry, topic, starts_at, policy_title in rows]
    return LibraryPage(hits=hits, total=total)


def _visible_to(session: Session, actor: User):
    """SQL: the entry's brief is readable by `actor`. An entry whose brief was deleted has
    no 公开属性 left to check, so only those who read every unit's drafts see it."""
    readable = select(Draft.id).where(draft_access.readable_condition(session, actor))
    from_readable = AnswerLibraryEntry.draft_id.in_(readable)
    if draft_access.reads_every_unit(session, actor):
        return or_(AnswerLibraryEntry.draft_id.is_(None), from_readable)
    return from_readable


def may_see(session: Session, *, actor: User, entry: AnswerLibraryEntry) -> bool:
    """True if `actor` may see the entry (see search)."""
    found = session.exec(select(AnswerLibraryEntry.id)
                         .where(AnswerLibraryEntry.id == entry.id,
                                _visible_to(session, actor))).first()
    return found is not None


def _matching_page(session: Session, conditions: list, limit: int,
                   offset: int) -> tuple[list[int], int]:
    """Return the ids on the page, newest first, and the number of matches.

    The count comes with the page as a window function, so the entries' text is scanned
    once. Only a page past the last match needs a count of its own.
    """
    rows = session.exec(select(AnswerLibraryEntry.id, func.count().over())
                        .where(*conditions)
                        .order_by(AnswerLibraryEntry.approved_at.desc(),
                                  AnswerLibraryEntry.id.desc())
                        .limit(limit).offset(offset)).all()
    if rows:
        return [entry_id for entry_id, _ in rows], rows[0][1]
    if offset == 0:
        return [], 0
    total = session.exec(select(func.count()).select_from(AnswerLibraryEntry)
                         .where(*conditions)).one()
    return [], total


def query_terms(query: str) -> list[str]:
    """Split a query at whitespace (also the full-width space), normalised for matching."""
    terms = []
    for term in normalise(query).split():
        if term not in terms:
            terms.append(term)
    return terms


def _conditions(query: str, tier: str | None, policy_id: int | None, dialect: str) -> list:
    terms = query_terms(query)
    if len(terms) > MAX_QUERY_TERMS:
        raise InvalidInput("answer_library.too_many_terms", count=len(terms),
                           limit=MAX_QUERY_TERMS)
    conditions = [_contains(AnswerLibraryEntry.search_text, term, dialect) for term in terms]
    if tier:
        if tier not in {code.value for code in AnswerTier}:
            raise InvalidInput("answer_library.tier_invalid", tier=tier)
        conditions.append(AnswerLibraryEntry.tier == tier)
    if policy_id is not None:
        conditions.append(AnswerLibraryEntry.policy_id == policy_id)
    return conditions


def _contains(column, term: str, dialect: str):
    """SQL: `term` occurs in `column`, as a plain substring search.

    Both sides are normalised already, so LIKE's case folding and wildcards are not needed:
    SQLite's instr() and PostgreSQL's strpos() compare bytes, where SQLite's LIKE decodes
    and folds every character it reads (several times slower on Chinese text).
    """
    position = func.strpos if dialect == "postgresql" else func.instr
    return position(column, term) > 0


def _policy_changed(entry: AnswerLibraryEntry, hashes: dict[int, str]) -> bool:
    if not entry.policy_hash:
        return False            # the answer cited no policy
    if entry.policy_id is None:
        return True             # the policy was deleted (the foreign key set it to NULL)
    return hashes.get(entry.policy_id) != entry.policy_hash


def get_entry(session: Session, entry_id: int) -> AnswerLibraryEntry:
    entry = session.get(AnswerLibraryEntry, entry_id)
    if entry is None:
        raise NotFound("answer_library.entry_not_found", id=entry_id)
    return entry


def cited_policies(session: Session) -> dict[int, str]:
    """Return id → title of the policies that library entries cite, for a filter."""
    rows = session.exec(select(Policy.id, Policy.title)
                        .where(Policy.id.in_(select(AnswerLibraryEntry.policy_id).distinct()))
                        .order_by(Policy.title)).all()
    return dict(rows)


def reuse_targets(session: Session, *, actor: User) -> list[Draft]:
    """Return the 答问口径 drafts `actor` may add an entry to, most recently changed first.

    Only the REUSE_TARGET_LIMIT most recently changed briefs are considered.
    """
    candidates = session.exec(select(Draft).where(Draft.kind == DraftKind.ANSWER_BRIEF)
                              .order_by(Draft.updated_at.desc(), Draft.id.desc())
                              .limit(REUSE_TARGET_LIMIT)).all()
    allowed = []
    for draft in candidates:
        try:
            with probing():   # offering targets is not an attempted edit
                drafts.require_editor(session, actor, draft)
        except (PermissionDenied, InvalidInput):
            continue
        allowed.append(draft)
    return allowed


# --- Reuse --------------------------------------------------------------------------------

def reuse(session: Session, *, actor: User, entry_id: int, draft_id: int,
          confirm_reset: bool = False) -> DraftSection:
    """Copy a library entry into an 答问口径 draft as its last question.

    An edit like any other: the editor's rights apply, and a draft under review or
    approved goes back to 草稿, only with `confirm_reset` (see review.reset_for_edit).
    """
    require_reader(session, actor)
    entry = get_entry(session, entry_id)
    if not may_see(session, actor=actor, entry=entry):
        log_refusal(actor, "reuse_library_entry", None)
        raise PermissionDenied("answer_library.entry_restricted", id=entry.id)
    draft = drafts.get_draft(session, draft_id)
    if draft.kind != DraftKind.ANSWER_BRIEF:
        raise InvalidInput("answer_library.not_answer_brief", title=inside_book_marks(draft.title))
    drafts.require_editor(session, actor, draft)
    review.reset_for_edit(session, actor=actor, draft=draft, confirm_reset=confirm_reset,
                          change="answer_library_reuse")

    section = _copy_into(session, actor=actor, entry=entry, draft=draft)
    draft.updated_at = now_utc()
    session.add(draft)

    audit.record(session, actor=actor, action="answer_library.reuse", entity="draft",
                 entity_id=draft.id, detail={"entry_id": entry.id, "section_id": section.id,
                                             "key": section.key})
    logger.info("library entry %s reused in answer brief %s by user %s", entry.id, draft.id,
                actor.id)
    return section


def _copy_into(session: Session, *, actor: User, entry: AnswerLibraryEntry,
               draft: Draft) -> DraftSection:
    sections = drafts.list_sections(session, draft.id)
    keys = {section.key for section in sections}
    key, n = f"{REUSE_KEY_PREFIX}_{entry.id}", 1
    while key in keys:
        n += 1
        key = f"{REUSE_KEY_PREFIX}_{entry.id}_{n}"

    section = DraftSection(draft_id=draft.id,
                           position=max((s.position for s in sections), default=-1) + 1,
                           key=key, title=entry.question, body=entry.answer,
                           source_ref=entry.sources, tier=entry.tier,
                           key_points=entry.key_points, avoid_phrasing=entry.avoid_phrasing,
                           updated_by=actor.id)
    session.add(section)
    session.flush()
    drafts.add_version(session, actor=actor, section=section, origin=VersionOrigin.CREATE,
                       base_number=None, note=t("answer_library.version_note", id=entry.id))
    return section
