"""Import an exported draft back from Word (round trip) as new section versions.

An expert downloads a draft (drafts.export_docx), edits it in Word or WPS, with or
without tracked changes, and uploads it again. Each section whose text changed is saved
through coedit.save with origin import, based on the version it had at export, so a
section someone saved since becomes an open conflict instead of being overwritten.

The file is matched to the draft's sections before anything is saved. A file of another
draft, a renamed heading, or a section added or removed raises InvalidInput and changes
nothing. Headings and questions are how sections are matched, so they are not imported:
they are changed on the 稿件编辑 page. Neither are the draft title and the 依据 lines of a
答记者问, but the report lists them when the file differs.
"""

import logging
from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import Session, select

from planner.config import get_settings
from planner.documents.roundtrip import (INTRO_KEY, QUESTIONS, ExportStamp, ReadDraft,
                                         ReadSection, StampedSection, TrackedChanges,
                                         body_key, fingerprint, layout_of, read_draft_docx,
                                         text_key, title_key)
from planner.errors import InvalidInput
from planner.i18n import has_key, inside_quotes, t
from planner.models import (ConflictState, Draft, DraftSection, DraftSectionVersion, User,
                            VersionOrigin)
from planner.services import audit, coedit, drafts, review

logger = logging.getLogger(__name__)

NOTE_FRAGMENTS = 5        # tracked fragments quoted in a version's note; the rest are counted
NOTE_FRAGMENT_CHARS = 30  # characters of each quoted fragment


class SectionStatus(StrEnum):
    UNCHANGED = "unchanged"      # the file contains the current text, or the text as exported
    NEW_VERSION = "new_version"  # saved as the section's new current version
    CONFLICT = "conflict"        # saved since the export: kept as an open conflict
    OLDER = "older"              # a file without stamp contains an older version: not saved


@dataclass(frozen=True)
class SectionReport:
    section_id: int
    position: int
    title: str                      # the section's heading (or question) in the app
    status: SectionStatus
    base_version: int               # the version exported (the current one without a stamp)
    current_version: int            # the section's version after the import
    version_id: int | None          # the new version or the conflict row
    older_version: int | None       # OLDER: the version whose text the file contains
    body: str                       # the text read from the file
    changes: TrackedChanges
    source_ref_in_file: str | None  # a 依据 that differs from the app's, not imported


@dataclass(frozen=True)
class ImportReport:
    draft_id: int
    file_name: str
    stamped: bool                   # matched by the export stamp, not only by headings
    sections: tuple[SectionReport, ...]
    title_in_file: str | None       # a draft title that differs from the app's, not imported
    reset: bool                     # the import sent the draft back to 草稿

    def count(self, status: SectionStatus) -> int:
        return sum(1 for section in self.sections if section.status == status)

    @property
    def inserted_count(self) -> int:
        return sum(len(s.changes.inserted) + len(s.changes.moved_in) for s in self.sections)

    @property
    def deleted_count(self) -> int:
        return sum(len(s.changes.deleted) + len(s.changes.moved_out) for s in self.sections)


@dataclass(frozen=True)
class _Plan:
    """The import's decision for one section, made before anything is saved."""

    section: DraftSection
    read: ReadSection
    status: SectionStatus | None    # None: save
    base_version: int
    older_version: int | None = None
    source_ref_in_file: str | None = None


def import_docx(session: Session, *, actor: User, draft_id: int, data: bytes, file_name: str,
                confirm_reset: bool = False) -> ImportReport:
    """Save the sections an expert changed in an exported Word file as new versions.

    Everything is checked before the first save: the file, its match to the draft's
    sections and the actor's right to edit each changed section. A draft under review or
    approved also needs `confirm_reset`, because an import that saves sends it back to 草稿.
    The saves run in the caller's transaction, which a raised error leaves for the caller
    to roll back. The import is audited as "draft.import_docx" with the counts.
    """
    draft = drafts.get_draft(session, draft_id)
    sections = drafts.list_sections(session, draft_id)
    _require_importer(session, actor, draft, sections)
    _check_size(file_name, data)
    read = read_draft_docx(file_name, data, draft.kind,
                           check_stamp=lambda stamp: _check_origin(session, stamp, draft,
                                                                   file_name))

    plans = [_plan(session, section, read_section, stamped, read.layout)
             for section, read_section, stamped in match_sections(read, draft, sections,
                                                                  file_name)]
    _check_before_saving(session, actor, draft, plans, confirm_reset)

    status_before = draft.status
    reports = tuple(_apply(session, actor, plan, confirm_reset, file_name) for plan in plans)
    report = ImportReport(draft_id=draft.id, file_name=file_name, stamped=read.stamp is not None,
                          sections=reports, title_in_file=_title_in_file(read, draft),
                          reset=draft.status != status_before)

    _audit(session, actor, report)
    return report


