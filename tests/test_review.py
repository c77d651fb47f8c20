"""The review (三审) on a real SQLite file: transition by transition, who may decide,
resets after edits, release and its frozen content, and 我的待办."""

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlmodel import Session, select

from planner.config import get_settings
from planner.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from planner.models import (AuditEntry, Disclosure, Draft, DraftKind, DraftSection, DraftStatus,
                            ObligationStatus, Policy, ReviewLevel, ReviewOutcome, Role, User)
from planner.services import deadlines, drafts, policies, review
from tests.factories import make_unit, make_user
from tests.review_ready import fill_placeholders

S = DraftStatus
POLICY_TEXT = """关于做好交通运输政务公开工作的通知

各市（州）交通运输局：

一、总体要求
坚持以公开为常态、不公开为例外。

二、主要措施
（一）规范公开属性审查。
（二）加强政策解读。

四川省交通运输厅
2024年3月5日
"""


@dataclass
class Office:
    """One drafting unit (政策法规处) with a person for each review level, and outsiders."""

    session: Session
    author: User     # 承办人员 who drafts
    peer: User       # another 承办人员 of the unit: 初审
    head: User       # 承办部门负责人 of the unit: 审核
    boss: User       # 单位负责人: 审发
    policy_id: int

    def new_draft(self, actor: User | None = None, **overrides) -> Draft:
        """Create a draft from the policy with its fill-in prompts written, ready for 送审."""
        values = dict(policy_id=self.policy_id, kind=DraftKind.INTERPRETATION,
                      disclosure=Disclosure.PUBLIC)
        values.update(overrides)
        draft = drafts.create_from_policy(self.session, actor=actor or self.author, **values)
        self.session.commit()
        fill_placeholders(self.session, actor or self.author, draft.id)
        return draft

    def advance(self, draft_id: int, status: DraftStatus) -> None:
        """Take a fresh draft through the normal reviewers until it reaches `status`."""
        steps = [
            (S.PENDING_FIRST, lambda: review.submit(self.session, actor=self.author,
                                                    draft_id=draft_id)),
            (S.PENDING_SECOND, lambda: review.approve(self.session, actor=self.peer,
                                                      draft_id=draft_id, opinion="初审同意")),
            (S.PENDING_FINAL, lambda: review.approve(self.session, actor=self.head,
                                                     draft_id=draft_id, opinion="审核同意")),
            (S.APPROVED, lambda: review.approve(self.session, actor=self.boss,
                                                draft_id=draft_id, opinion="同意发布")),
            (S.RELEASED, lambda: review.release(self.session, actor=self.author,
                                                draft_id=draft_id)),
        ]
        for reached, step in steps:
            if self.status(draft_id) == status:
                break
            step()
            self.session.commit()
            assert self.status(draft_id) == reached

    def status(self, draft_id: int) -> str:
        return self.session.get(Draft, draft_id).status


@pytest.fixture
def engine(any_engine):
    """Every test here runs on SQLite and again on PostgreSQL (skipped where unavailable)."""
    return any_engine


@pytest.fixture
def session(any_session):
    return any_session


@pytest.fixture
def office(session) -> Office:
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
                                  fields=policies.PolicyFields(title="关于做好交通运输政务公开工作的通知"),
                                  source_name="通知.txt", raw_text=raw)
    session.commit()
    return Office(session=session, author=author, peer=peer, head=head, boss=boss,
                  policy_id=policy.id)


def first_section(session, draft_id):
    return drafts.list_sections(session, draft_id)[0]


def edit_first_section(office, draft_id, body, *, confirm_reset=False, actor=None):
    section = first_section(office.session, draft_id)
    return drafts.save_section(office.session, actor=actor or office.author,
                               section_id=section.id, title=section.title, body=body,
                               base_version=section.version, confirm_reset=confirm_reset)


def audit_actions(session, draft_id):
    return session.exec(select(AuditEntry.action)
                        .where(AuditEntry.entity == "draft", AuditEntry.entity_id == draft_id)
                        .order_by(AuditEntry.id)).all()


# --- The table ----------------------------------------------------------------------------

def test_transitions_table_review_flow():
    pairs = {(tr.step, tr.source): tr.target for tr in review.TRANSITIONS}

    assert pairs[(review.Step.SUBMIT, S.DRAFT)] == S.PENDING_FIRST
    assert pairs[(review.Step.SUBMIT, S.RETURNED)] == S.PENDING_FIRST
    assert pairs[(review.Step.APPROVE, S.PENDING_FIRST)] == S.PENDING_SECOND
    assert pairs[(review.Step.APPROVE, S.PENDING_SECOND)] == S.PENDING_FINAL
    assert pairs[(review.Step.APPROVE, S.PENDING_FINAL)] == S.APPROVED
    assert pairs[(review.Step.RELEASE, S.APPROVED)] == S.RELEASED
    assert {source for (step, source) in pairs if step == review.Step.RETURN} == {
        S.PENDING_FIRST, S.PENDING_SECOND, S.PENDING_FINAL}
    assert {source for (step, source) in pairs if step == review.Step.RELEASE} == {S.APPROVED}
    assert len(pairs) == len(review.TRANSITIONS)   # no step declared twice for one state


# --- submit -------------------------------------------------------------------------------

