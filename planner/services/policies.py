"""Policies: import (parse, let the user correct, save), read back, edit fields, and
replace the text with a revised version (修订, 修正) that keeps the policy's id."""

import json
import logging
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from sqlalchemy import delete, func
from sqlmodel import Session, select

from planner.config import get_settings
from planner.diffing import DiffOp, OpKind, diff_text
from planner.documents.parsing import parse_policy_lines, parse_policy_text
from planner.documents.reading import read_policy_file
from planner.documents.structure import ParsedPolicy, ParsedSection
from planner.errors import Conflict, InvalidInput, NotFound
from planner.i18n import inside_book_marks, inside_quotes, t
from planner.models import (AnswerLibraryEntry, Draft, DraftSection, Policy, PolicyRevision,
                            PolicySection, Role, User)
from planner.permissions import require
from planner.services import audit, deadlines, draft_access
from planner.timeutil import format_cn_date, now_utc

logger = logging.getLogger(__name__)

MAX_TITLE_LENGTH = 300
# 承办人员 import the policies they interpret; 厅办公室 and 管理员 may load them for others.
POLICY_EDITORS = {Role.DRAFTER, Role.GENERAL_OFFICE, Role.ADMIN}


@dataclass
class PolicyFields:
    """The header fields a user may correct before or after saving."""

    title: str
    doc_number: str = ""
    issuer: str = ""
    addressee: str = ""
    issue_date: date | None = None
    is_normative: bool = False             # 规范性文件: online within 3 working days
    paper_issued_on: date | None = None    # 纸质公文印发日期
    published_on: date | None = None       # 公开发布日期; the 解读 is due the same day


def parse_upload(filename: str, data: bytes) -> tuple[ParsedPolicy, str]:
    """Parse an uploaded file after checking the size limit; returns (parsed, plain text)."""
    limit_mb = get_settings().upload_max_mb
    if len(data) > limit_mb * 1024 * 1024:
        raise InvalidInput("policy.file_too_large", name=inside_quotes(filename),
                           size_mb=f"{len(data) / 1024 / 1024:.1f}", limit_mb=limit_mb)
    lines = read_policy_file(filename, data)
    return parse_policy_lines(lines), "\n".join(lines)


def parse_pasted(text: str) -> tuple[ParsedPolicy, str]:
    if not text.strip():
        raise InvalidInput("policy.paste_empty")
    return parse_policy_text(text), text


def save_policy(session: Session, *, actor: User, parsed: ParsedPolicy, fields: PolicyFields,
                source_name: str, raw_text: str, allow_duplicate: bool = False) -> Policy:
    """Store a parsed policy with the user's corrected header fields and its section tree.

    A policy with the same title or 发文字号 as a stored one (see find_duplicates) raises
    Conflict unless `allow_duplicate`, because a revised text belongs in revise_policy.
    """
    require(session, actor, "create_policy", POLICY_EDITORS)
    _validate_fields(fields)
    duplicates = find_duplicates(session, title=fields.title, doc_number=fields.doc_number)
    if duplicates and not allow_duplicate:
        raise Conflict("policy.duplicate",
                       titles="、".join(f"《{inside_book_marks(p.title)}》" for p in duplicates))

    policy = Policy(source_name=source_name[:255], raw_text=raw_text, created_by=actor.id)
    _apply_fields(policy, fields)
    session.add(policy)
    session.flush()

    _store_sections(session, policy.id, parsed.sections, parent_id=None, parent_path="")
    deadlines.track_policy(session, actor=actor, policy=policy)
    detail = {"title": policy.title, "source": source_name}
    if duplicates:
        detail["duplicate_of"] = [duplicate.id for duplicate in duplicates]
    audit.record(session, actor=actor, action="policy.create", entity="policy",
                 entity_id=policy.id, detail=detail)
    logger.info("policy %s saved with %s top-level sections", policy.id, len(parsed.sections))
    return policy


def update_fields(session: Session, *, actor: User, policy_id: int,
                  fields: PolicyFields) -> Policy:
    require(session, actor, "update_policy", POLICY_EDITORS)
    policy = get_policy(session, policy_id)
    _validate_fields(fields)

    before = {"title": policy.title, "doc_number": policy.doc_number, "issuer": policy.issuer}
    _apply_fields(policy, fields)
    policy.updated_at = now_utc()
    session.add(policy)

    audit.record(session, actor=actor, action="policy.update", entity="policy",
                 entity_id=policy.id, detail={"before": before, "title": policy.title})
    deadlines.track_policy(session, actor=actor, policy=policy)
    return policy


