"""Word round trip on a real SQLite file: export a draft made from the fixture policy, edit
the file with python-docx, import it back and check the section versions.

The edits are plain ones and real tracked changes: w:ins, w:del, a deleted paragraph mark,
and w:moveFrom with w:moveTo.
"""

import io
import itertools
import json
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
import streamlit as st
from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from lxml import etree
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from planner.documents import roundtrip as reader
from planner.documents.word import check_gbt9704
from planner.errors import InvalidInput, NotFound, PermissionDenied
from planner.models import (AuditEntry, ConflictState, Disclosure, DraftKind, DraftSectionVersion,
                            DraftStatus, Role, VersionOrigin)
from planner.services import coedit, drafts, policies, review
from planner.services.roundtrip import SectionStatus, import_docx
from tests import factories
from tests.db_helpers import snapshot
from tests.factories import make_unit, make_user
from tests.review_ready import make_ready
from tests.test_services import SICHUAN_TITLE, import_sichuan

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HOSTILE = Path(__file__).parent / "fixtures" / "hostile"
_revision_ids = itertools.count(1000)


# --- drafts and files ------------------------------------------------------------------------

@pytest.fixture
def expert(session):
    unit = make_unit(session, "省交通宣传中心")
    return make_user(session, "liuyang", unit=unit, roles={Role.EXPERT}, display_name="刘洋")


def new_draft(session, actor, kind=DraftKind.INTERPRETATION):
    # Drafts of one test share the policy: a second import of it is refused as a duplicate.
    stored = policies.find_duplicates(session, title=SICHUAN_TITLE, doc_number="")
    policy = stored[0] if stored else import_sichuan(session, actor)
    draft = drafts.create_from_policy(session, actor=actor, policy_id=policy.id, kind=kind,
                                      disclosure=Disclosure.PUBLIC)
    session.commit()
    return draft


def export(session, actor, draft_id) -> bytes:
    _, data = drafts.export_docx(session, draft_id, actor=actor)
    session.commit()
    return data


def reopen(data: bytes):
    return Document(io.BytesIO(data))


