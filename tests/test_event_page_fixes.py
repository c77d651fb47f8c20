"""The 新闻发布活动 page after a new user's test. The list's selector follows a booking.
Closed events request no further step. The booker is shown who may approve. The booking's
planned media show on the 媒体 tab. Only readers of the audit trail see 审计记录 in the
navigation."""

import re
from datetime import timedelta

import pytest
from streamlit.testing.v1 import AppTest

from planner.models import EventDraftLink, EventStatus, Role
from planner.services import event_flow, events, review
from tests import factories
from tests.test_browser import alert, open_nav
from tests.browser_support import sign_in_page
from tests.event_setup import AFTER, approved_draft, event_input
from tests.test_event_pages import (APP, NOW, START, app_db, browser, book, button,  # noqa: F401
                                    db, event_server, open_page, page, people, stored)

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips the browser test with install instructions
    expect = None

SELECT_BOX = "events_select_box"


def fill_booking(app: AppTest, topic: str) -> None:
    """Fill the booking form for `topic` two days after START, free of every warning."""
    app.text_input(key="events_new_topic").input(topic)
    app.date_input(key="events_new_day").set_value((START + timedelta(days=2)).date())
    app.text_input(key="events_new_venue").input("厅三楼会议室")
    app.text_input(key="events_new_spokespeople").input("陈静")


# --- the selector follows a booking -----------------------------------------------------

def test_booking_moves_selector_to_new_event(db, people):
    old = book(db, people, topic="旧的发布会", starts_at=START + timedelta(days=5),
               ends_at=START + timedelta(days=5, hours=1))
    app = open_page(people.speaker, selected=old.id)
    assert app.selectbox(key=SELECT_BOX).value == old.id

    fill_booking(app, "新的通气会")
    button(app, "检查并保存").click().run()

    [new] = [event for event in events.list_events(db) if event.topic == "新的通气会"]
    box = app.selectbox(key=SELECT_BOX)
    # set_value makes the browser replace the choice it holds; without it the browser
    # keeps showing, and on the next rerun sends, the event selected before.
    assert box.proto.set_value
    assert box.proto.raw_value == f"2026-12-10 10:00 · 新的通气会（策划中，编号 {new.id}）"
    assert box.value == new.id
    assert "新的通气会" in [header.value for header in app.subheader]


def test_step_after_booking_lands_on_new_event(db, people):
    old = book(db, people, topic="旧的发布会", starts_at=START + timedelta(days=5),
               ends_at=START + timedelta(days=5, hours=1))
    app = open_page(people.speaker, selected=old.id)
    fill_booking(app, "新的通气会")
    button(app, "检查并保存").click().run()

    app.session_state["events_detail_tab"] = "状态"
    app.run()
    [new] = [event for event in events.list_events(db) if event.topic == "新的通气会"]
    app.text_input(key=f"events_cancel_reason_{new.id}").input("议题合并到下周发布会")
    button(app, "确认取消活动").click().run()

    assert not app.exception
    assert stored(db, new.id).status == EventStatus.CANCELLED
    assert stored(db, old.id).status == EventStatus.PLANNING
    assert app.selectbox(key=SELECT_BOX).value == new.id


def test_selector_choice_still_wins(db, people):
    first = book(db, people, topic="第一场")
    second = book(db, people, topic="第二场", venue="厅三楼会议室",
                  starts_at=START + timedelta(days=1), ends_at=START + timedelta(days=1, hours=1))
    app = open_page(people.speaker, selected=second.id)

    app.selectbox(key=SELECT_BOX).set_value(first.id).run()
    app.run()

    assert app.selectbox(key=SELECT_BOX).value == first.id
    assert "第一场" in [header.value for header in app.subheader]


def test_rebooked_event_told_apart_from_cancelled(db, people):
    app = open_page(people.speaker)
    fill_booking(app, "全省交通运输安全生产新闻发布会")
    button(app, "检查并保存").click().run()
    [cancelled] = events.list_events(db)
    event_flow.cancel(db, actor=people.speaker, event_id=cancelled.id, reason="改期重办",
                      now=NOW)
    db.commit()

    app.run()
    fill_booking(app, "全省交通运输安全生产新闻发布会")
    button(app, "检查并保存").click().run()

    [rebooked] = [event for event in events.list_events(db) if event.id != cancelled.id]
    box = app.selectbox(key=SELECT_BOX)
    assert not app.exception
    assert box.value == rebooked.id
    assert box.proto.raw_value == ("2026-12-10 10:00 · 全省交通运输安全生产新闻发布会"
                                   f"（策划中，编号 {rebooked.id}）")
    assert len(set(box.options)) == len(box.options) == 2
    assert f"策划中，编号 {rebooked.id}" in "".join(box.options)
    assert f"已取消，编号 {cancelled.id}" in "".join(box.options)
    assert "确认取消活动" in [b.label for b in app.button]


