"""The review through the pages (AppTest): sign-in, then three different people take one
draft through 初审, 审核 and 审发, with one return on the way, and 我的待办 lists the right
items for each of them."""

from dataclasses import dataclass

import pytest
import streamlit as st
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from planner.models import Disclosure, Draft, DraftKind, DraftStatus, Role, User
from planner.services import coedit, drafts, policies, review
from tests.factories import make_unit, make_user, sign_in_form, sign_in_state
from tests.review_ready import fill_placeholders
from tests.test_review import POLICY_TEXT

APP = "../app.py"
S = DraftStatus


@dataclass
class People:
    author: User
    peer: User
    head: User
    boss: User
    draft_id: int
    title: str


@pytest.fixture
def people(engine, session) -> People:
    st.cache_resource.clear()   # no engine cached from an earlier test
    unit = make_unit(session, "政策法规处")
    author = make_user(session, "zhangming", unit=unit, roles={Role.DRAFTER},
                       display_name="张明")
    peer = make_user(session, "lihua", unit=unit, roles={Role.DRAFTER}, display_name="李华")
    head = make_user(session, "wangqiang", unit=unit, roles={Role.DEPARTMENT_HEAD},
                     display_name="王强")
    boss = make_user(session, "zhaoli", unit=make_unit(session, "厅领导"),
                     roles={Role.UNIT_HEAD}, display_name="赵丽")
    parsed, raw = policies.parse_pasted(POLICY_TEXT)
    policy = policies.save_policy(session, actor=author, parsed=parsed,
                                  fields=policies.PolicyFields(title="关于做好政务公开工作的通知"),
                                  source_name="通知.txt", raw_text=raw)
    draft = drafts.create_from_policy(session, actor=author, policy_id=policy.id,
                                      kind=DraftKind.INTERPRETATION,
                                      disclosure=Disclosure.PUBLIC)
    session.commit()
    fill_placeholders(session, author, draft.id)
    yield People(author=author, peer=peer, head=head, boss=boss, draft_id=draft.id,
                 title=draft.title)
    st.cache_resource.clear()


def signed_in(user: User, page: str) -> AppTest:
    """A fresh browser session: the sign-in form, then `page`."""
    app = AppTest.from_file(APP, default_timeout=30)
    app.run()
    sign_in_form(app, user.username)
    assert not app.exception
    app.switch_page(page).run()
    assert not app.exception
    return app


def button(app: AppTest, label: str):
    matches = [b for b in app.button if b.label == label]
    assert matches, f"no button labelled {label}; have {[b.label for b in app.button]}"
    return matches[0]


def status_of(engine, draft_id: int) -> str:
    with Session(engine) as session:
        return session.get(Draft, draft_id).status


def queue_headings(app: AppTest) -> list[str]:
    return [sub.value for sub in app.subheader]


def follow(app: AppTest, label: str, page: str, title: str) -> AppTest:
    """Press a button that switches page, check where it led, and stay on that page
    (AppTest runs its own current page again on the next run, not the one switched to)."""
    button(app, label).click().run()
    assert not app.exception
    assert [t.value for t in app.title] == [title]
    return app.switch_page(page).run()


def decide(user: User, label: str, opinion: str) -> AppTest:
    """Open 我的待办, go to the waiting draft, write the opinion and press `label`."""
    app = follow(signed_in(user, "views/queue.py"), "去审查", "views/review.py", "稿件审查")
    app.text_area[0].input(opinion)
    button(app, label).click().run()
    assert not app.exception
    assert not app.error, [e.value for e in app.error]
    return app