def report_outdated(session: Session, report: ImportReport) -> bool:
    """Tell whether the draft moved on since the import, so its report would mislead: a
    reported section was saved again (or deleted), or a conflict the import kept was
    settled."""
    versions = dict(session.exec(select(DraftSection.id, DraftSection.version)
                                 .where(DraftSection.draft_id == report.draft_id)).all())
    if any(versions.get(s.section_id) != s.current_version for s in report.sections):
        return True

    conflict_ids = [s.version_id for s in report.sections if s.status == SectionStatus.CONFLICT]
    if not conflict_ids:
        return False
    still_open = session.exec(select(DraftSectionVersion.id)
                              .where(DraftSectionVersion.id.in_(conflict_ids),
                                     DraftSectionVersion.conflict_state == ConflictState.OPEN)
                              ).all()
    return len(still_open) != len(conflict_ids)


def match_sections(read: ReadDraft, draft: Draft, sections: list[DraftSection],
                   file_name: str) -> list[tuple[DraftSection, ReadSection,
                                                 StampedSection | None]]:
    """Pair the file's sections with the draft's, in file order.

    Raises InvalidInput when its sections do not match. That the file comes from this
    draft at all is checked earlier, by import_docx through the export stamp.
    """
    layout, with_intro = layout_of(draft.kind)
    intro = [s for s in sections if s.key == INTRO_KEY] if with_intro else []
    headed = [s for s in sections if s.key != INTRO_KEY]
    stamped = _stamped_sections(read.stamp, draft, intro + headed, with_intro, file_name)

    if not intro and read.intro.lines:
        raise InvalidInput("roundtrip.intro_unexpected", name=inside_quotes(file_name),
                           sample=read.intro.lines[0][:30])
    _check_headings(read, layout, headed, stamped[len(intro):], file_name)

    pairs = [(section, read.intro) for section in intro]
    pairs += list(zip(headed, read.sections))
    return [(section, read_section, stamp)
            for (section, read_section), stamp in zip(pairs, stamped)]


def _stamped_sections(stamp: ExportStamp | None, draft: Draft, shown: list[DraftSection],
                      with_intro: bool, file_name: str) -> list[StampedSection | None]:
    """Return the stamp's entry for each section the file shows (None without a stamp).

    The file must show the same sections as the draft has now, and none of them at a
    version newer than the current one. Otherwise the stamp is stale or was edited.
    """
    if stamp is None:
        return [None] * len(shown)

    entries = [entry for entry in stamp.sections if with_intro or entry.key != INTRO_KEY]
    by_id = {entry.section_id: entry for entry in entries}
    matched = [by_id.get(section.id) for section in shown]
    if (len(by_id) != len(entries) or sorted(by_id) != sorted(s.id for s in shown)
            or any(entry.version > section.version for entry, section in zip(matched, shown))):
        raise InvalidInput("roundtrip.stamp_mismatch", name=inside_quotes(file_name),
                           title=inside_quotes(draft.title))
    return matched


def _check_origin(session: Session, stamp: ExportStamp, draft: Draft, file_name: str) -> None:
    """Raise InvalidInput when the export stamp names another draft, or the same id with
    another kind (a file from another installation).

    Checked before the headings, because the file is laid out by the draft's kind: a
    答记者问 read as a 政策解读 would only show as missing headings.
    """
    if stamp.draft_id == draft.id and stamp.kind == draft.kind:
        return
    other = session.get(Draft, stamp.draft_id) if stamp.draft_id != draft.id else None
    if other is not None and other.kind == stamp.kind:
        raise InvalidInput("roundtrip.other_draft", name=inside_quotes(file_name),
                           other_title=inside_quotes(other.title),
                           other_kind=_kind_label(other.kind), title=inside_quotes(draft.title),
                           kind=_kind_label(draft.kind))
    raise InvalidInput("roundtrip.other_draft_unknown", name=inside_quotes(file_name),
                       file_kind=_kind_label(stamp.kind), title=inside_quotes(draft.title),
                       kind=_kind_label(draft.kind))


