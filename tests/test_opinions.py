"""政务舆情 on a real SQLite file: register, assess, forward, respond, conclude, archive,
the response clocks, who may view what, the response draft and the monitoring report."""

from datetime import date, datetime, timedelta
from io import BytesIO

import pytest
from docx import Document
from sqlmodel import Session, select

from planner import deadlines as rules
from planner import reports
from planner.documents.word import check_gbt9704
from planner.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from planner.models import (AuditEntry, Draft, DraftKind, DraftSection, DraftStatus, EventKind,
                            ObligationStatus, OpinionItem, OpinionStatus, PressEvent)
from planner.services import deadlines, opinions, review
from planner.timeutil import OFFICE_TZ, to_office
from tests.office_setup import SEEN, forwarded_item, item_input, make_office
from tests.review_ready import make_ready


@pytest.fixture
def office(session):
    return make_office(session)


def released_draft(session, office, title="关于成都东站出租车有关情况的说明"):
    draft = Draft(kind=DraftKind.OPINION_RESPONSE, title=title, unit_id=office.transport.id,
                  status=DraftStatus.RELEASED, created_by=office.transport_drafter.id)
    session.add(draft)
    session.commit()
    return draft


def press_event(session, kind=EventKind.PRESS_CONFERENCE, status="held"):
    start = datetime(2026, 11, 4, 10, 0, tzinfo=OFFICE_TZ)
    event = PressEvent(uid=f"test-{kind}@example", kind=kind, status=status,
                       topic="出租车行业整治新闻发布会", starts_at=start,
                       ends_at=start + timedelta(hours=1))
    session.add(event)
    session.commit()
    return event


def actions(session):
    return [row.action for row in session.exec(select(AuditEntry).order_by(AuditEntry.id))]


def clock_states(session, item_id):
    rows = deadlines.obligations_for(session, "opinion_item", item_id)
    return {row.rule_key: row.status for row in rows}


# --- register ---------------------------------------------------------------------------

def test_register_stores_fields_and_audits(session, office):
    item = opinions.register(session, actor=office.clerk, data=item_input())
    session.commit()

    stored = session.get(OpinionItem, item.id)
    assert stored.status == OpinionStatus.NEW
    assert stored.source == "weibo"
    assert to_office(stored.first_seen_at) == SEEN
    assert stored.category == "出租车管理"
    assert actions(session)[-1] == "opinion.register"


def test_register_forbidden_for_drafter(session, office):
    with pytest.raises(PermissionDenied) as error:
        opinions.register(session, actor=office.transport_drafter, data=item_input())

    assert "厅办公室" in error.value.message
    assert session.exec(select(OpinionItem)).all() == []


def test_register_duplicate_link_refused(session, office):
    first = opinions.register(session, actor=office.clerk, data=item_input())
    session.commit()

    with pytest.raises(Conflict) as error:
        opinions.register(session, actor=office.clerk,
                          data=item_input(link="http://WEIBO.com/1234567/NxYz01/?utm_source=qq"))

    assert f"舆情编号 {first.id}" in error.value.message


def test_register_duplicate_allowed_after_warning(session, office):
    opinions.register(session, actor=office.clerk, data=item_input())
    second = opinions.register(session, actor=office.clerk, data=item_input(),
                               allow_duplicate=True)

    assert second.id is not None
    assert len(session.exec(select(OpinionItem)).all()) == 2


@pytest.mark.parametrize("field, value, words", [
    ("summary", "  ", "摘要不能为空"),
    ("summary", "长" * 2001, "2001 个字符"),
    ("first_seen_at", datetime(2030, 1, 1, tzinfo=OFFICE_TZ), "晚于当前时间"),
    ("severity", "huge", "“huge”"),
    ("source", "douyin", "“douyin”"),
])
def test_register_invalid_input_named(session, office, field, value, words):
    with pytest.raises(InvalidInput) as error:
        opinions.register(session, actor=office.clerk, data=item_input(**{field: value}))

    assert words in error.value.message