def test_submit_moves_draft_to_first_review(office):
    draft = office.new_draft()
    before = audit_actions(office.session, draft.id)

    decision = review.submit(office.session, actor=office.author, draft_id=draft.id)
    office.session.commit()

    stored = office.session.get(Draft, draft.id)
    assert stored.status == S.PENDING_FIRST
    assert stored.review_round == 1
    assert decision.outcome == ReviewOutcome.SUBMIT
    assert decision.level is None
    assert decision.actor_id == office.author.id
    assert decision.content_hash == review.content_hash(
        review.current_content(office.session, draft.id))
    assert audit_actions(office.session, draft.id) == before + ["review.submit"]


def test_submit_audit_same_transaction(office):
    draft = office.new_draft()
    before = audit_actions(office.session, draft.id)

    review.submit(office.session, actor=office.author, draft_id=draft.id)
    office.session.rollback()

    assert office.status(draft.id) == S.DRAFT
    assert review.decisions(office.session, draft.id) == []
    assert audit_actions(office.session, draft.id) == before


def test_submit_other_unit_forbidden(office, session):
    outsider = make_user(session, "chengdu", unit=make_unit(session, "成都市交通运输局"),
                         roles={Role.DRAFTER})
    draft = office.new_draft()

    with pytest.raises(PermissionDenied) as error:
        review.submit(session, actor=outsider, draft_id=draft.id)

    assert "送审这篇稿件" in error.value.message
    assert "承办人员" in error.value.message
    assert office.status(draft.id) == S.DRAFT


@pytest.mark.parametrize("status", [S.PENDING_FIRST, S.PENDING_SECOND, S.PENDING_FINAL,
                                    S.APPROVED, S.RELEASED])
def test_submit_in_wrong_state_rejected(office, status):
    draft = office.new_draft()
    office.advance(draft.id, status)

    with pytest.raises(Conflict) as error:
        review.submit(office.session, actor=office.author, draft_id=draft.id)

    assert "不能送审" in error.value.message
    assert "草稿、退回" in error.value.message
    assert office.status(draft.id) == status


# --- approve ------------------------------------------------------------------------------

def test_approve_three_levels_three_people(office):
    draft = office.new_draft()

    office.advance(draft.id, S.APPROVED)

    records = review.decisions(office.session, draft.id)
    assert [(r.decision.outcome, r.decision.level) for r in records] == [
        (ReviewOutcome.SUBMIT, None), (ReviewOutcome.APPROVE, ReviewLevel.FIRST),
        (ReviewOutcome.APPROVE, ReviewLevel.SECOND), (ReviewOutcome.APPROVE, ReviewLevel.FINAL)]
    assert [r.actor_name for r in records] == ["张明", "李华", "王强", "赵丽"]
    assert [r.decision.opinion for r in records[1:]] == ["初审同意", "审核同意", "同意发布"]
    assert len({r.decision.content_hash for r in records}) == 1
    assert json.loads(records[-1].decision.content_json)["title"] == \
        office.session.get(Draft, draft.id).title


@pytest.mark.parametrize("status", [S.DRAFT, S.RETURNED, S.APPROVED, S.RELEASED])
def test_approve_in_wrong_state_rejected(office, status):
    draft = office.new_draft()
    if status == S.RETURNED:
        office.advance(draft.id, S.PENDING_FIRST)
        review.return_to_drafter(office.session, actor=office.peer, draft_id=draft.id,
                                 reason="请补充依据")
        office.session.commit()
    else:
        office.advance(draft.id, status)

    with pytest.raises(Conflict):
        review.approve(office.session, actor=office.boss, draft_id=draft.id, opinion="同意")

    assert office.status(draft.id) == status


@pytest.mark.parametrize("level_status, role", [
    (S.PENDING_SECOND, Role.DEPARTMENT_HEAD),
    (S.PENDING_FINAL, Role.UNIT_HEAD),
])
def test_approve_own_draft_forbidden(office, session, level_status, role):
    author = make_user(session, "author2", unit=make_unit(session, "政策法规处"),
                       roles={Role.DRAFTER, role})
    draft = office.new_draft(actor=author)
    review.submit(session, actor=author, draft_id=draft.id)
    review.approve(session, actor=office.peer, draft_id=draft.id, opinion="初审同意")
    if level_status == S.PENDING_FINAL:
        review.approve(session, actor=office.head, draft_id=draft.id, opinion="审核同意")
    session.commit()

    with pytest.raises(PermissionDenied) as error:
        review.approve(session, actor=author, draft_id=draft.id, opinion="同意")

    assert "起草人或送审人" in error.value.message
    assert office.status(draft.id) == level_status


def test_first_review_author_excluded(office):
    draft = office.new_draft()
    office.advance(draft.id, S.PENDING_FIRST)

    with pytest.raises(PermissionDenied) as error:
        review.approve(office.session, actor=office.author, draft_id=draft.id, opinion="同意")

    assert "初审" in error.value.message
    assert office.status(draft.id) == S.PENDING_FIRST


