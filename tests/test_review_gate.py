"""The gate around the review. Fill-in prompts block 送审, 通过 and 发布. 送审 is rejected
while some level has no eligible reviewer. The release rule names who may 发布, and the
example office can take an event document through the whole review. Services run on a real
SQLite file (PostgreSQL too for the reviewer query), pages through AppTest."""

from dataclasses import dataclass
from datetime import date

import pytest
import sqlalchemy as sa
import streamlit as st
from sqlmodel import Session, func, select
from streamlit.testing.v1 import AppTest

from planner.config import get_settings
from planner.errors import Conflict, InvalidInput, NotFound
from planner.models import (AnswerTier, AuditEntry, Disclosure, Draft, DraftKind, DraftRelease,
                            DraftSection, DraftStatus, EventDocument, ReviewDecision,
                            ReviewLevel, Role, Unit, User)
from planner.services import drafts, event_documents, policies, review, seed
from tests.factories import TEST_PASSWORD, grant, make_unit, make_user, sign_in_state
from tests.review_ready import FILLED, fill_placeholders
from tests.test_review import POLICY_TEXT

APP = "../app.py"
S = DraftStatus
PROMPT = "（请补充：写明数据来源。）"


@dataclass
class Office:
    """政策法规处 with an author and, unless a test leaves them out, a reviewer per level."""

    session: Session
    unit: Unit
    author: User
    policy_id: int

    def person(self, username: str, role: Role, unit: Unit | None = None, **extra) -> User:
        return make_user(self.session, username, unit=unit or self.unit, roles={role},
                         display_name=extra.pop("display_name", username), **extra)

    def full_team(self) -> tuple[User, User, User]:
        return (self.person("lihua", Role.DRAFTER, display_name="李华"),
                self.person("wangqiang", Role.DEPARTMENT_HEAD, display_name="王强"),
                self.person("zhaoli", Role.UNIT_HEAD, make_unit(self.session, "厅领导"),
                            display_name="赵丽"))

    def new_draft(self, *, filled: bool = True) -> Draft:
        draft = drafts.create_from_policy(self.session, actor=self.author,
                                          policy_id=self.policy_id,
                                          kind=DraftKind.INTERPRETATION,
                                          disclosure=Disclosure.PUBLIC)
        self.session.commit()
        if filled:
            fill_placeholders(self.session, self.author, draft.id)
        return draft


@pytest.fixture
def office(session) -> Office:
    unit = make_unit(session, "政策法规处")
    author = make_user(session, "zhangming", unit=unit, roles={Role.DRAFTER},
                       display_name="张明")
    parsed, raw = policies.parse_pasted(POLICY_TEXT)
    policy = policies.save_policy(session, actor=author, parsed=parsed,
                                  fields=policies.PolicyFields(title="关于做好交通运输政务公开工作的通知"),
                                  source_name="通知.txt", raw_text=raw)
    session.commit()
    return Office(session=session, unit=unit, author=author, policy_id=policy.id)


def submit_audit_rows(session, draft_id: int) -> int:
    return session.exec(select(func.count()).select_from(AuditEntry)
                        .where(AuditEntry.entity == "draft", AuditEntry.entity_id == draft_id,
                               AuditEntry.action == "review.submit")).one()


def section_texts(session, draft_id: int) -> list[tuple[str, str]]:
    return [(s.title, s.body) for s in drafts.list_sections(session, draft_id)]


def set_section_field(session, section_id: int, **values) -> None:
    """Change a section in the table directly, as data written before the gate or by
    another program would be; commits."""
    session.exec(sa.update(DraftSection).where(DraftSection.id == section_id).values(**values))
    session.commit()
    session.expire_all()


def approve_all(office: Office, draft_id: int, peer: User, head: User, boss: User) -> None:
    review.submit(office.session, actor=office.author, draft_id=draft_id)
    for reviewer in (peer, head, boss):
        review.approve(office.session, actor=reviewer, draft_id=draft_id, opinion="同意")
    office.session.commit()


# --- Fill-in prompts ----------------------------------------------------------------------

def test_submit_with_prompts_rejected_naming_sections(office):
    office.full_team()
    draft = office.new_draft(filled=False)
    before = section_texts(office.session, draft.id)

    with pytest.raises(InvalidInput) as error:
        review.submit(office.session, actor=office.author, draft_id=draft.id)

    message = error.value.message
    assert "不能送审" in message
    assert "“出台背景”（正文）" in message
    assert "“出台的必要性和目的”（正文）" in message
    assert "“对公众的影响”（正文）" in message
    assert "主要内容" not in message
    assert "请在稿件编辑页补写这些内容并删去提示" in message
    office.session.rollback()
    assert office.session.get(Draft, draft.id).status == S.DRAFT
    assert office.session.get(Draft, draft.id).review_round == 0
    assert section_texts(office.session, draft.id) == before