def _kind_label(kind: str) -> str:
    return t(f"draft.kind.{kind}") if has_key(f"draft.kind.{kind}") else kind


def _check_headings(read: ReadDraft, layout: str, headed: list[DraftSection],
                    stamped: list[StampedSection | None], file_name: str) -> None:
    """Raise InvalidInput at the first heading of the file that is not the section's
    heading now or at export, or when the file has more or fewer sections."""
    unit = t(f"roundtrip.unit.{layout}")
    for n, (section, read_section) in enumerate(zip(headed, read.sections), start=1):
        found = title_key(layout, read_section.title)
        entry = stamped[n - 1]
        if found == title_key(layout, section.title):
            continue
        if entry is not None and fingerprint(found) == entry.title_hash:
            continue
        if len(read.sections) != len(headed):
            break
        key = "roundtrip.heading_renamed" if read.stamp else "roundtrip.heading_mismatch"
        raise InvalidInput(key, name=file_name, n=n, unit=unit, found=read_section.title,
                           expected=section.title)

    if len(read.sections) != len(headed):
        found_titles = [s.title for s in read.sections]
        raise InvalidInput("roundtrip.count_mismatch", name=inside_quotes(file_name), unit=unit,
                           found=len(read.sections), expected=len(headed),
                           detail=_first_difference(layout, found_titles, headed))


def _first_difference(layout: str, found: list[str], expected: list[DraftSection]) -> str:
    none = t("roundtrip.none")
    for n in range(1, max(len(found), len(expected)) + 1):
        in_file = found[n - 1] if n <= len(found) else none
        in_draft = expected[n - 1].title if n <= len(expected) else none
        if title_key(layout, in_file) != title_key(layout, in_draft):
            return t("roundtrip.first_difference", n=n, found=in_file, expected=in_draft)
    return ""


def _plan(session: Session, section: DraftSection, read: ReadSection,
          stamped: StampedSection | None, layout: str) -> _Plan:
    file_body = body_key(read.body)
    base = stamped.version if stamped else section.version
    source_ref = _source_ref_in_file(section, read) if layout == QUESTIONS else None
    if file_body == body_key(section.body):
        return _Plan(section, read, SectionStatus.UNCHANGED, base, None, source_ref)
    if stamped is not None and fingerprint(file_body) == stamped.body_hash:
        # The expert left the section as exported; a newer version in the app stays.
        return _Plan(section, read, SectionStatus.UNCHANGED, base, None, source_ref)
    if stamped is None:
        older = _older_version_with(session, section, file_body)
        if older is not None:
            return _Plan(section, read, SectionStatus.OLDER, base, older, source_ref)
    return _Plan(section, read, None, base, None, source_ref)


def _older_version_with(session: Session, section: DraftSection, file_body: str) -> int | None:
    """Return the newest earlier version whose body the file contains, if any.

    Without a stamp the import cannot know which version the expert started from. So a
    file that contains an earlier version's text unchanged would undo the later saves.
    """
    rows = session.exec(select(DraftSectionVersion.number, DraftSectionVersion.body)
                        .where(DraftSectionVersion.section_id == section.id,
                               DraftSectionVersion.number.is_not(None),
                               DraftSectionVersion.number < section.version)
                        .order_by(DraftSectionVersion.number.desc())).all()
    return next((number for number, body in rows if body_key(body) == file_body), None)


def _check_before_saving(session: Session, actor: User, draft: Draft, plans: list[_Plan],
                         confirm_reset: bool) -> None:
    to_save = [plan for plan in plans if plan.status is None]
    for plan in to_save:
        coedit.require_section_editor(session, actor, draft, plan.section)
        # A section emptied in Word is refused here: the editor page asks before emptying
        # a section, and an import has no such question to ask.
        if not plan.read.body.strip() and plan.section.body.strip():
            raise InvalidInput("roundtrip.body_emptied", title=inside_quotes(plan.section.title))

    # A save based on an older version becomes a conflict and leaves the review alone.
    writes = [plan for plan in to_save if plan.base_version == plan.section.version]
    if writes and review.edit_would_reset(draft) and not confirm_reset:
        raise InvalidInput("roundtrip.edit_resets_review", title=inside_quotes(draft.title),
                           status=t(f"draft.status.{draft.status}"), count=len(writes))