def test_first_review_author_when_configured(office, monkeypatch):
    monkeypatch.setenv("PLANNER_ALLOW_AUTHOR_FIRST_REVIEW", "true")
    get_settings.cache_clear()
    draft = office.new_draft()
    office.advance(draft.id, S.PENDING_FIRST)

    review.approve(office.session, actor=office.author, draft_id=draft.id, opinion="初审同意")
    office.session.commit()

    assert office.status(draft.id) == S.PENDING_SECOND
    with pytest.raises(PermissionDenied):   # 审核 and 审发 still exclude the author
        review.approve(office.session, actor=office.author, draft_id=draft.id, opinion="同意")


def test_first_review_submitter_excluded(office, session):
    # A third 承办人员, so the 初审 has someone other than the author and the submitter.
    make_user(session, "third", unit=make_unit(session, "政策法规处"), roles={Role.DRAFTER})
    draft = office.new_draft()
    review.submit(office.session, actor=office.peer, draft_id=draft.id)
    office.session.commit()

    with pytest.raises(PermissionDenied) as error:
        review.approve(office.session, actor=office.peer, draft_id=draft.id, opinion="同意")

    assert "起草人或送审人" in error.value.message


def test_approve_two_levels_forbidden(office, session):
    both = make_user(session, "both", unit=make_unit(session, "政策法规处"),
                     roles={Role.DRAFTER, Role.DEPARTMENT_HEAD, Role.UNIT_HEAD})
    draft = office.new_draft()
    office.advance(draft.id, S.PENDING_FIRST)
    review.approve(session, actor=both, draft_id=draft.id, opinion="初审同意")
    session.commit()

    with pytest.raises(PermissionDenied) as error:
        review.approve(session, actor=both, draft_id=draft.id, opinion="审核同意")

    assert "已在本轮进行过初审" in error.value.message
    assert "三位不同的人员" in error.value.message
    assert office.status(draft.id) == S.PENDING_SECOND


def test_second_review_other_unit_forbidden(office, session):
    other_head = make_user(session, "otherhead", unit=make_unit(session, "成都市交通运输局"),
                           roles={Role.DEPARTMENT_HEAD})
    draft = office.new_draft()
    office.advance(draft.id, S.PENDING_SECOND)

    with pytest.raises(PermissionDenied) as error:
        review.approve(session, actor=other_head, draft_id=draft.id, opinion="同意")

    assert "审核这篇稿件" in error.value.message
    assert "承办部门负责人" in error.value.message


def test_approve_changed_content_rejected(office):
    draft = office.new_draft()
    office.advance(draft.id, S.PENDING_FIRST)
    seen = review.content_hash(review.current_content(office.session, draft.id))
    edit_first_section(office, draft.id, "起草人在初审期间改写的背景。", confirm_reset=True)
    review.submit(office.session, actor=office.author, draft_id=draft.id)
    office.session.commit()

    with pytest.raises(Conflict) as error:
        review.approve(office.session, actor=office.peer, draft_id=draft.id, opinion="同意",
                       seen_hash=seen)

    assert "被修改过" in error.value.message
    assert office.status(draft.id) == S.PENDING_FIRST


def test_approve_opinion_too_long_rejected(office):
    draft = office.new_draft()
    office.advance(draft.id, S.PENDING_FIRST)

    with pytest.raises(InvalidInput) as error:
        review.approve(office.session, actor=office.peer, draft_id=draft.id,
                       opinion="很" * (review.MAX_OPINION_LENGTH + 1))

    assert str(review.MAX_OPINION_LENGTH) in error.value.message


def test_approve_concurrent_second_loses(office, engine):
    draft = office.new_draft()
    office.advance(draft.id, S.PENDING_FIRST)
    other_peer = make_user(office.session, "peer2", unit=make_unit(office.session, "政策法规处"),
                           roles={Role.DRAFTER})
    office.session.get(Draft, draft.id)   # this session keeps its copy of the draft as 待初审

    with Session(engine, expire_on_commit=False) as second:
        review.approve(second, actor=second.get(User, other_peer.id), draft_id=draft.id,
                       opinion="抢先通过")
        second.commit()
    with pytest.raises(Conflict) as error:
        review.approve(office.session, actor=office.peer, draft_id=draft.id, opinion="同意")
    office.session.rollback()

    assert "刚被他人改变" in error.value.message
    firsts = [r for r in review.decisions(office.session, draft.id)
              if r.decision.level == ReviewLevel.FIRST]
    assert [r.actor_name for r in firsts] == ["peer2"]


# --- return -------------------------------------------------------------------------------

@pytest.mark.parametrize("status, returner", [
    (S.PENDING_FIRST, "peer"), (S.PENDING_SECOND, "head"), (S.PENDING_FINAL, "boss")])
def test_return_each_level_to_drafter(office, status, returner):
    draft = office.new_draft()
    office.advance(draft.id, status)

    decision = review.return_to_drafter(office.session, actor=getattr(office, returner),
                                        draft_id=draft.id, reason="第二部分缺少数据来源")
    office.session.commit()

    assert office.status(draft.id) == S.RETURNED
    assert decision.outcome == ReviewOutcome.RETURN
    assert decision.opinion == "第二部分缺少数据来源"
    assert audit_actions(office.session, draft.id)[-1] == "review.return"


