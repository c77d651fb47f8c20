"""Booking an event: which drafts the form offers and keeps linked, and when an edit raises
the invite's SEQUENCE (the .ics parsed back with icalendar before and after)."""

import pytest
from icalendar import Calendar

from planner.errors import PermissionDenied
from planner.models import Disclosure, Draft, DraftKind
from planner.services import event_flow, events
from tests.event_setup import AFTER, BEFORE, book, event_input, make_people


@pytest.fixture
def people(session):
    return make_people(session)


def add_draft(session, people, title: str, disclosure: Disclosure) -> Draft:
    """A draft of 政策法规处 by its drafter: the spokesperson of 宣传中心 may read it only
    when it is 主动公开."""
    draft = Draft(kind=DraftKind.INTERPRETATION, title=title, disclosure=disclosure,
                  unit_id=people.drafter.unit_id, created_by=people.drafter.id)
    session.add(draft)
    session.commit()
    return draft


def test_link_choices_hide_unreadable_drafts(session, people):
    public = add_draft(session, people, "春运政策解读", Disclosure.PUBLIC)
    secret = add_draft(session, people, "内部研判稿", Disclosure.NOT_PUBLIC)

    _, offered = events.link_choices(session, actor=people.speaker)
    _, for_author = events.link_choices(session, actor=people.drafter)

    assert public.id in offered
    assert secret.id not in offered
    assert {public.id, secret.id} <= set(for_author)


def test_link_choices_hide_unreadable_linked_draft(session, people):
    secret = add_draft(session, people, "内部研判稿", Disclosure.NOT_PUBLIC)
    event = events.create_event(session, actor=people.clerk,
                                data=event_input(draft_ids=[secret.id]))
    session.commit()

    _, offered = events.link_choices(session, actor=people.speaker, event_id=event.id)
    _, for_office = events.link_choices(session, actor=people.clerk, event_id=event.id)

    assert secret.id not in offered
    assert secret.id in for_office


def test_link_unreadable_draft_refused(session, people):
    secret = add_draft(session, people, "内部研判稿", Disclosure.NOT_PUBLIC)

    with pytest.raises(PermissionDenied) as refused:
        events.create_event(session, actor=people.speaker,
                            data=event_input(draft_ids=[secret.id]))

    assert "内部研判稿" not in refused.value.message
    assert f"编号为 {secret.id} 的稿件" in refused.value.message


def test_edit_keeps_unreadable_link(session, people):
    secret = add_draft(session, people, "内部研判稿", Disclosure.NOT_PUBLIC)
    public = add_draft(session, people, "春运政策解读", Disclosure.PUBLIC)
    event = events.create_event(session, actor=people.clerk,
                                data=event_input(draft_ids=[secret.id]))
    session.commit()

    # The spokesperson's form cannot show the 不公开 draft, so it submits only the other.
    events.update_event(session, actor=people.speaker, event_id=event.id,
                        data=event_input(draft_ids=[public.id]))
    session.commit()

    assert sorted(events.linked_draft_ids(session, event.id, role="")) == \
        sorted([secret.id, public.id])
    [edit] = [row for row in event_flow.history(session, event.id) if row.action == "edit"]
    assert edit.changed_fields == ("draft_ids",)


def parsed_invite(session, people, event_id: int):
    _, content = events.invite_file(session, event_id, actor=people.speaker, now=AFTER)
    [vevent] = Calendar.from_ical(content).walk("VEVENT")
    return vevent


