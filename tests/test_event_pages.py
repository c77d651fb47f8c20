"""The 新闻发布活动 and 媒体通讯录 pages through AppTest, signed in, with the clock frozen:
book, approve, announce, postpone, cancel, invite media, filter and page the list.

The events page reads the time once per run through planner.timeutil.now_utc. The tests
patch that function, so warnings about bookings in the past do not depend on the date.
"""

import importlib
import pkgutil
from datetime import date, datetime, time, timedelta, timezone

import pytest
import streamlit as st
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

import planner.services
import widgets
from planner import timeutil
from planner.config import get_settings
from planner.db import make_engine, migrate
from planner.errors import Conflict
from planner.i18n import t
from planner.models import (Disclosure, EventDocument, EventKind, EventStatus,
                            EventStatusChange, PressEvent)
from planner.services import event_documents, event_files, event_flow, events, media
from planner.timeutil import OFFICE_TZ, to_office
from tests import factories
from tests.browser_support import AppServer, sign_in_page
from tests.event_setup import EventPeople, event_input, make_people
# `browser` and `page` are fixtures: pytest finds them in this module's namespace.
from tests.test_browser import alert, browser, open_nav, page  # noqa: F401

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips the browser test with install instructions
    expect = None

APP = "../app.py"
PAGE = "views/events.py"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=OFFICE_TZ)     # a Tuesday, a week before START
START = datetime(2026, 12, 8, 10, 0, tzinfo=OFFICE_TZ)


def import_app_modules() -> None:
    """Import every module the pages may load before the clock is patched.

    A module first imported while timeutil.now_utc is patched would bind the frozen
    function with `from planner.timeutil import now_utc` and keep it after this test.
    """
    for package in (planner.services, widgets):
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{module.name}")
    for name in ("ui", "downloads"):
        importlib.import_module(name)


@pytest.fixture
def app_db(db_url, monkeypatch):
    """A migrated database, no cached engine, and the page's clock frozen at NOW."""
    st.cache_resource.clear()
    engine = make_engine(db_url)
    migrate(engine)
    engine.dispose()
    import_app_modules()
    monkeypatch.setattr(timeutil, "now_utc", lambda: NOW.astimezone(timezone.utc))
    yield db_url
    st.cache_resource.clear()


@pytest.fixture
def db(app_db):
    with Session(make_engine(app_db), expire_on_commit=False) as session:
        yield session


@pytest.fixture
def people(db) -> EventPeople:
    return make_people(db)


def open_page(user, page: str = PAGE, selected: int | None = None) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=30)
    factories.sign_in_state(app, user)
    if selected is not None:
        app.session_state["events_selected"] = selected
    app.run()
    app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def button(app: AppTest, label: str):
    matches = [b for b in app.button if b.label == label]
    assert matches, f"no button labelled {label}; have {[b.label for b in app.button]}"
    return matches[0]


def book(db, people, **overrides) -> PressEvent:
    event = events.create_event(db, actor=people.speaker, data=event_input(**overrides))
    db.commit()
    return event


def stored(db, event_id: int) -> PressEvent:
    db.expire_all()
    return db.get(PressEvent, event_id)


def times_key(db, event_id: int) -> str:
    """The key suffix of the edit and 延期 forms: the event's id and stored times."""
    event = stored(db, event_id)
    start, end = to_office(event.starts_at), to_office(event.ends_at)
    return f"{event.id}_{start:%Y%m%d%H%M}_{end:%Y%m%d%H%M}"


# --- booking ----------------------------------------------------------------------------

