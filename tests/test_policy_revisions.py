"""Revised policies (修订, 修正) replace a saved policy's text and keep its id: the service on
SQLite and PostgreSQL, the 答问口径库 flag, duplicate imports, and the 政策文件 page."""

import json
from datetime import date

import pytest
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from planner import datacopy
from planner.db import make_engine
from planner.documents.structure import ParsedPolicy
from planner.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from planner.i18n import inside_quotes
from planner.models import (AuditEntry, Disclosure, Draft, DraftKind, DraftSection, EventDocument,
                            Policy, PolicyRevision, PolicySection, Role)
from planner.services import answer_library, drafts, event_documents, policies
from tests import factories
from tests.conftest import SICHUAN
from tests.event_docs_setup import make_press_office

TITLE = "四川省交通运输厅关于进一步加强政府信息公开回应社会关切提升政府公信力的实施意见"
DOC_NUMBER = "川交函〔2014〕25号"
ORIGINAL = SICHUAN.read_text(encoding="utf-8")
REMOVED_OPENING = "  (六)完善依申请公开工作机制。"
CHANGED_FROM = "要及时组织相关负责同志"
CHANGED_TO = "要在政策印发后3个工作日内组织相关负责同志"


def revised_text() -> str:
    """Return the fixture as a revision would change it: 二、（三） reworded, 二、（六） dropped."""
    lines = [line for line in ORIGINAL.splitlines() if not line.startswith(REMOVED_OPENING)]
    text = "\n".join(lines)
    assert CHANGED_FROM in text
    assert len(lines) < len(ORIGINAL.splitlines())
    return text.replace(CHANGED_FROM, CHANGED_TO)


def save_sichuan(session, actor, **overrides) -> Policy:
    parsed, raw = policies.parse_pasted(ORIGINAL)
    values = dict(title=TITLE, doc_number=DOC_NUMBER, issuer=parsed.issuer,
                  addressee=parsed.addressee, issue_date=parsed.date)
    values.update(overrides)
    policy = policies.save_policy(session, actor=actor, parsed=parsed,
                                  fields=policies.PolicyFields(**values),
                                  source_name=SICHUAN.name, raw_text=raw)
    session.commit()
    return policy


def revise(session, actor, policy_id, text=None, **options):
    parsed, raw = policies.parse_pasted(text if text is not None else revised_text())
    result = policies.revise_policy(session, actor=actor, policy_id=policy_id, parsed=parsed,
                                    raw_text=raw, source_name="实施意见（修订）.txt", **options)
    session.commit()
    return result


def section_paths(session, policy_id) -> list[str]:
    return list(session.exec(select(PolicySection.path)
                             .where(PolicySection.policy_id == policy_id)
                             .order_by(PolicySection.position)))


def snapshot(session, policy_id) -> tuple:
    """Return everything a revision changes: text, header, sections, revisions, audit rows."""
    session.expire_all()
    policy = session.get(Policy, policy_id)
    revisions = session.exec(select(PolicyRevision.id)
                             .where(PolicyRevision.policy_id == policy_id)).all()
    audit_rows = session.exec(select(AuditEntry.id)).all()
    return (policy.raw_text, policy.title, policy.source_name, section_paths(session, policy_id),
            policies.content_hash(session, policy_id), list(revisions), list(audit_rows))


@pytest.fixture
def author(any_session):
    unit = factories.make_unit(any_session, "政策法规处")
    return factories.make_user(any_session, "zhangming", unit=unit, display_name="张明",
                               roles={Role.DRAFTER})


@pytest.fixture
def policy(any_session, author):
    return save_sichuan(any_session, author)


# --- revise_policy ------------------------------------------------------------------------

def test_revise_replaces_text_and_sections(any_session, author, policy):
    before = section_paths(any_session, policy.id)

    result = revise(any_session, author, policy.id)

    after = section_paths(any_session, policy.id)
    stored = any_session.get(Policy, policy.id)
    assert result.policy.id == policy.id
    assert stored.raw_text == revised_text()
    assert stored.source_name == "实施意见（修订）.txt"
    assert "二、（六）" in before
    assert "二、（六）" not in after
    assert len(after) == len(before) - 1
    third = any_session.exec(select(PolicySection).where(PolicySection.policy_id == policy.id,
                                                         PolicySection.path == "二、（三）")).one()
    assert CHANGED_TO in third.text


