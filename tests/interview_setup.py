"""A press office for the end-to-end interview tests: who books, drafts, reviews, approves
and answers."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from planner.models import Role, Unit, User
from planner.timeutil import OFFICE_TZ
from tests import factories

GUESTS = "张明 省交通运输厅副厅长\n李华 运输服务处处长"


def office(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=OFFICE_TZ)


PLANNED_AT = office(2026, 12, 1, 9)       # the office plans and books
ASKED_AT = office(2026, 12, 10, 20)       # the public sends questions
REGISTERED_AT = office(2026, 12, 12, 9)   # the office registers them
START = office(2026, 12, 15, 10)          # a Tuesday; the interview lasts an hour
LIVE = office(2026, 12, 15, 10, 30)       # during the interview
AFTER = office(2026, 12, 15, 11, 5)       # it has ended
WRITTEN = office(2026, 12, 18, 15)        # a written answer, within 5 working days


@dataclass
class InterviewOffice:
    publicity: Unit        # 省交通宣传中心: books the interview, drafts its documents
    transport: Unit        # 运输服务处: the unit the interview covers
    speaker: User          # 新闻发言人 and 承办人员 of the 宣传中心: the drafts' author
    peer: User             # 承办人员 of the 宣传中心: 初审
    head: User             # 承办部门负责人 of the 宣传中心: 审核
    leader: User           # 单位负责人 in 厅办公室: approves the event, 审发
    staff: User            # 承办部门负责人 of 运输服务处: writes the written answers


def make_office(session: Session) -> InterviewOffice:
    publicity = factories.make_unit(session, "省交通宣传中心")
    transport = factories.make_unit(session, "运输服务处")
    general = factories.make_unit(session, "厅办公室")
    make = factories.make_user
    return InterviewOffice(
        publicity=publicity, transport=transport,
        speaker=make(session, "chenjing", unit=publicity, display_name="陈静",
                     roles={Role.SPOKESPERSON, Role.DRAFTER}),
        peer=make(session, "zhouxuan", unit=publicity, display_name="周宣",
                  roles={Role.DRAFTER}),
        head=make(session, "wuzhuren", unit=publicity, display_name="吴主任",
                  roles={Role.DEPARTMENT_HEAD}),
        leader=make(session, "zhaoli", unit=general, display_name="赵丽",
                    roles={Role.UNIT_HEAD}),
        staff=make(session, "wangqiang", unit=transport, display_name="王强",
                   roles={Role.DEPARTMENT_HEAD}),
    )
