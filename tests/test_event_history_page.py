"""The 办理记录 of the 新闻发布活动 page through AppTest: an edit of the topic alone shows as
修改活动信息 with each changed field's value before and after, a new end time as 改期 with
both time spans."""

from datetime import timedelta

from planner.models import EventStatusChange
from planner.services import events
from tests.event_setup import event_input
from tests.test_event_pages import START, app_db, db, open_page, people  # noqa: F401


def history_table(app):
    [table] = [frame.value for frame in app.dataframe if "步骤" in frame.value.columns]
    return table


def test_history_names_edited_fields(db, people):
    event = events.create_event(db, actor=people.speaker, data=event_input())
    events.update_event(db, actor=people.speaker, event_id=event.id,
                        data=event_input(topic="春运交通保障工作", venue="厅三楼会议室"))
    db.commit()

    table = history_table(open_page(people.speaker, selected=event.id))

    assert list(table["步骤"]) == ["登记", "修改活动信息"]
    assert list(table["变更内容"])[-1] == ("主题：春运交通保障新闻发布会 → 春运交通保障工作；"
                                         "地点：厅新闻发布厅 → 厅三楼会议室"
                                         "（日历邀请随之更新，请重新发送或下载）")


def test_history_shows_end_time_change(db, people):
    event = events.create_event(db, actor=people.speaker, data=event_input())
    events.update_event(db, actor=people.speaker, event_id=event.id,
                        data=event_input(ends_at=START + timedelta(hours=2)))
    db.commit()

    table = history_table(open_page(people.speaker, selected=event.id))

    assert list(table["步骤"]) == ["登记", "改期"]
    assert list(table["变更内容"])[-1] == "2026-12-08 10:00—11:00 → 2026-12-08 10:00—12:00"


def test_history_old_edit_row_names_fields(db, people):
    # Rows written before the values were stored hold the names comma-separated.
    event = events.create_event(db, actor=people.speaker, data=event_input())
    db.add(EventStatusChange(event_id=event.id, action="edit", from_status="planning",
                             to_status="planning", changed_fields="topic,venue,sequence",
                             actor_id=people.speaker.id))
    db.commit()

    table = history_table(open_page(people.speaker, selected=event.id))

    assert list(table["变更内容"])[-1] == "主题；地点（日历邀请随之更新，请重新发送或下载）"


def test_history_edit_values_cut_and_labelled(db, people):
    event = events.create_event(db, actor=people.speaker, data=event_input())
    events.update_event(db, actor=people.speaker, event_id=event.id,
                        data=event_input(kind="briefing", agenda="一、" + "介绍" * 30 + "\n二、答问"))
    db.commit()

    table = history_table(open_page(people.speaker, selected=event.id))

    assert list(table["变更内容"])[-1] == (
        "活动类型：新闻发布会 → 新闻通气会；议程：（空） → 一、" + "介绍" * 19 + "…"
        "（日历邀请随之更新，请重新发送或下载）")