def test_revise_keeps_previous_text_as_revision(any_session, author, policy):
    result = revise(any_session, author, policy.id, note="依据上位法修订")

    kept = any_session.get(PolicyRevision, result.revision.id)
    assert kept.policy_id == policy.id
    assert kept.number == 1
    assert kept.raw_text == ORIGINAL
    assert kept.source_name == SICHUAN.name
    assert kept.title == TITLE
    assert kept.doc_number == DOC_NUMBER
    assert kept.issuer == "四川省交通运输厅"
    assert kept.note == "依据上位法修订"
    assert kept.created_by == author.id


def test_revise_keeps_header_the_text_lacks(any_session, author, policy):
    # The fixture has no title line and no 发文字号, so both stay as the user corrected them.
    revise(any_session, author, policy.id)

    stored = any_session.get(Policy, policy.id)
    assert stored.title == TITLE
    assert stored.doc_number == DOC_NUMBER


def test_revise_takes_header_the_text_states(any_session, author, policy):
    text = "四川省交通运输厅关于政府信息公开的实施意见（2026年修订）\n川交函〔2026〕3号\n" + revised_text()

    revise(any_session, author, policy.id, text=text, confirm_title_change=True)

    stored = any_session.get(Policy, policy.id)
    assert stored.title == "四川省交通运输厅关于政府信息公开的实施意见（2026年修订）"
    assert stored.doc_number == "川交函〔2026〕3号"


def test_revisions_listed_newest_first(any_session, author, policy):
    revise(any_session, author, policy.id, note="第一次修订")
    revise(any_session, author, policy.id, text=revised_text().replace("专家学者", "专家"),
           note="第二次修正")

    listed = policies.revisions(any_session, policy.id)

    assert [item.revision.number for item in listed] == [2, 1]
    assert [item.revision.note for item in listed] == ["第二次修正", "第一次修订"]
    assert listed[0].revision.raw_text == revised_text()
    assert listed[1].revision.raw_text == ORIGINAL
    assert {item.revised_by for item in listed} == {"张明"}


def test_revisions_of_unknown_policy(any_session):
    with pytest.raises(NotFound):
        policies.revisions(any_session, 9999)


def test_revise_audited_with_content_hashes(any_session, author, policy):
    old_hash = policies.content_hash(any_session, policy.id)

    result = revise(any_session, author, policy.id)

    row = any_session.exec(select(AuditEntry).where(AuditEntry.action == "policy.revise")).one()
    detail = json.loads(row.detail)
    assert row.entity == "policy"
    assert row.entity_id == policy.id
    assert row.actor_id == author.id
    assert detail["old_hash"] == old_hash == result.old_hash
    assert detail["new_hash"] == policies.content_hash(any_session, policy.id) == result.new_hash
    assert detail["old_hash"] != detail["new_hash"]
    assert detail["revision"] == 1


def test_revise_reports_drafts_citing_removed_clause(any_session, author, policy):
    # The 政策解读 prefill cites 二、（六） for what changes for the public. The 答记者问
    # prefill cites only the top-level parts, which all remain.
    interpretation = drafts.create_from_policy(any_session, actor=author, policy_id=policy.id,
                                               kind=DraftKind.INTERPRETATION,
                                               disclosure=Disclosure.PUBLIC)
    drafts.create_from_policy(any_session, actor=author, policy_id=policy.id, kind=DraftKind.QA,
                              disclosure=Disclosure.PUBLIC)
    any_session.commit()

    result = revise(any_session, author, policy.id)

    assert [gap.draft_id for gap in result.citation_gaps] == [interpretation.id]
    assert result.citation_gaps[0].title == interpretation.title
    assert result.citation_gaps[0].missing == ["二、（六）"]