def get_policy(session: Session, policy_id: int) -> Policy:
    policy = session.get(Policy, policy_id)
    if policy is None:
        raise NotFound("policy.not_found", id=policy_id)
    return policy


def list_policies(session: Session) -> list[Policy]:
    return list(session.exec(select(Policy).order_by(Policy.created_at.desc(), Policy.id.desc())))


def option_label(policy: Policy) -> str:
    """Return the policy's title followed by its 发文字号, 成文日期 and 编号 (id), so that
    two policies with the same title differ in a selector."""
    details = [policy.doc_number]
    if policy.issue_date is not None:
        details.append(format_cn_date(policy.issue_date))
    details.append(t("policy.option_id", id=policy.id))
    return t("policy.option_label", title=policy.title,
             details="　".join(detail for detail in details if detail))


def option_labels(session: Session, policy_ids: list[int]) -> dict[int, str]:
    """Return policy id → option_label for the given ids, in the given order."""
    rows = {policy.id: policy for policy in
            session.exec(select(Policy).where(Policy.id.in_(policy_ids)))}
    return {policy_id: option_label(rows[policy_id]) for policy_id in policy_ids
            if policy_id in rows}


def load_parsed(session: Session, policy_id: int) -> ParsedPolicy:
    """Rebuild the parsed form of a stored policy, with the user's corrected fields."""
    policy = get_policy(session, policy_id)
    rows = session.exec(select(PolicySection).where(PolicySection.policy_id == policy_id)
                        .order_by(PolicySection.position)).all()

    nodes: dict[int, ParsedSection] = {}
    top: list[ParsedSection] = []
    for row in rows:
        node = ParsedSection(label=row.label, heading=row.heading, text=row.text, kind=row.kind,
                             level=row.level,
                             rows=json.loads(row.table_json) if row.table_json else None)
        nodes[row.id] = node
        siblings = nodes[row.parent_id].children if row.parent_id in nodes else top
        siblings.append(node)

    # The preamble and citations are not stored separately: re-parsing the source
    # text is cheap (milliseconds) and keeps one definition of what they are.
    source = parse_policy_text(policy.raw_text) if policy.raw_text.strip() else ParsedPolicy()
    return ParsedPolicy(title=policy.title, doc_number=policy.doc_number, issuer=policy.issuer,
                        addressee=policy.addressee, date=policy.issue_date,
                        preamble=source.preamble, cited_documents=source.cited_documents,
                        sections=top)


def _validate_fields(fields: PolicyFields) -> None:
    title = fields.title.strip()
    if not title:
        raise InvalidInput("policy.title_missing")
    if len(title) > MAX_TITLE_LENGTH:
        raise InvalidInput("policy.title_too_long", length=len(title), limit=MAX_TITLE_LENGTH)


def _apply_fields(policy: Policy, fields: PolicyFields) -> None:
    policy.title = fields.title.strip()
    policy.doc_number = fields.doc_number.strip()
    policy.issuer = fields.issuer.strip()
    policy.addressee = fields.addressee.strip()
    policy.issue_date = fields.issue_date
    policy.is_normative = fields.is_normative
    policy.paper_issued_on = fields.paper_issued_on
    policy.published_on = fields.published_on


def _store_sections(session: Session, policy_id: int, sections: list[ParsedSection],
                    parent_id: int | None, parent_path: str, counter: list[int] | None = None
                    ) -> None:
    # Positions are global across the tree, so one ORDER BY restores document order.
    counter = counter if counter is not None else [0]
    for section in sections:
        path = _citation_path(parent_path, section.label)
        row = PolicySection(policy_id=policy_id, parent_id=parent_id, position=counter[0],
                            level=section.level, kind=section.kind, label=section.label[:32],
                            path=path[:128], heading=section.heading, text=section.text,
                            table_json=json.dumps(section.rows, ensure_ascii=False)
                            if section.rows is not None else None)
        counter[0] += 1
        session.add(row)
        session.flush()
        _store_sections(session, policy_id, section.children, row.id, path, counter)


def _citation_path(parent_path: str, label: str) -> str:
    # An article number (第五条) is unique in its document, so it is cited on its own.
    if label.startswith("第") and label.endswith("条"):
        return label
    return f"{parent_path}{label}"