def test_identical_events_each_reachable(db, people):
    cancelled = book(db, people)
    event_flow.cancel(db, actor=people.speaker, event_id=cancelled.id, reason="改期重办",
                      now=NOW)
    rebooked = book(db, people)
    app = open_page(people.speaker, selected=cancelled.id)
    assert app.selectbox(key=SELECT_BOX).value == cancelled.id

    app.selectbox(key=SELECT_BOX).set_value(rebooked.id).run()
    app.run()

    assert app.selectbox(key=SELECT_BOX).value == rebooked.id
    assert "确认取消活动" in [b.label for b in app.button]
    assert not [text for text in status_texts(app) if text.startswith("活动已取消")]

    app.selectbox(key=SELECT_BOX).set_value(cancelled.id).run()

    assert app.selectbox(key=SELECT_BOX).value == cancelled.id
    assert "确认取消活动" not in [b.label for b in app.button]


@pytest.mark.browser
@pytest.mark.flaky(reruns=1)
def test_browser_tab_after_booking_keeps_new_event(page, event_server):
    server, people = event_server
    sign_in_page(page, server.url, people.speaker.username)
    open_nav(page, "新闻发布活动")
    expect(page.get_by_role("heading", name="春运交通保障新闻发布会")).to_be_visible()

    page.get_by_text("安排新闻发布活动", exact=True).click()
    page.get_by_label("主题", exact=True).first.fill("国省干线养护通气会")
    page.get_by_label("地点", exact=True).first.fill("厅三楼会议室")
    page.get_by_role("button", name="检查并保存", exact=True).click()
    # The server's clock is not frozen, so a booking on a weekend needs a confirmation.
    confirm = page.get_by_role("button", name="已知悉以上提示，仍然保存", exact=True)
    saved = alert(page, "已安排：国省干线养护通气会")
    expect(confirm.or_(saved)).to_be_visible()
    if confirm.is_visible():
        confirm.click()
    expect(saved).to_be_visible()
    expect(page.get_by_role("heading", name="国省干线养护通气会")).to_be_visible()

    page.get_by_role("tab", name="状态", exact=True).click()
    expect(page.get_by_role("tab", name="状态", exact=True)).to_have_attribute(
        "aria-selected", "true")
    page.wait_for_timeout(1500)    # the tab's rerun

    expect(page.get_by_role("heading", name="国省干线养护通气会")).to_be_visible()
    expect(page.get_by_role("heading", name="春运交通保障新闻发布会")).to_have_count(0)


def browser_book(page, topic: str) -> None:
    """Book `topic` with the form's default date and time, confirming any warning."""
    page.get_by_text("安排新闻发布活动", exact=True).click()
    page.get_by_label("主题", exact=True).first.fill(topic)
    page.get_by_label("地点", exact=True).first.fill("厅三楼会议室")
    page.get_by_role("button", name="检查并保存", exact=True).click()
    # The server's clock is not frozen, so a booking on a weekend needs a confirmation.
    confirm = page.get_by_role("button", name="已知悉以上提示，仍然保存", exact=True)
    saved = alert(page, f"已安排：{topic}")
    expect(confirm.or_(saved)).to_be_visible()
    if confirm.is_visible():
        confirm.click()
    expect(saved).to_be_visible()


