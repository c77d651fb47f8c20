"""A press office for the event document and 答问口径库 tests: units, the three reviewers,
a spokesperson, a policy parsed from the Sichuan fixture and a press conference on it."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from planner.models import (Draft, DraftStatus, EventKind, Policy, PressEvent, Role, Unit,
                            UnitKind, User)
from planner.services import policies, review
from planner.timeutil import OFFICE_TZ, to_utc
from tests import factories
from tests.conftest import SICHUAN
from tests.review_ready import fill_placeholders

# Tuesday 2026-12-08, 15:00 to 16:00 Beijing time.
STARTS = datetime(2026, 12, 8, 15, 0, tzinfo=OFFICE_TZ)
ENDS = datetime(2026, 12, 8, 16, 0, tzinfo=OFFICE_TZ)


@dataclass
class PressOffice:
    session: Session
    drafting: Unit          # 政策法规处: the event's unit, where 初审 and 审核 happen
    publicity: Unit         # 省交通宣传中心
    spokesperson: User      # 新闻发言人 in 省交通宣传中心
    clerk: User             # 厅办公室
    author: User            # 承办人员 of 政策法规处
    peer: User              # another 承办人员 there: 初审
    head: User              # 承办部门负责人 there: 审核
    boss: User              # 单位负责人: 审发
    outsider: User          # 承办人员 of another unit
    policy: Policy

    def event(self, **overrides) -> PressEvent:
        """Book a press conference on the policy directly in the table; commits."""
        values = dict(uid=f"{uuid.uuid4()}@test", kind=EventKind.PRESS_CONFERENCE,
                      topic="政务公开工作", starts_at=to_utc(STARTS), ends_at=to_utc(ENDS),
                      venue="厅新闻发布厅", online_room="https://live.example.gov.cn/room/8",
                      spokespeople="陈静 <chenjing@example.gov.cn>、王强",
                      host="刘洋", invited_media="四川日报、四川广播电视台",
                      agenda="一、主持人开场\n二、发布政务公开工作有关情况\n三、回答记者提问",
                      policy_id=self.policy.id, guests="孙伟 省交通宣传中心主任",
                      experts="周敏 西南交通大学教授",
                      question_channel="https://www.example.gov.cn/ask（12月7日18时前）",
                      unit_id=self.drafting.id, created_by=self.spokesperson.id)
        values.update(overrides)
        event = PressEvent(**values)
        self.session.add(event)
        self.session.commit()
        return event

    def approve_fully(self, draft_id: int) -> None:
        """Write its fill-in prompts, then take the draft through 送审, 初审, 审核 and 审发;
        commits after each step."""
        fill_placeholders(self.session, self.author, draft_id)
        review.submit(self.session, actor=self.author, draft_id=draft_id)
        self.session.commit()
        for reviewer, opinion in ((self.peer, "初审同意"), (self.head, "审核同意"),
                                  (self.boss, "同意")):
            review.approve(self.session, actor=reviewer, draft_id=draft_id, opinion=opinion)
            self.session.commit()
        assert self.session.get(Draft, draft_id).status == DraftStatus.APPROVED


def make_press_office(session: Session) -> PressOffice:
    make_unit, make_user = factories.make_unit, factories.make_user
    drafting = make_unit(session, "政策法规处")
    publicity = make_unit(session, "省交通宣传中心", UnitKind.AFFILIATE)
    office = make_unit(session, "厅办公室")
    other = make_unit(session, "运输服务处")
    author = make_user(session, "zhangming", unit=drafting, display_name="张明",
                       roles={Role.DRAFTER})
    parsed, raw = policies.parse_pasted(SICHUAN.read_text(encoding="utf-8"))
    fields = policies.PolicyFields(title="四川省交通运输厅关于进一步加强政府信息公开回应社会关切"
                                         "提升政府公信力的实施意见",
                                   doc_number="川交函〔2014〕25号", issuer="四川省交通运输厅")
    policy = policies.save_policy(session, actor=author, parsed=parsed, fields=fields,
                                  source_name="sichuan.txt", raw_text=raw)
    session.commit()
    return PressOffice(
        session=session, drafting=drafting, publicity=publicity,
        spokesperson=make_user(session, "chenjing", unit=publicity, display_name="陈静",
                               roles={Role.SPOKESPERSON}),
        clerk=make_user(session, "sunwei", unit=office, display_name="孙伟",
                        roles={Role.GENERAL_OFFICE}),
        author=author,
        peer=make_user(session, "lihua", unit=drafting, display_name="李华",
                       roles={Role.DRAFTER}),
        head=make_user(session, "wangqiang", unit=drafting, display_name="王强",
                       roles={Role.DEPARTMENT_HEAD}),
        boss=make_user(session, "zhaoli", unit=office, display_name="赵丽",
                       roles={Role.UNIT_HEAD}),
        outsider=make_user(session, "yun", unit=other, display_name="赵云",
                           roles={Role.DRAFTER}),
        policy=policy,
    )