def test_book_event_with_guests(db, people):
    app = open_page(people.speaker)

    app.text_input(key="events_new_topic").input("春运交通保障新闻发布会")
    app.date_input(key="events_new_day").set_value(START.date())
    app.time_input(key="events_new_start").set_value(time(10, 0))
    app.time_input(key="events_new_end").set_value(time(11, 0))
    app.text_input(key="events_new_venue").input("厅新闻发布厅")
    app.text_input(key="events_new_spokespeople").input("陈静")
    app.text_area(key="events_new_guests").input("王强 省公路局局长\n李娜 副主任")
    app.text_area(key="events_new_experts").input("刘洋 西南交通大学教授")
    button(app, "检查并保存").click().run()

    assert not app.exception
    assert not app.warning
    [event] = events.list_events(db)
    assert (event.topic, event.status) == ("春运交通保障新闻发布会", EventStatus.PLANNING)
    assert event.guests == "王强 省公路局局长\n李娜 副主任"
    assert any("已安排" in s.value for s in app.success)
    assert app.session_state["events_selected"] == event.id
    invitees = [m.value for m in app.markdown if m.value.startswith("邀请对象：")]
    assert invitees == ["邀请对象：陈静（无邮箱）、王强（无邮箱）、李娜（无邮箱）、刘洋（无邮箱）"]


def test_booking_warnings_shown_by_kind(db, people):
    book(db, people)
    app = open_page(people.speaker)

    app.text_input(key="events_new_topic").input("另一场通气会")
    app.date_input(key="events_new_day").set_value(START.date())
    app.text_input(key="events_new_spokespeople").input("陈静")
    app.text_input(key="events_new_venue").input("第二会议室")
    button(app, "检查并保存").click().run()

    warnings = [w.value for w in app.warning]
    assert len(warnings) == 1
    assert warnings[0].startswith("人员冲突（活动）：陈静")
    assert len(events.list_events(db)) == 1
    button(app, "已知悉以上提示，仍然保存").click().run()
    assert len(events.list_events(db)) == 2


def test_non_organiser_sees_no_booking_form(db, people):
    book(db, people)

    app = open_page(people.drafter)

    assert [b.label for b in app.button if b.label == "检查并保存"] == []
    assert "日历邀请和附件只对组织者" in " ".join(i.value for i in app.info)
    assert not [d for d in app.get("download_button")
                if d.proto.label == "下载日历邀请（.ics）"]


# --- the working cycle ------------------------------------------------------------------

def test_approve_then_announce(db, people):
    event = book(db, people)

    app = open_page(people.leader, selected=event.id)
    button(app, "批准").click().run()
    assert stored(db, event.id).status == EventStatus.APPROVED
    assert any("已批准" in s.value for s in app.success)

    app = open_page(people.speaker, selected=event.id)
    assert [b.label for b in app.button if b.label == "批准"] == []
    button(app, "发布预告").click().run()
    assert stored(db, event.id).status == EventStatus.ANNOUNCED


def test_postpone_with_reason(db, people):
    event = book(db, people)
    app = open_page(people.speaker, selected=event.id)

    suffix = times_key(db, event.id)
    app.date_input(key=f"events_postpone_day_{suffix}").set_value(date(2026, 12, 10))
    app.text_input(key=f"events_postpone_reason_{suffix}").input("与省政府常务会议冲突")
    button(app, "检查并延期").click().run()

    moved = stored(db, event.id)
    assert moved.sequence == 1
    assert events.as_utc(moved.starts_at) == events.as_utc(START + timedelta(days=2))
    [last] = db.exec(select(EventStatusChange).where(EventStatusChange.action == "postpone"))
    assert last.reason == "与省政府常务会议冲突"
    assert any("已延期到 2026-12-10 10:00" in s.value for s in app.success)
    history = app.dataframe[-1].value
    assert list(history["步骤"]) == ["登记", "延期"]


def test_cancel_needs_reason_then_invite_is_cancel(db, people):
    event = book(db, people)
    app = open_page(people.speaker, selected=event.id)

    button(app, "确认取消活动").click().run()
    assert "请填写取消活动" in app.error[0].value
    assert stored(db, event.id).status == EventStatus.PLANNING

    app.text_input(key=f"events_cancel_reason_{event.id}").input("主讲人公务冲突")
    button(app, "确认取消活动").click().run()

    assert stored(db, event.id).status == EventStatus.CANCELLED
    assert "活动已取消（2026-12-01 09:00，陈静），不再办理。取消原因：主讲人公务冲突" in [
        w.value for w in app.warning]
    assert any("下载的是取消通知" in m.value for m in app.markdown)
    invite = [d for d in app.get("download_button") if d.proto.label == "下载日历邀请（.ics）"]
    assert invite