@pytest.mark.parametrize("reason", ["", "   \n"])
def test_return_without_reason_rejected(office, reason):
    draft = office.new_draft()
    office.advance(draft.id, S.PENDING_SECOND)

    with pytest.raises(InvalidInput) as error:
        review.return_to_drafter(office.session, actor=office.head, draft_id=draft.id,
                                 reason=reason)

    assert "退回理由" in error.value.message
    assert office.status(draft.id) == S.PENDING_SECOND


def test_return_without_level_role_forbidden(office):
    draft = office.new_draft()
    office.advance(draft.id, S.PENDING_SECOND)

    with pytest.raises(PermissionDenied):
        review.return_to_drafter(office.session, actor=office.peer, draft_id=draft.id,
                                 reason="不同意")

    assert office.status(draft.id) == S.PENDING_SECOND


@pytest.mark.parametrize("status", [S.DRAFT, S.APPROVED, S.RELEASED])
def test_return_in_wrong_state_rejected(office, status):
    draft = office.new_draft()
    office.advance(draft.id, status)

    with pytest.raises(Conflict) as error:
        review.return_to_drafter(office.session, actor=office.boss, draft_id=draft.id,
                                 reason="不同意")

    assert "不能退回" in error.value.message


def test_resubmit_starts_round_two(office):
    draft = office.new_draft()
    office.advance(draft.id, S.PENDING_SECOND)
    review.return_to_drafter(office.session, actor=office.head, draft_id=draft.id,
                             reason="请补充数据来源")
    edit_first_section(office, draft.id, "补充了数据来源的背景。")
    review.submit(office.session, actor=office.author, draft_id=draft.id)
    office.session.commit()

    stored = office.session.get(Draft, draft.id)
    assert stored.status == S.PENDING_FIRST
    assert stored.review_round == 2
    # The peer decided in round 1; a new round lets them do 初审 again.
    review.approve(office.session, actor=office.peer, draft_id=draft.id, opinion="同意")
    assert office.status(draft.id) == S.PENDING_SECOND


# --- edits reset the review ---------------------------------------------------------------

def test_edit_after_review_needs_confirmation(office):
    draft = office.new_draft()
    office.advance(draft.id, S.PENDING_FINAL)
    before = first_section(office.session, draft.id).body

    with pytest.raises(InvalidInput) as error:
        edit_first_section(office, draft.id, "审核后又改的背景。")
    office.session.rollback()

    assert "退回草稿" in error.value.message
    assert "待审发" in error.value.message
    assert first_section(office.session, draft.id).body == before
    assert office.status(draft.id) == S.PENDING_FINAL


def test_edit_after_review_resets_draft(office):
    draft = office.new_draft()
    office.advance(draft.id, S.PENDING_FINAL)

    edit_first_section(office, draft.id, "审核后又改的背景。", confirm_reset=True)
    office.session.commit()

    assert office.status(draft.id) == S.DRAFT
    assert first_section(office.session, draft.id).body == "审核后又改的背景。"
    assert audit_actions(office.session, draft.id)[-2:] == ["review.reset", "draft.section_save"]
    review.submit(office.session, actor=office.author, draft_id=draft.id)
    assert office.session.get(Draft, draft.id).review_round == 2
    assert len(review.decisions(office.session, draft.id)) == 4   # round 1 kept


@pytest.mark.parametrize("status", [S.DRAFT, S.RETURNED])
def test_edit_before_submission_keeps_status(office, status):
    draft = office.new_draft()
    if status == S.RETURNED:
        office.advance(draft.id, S.PENDING_FIRST)
        review.return_to_drafter(office.session, actor=office.peer, draft_id=draft.id,
                                 reason="请改写")
        office.session.commit()

    edit_first_section(office, draft.id, "起草人的修改。")
    office.session.commit()

    assert office.status(draft.id) == status


def test_save_stale_session_conflicts(office, engine):
    draft = office.new_draft()
    stale = first_section(office.session, draft.id)   # this session keeps this version
    base = stale.version

    with Session(engine, expire_on_commit=False) as other:
        section = other.get(DraftSection, stale.id)
        drafts.save_section(other, actor=other.get(User, office.peer.id), section_id=stale.id,
                            title=section.title, body="另一实例先保存的背景。",
                            base_version=base)
        other.commit()
    with pytest.raises(Conflict) as error:
        drafts.save_section(office.session, actor=office.author, section_id=stale.id,
                            title=stale.title, body="基于旧版本的修改。", base_version=base)
    office.session.rollback()

    assert f"第 {base + 1} 版" in error.value.message
    assert first_section(office.session, draft.id).body == "另一实例先保存的背景。"


def test_save_unchanged_keeps_status(office):
    draft = office.new_draft()
    office.advance(draft.id, S.APPROVED)
    section = first_section(office.session, draft.id)

    drafts.save_section(office.session, actor=office.author, section_id=section.id,
                        title=section.title, body=section.body, base_version=section.version)

    assert office.status(draft.id) == S.APPROVED


def test_rename_after_approval_resets(office):
    draft = office.new_draft()
    office.advance(draft.id, S.APPROVED)

    with pytest.raises(InvalidInput):
        drafts.rename(office.session, actor=office.author, draft_id=draft.id, title="新标题")
    drafts.rename(office.session, actor=office.author, draft_id=draft.id, title="新标题",
                  confirm_reset=True)
    office.session.commit()

    assert office.status(draft.id) == S.DRAFT
    assert office.session.get(Draft, draft.id).title == "新标题"