def test_submit_after_prompts_filled_passes(office):
    office.full_team()
    draft = office.new_draft(filled=False)
    fill_placeholders(office.session, office.author, draft.id)

    review.submit(office.session, actor=office.author, draft_id=draft.id)
    office.session.commit()

    assert office.session.get(Draft, draft.id).status == S.PENDING_FIRST
    assert FILLED in drafts.list_sections(office.session, draft.id)[0].body


@pytest.mark.parametrize("field, label", [
    ("title", "标题"), ("body", "正文"), ("key_points", "答题要点"),
    ("avoid_phrasing", "避免的表述"), ("source_ref", "依据"),
])
def test_submit_prompt_in_any_answer_field_rejected(office, field, label):
    office.full_team()
    draft = Draft(kind=DraftKind.ANSWER_BRIEF, title="政务公开工作新闻发布会答问口径",
                  disclosure=Disclosure.PUBLIC, unit_id=office.unit.id,
                  created_by=office.author.id)
    office.session.add(draft)
    office.session.flush()
    values = {"title": "如何规范公开属性审查？", "body": "逐件审查，一事一审。",
              "key_points": "一事一审", "avoid_phrasing": "", "source_ref": "二、（一）"}
    values[field] = values[field] + PROMPT
    office.session.add(DraftSection(draft_id=draft.id, position=0, key="q1",
                                    tier=AnswerTier.LIKELY, **values))
    office.session.commit()

    with pytest.raises(InvalidInput) as error:
        review.submit(office.session, actor=office.author, draft_id=draft.id)

    assert f"（{label}）" in error.value.message
    heading = values["title"][:review.HEADING_LENGTH]
    assert f"“{heading}”" in error.value.message


def test_submit_prompt_in_draft_title_rejected(office):
    office.full_team()
    draft = office.new_draft()
    drafts.rename(office.session, actor=office.author, draft_id=draft.id,
                  title="（请填写发文机关）有关负责人答记者问")
    office.session.commit()

    with pytest.raises(InvalidInput) as error:
        review.submit(office.session, actor=office.author, draft_id=draft.id)

    assert "稿件标题" in error.value.message


def test_transcript_prompt_inside_line_found(office):
    draft = office.new_draft()
    section = drafts.list_sections(office.session, draft.id)[0]
    set_section_field(office.session, section.id,
                      body="主持人（刘洋）：（请补充：主持人的开场白）")

    places = review.placeholder_places(office.session, draft.id)

    assert places == [f"“{section.title}”（正文）"]


def test_approve_prompt_rejected_return_allowed(office):
    peer, _, _ = office.full_team()
    draft = office.new_draft()
    review.submit(office.session, actor=office.author, draft_id=draft.id)
    office.session.commit()
    section = drafts.list_sections(office.session, draft.id)[1]
    set_section_field(office.session, section.id, body=section.body + PROMPT)

    with pytest.raises(InvalidInput) as error:
        review.approve(office.session, actor=peer, draft_id=draft.id, opinion="同意")
    office.session.rollback()
    review.return_to_drafter(office.session, actor=peer, draft_id=draft.id,
                             reason="请补写数据来源")
    office.session.commit()

    assert "不能审查通过" in error.value.message
    assert f"“{section.title}”（正文）" in error.value.message
    assert "请退回承办人员" in error.value.message
    assert office.session.get(Draft, draft.id).status == S.RETURNED


def test_release_prompt_rejected(office):
    peer, head, boss = office.full_team()
    draft = office.new_draft()
    approve_all(office, draft.id, peer, head, boss)
    section = drafts.list_sections(office.session, draft.id)[0]
    set_section_field(office.session, section.id, key_points=PROMPT)

    with pytest.raises(InvalidInput) as error:
        review.release(office.session, actor=office.author, draft_id=draft.id)
    office.session.rollback()

    assert "不能发布" in error.value.message
    assert f"“{section.title}”（答题要点）" in error.value.message
    assert office.session.get(Draft, draft.id).status == S.APPROVED
    assert review.releases(office.session, draft.id) == []
    assert review.release_blockers(office.session, draft_id=draft.id) == [error.value.message]


