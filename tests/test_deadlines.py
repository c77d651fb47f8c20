"""Deadline rules, the obligations service and the supervision board's figures.

Dates are checked against the State Council holiday notices for 2025 and 2026 (carried by
chinesecalendar 1.11.0); 2027 is not published there, so its days are estimates until an
override for it is entered.
"""

import json
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from planner import deadlines as rules
from planner.config import MailSettings
from planner.deadlines import Due, DueCalculator
from planner.errors import InvalidInput, NotFound, PermissionDenied
from planner.models import (AuditEntry, EventKind, Obligation, ObligationStatus, Role, Unit,
                            User)
from planner.services import deadlines, events, holidays, policies
from planner.services.deadlines import BoardFilters, DueState
from planner.timeutil import OFFICE_TZ
from planner.workdays import Override, WorkCalendar
from tests import factories


def office(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=OFFICE_TZ)


def calc(overrides=(), amounts=None) -> DueCalculator:
    return DueCalculator(WorkCalendar(overrides), amounts)


# --- rules: due times ------------------------------------------------------------------------

# rule, trigger, due moment (office time), due day, estimated years
DUE_CASES = [
    pytest.param(rules.NORMATIVE_ONLINE, office(2026, 9, 30, 15), office(2026, 10, 11),
                 date(2026, 10, 10), (), id="3 working days after 2026-09-30 is Sat 10-10"),
    pytest.param(rules.NORMATIVE_ONLINE, office(2025, 9, 30), office(2025, 10, 12),
                 date(2025, 10, 11), (), id="2025 national day to Sat 10-11 makeup"),
    pytest.param(rules.NORMATIVE_ONLINE, office(2025, 1, 24), office(2025, 2, 6),
                 date(2025, 2, 5), (), id="2025 spring festival with Sun 01-26 makeup"),
    pytest.param(rules.NORMATIVE_ONLINE, office(2026, 2, 12), office(2026, 2, 25),
                 date(2026, 2, 24), (), id="2026 spring festival with Sat 02-14 makeup"),
    pytest.param(rules.NORMATIVE_ONLINE, office(2026, 12, 29), office(2027, 1, 5),
                 date(2027, 1, 4), (2027,), id="crossing into 2027 is estimated"),
    pytest.param(rules.ACTIVITY_INFO, office(2026, 12, 4, 20), office(2026, 12, 5, 20),
                 None, (), id="24 hours across midnight"),
    pytest.param(rules.ACTIVITY_INFO, office(2026, 12, 31, 23), office(2027, 1, 1, 23),
                 None, (), id="24 hours into 2027 needs no calendar"),
    pytest.param(rules.OPINION_MAJOR_INFO, office(2026, 12, 4, 22, 30), office(2026, 12, 5, 3, 30),
                 None, (), id="5 hours across midnight"),
    pytest.param(rules.OPINION_MAJOR_CONFERENCE, office(2026, 10, 1, 8), office(2026, 10, 2, 8),
                 None, (), id="24 hours on a holiday"),
    pytest.param(rules.OPINION_ORDINARY, office(2026, 12, 4, 10), office(2026, 12, 6, 10),
                 None, (), id="48 hours over a weekend"),
    pytest.param(rules.INTERPRETATION_SYNC, office(2026, 10, 3, 9), office(2026, 10, 4),
                 date(2026, 10, 3), (), id="same day even on a holiday"),
    pytest.param(rules.INTERVIEW_PREVIEW, office(2026, 10, 9, 10), office(2026, 10, 1),
                 date(2026, 9, 30), (), id="preview lead moves back before national day"),
    pytest.param(rules.INTERVIEW_PREVIEW, office(2026, 12, 10, 10), office(2026, 12, 8),
                 date(2026, 12, 7), (), id="preview three days ahead on a Monday"),
    pytest.param(rules.INTERVIEW_PREVIEW, office(2027, 1, 6, 10), office(2027, 1, 1),
                 date(2026, 12, 31), (2027,), id="preview walking over estimated 2027 days"),
]


@pytest.mark.parametrize("rule_key, trigger, due_at, due_day, estimated_years", DUE_CASES)
def test_due_time_per_rule(rule_key, trigger, due_at, due_day, estimated_years):
    due = calc().due(rule_key, trigger)

    assert due.at == due_at
    assert due.day == due_day
    assert due.estimated_years == estimated_years
    assert due.estimated is bool(estimated_years)


def test_due_time_override_for_2027_replaces_estimate():
    notice = [Override(date(2027, 1, 1), False, "元旦", "测试通知"),
              Override(date(2027, 1, 4), False, "元旦", "测试通知")]

    due = calc(notice).due(rules.NORMATIVE_ONLINE, office(2026, 12, 29))

    assert due.day == date(2027, 1, 5)
    assert due.estimated is False
    assert due.reason == ""