def test_review_three_people_with_return(people, engine):
    author_app = signed_in(people.author, "views/drafts.py")
    button(author_app, "送审").click().run()
    assert any("已送审" in s.value for s in author_app.success)
    assert status_of(engine, people.draft_id) == S.PENDING_FIRST

    peer_queue = signed_in(people.peer, "views/queue.py")
    assert queue_headings(peer_queue) == ["待我初审（1 篇）"]
    assert peer_queue.dataframe[0].value["稿件"].tolist() == [people.title]
    decide(people.peer, "初审通过", "同意。")
    assert status_of(engine, people.draft_id) == S.PENDING_SECOND

    head_queue = signed_in(people.head, "views/queue.py")
    assert queue_headings(head_queue) == ["待我审核（1 篇）"]
    decide(people.head, "退回承办人员", "第一部分请补充数据来源。")
    assert status_of(engine, people.draft_id) == S.RETURNED

    author_queue = signed_in(people.author, "views/queue.py")
    assert queue_headings(author_queue) == ["被退回的稿件（1 篇）"]
    assert author_queue.dataframe[0].value["退回理由"].tolist() == ["第一部分请补充数据来源。"]
    follow(author_queue, "去修改", "views/drafts.py", "稿件编辑")
    assert any("第一部分请补充数据来源" in w.value for w in author_queue.warning)
    author_queue.text_area(key=next(k for k in _text_area_keys(author_queue)
                                    if k.startswith("drafts_body_"))).input("据统计，全省已公开文件一千余件。")
    button(author_queue, "保存本段").click().run()
    assert not author_queue.error
    button(author_queue, "送审").click().run()
    assert status_of(engine, people.draft_id) == S.PENDING_FIRST

    decide(people.peer, "初审通过", "已按意见补充，同意。")
    head_review = follow(signed_in(people.head, "views/queue.py"), "去审查", "views/review.py",
                         "稿件审查")
    diff_html = "".join(m.value for m in head_review.markdown)
    assert "<ins" in diff_html and "全省已公开文件一千余件" in diff_html
    decide(people.head, "审核通过", "同意。")
    assert status_of(engine, people.draft_id) == S.PENDING_FINAL

    boss_queue = signed_in(people.boss, "views/queue.py")
    assert queue_headings(boss_queue) == ["待我审发（1 篇）"]
    decide(people.boss, "审发通过", "同意发布。")
    assert status_of(engine, people.draft_id) == S.APPROVED

    for user in (people.head, people.boss):
        empty = signed_in(user, "views/queue.py")
        assert [i.value for i in empty.info] == ["目前没有等待您处理的稿件。"]
    for user in (people.peer, people.author):   # 承办人员 of the drafting unit may 发布
        releasing = signed_in(user, "views/queue.py")
        assert queue_headings(releasing) == ["待发布（1 篇）"]
        assert [b.label for b in releasing.button if b.label == "去发布"] == ["去发布"]

    with Session(engine) as session:
        records = review.decisions(session, people.draft_id)
    assert [(r.actor_name, r.decision.outcome) for r in records] == [
        ("张明", "submit"), ("李华", "approve"), ("王强", "return"),
        ("张明", "submit"), ("李华", "approve"), ("王强", "approve"), ("赵丽", "approve")]


@pytest.mark.parametrize("reason", ["请先处理巡查频次的批注。", "请先处理巡查频次的批注"])
def test_returned_draft_shows_reason_once_punctuated(people, engine, reason):
    with Session(engine) as session:
        review.submit(session, actor=people.author, draft_id=people.draft_id)
        review.return_to_drafter(session, actor=people.peer, draft_id=people.draft_id,
                                 reason=reason)
        session.commit()

    app = signed_in(people.author, "views/drafts.py")

    [returned] = [w.value for w in app.warning if "退回" in w.value]
    assert returned == f"这篇稿件被李华退回，请修改后重新送审。退回理由：{reason}"
    assert "。。" not in returned


def test_queue_assigned_choice_nests_title_marks(people, engine):
    with Session(engine) as session:
        section = drafts.list_sections(session, people.draft_id)[0]
        section_title = section.title
        coedit.assign_section(session, actor=people.author, section_id=section.id,
                              assignee_id=people.peer.id, read_only=False)
        session.commit()

    app = signed_in(people.peer, "views/queue.py")

    # The draft title sets the policy title in 《》; inside the choice's own 《》 it is 〈〉.
    assert people.title == "关于《关于做好政务公开工作的通知》的政策解读"
    assert app.selectbox(key="queue_assigned_pick").options == [
        f"《关于〈关于做好政务公开工作的通知〉的政策解读》· {section_title}"]


