"""Co-editing on a real database: versions per save, conflicts kept instead of
overwritten (also between two sessions and two threads, on SQLite and PostgreSQL),
resolving them, assignment and read-only sections, comments, history and restore."""

import logging
import threading
import time
from dataclasses import dataclass

import pytest
from sqlmodel import Session, select

from planner.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from planner.models import (AiAction, AiSuggestion, AuditEntry, ConflictState, Disclosure,
                            Draft, DraftKind, DraftSection, DraftSectionVersion, DraftStatus,
                            Role, User, VersionOrigin)
from planner.services import coedit, drafts, policies, review
from tests.factories import grant, make_unit, make_user
from tests.review_ready import fill_placeholders
from tests.test_review import POLICY_TEXT

S = DraftStatus


@dataclass
class Team:
    """A 政策解读 by `owner` (承办人员 of 政策法规处), experts of another unit, the unit's
    reviewers, 厅办公室 inside and outside the unit, and an outsider."""

    session: Session
    owner: User
    expert: User
    expert2: User
    peer: User
    head: User
    boss: User
    office: User
    other_office: User
    outsider: User
    draft_id: int

    def sections(self) -> list[DraftSection]:
        return drafts.list_sections(self.session, self.draft_id)

    def first(self) -> DraftSection:
        return self.sections()[0]


def build_team(session: Session) -> Team:
    unit = make_unit(session, "政策法规处")
    centre = make_unit(session, "省交通宣传中心")
    leaders = make_unit(session, "厅领导")
    general = make_unit(session, "厅办公室")
    owner = make_user(session, "zhangming", unit=unit, roles={Role.DRAFTER},
                      display_name="张明")
    people = dict(
        expert=make_user(session, "liuyang", unit=centre, roles={Role.EXPERT},
                         display_name="刘洋"),
        expert2=make_user(session, "zhouqi", unit=centre, roles={Role.EXPERT},
                          display_name="周琪"),
        peer=make_user(session, "lihua", unit=unit, roles={Role.DRAFTER}, display_name="李华"),
        head=make_user(session, "wangqiang", unit=unit, roles={Role.DEPARTMENT_HEAD},
                       display_name="王强"),
        boss=make_user(session, "zhaoli", unit=leaders, roles={Role.UNIT_HEAD},
                       display_name="赵丽"),
        office=make_user(session, "sunwei", unit=unit, roles={Role.GENERAL_OFFICE},
                         display_name="孙伟"),
        other_office=make_user(session, "qianfang", unit=general,
                               roles={Role.GENERAL_OFFICE}, display_name="钱芳"),
        outsider=make_user(session, "chenjing", unit=centre, roles={Role.SPOKESPERSON},
                           display_name="陈静"),
    )
    parsed, raw = policies.parse_pasted(POLICY_TEXT)
    policy = policies.save_policy(session, actor=owner, parsed=parsed,
                                  fields=policies.PolicyFields(title="关于做好政务公开工作的通知"),
                                  source_name="通知.txt", raw_text=raw)
    draft = drafts.create_from_policy(session, actor=owner, policy_id=policy.id,
                                      kind=DraftKind.INTERPRETATION, disclosure=Disclosure.PUBLIC)
    session.commit()
    return Team(session=session, owner=owner, draft_id=draft.id, **people)


@pytest.fixture
def team(session) -> Team:
    return build_team(session)


@pytest.fixture
def any_team(any_session) -> Team:
    return build_team(any_session)


def save(team: Team, actor: User, body: str, *, section: DraftSection | None = None,
         base: int | None = None, **options) -> coedit.SaveOutcome:
    section = section or team.first()
    outcome = coedit.save(team.session, actor=actor, section_id=section.id,
                          title=section.title, body=body,
                          base_version=section.version if base is None else base, **options)
    team.session.commit()
    return outcome


def versions(session: Session, section_id: int) -> list[DraftSectionVersion]:
    return list(session.exec(select(DraftSectionVersion)
                             .where(DraftSectionVersion.section_id == section_id)
                             .order_by(DraftSectionVersion.id)))


def audit_actions(session: Session) -> list[str]:
    return list(session.exec(select(AuditEntry.action).order_by(AuditEntry.id)))


# --- Versions -------------------------------------------------------------------------------

def test_create_from_policy_records_create_versions(team):
    for section in team.sections():
        rows = versions(team.session, section.id)
        assert [(r.number, r.origin, r.author_id) for r in rows] == [
            (1, VersionOrigin.CREATE, team.owner.id)]
        assert rows[0].body == section.body


def test_save_records_version_with_author(team):
    outcome = save(team, team.expert, "专家改写的出台背景。")

    assert outcome.conflict is None
    assert outcome.section.version == 2
    assert outcome.version.number == 2
    assert outcome.version.base_number == 1
    assert outcome.version.author_id == team.expert.id
    assert outcome.version.origin == VersionOrigin.EDIT
    assert team.first().body == "专家改写的出台背景。"
    history = coedit.section_history(team.session, team.first().id)
    assert [(v.number, v.author_name, v.origin) for v in history] == [
        (1, "张明", "create"), (2, "刘洋", "edit")]
    entry = team.session.exec(select(AuditEntry).where(
        AuditEntry.action == "draft.section_save")).one()
    assert '"version": 2' in entry.detail
    assert '"origin": "edit"' in entry.detail