@pytest.mark.parametrize("first, second, same", [
    ("https://weibo.com/123/AbC", "http://WEIBO.com/123/AbC/", True),
    ("https://weibo.com/123/AbC?utm_source=wx&spm=1", "https://weibo.com/123/AbC", True),
    ("https://weibo.com/123/AbC#comments", "weibo.com/123/AbC", True),
    ("https://weibo.com/123/AbC", "https://weibo.com/123/abc", False),
    ("https://news.example.cn/a?id=1", "https://news.example.cn/a?id=2", False),
])
def test_link_key_matches_same_post(first, second, same):
    assert (opinions.link_key(first) == opinions.link_key(second)) is same


def test_link_key_empty_for_no_link():
    assert opinions.link_key("  ") == ""


# --- the state machine ------------------------------------------------------------------

@pytest.mark.parametrize("status, steps", [
    (OpinionStatus.NEW, {opinions.Step.ASSESS}),
    (OpinionStatus.ASSESSING, {opinions.Step.ASSESS, opinions.Step.FORWARD,
                               opinions.Step.ARCHIVE}),
    (OpinionStatus.FORWARDED, {opinions.Step.RESPOND}),
    (OpinionStatus.RESPONDING, {opinions.Step.RESPOND, opinions.Step.CONCLUDE}),
    (OpinionStatus.RESPONDED, {opinions.Step.ARCHIVE}),
    (OpinionStatus.ARCHIVED, set()),
])
def test_allowed_steps_follow_table(status, steps):
    assert opinions.allowed_steps(OpinionItem(status=status)) == steps


def test_assess_records_and_moves_to_assessing(session, office):
    item = opinions.register(session, actor=office.clerk, data=item_input())

    opinions.assess(session, actor=office.clerk, opinion_id=item.id,
                    data=opinions.AssessmentInput(nature="misreading", trend="rising",
                                                  risk="high", severity="major",
                                                  note="涉及春运保障，关注度上升"))
    session.commit()

    stored = session.get(OpinionItem, item.id)
    assert stored.status == OpinionStatus.ASSESSING
    assert stored.severity == "major"
    assert stored.risk == "high"
    assert stored.assessed_by == office.clerk.id


def test_assess_forbidden_for_unit_head(session, office):
    item = opinions.register(session, actor=office.clerk, data=item_input())

    with pytest.raises(PermissionDenied):
        opinions.assess(session, actor=office.transport_head, opinion_id=item.id,
                        data=opinions.AssessmentInput("concern", "steady", "low", "ordinary"))


def test_assess_not_found(session, office):
    with pytest.raises(NotFound):
        opinions.assess(session, actor=office.clerk, opinion_id=999,
                        data=opinions.AssessmentInput("concern", "steady", "low", "ordinary"))


def test_forward_before_assessment_refused(session, office):
    item = opinions.register(session, actor=office.clerk, data=item_input())

    with pytest.raises(Conflict) as error:
        opinions.forward(session, actor=office.clerk, opinion_id=item.id,
                         lead_unit_id=office.transport.id)

    assert "新登记" in error.value.message
    assert session.get(OpinionItem, item.id).lead_unit_id is None


def test_forward_names_lead_and_others(session, office):
    item = forwarded_item(session, office)

    assert session.get(OpinionItem, item.id).status == OpinionStatus.FORWARDED
    assert opinions.forwarded_unit_ids(session, item.id) == [office.transport.id, office.roads.id]
    assert actions(session)[-1] == "opinion.forward"


def test_forward_item_read_back_from_database(engine, office):
    with Session(engine) as first:
        item_id = opinions.register(first, actor=office.clerk, data=item_input()).id
        opinions.assess(first, actor=office.clerk, opinion_id=item_id,
                        data=opinions.AssessmentInput("concern", "steady", "low", "ordinary"))
        first.commit()

    with Session(engine) as second:   # first_seen_at comes back naive from SQLite
        opinions.forward(second, actor=office.clerk, opinion_id=item_id,
                         lead_unit_id=office.transport.id)
        second.commit()
        row = deadlines.obligations_for(second, "opinion_item", item_id)[0]
        assert deadlines.due_of(second, row).at == SEEN + timedelta(hours=48)