def test_revise_reports_citation_in_body_text(any_session, author, policy):
    draft = drafts.create_from_policy(any_session, actor=author, policy_id=policy.id,
                                      kind=DraftKind.QA, disclosure=Disclosure.PUBLIC)
    section = any_session.exec(select(DraftSection).where(DraftSection.draft_id == draft.id,
                                                          DraftSection.key == "part_2")).one()
    section.body = "依据《实施意见》二、（六），申请人可以通过门户网站提出申请。"
    any_session.add(section)
    any_session.commit()

    result = revise(any_session, author, policy.id)

    assert [(gap.draft_id, gap.missing) for gap in result.citation_gaps] == [
        (draft.id, ["二、（六）"])]


def test_revise_without_drafts_reports_no_gaps(any_session, author, policy):
    result = revise(any_session, author, policy.id)

    assert result.citation_gaps == []
    assert result.library_entries == []


def test_revise_forbidden_for_expert(any_session, policy):
    unit = factories.make_unit(any_session, "省交通宣传中心")
    expert = factories.make_user(any_session, "liuyang", unit=unit, roles={Role.EXPERT})
    before = snapshot(any_session, policy.id)

    with pytest.raises(PermissionDenied):
        revise(any_session, expert, policy.id)
    any_session.rollback()

    assert snapshot(any_session, policy.id) == before


@pytest.mark.parametrize("role", [Role.DRAFTER, Role.GENERAL_OFFICE, Role.ADMIN])
def test_revise_allowed_roles(any_session, policy, role):
    unit = factories.make_unit(any_session, "厅办公室")
    user = factories.make_user(any_session, f"user_{role}", unit=unit, roles={role})

    result = revise(any_session, user, policy.id)

    assert result.revision.created_by == user.id


def test_revise_unknown_policy(any_session, author):
    with pytest.raises(NotFound):
        revise(any_session, author, 9999)


def test_revise_same_text_rejected(any_session, author, policy):
    before = snapshot(any_session, policy.id)

    with pytest.raises(InvalidInput) as error:
        revise(any_session, author, policy.id,
               text=ORIGINAL.replace("\r\n", "\n").replace("\n  ", "\n"))
    any_session.rollback()

    assert error.value.key == "policy.revision_unchanged"
    assert snapshot(any_session, policy.id) == before


def test_revise_empty_text_rejected(any_session, author, policy):
    # Reading a .docx without paragraphs gives this. A blank paste fails earlier, in parse_pasted.
    with pytest.raises(InvalidInput) as error:
        policies.revise_policy(any_session, actor=author, policy_id=policy.id,
                               parsed=ParsedPolicy(), raw_text="\u3000\n", source_name="空白.docx")

    assert error.value.key == "policy.revision_empty"


def test_revise_long_note_rejected(any_session, author, policy):
    with pytest.raises(InvalidInput) as error:
        revise(any_session, author, policy.id, note="修" * (policies.MAX_NOTE_LENGTH + 1))

    assert error.value.key == "policy.revision_note_too_long"


def test_revise_after_other_revision_conflicts(any_session, author, policy):
    parsed, raw = policies.parse_pasted(revised_text())
    seen = policies.preview_revision(any_session, policy_id=policy.id, parsed=parsed,
                                     raw_text=raw).base_hash
    revise(any_session, author, policy.id, text=revised_text().replace("专家学者", "专家"))
    before = snapshot(any_session, policy.id)

    with pytest.raises(Conflict) as error:
        revise(any_session, author, policy.id, base_hash=seen)
    any_session.rollback()

    assert error.value.key == "policy.revision_stale"
    assert snapshot(any_session, policy.id) == before


# --- preview ------------------------------------------------------------------------------

def test_preview_counts_changed_clauses(any_session, policy):
    parsed, raw = policies.parse_pasted(revised_text())
    total = len(section_paths(any_session, policy.id))

    preview = policies.preview_revision(any_session, policy_id=policy.id, parsed=parsed,
                                        raw_text=raw)

    assert preview.counts == {"added": 0, "removed": 1, "changed": 1, "unchanged": total - 2}
    assert [(c.path, c.status) for c in preview.changes] == [("二、（三）", "changed"),
                                                             ("二、（六）", "removed")]
    assert preview.header == {}
    assert preview.base_hash == policies.content_hash(any_session, policy.id)