# --- No eligible reviewer -------------------------------------------------------------

@pytest.mark.parametrize("left_out, expected", [
    ("peer", "初审须由政策法规处的承办人员办理，但政策法规处目前没有这样的人员（起草人和送审人本人除外）"),
    ("head", "审核须由政策法规处的承办部门负责人办理，但政策法规处目前没有这样的人员（起草人和送审人本人除外）"),
    ("boss", "审发须由单位负责人办理（任一单位均可），但系统中目前没有这样的人员（起草人和送审人本人除外）"),
])
def test_submit_without_reviewer_rejected(office, left_out, expected):
    team = {"peer": (Role.DRAFTER, office.unit), "head": (Role.DEPARTMENT_HEAD, office.unit),
            "boss": (Role.UNIT_HEAD, make_unit(office.session, "厅领导"))}
    for name, (role, unit) in team.items():
        if name != left_out:
            office.person(name, role, unit)
    draft = office.new_draft()
    before = section_texts(office.session, draft.id)

    with pytest.raises(Conflict) as error:
        review.submit(office.session, actor=office.author, draft_id=draft.id)
    office.session.rollback()

    assert expected in error.value.message
    assert "请联系管理员在“用户与角色”页" in error.value.message
    assert office.session.get(Draft, draft.id).status == S.DRAFT
    assert section_texts(office.session, draft.id) == before
    assert submit_audit_rows(office.session, draft.id) == 0
    assert office.session.exec(select(ReviewDecision)
                               .where(ReviewDecision.draft_id == draft.id)).all() == []


def test_submit_one_person_for_two_levels_rejected(office):
    both = office.person("lihua", Role.DRAFTER, display_name="李华")
    grant(office.session, both, Role.DEPARTMENT_HEAD, office.unit)
    office.person("zhaoli", Role.UNIT_HEAD, make_unit(office.session, "厅领导"))
    draft = office.new_draft()

    gaps = review.reviewer_gaps(office.session, draft_id=draft.id, submitter=office.author)
    with pytest.raises(Conflict) as error:
        review.submit(office.session, actor=office.author, draft_id=draft.id)

    assert [gap.levels for gap in gaps] == [(ReviewLevel.FIRST, ReviewLevel.SECOND)]
    assert gaps[0].names == ("李华",)
    assert "初审、审核须由不同的人员办理，但目前能办理这些环节的只有李华" in error.value.message


def test_reviewers_elsewhere_or_inactive_not_counted(office):
    other = make_unit(office.session, "运输服务处")
    office.person("yun", Role.DRAFTER, other)                              # wrong unit
    office.person("lihua", Role.DRAFTER, is_active=False)                  # deactivated
    office.person("wangqiang", Role.DEPARTMENT_HEAD)
    office.person("zhaoli", Role.UNIT_HEAD, other)
    draft = office.new_draft()

    gaps = review.reviewer_gaps(office.session, draft_id=draft.id, submitter=office.author)

    assert [gap.levels for gap in gaps] == [(ReviewLevel.FIRST,)]
    assert gaps[0].unit_name == "政策法规处"


def test_submitter_other_than_author_excluded(office):
    peer, _, _ = office.full_team()
    draft = office.new_draft()

    gaps = review.reviewer_gaps(office.session, draft_id=draft.id, submitter=peer)
    with pytest.raises(Conflict):
        review.submit(office.session, actor=peer, draft_id=draft.id)

    assert [gap.levels for gap in gaps] == [(ReviewLevel.FIRST,)]


def test_author_first_review_setting_counts_author(office, monkeypatch):
    office.person("wangqiang", Role.DEPARTMENT_HEAD)
    office.person("zhaoli", Role.UNIT_HEAD, make_unit(office.session, "厅领导"))
    draft = office.new_draft()
    assert review.reviewer_gaps(office.session, draft_id=draft.id, submitter=office.author)

    monkeypatch.setenv("PLANNER_ALLOW_AUTHOR_FIRST_REVIEW", "true")
    get_settings.cache_clear()
    try:
        gaps = review.reviewer_gaps(office.session, draft_id=draft.id, submitter=office.author)
        review.submit(office.session, actor=office.author, draft_id=draft.id)
    finally:
        monkeypatch.delenv("PLANNER_ALLOW_AUTHOR_FIRST_REVIEW")
        get_settings.cache_clear()

    assert gaps == []
    assert office.session.get(Draft, draft.id).status == S.PENDING_FIRST