@pytest.mark.parametrize("severity, clocks", [
    ("ordinary", {rules.OPINION_ORDINARY: 48}),
    ("serious", {rules.OPINION_ORDINARY: 48}),
    ("major", {rules.OPINION_MAJOR_INFO: 5, rules.OPINION_MAJOR_CONFERENCE: 24}),
    ("critical", {rules.OPINION_MAJOR_INFO: 5, rules.OPINION_MAJOR_CONFERENCE: 24}),
])
def test_forward_starts_clocks_by_severity(session, office, severity, clocks):
    item = forwarded_item(session, office, severity=severity)

    rows = deadlines.obligations_for(session, "opinion_item", item.id)
    due_hours = {row.rule_key: (deadlines.due_of(session, row).at - SEEN) / timedelta(hours=1)
                 for row in rows}
    assert due_hours == clocks
    assert {row.unit_id for row in rows} == {office.transport.id}


# --- who may view what -----------------------------------------------------------------

def test_queue_shows_item_to_forwarded_units(session, office):
    item = forwarded_item(session, office)

    transport = opinions.queue_for(session, actor=office.transport_drafter)
    assert [i.id for i in transport.rows] == [item.id]
    assert [i.id for i in opinions.queue_for(session, actor=office.roads_drafter).rows] == [
        item.id]
    assert opinions.queue_for(session, actor=office.outsider).total == 0


def test_queue_pages_oldest_first(session, office):
    first = forwarded_item(session, office)
    forwarded_item(session, office, link="https://example.cn/2",
                   first_seen_at=SEEN + timedelta(hours=1))

    page = opinions.queue_for(session, actor=office.transport_drafter, limit=1)

    assert (page.total, [i.id for i in page.rows]) == (2, [first.id])


def test_list_items_limited_to_own_units(session, office):
    forwarded_item(session, office)
    opinions.register(session, actor=office.clerk,
                      data=item_input(link="https://example.cn/other", summary="另一条"))
    session.commit()

    assert opinions.list_items(session, actor=office.clerk).total == 2
    assert opinions.list_items(session, actor=office.transport_drafter).total == 1
    assert opinions.list_items(session, actor=office.outsider).total == 0


def test_get_visible_refused_to_outsider(session, office):
    item = forwarded_item(session, office)

    with pytest.raises(PermissionDenied):
        opinions.get_visible(session, actor=office.outsider, opinion_id=item.id)


@pytest.mark.parametrize("filters, expected", [
    (opinions.OpinionFilter(severities=["major"]), ["major item"]),
    (opinions.OpinionFilter(sources=["hotline_12328"]), ["hotline item"]),
    (opinions.OpinionFilter(text="hotline"), ["hotline item"]),
    (opinions.OpinionFilter(text="100%"), []),
    (opinions.OpinionFilter(statuses=["new"]), ["hotline item", "major item"]),
    (opinions.OpinionFilter(seen_from=SEEN + timedelta(hours=1)), ["hotline item"]),
])
def test_list_items_filters(session, office, filters, expected):
    opinions.register(session, actor=office.clerk, data=item_input(
        summary="major item", severity="major", link="https://a.example.cn/1"))
    opinions.register(session, actor=office.clerk, data=item_input(
        summary="hotline item", source="hotline_12328", link="",
        first_seen_at=SEEN + timedelta(hours=2)))
    session.commit()

    page = opinions.list_items(session, actor=office.clerk, filters=filters)

    assert [row.summary for row in page.rows] == expected


def test_list_items_pages_newest_first(session, office):
    for n in range(5):
        opinions.register(session, actor=office.clerk, data=item_input(
            summary=f"第{n}条", link=f"https://example.cn/{n}",
            first_seen_at=SEEN + timedelta(minutes=n)))
    session.commit()

    page = opinions.list_items(session, actor=office.clerk, limit=2, offset=2)

    assert page.total == 5
    assert [row.summary for row in page.rows] == ["第2条", "第1条"]


# --- responses --------------------------------------------------------------------------