def test_edit_rechecks_booking(db, people):
    book(db, people)
    other = book(db, people, topic="通气会", kind=EventKind.BRIEFING, venue="第二会议室",
                 spokespeople="赵六", host="", guests="", experts="",
                 starts_at=START + timedelta(days=1), ends_at=START + timedelta(days=1, hours=1))
    app = open_page(people.speaker, selected=other.id)

    prefix = f"events_edit_{times_key(db, other.id)}"
    app.date_input(key=f"{prefix}_day").set_value(START.date())
    app.text_input(key=f"{prefix}_venue").input("厅新闻发布厅")
    button(app, "检查并保存修改").click().run()

    assert any(w.value.startswith("场地冲突（活动）") for w in app.warning)
    assert events.as_utc(stored(db, other.id).starts_at) == events.as_utc(
        START + timedelta(days=1))
    button(app, "已知悉以上提示，仍然保存").click().run()
    assert stored(db, other.id).venue == "厅新闻发布厅"


# --- media ------------------------------------------------------------------------------

def test_invite_media_and_mark_confirmed(db, people):
    event = book(db, people)
    contact = media.create_contact(db, actor=people.clerk, data=media.ContactInput(
        outlet="四川日报", reporter="张三", phone="13812345678"))
    db.commit()
    app = open_page(people.clerk, selected=event.id)

    app.multiselect(key=f"events_invite_pick_{event.id}").select(contact.id)
    button(app, "邀请").click().run()
    assert [i.status for i in media.invites_of(db, actor=people.clerk, event_id=event.id)] \
        == ["invited"]

    button(app, "已确认").click().run()
    [invite] = media.invites_of(db, actor=people.clerk, event_id=event.id)
    assert invite.status == "confirmed"
    assert "已确认出席的媒体 1 家：四川日报" in " ".join(c.value for c in app.caption)


def test_media_tab_masks_for_others(db, people):
    event = book(db, people)
    contact = media.create_contact(db, actor=people.clerk, data=media.ContactInput(
        outlet="四川日报", reporter="张三", phone="13812345678"))
    media.invite(db, actor=people.clerk, event_id=event.id, contact_ids=[contact.id])
    db.commit()

    app = open_page(people.drafter, selected=event.id)

    table = [frame.value for frame in app.dataframe if "电话" in frame.value.columns][0]
    assert list(table["电话"]) == ["138****5678"]


def test_media_page_keeper_and_reader(db, people):
    media.create_contact(db, actor=people.clerk, data=media.ContactInput(
        outlet="四川日报", reporter="张三", phone="13812345678", email="zs@example.cn"))
    db.commit()

    keeper = open_page(people.clerk, page="views/media.py")
    reader = open_page(people.drafter, page="views/media.py")

    assert list(keeper.dataframe[0].value["电话"]) == ["13812345678"]
    assert list(reader.dataframe[0].value["电话"]) == ["138****5678"]
    assert list(reader.dataframe[0].value["邮箱"]) == ["z***@example.cn"]
    assert [b.label for b in reader.button if b.label == "添加"] == []


def test_media_page_add_contact(db, people):
    app = open_page(people.speaker, page="views/media.py")

    app.text_input(key="media_new_outlet").input("川观新闻")
    app.text_input(key="media_new_reporter").input("王五")
    app.text_input(key="media_new_phone").input("028-86123456")
    button(app, "添加").click().run()

    assert not app.error
    [contact] = media.list_contacts(db, actor=people.speaker)
    assert (contact.outlet, contact.phone) == ("川观新闻", "028-86123456")