def test_due_time_estimated_reason_text():
    due = calc().due(rules.NORMATIVE_ONLINE, office(2026, 12, 29))

    assert due.reason == ("2027年的节假日安排尚未发布，暂按周一至周五并扣除法定节假日估算；"
                          "安排公布并录入后会自动重算")


def test_due_time_uses_configured_amount():
    due = calc(amounts={rules.NORMATIVE_ONLINE: 5}).due(rules.NORMATIVE_ONLINE,
                                                         office(2026, 9, 30))

    assert due.day == date(2026, 10, 13)   # 10-08, 10-09, Sat 10-10, 10-12, 10-13


def test_due_time_meeting_action_is_its_own():
    due = calc().due(rules.MEETING_ACTION, office(2026, 12, 1), office(2026, 12, 20, 18))

    assert due.at == office(2026, 12, 20, 18)
    assert due.estimated is False


def test_due_time_meeting_action_without_due_rejected():
    with pytest.raises(ValueError):
        calc().due(rules.MEETING_ACTION, office(2026, 12, 1))


def test_due_time_unknown_rule_rejected():
    with pytest.raises(InvalidInput) as caught:
        calc().due("no_such_rule", office(2026, 12, 1))

    assert "no_such_rule" in caught.value.message


@pytest.mark.parametrize("rule_key", [key for key, rule in rules.RULES.items()
                                      if rule.kind != rules.LimitKind.OWN_DATE])
@pytest.mark.parametrize("moment", [office(2026, 10, 5, 12), office(2026, 12, 31, 23, 59),
                                    office(2027, 1, 4, 0), office(2026, 2, 14, 8)],
                         ids=["national day", "year end", "2027 Monday", "makeup Saturday"])
def test_latest_trigger_due_by_inverts_due(rule_key, moment):
    calculator = calc()

    threshold = calculator.latest_trigger_due_by(rule_key, moment)

    assert calculator.due(rule_key, threshold).at <= moment
    assert calculator.due(rule_key, threshold + timedelta(microseconds=1)).at > moment


@pytest.mark.parametrize("rule_key, amount, text", [
    (rules.NORMATIVE_ONLINE, 3, "3个工作日"), (rules.ACTIVITY_INFO, 24, "24小时"),
    (rules.INTERPRETATION_SYNC, 0, "同步（当日）"), (rules.INTERVIEW_PREVIEW, 3, "提前3天"),
    (rules.MEETING_ACTION, 0, "按各自的截止时间"),
])
def test_rule_describes_its_limit(rule_key, amount, text):
    assert rules.RULES[rule_key].describe(amount) == text


@pytest.mark.parametrize("rule_key, source_part", [
    (rules.NORMATIVE_ONLINE, "纸质公文印发后3个工作日内上网公开"),
    (rules.ACTIVITY_INFO, "活动结束后24小时内上网公开"),
    (rules.INTERPRETATION_SYNC, "国办发〔2016〕80号"),
    (rules.OPINION_ORDINARY, "国办发〔2016〕61号"),
    (rules.OPINION_MAJOR_INFO, "5小时内发布权威信息"),
    (rules.OPINION_MAJOR_CONFERENCE, "24小时内举行新闻发布会"),
    (rules.INTERVIEW_PREVIEW, "做好预告"),
    (rules.MEETING_ACTION, "会议纪要"),
])
def test_rule_names_its_source(rule_key, source_part):
    assert source_part in rules.RULES[rule_key].source


def test_describe_due_marks_estimate():
    text = deadlines.describe_due(Due(at=office(2027, 1, 5), day=date(2027, 1, 4),
                                      estimated_years=(2027,)))

    assert text == "预计 2027年1月4日（当日内）"


# --- the service ------------------------------------------------------------------------------

@pytest.fixture
def office_people(session):
    """厅办公室 supervisor, two 承办人员 of 政策法规处, an expert, an administrator."""
    general = factories.make_unit(session, "厅办公室")
    division = factories.make_unit(session, "政策法规处")
    return {
        "general": general, "division": division,
        "supervisor": factories.make_user(session, "go", unit=general, display_name="王督查",
                                          roles={Role.GENERAL_OFFICE}, email="go@example.cn"),
        "drafter": factories.make_user(session, "zhang", unit=division, display_name="张三",
                                       roles={Role.DRAFTER}, email="zhang@example.cn"),
        "other": factories.make_user(session, "li", unit=division, display_name="李四",
                                     roles={Role.DRAFTER}),
        "expert": factories.make_user(session, "expert", unit=division, display_name="赵专家",
                                      roles={Role.EXPERT}),
        "admin": factories.make_user(session, "root", unit=general, display_name="管理员甲",
                                     roles={Role.ADMIN}),
    }