def test_preview_diff_shows_inserted_words(any_session, policy):
    parsed, raw = policies.parse_pasted(revised_text())

    preview = policies.preview_revision(any_session, policy_id=policy.id, parsed=parsed,
                                        raw_text=raw)

    changed = preview.changes[0]
    inserted = "".join(op.text for op in changed.ops if op.kind == "insert")
    deleted = "".join(op.text for op in changed.ops if op.kind == "delete")
    assert "印发后3个工作日内" in inserted
    assert "及时" in deleted


def test_preview_of_same_text_rejected(any_session, policy):
    parsed, raw = policies.parse_pasted(ORIGINAL)

    with pytest.raises(InvalidInput) as error:
        policies.preview_revision(any_session, policy_id=policy.id, parsed=parsed, raw_text=raw)

    assert error.value.key == "policy.revision_unchanged"


def test_preview_writes_nothing(any_session, policy):
    parsed, raw = policies.parse_pasted(revised_text())
    before = snapshot(any_session, policy.id)

    policies.preview_revision(any_session, policy_id=policy.id, parsed=parsed, raw_text=raw)
    any_session.commit()

    assert snapshot(any_session, policy.id) == before


# --- duplicates ---------------------------------------------------------------------------

@pytest.mark.parametrize("title, doc_number", [
    (TITLE, ""),
    (f"  {TITLE[:10]} {TITLE[10:]}\u3000", ""),
    (f"《{TITLE}》", ""),
    ("另一个标题", "川交函[2014]25号"),
    ("另一个标题", "川交函（2014）25 号"),
])
def test_find_duplicates_matches(any_session, policy, title, doc_number):
    found = policies.find_duplicates(any_session, title=title, doc_number=doc_number)

    assert [match.id for match in found] == [policy.id]


@pytest.mark.parametrize("title, doc_number", [
    ("另一个标题", ""),
    ("另一个标题", "川交函〔2014〕26号"),
    ("", ""),
])
def test_find_duplicates_no_match(any_session, policy, title, doc_number):
    assert policies.find_duplicates(any_session, title=title, doc_number=doc_number) == []


def test_find_duplicates_excludes_given_policy(any_session, policy):
    assert policies.find_duplicates(any_session, title=TITLE, doc_number="",
                                    exclude_id=policy.id) == []


def test_save_duplicate_rejected(any_session, author, policy):
    with pytest.raises(Conflict) as error:
        save_sichuan(any_session, author, doc_number="")
    any_session.rollback()

    assert error.value.key == "policy.duplicate"
    assert TITLE in error.value.message
    assert len(policies.list_policies(any_session)) == 1


def test_save_duplicate_when_chosen(any_session, author, policy):
    parsed, raw = policies.parse_pasted(ORIGINAL)
    fields = policies.PolicyFields(title=TITLE, doc_number=DOC_NUMBER)

    second = policies.save_policy(any_session, actor=author, parsed=parsed, fields=fields,
                                  source_name=SICHUAN.name, raw_text=raw, allow_duplicate=True)
    any_session.commit()

    row = any_session.exec(select(AuditEntry).where(AuditEntry.action == "policy.create",
                                                    AuditEntry.entity_id == second.id)).one()
    assert second.id != policy.id
    assert json.loads(row.detail)["duplicate_of"] == [policy.id]


def test_option_labels_tell_same_titles_apart(any_session, author, policy):
    parsed, raw = policies.parse_pasted(ORIGINAL)
    second = policies.save_policy(any_session, actor=author, parsed=parsed,
                                  fields=policies.PolicyFields(title=TITLE), source_name="b.txt",
                                  raw_text=raw, allow_duplicate=True)
    any_session.commit()

    labels = policies.option_labels(any_session, [policy.id, second.id])

    assert labels[policy.id] != labels[second.id]
    assert labels[policy.id].startswith(TITLE)
    assert DOC_NUMBER in labels[policy.id]
    assert f"编号 {second.id}" in labels[second.id]


def test_option_label_shows_issue_date(any_session, author, policy):
    policy.issue_date = date(2014, 1, 10)

    assert "2014年1月10日" in policies.option_label(policy)


# --- copy-data ----------------------------------------------------------------------------

