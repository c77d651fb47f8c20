"""Who may read a draft by its 公开属性, on SQLite and PostgreSQL.

A table of readers × 公开属性 runs the real services (the list, opening a draft, the Word
export), then the places that quote a draft's content: the review record, editing by an
expert, the 答问口径库 search and reuse. The refusal messages name the unit, never the
title.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from io import BytesIO

import pytest
from docx import Document
from sqlmodel import select

from planner.errors import PermissionDenied
from planner.models import (AnswerLibraryEntry, AnswerTier, Disclosure, Draft, DraftKind,
                            DraftSection, ReviewDecision, ReviewLevel, ReviewOutcome, Role,
                            RoleAssignment, User)
from planner.permissions import probing, require
from planner.services import answer_library, coedit, draft_access, drafts, policies, review
from tests import factories

POLICY_TEXT = ("关于做好交通运输政务公开工作的通知\n"
               "一、总体要求\n坚持以公开为常态。\n二、主要任务\n及时回应社会关切。")
REASON = "内部研究材料，属于过程性信息。"
BASIS = "《中华人民共和国政府信息公开条例》第十六条第二款"
SECRET_TITLE = "内部掌握的口径（测试）"
SECRET_BODY = "拟于下月调整过路费标准（内部掌握，不得外传）"

# reader → (unit it holds its role in, role, may read a restricted draft)
READERS = {
    "author": ("drafting", Role.DRAFTER, True),
    "assignee": ("other", Role.EXPERT, True),
    "drafter_same_unit": ("drafting", Role.DRAFTER, True),
    "head_same_unit": ("drafting", Role.DEPARTMENT_HEAD, True),
    "expert_same_unit": ("drafting", Role.EXPERT, True),
    "spokesperson_same_unit": ("drafting", Role.SPOKESPERSON, True),
    "unit_head_other_unit": ("other", Role.UNIT_HEAD, True),
    "office_other_unit": ("office", Role.GENERAL_OFFICE, True),
    "drafter_other_unit": ("other", Role.DRAFTER, False),
    "head_other_unit": ("other", Role.DEPARTMENT_HEAD, False),
    "expert_other_unit": ("other", Role.EXPERT, False),
    "spokesperson_other_unit": ("other", Role.SPOKESPERSON, False),
    "admin_same_unit": ("drafting", Role.ADMIN, False),
}


@dataclass
class Desk:
    """Three drafts of the same text, one per 公开属性, and one user per reader."""

    session: object
    drafts: dict[Disclosure, int]
    users: dict[str, User]
    units: dict[str, object]


@pytest.fixture
def desk(any_session) -> Desk:
    session = any_session
    units = {"drafting": factories.make_unit(session, "省交通宣传中心"),
             "other": factories.make_unit(session, "政策法规处"),
             "office": factories.make_unit(session, "厅办公室")}
    users = {name: factories.make_user(session, name.replace("_", "-"), unit=units[where],
                                       roles={role})
             for name, (where, role, _) in READERS.items()}

    parsed, raw = policies.parse_pasted(POLICY_TEXT)
    policy = policies.save_policy(session, actor=users["author"], parsed=parsed,
                                  fields=policies.PolicyFields(title="关于做好政务公开工作的通知"),
                                  source_name="粘贴的文本", raw_text=raw)
    made = {disclosure: _secret_draft(session, users["author"], policy.id, disclosure)
            for disclosure in Disclosure}
    for draft_id in made.values():
        first = drafts.list_sections(session, draft_id)[0]
        coedit.assign_section(session, actor=users["author"], section_id=first.id,
                              assignee_id=users["assignee"].id, read_only=False)
    session.commit()
    return Desk(session=session, drafts=made, users=users, units=units)


def _secret_draft(session, author: User, policy_id: int, disclosure: Disclosure) -> int:
    public = disclosure == Disclosure.PUBLIC
    draft = drafts.create_from_policy(session, actor=author, policy_id=policy_id,
                                      kind=DraftKind.QA, disclosure=disclosure,
                                      disclosure_reason="" if public else REASON,
                                      disclosure_basis="" if public else BASIS)
    section = drafts.list_sections(session, draft.id)[0]
    section.title, section.body = SECRET_TITLE, SECRET_BODY
    session.add(section)
    session.flush()
    return draft.id


TABLE = [pytest.param(reader, disclosure,
                      READERS[reader][2] or disclosure == Disclosure.PUBLIC,
                      id=f"{reader}-{disclosure}")
         for reader in READERS for disclosure in Disclosure]


@pytest.mark.parametrize(("reader", "disclosure", "allowed"), TABLE)
def test_read_by_role_and_disclosure(desk, reader, disclosure, allowed):
    actor, draft_id = desk.users[reader], desk.drafts[disclosure]
    draft = desk.session.get(Draft, draft_id)

    assert draft_access.may_read(desk.session, actor=actor, draft=draft) is allowed
    listed = {row.id for row in drafts.list_drafts(desk.session, actor=actor)}
    assert (draft_id in listed) is allowed

    if allowed:
        assert drafts.open_draft(desk.session, actor=actor, draft_id=draft_id).id == draft_id
        _, data = drafts.export_docx(desk.session, draft_id, actor=actor)
        text = "\n".join(p.text for p in Document(BytesIO(data)).paragraphs)
        assert SECRET_BODY in text
        return

    with pytest.raises(PermissionDenied) as opened:
        drafts.open_draft(desk.session, actor=actor, draft_id=draft_id)
    assert opened.value.message.startswith("您没有权限阅读")
    with pytest.raises(PermissionDenied):
        drafts.export_docx(desk.session, draft_id, actor=actor)


@pytest.mark.parametrize("disclosure", list(Disclosure))
def test_read_by_deactivated_colleague_denied(desk, disclosure):
    former = desk.users["drafter_same_unit"]
    former.is_active = False
    desk.session.add(former)
    desk.session.commit()
    draft = desk.session.get(Draft, desk.drafts[disclosure])

    assert not draft_access.may_read(desk.session, actor=former, draft=draft)
    assert drafts.list_drafts(desk.session, actor=former) == []


def test_read_by_former_reviewer_allowed(desk):
    """Whoever decided on a draft keeps reading it after their role moved to another unit."""
    session = desk.session
    draft_id = desk.drafts[Disclosure.NOT_PUBLIC]
    peer = desk.users["drafter_same_unit"]
    # The 初审 decision as review.approve stores it; the review itself is tested elsewhere.
    session.add(ReviewDecision(draft_id=draft_id, review_round=1, level=ReviewLevel.FIRST,
                               outcome=ReviewOutcome.APPROVE, actor_id=peer.id,
                               content_hash="0" * 64))
    old_role = session.exec(select(RoleAssignment).where(RoleAssignment.user_id == peer.id)).one()
    session.delete(old_role)
    session.commit()
    factories.grant(session, peer, Role.DRAFTER, desk.units["other"])

    draft = session.get(Draft, draft_id)
    assert draft_access.may_read(session, actor=peer, draft=draft)
    assert not draft_access.may_read(session, actor=desk.users["drafter_other_unit"],
                                     draft=draft)


def test_list_without_actor_shows_public_only(desk):
    listed = {row.id for row in drafts.list_drafts(desk.session)}

    assert listed == {desk.drafts[Disclosure.PUBLIC]}


def test_refusal_names_unit_not_title(desk):
    draft_id = desk.drafts[Disclosure.NOT_PUBLIC]

    with pytest.raises(PermissionDenied) as error:
        drafts.open_draft(desk.session, actor=desk.users["drafter_other_unit"],
                          draft_id=draft_id)

    message = error.value.message
    assert "不公开" in message
    assert "省交通宣传中心" in message
    assert SECRET_TITLE not in message
    draft = desk.session.get(Draft, draft_id)
    assert draft.title not in message


# --- Places that quote the content ---------------------------------------------------------

@pytest.mark.parametrize(("disclosure", "allowed"), [(Disclosure.PUBLIC, True),
                                                     (Disclosure.ON_REQUEST, False),
                                                     (Disclosure.NOT_PUBLIC, False)])
def test_review_record_by_admin(desk, disclosure, allowed):
    """管理员 reads review records, but the record quotes the text (内容摘要)."""
    admin, draft_id = desk.users["admin_same_unit"], desk.drafts[disclosure]

    assert review.may_read_record(desk.session, actor=admin, draft_id=draft_id) is allowed
    if allowed:
        assert SECRET_BODY in review.review_record(desk.session, actor=admin,
                                                   draft_id=draft_id).summary
        return
    with pytest.raises(PermissionDenied):
        review.review_record(desk.session, actor=admin, draft_id=draft_id)
    with pytest.raises(PermissionDenied):
        review.record_docx(desk.session, actor=admin, draft_id=draft_id)


@pytest.mark.parametrize(("disclosure", "allowed"), [(Disclosure.PUBLIC, True),
                                                     (Disclosure.NOT_PUBLIC, False)])
def test_save_section_by_unassigned_expert(desk, disclosure, allowed):
    expert, draft_id = desk.users["expert_other_unit"], desk.drafts[disclosure]
    section = drafts.list_sections(desk.session, draft_id)[1]

    def save():
        return drafts.save_section(desk.session, actor=expert, section_id=section.id,
                                   title=section.title, body="专家补充的内容。",
                                   base_version=section.version)

    if allowed:
        assert save().body == "专家补充的内容。"
        return
    with pytest.raises(PermissionDenied):
        save()
    desk.session.rollback()
    assert desk.session.get(DraftSection, section.id).body != "专家补充的内容。"


def _library_entry(session, draft_id: int, question: str) -> AnswerLibraryEntry:
    entry = AnswerLibraryEntry(question=question, answer=SECRET_BODY, tier=AnswerTier.MUST,
                               search_text=answer_library.search_text(question, SECRET_BODY),
                               draft_id=draft_id, section_key="q1",
                               approved_at=datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc))
    session.add(entry)
    session.commit()
    return entry


def test_library_search_hides_restricted_entries(desk):
    session = desk.session
    for disclosure, draft_id in desk.drafts.items():
        _library_entry(session, draft_id, f"问题（{disclosure}）")

    def questions(reader: str) -> set[str]:
        page = answer_library.search(session, query="过路费", actor=desk.users[reader])
        assert page.total == len(page.hits)
        return {hit.entry.question for hit in page.hits}

    assert questions("drafter_other_unit") == {"问题（public）"}
    assert questions("drafter_same_unit") == {"问题（public）", "问题（on_request）",
                                              "问题（not_public）"}
    assert questions("office_other_unit") == questions("drafter_same_unit")


def test_library_reuse_of_restricted_entry_denied(desk):
    session = desk.session
    secret = _library_entry(session, desk.drafts[Disclosure.NOT_PUBLIC], "内部问题")
    outsider = desk.users["drafter_other_unit"]

    with pytest.raises(PermissionDenied) as error:
        answer_library.reuse(session, actor=outsider, entry_id=secret.id,
                             draft_id=desk.drafts[Disclosure.PUBLIC])

    assert "口径库答问" in error.value.message
    assert SECRET_BODY not in error.value.message


# --- Refusal messages and probes -----------------------------------------------------------

def test_unit_bound_refusal_names_both_units(desk):
    """Someone who is a 承办人员 elsewhere learns which unit the check needs."""
    outsider = desk.users["drafter_other_unit"]

    with pytest.raises(PermissionDenied) as error:
        require(desk.session, outsider, "submit_draft", {Role.DRAFTER},
                unit_id=desk.units["drafting"].id)

    message = error.value.message
    assert message.startswith("您没有权限送审这篇稿件")
    assert "需要省交通宣传中心的承办人员角色；您的角色在政策法规处" in message


def test_unit_bound_refusal_without_roles(desk):
    nobody = factories.make_user(desk.session, "nobody", unit=desk.units["other"], roles=set())

    with pytest.raises(PermissionDenied) as error:
        require(desk.session, nobody, "submit_draft", {Role.DRAFTER, Role.EXPERT},
                unit_id=desk.units["drafting"].id)

    assert "需要省交通宣传中心的承办人员或专家角色；您目前没有任何单位的角色" in error.value.message


def test_refused_read_is_logged(desk, caplog):
    caplog.set_level(logging.WARNING, logger="planner.permissions")
    outsider = desk.users["drafter_other_unit"]
    draft_id = desk.drafts[Disclosure.NOT_PUBLIC]

    with pytest.raises(PermissionDenied):
        drafts.open_draft(desk.session, actor=outsider, draft_id=draft_id)

    unit_id = desk.units["drafting"].id
    assert [r.getMessage() for r in caplog.records] == [
        f"permission denied: user {outsider.id}, action read_draft, unit {unit_id}"]


def test_probed_read_is_not_logged(desk, caplog):
    caplog.set_level(logging.WARNING, logger="planner.permissions")
    outsider = desk.users["drafter_other_unit"]
    draft = desk.session.get(Draft, desk.drafts[Disclosure.NOT_PUBLIC])

    with probing(), pytest.raises(PermissionDenied):
        draft_access.require_reader(desk.session, actor=outsider, draft=draft)
    assert not drafts.may_read(desk.session, actor=outsider, draft=draft)
    assert review.may_read_record(desk.session, actor=outsider, draft_id=draft.id) is False
    answer_library.reuse_targets(desk.session, actor=desk.users["expert_other_unit"])

    assert [r.getMessage() for r in caplog.records] == []
