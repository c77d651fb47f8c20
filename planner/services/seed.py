"""Example data for a newcomer: real policies, drafts made from them, and a booked event."""

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlmodel import Session, func, select

from planner.models import Disclosure, DraftKind, EventKind, Policy, Role, UnitKind, User
from planner.permissions import require
from planner.services import accounts, audit, drafts, events, policies, users
from planner.timeutil import OFFICE_TZ, now_utc, to_office
from planner.workdays import day_info

logger = logging.getLogger(__name__)

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"
SICHUAN_FILE = "sichuan-transport-2014-disclosure-opinions.txt"
# The web copy of the Sichuan opinions starts at the addressee line; this is the title a
# user types in, built from the document's subject as stated in its first paragraph.
SICHUAN_TITLE = "四川省交通运输厅关于进一步加强政府信息公开回应社会关切提升政府公信力的实施意见"

EXAMPLE_UNITS = [
    ("厅办公室", UnitKind.DIVISION),
    ("政策法规处", UnitKind.DIVISION),
    ("省交通宣传中心", UnitKind.AFFILIATE),
    ("厅信息中心", UnitKind.AFFILIATE),
    ("成都市交通运输局", UnitKind.CITY_BUREAU),
]


@dataclass(frozen=True)
class ExampleStaff:
    username: str
    display_name: str
    unit: str
    roles: tuple[Role, ...]


# One account for each role but 管理员, so a newcomer can sign in as each and see their
# screens. The units where they draft are 政策法规处 (张明), 省交通宣传中心 (陈静's event
# documents) and 厅办公室 (孙伟's minutes and opinion responses). Each of them has two 承办人员
# and a 承办部门负责人, so a draft by any of its staff finds three different people for
# 初审, 审核 and 审发.
EXAMPLE_STAFF = [
    ExampleStaff("zhangming", "张明", "政策法规处", (Role.DRAFTER,)),
    ExampleStaff("lihua", "李华", "政策法规处", (Role.DRAFTER,)),
    ExampleStaff("wangqiang", "王强", "政策法规处", (Role.DEPARTMENT_HEAD,)),
    ExampleStaff("zhaoli", "赵丽", "厅办公室", (Role.UNIT_HEAD,)),
    ExampleStaff("chenjing", "陈静", "省交通宣传中心", (Role.SPOKESPERSON,)),
    ExampleStaff("liuyang", "刘洋", "省交通宣传中心", (Role.EXPERT,)),
    ExampleStaff("zhouting", "周婷", "省交通宣传中心", (Role.DRAFTER,)),
    ExampleStaff("linfeng", "林峰", "省交通宣传中心", (Role.DRAFTER,)),
    ExampleStaff("wugang", "吴刚", "省交通宣传中心", (Role.DEPARTMENT_HEAD,)),
    ExampleStaff("sunwei", "孙伟", "厅办公室", (Role.GENERAL_OFFICE,)),
    ExampleStaff("zhenglei", "郑磊", "厅办公室", (Role.DRAFTER,)),
    ExampleStaff("xuyan", "许燕", "厅办公室", (Role.DRAFTER,)),
    ExampleStaff("hejun", "何军", "厅办公室", (Role.DEPARTMENT_HEAD,)),
]
EXAMPLE_DRAFTER = "zhangming"
EXAMPLE_SPOKESPERSON = "chenjing"


@dataclass
class SeedResult:
    policy_ids: list[int]
    draft_ids: list[int]
    event_id: int
    staff_ids: dict[str, int]   # user name → user id of the example accounts


def is_empty(session: Session) -> bool:
    return session.exec(select(func.count()).select_from(Policy)).one() == 0