def put(session: Session, actor: User, *, rule_key: str = rules.ACTIVITY_INFO,
        entity_id: int = 1, trigger_at: datetime = office(2026, 12, 4, 12),
        unit: Unit | None = None, owner: User | None = None, title: str = "发布会",
        entity: str = "press_event", due_at: datetime | None = None) -> Obligation:
    row = deadlines.track(session, actor=actor, rule_key=rule_key, entity=entity,
                          entity_id=entity_id, trigger_at=trigger_at,
                          unit_id=unit.id if unit else None, owner_id=owner.id if owner else None,
                          title=title, due_at=due_at)
    session.commit()
    return row


def audit_actions(session: Session, action: str) -> list[AuditEntry]:
    return list(session.exec(select(AuditEntry).where(AuditEntry.action == action)))


def test_track_creates_item_and_audits(session, office_people):
    drafter = office_people["drafter"]

    row = put(session, drafter, unit=office_people["division"], owner=drafter)

    assert row.status == ObligationStatus.OPEN
    assert row.owner_id == drafter.id
    entries = audit_actions(session, "deadline.track")
    assert [(e.entity, e.entity_id, e.actor_id) for e in entries] == [
        ("obligation", row.id, drafter.id)]
    assert json.loads(entries[0].detail)["created"] is True


def test_track_same_entity_updates_instead_of_duplicating(session, office_people):
    drafter = office_people["drafter"]
    first = put(session, drafter)

    second = put(session, drafter, trigger_at=office(2026, 12, 6, 12))

    assert second.id == first.id
    assert len(session.exec(select(Obligation)).all()) == 1
    assert deadlines.due_of(session, second).at == office(2026, 12, 7, 12)
    assert len(audit_actions(session, "deadline.track")) == 2


def test_track_unchanged_writes_nothing(session, office_people):
    drafter = office_people["drafter"]
    put(session, drafter)

    put(session, drafter)

    assert len(audit_actions(session, "deadline.track")) == 1


def test_track_forbidden_for_expert(session, office_people):
    with pytest.raises(PermissionDenied) as caught:
        put(session, office_people["expert"])

    assert "登记督办事项" in caught.value.message
    assert session.exec(select(Obligation)).all() == []


def test_track_meeting_action_needs_due(session, office_people):
    with pytest.raises(InvalidInput) as caught:
        put(session, office_people["supervisor"], rule_key=rules.MEETING_ACTION,
            entity="meeting_action", title="落实回应口径")

    assert "落实回应口径" in caught.value.message


def test_track_naive_time_rejected(session, office_people):
    with pytest.raises(ValueError):
        put(session, office_people["drafter"], trigger_at=datetime(2026, 12, 4, 12))


def test_complete_by_owner(session, office_people):
    drafter = office_people["drafter"]
    row = put(session, drafter, owner=drafter)

    done = deadlines.complete(session, actor=drafter, obligation_id=row.id,
                              at=office(2026, 12, 5, 9))
    session.commit()

    assert done.status == ObligationStatus.DONE
    assert done.completed_by == drafter.id
    assert [e.entity_id for e in audit_actions(session, "deadline.complete")] == [row.id]


def test_complete_by_general_office_for_anyone(session, office_people):
    row = put(session, office_people["drafter"], owner=office_people["drafter"])

    done = deadlines.complete(session, actor=office_people["supervisor"], obligation_id=row.id)

    assert done.status == ObligationStatus.DONE


def test_complete_forbidden_for_colleague(session, office_people):
    row = put(session, office_people["drafter"], owner=office_people["drafter"])

    with pytest.raises(PermissionDenied) as caught:
        deadlines.complete(session, actor=office_people["other"], obligation_id=row.id)

    assert "厅办公室" in caught.value.message


def test_complete_twice_rejected(session, office_people):
    drafter = office_people["drafter"]
    row = put(session, drafter, owner=drafter)
    deadlines.complete(session, actor=drafter, obligation_id=row.id)

    with pytest.raises(InvalidInput) as caught:
        deadlines.complete(session, actor=drafter, obligation_id=row.id)

    assert "已办结" in caught.value.message


def test_complete_unknown_item(session, office_people):
    with pytest.raises(NotFound):
        deadlines.complete(session, actor=office_people["supervisor"], obligation_id=999)


def test_assign_by_general_office(session, office_people):
    row = put(session, office_people["drafter"])

    deadlines.assign(session, actor=office_people["supervisor"], obligation_id=row.id,
                     owner_id=office_people["other"].id, unit_id=office_people["division"].id)

    assert row.owner_id == office_people["other"].id
    assert len(audit_actions(session, "deadline.assign")) == 1