def test_copy_data_keeps_revisions(session, actor, db_url, tmp_path):
    policy = save_sichuan(session, actor)
    revise(session, actor, policy.id, note="依据上位法修订")
    target = f"sqlite:///{tmp_path / 'copy.db'}"

    report = datacopy.copy_data(target, source_url=db_url)

    copied = make_engine(target)
    with Session(copied) as other:
        kept = other.exec(select(PolicyRevision)).one()
        assert report.row_counts["policy_revision"] == 1
        assert kept.raw_text == ORIGINAL
        assert kept.note == "依据上位法修订"
        assert other.get(Policy, policy.id).raw_text == revised_text()
    copied.dispose()


# --- 答问口径库 -----------------------------------------------------------------------------

def test_revise_flags_library_entries(any_session):
    session = any_session
    office = make_press_office(session)
    brief = event_documents.create_document(
        session, actor=office.author, event_id=office.event().id,
        role=EventDocument.ANSWER_BRIEF, disclosure=Disclosure.PUBLIC)
    session.commit()
    office.approve_fully(brief.id)
    hits_before = answer_library.search(session, query="").hits
    assert hits_before and not any(hit.policy_changed for hit in hits_before)

    result = revise(session, office.author, office.policy.id)

    hits_after = answer_library.search(session, query="").hits
    assert all(hit.policy_changed for hit in hits_after)
    assert ({entry.id for entry in result.library_entries}
            == {hit.entry.id for hit in hits_after})


REASON = "内部工作材料，属于过程性信息。"
BASIS = "《中华人民共和国政府信息公开条例》第十六条第二款"


PRIVATE_QUESTION = "内部掌握：修订后过渡期如何安排？"


def approved_brief(office, disclosure) -> int:
    """Book an event on the policy and take its 答问口径 through 审发; return the draft id.

    A restricted brief has PRIVATE_QUESTION as its first question, so its entries differ
    from a public brief's, which the same template fills with the same questions.
    """
    restricted = disclosure != Disclosure.PUBLIC
    brief = event_documents.create_document(
        office.session, actor=office.author, event_id=office.event().id,
        role=EventDocument.ANSWER_BRIEF, disclosure=disclosure,
        disclosure_reason=REASON if restricted else "", disclosure_basis=BASIS if restricted else "")
    if restricted:
        first = office.session.exec(select(DraftSection).where(
            DraftSection.draft_id == brief.id, DraftSection.key == "part_1")).one()
        first.title = PRIVATE_QUESTION
        office.session.add(first)
    office.session.commit()
    office.approve_fully(brief.id)
    return brief.id


def restricted_interpretation(office) -> int:
    """A 不公开 政策解读 of the policy, whose prefill cites the clause 二、（六） that
    revised_text() drops."""
    draft = drafts.create_from_policy(office.session, actor=office.author,
                                      policy_id=office.policy.id, kind=DraftKind.INTERPRETATION,
                                      disclosure=Disclosure.NOT_PUBLIC, disclosure_reason=REASON,
                                      disclosure_basis=BASIS)
    office.session.commit()
    return draft.id


def entry_questions(session, draft_id) -> set[str]:
    return {hit.entry.question for hit in answer_library.search(session, query="").hits
            if hit.entry.draft_id == draft_id}


def test_revise_hides_unreadable_entries_and_drafts(any_session):
    office = make_press_office(any_session)
    public_brief = approved_brief(office, Disclosure.PUBLIC)
    private_brief = approved_brief(office, Disclosure.NOT_PUBLIC)
    private_draft = restricted_interpretation(office)
    public_questions = entry_questions(any_session, public_brief)
    private_questions = entry_questions(any_session, private_brief)
    assert public_questions and private_questions

    result = revise(any_session, office.outsider, office.policy.id)

    shown = {entry.question for entry in result.library_entries}
    assert {entry.draft_id for entry in result.library_entries} == {public_brief}
    assert shown == public_questions
    assert PRIVATE_QUESTION in private_questions
    assert PRIVATE_QUESTION not in shown
    assert result.hidden_entries == len(private_questions)
    assert private_draft not in [gap.draft_id for gap in result.citation_gaps]
    assert result.hidden_gaps == 1