def test_save_unchanged_text_saves_nothing(team):
    section = team.first()

    outcome = save(team, team.expert, "  " + section.body + "\n")

    assert outcome.conflict is None
    assert outcome.version.number == 1
    assert len(versions(team.session, section.id)) == 1
    assert "draft.section_save" not in audit_actions(team.session)


def test_save_stale_but_untouched_text_saves_nothing(team):
    section = team.first()
    original = section.body
    save(team, team.owner, "作者的新文本。")

    outcome = save(team, team.expert, original, base=1)

    assert outcome.conflict is None
    assert outcome.version.number == 2
    assert [r.conflict_state for r in versions(team.session, section.id)] == ["", ""]


def test_save_stale_base_kept_as_conflict(team):
    section = team.first()
    save(team, team.owner, "作者先保存的文本。")

    outcome = save(team, team.expert, "专家基于旧版本的文本。", base=1)

    assert outcome.conflict is not None
    assert outcome.version.number is None
    assert outcome.version.conflict_state == ConflictState.OPEN
    assert outcome.version.base_number == 1
    assert outcome.section.body == "作者先保存的文本。"
    view = outcome.conflict
    assert (view.mine_body, view.theirs_body) == ("专家基于旧版本的文本。", "作者先保存的文本。")
    assert (view.theirs_number, view.theirs_author, view.mine_author) == (2, "张明", "刘洋")
    assert view.theirs_at.tzinfo is not None
    assert {op.kind for op in view.body_diff} >= {"insert", "delete"}
    assert "".join(op.text for op in view.body_diff if op.kind != "insert") == \
        "作者先保存的文本。"
    assert "".join(op.text for op in view.body_diff if op.kind != "delete") == \
        "专家基于旧版本的文本。"
    assert audit_actions(team.session)[-1] == "draft.section_conflict"
    assert team.session.get(DraftSection, section.id).version == 2


def test_save_section_not_found(team):
    with pytest.raises(NotFound):
        coedit.save(team.session, actor=team.owner, section_id=9999, title="x", body="y",
                    base_version=1)


def test_drafts_save_section_records_version(team):
    section = team.first()

    drafts.save_section(team.session, actor=team.owner, section_id=section.id,
                        title=section.title, body="旧接口保存的文本。", base_version=1)
    team.session.commit()

    rows = versions(team.session, section.id)
    assert [(r.number, r.origin, r.body) for r in rows][-1] == (2, "edit", "旧接口保存的文本。")
    with pytest.raises(Conflict):
        drafts.save_section(team.session, actor=team.owner, section_id=section.id,
                            title=section.title, body="又一次", base_version=1)


def test_save_after_approval_needs_confirmation(team):
    fill_placeholders(team.session, team.owner, team.draft_id)   # 送审 needs them written
    version = team.first().version
    review.submit(team.session, actor=team.owner, draft_id=team.draft_id)
    review.approve(team.session, actor=team.peer, draft_id=team.draft_id, opinion="同意")
    team.session.commit()

    with pytest.raises(InvalidInput):
        save(team, team.expert, "审核期间的修改。")
    team.session.rollback()
    assert team.session.get(Draft, team.draft_id).status == S.PENDING_SECOND
    assert len(versions(team.session, team.first().id)) == version

    save(team, team.expert, "审核期间的修改。", confirm_reset=True)
    assert team.session.get(Draft, team.draft_id).status == S.DRAFT
    assert team.first().version == version + 1


def test_conflict_during_review_keeps_status(team):
    save(team, team.owner, "作者的修改。")
    fill_placeholders(team.session, team.owner, team.draft_id)
    review.submit(team.session, actor=team.owner, draft_id=team.draft_id)
    team.session.commit()

    outcome = save(team, team.expert, "专家的旧版修改。", base=1)

    assert outcome.conflict is not None
    assert team.session.get(Draft, team.draft_id).status == S.PENDING_FIRST


def test_save_ai_origin_marked_in_history(team):
    section = team.first()
    suggestion = AiSuggestion(draft_id=team.draft_id, section_id=section.id,
                              action=AiAction.DRAFT, text="模型起草的背景。",
                              created_by=team.expert.id)
    team.session.add(suggestion)
    team.session.commit()

    save(team, team.expert, "模型起草的背景。", origin=VersionOrigin.AI,
         ai_suggestion_id=suggestion.id)

    newest = coedit.section_history(team.session, section.id)[-1]
    assert newest.ai_drafted
    assert not newest.imported
    assert newest.ai_suggestion_id == suggestion.id


# --- Two sessions, two threads, SQLite and PostgreSQL ----------------------------------------

def test_two_sessions_same_version_both_kept(any_team, any_engine):
    section_id = any_team.first().id
    with (Session(any_engine, expire_on_commit=False) as first,
          Session(any_engine, expire_on_commit=False) as second):
        a_section = first.get(DraftSection, section_id)
        b_section = second.get(DraftSection, section_id)
        a = coedit.save(first, actor=any_team.owner, section_id=section_id,
                        title=a_section.title, body="甲：作者的修改。", base_version=1)
        first.commit()
        b = coedit.save(second, actor=any_team.expert, section_id=section_id,
                        title=b_section.title, body="乙：专家的修改。", base_version=1)
        second.commit()

    assert a.conflict is None
    assert a.version.number == 2
    assert b.conflict is not None
    assert b.version.number is None
    assert b.conflict.theirs_body == "甲：作者的修改。"
    rows = versions(any_team.session, section_id)
    assert [(r.number, r.conflict_state, r.body) for r in rows[1:]] == [
        (2, "", "甲：作者的修改。"), (None, "open", "乙：专家的修改。")]