def test_assign_forbidden_for_drafter(session, office_people):
    row = put(session, office_people["drafter"])

    with pytest.raises(PermissionDenied):
        deadlines.assign(session, actor=office_people["drafter"], obligation_id=row.id,
                         owner_id=office_people["drafter"].id, unit_id=None)


def test_set_amount_moves_open_items(session, office_people):
    row = put(session, office_people["drafter"], rule_key=rules.NORMATIVE_ONLINE,
              entity="policy", trigger_at=office(2026, 9, 30))

    deadlines.set_amount(session, actor=office_people["admin"], key=rules.NORMATIVE_ONLINE,
                         amount=5)
    session.commit()

    assert deadlines.due_of(session, row).day == date(2026, 10, 13)
    assert len(audit_actions(session, "deadline.setting")) == 1


@pytest.mark.parametrize("key, amount", [(rules.NORMATIVE_ONLINE, 0),
                                         (rules.ACTIVITY_INFO, 241), (rules.DUE_SOON_KEY, 61)])
def test_set_amount_out_of_range(session, office_people, key, amount):
    with pytest.raises(InvalidInput) as caught:
        deadlines.set_amount(session, actor=office_people["admin"], key=key, amount=amount)

    assert str(amount) in caught.value.message


def test_set_amount_not_configurable(session, office_people):
    with pytest.raises(InvalidInput):
        deadlines.set_amount(session, actor=office_people["admin"],
                             key=rules.INTERPRETATION_SYNC, amount=1)


def test_set_amount_forbidden_for_general_office(session, office_people):
    with pytest.raises(PermissionDenied):
        deadlines.set_amount(session, actor=office_people["supervisor"],
                             key=rules.NORMATIVE_ONLINE, amount=5)


# --- holiday overrides through the service ----------------------------------------------------

def notice_day(day: date, is_workday: bool = False, reference: str = "测试通知〔2027〕1号"):
    return holidays.OverrideInput(day=day, is_workday=is_workday, name="元旦",
                                  reference=reference)


def test_override_recomputes_stored_item(session, office_people):
    row = put(session, office_people["drafter"], rule_key=rules.NORMATIVE_ONLINE,
              entity="policy", trigger_at=office(2026, 12, 29))
    before = deadlines.due_of(session, row)

    holidays.add_override(session, actor=office_people["admin"], data=notice_day(date(2027, 1, 1)))
    holidays.add_override(session, actor=office_people["admin"], data=notice_day(date(2027, 1, 4)))
    session.commit()
    after = deadlines.due_of(session, row)

    assert (before.day, before.estimated) == (date(2027, 1, 4), True)
    assert (after.day, after.estimated) == (date(2027, 1, 5), False)


def test_override_removed_restores_estimate(session, office_people):
    row = put(session, office_people["drafter"], rule_key=rules.NORMATIVE_ONLINE,
              entity="policy", trigger_at=office(2026, 12, 29))
    added = holidays.add_override(session, actor=office_people["admin"],
                                  data=notice_day(date(2027, 1, 1)))

    removed = holidays.remove_override(session, actor=office_people["admin"],
                                       override_id=added.id)

    assert removed == date(2027, 1, 1)
    assert deadlines.due_of(session, row).estimated is True
    assert len(audit_actions(session, "holiday.remove")) == 1


def test_override_needs_reference(session, office_people):
    with pytest.raises(InvalidInput) as caught:
        holidays.add_override(session, actor=office_people["admin"],
                              data=notice_day(date(2027, 1, 1), reference="  "))

    assert "2027年1月1日" in caught.value.message


def test_override_same_day_twice_rejected(session, office_people):
    holidays.add_override(session, actor=office_people["admin"], data=notice_day(date(2027, 1, 1)))

    with pytest.raises(InvalidInput) as caught:
        holidays.add_override(session, actor=office_people["admin"],
                              data=notice_day(date(2027, 1, 1), is_workday=True))

    assert "2027年1月1日" in caught.value.message


def test_override_forbidden_for_general_office(session, office_people):
    with pytest.raises(PermissionDenied) as caught:
        holidays.add_override(session, actor=office_people["supervisor"],
                              data=notice_day(date(2027, 1, 1)))

    assert "维护节假日安排" in caught.value.message


def test_override_remove_unknown(session, office_people):
    with pytest.raises(NotFound):
        holidays.remove_override(session, actor=office_people["admin"], override_id=42)


# --- the board --------------------------------------------------------------------------------

NOW = office(2026, 12, 7, 9)     # a Monday