# --- Duplicates -----------------------------------------------------------------------------

def find_duplicates(session: Session, *, title: str, doc_number: str,
                    exclude_id: int | None = None) -> list[Policy]:
    """Return the stored policies with the same title or 发文字号 as given, oldest first.

    Both are compared after identity_key, so 〔2013〕 matches [2013] and a stray space or
    a full-width letter makes no difference. An empty title or 发文字号 matches nothing.
    """
    title_key, number_key = identity_key(title), identity_key(doc_number)
    if not title_key and not number_key:
        return []
    rows = session.exec(select(Policy.id, Policy.title, Policy.doc_number)
                        .order_by(Policy.created_at, Policy.id)).all()
    matching = [policy_id for policy_id, stored_title, stored_number in rows
                if policy_id != exclude_id
                and ((title_key and identity_key(stored_title) == title_key)
                     or (number_key and identity_key(stored_number) == number_key))]
    return [session.get(Policy, policy_id) for policy_id in matching]


def identity_key(text: str) -> str:
    """Return `text` NFKC-normalised and case-folded, without whitespace or punctuation."""
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    return "".join(char for char in folded
                   if not char.isspace() and unicodedata.category(char)[0] not in "PZ")


# --- Revised versions (修订, 修正) -----------------------------------------------------------

MAX_NOTE_LENGTH = 500
# A preview lists at most this many changed clauses with their diff; the counts cover all.
PREVIEW_CHANGE_LIMIT = 30
HEADER_FIELDS = ("title", "doc_number", "issuer", "addressee", "issue_date")


