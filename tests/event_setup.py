"""People and bookings for the press-event tests: who organises, approves and drafts.

2026-12-08 is a Tuesday; tests pass `now` explicitly, a week before it unless they need
the event to have started.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from planner.models import Disclosure, DraftKind, Role, Unit, User
from planner.services import drafts, events, policies, review
from planner.timeutil import OFFICE_TZ
from tests import factories
from tests.review_ready import fill_placeholders

START = datetime(2026, 12, 8, 10, 0, tzinfo=OFFICE_TZ)
BEFORE = datetime(2026, 12, 1, 9, 0, tzinfo=OFFICE_TZ)     # when bookings are made
AFTER = datetime(2026, 12, 8, 12, 0, tzinfo=OFFICE_TZ)     # once the event has ended
POLICY_TEXT = "关于做好交通运输政务公开工作的通知\n各市（州）交通运输局：\n一、总体要求\n做好公开。"


@dataclass
class EventPeople:
    publicity: Unit        # 省交通宣传中心
    office_unit: Unit      # 厅办公室
    speaker: User          # 新闻发言人: books the events
    clerk: User            # 厅办公室
    leader: User           # 单位负责人: approves
    peer: User             # 承办人员 of the 宣传中心: 初审 of the after-event drafts
    head: User             # 承办部门负责人 of the 宣传中心: 审核
    drafter: User          # 承办人员 elsewhere, no event role
    expert: User           # 专家


def make_people(session: Session) -> EventPeople:
    publicity = factories.make_unit(session, "省交通宣传中心")
    office_unit = factories.make_unit(session, "厅办公室")
    other = factories.make_unit(session, "政策法规处")
    make = factories.make_user
    return EventPeople(
        publicity=publicity, office_unit=office_unit,
        speaker=make(session, "speaker", unit=publicity, display_name="陈静",
                     email="chenjing@example.gov.cn", roles={Role.SPOKESPERSON, Role.DRAFTER}),
        clerk=make(session, "clerk", unit=office_unit, display_name="孙伟",
                   roles={Role.GENERAL_OFFICE}),
        leader=make(session, "leader", unit=office_unit, display_name="赵丽",
                    roles={Role.UNIT_HEAD}),
        peer=make(session, "peer", unit=publicity, display_name="周宣", roles={Role.DRAFTER}),
        head=make(session, "head", unit=publicity, display_name="吴主任",
                  roles={Role.DEPARTMENT_HEAD}),
        drafter=make(session, "drafter", unit=other, display_name="张明", roles={Role.DRAFTER}),
        expert=make(session, "expert", unit=other, display_name="刘洋", roles={Role.EXPERT}),
    )


def event_input(**overrides) -> events.EventInput:
    values = dict(kind="press_conference", topic="春运交通保障新闻发布会", starts_at=START,
                  ends_at=START + timedelta(hours=1), venue="厅新闻发布厅",
                  spokespeople="陈静 <chenjing@example.gov.cn>", host="孙伟",
                  guests="王强 省公路局局长\n李娜 省道路运输事务中心副主任",
                  experts="刘洋（西南交通大学教授）", question_channel="厅门户网站在线访谈栏目")
    values.update(overrides)
    return events.EventInput(**values)


def book(session: Session, people: EventPeople, **overrides):
    """Book an event as the spokesperson and commit."""
    event = events.create_event(session, actor=people.speaker, data=event_input(**overrides))
    session.commit()
    return event


def approved_draft(session: Session, people: EventPeople, title: str) -> int:
    """A draft of the 宣传中心 taken through 初审, 审核 and 审发, ready to release; returns
    its id."""
    parsed, raw = policies.parse_pasted(POLICY_TEXT)
    policy = policies.save_policy(session, actor=people.speaker, parsed=parsed,
                                  fields=policies.PolicyFields(title=title),
                                  source_name="粘贴", raw_text=raw)
    draft = drafts.create_from_policy(session, actor=people.speaker, policy_id=policy.id,
                                      kind=DraftKind.INTERPRETATION,
                                      disclosure=Disclosure.PUBLIC)
    session.commit()
    fill_placeholders(session, people.speaker, draft.id)
    review.submit(session, actor=people.speaker, draft_id=draft.id)
    review.approve(session, actor=people.peer, draft_id=draft.id, opinion="初审同意")
    review.approve(session, actor=people.head, draft_id=draft.id, opinion="审核同意")
    review.approve(session, actor=people.leader, draft_id=draft.id, opinion="同意发布")
    session.commit()
    return draft.id