def saved(document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def run_import(session, actor, draft_id, data, name="专家修改稿.docx", **options):
    report = import_docx(session, actor=actor, draft_id=draft_id, data=data, file_name=name,
                         **options)
    session.commit()
    return report


def section_paragraphs(document, heading: str) -> list:
    """Return the body paragraphs under the heading (or question) that ends with `heading`."""
    paragraphs = document.paragraphs
    start = next(i for i, p in enumerate(paragraphs) if p.text.endswith(heading)
                 and p.style.style_id in ("Heading1", "Question"))
    body = []
    for paragraph in paragraphs[start + 1:]:
        if paragraph.style.style_id in ("Heading1", "Question", "Signature", "SignatureDate"):
            break
        body.append(paragraph)
    return body


def heading_paragraph(document, heading: str):
    return next(p for p in document.paragraphs if p.text.endswith(heading)
                and p.style.style_id in ("Heading1", "Question"))


def replace_text(paragraph, text: str) -> None:
    """Replace the text of the last run, as typing over a sentence in Word does."""
    runs = [run for run in paragraph.runs if run.text]
    for run in runs[:-1]:
        if run.style is None or run.style.style_id != "AnswerMarker":
            run.text = ""
    runs[-1].text = text


def revision(tag: str, author: str = "刘洋"):
    element = OxmlElement(tag)
    element.set(qn("w:id"), str(next(_revision_ids)))
    element.set(qn("w:author"), author)
    element.set(qn("w:date"), "2026-11-02T10:00:00Z")
    return element


def text_run(text: str, *, deleted: bool = False):
    run = OxmlElement("w:r")
    text_element = OxmlElement("w:delText" if deleted else "w:t")
    text_element.set(qn("xml:space"), "preserve")
    text_element.text = text
    run.append(text_element)
    return run


def insert_tracked(paragraph, text: str, tag: str = "w:ins") -> None:
    """Append a tracked insertion (or w:moveTo) to the paragraph."""
    inserted = revision(tag)
    inserted.append(text_run(text))
    paragraph._p.append(inserted)


def delete_tracked(paragraph, text: str, tag: str = "w:del") -> None:
    """Cut `text` out of the paragraph's last run into a tracked deletion (or w:moveFrom)
    between the text before and after it."""
    run = [r for r in paragraph.runs if r.text][-1]
    before, after = run.text.split(text, 1)
    run.text = before
    deleted = revision(tag)
    deleted.append(text_run(text, deleted=tag == "w:del"))
    run._r.addnext(deleted)
    tail = text_run(after)
    deleted.addnext(tail)


def delete_paragraph_tracked(paragraph) -> None:
    """Delete a whole paragraph with tracking: its runs and its paragraph mark."""
    for run in list(paragraph.runs):
        for text_element in run._r.findall(qn("w:t")):
            text_element.tag = qn("w:delText")
        deleted = revision("w:del")
        run._r.addprevious(deleted)
        deleted.append(run._r)
    # The paragraph mark's properties (w:pPr/w:rPr) record that the mark was deleted.
    mark = OxmlElement("w:rPr")
    mark.append(revision("w:del"))
    paragraph._p.get_or_add_pPr().append(mark)


def without_stamp(data: bytes) -> bytes:
    """Drop the custom properties part and its references, as a file made or cleaned
    elsewhere has none."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            if name == "docProps/custom.xml":
                continue
            content = source.read(name)
            if name in ("_rels/.rels", "[Content_Types].xml"):
                root = etree.fromstring(content)
                for element in list(root):
                    if "custom" in (element.get("Type", "") + element.get("PartName", "")):
                        root.remove(element)
                content = etree.tostring(root)
            target.writestr(name, content)
    return out.getvalue()


def sections_by_title(session, draft_id):
    return {s.title: s for s in drafts.list_sections(session, draft_id)}


def versions(session, section_id):
    return list(session.exec(select(DraftSectionVersion)
                             .where(DraftSectionVersion.section_id == section_id)
                             .order_by(DraftSectionVersion.id)))


def import_audits(session, draft_id):
    return list(session.exec(select(AuditEntry)
                             .where(AuditEntry.action == "draft.import_docx",
                                    AuditEntry.entity_id == draft_id)))


# --- the export stamp ------------------------------------------------------------------------

def test_export_stamp_names_draft_and_versions(session, actor):
    draft = new_draft(session, actor)
    sections = drafts.list_sections(session, draft.id)

    stamp = reader.read_stamp(export(session, actor, draft.id))

    assert stamp.draft_id == draft.id
    assert stamp.kind == DraftKind.INTERPRETATION
    assert [(s.section_id, s.version, s.key) for s in stamp.sections] == [
        (s.id, s.version, s.key) for s in sections]


def test_export_stamp_survives_resave(session, actor):
    draft = new_draft(session, actor)

    data = saved(reopen(export(session, actor, draft.id)))

    assert reader.read_stamp(data).draft_id == draft.id


def test_export_with_stamp_still_gbt9704(session, actor):
    draft = new_draft(session, actor)

    assert check_gbt9704(export(session, actor, draft.id)) == []


def test_stamp_keeps_template_custom_properties(session, actor):
    draft = new_draft(session, actor)
    data = export(session, actor, draft.id)
    stamp = reader.read_stamp(data)

    again = reader.write_stamp(data, stamp)
    custom = zipfile.ZipFile(io.BytesIO(again)).read("docProps/custom.xml").decode()

    assert custom.count(reader.STAMP_PROPERTY) == 1
    assert reader.read_stamp(again) == stamp


# --- reading the file ------------------------------------------------------------------------

def test_read_unedited_export_matches_draft(session, actor):
    draft = new_draft(session, actor)
    sections = drafts.list_sections(session, draft.id)

    read = reader.read_draft_docx("稿.docx", export(session, actor, draft.id), draft.kind)

    assert read.title == draft.title
    assert [s.title for s in read.sections] == [s.title for s in sections]
    assert [reader.body_key(s.body) for s in read.sections] == [
        reader.body_key(s.body) for s in sections]
    assert not any(s.changes for s in read.sections)


def test_read_tracked_insertion_python_docx_misses(session, actor):
    draft = new_draft(session, actor)
    document = reopen(export(session, actor, draft.id))
    paragraph = section_paragraphs(document, "出台背景")[0]
    insert_tracked(paragraph, "（专家补充的一句。）")

    read = reader.read_draft_docx("稿.docx", saved(document), draft.kind)

    assert "专家补充的一句" not in paragraph.text   # why the reader walks the XML itself
    assert read.sections[0].body.endswith("（专家补充的一句。）")
    assert read.sections[0].changes.inserted == ("（专家补充的一句。）",)


def test_read_unsupported_kind_rejected():
    with pytest.raises(InvalidInput) as caught:
        reader.read_draft_docx("稿.docx", b"PK", "press_release")

    assert caught.value.key == "roundtrip.kind_unsupported"


def test_read_answer_typed_in_question_style(session, actor):
    draft = new_draft(session, actor, DraftKind.QA)
    sections = drafts.list_sections(session, draft.id)
    question = sections[1]
    document = reopen(export(session, actor, draft.id))
    question_style = heading_paragraph(document, question.title).style
    section_paragraphs(document, question.title)[0].insert_paragraph_before(
        "按回车后在问题样式中续写的答案。", style=question_style)

    read = reader.read_draft_docx("稿.docx", saved(document), draft.kind)

    assert len(read.sections) == len(sections) - 1
    assert read.sections[0].title == question.title
    assert read.sections[0].lines[0] == "按回车后在问题样式中续写的答案。"


def test_read_empty_heading_paragraph_ignored(session, actor):
    draft = new_draft(session, actor)
    document = reopen(export(session, actor, draft.id))
    heading = heading_paragraph(document, "主要内容")
    section_paragraphs(document, "主要内容")[0].insert_paragraph_before("", style=heading.style)

    read = reader.read_draft_docx("稿.docx", saved(document), draft.kind)

    assert [s.title for s in read.sections] == [
        s.title for s in drafts.list_sections(session, draft.id)]


# --- importing: changes ----------------------------------------------------------------------

def test_import_unedited_file_saves_nothing(session, actor):
    draft = new_draft(session, actor)
    data = export(session, actor, draft.id)
    before = {s.id: s.version for s in drafts.list_sections(session, draft.id)}

    report = run_import(session, actor, draft.id, data)

    assert {s.status for s in report.sections} == {SectionStatus.UNCHANGED}
    assert {s.id: s.version for s in drafts.list_sections(session, draft.id)} == before
    assert report.stamped
    [entry] = import_audits(session, draft.id)
    assert json.loads(entry.detail)["unchanged"] == 5


def test_import_edited_paragraph_new_version(session, actor, expert):
    draft = new_draft(session, actor)
    document = reopen(export(session, expert, draft.id))
    replace_text(section_paragraphs(document, "出台的必要性和目的")[0], "专家重写的必要性段落。")
    untouched = {title: (s.version, s.body) for title, s in sections_by_title(session, draft.id)
                 .items() if title != "出台的必要性和目的"}

    report = run_import(session, expert, draft.id, saved(document))

    sections = sections_by_title(session, draft.id)
    changed = sections["出台的必要性和目的"]
    assert changed.version == 2
    assert changed.body.split("\n")[0] == "专家重写的必要性段落。"
    assert changed.updated_by == expert.id
    [latest] = [v for v in versions(session, changed.id) if v.number == 2]
    assert latest.origin == VersionOrigin.IMPORT
    assert latest.base_number == 1
    assert "专家修改稿.docx" in latest.note
    assert {t: (s.version, s.body) for t, s in sections.items() if t in untouched} == untouched
    assert report.count(SectionStatus.NEW_VERSION) == 1
    assert report.count(SectionStatus.UNCHANGED) == 4


def test_import_tracked_insertion_kept_and_flagged(session, actor, expert):
    draft = new_draft(session, actor)
    document = reopen(export(session, expert, draft.id))
    paragraph = section_paragraphs(document, "出台背景")[0]
    insert_tracked(paragraph, "同时落实交通运输部的有关要求。")
    delete_tracked(paragraph, "结合我省交通运输工作实际，")

    report = run_import(session, expert, draft.id, saved(document))

    section = sections_by_title(session, draft.id)["出台背景"]
    assert "同时落实交通运输部的有关要求。" in section.body
    assert "结合我省交通运输工作实际" not in section.body
    [line] = [s for s in report.sections if s.section_id == section.id]
    assert line.status == SectionStatus.NEW_VERSION
    assert line.changes.inserted == ("同时落实交通运输部的有关要求。",)
    assert line.changes.deleted == ("结合我省交通运输工作实际，",)
    note = versions(session, section.id)[-1].note
    assert "修订插入" in note
    assert "「同时落实交通运输部的有关要求。」" in note
    assert "修订删除" in note
    assert "「结合我省交通运输工作实际，」" in note
    assert report.inserted_count == 1
    assert report.deleted_count == 1


def test_import_deleted_paragraph_drops_it(session, actor, expert):
    draft = new_draft(session, actor)
    document = reopen(export(session, expert, draft.id))
    first, second = section_paragraphs(document, "出台的必要性和目的")[:2]
    dropped, kept = first.text, second.text
    delete_paragraph_tracked(first)

    run_import(session, expert, draft.id, saved(document))

    section = sections_by_title(session, draft.id)["出台的必要性和目的"]
    assert dropped not in section.body
    assert section.body.split("\n")[0] == kept


def test_import_moved_text_between_sections(session, actor, expert):
    draft = new_draft(session, actor)
    document = reopen(export(session, expert, draft.id))
    source = section_paragraphs(document, "出台背景")[0]
    moved = "结合我省交通运输工作实际，"
    delete_tracked(source, moved, tag="w:moveFrom")
    insert_tracked(section_paragraphs(document, "对公众的影响")[0], moved, tag="w:moveTo")

    report = run_import(session, expert, draft.id, saved(document))

    sections = sections_by_title(session, draft.id)
    assert moved not in sections["出台背景"].body
    assert sections["对公众的影响"].body.split("\n")[0].endswith(moved)
    by_title = {s.title: s for s in report.sections}
    assert by_title["出台背景"].changes.moved_out == (moved,)
    assert by_title["对公众的影响"].changes.moved_in == (moved,)


def test_import_after_save_since_export_conflicts(session, actor, expert):
    draft = new_draft(session, actor)
    document = reopen(export(session, expert, draft.id))
    section = sections_by_title(session, draft.id)["主要内容"]
    coedit.save(session, actor=actor, section_id=section.id, title=section.title,
                body="承办人员导出后改写的主要内容。", base_version=1)
    session.commit()
    replace_text(section_paragraphs(document, "主要内容")[0], "专家改写的主要内容。")

    report = run_import(session, expert, draft.id, saved(document))

    section = sections_by_title(session, draft.id)["主要内容"]
    assert section.version == 2
    assert section.body == "承办人员导出后改写的主要内容。"
    [line] = [s for s in report.sections if s.section_id == section.id]
    assert line.status == SectionStatus.CONFLICT
    assert line.base_version == 1
    kept = session.get(DraftSectionVersion, line.version_id)
    assert kept.conflict_state == ConflictState.OPEN
    assert kept.origin == VersionOrigin.IMPORT
    assert kept.body.split("\n")[0] == "专家改写的主要内容。"
    assert [c.version_id for c in coedit.open_conflicts(session, actor=expert,
                                                        draft_id=draft.id)] == [kept.id]


def test_import_untouched_section_keeps_newer_version(session, actor, expert):
    draft = new_draft(session, actor)
    data = export(session, expert, draft.id)
    section = sections_by_title(session, draft.id)["主要措施"]
    coedit.save(session, actor=actor, section_id=section.id, title=section.title,
                body="导出后改写的主要措施。", base_version=1)
    session.commit()

    report = run_import(session, expert, draft.id, data)

    section = sections_by_title(session, draft.id)["主要措施"]
    assert section.body == "导出后改写的主要措施。"
    assert {s.status for s in report.sections} == {SectionStatus.UNCHANGED}
    assert not coedit.open_conflicts(session, actor=actor, draft_id=draft.id)


def test_import_audited_with_counts(session, actor, expert):
    draft = new_draft(session, actor)
    document = reopen(export(session, expert, draft.id))
    insert_tracked(section_paragraphs(document, "主要内容")[0], "新增一句。")

    run_import(session, expert, draft.id, saved(document), name="解读-刘洋.docx")

    [entry] = import_audits(session, draft.id)
    detail = json.loads(entry.detail)
    assert entry.actor_id == expert.id
    assert detail["file"] == "解读-刘洋.docx"
    assert detail["stamped"] is True
    assert (detail["new_version"], detail["conflict"], detail["unchanged"]) == (1, 0, 4)
    assert (detail["inserted"], detail["deleted"]) == (1, 0)


def test_import_qa_round_trip(session, actor, expert):
    draft = new_draft(session, actor, DraftKind.QA)
    sections = drafts.list_sections(session, draft.id)
    intro, question = sections[0], sections[2]
    document = reopen(export(session, expert, draft.id))
    answer = section_paragraphs(document, question.title)[0]
    replace_text(answer, "专家改写的答案第一段。")
    insert_tracked(answer, "（专家补充）")
    basis = next(p for p in section_paragraphs(document, question.title)
                 if p.style.style_id == "Basis")
    basis.runs[0].text = "依据：一、（一）"
    lead = [p for p in document.paragraphs[1:] if p.text.strip()][0]
    insert_tracked(lead, "（导语补充）")

    report = run_import(session, expert, draft.id, saved(document))

    after = {s.id: s for s in drafts.list_sections(session, draft.id)}
    assert after[question.id].body.startswith("专家改写的答案第一段。（专家补充）")
    assert "答：" not in after[question.id].body
    assert after[question.id].title == question.title
    assert after[question.id].source_ref == question.source_ref
    assert after[intro.id].body.endswith("（导语补充）")
    assert after[intro.id].title == intro.title
    by_id = {s.section_id: s for s in report.sections}
    assert by_id[question.id].status == SectionStatus.NEW_VERSION
    assert by_id[question.id].source_ref_in_file == "一、（一）"
    assert by_id[question.id].changes.inserted == ("（专家补充）",)
    assert by_id[intro.id].status == SectionStatus.NEW_VERSION
    unchanged = [s for s in sections if s.id not in (intro.id, question.id)]
    assert all(after[s.id].version == 1 and after[s.id].body == s.body for s in unchanged)
    assert all(by_id[s.id].source_ref_in_file is None for s in unchanged)


def test_import_unstamped_file_matched_by_headings(session, actor, expert):
    draft = new_draft(session, actor)
    document = reopen(without_stamp(export(session, expert, draft.id)))
    replace_text(section_paragraphs(document, "对公众的影响")[0], "不带导出标识的修改。")

    report = run_import(session, expert, draft.id, saved(document))

    assert not report.stamped
    section = sections_by_title(session, draft.id)["对公众的影响"]
    assert section.version == 2
    assert section.body.startswith("不带导出标识的修改。")


def test_import_unstamped_older_text_not_imported(session, actor, expert):
    draft = new_draft(session, actor)
    data = without_stamp(export(session, expert, draft.id))
    section = sections_by_title(session, draft.id)["主要内容"]
    coedit.save(session, actor=actor, section_id=section.id, title=section.title,
                body="导出后改写的主要内容。", base_version=1)
    session.commit()

    report = run_import(session, expert, draft.id, data)

    assert sections_by_title(session, draft.id)["主要内容"].body == "导出后改写的主要内容。"
    [line] = [s for s in report.sections if s.section_id == section.id]
    assert line.status == SectionStatus.OLDER
    assert line.older_version == 1


def test_import_under_review_needs_confirm_reset(session, actor, expert, engine):
    draft = new_draft(session, actor)
    make_ready(session, actor, draft.id)
    document = reopen(export(session, expert, draft.id))
    replace_text(section_paragraphs(document, "主要内容")[0], "送审后导入的修改。")
    data = saved(document)
    review.submit(session, actor=actor, draft_id=draft.id)
    session.commit()
    before = snapshot(engine)

    with pytest.raises(InvalidInput) as caught:
        import_docx(session, actor=expert, draft_id=draft.id, data=data, file_name="稿.docx")
    session.commit()

    assert caught.value.key == "roundtrip.edit_resets_review"
    assert "我已知悉，导入后退回草稿并重新送审" in caught.value.message
    assert snapshot(engine) == before

    report = run_import(session, expert, draft.id, data, confirm_reset=True)

    assert report.reset
    assert drafts.get_draft(session, draft.id).status == DraftStatus.DRAFT
    assert sections_by_title(session, draft.id)["主要内容"].body.startswith("送审后导入的修改。")


def test_import_under_review_unchanged_needs_no_confirm(session, actor, expert):
    draft = new_draft(session, actor)
    make_ready(session, actor, draft.id)
    data = export(session, expert, draft.id)
    review.submit(session, actor=actor, draft_id=draft.id)
    session.commit()

    report = run_import(session, expert, draft.id, data)

    assert not report.reset
    assert drafts.get_draft(session, draft.id).status == DraftStatus.PENDING_FIRST


# --- importing: refused ----------------------------------------------------------------------

def assert_refused(session, engine, actor, draft_id, data, name, key, phrase):
    before = snapshot(engine)

    with pytest.raises(InvalidInput) as caught:
        import_docx(session, actor=actor, draft_id=draft_id, data=data, file_name=name)
    session.commit()   # commits whatever the import might have written before raising

    assert caught.value.key == key
    assert phrase in caught.value.message
    assert f"“{name}”" in caught.value.message
    assert snapshot(engine) == before
    return caught.value.message


HOSTILE_CASES = {
    "加密.docx": ("roundtrip.file.docx_encrypted", "设有打开密码"),
    "旧版.doc": ("roundtrip.file.legacy", "旧版 Word/WPS 格式（.doc）"),
    "金山.wps": ("roundtrip.file.legacy", "旧版 Word/WPS 格式（.wps）"),
    "旧版改名.docx": ("roundtrip.file.docx_ole", "旧版 .doc 文件"),
    "截断.docx": ("roundtrip.file.docx_truncated", "不完整"),
    "网页.docx": ("roundtrip.file.docx_not_word", "看起来是网页"),
    "扫描件.docx": ("roundtrip.file.docx_not_word", "看起来是 PDF 文件"),
    "宏.docm": ("roundtrip.file.macro", "启用宏"),
    "改名的宏.docx": ("roundtrip.file.macro", "启用宏"),
    "谎报大小.docx": ("roundtrip.file.corrupt", "可能不完整或已损坏"),
    "炸弹-压缩比.docx": ("roundtrip.file.docx_zip_bomb", "上限 100 倍"),
    "无文字.docx": ("roundtrip.file.no_text", "没有文字"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_CASES))
def test_import_hostile_file_refused(session, actor, engine, name):
    draft = new_draft(session, actor)
    key, phrase = HOSTILE_CASES[name]

    assert_refused(session, engine, actor, draft.id, (HOSTILE / name).read_bytes(), name, key,
                   phrase)


@pytest.mark.parametrize("name, data, key, phrase", [
    ("空文件.docx", b"", "roundtrip.file.empty", "是空的"),
    ("说明.txt", "一、出台背景".encode(), "roundtrip.file.not_docx", "扩展名：.txt"),
    ("没有扩展名", b"PK\x03\x04", "roundtrip.file.not_docx", "扩展名：无"),
    ("坏压缩包.docx", b"PK\x03\x04" + b"\x00" * 200, "roundtrip.file.docx_truncated", "不完整"),
])
def test_import_bad_bytes_refused(session, actor, engine, name, data, key, phrase):
    draft = new_draft(session, actor)

    message = assert_refused(session, engine, actor, draft.id, data, name, key, phrase)

    assert "再导入" in message


def test_import_cut_export_refused(session, actor, engine):
    draft = new_draft(session, actor)
    data = export(session, actor, draft.id)

    assert_refused(session, engine, actor, draft.id, data[:len(data) // 2], "半个.docx",
                   "roundtrip.file.docx_truncated", "不完整")


def test_import_other_draft_refused(session, actor, engine):
    draft = new_draft(session, actor)
    other = new_draft(session, actor)
    other.title = "另一篇解读"   # the two drafts of one policy would have one title
    session.add(other)
    session.commit()
    data = export(session, actor, other.id)

    message = assert_refused(session, engine, actor, draft.id, data, "另一篇.docx",
                             "roundtrip.other_draft", "另一篇稿件“另一篇解读”（政策解读）")

    # The draft list shows titles, not ids, and the title is given in full.
    assert f"当前稿件“{draft.title}”（政策解读）" in message
    assert draft.title.endswith("的政策解读")
    assert "编号" not in message


def test_import_other_kind_named_before_headings(session, actor, engine):
    # A stamped 答记者问 has questions, no headings: the stamp names it before the layout
    # of a 政策解读 is looked for.
    draft = new_draft(session, actor)
    qa = new_draft(session, actor, DraftKind.QA)
    data = export(session, actor, qa.id)

    message = assert_refused(session, engine, actor, draft.id, data, "答问.docx",
                             "roundtrip.other_draft", f"另一篇稿件“{qa.title}”（答记者问）")

    assert "找不到段落标题" not in message


def test_import_stamp_of_unknown_draft_refused(session, actor, engine):
    draft = new_draft(session, actor)
    data = export(session, actor, draft.id)
    foreign = replace(reader.read_stamp(data), draft_id=draft.id + 100)

    assert_refused(session, engine, actor, draft.id, reader.write_stamp(data, foreign),
                   "别处的.docx", "roundtrip.other_draft_unknown", "本系统中没有这篇稿件")


def test_import_stamp_same_id_other_kind_refused(session, actor, engine):
    draft = new_draft(session, actor)
    data = export(session, actor, draft.id)
    foreign = replace(reader.read_stamp(data), kind=DraftKind.QA)

    message = assert_refused(session, engine, actor, draft.id, reader.write_stamp(data, foreign),
                             "其他系统.docx", "roundtrip.other_draft_unknown", "从一篇答记者问导出")

    assert f"当前稿件“{draft.title}”（政策解读）" in message


def test_import_other_draft_without_stamp_refused(session, actor, engine):
    draft = new_draft(session, actor)
    other = new_draft(session, actor, DraftKind.QA)
    qa_file = without_stamp(export(session, actor, other.id))

    assert_refused(session, engine, actor, draft.id, qa_file, "别处的.docx",
                   "roundtrip.file.no_headings", "找不到段落标题")


def test_import_renamed_heading_refused(session, actor, engine):
    draft = new_draft(session, actor)
    document = reopen(export(session, actor, draft.id))
    heading_paragraph(document, "主要措施").runs[0].text = "三、主要举措"

    message = assert_refused(session, engine, actor, draft.id, saved(document), "改标题.docx",
                             "roundtrip.heading_renamed", "第 4 个段落标题是“主要举措”")

    assert "改回“主要措施”" in message


def test_import_renamed_heading_without_stamp_refused(session, actor, engine):
    draft = new_draft(session, actor)
    document = reopen(without_stamp(export(session, actor, draft.id)))
    heading_paragraph(document, "主要内容").runs[0].text = "三、内容概要"

    message = assert_refused(session, engine, actor, draft.id, saved(document), "改标题.docx",
                             "roundtrip.heading_mismatch", "第 3 个段落标题是“内容概要”")

    assert "没有本系统的导出标识" in message


def test_import_removed_section_refused(session, actor, engine):
    draft = new_draft(session, actor)
    document = reopen(export(session, actor, draft.id))
    for paragraph in [heading_paragraph(document, "主要内容"),
                      *section_paragraphs(document, "主要内容")]:
        paragraph._p.getparent().remove(paragraph._p)

    message = assert_refused(session, engine, actor, draft.id, saved(document), "删段.docx",
                             "roundtrip.count_mismatch", "文件“删段.docx”中有 4 个段落标题，稿件中有 5 个")

    assert "从第 3 个起不一致：文件中是“主要措施”，稿件中是“主要内容”" in message


def test_import_added_section_refused(session, actor, engine):
    draft = new_draft(session, actor)
    document = reopen(export(session, actor, draft.id))
    document.add_paragraph("六、下一步工作", style=document.styles["Heading 1"])
    document.add_paragraph("专家新增的一段。")

    message = assert_refused(session, engine, actor, draft.id, saved(document), "加段.docx",
                             "roundtrip.count_mismatch", "有 6 个段落标题，稿件中有 5 个")

    assert "从第 6 个起不一致：文件中是“下一步工作”，稿件中是“（无）”" in message


def test_import_added_question_refused(session, actor, engine):
    draft = new_draft(session, actor, DraftKind.QA)
    document = reopen(export(session, actor, draft.id))
    document.add_paragraph("问：专家新增的问题？")
    document.add_paragraph("答：专家新增的回答。")

    assert_refused(session, engine, actor, draft.id, saved(document), "加问.docx",
                   "roundtrip.count_mismatch", "个问题，稿件中有")


def test_import_text_before_first_heading_refused(session, actor, engine):
    draft = new_draft(session, actor)
    document = reopen(export(session, actor, draft.id))
    heading_paragraph(document, "出台背景").insert_paragraph_before("专家加的开场白。")

    assert_refused(session, engine, actor, draft.id, saved(document), "开场白.docx",
                   "roundtrip.intro_unexpected", "“专家加的开场白。”")


def test_import_over_upload_limit_refused(session, actor, engine, monkeypatch):
    from planner.config import get_settings
    draft = new_draft(session, actor)
    data = export(session, actor, draft.id)
    monkeypatch.setenv("PLANNER_UPLOAD_MAX_MB", "1")
    get_settings.cache_clear()

    assert_refused(session, engine, actor, draft.id, data + b"\0" * (1024 * 1024), "大.docx",
                   "roundtrip.file.too_large", "超过上传上限 1 MB")


def test_import_stamp_newer_than_draft_refused(session, actor, engine):
    draft = new_draft(session, actor)
    data = export(session, actor, draft.id)
    stamp = reader.read_stamp(data)
    first = stamp.sections[0]
    forged = replace(stamp, sections=(replace(first, version=9), *stamp.sections[1:]))

    assert_refused(session, engine, actor, draft.id, reader.write_stamp(data, forged),
                   "改过属性.docx", "roundtrip.stamp_mismatch", "导出标识与稿件")


# --- importing: who may ----------------------------------------------------------------------

def test_import_forbidden_without_edit_role(session, actor, engine):
    draft = new_draft(session, actor)
    document = reopen(export(session, actor, draft.id))
    replace_text(section_paragraphs(document, "主要内容")[0], "旁人的修改。")
    outsider = make_user(session, "outsider", unit=make_unit(session, "厅办公室"),
                         roles={Role.SPOKESPERSON})
    before = snapshot(engine)

    with pytest.raises(PermissionDenied):
        import_docx(session, actor=outsider, draft_id=draft.id, data=saved(document),
                    file_name="稿.docx")
    session.commit()

    assert snapshot(engine) == before


def test_import_read_only_section_forbidden(session, actor, expert, engine):
    draft = new_draft(session, actor)
    section = sections_by_title(session, draft.id)["主要内容"]
    coedit.assign_section(session, actor=actor, section_id=section.id, assignee_id=None,
                          read_only=True)
    session.commit()
    document = reopen(export(session, expert, draft.id))
    replace_text(section_paragraphs(document, "主要内容")[0], "只读段落的修改。")
    before = snapshot(engine)

    with pytest.raises(PermissionDenied) as caught:
        import_docx(session, actor=expert, draft_id=draft.id, data=saved(document),
                    file_name="稿.docx")
    session.commit()

    assert caught.value.key == "coedit.section_read_only"
    assert snapshot(engine) == before


def test_import_draft_not_found(session, actor):
    with pytest.raises(NotFound):
        import_docx(session, actor=actor, draft_id=999, data=b"PK", file_name="稿.docx")


# --- the widget ------------------------------------------------------------------------------

def import_script():
    """Render the import widget for one draft, as the drafts page does."""
    import streamlit as st

    import ui
    from planner.services import drafts
    from widgets import roundtrip

    with ui.db_session() as session:
        draft = drafts.get_draft(session, st.session_state["test_draft_id"])
    roundtrip.render_import(draft)


@pytest.fixture
def widget_db(engine):
    st.cache_resource.clear()
    yield engine
    st.cache_resource.clear()


def widget(user, draft_id) -> AppTest:
    app = AppTest.from_function(import_script, default_timeout=30)
    factories.sign_in_state(app, user)
    app.session_state["test_draft_id"] = draft_id
    return app.run()


def upload_and_import(app: AppTest, draft_id: int, name: str, data: bytes) -> AppTest:
    app.file_uploader(key=f"roundtrip_file_{draft_id}").upload(name, data, DOCX_MIME).run()
    app.button(key=f"roundtrip_import_{draft_id}").click().run()
    return app


def test_widget_import_shows_report(session, actor, expert, widget_db):
    draft = new_draft(session, actor)
    document = reopen(export(session, expert, draft.id))
    insert_tracked(section_paragraphs(document, "主要内容")[0], "专家[补充]的一句。")

    app = upload_and_import(widget(expert, draft.id), draft.id, "专家稿.docx", saved(document))

    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]
    assert [s.value for s in app.success] == [
        "已导入“专家稿\\.docx”：新版本 1 段，冲突 0 段，未修改 4 段，旧版本未导入 0 段。"]
    texts = [m.value for m in app.markdown]
    assert any(":orange-background[专家\\[补充\\]的一句。]" in text for text in texts)
    assert any(text.startswith("修订插入（已保留，以底色标出）：") for text in texts)
    session.expire_all()
    assert sections_by_title(session, draft.id)["主要内容"].version == 2


def test_widget_bad_file_shows_message(session, actor, widget_db):
    draft = new_draft(session, actor)

    app = upload_and_import(widget(actor, draft.id), draft.id, "坏.docx", b"PK\x03\x04junk")

    assert [e.value for e in app.error] == [
        InvalidInput("roundtrip.file.docx_truncated", name="坏.docx").message]
    assert not app.success


def test_widget_under_review_asks_confirmation(session, actor, widget_db):
    draft = new_draft(session, actor)
    make_ready(session, actor, draft.id)
    document = reopen(export(session, actor, draft.id))
    replace_text(section_paragraphs(document, "主要内容")[0], "送审后的修改。")
    review.submit(session, actor=actor, draft_id=draft.id)
    session.commit()

    app = upload_and_import(widget(actor, draft.id), draft.id, "稿.docx", saved(document))

    assert "导入修改会把它退回草稿" in app.warning[0].value
    assert "我已知悉，导入后退回草稿并重新送审" in app.error[0].value
    app.checkbox(key=f"roundtrip_confirm_reset_{draft.id}").check().run()
    app.button(key=f"roundtrip_import_{draft.id}").click().run()
    assert not app.error, [e.value for e in app.error]
    assert "稿件已退回草稿" in " ".join(w.value for w in app.warning)
    session.expire_all()
    assert drafts.get_draft(session, draft.id).status == DraftStatus.DRAFT


def report_shown(app: AppTest) -> bool:
    return any(s.value.startswith("已导入") for s in app.success)


def imported_with_conflict(session, actor, expert, widget_db):
    """Import an expert's file whose 主要内容 was saved in the app after the export: the
    widget then shows a report with one conflict. Returns (app, draft, kept version id)."""
    draft = new_draft(session, actor)
    document = reopen(export(session, expert, draft.id))
    section = sections_by_title(session, draft.id)["主要内容"]
    coedit.save(session, actor=actor, section_id=section.id, title=section.title,
                body="承办人员导出后改写的主要内容。", base_version=1)
    session.commit()
    replace_text(section_paragraphs(document, "主要内容")[0], "专家改写的主要内容。")

    app = upload_and_import(widget(expert, draft.id), draft.id, "专家稿.docx", saved(document))
    assert [s.value for s in app.success] == [
        "已导入“专家稿\\.docx”：新版本 0 段，冲突 1 段，未修改 4 段，旧版本未导入 0 段。"]
    [kept] = coedit.open_conflicts(session, actor=expert, draft_id=draft.id)
    return app, draft, kept.version_id


def test_widget_report_stays_over_reruns(session, actor, expert, widget_db):
    app, _, _ = imported_with_conflict(session, actor, expert, widget_db)

    app.run()

    assert report_shown(app)


def test_widget_failed_import_hides_report(session, actor, expert, widget_db):
    app, draft, _ = imported_with_conflict(session, actor, expert, widget_db)

    upload_and_import(app, draft.id, "坏.docx", b"PK\x03\x04junk")

    assert [e.value for e in app.error] == [
        InvalidInput("roundtrip.file.docx_truncated", name="坏.docx").message]
    assert not report_shown(app)
    assert not any("冲突" in m.value for m in app.markdown)


def test_widget_other_file_hides_report(session, actor, expert, widget_db):
    app, draft, _ = imported_with_conflict(session, actor, expert, widget_db)

    app.file_uploader(key=f"roundtrip_file_{draft.id}").upload(
        "另一个.docx", b"PK\x03\x04", DOCX_MIME).run()

    assert not report_shown(app)


def test_widget_report_dismissed(session, actor, expert, widget_db):
    app, draft, _ = imported_with_conflict(session, actor, expert, widget_db)

    app.button(key=f"roundtrip_dismiss_{draft.id}").click().run()

    assert not report_shown(app)
    app.run()
    assert not report_shown(app)


def test_widget_report_gone_once_conflict_settled(session, actor, expert, widget_db):
    app, _, kept_id = imported_with_conflict(session, actor, expert, widget_db)

    coedit.resolve_conflict(session, actor=expert, version_id=kept_id, choice="take_theirs")
    session.commit()
    app.run()

    assert not report_shown(app)


def test_widget_report_gone_once_section_saved(session, actor, expert, widget_db):
    app, draft, _ = imported_with_conflict(session, actor, expert, widget_db)
    section = sections_by_title(session, draft.id)["出台背景"]

    coedit.save(session, actor=actor, section_id=section.id, title=section.title,
                body="导入后又改过的出台背景。", base_version=section.version)
    session.commit()
    app.run()

    assert not report_shown(app)


def test_highlight_insertions_marks_each_fragment():
    from widgets.roundtrip import highlight_insertions

    text = highlight_insertions("第一句。补充甲。\n第二句补充乙。", ("补充甲。", "补充乙"))

    assert text == ("第一句。:orange-background[补充甲。]  \n"
                    "第二句:orange-background[补充乙]。")




def test_drafts_page_imports_edited_file(session, actor, expert, widget_db):
    draft = new_draft(session, actor)
    document = reopen(export(session, expert, draft.id))
    replace_text(section_paragraphs(document, "出台背景")[0], "从 Word 导回的出台背景。")
    app = AppTest.from_file("../app.py", default_timeout=30)
    factories.sign_in_state(app, expert).run()
    app.switch_page("views/drafts.py").run()

    upload_and_import(app, draft.id, "专家稿.docx", saved(document))

    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]
    assert any("新版本 1 段" in s.value for s in app.success)
    assert any(area.value.startswith("从 Word 导回的出台背景。") for area in app.text_area)


def test_drafts_page_report_gone_after_visit_elsewhere(session, actor, expert, widget_db):
    draft = new_draft(session, actor)
    document = reopen(export(session, expert, draft.id))
    replace_text(section_paragraphs(document, "出台背景")[0], "从 Word 导回的出台背景。")
    app = AppTest.from_file("../app.py", default_timeout=30)
    factories.sign_in_state(app, expert).run()
    app.switch_page("views/drafts.py").run()
    upload_and_import(app, draft.id, "专家稿.docx", saved(document))
    assert any("新版本 1 段" in s.value for s in app.success)

    app.switch_page("views/queue.py").run()
    app.switch_page("views/drafts.py").run()

    assert not app.exception, [e.value for e in app.exception]
    assert not any("新版本 1 段" in s.value for s in app.success)


def test_import_emptied_section_refused(session, actor, expert, engine):
    draft = new_draft(session, actor)
    document = reopen(export(session, expert, draft.id))
    for paragraph in section_paragraphs(document, "主要内容"):
        replace_text(paragraph, "")
    replace_text(section_paragraphs(document, "出台背景")[0], "同一文件中的另一处修改。")
    data = saved(document)
    before = snapshot(engine)

    with pytest.raises(InvalidInput) as caught:
        import_docx(session, actor=expert, draft_id=draft.id, data=data, file_name="稿.docx")
    session.commit()

    assert caught.value.key == "roundtrip.body_emptied"
    assert "主要内容" in caught.value.message
    assert snapshot(engine) == before