def test_two_threads_same_moment_both_kept(any_team, any_engine):
    """Two app instances: both read version 1, then both write at once. The
    compare-and-set lets one win and turns the other into a conflict row."""
    section_id = any_team.first().id
    both_read = threading.Barrier(2, timeout=20)
    results: dict[str, coedit.SaveOutcome] = {}
    errors: list[BaseException] = []

    def editor(name: str, actor: User, body: str) -> None:
        try:
            with Session(any_engine, expire_on_commit=False) as session:
                section = session.get(DraftSection, section_id)   # version 1, kept in the
                both_read.wait()                                   # session's identity map
                results[name] = coedit.save(session, actor=actor, section_id=section_id,
                                            title=section.title, body=body, base_version=1)
                session.commit()
        except BaseException as error:   # reported by the assert after the join
            errors.append(error)

    threads = [threading.Thread(target=editor, args=("owner", any_team.owner, "甲的并发修改。")),
               threading.Thread(target=editor, args=("expert", any_team.expert, "乙的并发修改。"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    outcomes = sorted(results.values(), key=lambda o: o.conflict is not None)
    assert outcomes[0].conflict is None
    assert outcomes[0].version.number == 2
    assert outcomes[1].conflict is not None
    assert outcomes[1].version.number is None
    any_team.session.expire_all()
    rows = versions(any_team.session, section_id)
    assert sorted(r.body for r in rows[1:]) == ["乙的并发修改。", "甲的并发修改。"]
    assert any_team.session.get(DraftSection, section_id).version == 2


# --- Resolving conflicts ----------------------------------------------------------------------

@pytest.fixture
def conflict(team) -> coedit.SaveOutcome:
    save(team, team.owner, "作者：第一部分已改。")
    return save(team, team.expert, "专家：第一部分另改。", base=1)


def resolve(team: Team, actor: User, version_id: int, choice: str, **options):
    outcome = coedit.resolve_conflict(team.session, actor=actor, version_id=version_id,
                                      choice=choice, **options)
    team.session.commit()
    return outcome


def test_resolve_merge_saves_merged_version(team, conflict):
    outcome = resolve(team, team.expert, conflict.version.id, "merge",
                      title=conflict.section.title, body="作者与专家合并后的第一部分。")

    assert outcome.conflict is None
    assert outcome.version.number == 3
    assert outcome.version.origin == VersionOrigin.MERGE
    assert team.first().body == "作者与专家合并后的第一部分。"
    kept = team.session.get(DraftSectionVersion, conflict.version.id)
    assert (kept.conflict_state, kept.resolution) == ("resolved", "merge")
    assert audit_actions(team.session)[-2:] == ["draft.section_save", "draft.conflict_resolve"]


def test_resolve_keep_mine_puts_text_on_top(team, conflict):
    outcome = resolve(team, team.expert, conflict.version.id, "keep_mine")

    assert outcome.version.number == 3
    assert outcome.version.base_number == 2
    assert team.first().body == "专家：第一部分另改。"
    history = coedit.section_history(team.session, team.first().id)
    assert [h.body for h in history if h.number] == [
        history[0].body, "作者：第一部分已改。", "专家：第一部分另改。"]


def test_resolve_take_theirs_writes_no_version(team, conflict):
    outcome = resolve(team, team.owner, conflict.version.id, "take_theirs")

    assert outcome.version.number == 2
    assert team.first().body == "作者：第一部分已改。"
    kept = team.session.get(DraftSectionVersion, conflict.version.id)
    assert kept.resolution == "take_theirs"
    assert kept.body == "专家：第一部分另改。"   # still there, only resolved


def test_resolve_twice_refused(team, conflict):
    resolve(team, team.expert, conflict.version.id, "take_theirs")

    with pytest.raises(Conflict) as error:
        resolve(team, team.expert, conflict.version.id, "keep_mine")

    assert "已经处理过" in error.value.message
    assert "采用对方的" in error.value.message
    assert team.first().body == "作者：第一部分已改。"


def test_resolve_by_someone_else_refused(team, conflict):
    with pytest.raises(PermissionDenied) as error:
        resolve(team, team.expert2, conflict.version.id, "keep_mine")

    assert "刘洋" in error.value.message


def test_resolve_by_owner_allowed(team, conflict):
    outcome = resolve(team, team.owner, conflict.version.id, "keep_mine")

    assert outcome.version.author_id == team.owner.id
    assert team.first().body == "专家：第一部分另改。"


def test_resolve_merge_without_text_rejected(team, conflict):
    with pytest.raises(InvalidInput):
        resolve(team, team.expert, conflict.version.id, "merge", title=" ", body="")


def test_resolve_unknown_choice_rejected(team, conflict):
    with pytest.raises(InvalidInput):
        resolve(team, team.expert, conflict.version.id, "overwrite")


def test_resolve_ordinary_version_rejected(team, conflict):
    created = versions(team.session, team.first().id)[0]

    with pytest.raises(InvalidInput):
        resolve(team, team.expert, created.id, "keep_mine")


def test_resolve_not_found(team):
    with pytest.raises(NotFound):
        resolve(team, team.owner, 9999, "take_theirs")


def test_resolve_after_section_moved_again_is_new_conflict(team, conflict):
    save(team, team.owner, "作者：第三次修改。")   # version 3, after the expert looked at 2

    outcome = resolve(team, team.expert, conflict.version.id, "keep_mine", seen_version=2)

    assert outcome.conflict is not None
    assert outcome.conflict.theirs_body == "作者：第三次修改。"
    assert team.first().body == "作者：第三次修改。"
    assert team.session.get(DraftSectionVersion, conflict.version.id).conflict_state == \
        "resolved"
    assert [c.version_id for c in coedit.open_conflicts(
        team.session, actor=team.expert, draft_id=team.draft_id)] == [outcome.version.id]


def test_open_conflicts_owner_sees_all_others_their_own(team, conflict):
    owner_view = coedit.open_conflicts(team.session, actor=team.owner, draft_id=team.draft_id)
    expert_view = coedit.open_conflicts(team.session, actor=team.expert, draft_id=team.draft_id)
    other_view = coedit.open_conflicts(team.session, actor=team.expert2, draft_id=team.draft_id)

    assert [c.version_id for c in owner_view] == [conflict.version.id]
    assert [c.version_id for c in expert_view] == [conflict.version.id]
    assert other_view == []


# --- Assignment and read-only --------------------------------------------------------------

STATES = {
    "open": dict(assign=False, read_only=False),
    "assigned": dict(assign=True, read_only=False),
    "read_only": dict(assign=False, read_only=True),
    "assigned_read_only": dict(assign=True, read_only=True),
}
EDIT_TABLE = [
    # state, actor, may edit
    ("open", "owner", True), ("open", "expert", True), ("open", "expert2", True),
    ("open", "peer", True), ("open", "outsider", False), ("open", "head", False),
    ("assigned", "owner", True), ("assigned", "expert", True), ("assigned", "expert2", False),
    ("assigned", "peer", False), ("assigned", "outsider", False),
    ("read_only", "owner", True), ("read_only", "expert", False), ("read_only", "peer", False),
    ("assigned_read_only", "owner", True), ("assigned_read_only", "expert", False),
    ("assigned_read_only", "expert2", False),
]


@pytest.mark.parametrize(("state", "who", "allowed"), EDIT_TABLE)
def test_section_edit_permission(team, state, who, allowed):
    section = team.first()
    setting = STATES[state]
    coedit.assign_section(team.session, actor=team.owner, section_id=section.id,
                          assignee_id=team.expert.id if setting["assign"] else None,
                          read_only=setting["read_only"])
    team.session.commit()
    actor = getattr(team, who)

    assert coedit.may_edit_section(team.session, actor=actor, section=section) is allowed
    if allowed:
        assert save(team, actor, f"{who} 的修改。").section.version == 2
    else:
        with pytest.raises(PermissionDenied):
            save(team, actor, f"{who} 的修改。")


def test_assigned_section_message_names_assignee(team):
    section = team.first()
    coedit.assign_section(team.session, actor=team.owner, section_id=section.id,
                          assignee_id=team.expert.id, read_only=False)
    team.session.commit()

    with pytest.raises(PermissionDenied) as error:
        save(team, team.expert2, "不该保存。")

    assert "刘洋" in error.value.message


def test_other_sections_stay_open_when_one_assigned(team):
    first, second = team.sections()[:2]
    coedit.assign_section(team.session, actor=team.owner, section_id=first.id,
                          assignee_id=team.expert.id, read_only=False)
    team.session.commit()

    assert save(team, team.expert2, "第二部分的修改。", section=second).conflict is None


@pytest.mark.parametrize(("who", "allowed"), [
    ("owner", True), ("office", True), ("other_office", False), ("expert", False),
    ("peer", False), ("head", False)])
def test_assign_section_permission(team, who, allowed):
    section = team.first()
    call = lambda: coedit.assign_section(team.session, actor=getattr(team, who),  # noqa: E731
                                         section_id=section.id, assignee_id=team.expert.id,
                                         read_only=True)
    if allowed:
        call()
        team.session.commit()
        assert (section.assignee_id, section.read_only) == (team.expert.id, True)
    else:
        with pytest.raises(PermissionDenied):
            call()


def test_assign_section_audited(team):
    section = team.first()

    coedit.assign_section(team.session, actor=team.owner, section_id=section.id,
                          assignee_id=team.expert.id, read_only=False)
    coedit.assign_section(team.session, actor=team.owner, section_id=section.id,
                          assignee_id=team.expert.id, read_only=False)   # no change
    team.session.commit()

    assert audit_actions(team.session).count("draft.section_assign") == 1


def test_assign_section_to_inactive_user_rejected(team):
    gone = make_user(team.session, "gone", unit=make_unit(team.session, "省交通宣传中心"),
                     roles={Role.EXPERT}, is_active=False, display_name="离职专家")

    with pytest.raises(InvalidInput) as error:
        coedit.assign_section(team.session, actor=team.owner, section_id=team.first().id,
                              assignee_id=gone.id, read_only=False)

    assert "离职专家" in error.value.message


def test_assign_section_to_spokesperson_rejected(team):
    with pytest.raises(InvalidInput) as error:
        coedit.assign_section(team.session, actor=team.owner, section_id=team.first().id,
                              assignee_id=team.outsider.id, read_only=False)

    assert "陈静" in error.value.message


def test_assign_section_unknown_user_not_found(team):
    with pytest.raises(NotFound):
        coedit.assign_section(team.session, actor=team.owner, section_id=team.first().id,
                              assignee_id=9999, read_only=False)


def test_assignable_users_are_experts_and_drafters(team):
    grant(team.session, team.outsider, Role.EXPERT, make_unit(team.session, "省交通宣传中心"))

    names = [u.display_name for u in coedit.assignable_users(team.session)]

    assert sorted(names) == sorted(["张明", "刘洋", "周琪", "李华", "陈静"])


def test_assigned_sections_lists_draft_and_open_comments(team):
    first, second, third = team.sections()[:3]
    for section in (first, third):
        coedit.assign_section(team.session, actor=team.owner, section_id=section.id,
                              assignee_id=team.expert.id, read_only=False)
    coedit.add_comment(team.session, actor=team.owner, section_id=third.id, body="请补充数据。")
    team.session.commit()

    mine = coedit.assigned_sections(team.session, actor=team.expert)

    assert [(a.section_id, a.open_comments) for a in mine] == [(first.id, 0), (third.id, 1)]
    assert {a.draft_title for a in mine} == {team.session.get(Draft, team.draft_id).title}
    assert coedit.assigned_sections(team.session, actor=team.expert2) == []


# --- Comments -------------------------------------------------------------------------------

def comment(team: Team, actor: User, body: str, parent_id: int | None = None, section=None):
    made = coedit.add_comment(team.session, actor=actor, section_id=(section or team.first()).id,
                              body=body, parent_id=parent_id)
    team.session.commit()
    return made


def test_comment_reply_and_resolve(team):
    root = comment(team, team.owner, "第一段的数据来源是什么？")
    reply = comment(team, team.expert, "来自2023年统计公报。", parent_id=root.id)
    nested = comment(team, team.owner, "好的，请注明。", parent_id=reply.id)

    assert nested.parent_id == root.id
    threads = coedit.list_comments(team.session, team.draft_id)
    assert len(threads) == 1
    assert threads[0].comment.author_name == "张明"
    assert [(r.author_name, r.body) for r in threads[0].replies] == [
        ("刘洋", "来自2023年统计公报。"), ("张明", "好的，请注明。")]
    assert coedit.open_comment_count(team.session, team.draft_id) == 1

    coedit.resolve_thread(team.session, actor=team.expert, comment_id=reply.id)
    team.session.commit()

    resolved = coedit.list_comments(team.session, team.draft_id)[0]
    assert resolved.resolved
    assert resolved.resolved_by_name == "刘洋"
    assert coedit.list_comments(team.session, team.draft_id, open_only=True) == []
    assert coedit.open_comment_count(team.session, team.draft_id) == 0
    assert audit_actions(team.session)[-4:] == ["draft.comment_add"] * 3 + [
        "draft.comment_resolve"]


def test_comment_resolve_twice_refused_then_reopen(team):
    root = comment(team, team.owner, "请核对第二部分。")
    coedit.resolve_thread(team.session, actor=team.owner, comment_id=root.id)
    team.session.commit()

    with pytest.raises(Conflict) as error:
        coedit.resolve_thread(team.session, actor=team.expert, comment_id=root.id)
    assert "张明" in error.value.message

    coedit.reopen_thread(team.session, actor=team.expert, comment_id=root.id)
    team.session.commit()
    assert coedit.open_comment_count(team.session, team.draft_id) == 1
    with pytest.raises(Conflict):
        coedit.reopen_thread(team.session, actor=team.expert, comment_id=root.id)


@pytest.mark.parametrize("body", ["", "   \n "])
def test_comment_empty_rejected(team, body):
    with pytest.raises(InvalidInput):
        comment(team, team.owner, body)


def test_comment_too_long_rejected(team):
    with pytest.raises(InvalidInput) as error:
        comment(team, team.owner, "长" * (coedit.MAX_COMMENT_LENGTH + 1))

    assert str(coedit.MAX_COMMENT_LENGTH) in error.value.message


@pytest.mark.parametrize(("who", "allowed"), [
    ("owner", True), ("expert", True), ("peer", True), ("head", True), ("boss", True),
    ("outsider", False), ("other_office", False)])
def test_comment_permission(team, who, allowed):
    if allowed:
        assert comment(team, getattr(team, who), "意见。").id is not None
    else:
        with pytest.raises(PermissionDenied):
            comment(team, getattr(team, who), "意见。")


def test_comment_reply_to_other_section_not_found(team):
    first, second = team.sections()[:2]
    root = comment(team, team.owner, "第一段的问题。", section=first)

    with pytest.raises(NotFound):
        comment(team, team.owner, "回复错了段落。", parent_id=root.id, section=second)


def test_submit_with_open_comments_needs_confirmation(team):
    fill_placeholders(team.session, team.owner, team.draft_id)
    root = comment(team, team.head, "第三部分表述需斟酌。")
    comment(team, team.owner, "第一部分也请再看看。")

    with pytest.raises(Conflict) as error:
        review.submit(team.session, actor=team.owner, draft_id=team.draft_id)
    assert "2 条未解决的批注" in error.value.message
    team.session.rollback()
    assert team.session.get(Draft, team.draft_id).status == S.DRAFT

    review.submit(team.session, actor=team.owner, draft_id=team.draft_id,
                  confirm_open_comments=True)
    team.session.commit()
    assert team.session.get(Draft, team.draft_id).status == S.PENDING_FIRST
    assert root.id is not None


def test_submit_after_comments_resolved_needs_no_confirmation(team):
    fill_placeholders(team.session, team.owner, team.draft_id)
    root = comment(team, team.head, "第三部分表述需斟酌。")
    coedit.resolve_thread(team.session, actor=team.owner, comment_id=root.id)

    review.submit(team.session, actor=team.owner, draft_id=team.draft_id)
    team.session.commit()

    assert team.session.get(Draft, team.draft_id).status == S.PENDING_FIRST


# --- History, compare, restore --------------------------------------------------------------

def test_draft_history_every_save_in_time_order(team):
    first, second = team.sections()[:2]
    save(team, team.expert, "第一段：专家版。", section=first)
    save(team, team.owner, "第二段：作者版。", section=second)
    save(team, team.expert2, "旧版本上的修改。", section=first, base=1)   # a conflict

    history = coedit.draft_history(team.session, team.draft_id)

    created = len(team.sections())
    assert len(history) == created + 2
    assert [h.ordinal for h in history] == list(range(1, created + 3))
    assert [(h.section_id, h.number, h.author_name) for h in history[-2:]] == [
        (first.id, 2, "刘洋"), (second.id, 2, "张明")]


def test_compare_versions_section_diff(team):
    save(team, team.expert, "第一段：专家版。")
    rows = versions(team.session, team.first().id)

    comparison = coedit.compare_versions(team.session, rows[1].id, rows[0].id)

    assert comparison.older.id == rows[0].id
    assert "".join(op.text for op in comparison.body if op.kind != "delete") == "第一段：专家版。"
    assert "".join(op.text for op in comparison.body if op.kind != "insert") == rows[0].body


def test_compare_versions_of_two_sections_rejected(team):
    first, second = team.sections()[:2]

    with pytest.raises(InvalidInput):
        coedit.compare_versions(team.session, versions(team.session, first.id)[0].id,
                                versions(team.session, second.id)[0].id)


def test_compare_draft_as_of_two_versions(team):
    first, second = team.sections()[:2]
    save(team, team.expert, "第一段：专家版。", section=first)
    save(team, team.owner, "第二段：作者版。", section=second)
    history = coedit.draft_history(team.session, team.draft_id)
    created = history[len(team.sections()) - 1].version_id

    result = coedit.compare_draft(team.session, team.draft_id, history[-1].version_id, created)

    changed = [s for s in result.sections if s.status != "same"]
    assert [s.status for s in changed] == ["changed", "changed"]
    assert "".join(op.text for op in changed[0].body.ops if op.kind != "delete") == \
        "第一段：专家版。"
    middle = coedit.draft_content_at(team.session, team.draft_id, history[-2].version_id)
    assert middle["sections"][0]["body"] == "第一段：专家版。"
    assert middle["sections"][1]["body"] == versions(team.session, second.id)[0].body


def test_compare_draft_other_draft_rejected(team):
    other = drafts.create_from_policy(team.session, actor=team.owner,
                                      policy_id=team.session.get(Draft, team.draft_id).policy_id,
                                      kind=DraftKind.QA, disclosure=Disclosure.PUBLIC)
    team.session.commit()
    foreign = coedit.draft_history(team.session, other.id)[0].version_id
    own = coedit.draft_history(team.session, team.draft_id)[0].version_id

    with pytest.raises(InvalidInput):
        coedit.compare_draft(team.session, team.draft_id, own, foreign)


def test_restore_is_new_version(team):
    section = team.first()
    original = section.body
    save(team, team.expert, "第一段：专家版。")
    first_row = versions(team.session, section.id)[0]

    outcome = coedit.restore(team.session, actor=team.owner, version_id=first_row.id,
                             base_version=2)
    team.session.commit()

    assert outcome.version.number == 3
    assert outcome.version.origin == VersionOrigin.RESTORE
    assert outcome.version.note == "恢复自第 1 版"
    assert team.first().body == original


def test_restore_on_stale_base_is_conflict(team):
    save(team, team.expert, "第一段：专家版。")
    save(team, team.owner, "第一段：作者版。")
    first_row = versions(team.session, team.first().id)[0]

    outcome = coedit.restore(team.session, actor=team.expert2, version_id=first_row.id,
                             base_version=2)
    team.session.commit()

    assert outcome.conflict is not None
    assert team.first().body == "第一段：作者版。"


def test_restore_read_only_refused(team):
    section = team.first()
    save(team, team.expert, "第一段：专家版。")
    coedit.assign_section(team.session, actor=team.owner, section_id=section.id,
                          assignee_id=None, read_only=True)
    team.session.commit()

    with pytest.raises(PermissionDenied):
        coedit.restore(team.session, actor=team.expert, version_id=versions(
            team.session, section.id)[0].id, base_version=2)


def test_restore_not_found(team):
    with pytest.raises(NotFound):
        coedit.restore(team.session, actor=team.owner, version_id=9999, base_version=1)


# --- Merge text, markers, review reset on resolve, sections without versions ----------------

def test_merge_template_marks_each_difference():
    merged = coedit.merge_template("甲的文本。第二句相同。", "乙的文本。第二句相同。加一句。")

    assert merged == "〔对方：甲｜我的：乙〕的文本。第二句相同。〔对方：｜我的：加一句。〕"


def test_resolve_merge_with_markers_left_rejected(team, conflict):
    view = conflict.conflict
    template = coedit.merge_template(view.theirs_body, view.mine_body)

    with pytest.raises(InvalidInput) as error:
        resolve(team, team.expert, conflict.version.id, "merge", title=view.theirs_title,
                body=template)

    assert "〔对方：" in error.value.message
    team.session.rollback()
    assert team.session.get(DraftSectionVersion, conflict.version.id).conflict_state == "open"


def test_resolve_keep_mine_under_review_needs_confirmation(team, conflict):
    fill_placeholders(team.session, team.owner, team.draft_id)
    review.submit(team.session, actor=team.owner, draft_id=team.draft_id)
    team.session.commit()

    with pytest.raises(InvalidInput):
        resolve(team, team.expert, conflict.version.id, "keep_mine")
    team.session.rollback()
    assert team.session.get(DraftSectionVersion, conflict.version.id).conflict_state == "open"

    resolve(team, team.expert, conflict.version.id, "keep_mine", confirm_reset=True)
    assert team.session.get(Draft, team.draft_id).status == S.DRAFT
    assert team.first().body == "专家：第一部分另改。"


def test_resolve_take_theirs_under_review_keeps_status(team, conflict):
    fill_placeholders(team.session, team.owner, team.draft_id)
    review.submit(team.session, actor=team.owner, draft_id=team.draft_id)
    team.session.commit()

    resolve(team, team.expert, conflict.version.id, "take_theirs")

    assert team.session.get(Draft, team.draft_id).status == S.PENDING_FIRST


def test_resolve_keep_mine_keeps_ai_origin(team):
    section = team.first()
    suggestion = AiSuggestion(draft_id=team.draft_id, section_id=section.id,
                              action=AiAction.DRAFT, text="模型起草的背景。")
    team.session.add(suggestion)
    team.session.commit()
    save(team, team.owner, "作者先改了。")
    kept = save(team, team.expert, "模型起草的背景。", base=1, origin=VersionOrigin.AI,
                ai_suggestion_id=suggestion.id)

    outcome = resolve(team, team.expert, kept.version.id, "keep_mine")

    assert (outcome.version.origin, outcome.version.ai_suggestion_id) == (
        VersionOrigin.AI, suggestion.id)


def test_save_section_without_versions_starts_history(team):
    section = DraftSection(draft_id=team.draft_id, position=99, key="extra", title="附加",
                           body="没有版本记录的段落。", updated_by=team.owner.id)
    team.session.add(section)
    team.session.commit()

    save(team, team.expert, "补上版本后的修改。", section=section)

    history = coedit.section_history(team.session, section.id)
    assert [(h.number, h.origin, h.author_name) for h in history] == [
        (1, "create", "张明"), (2, "edit", "刘洋")]
    assert history[0].body == "没有版本记录的段落。"


# --- A blank never replaces text unnoticed -------------------------------------------------

def test_save_empty_heading_rejected(team):
    section = team.first()

    with pytest.raises(InvalidInput) as error:
        coedit.save(team.session, actor=team.owner, section_id=section.id, title="  ",
                    body="新的正文。", base_version=1)

    assert "标题不能为空" in error.value.message
    assert section.title[:10] in error.value.message
    team.session.rollback()
    assert len(versions(team.session, section.id)) == 1


def test_save_emptying_body_needs_confirmation(team):
    section = team.first()
    length = len(section.body)

    with pytest.raises(InvalidInput) as error:
        save(team, team.owner, "")

    assert "清空" in error.value.message
    assert f"现有 {length} 字" in error.value.message
    assert "确认清空本段正文" in error.value.message
    team.session.rollback()
    assert team.first().version == 1

    outcome = save(team, team.owner, "", confirm_empty=True)
    assert (outcome.section.version, outcome.section.body) == (2, "")


def test_save_empty_body_over_empty_needs_no_confirmation(team):
    save(team, team.owner, "", confirm_empty=True)

    outcome = save(team, team.owner, "", section=team.first())

    assert outcome.changed is False


def test_restore_empty_version_needs_confirmation(team):
    section = team.first()
    save(team, team.owner, "", confirm_empty=True)
    empty = versions(team.session, section.id)[-1]
    save(team, team.owner, "作者补回的正文。")

    with pytest.raises(InvalidInput):
        coedit.restore(team.session, actor=team.owner, version_id=empty.id, base_version=3)
    team.session.rollback()

    outcome = coedit.restore(team.session, actor=team.owner, version_id=empty.id,
                             base_version=3, confirm_empty=True)
    assert (outcome.section.version, outcome.section.body) == (4, "")


def test_resolve_merge_empty_heading_rejected(team, conflict):
    with pytest.raises(InvalidInput) as error:
        resolve(team, team.expert, conflict.version.id, "merge", title="", body="合并后的正文。")

    assert "标题不能为空" in error.value.message


# --- Three-way merge ------------------------------------------------------------------------

MERGE_BASE = "一、全面推进政务公开。二、加强政策解读工作。三、回应社会关切。"


def test_merge_disjoint_edits_merge_cleanly():
    theirs = MERGE_BASE.replace("全面推进", "进一步推进")
    mine = MERGE_BASE.replace("回应社会关切", "及时回应社会关切")

    merged = coedit.merge_template(theirs, mine, base=MERGE_BASE)

    assert merged == "一、进一步推进政务公开。二、加强政策解读工作。三、及时回应社会关切。"


def test_merge_overlapping_edits_conflict():
    theirs = MERGE_BASE.replace("全面推进", "进一步推进")
    mine = MERGE_BASE.replace("全面推进", "深入推进").replace("回应", "及时回应")

    merged = coedit.merge_template(theirs, mine, base=MERGE_BASE)

    assert merged == ("一、〔对方：进一步｜我的：深入〕推进政务公开。二、加强政策解读工作。"
                      "三、及时回应社会关切。")


def test_merge_identical_edits_taken_once():
    both = MERGE_BASE.replace("加强政策解读工作", "做好政策解读")

    merged = coedit.merge_template(both + "四、新增一条。", both, base=MERGE_BASE)

    assert merged == both + "四、新增一条。"


def test_merge_insertions_at_same_point_conflict():
    theirs = MERGE_BASE.replace("政务公开。", "政务公开和政务服务。")
    mine = MERGE_BASE.replace("政务公开。", "政务公开工作。")

    merged = coedit.merge_template(theirs, mine, base=MERGE_BASE)

    assert merged == ("一、全面推进政务公开〔对方：和政务服务｜我的：工作〕。"
                      "二、加强政策解读工作。三、回应社会关切。")


def test_merge_one_side_deletion_applied():
    mine = MERGE_BASE.replace("二、加强政策解读工作。", "")

    merged = coedit.merge_template(MERGE_BASE, mine, base=MERGE_BASE)

    assert merged == "一、全面推进政务公开。三、回应社会关切。"


def test_merge_edits_one_character_apart_conflict():
    # Only "政" separates the two edits: too little to call them independent.
    base = "推进政务公开"
    merged = coedit.merge_template("推进新政务公开", "推进政新务公开", base=base)

    assert merged.count("〔对方：") == 1


def test_merge_without_base_marks_every_difference():
    theirs = MERGE_BASE.replace("全面推进", "进一步推进")
    mine = MERGE_BASE.replace("回应社会关切", "及时回应社会关切")

    merged = coedit.merge_template(theirs, mine)

    assert merged.count("〔对方：") == 2
    assert "〔对方：｜我的：及时〕" in merged


def test_merge_long_sections_fast():
    base = "".join(f"（{n}）交通运输部门应当按规定公开政府信息，及时回应社会关切。\n"
                   for n in range(150))
    theirs = base.replace("（10）交通运输部门", "（10）各级交通运输部门")
    mine = base.replace("（120）交通运输部门应当", "（120）交通运输部门必须")

    started = time.perf_counter()
    merged = coedit.merge_template(theirs, mine, base=base)
    elapsed = time.perf_counter() - started

    assert len(base) > 4000
    assert "〔对方：" not in merged
    assert "（10）各级交通运输部门" in merged
    assert "（120）交通运输部门必须" in merged
    assert elapsed < 1.0


def test_conflict_view_carries_base_text(team):
    section = team.first()
    original = section.body
    save(team, team.owner, original + "作者补充一句。")

    outcome = save(team, team.expert, "专家加的开头。" + original, base=1)

    view = outcome.conflict
    assert (view.base_title, view.base_body) == (section.title, original)
    merged = coedit.merge_template(view.theirs_body, view.mine_body, base=view.base_body)
    assert merged == "专家加的开头。" + original + "作者补充一句。"


def test_conflict_view_without_base_row(team):
    save(team, team.owner, "作者的文本。")

    outcome = save(team, team.expert, "专家基于不存在版本的文本。", base=7)

    assert (outcome.conflict.base_title, outcome.conflict.base_body) == (None, None)


# --- Title and 公开属性: author and the drafting unit's 承办人员 -----------------------------

RENAME_TABLE = [("owner", True), ("peer", True), ("expert", False), ("expert2", False),
                ("office", False), ("head", False), ("boss", False), ("outsider", False)]


@pytest.mark.parametrize(("who", "allowed"), RENAME_TABLE)
def test_rename_permission(team, who, allowed):
    actor = getattr(team, who)

    assert drafts.may_change_title_and_disclosure(team.session, actor=actor,
                                                  draft_id=team.draft_id) is allowed
    if allowed:
        drafts.rename(team.session, actor=actor, draft_id=team.draft_id, title=f"{who}改的标题")
        team.session.commit()
        assert team.session.get(Draft, team.draft_id).title == f"{who}改的标题"
    else:
        with pytest.raises(PermissionDenied) as error:
            drafts.rename(team.session, actor=actor, draft_id=team.draft_id, title="改的标题")
        assert "修改这篇稿件的标题" in error.value.message
        assert "承办人员" in error.value.message
        team.session.rollback()
        assert "draft.rename" not in audit_actions(team.session)


# --- Permission probes for pages are not logged as refusals --------------------------------

def test_page_probes_log_no_refusal(team, caplog):
    caplog.set_level(logging.WARNING, logger="planner.permissions")
    coedit.assign_section(team.session, actor=team.owner, section_id=team.first().id,
                          assignee_id=team.expert2.id, read_only=False)
    team.session.commit()

    for actor in (team.expert, team.outsider, team.head):
        review.available_steps(team.session, actor=actor, draft_id=team.draft_id)
        drafts.may_change_title_and_disclosure(team.session, actor=actor,
                                               draft_id=team.draft_id)
        coedit.may_comment(team.session, actor=actor, draft_id=team.draft_id)
        coedit.may_assign(team.session, actor=actor, draft_id=team.draft_id)
        for section in team.sections():
            coedit.may_edit_section(team.session, actor=actor, section=section)
        review.may_read_record(team.session, actor=actor, draft_id=team.draft_id)

    assert [r.getMessage() for r in caplog.records] == []


def test_refused_action_is_logged(team, caplog):
    caplog.set_level(logging.WARNING, logger="planner.permissions")

    with pytest.raises(PermissionDenied):
        review.submit(team.session, actor=team.expert, draft_id=team.draft_id)

    unit_id = review.drafting_unit_id(team.session.get(Draft, team.draft_id))
    assert [r.getMessage() for r in caplog.records] == [
        f"permission denied: user {team.expert.id}, action submit_draft, unit {unit_id}"]