@pytest.fixture
def board_items(session, office_people):
    """Five open items around NOW and one closed; 规范性文件 counts over the weekend."""
    drafter, other = office_people["drafter"], office_people["other"]
    division, general = office_people["division"], office_people["general"]
    made = {
        "overdue_info": put(session, drafter, entity_id=1, trigger_at=office(2026, 12, 5, 8),
                            unit=division, owner=drafter, title="周末发布会"),
        "soon_normative": put(session, drafter, rule_key=rules.NORMATIVE_ONLINE, entity="policy",
                              entity_id=1, trigger_at=office(2026, 12, 4), unit=division,
                              owner=other, title="某规范性文件"),
        "later_preview": put(session, drafter, rule_key=rules.INTERVIEW_PREVIEW, entity_id=2,
                             trigger_at=office(2026, 12, 30, 10), unit=general, owner=drafter,
                             title="在线访谈"),
        "unowned_overdue": put(session, drafter, rule_key=rules.OPINION_MAJOR_INFO,
                               entity="opinion_item", entity_id=7,
                               trigger_at=office(2026, 12, 7, 1), title="桥梁舆情"),
        "estimated_later": put(session, drafter, rule_key=rules.NORMATIVE_ONLINE,
                               entity="policy", entity_id=2, trigger_at=office(2026, 12, 30),
                               unit=general, owner=other, title="跨年规范性文件"),
        "done": put(session, drafter, entity_id=3, trigger_at=office(2026, 12, 1, 10),
                    unit=division, owner=drafter, title="已办结发布会"),
    }
    deadlines.complete(session, actor=drafter, obligation_id=made["done"].id,
                       at=office(2026, 12, 2, 9))
    session.commit()
    return made


def test_board_counts_by_state(session, office_people, board_items):
    board = deadlines.board(session, now=NOW, window_days=3)

    assert board.counts == {DueState.OVERDUE: 2, DueState.SOON: 1, DueState.LATER: 2}


def test_board_lists_items_most_urgent_first(session, office_people, board_items):
    board = deadlines.board(session, now=NOW, window_days=3)

    assert [i.title for i in board.items[DueState.OVERDUE]] == ["周末发布会", "桥梁舆情"]
    assert [i.title for i in board.items[DueState.SOON]] == ["某规范性文件"]
    assert [i.title for i in board.items[DueState.LATER]] == ["在线访谈", "跨年规范性文件"]


def test_board_item_texts(session, office_people, board_items):
    board = deadlines.board(session, now=NOW, window_days=3)
    soon = board.items[DueState.SOON][0]
    estimated = board.items[DueState.LATER][1]
    unowned = board.items[DueState.OVERDUE][1]

    assert soon.due_text == "2026年12月9日（当日内）"
    assert (soon.unit_name, soon.owner_name, soon.kind_name) == ("政策法规处", "李四",
                                                                  "规范性文件网上公开")
    assert estimated.due_text == "预计 2027年1月5日（当日内）"
    assert estimated.due.reason.startswith("2027年的节假日安排尚未发布")
    assert (unowned.unit_name, unowned.owner_name) == ("未指定单位", "未指定责任人")
    assert unowned.due_text == "2026-12-07 06:00"


def test_board_counts_per_unit(session, office_people, board_items):
    board = deadlines.board(session, now=NOW, window_days=3)

    assert [(u.unit_name, u.overdue, u.soon, u.later) for u in board.units] == [
        ("政策法规处", 1, 1, 0), ("未指定单位", 1, 0, 0), ("厅办公室", 0, 0, 2)]


def test_board_window_widens_due_soon(session, office_people, board_items):
    board = deadlines.board(session, now=NOW, window_days=30)

    assert board.counts[DueState.SOON] == 3
    assert board.counts[DueState.LATER] == 0


@pytest.mark.parametrize("filters, titles", [
    pytest.param(lambda p: BoardFilters(unit_id=p["general"].id),
                 ["在线访谈", "跨年规范性文件"], id="unit"),
    pytest.param(lambda p: BoardFilters(owner_id=p["other"].id),
                 ["某规范性文件", "跨年规范性文件"], id="person"),
    pytest.param(lambda p: BoardFilters(rule_key=rules.ACTIVITY_INFO), ["周末发布会"], id="kind"),
    pytest.param(lambda p: BoardFilters(owner_id=deadlines.NONE_ID), ["桥梁舆情"],
                 id="no owner"),
    pytest.param(lambda p: BoardFilters(unit_id=p["division"].id, owner_id=p["drafter"].id),
                 ["周末发布会"], id="unit and person"),
])
def test_board_filters(session, office_people, board_items, filters, titles):
    board = deadlines.board(session, now=NOW, window_days=3, filters=filters(office_people))

    listed = [item.title for state in DueState for item in board.items[state]]
    assert listed == titles
    assert sum(board.counts.values()) == len(titles)


