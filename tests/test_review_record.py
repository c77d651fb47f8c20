"""审查记录: the review record of one draft exported as Word and CSV, who may export it,
and the audit rows written by every export (review record, draft Word file, invite)."""

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime, timezone

import pytest
from docx import Document
from sqlmodel import Session, select

from planner.errors import PermissionDenied
from planner.models import AuditEntry, Disclosure, DraftKind, EventKind, Role, User
from planner.services import drafts, events, policies, review
from planner.timeutil import to_office
from tests.factories import make_unit, make_user
from tests.review_ready import fill_placeholders

POLICY_TEXT = """关于做好交通运输政务公开工作的通知

各市（州）交通运输局：

一、总体要求
坚持以公开为常态、不公开为例外。

二、主要措施
（一）规范公开属性审查。

四川省交通运输厅
2024年3月5日
"""
RETURN_REASON = "第二部分需注明数据来源。"
OPINIONS = ["初审同意", RETURN_REASON, "再次初审同意", "审核同意", "同意发布"]


@dataclass
class Reviewed:
    session: Session
    author: User
    peer: User
    head: User
    boss: User
    draft_id: int


@pytest.fixture
def reviewed(session) -> Reviewed:
    """A 政策解读 taken through 三审 with one return at 审核: seven decisions."""
    unit = make_unit(session, "政策法规处")
    author = make_user(session, "zhangming", unit=unit, roles={Role.DRAFTER},
                       display_name="张明")
    # A name a spreadsheet would run as a formula, to check the CSV neutralises it.
    peer = make_user(session, "lihua", unit=unit, roles={Role.DRAFTER}, display_name="=李华")
    head = make_user(session, "wangqiang", unit=unit, roles={Role.DEPARTMENT_HEAD},
                     display_name="王强")
    boss = make_user(session, "zhaoli", unit=make_unit(session, "厅领导"),
                     roles={Role.UNIT_HEAD}, display_name="赵丽")
    draft = _draft(session, author, Disclosure.PUBLIC)

    steps = [
        lambda: review.submit(session, actor=author, draft_id=draft.id),
        lambda: review.approve(session, actor=peer, draft_id=draft.id, opinion=OPINIONS[0]),
        lambda: review.return_to_drafter(session, actor=head, draft_id=draft.id,
                                         reason=OPINIONS[1]),
        lambda: review.submit(session, actor=author, draft_id=draft.id),
        lambda: review.approve(session, actor=peer, draft_id=draft.id, opinion=OPINIONS[2]),
        lambda: review.approve(session, actor=head, draft_id=draft.id, opinion=OPINIONS[3]),
        lambda: review.approve(session, actor=boss, draft_id=draft.id, opinion=OPINIONS[4]),
    ]
    for step in steps:
        step()
        session.commit()
    return Reviewed(session=session, author=author, peer=peer, head=head, boss=boss,
                    draft_id=draft.id)


def _draft(session, author, disclosure, **reason):
    parsed, raw = policies.parse_pasted(POLICY_TEXT)
    policy = policies.save_policy(session, actor=author, parsed=parsed,
                                  fields=policies.PolicyFields(title="关于做好交通运输政务公开工作的通知"),
                                  source_name="通知.txt", raw_text=raw)
    draft = drafts.create_from_policy(session, actor=author, policy_id=policy.id,
                                      kind=DraftKind.INTERPRETATION, disclosure=disclosure,
                                      **reason)
    session.commit()
    fill_placeholders(session, author, draft.id)
    return draft