def test_log_response_by_lead_unit_stops_clock(session, office):
    item = forwarded_item(session, office)
    draft = released_draft(session, office)
    at = SEEN + timedelta(hours=20)

    response = opinions.log_response(session, actor=office.transport_drafter, opinion_id=item.id,
                                     data=opinions.ResponseInput(kind="online_message",
                                                                 draft_id=draft.id,
                                                                 responded_at=at))
    session.commit()

    assert response.unit_id == office.transport.id
    assert session.get(OpinionItem, item.id).status == OpinionStatus.RESPONDING
    assert clock_states(session, item.id) == {rules.OPINION_ORDINARY: ObligationStatus.DONE}


def test_log_response_major_keeps_conference_clock_until_conference(session, office):
    item = forwarded_item(session, office, severity="major")
    draft = released_draft(session, office)
    event = press_event(session)

    opinions.log_response(session, actor=office.transport_drafter, opinion_id=item.id,
                          data=opinions.ResponseInput(kind="online_message", draft_id=draft.id,
                                                      responded_at=SEEN + timedelta(hours=3)))
    after_message = clock_states(session, item.id)
    opinions.log_response(session, actor=office.clerk, opinion_id=item.id,
                          data=opinions.ResponseInput(kind="press_conference", event_id=event.id,
                                                      responded_at=SEEN + timedelta(hours=20)))

    assert after_message == {rules.OPINION_MAJOR_INFO: ObligationStatus.DONE,
                             rules.OPINION_MAJOR_CONFERENCE: ObligationStatus.OPEN}
    assert clock_states(session, item.id)[rules.OPINION_MAJOR_CONFERENCE] == \
        ObligationStatus.DONE


def test_log_response_with_unreleased_draft_refused(session, office):
    item = forwarded_item(session, office)
    draft = released_draft(session, office)
    draft.status = DraftStatus.PENDING_FINAL
    session.commit()

    with pytest.raises(InvalidInput) as error:
        opinions.log_response(session, actor=office.transport_drafter, opinion_id=item.id,
                              data=opinions.ResponseInput(kind="online_message",
                                                          draft_id=draft.id))

    assert "待审发" in error.value.message
    assert opinions.responses(session, item.id) == []


@pytest.mark.parametrize("data, words", [
    (opinions.ResponseInput(kind="online_message"), "已发布的稿件"),
    (opinions.ResponseInput(kind="press_conference"), "新闻发布会或新闻通气会"),
    (opinions.ResponseInput(kind="media_interview"), "所依托的稿件或活动"),
    (opinions.ResponseInput(kind="telegram", event_id=1), "“telegram”"),
])
def test_log_response_needs_its_link(session, office, data, words):
    item = forwarded_item(session, office)

    with pytest.raises(InvalidInput) as error:
        opinions.log_response(session, actor=office.clerk, opinion_id=item.id, data=data)

    assert words in error.value.message


def test_log_response_interview_event_is_not_a_conference(session, office):
    item = forwarded_item(session, office)
    event = press_event(session, kind=EventKind.INTERVIEW)

    with pytest.raises(InvalidInput) as error:
        opinions.log_response(session, actor=office.clerk, opinion_id=item.id,
                              data=opinions.ResponseInput(kind="press_conference",
                                                          event_id=event.id))

    assert "记者采访" in error.value.message


def test_log_response_forbidden_for_outsider(session, office):
    item = forwarded_item(session, office)
    event = press_event(session)

    with pytest.raises(PermissionDenied):
        opinions.log_response(session, actor=office.outsider, opinion_id=item.id,
                              data=opinions.ResponseInput(kind="media_interview",
                                                          event_id=event.id))


def test_log_response_before_forwarding_refused(session, office):
    item = opinions.register(session, actor=office.clerk, data=item_input())
    event = press_event(session)

    with pytest.raises(Conflict):
        opinions.log_response(session, actor=office.clerk, opinion_id=item.id,
                              data=opinions.ResponseInput(kind="media_interview",
                                                          event_id=event.id))