def test_change_disclosure_resets_review(office):
    draft = office.new_draft()
    office.advance(draft.id, S.PENDING_SECOND)

    drafts.change_disclosure(office.session, actor=office.author, draft_id=draft.id,
                             disclosure=Disclosure.NOT_PUBLIC, reason="涉及第三方商业秘密",
                             basis="《中华人民共和国政府信息公开条例》第十五条",
                             confirm_reset=True)
    office.session.commit()

    stored = office.session.get(Draft, draft.id)
    assert stored.status == S.DRAFT
    assert stored.disclosure == Disclosure.NOT_PUBLIC
    assert stored.disclosure_basis == "《中华人民共和国政府信息公开条例》第十五条"
    assert audit_actions(office.session, draft.id)[-1] == "draft.disclosure_change"


# --- release ------------------------------------------------------------------------------

@pytest.mark.parametrize("status", [S.DRAFT, S.PENDING_FIRST, S.PENDING_SECOND, S.PENDING_FINAL,
                                    S.RELEASED])
def test_release_before_approval_rejected(office, status):
    draft = office.new_draft()
    office.advance(draft.id, status)

    with pytest.raises(Conflict) as error:
        review.release(office.session, actor=office.author, draft_id=draft.id)

    assert "只有已审发的稿件可以发布" in error.value.message
    assert len(review.releases(office.session, draft.id)) == (1 if status == S.RELEASED else 0)


def test_release_freezes_approved_content(office):
    draft = office.new_draft()
    office.advance(draft.id, S.APPROVED)
    approved = review.decisions(office.session, draft.id)[-1].decision

    frozen = review.release(office.session, actor=office.author, draft_id=draft.id)
    office.session.commit()

    assert office.status(draft.id) == S.RELEASED
    assert frozen.content_hash == approved.content_hash
    assert frozen.content_json == approved.content_json
    assert frozen.released_by == office.author.id
    assert audit_actions(office.session, draft.id)[-1] == "review.release"


def test_release_interpretation_closes_sync_item(office):
    policy = office.session.get(Policy, office.policy_id)
    policy.published_on = date(2026, 12, 1)
    deadlines.track_policy(office.session, actor=office.author, policy=policy)
    office.session.commit()
    draft = office.new_draft()

    office.advance(draft.id, S.RELEASED)

    items = deadlines.obligations_for(office.session, "policy", office.policy_id)
    assert [item.rule_key for item in items] == ["interpretation_sync"]
    assert items[0].status == ObligationStatus.DONE


def test_correction_keeps_release_unchanged(office):
    draft = office.new_draft()
    office.advance(draft.id, S.RELEASED)
    first = review.releases(office.session, draft.id)[0]
    first_json, first_hash = first.content_json, first.content_hash

    edit_first_section(office, draft.id, "更正后的背景。", confirm_reset=True)
    office.session.commit()
    assert office.status(draft.id) == S.DRAFT
    office.advance(draft.id, S.RELEASED)

    stored = review.releases(office.session, draft.id)
    assert [r.review_round for r in stored] == [1, 2]
    office.session.refresh(stored[0])
    assert stored[0].content_json == first_json
    assert stored[0].content_hash == first_hash
    assert "更正后的背景。" not in stored[0].content_json
    assert "更正后的背景。" in stored[1].content_json


def test_release_rejects_orm_update(office):
    draft = office.new_draft()
    office.advance(draft.id, S.RELEASED)
    frozen = review.releases(office.session, draft.id)[0]

    frozen.content_json = "{}"
    with pytest.raises(sa.exc.DatabaseError):
        office.session.commit()
    office.session.rollback()

    office.session.refresh(frozen)
    assert frozen.content_json != "{}"


def test_release_rejects_direct_sql(office, engine):
    draft = office.new_draft()
    office.advance(draft.id, S.RELEASED)

    with pytest.raises(sa.exc.DatabaseError) as error:
        with engine.begin() as connection:
            connection.execute(sa.text("UPDATE draft_release SET content_hash = 'x'"))

    assert "frozen" in str(error.value)


def test_release_outside_edit_rejected(office, engine):
    draft = office.new_draft()
    office.advance(draft.id, S.APPROVED)
    with engine.begin() as connection:   # a change made directly in the database
        connection.execute(sa.text("UPDATE draft_section SET body = '私自改动' "
                                   "WHERE draft_id = :id"), {"id": draft.id})
    office.session.expire_all()

    with pytest.raises(Conflict) as error:
        review.release(office.session, actor=office.author, draft_id=draft.id)

    assert "与审发通过的内容不一致" in error.value.message


# --- not found ----------------------------------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda s, a: review.submit(s, actor=a, draft_id=999),
    lambda s, a: review.approve(s, actor=a, draft_id=999, opinion="同意"),
    lambda s, a: review.return_to_drafter(s, actor=a, draft_id=999, reason="不同意"),
    lambda s, a: review.release(s, actor=a, draft_id=999),
    lambda s, a: review.current_content(s, 999),
    lambda s, a: review.available_steps(s, actor=a, draft_id=999),
], ids=["submit", "approve", "return", "release", "content", "available_steps"])
def test_step_missing_draft_not_found(office, call):
    with pytest.raises(NotFound) as error:
        call(office.session, office.boss)

    assert "999" in error.value.message