def test_media_page_import_over_limit(db, people, monkeypatch):
    monkeypatch.setenv("PLANNER_UPLOAD_MAX_MB", "1")
    get_settings.cache_clear()
    data = ("媒体,记者\n" + "四川日报,张三\n" * 90_000).encode()      # about 1.7 MB
    app = open_page(people.speaker, page="views/media.py")

    try:
        app.file_uploader(key="media_import_file").upload("通讯录.csv", data, "text/csv").run()
        button(app, "导入").click().run()
    finally:
        get_settings.cache_clear()

    assert not app.exception
    size = len(data) / 1024 / 1024
    assert f"“通讯录.csv”有 {size:.1f} MB，超过上传上限 1 MB" in app.error[0].value
    assert media.list_contacts(db, actor=people.speaker) == []


# --- the list ---------------------------------------------------------------------------

@pytest.fixture
def listed(db, people):
    """Three events: two conferences in December, a briefing in January, one approved."""
    first = book(db, people, topic="春运新闻发布会", venue="甲厅", spokespeople="甲",
                 host="", guests="", experts="")
    book(db, people, topic="高速公路通气会", kind=EventKind.BRIEFING, venue="乙厅",
         spokespeople="乙", host="", guests="", experts="",
         starts_at=datetime(2027, 1, 12, 10, 0, tzinfo=OFFICE_TZ),
         ends_at=datetime(2027, 1, 12, 11, 0, tzinfo=OFFICE_TZ))
    third = book(db, people, topic="水运新闻发布会", venue="丙厅", spokespeople="丙",
                 host="", guests="", experts="", starts_at=START + timedelta(days=3),
                 ends_at=START + timedelta(days=3, hours=1))
    event_flow.approve(db, actor=people.leader, event_id=third.id, now=NOW)
    db.commit()
    return first


def list_topics(app: AppTest) -> list[str]:
    return list(app.dataframe[0].value["主题"])


def test_list_newest_first(listed, people):
    app = open_page(people.drafter)

    assert list_topics(app) == ["高速公路通气会", "水运新闻发布会", "春运新闻发布会"]
    assert "共 3 场活动，第 1 / 1 页" in app.caption[0].value


@pytest.mark.parametrize(("widget", "key", "value", "expected"), [
    ("multiselect", "events_filter_kind", EventKind.BRIEFING, ["高速公路通气会"]),
    ("multiselect", "events_filter_status", EventStatus.APPROVED, ["水运新闻发布会"]),
    ("text_input", "events_filter_text", "水运", ["水运新闻发布会"]),
    ("text_input", "events_filter_text", "乙厅", ["高速公路通气会"]),
    ("date_input", "events_filter_from", date(2027, 1, 1), ["高速公路通气会"]),
    ("date_input", "events_filter_to", date(2026, 12, 9), ["春运新闻发布会"]),
])
def test_list_filters(listed, people, widget, key, value, expected):
    app = open_page(people.drafter)

    control = getattr(app, widget)(key=key)
    if widget == "multiselect":
        control.select(value).run()
    elif widget == "text_input":
        control.input(value).run()
    else:
        control.set_value(value).run()

    assert list_topics(app) == expected


def test_list_pages(db, people):
    for number in range(55):
        start = START + timedelta(days=number)
        book(db, people, topic=f"第{number + 1:02d}场通气会", kind=EventKind.BRIEFING,
             venue=f"会议室{number}", spokespeople=f"发言人{number}", host="", guests="",
             experts="", starts_at=start, ends_at=start + timedelta(hours=1))
    app = open_page(people.drafter)
    assert len(list_topics(app)) == 50
    assert list_topics(app)[0] == "第55场通气会"

    app.number_input(key="events_page_number").set_value(2).run()

    assert list_topics(app) == [f"第{n:02d}场通气会" for n in range(5, 0, -1)]
    assert "第 2 / 2 页" in app.caption[0].value

    app.text_input(key="events_filter_text").input("第03场").run()

    assert not app.exception
    assert list_topics(app) == ["第03场通气会"]
    assert "共 1 场活动，第 1 / 1 页" in app.caption[0].value