def test_board_limit_keeps_counts(session, office_people, board_items):
    board = deadlines.board(session, now=NOW, window_days=3, limit=1)

    assert [i.title for i in board.items[DueState.OVERDUE]] == ["周末发布会"]
    assert board.counts[DueState.OVERDUE] == 2


def test_board_uses_stored_window(session, office_people, board_items):
    deadlines.set_amount(session, actor=office_people["admin"], key=rules.DUE_SOON_KEY,
                         amount=30)
    session.commit()

    board = deadlines.board(session, now=NOW)

    assert board.window_days == 30
    assert board.counts[DueState.SOON] == 3


def test_board_survives_deleted_unit_and_owner(session, office_people, board_items):
    lone = factories.make_unit(session, "已撤并的科室")
    gone = factories.make_user(session, "gone", unit=lone, roles=set(), display_name="离职人员")
    put(session, office_people["drafter"], entity_id=9, unit=lone, owner=gone, title="孤儿事项")
    unit_id, user_id = lone.id, gone.id
    # As an import or a database without foreign keys would leave them: ids pointing nowhere.
    session.execute(text("PRAGMA foreign_keys=OFF"))
    session.execute(text("DELETE FROM role_assignment WHERE user_id = :id"), {"id": user_id})
    session.execute(text('DELETE FROM "user" WHERE id = :id'), {"id": user_id})
    session.execute(text("DELETE FROM unit WHERE id = :id"), {"id": unit_id})
    session.commit()
    session.expunge_all()

    board = deadlines.board(session, now=NOW, window_days=3)

    orphan = [i for i in board.items[DueState.OVERDUE] if i.title == "孤儿事项"][0]
    assert orphan.unit_name == f"已删除的单位（编号 {unit_id}）"
    assert orphan.owner_name == f"已删除的用户（编号 {user_id}）"
    assert f"已删除的单位（编号 {unit_id}）" in [u.unit_name for u in board.units]


def test_board_survives_unit_deleted_with_foreign_keys(session, office_people):
    lone = factories.make_unit(session, "临时专班")
    put(session, office_people["drafter"], unit=lone, title="专班事项")

    session.delete(lone)
    session.commit()
    board = deadlines.board(session, now=NOW, window_days=3)

    assert [(i.title, i.unit_name) for i in board.items[DueState.OVERDUE]] == [
        ("专班事项", "未指定单位")]


def test_board_far_uncovered_year(session, office_people):
    put(session, office_people["drafter"], rule_key=rules.NORMATIVE_ONLINE, entity="policy",
        trigger_at=office(2031, 9, 30))

    board = deadlines.board(session, now=office(2031, 10, 6, 9), window_days=3)

    item = board.items[DueState.SOON][0]
    assert item.due.day == date(2031, 10, 8)   # 10-01..03 estimated off, then a weekend
    assert item.due.estimated_years == (2031,)


def test_board_empty(session, office_people):
    board = deadlines.board(session, now=NOW)

    assert board.counts == {DueState.OVERDUE: 0, DueState.SOON: 0, DueState.LATER: 0}
    assert board.units == []


def test_board_counts_same_on_any_database(any_session):
    unit = factories.make_unit(any_session, "厅办公室")
    supervisor = factories.make_user(any_session, "go", unit=unit, roles={Role.GENERAL_OFFICE})
    for number, hour in enumerate((1, 20, 40)):
        put(any_session, supervisor, entity_id=number, unit=unit, owner=supervisor,
            trigger_at=NOW - timedelta(hours=hour), title=f"事项{number}")

    board = deadlines.board(any_session, now=NOW, window_days=1)
    rates = deadlines.on_time_rates(any_session, now=NOW)

    assert board.counts == {DueState.OVERDUE: 1, DueState.SOON: 2, DueState.LATER: 0}
    assert [(u.unit_name, u.overdue, u.soon) for u in board.units] == [("厅办公室", 1, 2)]
    assert [(c.month, c.on_time, c.total) for c in rates] == [("2026-12", 0, 1)]


def test_on_time_rates_per_month_and_unit(session, office_people, board_items):
    drafter = office_people["drafter"]
    late = put(session, drafter, entity_id=20, trigger_at=office(2026, 11, 2, 10),
               unit=office_people["general"], owner=drafter, title="十一月迟办")
    deadlines.complete(session, actor=drafter, obligation_id=late.id, at=office(2026, 11, 4))
    session.commit()

    rates = deadlines.on_time_rates(session, now=NOW)

    assert [(c.month, c.unit_name, c.on_time, c.total) for c in rates] == [
        ("2026-11", "厅办公室", 0, 1),
        ("2026-12", "政策法规处", 1, 2),
        ("2026-12", "未指定单位", 0, 1),
    ]
    assert rates[1].rate == 0.5


