"""A small department for the opinion and meeting tests: units, people and their roles."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from planner.models import Role, Unit, UnitKind, User
from planner.services import opinions
from planner.timeutil import OFFICE_TZ
from tests import factories

# 2026-11-03 is a Tuesday, a month before the suite's own clock (December 2026).
SEEN = datetime(2026, 11, 3, 9, 30, tzinfo=OFFICE_TZ)


@dataclass
class Office:
    office_unit: Unit       # 厅办公室
    transport: Unit         # 运输服务处: the lead unit in most tests
    roads: Unit             # 公路局: another forwarded unit
    publicity: Unit         # 省交通宣传中心 (a default meeting unit)
    information: Unit       # 厅信息中心 (a default meeting unit)
    outside: Unit           # 政策法规处: not involved
    clerk: User             # 厅办公室
    transport_drafter: User
    transport_head: User
    roads_drafter: User
    outsider: User          # a drafter elsewhere
    admin: User


def make_office(session: Session) -> Office:
    units = {name: factories.make_unit(session, name, kind) for name, kind in (
        ("厅办公室", UnitKind.DIVISION), ("运输服务处", UnitKind.DIVISION),
        ("省公路局", UnitKind.AFFILIATE), ("省交通宣传中心", UnitKind.AFFILIATE),
        ("厅信息中心", UnitKind.AFFILIATE), ("政策法规处", UnitKind.DIVISION))}
    make = factories.make_user
    return Office(
        office_unit=units["厅办公室"], transport=units["运输服务处"], roads=units["省公路局"],
        publicity=units["省交通宣传中心"], information=units["厅信息中心"],
        outside=units["政策法规处"],
        clerk=make(session, "clerk", unit=units["厅办公室"], display_name="陈静",
                   email="chenjing@example.gov.cn",
                   roles={Role.GENERAL_OFFICE, Role.DRAFTER}),
        transport_drafter=make(session, "yun", unit=units["运输服务处"], display_name="赵云",
                               email="zhaoyun@example.gov.cn", roles={Role.DRAFTER}),
        transport_head=make(session, "head", unit=units["运输服务处"], display_name="孙处长",
                            email="sun@example.gov.cn",
                            roles={Role.DEPARTMENT_HEAD, Role.UNIT_HEAD}),
        roads_drafter=make(session, "lu", unit=units["省公路局"], display_name="路明",
                           roles={Role.DRAFTER}),
        outsider=make(session, "fa", unit=units["政策法规处"], display_name="法规",
                      roles={Role.DRAFTER}),
        admin=make(session, "root", unit=units["厅办公室"], display_name="管理员",
                   roles={Role.ADMIN}),
    )


def item_input(**overrides) -> opinions.OpinionInput:
    values = dict(source="weibo", summary="网民反映成都东站出租车拒载、议价，质疑监管不力",
                  first_seen_at=SEEN, severity="ordinary",
                  link="https://weibo.com/1234567/NxYz01", category="出租车管理")
    values.update(overrides)
    return opinions.OpinionInput(**values)


def forwarded_item(session: Session, office: Office, **overrides):
    """An item registered, assessed and forwarded to 运输服务处 (lead) and 省公路局; commits."""
    item = opinions.register(session, actor=office.clerk, data=item_input(**overrides))
    severity = overrides.get("severity", "ordinary")
    opinions.assess(session, actor=office.clerk, opinion_id=item.id,
                    data=opinions.AssessmentInput(nature="concern", trend="rising", risk="medium",
                                                  severity=severity))
    opinions.forward(session, actor=office.clerk, opinion_id=item.id,
                     lead_unit_id=office.transport.id, other_unit_ids=[office.roads.id])
    session.commit()
    return item