def test_board_link_selects_event(listed, people):
    app = open_page(people.drafter, selected=listed.id)

    assert "春运新闻发布会" in [s.value for s in app.subheader]
    assert app.selectbox(key="events_select_box").value == listed.id


# --- the detail view across reruns -----------------------------------------------------

def tab_container(app: AppTest):
    """The proto of the event's tab container (Streamlit 1.67 block)."""
    stack = [app.main]
    while stack:
        node = stack.pop()
        if getattr(node, "type", "") == "tab_container" or (
                hasattr(node, "proto") and node.proto is not None
                and node.proto.WhichOneof("type") == "tab_container"):
            return node.proto.tab_container
        children = getattr(node, "children", {})
        stack.extend(children.values() if isinstance(children, dict) else children)
    raise AssertionError("no tab container on the page")


def test_tab_kept_after_step(db, people):
    event = book(db, people)
    app = open_page(people.leader, selected=event.id)
    app.session_state["events_detail_tab"] = "状态"
    app.run()

    button(app, "批准").click().run()

    assert stored(db, event.id).status == EventStatus.APPROVED
    assert app.session_state["events_detail_tab"] == "状态"
    assert tab_container(app).default_tab_index == 1


def test_postpone_form_follows_edit(db, people):
    event = book(db, people, ends_at=START + timedelta(minutes=90))
    app = open_page(people.speaker, selected=event.id)
    assert app.time_input(key=f"events_postpone_end_{times_key(db, event.id)}").value \
        == time(11, 30)

    app.time_input(key=f"events_edit_{times_key(db, event.id)}_end").set_value(time(11, 0))
    button(app, "检查并保存修改").click().run()
    assert events.as_utc(stored(db, event.id).ends_at) == events.as_utc(
        START + timedelta(hours=1))

    suffix = times_key(db, event.id)
    assert app.time_input(key=f"events_postpone_end_{suffix}").value == time(11, 0)
    app.date_input(key=f"events_postpone_day_{suffix}").set_value(date(2026, 12, 10))
    app.text_input(key=f"events_postpone_reason_{suffix}").input("与省政府常务会议冲突")
    button(app, "检查并延期").click().run()

    assert not [w.value for w in app.warning if "超过常规时长" in w.value]
    moved = stored(db, event.id)
    assert events.as_utc(moved.ends_at) == events.as_utc(
        datetime(2026, 12, 10, 11, 0, tzinfo=OFFICE_TZ))


def test_versions_counted_from_one(db, people):
    event = book(db, people)

    app = open_page(people.speaker, selected=event.id)

    assert any("（日历邀请第 1 版）" in m.value for m in app.markdown)
    assert any(m.value.startswith("日历邀请（.ics，METHOD:REQUEST）第 1 版") for m in app.markdown)
    assert not any("第 0 版" in m.value for m in app.markdown)


def test_invite_uid_shown_as_code(db, people):
    event = book(db, people)

    app = open_page(people.speaker, selected=event.id)

    assert f"日历编号（UID）：`{stored(db, event.id).uid}`" in [c.value for c in app.caption]


# --- addresses --------------------------------------------------------------------------

def test_online_room_shown_as_link(db, people):
    room = "https://127.0.0.1:8501/room?id=1&x=(a)"
    event = book(db, people, venue="", online_room=room)

    app = open_page(people.speaker, selected=event.id)

    [summary] = [m.value for m in app.markdown if "地点：" in m.value]
    assert summary.endswith(f"地点：[`{room}`](https://127.0.0.1:8501/room?id=1&x=%28a%29)")
    assert "\\" not in summary


def test_online_room_without_scheme_is_code(db, people):
    event = book(db, people, venue="", online_room="腾讯会议 123 456 789")

    app = open_page(people.speaker, selected=event.id)

    [summary] = [m.value for m in app.markdown if "地点：" in m.value]
    assert summary.endswith("地点：`腾讯会议 123 456 789`")