def test_on_time_rates_month_of_day_based_due(session, office_people):
    drafter = office_people["drafter"]
    row = put(session, drafter, rule_key=rules.NORMATIVE_ONLINE, entity="policy",
              trigger_at=office(2026, 10, 27), unit=office_people["division"], owner=drafter)
    deadlines.complete(session, actor=drafter, obligation_id=row.id, at=office(2026, 10, 30, 17))
    session.commit()

    rates = deadlines.on_time_rates(session, now=NOW)

    assert [(c.month, c.on_time, c.total) for c in rates] == [("2026-10", 1, 1)]


# --- the digest -------------------------------------------------------------------------------

def test_digests_group_by_person(session, office_people, board_items):
    result = deadlines.digests(session, now=NOW, window_days=3)

    assert [(d.name, [i.title for i in d.overdue], [i.title for i in d.soon])
            for d in result] == [
        ("张三", ["周末发布会"], []),
        ("李四", [], ["某规范性文件"]),
        ("未指定责任人", ["桥梁舆情"], []),
    ]
    assert [d.email for d in result] == ["zhang@example.cn", None, None]


def test_digests_deactivated_owner_goes_to_unowned(session, office_people, board_items):
    office_people["drafter"].is_active = False
    session.commit()

    result = deadlines.digests(session, now=NOW, window_days=3)

    assert [(d.name, [i.title for i in d.overdue]) for d in result] == [
        ("李四", []), ("未指定责任人", ["周末发布会", "桥梁舆情"])]


def test_render_digest_text(session, office_people, board_items):
    digest = deadlines.digests(session, now=NOW, window_days=3)[1]

    subject, body = deadlines.render_digest(digest, now=NOW, window_days=3,
                                            org_name="四川省交通运输厅")

    assert subject == "【督办提醒】您有0项事项已逾期，1项即将到期"
    assert body.splitlines() == [
        "李四，您好：",
        "",
        "截至2026-12-07 09:00（北京时间），您负责的督办事项中有0项已逾期、1项将在3天内到期。",
        "",
        "即将到期：",
        "1. 【规范性文件网上公开】某规范性文件（政策法规处），截止：2026年12月9日（当日内）",
        "",
        "请登录新闻发布与政策解读工作台，在“督办看板”查看详情并及时办结。",
        "四川省交通运输厅新闻发布与政策解读工作台（系统自动发送，请勿直接回复）",
    ]


def test_render_digest_notes_estimate(session, office_people, board_items):
    digest = deadlines.digests(session, now=office(2027, 1, 4, 9), window_days=3)[1]

    _, body = deadlines.render_digest(digest, now=office(2027, 1, 4, 9), window_days=3,
                                      org_name="四川省交通运输厅")

    assert "截止：预计 2027年1月5日（当日内）。2027年的节假日安排尚未发布" in body


def test_remind_without_smtp_sends_nothing(session, office_people, board_items):
    reminders = deadlines.remind(session, now=NOW, mail_settings=MailSettings(),
                                 org_name="四川省交通运输厅", window_days=3)

    assert [r.sent for r in reminders] == [False, False, False]
    assert reminders[0].subject == "【督办提醒】您有1项事项已逾期，0项即将到期"


# --- where obligations come from --------------------------------------------------------------

@pytest.fixture
def spokesperson(session, office_people):
    return factories.make_user(session, "speaker", unit=office_people["general"],
                               display_name="新闻发言人甲", roles={Role.SPOKESPERSON})


def event_input(kind: EventKind = EventKind.PRESS_CONFERENCE, day: int = 10,
                topic: str = "年度交通运输新闻发布会") -> events.EventInput:
    return events.EventInput(kind=kind, topic=topic, starts_at=office(2026, 12, day, 10),
                             ends_at=office(2026, 12, day, 11))


def test_event_creates_activity_info_item(session, spokesperson, office_people):
    event = events.create_event(session, actor=spokesperson, data=event_input())
    session.commit()

    rows = deadlines.obligations_for(session, "press_event", event.id)
    assert [(r.rule_key, r.owner_id, r.unit_id, r.title) for r in rows] == [
        (rules.ACTIVITY_INFO, spokesperson.id, office_people["general"].id, "年度交通运输新闻发布会")]
    assert deadlines.due_of(session, rows[0]).at == office(2026, 12, 11, 11)


def test_online_interview_also_needs_preview(session, spokesperson):
    event = events.create_event(session, actor=spokesperson,
                                data=event_input(EventKind.ONLINE_INTERVIEW))
    session.commit()

    rows = deadlines.obligations_for(session, "press_event", event.id)
    assert [r.rule_key for r in rows] == [rules.ACTIVITY_INFO, rules.INTERVIEW_PREVIEW]
    assert deadlines.due_of(session, rows[1]).day == date(2026, 12, 7)