def test_submit_blockers_lists_prompts_and_gaps(office):
    draft = office.new_draft(filled=False)

    blockers = review.submit_blockers(office.session, actor=office.author, draft_id=draft.id)

    assert len(blockers) == 2
    assert "不能送审" in blockers[0]
    assert "出台背景" in blockers[0]
    for level in ("初审", "审核", "审发"):
        assert f"{level}须由" in blockers[1]


def test_submit_blockers_empty_for_complete_office(office):
    office.full_team()
    draft = office.new_draft()

    assert review.submit_blockers(office.session, actor=office.author, draft_id=draft.id) == []


@pytest.fixture
def pg_office(any_session) -> Office:
    unit = make_unit(any_session, "政策法规处")
    author = make_user(any_session, "zhangming", unit=unit, roles={Role.DRAFTER},
                       display_name="张明")
    return Office(session=any_session, unit=unit, author=author, policy_id=0)


def test_reviewer_gaps_query_both_databases(pg_office):
    office = pg_office
    peer = office.person("lihua", Role.DRAFTER, display_name="李华")
    grant(office.session, peer, Role.EXPERT, office.unit)   # a second row for the same person
    office.person("zhaoli", Role.UNIT_HEAD, make_unit(office.session, "厅领导"),
                  display_name="赵丽")
    draft = Draft(kind=DraftKind.PRESS_RELEASE, title="通稿", unit_id=office.unit.id,
                  created_by=office.author.id)
    office.session.add(draft)
    office.session.commit()

    gaps = review.reviewer_gaps(office.session, draft_id=draft.id, submitter=office.author)

    assert [gap.levels for gap in gaps] == [(ReviewLevel.SECOND,)]


# --- Who may release ----------------------------------------------------------------------

def test_release_rule_names_unit_roles_and_people(office):
    peer, head, boss = office.full_team()
    other = make_unit(office.session, "运输服务处")
    clerk = office.person("sunwei", Role.GENERAL_OFFICE, make_unit(office.session, "厅办公室"),
                          display_name="孙伟")
    outsider = office.person("yun", Role.DRAFTER, other, display_name="赵云")
    office.person("gone", Role.DRAFTER, is_active=False, display_name="离职人员")
    draft = office.new_draft()
    approve_all(office, draft.id, peer, head, boss)

    rule = review.release_rule(office.session, draft_id=draft.id)

    assert rule.unit_name == "政策法规处"
    assert rule.unit_roles == (Role.DRAFTER,)
    assert rule.any_unit_roles == (Role.GENERAL_OFFICE,)
    assert set(rule.people) == {"张明", "李华", "孙伟"}
    for user in (office.author, peer, head, boss, clerk, outsider):
        may = review.Step.RELEASE in review.available_steps(office.session, actor=user,
                                                            draft_id=draft.id)
        assert may == (user.display_name in rule.people), user.display_name


# --- The example office -------------------------------------------------------------------

@pytest.fixture
def examples(session, actor) -> seed.SeedResult:
    result = seed.load_examples(session, actor=actor, staff_password=TEST_PASSWORD,
                                today=date(2026, 12, 4))
    session.commit()
    return result


def staff(session, result: seed.SeedResult, username: str) -> User:
    return session.get(User, result.staff_ids[username])


def test_examples_event_document_full_review(session, examples):
    spokesperson = staff(session, examples, "chenjing")
    document = event_documents.create_document(session, actor=spokesperson,
                                               event_id=examples.event_id,
                                               role=EventDocument.PRESS_RELEASE,
                                               disclosure=Disclosure.PUBLIC)
    session.commit()
    assert drafts.unit_name(session, document.unit_id) == "省交通宣传中心"
    fill_placeholders(session, spokesperson, document.id)

    review.submit(session, actor=spokesperson, draft_id=document.id)
    for username in ("zhouting", "wugang", "zhaoli"):
        review.approve(session, actor=staff(session, examples, username),
                       draft_id=document.id, opinion="同意")
    release = review.release(session, actor=staff(session, examples, "zhouting"),
                             draft_id=document.id)
    session.commit()

    assert session.get(Draft, document.id).status == S.RELEASED
    assert session.get(DraftRelease, release.id).released_by == examples.staff_ids["zhouting"]