# --- content and its hash -----------------------------------------------------------------

@pytest.mark.parametrize("change", [
    lambda d, s: setattr(d, "title", d.title + "（修订）"),
    lambda d, s: setattr(d, "disclosure", Disclosure.ON_REQUEST),
    lambda d, s: setattr(d, "disclosure_reason", "理由"),
    lambda d, s: setattr(d, "disclosure_basis", "依据"),
    lambda d, s: setattr(s, "body", s.body + "。"),
    lambda d, s: setattr(s, "title", "新的小标题"),
    lambda d, s: setattr(s, "source_ref", "三、"),
], ids=["title", "disclosure", "reason", "basis", "body", "section_title", "source_ref"])
def test_content_hash_covers_every_field(office, change):
    draft = office.new_draft()
    before = review.content_hash(review.current_content(office.session, draft.id))

    change(office.session.get(Draft, draft.id), first_section(office.session, draft.id))
    office.session.flush()

    after = review.content_hash(review.current_content(office.session, draft.id))
    assert len(before) == 64
    assert after != before


def test_content_hash_stable_key_order():
    content = {"title": "标题", "sections": [{"key": "a", "body": "正文"}], "disclosure": "public"}
    reordered = {"disclosure": "public", "sections": [{"body": "正文", "key": "a"}], "title": "标题"}

    assert review.content_hash(content) == review.content_hash(reordered)


# --- creation and the 公开属性 -----------------------------------------------------------

def test_create_draft_drafting_unit(office, session):
    draft = office.new_draft()

    assert draft.unit_id == office.author.unit_id
    assert draft.created_by == office.author.id
    assert draft.status == S.DRAFT


@pytest.mark.parametrize("disclosure, reason, basis, fragment", [
    (None, "", "", "请选择稿件的公开属性"),
    ("secret", "", "", "请选择稿件的公开属性"),
    (Disclosure.NOT_PUBLIC, "", "条例第十五条", "必须填写理由"),
    (Disclosure.NOT_PUBLIC, "涉及商业秘密", "", "必须填写法律依据"),
    (Disclosure.ON_REQUEST, "", "", "必须填写理由"),
    (Disclosure.ON_REQUEST, "仅涉及特定申请人", " ", "必须填写法律依据"),
])
def test_create_draft_disclosure_rules(office, disclosure, reason, basis, fragment):
    with pytest.raises(InvalidInput) as error:
        office.new_draft(disclosure=disclosure, disclosure_reason=reason,
                         disclosure_basis=basis)

    assert fragment in error.value.message
    assert drafts.list_drafts(office.session) == []


def test_create_not_public_keeps_basis(office):
    draft = office.new_draft(disclosure=Disclosure.NOT_PUBLIC, disclosure_reason="涉及个人隐私",
                             disclosure_basis="《中华人民共和国政府信息公开条例》第十五条")

    content = review.current_content(office.session, draft.id)
    assert content["disclosure"] == Disclosure.NOT_PUBLIC
    assert content["disclosure_reason"] == "涉及个人隐私"
    assert content["disclosure_basis"] == "《中华人民共和国政府信息公开条例》第十五条"


def test_create_draft_other_unit_forbidden(office, session):
    other = make_unit(session, "成都市交通运输局")

    with pytest.raises(PermissionDenied):
        office.new_draft(unit_id=other.id)

    assert drafts.list_drafts(session) == []


# --- the permission table -----------------------------------------------------------------

ROLE_CASES = {   # one role per person, and its unit ("own" = the drafting unit)
    "drafter": (Role.DRAFTER, "own"),
    "drafter_elsewhere": (Role.DRAFTER, "other"),
    "department_head": (Role.DEPARTMENT_HEAD, "own"),
    "department_head_elsewhere": (Role.DEPARTMENT_HEAD, "other"),
    "unit_head_elsewhere": (Role.UNIT_HEAD, "other"),
    "expert_elsewhere": (Role.EXPERT, "other"),
    "general_office": (Role.GENERAL_OFFICE, "office"),
    "spokesperson": (Role.SPOKESPERSON, "own"),
    "admin": (Role.ADMIN, "office"),
}

# action: (the status the draft is brought to, who may act, the audit row written then).
# Everyone else gets PermissionDenied, and nothing changes.
ACTION_CASES = {
    "create": (S.DRAFT, {"drafter", "drafter_elsewhere", "general_office"}, "draft.create"),
    "edit_section": (S.DRAFT, {"drafter", "expert_elsewhere"}, "draft.section_save"),
    "change_disclosure": (S.DRAFT, {"drafter"}, "draft.disclosure_change"),
    "submit": (S.DRAFT, {"drafter"}, "review.submit"),
    "first_review": (S.PENDING_FIRST, {"drafter"}, "review.approve"),
    "second_review": (S.PENDING_SECOND, {"department_head"}, "review.approve"),
    "final_review": (S.PENDING_FINAL, {"unit_head_elsewhere"}, "review.approve"),
    "return_at_second": (S.PENDING_SECOND, {"department_head"}, "review.return"),
    "release": (S.APPROVED, {"drafter", "general_office"}, "review.release"),
}