def load_examples(session: Session, *, actor: User, staff_password: str,
                  today: date | None = None) -> SeedResult:
    """Load the example office (管理员 only): units, one account per working role, policies,
    drafts and an event. The example staff all get `staff_password`, typed by the admin.

    The policies and drafts are made by the example 承办人员 and the event by the example
    新闻发言人, through the same permission checks as any other user.
    """
    require(session, actor, "load_examples", {Role.ADMIN})
    units = {name: users.ensure_unit(session, actor=actor, name=name, kind=kind).id
             for name, kind in EXAMPLE_UNITS}
    staff = _example_staff(session, actor, units, staff_password)
    drafter, spokesperson = staff[EXAMPLE_DRAFTER], staff[EXAMPLE_SPOKESPERSON]

    policy_ids = [_import_example(session, drafter, SICHUAN_FILE, title=SICHUAN_TITLE)]
    for path in sorted(EXAMPLES_DIR.glob("P*.txt")):
        policy_ids.append(_import_example(session, drafter, path.name))

    draft_ids = [drafts.create_from_policy(session, actor=drafter, policy_id=policy_ids[0],
                                           kind=kind, disclosure=Disclosure.PUBLIC).id
                 for kind in (DraftKind.INTERPRETATION, DraftKind.QA)]
    event = events.create_event(session, actor=spokesperson,
                                data=_example_event(policy_ids[0], draft_ids, today))

    staff_ids = {name: user.id for name, user in staff.items()}
    audit.record(session, actor=actor, action="examples.load", entity="system", entity_id=None,
                 detail={"policies": policy_ids, "drafts": draft_ids, "event": event.id,
                         "staff": sorted(staff_ids)})
    logger.info("example data loaded: %s policies, %s drafts", len(policy_ids), len(draft_ids))
    return SeedResult(policy_ids=policy_ids, draft_ids=draft_ids, event_id=event.id,
                      staff_ids=staff_ids)


def _example_staff(session: Session, actor: User, units: dict[str, int],
                   password: str) -> dict[str, User]:
    """Create the example accounts and their roles; an existing account is reused as it is."""
    accounts.check_password_policy("", password)
    staff: dict[str, User] = {}
    for person in EXAMPLE_STAFF:
        user = users.find_by_username(session, person.username)
        if user is None:
            user = accounts.create_user(session, actor=actor, username=person.username,
                                        display_name=person.display_name, password=password,
                                        unit_id=units[person.unit],
                                        email=f"{person.username}@example.gov.cn")
            for role in person.roles:
                accounts.grant_role(session, actor=actor, user_id=user.id,
                                    unit_id=units[person.unit], role=role)
        staff[person.username] = user
    return staff


def _import_example(session: Session, actor: User, name: str, title: str = "") -> int:
    parsed, raw_text = policies.parse_upload(name, (EXAMPLES_DIR / name).read_bytes())
    fields = policies.PolicyFields(title=title or parsed.title, doc_number=parsed.doc_number,
                                   issuer=parsed.issuer, addressee=parsed.addressee,
                                   issue_date=parsed.date)
    policy = policies.save_policy(session, actor=actor, parsed=parsed, fields=fields,
                                  source_name=name, raw_text=raw_text)
    return policy.id


def _example_event(policy_id: int, draft_ids: list[int], today: date | None) -> events.EventInput:
    day = _next_working_day(today or to_office(now_utc()).date())
    starts = datetime.combine(day, time(10, 0), tzinfo=OFFICE_TZ)
    return events.EventInput(
        kind=EventKind.PRESS_CONFERENCE,
        topic="《进一步加强政府信息公开回应社会关切》实施意见新闻发布会",
        starts_at=starts, ends_at=starts + timedelta(hours=1),
        venue="厅新闻发布厅", spokespeople="陈静 <chenjing@example.gov.cn>",
        host="孙伟 <sunwei@example.gov.cn>",
        invited_media="四川日报、四川电视台、中国交通报",
        agenda="一、主持人介绍出席人员\n二、新闻发言人发布实施意见主要内容\n三、答记者问",
        policy_id=policy_id, draft_ids=draft_ids)


def _next_working_day(start: date) -> date:
    day = start + timedelta(days=1)
    while not day_info(day).is_workday:
        day += timedelta(days=1)
    return day