def _text_area_keys(app: AppTest) -> list[str]:
    return [area.key for area in app.text_area if area.key]


def test_release_button_after_final_approval(people, engine):
    with Session(engine, expire_on_commit=False) as session:
        review.submit(session, actor=people.author, draft_id=people.draft_id)
        review.approve(session, actor=people.peer, draft_id=people.draft_id, opinion="同意")
        review.approve(session, actor=people.head, draft_id=people.draft_id, opinion="同意")
        session.commit()

    waiting = signed_in(people.author, "views/drafts.py")
    assert "发布" not in [b.label for b in waiting.button]

    with Session(engine, expire_on_commit=False) as session:
        review.approve(session, actor=people.boss, draft_id=people.draft_id, opinion="同意")
        session.commit()
    approved = signed_in(people.author, "views/drafts.py")
    assert button(approved, "发布").disabled   # until the confirmation is ticked
    approved.checkbox(key=f"drafts_confirm_release_{people.draft_id}").check().run()
    button(approved, "发布").click().run()

    assert not approved.error
    assert any("已发布" in s.value for s in approved.success)
    assert status_of(engine, people.draft_id) == S.RELEASED


def test_edit_after_approval_needs_confirmation(people, engine):
    with Session(engine, expire_on_commit=False) as session:
        review.submit(session, actor=people.author, draft_id=people.draft_id)
        review.approve(session, actor=people.peer, draft_id=people.draft_id, opinion="同意")
        session.commit()
    app = signed_in(people.author, "views/drafts.py")
    assert any("退回草稿" in w.value for w in app.warning)
    body_key = next(k for k in _text_area_keys(app) if k.startswith("drafts_body_"))

    app.text_area(key=body_key).input("审核期间的修改。")
    button(app, "保存本段").click().run()
    assert any("勾选" in e.value for e in app.error)
    assert status_of(engine, people.draft_id) == S.PENDING_SECOND

    app.checkbox(key=f"drafts_confirm_reset_{people.draft_id}").check().run()
    app.text_area(key=body_key).input("审核期间的修改。")
    button(app, "保存本段").click().run()
    assert not app.error
    assert status_of(engine, people.draft_id) == S.DRAFT


def test_queue_after_sign_in(people):
    app = AppTest.from_file(APP, default_timeout=30)
    app.run()

    assert [b.label for b in app.button if b.label == "登录"] == ["登录"]
    sign_in_state(app, people.peer).run()
    app.switch_page("views/queue.py").run()
    assert not app.exception
    assert [i.value for i in app.info] == ["目前没有等待您处理的稿件。"]


def test_queue_lists_own_draft_in_review(people, engine):
    author_app = signed_in(people.author, "views/drafts.py")
    button(author_app, "送审").click().run()
    assert status_of(engine, people.draft_id) == S.PENDING_FIRST

    app = signed_in(people.author, "views/queue.py")

    assert queue_headings(app) == ["我送审的稿件（审查中，1 篇）"]
    assert [i.value for i in app.info] == []
    table = app.dataframe[0].value
    assert table["稿件"].tolist() == [people.title]
    assert table["状态"].tolist() == ["待初审"]
    assert table["下一步"].tolist() == ["初审"]
    assert table["办理人"].tolist() == ["李华"]


def test_queue_own_draft_moves_to_next_level(people, engine, session):
    review.submit(session, actor=people.author, draft_id=people.draft_id)
    review.approve(session, actor=people.peer, draft_id=people.draft_id, opinion="同意。")
    session.commit()

    app = signed_in(people.author, "views/queue.py")

    table = app.dataframe[0].value
    assert table["状态"].tolist() == ["待审核"]
    assert table["办理人"].tolist() == ["王强"]


def test_submitted_in_review_only_own_drafts(people, session):
    review.submit(session, actor=people.author, draft_id=people.draft_id)
    session.commit()

    mine = review.submitted_in_review(session, actor=people.author)
    others = review.submitted_in_review(session, actor=people.peer)

    assert [entry.item.draft_id for entry in mine] == [people.draft_id]
    assert mine[0].next_step.names == ("李华",)
    assert others == []