def test_event_update_moves_and_cancels(session, spokesperson):
    event = events.create_event(session, actor=spokesperson,
                                data=event_input(EventKind.ONLINE_INTERVIEW))
    events.update_event(session, actor=spokesperson, event_id=event.id,
                        data=event_input(EventKind.PRESS_CONFERENCE, day=17))
    session.commit()

    rows = deadlines.obligations_for(session, "press_event", event.id)
    assert [(r.rule_key, r.status) for r in rows] == [
        (rules.ACTIVITY_INFO, ObligationStatus.OPEN),
        (rules.INTERVIEW_PREVIEW, ObligationStatus.CANCELLED)]
    assert deadlines.due_of(session, rows[0]).at == office(2026, 12, 18, 11)


POLICY_TEXT = "关于进一步做好交通运输政务公开工作的通知\n各市（州）交通运输局：\n一、总体要求\n做好公开。"


def save_policy(session, actor, **fields):
    parsed, raw = policies.parse_pasted(POLICY_TEXT)
    values = {"title": "关于进一步做好交通运输政务公开工作的通知", **fields}
    policy = policies.save_policy(session, actor=actor, parsed=parsed,
                                  fields=policies.PolicyFields(**values), source_name="粘贴",
                                  raw_text=raw)
    session.commit()
    return policy


def test_normative_policy_gets_three_working_days(session, office_people):
    drafter = office_people["drafter"]

    policy = save_policy(session, drafter, is_normative=True, paper_issued_on=date(2026, 9, 30))

    rows = deadlines.obligations_for(session, "policy", policy.id)
    assert [(r.rule_key, r.status, r.owner_id) for r in rows] == [
        (rules.NORMATIVE_ONLINE, ObligationStatus.OPEN, drafter.id)]
    assert deadlines.due_of(session, rows[0]).day == date(2026, 10, 10)


def test_policy_publication_closes_online_item_and_needs_interpretation(session, office_people):
    drafter = office_people["drafter"]
    policy = save_policy(session, drafter, is_normative=True, paper_issued_on=date(2026, 9, 30))

    fields = policies.PolicyFields(title=policy.title, is_normative=True,
                                   paper_issued_on=date(2026, 9, 30),
                                   published_on=date(2026, 10, 9))
    policies.update_fields(session, actor=drafter, policy_id=policy.id, fields=fields)
    session.commit()

    rows = deadlines.obligations_for(session, "policy", policy.id)
    assert [(r.rule_key, r.status) for r in rows] == [
        (rules.NORMATIVE_ONLINE, ObligationStatus.DONE),
        (rules.INTERPRETATION_SYNC, ObligationStatus.OPEN)]
    assert rows[0].completed_at.replace(tzinfo=timezone.utc) == office(2026, 10, 9)
    assert deadlines.due_of(session, rows[1]).day == date(2026, 10, 9)


def test_policy_no_longer_normative_cancels(session, office_people):
    drafter = office_people["drafter"]
    policy = save_policy(session, drafter, is_normative=True, paper_issued_on=date(2026, 9, 30))

    policies.update_fields(session, actor=drafter, policy_id=policy.id,
                           fields=policies.PolicyFields(title=policy.title))
    session.commit()

    rows = deadlines.obligations_for(session, "policy", policy.id)
    assert [(r.rule_key, r.status) for r in rows] == [
        (rules.NORMATIVE_ONLINE, ObligationStatus.CANCELLED)]


@pytest.mark.parametrize("fields, part", [
    pytest.param({"is_normative": True}, "纸质公文印发日期", id="normative without paper date"),
    pytest.param({"is_normative": True, "paper_issued_on": date(2026, 9, 30),
                  "published_on": date(2026, 9, 29)}, "早于", id="published before paper"),
    pytest.param({"published_on": date(2099, 1, 1)}, "晚于今天", id="published in future"),
])
def test_policy_dates_checked(session, office_people, fields, part):
    with pytest.raises(InvalidInput) as caught:
        save_policy(session, office_people["drafter"], **fields)

    assert part in caught.value.message


def test_policy_paper_date_message_nests_title_marks(session, office_people):
    with pytest.raises(InvalidInput) as caught:
        save_policy(session, office_people["drafter"], is_normative=True,
                    title="关于印发《政务公开工作办法》的通知")

    assert caught.value.message.startswith("《关于印发〈政务公开工作办法〉的通知》已标为规范性文件")


def test_plain_policy_has_no_items(session, office_people):
    policy = save_policy(session, office_people["drafter"])

    assert deadlines.obligations_for(session, "policy", policy.id) == []