# --- 发布预告 and media -------------------------------------------------------------------

def test_announce_missing_channel_explained(db, people):
    event = book(db, people, kind=EventKind.ONLINE_INTERVIEW, topic="交通强国在线访谈",
                 venue="", online_room="https://jtt.example.gov.cn/ft", question_channel="")
    event_flow.approve(db, actor=people.leader, event_id=event.id, now=NOW)
    db.commit()

    app = open_page(people.speaker, selected=event.id)

    assert [b.label for b in app.button if b.label == "发布预告"] == []
    assert any("还没有填写网友提问渠道" in i.value for i in app.info)


def test_announce_with_channel_no_hint(db, people):
    event = book(db, people, kind=EventKind.ONLINE_INTERVIEW, topic="交通强国在线访谈",
                 venue="", online_room="https://jtt.example.gov.cn/ft")
    event_flow.approve(db, actor=people.leader, event_id=event.id, now=NOW)
    db.commit()

    app = open_page(people.speaker, selected=event.id)

    assert button(app, "发布预告")
    assert not any("网友提问渠道" in i.value for i in app.info)


def test_media_all_invited_said(db, people):
    event = book(db, people)
    contact = media.create_contact(db, actor=people.clerk, data=media.ContactInput(
        outlet="四川日报", reporter="张三", phone="13812345678"))
    media.invite(db, actor=people.clerk, event_id=event.id, contact_ids=[contact.id])
    db.commit()

    app = open_page(people.clerk, selected=event.id)

    captions = " ".join(c.value for c in app.caption)
    assert "1 位联系人都已邀请" in captions
    assert "没有可邀请的联系人" not in captions


# --- files ------------------------------------------------------------------------------

def upload(app: AppTest, event_id: int, name: str, data: bytes) -> AppTest:
    app.file_uploader(key=f"events_upload_{event_id}").upload(name, data, "text/plain").run()
    return button(app, "上传").click().run()


def test_upload_small_file_size_in_bytes(db, people):
    event = book(db, people)
    app = open_page(people.speaker, selected=event.id)

    upload(app, event.id, "签到表.txt", "春运交通保障新闻发布会签到表，共二十人。".encode())

    assert not app.error, [e.value for e in app.error]
    assert any(c.value.startswith("60 字节 · 陈静") for c in app.caption), \
        [c.value for c in app.caption]


def test_upload_oversize_refused_in_chinese(db, people, monkeypatch):
    monkeypatch.setenv("PLANNER_UPLOAD_MAX_MB", "1")
    get_settings.cache_clear()
    event = book(db, people)
    app = open_page(people.speaker, selected=event.id)

    upload(app, event.id, "发布材料.txt", ("一" * (512 * 1024)).encode())   # 1.5 MB

    [error] = [e.value for e in app.error]
    assert "发布材料.txt" in error
    assert "1.5 MB" in error
    assert "超过上传上限 1 MB" in error
    assert event_files.list_files(db, actor=people.speaker, event_id=event.id) == []


def test_upload_bidi_name_sanitised_in_messages(db, people):
    event = book(db, people)
    data = "现场记录".encode()
    app = open_page(people.speaker, selected=event.id)

    upload(app, event.id, "记录\u202etxt.exe\u2066.txt", data)
    upload(app, event.id, "记录\u202etxt.exe\u2066.txt", data)

    [error] = [e.value for e in app.error]
    assert "“记录txt.exe.txt”" in error
    assert not any(char in error for char in "\u202e\u2066")
    [info] = event_files.list_files(db, actor=people.speaker, event_id=event.id)
    assert info.file_name == "记录txt.exe.txt"


# --- messages naming a generated title ---------------------------------------------------

DRAFT_TITLE_KEYS = ["draft.edit_resets_review", "review.wrong_state",
                    "review.changed_meanwhile", "review.content_changed",
                    "review.content_not_approved", "review.return_reason_missing",
                    "review.draft_without_unit", "coedit.assign_not_allowed",
                    "coedit.submit_open_comments", "answer_library.not_answer_brief",
                    "answer_library_page.reused", "event_documents.exists",
                    "interview_page.preview_created"]