def run_action(office: Office, action: str, actor: User, draft: Draft):
    session = office.session
    calls = {
        "create": lambda: drafts.create_from_policy(session, actor=actor,
                                                    policy_id=office.policy_id,
                                                    kind=DraftKind.QA,
                                                    disclosure=Disclosure.PUBLIC),
        "edit_section": lambda: edit_first_section(office, draft.id, "改写", actor=actor),
        "change_disclosure": lambda: drafts.change_disclosure(
            session, actor=actor, draft_id=draft.id, disclosure=Disclosure.ON_REQUEST,
            reason="仅涉及特定对象", basis="条例第二十七条"),
        "submit": lambda: review.submit(session, actor=actor, draft_id=draft.id),
        "first_review": lambda: review.approve(session, actor=actor, draft_id=draft.id),
        "second_review": lambda: review.approve(session, actor=actor, draft_id=draft.id),
        "final_review": lambda: review.approve(session, actor=actor, draft_id=draft.id),
        "return_at_second": lambda: review.return_to_drafter(session, actor=actor,
                                                             draft_id=draft.id, reason="请修改"),
        "release": lambda: review.release(session, actor=actor, draft_id=draft.id),
    }
    return calls[action]()


@pytest.mark.parametrize("action", ACTION_CASES)
@pytest.mark.parametrize("who", ROLE_CASES)
def test_permission_table(office, session, action, who):
    status, allowed, audited = ACTION_CASES[action]
    role, where = ROLE_CASES[who]
    unit = {"own": "政策法规处", "other": "成都市交通运输局", "office": "厅办公室"}[where]
    actor = make_user(session, f"t_{who}", unit=make_unit(session, unit), roles={role})
    draft = office.new_draft()
    office.advance(draft.id, status)
    audit_rows = len(session.exec(select(AuditEntry.id)).all())

    if who in allowed:
        run_action(office, action, actor, draft)
        session.commit()
        last = session.exec(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert (last.action, last.actor_id) == (audited, actor.id)
    else:
        with pytest.raises(PermissionDenied) as error:
            run_action(office, action, actor, draft)
        assert error.value.message.startswith("您没有权限")
        session.rollback()
        assert office.status(draft.id) == status
        assert len(session.exec(select(AuditEntry.id)).all()) == audit_rows


def test_edit_inactive_author_forbidden(office, session):
    draft = office.new_draft()
    office.author.is_active = False
    session.add(office.author)
    session.commit()

    with pytest.raises(PermissionDenied):
        edit_first_section(office, draft.id, "停用后的修改")


@pytest.mark.parametrize("who, status, expected", [
    ("author", S.DRAFT, {review.Step.SUBMIT}),
    ("peer", S.DRAFT, {review.Step.SUBMIT}),
    ("peer", S.PENDING_FIRST, {review.Step.APPROVE, review.Step.RETURN}),
    ("author", S.PENDING_FIRST, set()),
    ("head", S.PENDING_FIRST, set()),
    ("head", S.PENDING_SECOND, {review.Step.APPROVE, review.Step.RETURN}),
    ("boss", S.PENDING_FINAL, {review.Step.APPROVE, review.Step.RETURN}),
    ("author", S.APPROVED, {review.Step.RELEASE}),
    ("boss", S.APPROVED, set()),
])
def test_available_steps_per_role(office, who, status, expected):
    draft = office.new_draft()
    office.advance(draft.id, status)

    steps = review.available_steps(office.session, actor=getattr(office, who),
                                   draft_id=draft.id)

    assert steps == expected


# --- the diff baseline --------------------------------------------------------------------

def test_diff_baseline_first_round_none(office):
    draft = office.new_draft()
    office.advance(draft.id, S.PENDING_SECOND)

    assert review.diff_baseline(office.session, draft.id) is None


def test_diff_baseline_after_return(office):
    draft = office.new_draft()
    office.advance(draft.id, S.PENDING_FIRST)
    submitted = review.current_content(office.session, draft.id)
    review.return_to_drafter(office.session, actor=office.peer, draft_id=draft.id,
                             reason="请改写")
    edit_first_section(office, draft.id, "改写后的背景。")
    review.submit(office.session, actor=office.author, draft_id=draft.id)
    office.session.commit()

    baseline = review.diff_baseline(office.session, draft.id)

    assert baseline.content == submitted
    assert baseline.level is None
    assert baseline.review_round == 1


def test_diff_baseline_after_release(office):
    draft = office.new_draft()
    office.advance(draft.id, S.RELEASED)
    released = review.current_content(office.session, draft.id)
    edit_first_section(office, draft.id, "更正后的背景。", confirm_reset=True)
    review.submit(office.session, actor=office.author, draft_id=draft.id)
    office.session.commit()

    baseline = review.diff_baseline(office.session, draft.id)

    assert baseline.content == released
    assert baseline.level == ReviewLevel.FINAL


# --- 我的待办 -----------------------------------------------------------------------------

@pytest.fixture
def busy_office(office, session):
    """Drafts in every state, plus one in another unit, for the queue tests."""
    other_unit = make_unit(session, "成都市交通运输局")
    other_drafter = make_user(session, "chengdu", unit=other_unit, roles={Role.DRAFTER})
    # Reviewers there too, since 送审 needs someone for 初审 and 审核 in the drafting unit.
    make_user(session, "chengdu_peer", unit=other_unit, roles={Role.DRAFTER})
    make_user(session, "chengdu_head", unit=other_unit, roles={Role.DEPARTMENT_HEAD})
    made = {}
    for status in (S.DRAFT, S.PENDING_FIRST, S.PENDING_SECOND, S.PENDING_FINAL, S.APPROVED):
        made[status] = office.new_draft(kind=DraftKind.QA).id
        office.advance(made[status], status)
    made[S.RETURNED] = office.new_draft().id
    office.advance(made[S.RETURNED], S.PENDING_SECOND)
    review.return_to_drafter(session, actor=office.head, draft_id=made[S.RETURNED],
                             reason="请补充数据来源")
    made["other_unit"] = office.new_draft(actor=other_drafter).id
    review.submit(session, actor=other_drafter, draft_id=made["other_unit"])
    session.commit()
    return office, made


def queue_ids(session, actor, now=None):
    return [(item.draft_id, item.level) for item in review.queue_for(session, actor=actor,
                                                                     now=now)]


def test_queue_reviewer_sees_own_level(busy_office):
    office, made = busy_office

    # A 承办人员 of the drafting unit also releases (发布) its 已审发 drafts.
    assert queue_ids(office.session, office.peer) == [(made[S.PENDING_FIRST], ReviewLevel.FIRST),
                                                      (made[S.APPROVED], None)]
    assert queue_ids(office.session, office.head) == [(made[S.PENDING_SECOND],
                                                       ReviewLevel.SECOND)]
    assert queue_ids(office.session, office.boss) == [(made[S.PENDING_FINAL],
                                                       ReviewLevel.FINAL)]


def test_queue_author_sees_returned(busy_office):
    office, made = busy_office

    items = review.queue_for(office.session, actor=office.author)

    returned = [item for item in items if item.returned]
    assert [(i.draft_id, i.level) for i in returned] == [(made[S.RETURNED], None)]
    assert returned[0].note == "请补充数据来源"
    assert returned[0].status == S.RETURNED


def test_queue_skips_decided_drafts(busy_office, session):
    office, made = busy_office
    both = make_user(session, "both", unit=make_unit(session, "政策法规处"),
                     roles={Role.DRAFTER, Role.DEPARTMENT_HEAD})
    draft = office.new_draft()
    office.advance(draft.id, S.PENDING_FIRST)
    review.approve(session, actor=both, draft_id=draft.id, opinion="初审同意")
    session.commit()

    levels = dict(queue_ids(session, both))

    assert draft.id not in levels
    assert levels[made[S.PENDING_SECOND]] == ReviewLevel.SECOND
    assert levels[made[S.PENDING_FIRST]] == ReviewLevel.FIRST


@pytest.mark.parametrize("role", [Role.EXPERT, Role.SPOKESPERSON, Role.ADMIN])
def test_queue_empty_without_review_role(busy_office, session, role):
    user = make_user(session, f"q_{role}", unit=make_unit(session, "政策法规处"), roles={role})

    assert review.queue_for(session, actor=user) == []


def test_queue_general_office_sees_only_release(busy_office, session):
    # 厅办公室 reviews nothing but may release an approved draft of any unit.
    office, made = busy_office
    user = make_user(session, "q_office", unit=make_unit(session, "厅办公室"),
                     roles={Role.GENERAL_OFFICE})

    assert queue_ids(session, user) == [(made[S.APPROVED], None)]


def test_queue_shows_waiting_age(busy_office, session):
    office, made = busy_office
    now = datetime(2026, 12, 10, 9, 0, tzinfo=timezone.utc)
    draft = session.get(Draft, made[S.PENDING_FIRST])
    draft.status_changed_at = now - timedelta(days=2, hours=3, minutes=20)
    session.add(draft)
    session.commit()

    item = review.queue_for(session, actor=office.peer, now=now)[0]

    assert item.age == timedelta(days=2, hours=3, minutes=20)
    assert review.format_age(item.age) == "2 天 3 小时"
    assert item.unit_name == "政策法规处"


@pytest.mark.parametrize("age, text", [
    (timedelta(seconds=30), "0 分钟"),
    (timedelta(minutes=8), "8 分钟"),
    (timedelta(hours=5, minutes=12), "5 小时 12 分钟"),
    (timedelta(days=1), "1 天 0 小时"),
    (timedelta(days=12, hours=23, minutes=59), "12 天 23 小时"),
])
def test_format_age(age, text):
    assert review.format_age(age) == text


def test_queue_query_count_constant(office, session, engine):
    def count_queries(actor):
        statements = []
        listener = lambda *args: statements.append(args[2])   # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            review.queue_for(session, actor=actor)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    both = make_user(session, "all3", unit=make_unit(session, "政策法规处"),
                     roles={Role.DRAFTER, Role.DEPARTMENT_HEAD, Role.UNIT_HEAD})
    office.advance(office.new_draft().id, S.PENDING_FIRST)
    few = count_queries(both)
    for _ in range(6):
        office.advance(office.new_draft().id, S.PENDING_SECOND)
        office.advance(office.new_draft().id, S.PENDING_FIRST)

    many = count_queries(both)

    assert len(review.queue_for(session, actor=both)) == 13
    assert many == few
    assert few <= 6