class ClauseStatus(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass(frozen=True)
class ClauseChange:
    """One clause that a revision adds, removes or changes, with its character diff."""

    path: str              # citation path (二、（三）, 第五条); "" before the first heading
    heading: str           # label and heading, e.g. "（三）建立政策解读机制"
    status: str            # ClauseStatus
    ops: list[DiffOp]


@dataclass(frozen=True)
class RevisionPreview:
    """The changes a revised text would make to a policy, computed before anything is saved."""

    base_hash: str                               # content hash of the text compared against
    header: dict[str, tuple[str, str]]           # changed header field → (current, revised)
    changes: list[ClauseChange]                  # the first PREVIEW_CHANGE_LIMIT changes
    counts: dict[str, int]                       # ClauseStatus → clauses, plus "unchanged"
    title_changed: bool = False                  # the revised text states another title


@dataclass(frozen=True)
class CitationGap:
    """A draft on the policy that cites clauses the revised text no longer has."""

    draft_id: int
    title: str
    missing: list[str]     # citation paths, in the order the draft cites them


@dataclass(frozen=True)
class RevisionResult:
    """A replaced text and what rests on the old one. The lists hold only the drafts and
    答问口径库 entries that the reviser may read; the hidden_* fields count the others."""

    policy: Policy
    revision: PolicyRevision                     # the replaced text, kept
    old_hash: str
    new_hash: str
    citation_gaps: list[CitationGap]
    library_entries: list[AnswerLibraryEntry] = field(default_factory=list)  # now flagged
    hidden_gaps: int = 0
    hidden_entries: int = 0


@dataclass(frozen=True)
class RevisionListing:
    revision: PolicyRevision
    revised_by: str        # display name of who replaced the text; "" for a deleted account


def preview_revision(session: Session, *, policy_id: int, parsed: ParsedPolicy,
                     raw_text: str) -> RevisionPreview:
    """Compare a parsed revised text with the stored policy, clause by clause.

    Clauses are paired by citation path (the n-th block with the same path pairs with the
    n-th), so a clause renumbered by the revision shows as removed and added. A text that
    revise_policy would reject as empty or unchanged raises InvalidInput here already.
    """
    policy = get_policy(session, policy_id)
    _validate_revision(policy, _revised_fields(policy, parsed), parsed, raw_text, note="")
    current = _clauses(load_parsed(session, policy_id).sections)
    revised = _clauses(parsed.sections)
    changes = _clause_changes(current, revised)

    counts = {status: sum(1 for change in changes if change.status == status)
              for status in (ClauseStatus.ADDED, ClauseStatus.REMOVED, ClauseStatus.CHANGED)}
    counts["unchanged"] = len(revised) - counts[ClauseStatus.ADDED] - counts[ClauseStatus.CHANGED]
    header = _header_changes(policy, _revised_fields(policy, parsed))
    return RevisionPreview(base_hash=content_hash(session, policy_id), header=header,
                           changes=changes[:PREVIEW_CHANGE_LIMIT], counts=counts,
                           title_changed=title_changed(policy, parsed))


def revise_policy(session: Session, *, actor: User, policy_id: int, parsed: ParsedPolicy,
                  raw_text: str, source_name: str, note: str = "",
                  base_hash: str | None = None,
                  confirm_title_change: bool = False) -> RevisionResult:
    """Replace a policy's text and sections with a revised version, keeping its id.

    The previous text and header fields are kept as a PolicyRevision. Header fields that
    the revised text does not state (an empty parsed title, say) keep their current value.
    With `base_hash` (RevisionPreview.base_hash), a policy revised by someone else since
    the preview raises Conflict instead of being replaced unseen. Drafts on the policy
    that cite clauses the new text lacks, and 答问口径库 entries resting on the old text,
    are returned so the page can name them. Those that `actor` may not read
    (draft_access) are only counted, because their titles and questions are withheld.
    A revised text whose title differs from the policy's (see title_changed) raises
    InvalidInput unless `confirm_title_change` is set, because it is most likely another
    document pasted by mistake.
    """
    require(session, actor, "revise_policy", POLICY_EDITORS)
    policy = _locked_policy(session, policy_id)
    if title_changed(policy, parsed) and not confirm_title_change:
        raise InvalidInput("policy.revision_title_differs",
                           title=inside_book_marks(policy.title),
                           revised=inside_book_marks(parsed.title.strip()))
    fields = _revised_fields(policy, parsed)
    _validate_revision(policy, fields, parsed, raw_text, note)
    old_hash = content_hash(session, policy_id)
    if base_hash is not None and base_hash != old_hash:
        raise Conflict("policy.revision_stale", title=inside_book_marks(policy.title))

    linked = _linked_draft_texts(session, policy_id)
    cited_before = _resolved_citations(session, policy_id, linked)
    revision = _keep_revision(session, actor=actor, policy=policy, note=note)
    _replace_text(session, policy, parsed, fields, raw_text, source_name)
    deadlines.track_policy(session, actor=actor, policy=policy)
    new_hash = content_hash(session, policy_id)

    gaps = _citation_gaps(session, policy_id, linked, cited_before)
    entries = _outdated_entries(session, policy_id, new_hash)
    readable_gaps = _readable_gaps(session, actor, gaps)
    readable_entries = _readable_entries(session, actor, entries)
    audit.record(session, actor=actor, action="policy.revise", entity="policy",
                 entity_id=policy.id,
                 detail={"revision": revision.number, "old_hash": old_hash, "new_hash": new_hash,
                         "source": source_name, "title": policy.title, "note": note.strip(),
                         "drafts_missing_citations": [gap.draft_id for gap in gaps]})
    logger.info("policy %s revised by user %s: revision %s kept, %s drafts cite missing clauses",
                policy.id, actor.id, revision.number, len(gaps))
    return RevisionResult(policy=policy, revision=revision, old_hash=old_hash,
                          new_hash=new_hash, citation_gaps=readable_gaps,
                          library_entries=readable_entries,
                          hidden_gaps=len(gaps) - len(readable_gaps),
                          hidden_entries=len(entries) - len(readable_entries))


def revisions(session: Session, policy_id: int) -> list[RevisionListing]:
    """Return the texts a policy had before its revisions, newest first, with who revised."""
    get_policy(session, policy_id)
    rows = session.exec(select(PolicyRevision, User.display_name)
                        .join(User, PolicyRevision.created_by == User.id, isouter=True)
                        .where(PolicyRevision.policy_id == policy_id)
                        .order_by(PolicyRevision.number.desc())).all()
    return [RevisionListing(revision=row, revised_by=name or "") for row, name in rows]


def content_hash(session: Session, policy_id: int) -> str:
    """Return the SHA-256 of the policy's text, header fields and sections, as the
    答问口径库 computes it to flag entries whose policy changed."""
    from planner.services import answer_library   # it imports drafts, which imports this module

    return answer_library.current_policy_hashes(session, {policy_id}).get(policy_id, "")


def title_changed(policy: Policy, parsed: ParsedPolicy) -> bool:
    """Return whether the revised text states a title other than the policy's, compared
    after identity_key as find_duplicates does. A text without a title never differs."""
    revised_key = identity_key(parsed.title)
    return bool(revised_key) and revised_key != identity_key(policy.title)


def _locked_policy(session: Session, policy_id: int) -> Policy:
    # FOR UPDATE serialises two revisions of one policy on PostgreSQL; SQLite has one writer.
    policy = session.exec(select(Policy).where(Policy.id == policy_id).with_for_update()
                          .execution_options(populate_existing=True)).first()
    if policy is None:
        raise NotFound("policy.not_found", id=policy_id)
    return policy


def _revised_fields(policy: Policy, parsed: ParsedPolicy) -> PolicyFields:
    return PolicyFields(title=parsed.title.strip() or policy.title,
                        doc_number=parsed.doc_number.strip() or policy.doc_number,
                        issuer=parsed.issuer.strip() or policy.issuer,
                        addressee=parsed.addressee.strip() or policy.addressee,
                        issue_date=parsed.date or policy.issue_date,
                        is_normative=policy.is_normative,
                        paper_issued_on=policy.paper_issued_on,
                        published_on=policy.published_on)


def _validate_revision(policy: Policy, fields: PolicyFields, parsed: ParsedPolicy,
                       raw_text: str, note: str) -> None:
    _validate_fields(fields)
    if not raw_text.strip() or not parsed.sections:
        raise InvalidInput("policy.revision_empty")
    if len(note.strip()) > MAX_NOTE_LENGTH:
        raise InvalidInput("policy.revision_note_too_long", length=len(note.strip()),
                           limit=MAX_NOTE_LENGTH)
    if _same_text(raw_text, policy.raw_text) and not _header_changes(policy, fields):
        raise InvalidInput("policy.revision_unchanged", title=inside_book_marks(policy.title))


def _same_text(left: str, right: str) -> bool:
    # A .txt file and the same text pasted differ in line endings, indents and blank
    # lines, none of which the parser reads.
    return _text_lines(left) == _text_lines(right)


def _text_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _header_changes(policy: Policy, fields: PolicyFields) -> dict[str, tuple[str, str]]:
    changes = {}
    for name in HEADER_FIELDS:
        current, revised = getattr(policy, name), getattr(fields, name)
        if current != revised:
            changes[name] = (_shown(current), _shown(revised))
    return changes


def _shown(value: str | date | None) -> str:
    return value.isoformat() if isinstance(value, date) else (value or "")


def _keep_revision(session: Session, *, actor: User, policy: Policy,
                   note: str) -> PolicyRevision:
    last = session.exec(select(func.max(PolicyRevision.number))
                        .where(PolicyRevision.policy_id == policy.id)).one()
    revision = PolicyRevision(policy_id=policy.id, number=(last or 0) + 1,
                              raw_text=policy.raw_text, source_name=policy.source_name,
                              title=policy.title, doc_number=policy.doc_number,
                              issuer=policy.issuer, issue_date=policy.issue_date,
                              note=note.strip(), created_by=actor.id)
    session.add(revision)
    session.flush()
    return revision


def _replace_text(session: Session, policy: Policy, parsed: ParsedPolicy, fields: PolicyFields,
                  raw_text: str, source_name: str) -> None:
    session.exec(delete(PolicySection).where(PolicySection.policy_id == policy.id))
    _store_sections(session, policy.id, parsed.sections, parent_id=None, parent_path="")

    _apply_fields(policy, fields)
    policy.raw_text = raw_text
    policy.source_name = source_name[:255]
    policy.updated_at = now_utc()
    session.add(policy)
    session.flush()


# --- Clause comparison ----------------------------------------------------------------------

def _clauses(sections: list[ParsedSection], parent_path: str = ""
             ) -> list[tuple[str, str, str]]:
    """Flatten a section tree into (citation path, label and heading, body) in order."""
    flat = []
    for section in sections:
        path = _citation_path(parent_path, section.label)
        body = section.text
        if section.rows is not None:
            body = "\n".join("\t".join(cells) for cells in section.rows)
        flat.append((path, f"{section.label}{section.heading}", body))
        flat.extend(_clauses(section.children, path))
    return flat


def _keyed(clauses: list[tuple[str, str, str]]) -> dict[tuple[str, int], tuple[str, str]]:
    keyed, seen = {}, {}
    for path, heading, body in clauses:
        seen[path] = seen.get(path, 0) + 1
        keyed[(path, seen[path])] = (heading, body)
    return keyed


def _clause_changes(current: list[tuple[str, str, str]],
                    revised: list[tuple[str, str, str]]) -> list[ClauseChange]:
    old, new = _keyed(current), _keyed(revised)
    changes = []
    for key, (heading, body) in new.items():
        if key not in old:
            changes.append(ClauseChange(key[0], heading, ClauseStatus.ADDED,
                                        [DiffOp(OpKind.INSERT, body or heading)]))
        elif old[key] != (heading, body):
            changes.append(ClauseChange(key[0], heading, ClauseStatus.CHANGED,
                                        _changed_ops(old[key], (heading, body))))
    for key, (heading, body) in old.items():
        if key not in new:
            changes.append(ClauseChange(key[0], heading, ClauseStatus.REMOVED,
                                        [DiffOp(OpKind.DELETE, body or heading)]))
    return changes


def _changed_ops(old: tuple[str, str], new: tuple[str, str]) -> list[DiffOp]:
    # The heading is shown above the diff, so it is part of the diff only when it changed.
    if old[0] == new[0]:
        return diff_text(old[1], new[1])
    return diff_text("\n".join(part for part in old if part),
                     "\n".join(part for part in new if part))


# --- Drafts and 答问口径库 entries resting on the replaced text ------------------------------

def _linked_draft_texts(session: Session, policy_id: int) -> dict[int, tuple[str, str]]:
    """Return draft id → (title, text to search for citations) for the policy's drafts.

    A section's 依据 field is read as if it started with 依据, because a lone label such as
    一、 counts as a citation only after such a word (planner.documents.citations).
    """
    rows = session.exec(select(Draft.id, Draft.title, DraftSection)
                        .join(DraftSection, DraftSection.draft_id == Draft.id)
                        .where(Draft.policy_id == policy_id)
                        .order_by(Draft.id, DraftSection.position)).all()
    texts: dict[int, tuple[str, list[str]]] = {}
    for draft_id, title, section in rows:
        parts = texts.setdefault(draft_id, (title, []))[1]
        parts += [section.title, section.body]
        if section.source_ref.strip():
            parts.append(f"依据：{section.source_ref.strip()}")
    return {draft_id: (title, "\n".join(parts)) for draft_id, (title, parts) in texts.items()}


def _resolved_citations(session: Session, policy_id: int,
                        linked: dict[int, tuple[str, str]]) -> dict[int, list[str]]:
    """Return draft id → the cited paths that the policy's stored sections contain."""
    from planner.services import ai   # ai imports drafts, which imports this module

    return {draft_id: [check.path for check in ai.check_citations(session, policy_id, text)
                       if check.found]
            for draft_id, (_, text) in linked.items()}


def _citation_gaps(session: Session, policy_id: int, linked: dict[int, tuple[str, str]],
                   cited_before: dict[int, list[str]]) -> list[CitationGap]:
    cited_after = _resolved_citations(session, policy_id, linked)
    gaps = []
    for draft_id, (title, _) in linked.items():
        missing = [path for path in cited_before[draft_id] if path not in cited_after[draft_id]]
        if missing:
            gaps.append(CitationGap(draft_id=draft_id, title=title, missing=missing))
    return gaps


def _outdated_entries(session: Session, policy_id: int,
                      new_hash: str) -> list[AnswerLibraryEntry]:
    return list(session.exec(select(AnswerLibraryEntry)
                             .where(AnswerLibraryEntry.policy_id == policy_id,
                                    AnswerLibraryEntry.policy_hash != "",
                                    AnswerLibraryEntry.policy_hash != new_hash)
                             .order_by(AnswerLibraryEntry.approved_at.desc())))


def _readable_gaps(session: Session, actor: User, gaps: list[CitationGap]) -> list[CitationGap]:
    # A draft's title is part of what a 不公开 or 依申请公开 draft withholds.
    return [gap for gap in gaps
            if draft_access.may_read(session, actor=actor,
                                     draft=session.get(Draft, gap.draft_id))]


def _readable_entries(session: Session, actor: User,
                      entries: list[AnswerLibraryEntry]) -> list[AnswerLibraryEntry]:
    from planner.services import answer_library   # it imports drafts, which imports this module

    return [entry for entry in entries
            if answer_library.may_see(session, actor=actor, entry=entry)]