def test_generated_titles_not_quoted_twice(db, people):
    event = book(db, people)
    draft = event_documents.create_document(db, actor=people.speaker, event_id=event.id,
                                            role=EventDocument.ANSWER_BRIEF,
                                            disclosure=Disclosure.PUBLIC)
    db.commit()
    assert draft.title.startswith("“")     # “春运交通保障”新闻发布会答问口径

    with pytest.raises(Conflict) as again:
        event_documents.create_document(db, actor=people.speaker, event_id=event.id,
                                        role=EventDocument.ANSWER_BRIEF,
                                        disclosure=Disclosure.PUBLIC)
    assert f"《{draft.title}》" in again.value.message
    assert "““" not in again.value.message

    for key in DRAFT_TITLE_KEYS:
        message = t(key, title=draft.title, status="草稿", action="批准", allowed="已提交",
                    count=1, role="答问口径", id=draft.id)
        assert "““" not in message, key
        assert f"《{draft.title}》" in message, key


# --- in Chromium: what the AppTest runs above cannot show --------------------------------

@pytest.fixture
def event_server(browser, tmp_path):
    """The app as `make run` serves it, with .streamlit/config.toml and the default
    upload_max_mb (20), and one booked event with an online room and no venue."""
    server = AppServer(workdir=tmp_path)
    server.migrate()
    engine = make_engine(server.env()["PLANNER_DATABASE_URL"])
    with Session(engine, expire_on_commit=False) as session:
        people = make_people(session)
        book(session, people, venue="", online_room=BROWSER_ROOM)
    engine.dispose()
    server.start()
    yield server, people
    server.stop()


BROWSER_ROOM = "http://127.0.0.1:8501/room?id=1"


def uploaded_file_shown(page, name: str) -> None:
    expect(page.get_by_test_id("stFileUploader").get_by_text(name)).to_be_visible()


@pytest.mark.browser
@pytest.mark.flaky(reruns=1)
def test_browser_link_tab_and_upload_limit(page, event_server):
    server, people = event_server
    sign_in_page(page, server.url, people.speaker.username)
    open_nav(page, "新闻发布活动")

    link = page.get_by_role("link", name=BROWSER_ROOM)
    expect(link).to_have_attribute("href", BROWSER_ROOM)

    files_tab = page.get_by_role("tab", name="附件", exact=True)
    files_tab.click()
    expect(files_tab).to_have_attribute("aria-selected", "true")
    dropzone = page.get_by_test_id("stFileUploaderDropzoneInput")
    # Over upload_max_mb: the app, not Streamlit's own limit, must refuse it.
    dropzone.set_input_files(files=[{"name": "发布材料.txt", "mimeType": "text/plain",
                                     "buffer": b"a" * (21 * 1024 * 1024)}])
    uploaded_file_shown(page, "发布材料.txt")
    page.get_by_role("button", name="上传", exact=True).click()
    expect(alert(page, "“发布材料.txt”有 21.0 MB，超过上传上限 20 MB")).to_be_visible()

    dropzone.set_input_files(files=[{"name": "签到表.txt", "mimeType": "text/plain",
                                     "buffer": "签到表，共二十人。".encode()}])
    uploaded_file_shown(page, "签到表.txt")
    # The 上传 button stays from the first file, so a click that lands before the browser
    # has sent the second file uploads nothing new: click again until it is stored.
    for _ in range(3):
        page.get_by_role("button", name="上传", exact=True).click()
        try:
            expect(alert(page, "已上传：签到表.txt")).to_be_visible(timeout=5000)
            break
        except AssertionError:
            continue
    expect(alert(page, "已上传：签到表.txt")).to_be_visible()
    expect(page.get_by_text("27 字节 · 陈静")).to_be_visible()
    expect(page.get_by_role("tab", name="附件", exact=True)).to_have_attribute(
        "aria-selected", "true")