def docx_text(data: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def audit_rows(session, action):
    return session.exec(select(AuditEntry).where(AuditEntry.action == action)).all()


# --- Word -----------------------------------------------------------------------------------

def test_record_docx_contains_title_disclosure_and_decisions(reviewed):
    name, data = review.record_docx(reviewed.session, actor=reviewed.author,
                                    draft_id=reviewed.draft_id)
    text = docx_text(data)
    title = drafts.get_draft(reviewed.session, reviewed.draft_id).title

    assert name == f"审查记录_{title}.docx"
    # The draft title contains the policy title in 《》, which nests as 〈〉.
    assert title == "关于《关于做好交通运输政务公开工作的通知》的政策解读"
    assert "《关于〈关于做好交通运输政务公开工作的通知〉的政策解读》审查记录" in text
    assert "公开属性：主动公开" in text
    assert "拟公开方式：政府网站/新闻发布" in text
    assert "公开范围：社会公众" in text
    for person in ("张明", "=李华", "王强", "赵丽"):
        assert person in text
    for opinion in OPINIONS:
        assert f"意见：{opinion}" in text


def test_record_docx_lists_decisions_in_order_with_levels(reviewed):
    _, data = review.record_docx(reviewed.session, actor=reviewed.boss,
                                 draft_id=reviewed.draft_id)
    lines = [line for line in docx_text(data).splitlines() if line.startswith("第 ")]

    assert len(lines) == 7
    assert lines[0].startswith("第 1 轮　—　送审　张明")
    assert lines[2].startswith("第 1 轮　审核　退回　王强")
    assert lines[6].startswith("第 2 轮　审发　通过　赵丽")


# --- CSV ------------------------------------------------------------------------------------

def test_record_csv_rows_per_decision(reviewed):
    name, data = review.record_csv(reviewed.session, actor=reviewed.head,
                                   draft_id=reviewed.draft_id)
    rows = csv_rows(data)

    assert name.startswith("审查记录_")
    assert name.endswith(".csv")
    assert data.startswith(b"\xef\xbb\xbf")
    assert rows[0][:3] == ["信息名称", "内容摘要", "公开属性"]
    assert rows[0][-7:] == ["审查轮次", "审查环节", "审查结果", "审查人", "审查时间", "审查意见",
                            "内容哈希（前 12 位）"]
    assert len(rows) == 1 + 7
    assert [row[12] for row in rows[1:]] == ["", *OPINIONS[:2], "", *OPINIONS[2:]]


def test_record_csv_neutralises_name_starting_with_equals(reviewed):
    rows = csv_rows(review.record_csv(reviewed.session, actor=reviewed.author,
                                      draft_id=reviewed.draft_id)[1])
    people = [row[10] for row in rows[1:]]

    assert people[1] == "'=李华"
    assert not any(person.startswith("=") for person in people)


def test_record_csv_time_in_shanghai_and_hash_prefix(reviewed):
    first = review.decisions(reviewed.session, reviewed.draft_id)[0].decision
    row = csv_rows(review.record_csv(reviewed.session, actor=reviewed.author,
                                     draft_id=reviewed.draft_id)[1])[1]
    at = first.at if first.at.tzinfo else first.at.replace(tzinfo=timezone.utc)

    assert row[11] == to_office(at).strftime("%Y-%m-%d %H:%M")
    assert row[11] != at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M")
    assert row[13] == first.content_hash[:12]


def test_record_csv_not_public_reason(session):
    unit = make_unit(session, "政策法规处")
    author = make_user(session, "zhangming", unit=unit, roles={Role.DRAFTER})
    draft = _draft(session, author, Disclosure.NOT_PUBLIC, disclosure_reason="涉及内部研究",
                   disclosure_basis="《中华人民共和国政府信息公开条例》第十六条")
    row = csv_rows(review.record_csv(session, actor=author, draft_id=draft.id)[1])[1]

    assert row[2:7] == ["不公开", "涉及内部研究", "《中华人民共和国政府信息公开条例》第十六条",
                        "不公开", "—"]
    assert row[7:] == []


@pytest.mark.parametrize("length, expected", [(5, "一二三四五……"), (200, "一二三四五六七八九十" * 2)])
def test_content_summary_cases(length, expected):
    content = {"sections": [{"body": "一二三四五\n六七八九十"}, {"body": "  一二三四五六七八九十 "}]}
    assert review.content_summary(content, length).replace(" ", "") == expected


# --- Permission -----------------------------------------------------------------------------

@pytest.mark.parametrize("role, same_unit", [
    (Role.DRAFTER, True), (Role.DEPARTMENT_HEAD, True), (Role.UNIT_HEAD, False),
    (Role.GENERAL_OFFICE, False), (Role.ADMIN, False)])
def test_record_export_allowed(reviewed, role, same_unit):
    unit = make_unit(reviewed.session, "政策法规处" if same_unit else "厅办公室")
    reader = make_user(reviewed.session, "reader", unit=unit, roles={role})

    name, data = review.record_csv(reviewed.session, actor=reader, draft_id=reviewed.draft_id)

    assert len(csv_rows(data)) == 8
    assert review.may_read_record(reviewed.session, actor=reader, draft_id=reviewed.draft_id)


@pytest.mark.parametrize("role, same_unit", [
    (Role.DRAFTER, False), (Role.DEPARTMENT_HEAD, False), (Role.EXPERT, True),
    (Role.SPOKESPERSON, True)])
def test_record_export_forbidden(reviewed, role, same_unit):
    unit = make_unit(reviewed.session, "政策法规处" if same_unit else "综合规划处")
    outsider = make_user(reviewed.session, "outsider", unit=unit, roles={role})
    before = len(audit_rows(reviewed.session, "review.record_export"))

    with pytest.raises(PermissionDenied) as raised:
        review.record_docx(reviewed.session, actor=outsider, draft_id=reviewed.draft_id)

    assert "查看或导出这篇稿件的审查记录" in raised.value.message
    assert len(audit_rows(reviewed.session, "review.record_export")) == before
    assert not review.may_read_record(reviewed.session, actor=outsider,
                                      draft_id=reviewed.draft_id)


# --- Audit ----------------------------------------------------------------------------------

@pytest.mark.parametrize("export", [review.record_docx, review.record_csv])
def test_record_export_writes_audit_row(reviewed, export):
    name, _ = export(reviewed.session, actor=reviewed.head, draft_id=reviewed.draft_id)
    reviewed.session.commit()
    [row] = audit_rows(reviewed.session, "review.record_export")

    assert row.actor_id == reviewed.head.id
    assert row.entity == "draft"
    assert row.entity_id == reviewed.draft_id
    assert json.loads(row.detail)["file"] == name
    assert json.loads(row.detail)["decisions"] == 7


def test_draft_export_docx_writes_audit_row(reviewed):
    name, _ = drafts.export_docx(reviewed.session, reviewed.draft_id, actor=reviewed.peer)
    reviewed.session.commit()
    [row] = audit_rows(reviewed.session, "draft.export")

    assert row.actor_id == reviewed.peer.id
    assert row.entity_id == reviewed.draft_id
    assert json.loads(row.detail)["file"] == name
    assert name == drafts.export_filename(drafts.get_draft(reviewed.session,
                                                           reviewed.draft_id).title)


def test_event_invite_file_writes_audit_row(session, actor):
    event = events.create_event(session, actor=actor, data=events.EventInput(
        kind=EventKind.PRESS_CONFERENCE, topic="政务公开新闻发布会",
        starts_at=datetime(2026, 5, 12, 2, 0, tzinfo=timezone.utc),
        ends_at=datetime(2026, 5, 12, 3, 0, tzinfo=timezone.utc), venue="厅新闻发布厅"))
    session.commit()

    name, _ = events.invite_file(session, event.id, actor=actor)
    session.commit()
    [row] = audit_rows(session, "event.invite_export")

    assert name == "2026-05-12_政务公开新闻发布会.ics"
    assert name == events.invite_filename(event)
    assert row.actor_id == actor.id
    assert row.entity == "press_event"
    assert row.entity_id == event.id
    assert json.loads(row.detail)["file"] == name