@pytest.mark.browser
@pytest.mark.flaky(reruns=1)
def test_browser_rebooking_shows_new_event(page, event_server):
    server, people = event_server
    sign_in_page(page, server.url, people.speaker.username)
    open_nav(page, "新闻发布活动")

    browser_book(page, "国省干线养护通气会")
    page.get_by_role("tab", name="状态", exact=True).click()
    page.get_by_text("取消活动", exact=True).click()
    page.get_by_label("取消原因（写入日历取消通知）", exact=True).fill("改期重办")
    page.get_by_role("button", name="确认取消活动", exact=True).click()
    expect(alert(page, "活动现为“已取消”")).to_be_visible()

    browser_book(page, "国省干线养护通气会")
    page.get_by_role("tab", name="状态", exact=True).click()
    page.wait_for_timeout(1500)    # the tab's rerun

    expect(page.get_by_role("combobox", name="查看活动")).to_have_value(
        re.compile(r"国省干线养护通气会（策划中，编号 \d+）$"))
    # The 取消活动 step is offered only while the shown event is not cancelled.
    expect(page.get_by_text("取消活动", exact=True)).to_be_visible()
    expect(alert(page, "活动已取消")).to_have_count(0)


# --- 审计记录 in the navigation --------------------------------------------------------

def navigation_of(user) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=30)
    factories.sign_in_state(app, user)
    app.run()
    assert not app.exception
    return app


def test_audit_page_hidden_from_spokesperson(app_db, people):
    app = navigation_of(people.speaker)

    with pytest.raises(ValueError):
        app.switch_page("views/audit.py")


def test_audit_page_offered_to_general_office(app_db, people):
    app = navigation_of(people.clerk)

    app.switch_page("views/audit.py").run()

    assert not app.exception
    assert [title.value for title in app.title] == ["审计记录"]
    assert not app.error


@pytest.mark.parametrize(("roles", "expected"), [
    ({Role.ADMIN}, True), ({Role.GENERAL_OFFICE}, True), ({Role.SPOKESPERSON}, False),
    ({Role.DRAFTER}, False), ({Role.UNIT_HEAD}, False), (set(), False)])
def test_audit_may_read_by_role(db, roles, expected):
    from planner.services import audit
    unit = factories.make_unit(db, "厅办公室")
    user = factories.make_user(db, "someone", unit=unit, roles=roles)

    assert audit.may_read(db, actor=user) is expected


# --- closed events ask for no work -----------------------------------------------------

def status_texts(app: AppTest) -> list[str]:
    return [element.value for element in (*app.info, *app.warning, *app.markdown,
                                          *app.caption)]


def test_archived_with_override_shows_reason(db, people):
    event = book(db, people)
    event_flow.approve(db, actor=people.leader, event_id=event.id, now=NOW)
    event_flow.hold(db, actor=people.speaker, event_id=event.id, now=AFTER)
    event_flow.archive(db, actor=people.clerk, event_id=event.id, now=AFTER,
                       override_reason="信息稿由厅网站统一发布")
    db.commit()

    app = open_page(people.speaker, selected=event.id)
    texts = status_texts(app)

    assert "活动已归档（2026-12-08 12:00，孙伟），不再办理。归档时部分稿件尚未发布，" \
           "归档原因：信息稿由厅网站统一发布" in texts
    assert not [text for text in texts if text.startswith("✗")]
    assert not [text for text in texts if "没有可办理的步骤" in text]


def test_archived_without_override_closed(db, people):
    event = book(db, people)
    event_flow.approve(db, actor=people.leader, event_id=event.id, now=NOW)
    event_flow.hold(db, actor=people.speaker, event_id=event.id, now=AFTER)
    for role, title in (("transcript", "春运发布会文字实录"),
                        ("activity_info", "春运发布会重要政务活动信息")):
        draft_id = approved_draft(db, people, title)
        db.add(EventDraftLink(event_id=event.id, draft_id=draft_id, role=role))
        db.commit()
        review.release(db, actor=people.speaker, draft_id=draft_id)
    event_flow.archive(db, actor=people.clerk, event_id=event.id, now=AFTER)
    db.commit()

    texts = status_texts(open_page(people.leader, selected=event.id))

    assert "活动已归档（2026-12-08 12:00，孙伟），不再办理。" in texts
    assert not [text for text in texts if text.startswith("✗")]


def test_cancelled_event_says_closed(db, people):
    event = book(db, people)
    event_flow.cancel(db, actor=people.speaker, event_id=event.id, reason="主讲人公务冲突",
                      now=NOW)
    db.commit()

    texts = status_texts(open_page(people.leader, selected=event.id))

    assert "活动已取消（2026-12-01 09:00，陈静），不再办理。取消原因：主讲人公务冲突" in texts
    assert not [text for text in texts if "没有可办理的步骤" in text]
    assert not [text for text in texts if "待批准" in text]