def test_revise_lists_all_for_reader(any_session):
    office = make_press_office(any_session)
    private_brief = approved_brief(office, Disclosure.NOT_PUBLIC)
    private_draft = restricted_interpretation(office)

    result = revise(any_session, office.author, office.policy.id)

    assert {entry.draft_id for entry in result.library_entries} == {private_brief}
    assert result.hidden_entries == 0
    assert [gap.draft_id for gap in result.citation_gaps] == [private_draft]
    assert result.hidden_gaps == 0


# --- the 政策文件 page ------------------------------------------------------------------------

APP = "../app.py"


@pytest.fixture
def staff(app_engine):
    with Session(app_engine, expire_on_commit=False) as session:
        unit = factories.make_unit(session, "政策法规处")
        return factories.make_user(session, "staff", unit=unit, display_name="周敏",
                                   roles={Role.DRAFTER, Role.ADMIN})


@pytest.fixture
def saved(app_engine, staff):
    """The Sichuan policy with a 政策解读 draft made from it."""
    with Session(app_engine, expire_on_commit=False) as session:
        policy = save_sichuan(session, staff)
        drafts.create_from_policy(session, actor=staff, policy_id=policy.id,
                                  kind=DraftKind.INTERPRETATION, disclosure=Disclosure.PUBLIC)
        session.commit()
        return policy


def open_policies(user) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=30)
    factories.sign_in_state(app, user)
    app.run()
    app.switch_page("views/policies.py").run()
    assert not app.exception
    return app


def click(app: AppTest, label: str) -> AppTest:
    matches = [b for b in app.button if b.label == label]
    assert matches, f"no button labelled {label}; have {[b.label for b in app.button]}"
    return matches[0].click().run()


def page_text(app: AppTest) -> str:
    parts = [element.value for kind in ("markdown", "caption", "info", "warning", "success",
                                        "error") for element in app.get(kind)]
    return "\n".join(str(part) for part in parts)


def test_page_revise_flow(app_engine, staff, saved, tmp_path):
    revised_file = tmp_path / "实施意见（修订）.txt"
    revised_file.write_text(revised_text(), encoding="utf-8")
    app = open_policies(staff)

    app.file_uploader(key="policies_revise_upload").upload(
        revised_file.name, revised_file.read_bytes(), "text/plain").run()
    click(app, "解析修订版")
    assert not app.exception
    assert not app.error
    assert any("修改 1 处，新增 0 处，删除 1 处" in info.value for info in app.info)
    note = [area for area in app.text_area if area.label == "修订说明（选填）"]
    note[0].input("按2026年修订稿替换")
    click(app, "确认以修订版替换")

    assert not app.exception
    assert not app.error
    text = page_text(app)
    assert "替换前的文本保存为修订记录第 1 版" in text
    assert "二、（六）" in text                      # the draft citing the removed clause
    assert "第 1 版" in "\n".join(e.label for e in app.expander)
    old_text = [area for area in app.text_area if area.label == "该版原文"]
    assert old_text and old_text[0].value == ORIGINAL
    with Session(app_engine) as session:
        stored = session.get(Policy, saved.id)
        assert stored.raw_text == revised_text()
        assert [r.revision.note for r in policies.revisions(session, saved.id)] == [
            "按2026年修订稿替换"]


def test_page_bad_revision_upload_changes_nothing(app_engine, staff, saved):
    with Session(app_engine) as session:
        before = snapshot(session, saved.id)
    app = open_policies(staff)

    app.file_uploader(key="policies_revise_upload").upload(
        "实施意见（修订）.docx", b"not a zip at all", "application/octet-stream").run()
    click(app, "解析修订版")

    assert not app.exception
    assert "实施意见（修订）.docx" in app.error[0].value
    assert not [b for b in app.button if b.label == "确认以修订版替换"]
    with Session(app_engine) as session:
        assert snapshot(session, saved.id) == before