def _apply(session: Session, actor: User, plan: _Plan, confirm_reset: bool,
           file_name: str) -> SectionReport:
    section = plan.section
    status, version_id = plan.status, None
    if status is None:
        before = section.version
        outcome = coedit.save(session, actor=actor, section_id=section.id, title=section.title,
                              body=plan.read.body, base_version=plan.base_version,
                              confirm_reset=confirm_reset, origin=VersionOrigin.IMPORT,
                              note=version_note(file_name, plan.read.changes))
        if outcome.conflict is not None:
            status, version_id = SectionStatus.CONFLICT, outcome.version.id
        elif outcome.section.version != before:
            status, version_id = SectionStatus.NEW_VERSION, outcome.version.id
        else:
            status = SectionStatus.UNCHANGED

    return SectionReport(section_id=section.id, position=section.position, title=section.title,
                         status=status, base_version=plan.base_version,
                         current_version=section.version, version_id=version_id,
                         older_version=plan.older_version, body=plan.read.body,
                         changes=plan.read.changes,
                         source_ref_in_file=plan.source_ref_in_file)


def version_note(file_name: str, changes: TrackedChanges) -> str:
    """Return the note of an imported version: the file, the tracked insertions kept
    (flagged, because they were not accepted in Word) and the deletions applied."""
    note = t("roundtrip.note.imported", file=inside_quotes(file_name))
    kept = changes.inserted + changes.moved_in
    dropped = changes.deleted + changes.moved_out
    if kept:
        note += t("roundtrip.note.inserted", fragments=_quote(kept))
    if dropped:
        note += t("roundtrip.note.deleted", fragments=_quote(dropped))
    return note


def _quote(fragments: tuple[str, ...]) -> str:
    quoted = "".join(f"「{_short(fragment)}」" for fragment in fragments[:NOTE_FRAGMENTS])
    extra = len(fragments) - NOTE_FRAGMENTS
    return quoted + (t("roundtrip.note.more", count=extra) if extra > 0 else "")


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= NOTE_FRAGMENT_CHARS else text[:NOTE_FRAGMENT_CHARS] + "…"


def _source_ref_in_file(section: DraftSection, read: ReadSection) -> str | None:
    # The lead paragraphs have no 依据 line; a question without 依据 renders none.
    if section.key == INTRO_KEY:
        return None
    in_file = read.source_ref or ""
    return in_file if text_key(in_file) != text_key(section.source_ref) else None


def _title_in_file(read: ReadDraft, draft: Draft) -> str | None:
    if not read.title or text_key(read.title) == text_key(draft.title):
        return None
    if read.stamp is not None and fingerprint(text_key(read.title)) == read.stamp.title_hash:
        return None   # unchanged by the expert; the draft was renamed in the app since
    return read.title


def _require_importer(session: Session, actor: User, draft: Draft,
                      sections: list[DraftSection]) -> None:
    # As for editing: the owner, an assignee of one of its sections, or a draft editor.
    # Each section the import changes is checked again before the first save.
    if actor.is_active and (actor.id == draft.created_by
                            or any(s.assignee_id == actor.id for s in sections)):
        return
    drafts._require_editor(session, actor, draft)


def _check_size(file_name: str, data: bytes) -> None:
    limit_mb = get_settings().upload_max_mb
    if len(data) > limit_mb * 1024 * 1024:
        raise InvalidInput("roundtrip.file.too_large", name=inside_quotes(file_name),
                           size_mb=f"{len(data) / 1024 / 1024:.1f}", limit_mb=limit_mb)


def _audit(session: Session, actor: User, report: ImportReport) -> None:
    counts = {status.value: report.count(status) for status in SectionStatus}
    audit.record(session, actor=actor, action="draft.import_docx", entity="draft",
                 entity_id=report.draft_id,
                 detail={"file": report.file_name, "stamped": report.stamped, **counts,
                         "inserted": report.inserted_count, "deleted": report.deleted_count,
                         "reset": report.reset})
    logger.info("draft %s imported from %s by user %s: %s, %d tracked insertions kept",
                report.draft_id, report.file_name, actor.id, counts, report.inserted_count)