def test_held_event_still_lists_missing_drafts(db, people):
    event = book(db, people)
    event_flow.approve(db, actor=people.leader, event_id=event.id, now=NOW)
    event_flow.hold(db, actor=people.speaker, event_id=event.id, now=AFTER)
    db.commit()

    texts = status_texts(open_page(people.speaker, selected=event.id))

    assert "✗ 重要政务活动信息尚未起草，请在“文档”标签页起草" in texts


# --- who may approve --------------------------------------------------------------------

def test_booker_told_who_approves(db, people):
    event = book(db, people)

    texts = status_texts(open_page(people.speaker, selected=event.id))

    assert "本活动待批准：须由安排人以外的一位单位负责人批准后，才能发布预告或举行。" \
           "可以批准的人员：赵丽。" in texts


def test_approval_note_gone_once_approved(db, people):
    event = book(db, people)
    event_flow.approve(db, actor=people.leader, event_id=event.id, now=NOW)
    db.commit()

    texts = status_texts(open_page(people.speaker, selected=event.id))

    assert not [text for text in texts if "待批准" in text]


def test_approvers_exclude_booker_and_inactive(db, people):
    head_speaker = factories.make_user(db, "headspeaker", unit=people.office_unit,
                                       display_name="钱主任",
                                       roles={Role.UNIT_HEAD, Role.SPOKESPERSON})
    retired = factories.make_user(db, "retired", unit=people.office_unit, display_name="老周",
                                  roles={Role.UNIT_HEAD})
    retired.is_active = False
    db.add(retired)
    db.commit()
    event = events.create_event(db, actor=head_speaker, data=event_input())
    db.commit()

    names = [user.display_name for user in event_flow.approvers(db, event)]

    assert names == ["赵丽"]


def test_approvers_none_left_said(db, people):
    people.leader.is_active = False
    db.add(people.leader)
    db.commit()
    event = book(db, people)

    texts = status_texts(open_page(people.speaker, selected=event.id))

    assert [text for text in texts if "系统中目前没有其他在用的单位负责人" in text]


# --- the booking's planned media on the 媒体 tab -----------------------------------------

def test_planned_outlets_parsed_once():
    from planner.services import planned_media

    assert planned_media.parse_outlets("四川日报、四川电视台\n 新华社 ；四川日报") == [
        "四川日报", "四川电视台", "新华社"]


def test_media_tab_lists_planned_outlets(db, people):
    from planner.services import media
    event = book(db, people, invited_media="四川日报、四川电视台")
    daily = media.create_contact(db, actor=people.speaker,
                                 data=media.ContactInput(outlet="四川日报", reporter="李记者"))
    media.invite(db, actor=people.speaker, event_id=event.id, contact_ids=[daily.id])
    db.commit()

    app = open_page(people.speaker, selected=event.id)
    texts = status_texts(app)

    assert "四川日报：已邀请" in texts
    assert "四川电视台：拟邀请，尚未登记联系人" in texts
    assert [b.label for b in app.button].count("登记并邀请") == 1


def test_register_planned_outlet_invites_it(db, people):
    from planner.services import media
    event = book(db, people, invited_media="四川电视台")
    app = open_page(people.speaker, selected=event.id)

    button(app, "登记并邀请").click().run()

    assert not app.exception
    [invite] = media.invites_of(db, actor=people.speaker, event_id=event.id)
    assert (invite.contact.outlet, invite.status) == ("四川电视台", "invited")
    assert "四川电视台：已邀请" in status_texts(app)


def test_planned_outlet_with_contact_points_to_invite(db, people):
    from planner.services import media
    event = book(db, people, invited_media="新华社")
    media.create_contact(db, actor=people.speaker,
                         data=media.ContactInput(outlet="新华社", reporter="王记者"))
    db.commit()

    app = open_page(people.speaker, selected=event.id)

    assert "新华社：通讯录中有 1 位联系人，尚未邀请，请在下方“邀请媒体”中选择" in status_texts(app)
    assert "登记并邀请" not in [b.label for b in app.button]


def test_booking_field_named_planned_media(db, people):
    app = open_page(people.speaker)

    field = app.text_area(key="events_new_media")

    assert field.label == "拟邀请媒体"
    assert "“媒体”标签页" in field.help