def test_page_duplicate_import_offers_choice(app_engine, staff, saved):
    app = open_policies(staff)
    app.file_uploader(key="policies_upload").upload(SICHUAN.name, SICHUAN.read_bytes(),
                                                     "text/plain").run()
    click(app, "解析")
    app.text_input[0].input(TITLE)
    click(app, "保存")

    assert not app.exception
    assert any("已有标题或发文字号相同" in w.value for w in app.warning)
    labels = [b.label for b in app.button]
    assert f"作为修订版替换《{TITLE}》" in labels
    assert "仍作为新政策保存" in labels
    with Session(app_engine) as session:
        assert len(policies.list_policies(session)) == 1

    click(app, "仍作为新政策保存")

    assert not app.error
    with Session(app_engine) as session:
        assert len(policies.list_policies(session)) == 2


def test_page_duplicate_import_as_revision(app_engine, staff, saved, tmp_path):
    revised_file = tmp_path / "实施意见（修订）.txt"
    revised_file.write_text(revised_text(), encoding="utf-8")
    app = open_policies(staff)
    app.file_uploader(key="policies_upload").upload(revised_file.name,
                                                     revised_file.read_bytes(),
                                                     "text/plain").run()
    click(app, "解析")
    app.text_input[0].input(TITLE)
    click(app, "保存")

    click(app, f"作为修订版替换《{TITLE}》")
    assert any("删除 1 处" in info.value for info in app.info)
    click(app, "确认以修订版替换")

    assert not app.error
    with Session(app_engine) as session:
        assert len(policies.list_policies(session)) == 1
        assert session.get(Policy, saved.id).raw_text == revised_text()
        assert len(policies.revisions(session, saved.id)) == 1


def test_page_names_library_entries_after_revision(app_engine):
    with Session(app_engine, expire_on_commit=False) as session:
        office = make_press_office(session)
        brief = event_documents.create_document(
            session, actor=office.author, event_id=office.event().id,
            role=EventDocument.ANSWER_BRIEF, disclosure=Disclosure.PUBLIC)
        session.commit()
        office.approve_fully(brief.id)
        questions = [hit.entry.question for hit in answer_library.search(session, query="").hits]
    app = open_policies(office.author)

    app.text_area(key="policies_revise_paste").input(revised_text()).run()
    click(app, "解析修订版")
    click(app, "确认以修订版替换")

    assert not app.error
    warnings = "\n".join(w.value for w in app.warning)
    assert f"答问口径库中有 {len(questions)} 条答问依据的是替换前的文本" in warnings
    assert all(question in warnings for question in questions)


def test_page_hides_unreadable_entries_after_revision(app_engine):
    with Session(app_engine, expire_on_commit=False) as session:
        office = make_press_office(session)
        public_brief = approved_brief(office, Disclosure.PUBLIC)
        private_brief = approved_brief(office, Disclosure.NOT_PUBLIC)
        private_title = session.get(Draft, restricted_interpretation(office)).title
        public_count = len(entry_questions(session, public_brief))
        private_count = len(entry_questions(session, private_brief))
    app = open_policies(office.outsider)

    app.text_area(key="policies_revise_paste").input(revised_text()).run()
    click(app, "解析修订版")
    click(app, "确认以修订版替换")

    assert not app.exception
    assert not app.error
    warnings = "\n".join(w.value for w in app.warning)
    total = public_count + private_count
    assert f"答问口径库中有 {total} 条答问依据的是替换前的文本" in warnings
    assert f"另有 {private_count} 条您无权查看" in warnings
    assert PRIVATE_QUESTION not in warnings
    # No draft title is listed above it, so the count reads "其中", not "另有".
    assert "其中 1 篇稿件您无权查看" in warnings
    assert "另有 1 篇稿件" not in warnings
    assert inside_quotes(private_title) not in warnings


def test_page_selector_tells_same_titles_apart(app_engine, staff, saved):
    parsed, raw = policies.parse_pasted(ORIGINAL)
    with Session(app_engine, expire_on_commit=False) as session:
        second = policies.save_policy(session, actor=staff, parsed=parsed,
                                      fields=policies.PolicyFields(title=TITLE),
                                      source_name="b.txt", raw_text=raw, allow_duplicate=True)
        session.commit()
    app = open_policies(staff)

    options = app.selectbox(key="policies_select_box").options

    assert len(options) == 2
    assert len(set(options)) == 2
    assert any(DOC_NUMBER in option for option in options)
    assert any(f"编号 {second.id}" in option for option in options)