@pytest.mark.parametrize("change, prop, expected", [
    ({"venue": "厅三楼会议室"}, "LOCATION", "厅三楼会议室"),
    ({"venue": "", "online_room": "https://live.example.gov.cn/room/8"}, "LOCATION",
     "https://live.example.gov.cn/room/8"),
    ({"topic": "春运交通保障工作情况通报"}, "SUMMARY", "新闻发布会：春运交通保障工作情况通报"),
    ({"kind": "briefing"}, "SUMMARY", "新闻通气会：春运交通保障新闻发布会"),
])
def test_edit_place_or_summary_raises_sequence(session, people, change, prop, expected):
    event = book(session, people)
    before = parsed_invite(session, people, event.id)

    events.update_event(session, actor=people.speaker, event_id=event.id,
                        data=event_input(**change))
    session.commit()
    after = parsed_invite(session, people, event.id)

    assert str(after["UID"]) == str(before["UID"])
    assert int(before["SEQUENCE"]) == 0
    assert int(after["SEQUENCE"]) == 1
    assert str(after[prop]) == expected
    edit = event_flow.history(session, event.id)[-1]
    assert (edit.action, edit.invite_raised) == ("edit", True)
    assert edit.change.endswith("（日历邀请随之更新，请重新发送或下载）")


def test_edit_agenda_keeps_sequence(session, people):
    event = book(session, people)

    events.update_event(session, actor=people.speaker, event_id=event.id,
                        data=event_input(agenda="一、通报春运安排\n二、答记者问"))
    session.commit()

    assert int(parsed_invite(session, people, event.id)["SEQUENCE"]) == 0
    edit = event_flow.history(session, event.id)[-1]
    assert (edit.changed_fields, edit.invite_raised) == (("agenda",), False)
    assert edit.change == "议程：（空） → 一、通报春运安排；二、答记者问"


def test_edit_time_and_place_raises_sequence_once(session, people):
    event = book(session, people)

    events.update_event(session, actor=people.speaker, event_id=event.id,
                        data=event_input(venue="厅三楼会议室",
                                         ends_at=event_input().ends_at.replace(hour=12)))
    session.commit()

    assert int(parsed_invite(session, people, event.id)["SEQUENCE"]) == 1
    rows = event_flow.history(session, event.id)
    assert [row.action for row in rows] == ["create", "reschedule", "edit"]
    assert rows[-1].invite_raised is False      # the 改期 row already tells it
    assert rows[-1].change == "地点：厅新闻发布厅 → 厅三楼会议室"


# --- why a step is not offered ------------------------------------------------------------

def approved_interview(session, people, channel: str):
    event = book(session, people, kind="online_interview", topic="“交通强国”在线访谈", venue="",
                 online_room="https://jtt.example.gov.cn/ft", question_channel=channel)
    event_flow.approve(session, actor=people.leader, event_id=event.id, now=BEFORE)
    session.commit()
    return event


def test_blocked_actions_name_missing_channel(session, people):
    event = approved_interview(session, people, channel="")

    blocked = event_flow.blocked_actions(session, actor=people.speaker, event_id=event.id,
                                         now=BEFORE)

    assert event_flow.Action.ANNOUNCE not in event_flow.available_actions(
        session, actor=people.speaker, event_id=event.id, now=BEFORE)
    announce = [step for step in blocked if step.action == event_flow.Action.ANNOUNCE]
    assert len(announce) == 1
    assert "还没有填写网友提问渠道" in announce[0].reason
    assert "“‘交通强国’在线访谈”" in announce[0].reason


def test_blocked_actions_with_channel(session, people):
    event = approved_interview(session, people, channel="厅门户网站在线访谈栏目")

    blocked = event_flow.blocked_actions(session, actor=people.speaker, event_id=event.id,
                                         now=BEFORE)

    assert event_flow.Action.ANNOUNCE not in [step.action for step in blocked]
    # 已举行 waits for the preview: the rule says so instead of dropping the step silently.
    [hold] = [step for step in blocked if step.action == event_flow.Action.HOLD]
    assert "还没有发布预告" in hold.reason


def test_blocked_actions_empty_without_role(session, people):
    event = approved_interview(session, people, channel="")

    assert event_flow.blocked_actions(session, actor=people.drafter, event_id=event.id,
                                      now=BEFORE) == []