def test_approver_sees_button_not_note(db, people):
    event = book(db, people)

    app = open_page(people.leader, selected=event.id)

    assert "批准" in [b.label for b in app.button]
    assert not [text for text in status_texts(app) if "待批准" in text]


def test_planned_outlets_shown_to_reader(db, people):
    from planner.services import media
    event = book(db, people, invited_media="新华社、四川日报")
    media.create_contact(db, actor=people.speaker,
                         data=media.ContactInput(outlet="新华社", reporter="王记者"))
    db.commit()

    app = open_page(people.drafter, selected=event.id)
    texts = status_texts(app)

    assert "新华社：通讯录中有 1 位联系人，尚未邀请" in texts
    assert "四川日报：拟邀请，尚未登记联系人" in texts
    assert "登记并邀请" not in [b.label for b in app.button]


# --- closed events: no new documents, files or invitations ---------------------------------

def cancelled_event(db, people):
    event = book(db, people)
    event_flow.cancel(db, actor=people.speaker, event_id=event.id, reason="主讲人公务冲突",
                      now=NOW)
    db.commit()
    return event


def test_cancelled_event_offers_no_drafting(db, people):
    event = cancelled_event(db, people)

    app = open_page(people.speaker, selected=event.id)
    texts = status_texts(app)

    assert "起草" not in [b.label for b in app.button]
    assert "活动“春运交通保障新闻发布会”已取消，不能再起草文档。已有文档仍可在稿件页面打开；" \
           "如活动另行举办，请重新登记活动后起草。" in texts


def test_open_event_offers_drafting(db, people):
    event = book(db, people)

    app = open_page(people.speaker, selected=event.id)

    assert "起草" in [b.label for b in app.button]
    assert not [text for text in status_texts(app) if "不能再起草文档" in text]


def test_cancelled_event_offers_no_upload(db, people):
    event = cancelled_event(db, people)

    app = open_page(people.speaker, selected=event.id)

    assert "活动“春运交通保障新闻发布会”已取消，附件不能再增删。已有附件仍可下载。" in \
        status_texts(app)
    assert not app.get("file_uploader")


def test_attach_to_cancelled_event_refused(db, people):
    from planner.errors import Conflict
    from planner.services import event_files
    event = cancelled_event(db, people)

    with pytest.raises(Conflict) as caught:
        event_files.attach(db, actor=people.speaker, event_id=event.id, file_name="议程.txt",
                           data="发布会议程".encode())

    assert "已取消，附件不能再增删" in caught.value.message
    assert event_files.list_files(db, actor=people.speaker, event_id=event.id) == []


def test_attach_to_open_event_allowed(db, people):
    from planner.services import event_files
    event = book(db, people)

    saved = event_files.attach(db, actor=people.speaker, event_id=event.id,
                               file_name="议程.txt", data="发布会议程".encode())

    assert event_files.closed_reason(db, event.id) is None
    assert [info.id for info in event_files.list_files(
        db, actor=people.speaker, event_id=event.id)] == [saved.id]


def test_invite_to_cancelled_event_refused(db, people):
    from planner.errors import Conflict
    from planner.services import media
    event = cancelled_event(db, people)
    daily = media.create_contact(db, actor=people.speaker,
                                 data=media.ContactInput(outlet="四川日报", reporter="李记者"))

    with pytest.raises(Conflict) as caught:
        media.invite(db, actor=people.speaker, event_id=event.id, contact_ids=[daily.id])

    assert "当前为“已取消”，不能再邀请媒体" in caught.value.message
    assert media.invites_of(db, actor=people.speaker, event_id=event.id) == []


# --- the history's 状态变化 column ---------------------------------------------------------

def history_statuses(app: AppTest) -> list[str]:
    [history] = [frame.value for frame in app.dataframe if "状态变化" in frame.value.columns]
    return list(history["状态变化"])


def test_history_edit_row_shows_status_once(db, people):
    event = book(db, people)
    events.update_event(db, actor=people.speaker, event_id=event.id,
                        data=event_input(topic="春运交通保障新闻通气会"))
    event_flow.approve(db, actor=people.leader, event_id=event.id, now=NOW)
    db.commit()

    statuses = history_statuses(open_page(people.speaker, selected=event.id))

    # 登记, 修改活动信息, 批准
    assert statuses == ["策划中", "策划中", "策划中 → 已批准"]