def test_log_response_before_first_seen_refused(session, office):
    item = forwarded_item(session, office)
    event = press_event(session)

    with pytest.raises(InvalidInput) as error:
        opinions.log_response(session, actor=office.clerk, opinion_id=item.id,
                              data=opinions.ResponseInput(kind="media_interview",
                                                          event_id=event.id,
                                                          responded_at=SEEN - timedelta(hours=1)))

    assert "早于舆情首发时间" in error.value.message


def test_response_choices_since_first_seen(session, office):
    item = forwarded_item(session, office)
    draft = released_draft(session, office)
    unreleased = released_draft(session, office, title="尚在审核的稿件")
    unreleased.status = DraftStatus.PENDING_SECOND
    held = press_event(session)
    for uid, start, status in (("old", SEEN - timedelta(days=3), "held"),
                               ("future", datetime(2030, 1, 8, tzinfo=OFFICE_TZ), "approved"),
                               ("cancelled", SEEN + timedelta(hours=2), "cancelled")):
        session.add(PressEvent(uid=uid, kind=EventKind.BRIEFING, status=status, topic=uid,
                               starts_at=start, ends_at=start + timedelta(hours=1)))
    session.commit()

    found_drafts, found_events = opinions.response_choices(session, item)

    assert [d.id for d in found_drafts] == [draft.id]
    assert [e.id for e in found_events] == [held.id]


def test_conclude_then_archive(session, office):
    item = forwarded_item(session, office)
    event = press_event(session)
    opinions.log_response(session, actor=office.clerk, opinion_id=item.id,
                          data=opinions.ResponseInput(kind="media_interview", event_id=event.id))

    opinions.conclude(session, actor=office.clerk, opinion_id=item.id)
    opinions.archive(session, actor=office.clerk, opinion_id=item.id)
    session.commit()

    assert session.get(OpinionItem, item.id).status == OpinionStatus.ARCHIVED
    assert actions(session)[-2:] == ["opinion.conclude", "opinion.archive"]


def test_conclude_forbidden_for_lead_unit(session, office):
    item = forwarded_item(session, office)

    with pytest.raises(PermissionDenied):
        opinions.conclude(session, actor=office.transport_drafter, opinion_id=item.id)


def test_archive_after_assessment_needs_reason(session, office):
    item = opinions.register(session, actor=office.clerk, data=item_input())
    opinions.assess(session, actor=office.clerk, opinion_id=item.id,
                    data=opinions.AssessmentInput("other", "falling", "low", "ordinary"))

    with pytest.raises(InvalidInput):
        opinions.archive(session, actor=office.clerk, opinion_id=item.id)
    archived = opinions.archive(session, actor=office.clerk, opinion_id=item.id,
                                note="与本部门职责无关")

    assert archived.status == OpinionStatus.ARCHIVED
    assert "与本部门职责无关" in archived.assessment


# --- the response draft -----------------------------------------------------------------

def test_response_draft_enters_review(session, office):
    item = forwarded_item(session, office)

    draft = opinions.create_response_draft(session, actor=office.transport_drafter,
                                           opinion_id=item.id)
    session.commit()
    make_ready(session, office.transport_drafter, draft.id)
    review.submit(session, actor=office.transport_drafter, draft_id=draft.id)
    session.commit()

    sections = session.exec(select(DraftSection).where(DraftSection.draft_id == draft.id)
                            .order_by(DraftSection.position)).all()
    assert draft.kind == DraftKind.OPINION_RESPONSE
    assert draft.unit_id == office.transport.id
    assert [s.key for s in sections] == ["intro", "facts", "measures", "next_steps"]
    assert "成都东站出租车拒载" in sections[1].body
    assert session.get(Draft, draft.id).status == DraftStatus.PENDING_FIRST


def test_response_draft_forbidden_for_outsider(session, office):
    item = forwarded_item(session, office)

    with pytest.raises(PermissionDenied):
        opinions.create_response_draft(session, actor=office.outsider, opinion_id=item.id)


# --- the monitoring report --------------------------------------------------------------