def test_examples_every_drafting_unit_reviewable(session, examples):
    creating = set(drafts.CREATOR_ROLES) | {Role.SPOKESPERSON}
    checked = set()
    for person in seed.EXAMPLE_STAFF:
        if not creating & set(person.roles):
            continue
        unit = make_unit(session, person.unit)
        author = staff(session, examples, person.username)
        draft = Draft(kind=DraftKind.PRESS_RELEASE, title=f"{person.display_name}的稿件",
                      unit_id=unit.id, created_by=author.id)
        session.add(draft)
        session.flush()

        assert review.reviewer_gaps(session, draft_id=draft.id, submitter=author) == [], \
            person.username
        checked.add(person.unit)

    assert checked == {"政策法规处", "省交通宣传中心", "厅办公室"}


# --- The drafts page ----------------------------------------------------------------------

@pytest.fixture
def page_office(engine, office):
    st.cache_resource.clear()   # no engine cached from an earlier test
    yield office
    st.cache_resource.clear()


def open_drafts(user: User, draft_id: int) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=30)
    sign_in_state(app, user)
    app.session_state["drafts_selected"] = draft_id
    app.run()
    app.switch_page("views/drafts.py").run()
    assert not app.exception
    return app


def buttons(app: AppTest, label: str) -> list:
    return [b for b in app.button if b.label == label]


def test_page_submit_disabled_with_reasons(page_office):
    office = page_office
    office.person("lihua", Role.DRAFTER)
    draft = office.new_draft(filled=False)

    app = open_drafts(office.author, draft.id)

    warnings = " ".join(w.value for w in app.warning)
    assert "出台背景" in warnings
    assert "审核须由政策法规处的承办部门负责人办理" in warnings
    assert buttons(app, "送审")[0].disabled


def test_page_release_needs_confirmation(page_office, engine):
    office = page_office
    peer, head, boss = office.full_team()
    draft = office.new_draft()
    approve_all(office, draft.id, peer, head, boss)

    app = open_drafts(office.author, draft.id)
    assert buttons(app, "发布")[0].disabled
    app.checkbox(key=f"drafts_confirm_release_{draft.id}").check().run()
    assert not buttons(app, "发布")[0].disabled
    buttons(app, "发布")[0].click().run()

    assert not app.exception
    with Session(engine) as fresh:
        assert fresh.get(Draft, draft.id).status == S.RELEASED


def test_page_explains_who_may_release(page_office):
    office = page_office
    peer, head, boss = office.full_team()
    draft = office.new_draft()
    approve_all(office, draft.id, peer, head, boss)

    app = open_drafts(head, draft.id)

    assert buttons(app, "发布") == []
    info = " ".join(i.value for i in app.info)
    assert "发布须由政策法规处的承办人员或任一单位的厅办公室操作" in info
    assert "张明" in info
    assert "李华" in info


# --- Who acts next: 待发布 in 我的待办, and the next level's people ----------------------

def test_queue_release_group_follows_release_rule(office):
    peer, head, boss = office.full_team()
    clerk = office.person("sunwei", Role.GENERAL_OFFICE, make_unit(office.session, "厅办公室"),
                          display_name="孙伟")
    outsider = office.person("yun", Role.DRAFTER, make_unit(office.session, "运输服务处"),
                             display_name="赵云")
    draft = office.new_draft()
    approve_all(office, draft.id, peer, head, boss)

    for user in (office.author, peer, head, boss, clerk, outsider):
        releasing = [item for item in review.queue_for(office.session, actor=user)
                     if item.to_release]
        may = review.Step.RELEASE in review.available_steps(office.session, actor=user,
                                                            draft_id=draft.id)
        assert [item.draft_id for item in releasing] == ([draft.id] if may else []), \
            user.display_name
    assert {item.status for item in review.queue_for(office.session, actor=clerk)} == {S.APPROVED}


def test_queue_release_group_leaves_after_release(office):
    peer, head, boss = office.full_team()
    draft = office.new_draft()
    approve_all(office, draft.id, peer, head, boss)
    review.release(office.session, actor=peer, draft_id=draft.id)
    office.session.commit()

    assert review.queue_for(office.session, actor=peer) == []