@pytest.fixture
def november(session, office):
    """Three items in November: one responded to in time, one late, one 12328 call untouched."""
    on_time = forwarded_item(session, office, severity="serious")
    late = forwarded_item(session, office, severity="major", source="media",
                          link="https://news.example.cn/2", category="道路养护",
                          first_seen_at=SEEN + timedelta(days=1))
    opinions.register(session, actor=office.clerk, data=item_input(
        source="hotline_12328", link="", category="", first_seen_at=SEEN + timedelta(days=2)))
    event = press_event(session)
    opinions.log_response(session, actor=office.clerk, opinion_id=on_time.id,
                          data=opinions.ResponseInput(kind="media_interview", event_id=event.id,
                                                      responded_at=SEEN + timedelta(hours=10)))
    opinions.log_response(session, actor=office.clerk, opinion_id=late.id,
                          data=opinions.ResponseInput(
                              kind="press_conference", event_id=event.id,
                              responded_at=SEEN + timedelta(days=1, hours=30)))
    session.commit()
    return office


def test_report_counts_by_severity_source_category(session, november):
    report = reports.build(session, actor=november.clerk, start=date(2026, 11, 1),
                           end=date(2026, 11, 30))

    assert report.total == 3
    assert report.by_severity == {"一般": 1, "较大": 1, "重大": 1, "特别重大": 0}
    assert report.by_source["微博"] == 1
    assert report.by_source["新闻媒体"] == 1
    assert report.by_source["12328热线"] == 1
    assert report.by_category == {"出租车管理": 1, "道路养护": 1, "未分类": 1}


def test_report_on_time_rate_from_clocks(session, november):
    report = reports.build(session, actor=november.clerk, start=date(2026, 11, 1),
                           end=date(2026, 11, 30))

    # 较大: one 48-hour clock met; 重大: 5-hour and 24-hour clocks both missed (30 hours).
    assert (report.clocks_on_time, report.clocks_late) == (1, 2)
    assert report.on_time_rate == pytest.approx(1 / 3)


def test_report_main_items_are_serious_ones(session, november):
    report = reports.build(session, actor=november.clerk, start=date(2026, 11, 1),
                           end=date(2026, 11, 30))

    assert [item.severity for item in report.main_items] == ["重大", "较大"]
    assert "召开新闻发布会" in report.main_items[0].handling
    assert "运输服务处" in report.main_items[0].handling


def test_report_outside_period_is_empty(session, november):
    report = reports.build(session, actor=november.clerk, start=date(2026, 10, 1),
                           end=date(2026, 10, 31))

    assert report.total == 0
    assert report.on_time_rate is None


def test_report_forbidden_for_drafter(session, november):
    with pytest.raises(PermissionDenied):
        reports.build(session, actor=november.transport_drafter, start=date(2026, 11, 1),
                      end=date(2026, 11, 30))


def test_report_reversed_period_refused(session, november):
    with pytest.raises(InvalidInput):
        reports.build(session, actor=november.clerk, start=date(2026, 11, 30),
                      end=date(2026, 11, 1))


def test_report_word_file_in_official_layout(session, november):
    report = reports.build(session, actor=november.clerk, start=date(2026, 11, 1),
                           end=date(2026, 11, 30))

    name, data = reports.to_docx(session, report, actor=november.clerk,
                                 issuer="四川省交通运输厅办公室", today=date(2026, 12, 1))

    text = "\n".join(p.text for p in Document(BytesIO(data)).paragraphs)
    assert name.endswith(".docx")
    assert "政务舆情监测报告" in text
    assert "共监测到涉及本部门的政务舆情 3 条" in text
    assert "按时回应率 33.3%" in text
    assert "2026年12月1日" in text
    assert check_gbt9704(data) == []


def test_report_saved_as_internal_draft(session, november):
    report = reports.build(session, actor=november.clerk, start=date(2026, 11, 1),
                           end=date(2026, 11, 30))

    draft = reports.to_draft(session, actor=november.clerk, report=report)
    session.commit()

    assert draft.kind == DraftKind.OPINION_REPORT
    assert draft.disclosure == "not_public"
    assert draft.unit_id == november.office_unit.id
    assert "第十六条" in draft.disclosure_basis