def test_queue_examples_releaser_sees_approved(session, examples):
    spokesperson = staff(session, examples, "chenjing")
    zhouting = staff(session, examples, "zhouting")
    document = event_documents.create_document(session, actor=spokesperson,
                                               event_id=examples.event_id,
                                               role=EventDocument.PRESS_RELEASE,
                                               disclosure=Disclosure.PUBLIC)
    session.commit()
    fill_placeholders(session, spokesperson, document.id)
    review.submit(session, actor=spokesperson, draft_id=document.id)
    for username in ("zhouting", "wugang", "zhaoli"):
        review.approve(session, actor=staff(session, examples, username),
                       draft_id=document.id, opinion="同意")
    session.commit()

    waiting = review.queue_for(session, actor=zhouting)

    assert [(item.draft_id, item.to_release, item.level) for item in waiting] == [
        (document.id, True, None)]
    assert waiting[0].unit_name == "省交通宣传中心"


def test_next_actors_each_level_matches_steps(office):
    peer, head, boss = office.full_team()
    second_peer = office.person("qianqi", Role.DRAFTER, display_name="钱七")
    second_boss = office.person("liuyang", Role.UNIT_HEAD, make_unit(office.session, "厅机关"),
                                display_name="刘洋")
    everyone = (office.author, peer, second_peer, head, boss, second_boss)
    draft = office.new_draft()
    review.submit(office.session, actor=office.author, draft_id=draft.id)
    expected = [(ReviewLevel.FIRST, {"李华", "钱七"}), (ReviewLevel.SECOND, {"王强"}),
                (ReviewLevel.FINAL, {"赵丽", "刘洋"})]

    for (level, names), approver in zip(expected, (peer, head, boss)):
        found = review.next_actors(office.session, draft_id=draft.id)
        assert (found.step, found.level) == (review.Step.APPROVE, level)
        assert set(found.names) == names
        deciding = {user.display_name for user in everyone
                    if review.Step.APPROVE in review.available_steps(
                        office.session, actor=user, draft_id=draft.id)}
        assert deciding == names, level
        review.approve(office.session, actor=approver, draft_id=draft.id, opinion="同意")

    found = review.next_actors(office.session, draft_id=draft.id)
    assert (found.step, found.level) == (review.Step.RELEASE, None)
    assert set(found.names) == {"张明", "李华", "钱七"}


def test_next_actors_excludes_earlier_approver(office):
    # 李华 decided 初审 and also heads the division: 审核 must come from someone else.
    peer, head, boss = office.full_team()
    grant(office.session, peer, Role.DEPARTMENT_HEAD, office.unit)
    draft = office.new_draft()
    review.submit(office.session, actor=office.author, draft_id=draft.id)
    review.approve(office.session, actor=peer, draft_id=draft.id, opinion="同意")

    found = review.next_actors(office.session, draft_id=draft.id)

    assert found.level == ReviewLevel.SECOND
    assert found.names == ("王强",)


def test_next_actors_nobody_left(office):
    peer, head, boss = office.full_team()
    draft = office.new_draft()
    review.submit(office.session, actor=office.author, draft_id=draft.id)
    peer.is_active = False
    office.session.commit()

    found = review.next_actors(office.session, draft_id=draft.id)

    assert found.level == ReviewLevel.FIRST
    assert found.names == ()


def test_next_actors_none_when_author_acts(office):
    peer, head, boss = office.full_team()
    draft = office.new_draft()
    assert review.next_actors(office.session, draft_id=draft.id) is None

    review.submit(office.session, actor=office.author, draft_id=draft.id)
    review.return_to_drafter(office.session, actor=peer, draft_id=draft.id, reason="请补充。")
    assert review.next_actors(office.session, draft_id=draft.id) is None


def test_next_actors_missing_draft_not_found(office):
    with pytest.raises(NotFound):
        review.next_actors(office.session, draft_id=999)


def test_page_author_sees_next_level_people(page_office):
    office = page_office
    peer, head, boss = office.full_team()
    draft = office.new_draft()
    review.submit(office.session, actor=office.author, draft_id=draft.id)
    review.approve(office.session, actor=peer, draft_id=draft.id, opinion="同意")
    office.session.commit()

    app = open_drafts(office.author, draft.id)

    info = [i.value for i in app.info]
    assert "下一步：审核。目前可以办理审核的人员：王强。" in info


def test_review_page_names_next_people(page_office):
    office = page_office
    peer, head, boss = office.full_team()
    draft = office.new_draft()
    review.submit(office.session, actor=office.author, draft_id=draft.id)
    office.session.commit()

    app = AppTest.from_file(APP, default_timeout=30)
    sign_in_state(app, office.author)
    app.session_state["review_selected"] = draft.id
    app.run()
    app.switch_page("views/review.py").run()

    assert not app.exception
    info = [i.value for i in app.info]
    assert "下一步：初审。目前可以办理初审的人员：李华。" in info
