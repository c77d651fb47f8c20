"""Names and text from users reach files and screens safely.

Covered: calendar invites with line breaks, commas, semicolons and quotes; CSV cells;
download file names in Chinese; Markdown and HTML in titles, shown as typed, not rendered.
"""

import csv
import io
from datetime import datetime, timedelta

import pytest
import streamlit as st
from icalendar import Calendar
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from planner.csvsafe import csv_bytes
from planner.documents.parsing import parse_policy_text
from planner.filenames import safe_filename
from planner.models import Disclosure, DraftKind, EventKind, Role
from planner.services import drafts, events, meetings, policies, review
from planner.timeutil import OFFICE_TZ
from tests import factories
from tests.conftest import SICHUAN
from tests.review_ready import make_ready

# Markdown, HTML, a link, Streamlit's colour directive and LaTeX, in one title.
HOSTILE_TITLE = "**粗体** <b>加粗</b> [点我](https://evil.example) :red[红字] $x^2$"
RAW_MARKERS = ["**粗体**", "<b>", "](https://evil.example)", ":red[", "$x^2$"]


# --- calendar invites ---------------------------------------------------------------------

INVITE_TEXT = {
    "topic": '关于"川办发〔2013〕81号"的解读,第一场;\n问答环节\\附件',
    "venue": "省政府新闻办发布厅（3楼）; 备用: 二号会议室, 东侧",
    "invited_media": '四川日报, 四川电视台;\n"川观新闻"',
    "agenda": "1. 发布;\n2. 答问, 约30分钟\nATTENDEE:mailto:evil@example.com",
}


def make_event(session, actor) -> int:
    start = datetime(2026, 12, 8, 10, 0, tzinfo=OFFICE_TZ)   # a Tuesday
    data = events.EventInput(kind=EventKind.PRESS_CONFERENCE, starts_at=start,
                             ends_at=start + timedelta(hours=1),
                             spokespeople='王明 <wangming@example.gov.cn>、"老张"',
                             host="李华", **INVITE_TEXT)
    event = events.create_event(session, actor=actor, data=data)
    session.commit()
    return event.id


def test_invite_keeps_text_with_breaks_commas_semicolons_quotes(session, actor):
    event_id = make_event(session, actor)

    name, data = events.invite_file(session, event_id, actor=actor)

    [vevent] = Calendar.from_ical(data).walk("VEVENT")
    assert str(vevent["SUMMARY"]) == f"新闻发布会：{INVITE_TEXT['topic']}"
    assert str(vevent["LOCATION"]) == INVITE_TEXT["venue"]
    assert INVITE_TEXT["invited_media"] in str(vevent["DESCRIPTION"])


def test_invite_text_cannot_add_attendees(session, actor):
    event_id = make_event(session, actor)

    _name, data = events.invite_file(session, event_id, actor=actor)

    [vevent] = Calendar.from_ical(data).walk("VEVENT")
    attendees = vevent.get("ATTENDEE")
    addresses = [str(a) for a in (attendees if isinstance(attendees, list) else [attendees])]
    assert "mailto:evil@example.com" not in addresses
    assert [a.params["CN"] for a in attendees] == ["王明", "“老张”", "李华"]
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))   # octets, RFC 5545


def test_invite_file_name_safe_and_chinese(session, actor):
    event_id = make_event(session, actor)

    name, _data = events.invite_file(session, event_id, actor=actor)

    assert name.startswith("2026-12-08_关于_川办发〔2013〕81号_的解读,第一场;_问答环节_附件")
    assert name.endswith(".ics")
    assert not set('/\\:*?"<>|\n') & set(name)


# --- CSV ----------------------------------------------------------------------------------

def test_csv_multiline_cell_one_row():
    cells = ['第一行\n第二行', '他说："好"', "a,b;c", "=1+1", "-2", "@x", "+86"]

    data = csv_bytes(["内容"] * len(cells), [cells])

    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert len(rows) == 2
    assert rows[1] == ['第一行\n第二行', '他说："好"', "a,b;c", "'=1+1", "'-2", "'@x", "'+86"]


# --- download file names ------------------------------------------------------------------

@pytest.mark.parametrize(("stem", "expected"), [
    ("关于进一步加强政府信息公开的实施意见", "关于进一步加强政府信息公开的实施意见.docx"),
    ("川办发〔2013〕81号：政策解读", "川办发〔2013〕81号：政策解读.docx"),   # full-width is fine
    ("../../etc/passwd", "etc_passwd.docx"),
    ("..\\..\\Windows\\win.ini", "Windows_win.ini.docx"),
    ("标题\r\n第二行\t制表", "标题_第二行_制表.docx"),
    ('问:"何时施行？"<答>', "问_何时施行？_答.docx"),
    ("通知\u202excod.exe", "通知xcod.exe.docx"),
    ("零\u200b宽", "零宽.docx"),
    ("CON", "_CON.docx"),
    ("nul.tar", "_nul.tar.docx"),
    ("Com1", "_Com1.docx"),
    ("CONSOLE", "CONSOLE.docx"),
    ("   ...   ", "文件.docx"),
    ("政" * 100, "政" * 80 + ".docx"),
])
def test_safe_filename(stem, expected):
    assert safe_filename(stem, "docx") == expected


def test_draft_download_name_keeps_chinese_title(session, actor):
    policy = save_policy(session, actor, "关于《实施意见》的解读/第二稿")
    draft = drafts.create_from_policy(session, actor=actor, policy_id=policy.id,
                                      kind=DraftKind.INTERPRETATION, disclosure=Disclosure.PUBLIC)
    drafts.rename(session, actor=actor, draft_id=draft.id, title="关于《实施意见》的解读/第二稿")
    session.commit()

    name, _data = drafts.export_docx(session, draft.id, actor=actor)

    assert name == "关于《实施意见》的解读_第二稿.docx"


# --- Markdown and HTML in titles ----------------------------------------------------------

def save_policy(session, actor, title: str):
    parsed = parse_policy_text(SICHUAN.read_text(encoding="utf-8"))
    policy = policies.save_policy(session, actor=actor, parsed=parsed,
                                  fields=policies.PolicyFields(title=title),
                                  source_name=f"{title}.txt", raw_text="一、总则")
    session.commit()
    return policy


@pytest.fixture
def hostile_office(engine):
    """A policy, a draft waiting for 初审, an event and a joint meeting, all titled
    HOSTILE_TITLE; returns
    (author, first reviewer)."""
    st.cache_resource.clear()
    with Session(engine, expire_on_commit=False) as session:
        unit = factories.make_unit(session, "政策法规处")
        author = factories.make_user(session, "author", unit=unit,
                                     roles={Role.DRAFTER, Role.SPOKESPERSON,
                                            Role.GENERAL_OFFICE})
        reviewer = factories.make_user(session, "reviewer", unit=unit, roles={Role.DRAFTER})
        policy = save_policy(session, author, HOSTILE_TITLE)
        draft = drafts.create_from_policy(session, actor=author, policy_id=policy.id,
                                          kind=DraftKind.QA, disclosure=Disclosure.PUBLIC)
        drafts.rename(session, actor=author, draft_id=draft.id, title=HOSTILE_TITLE)
        make_ready(session, author, draft.id)
        review.submit(session, actor=author, draft_id=draft.id)
        start = datetime(2026, 12, 8, 10, 0, tzinfo=OFFICE_TZ)
        events.create_event(session, actor=author, data=events.EventInput(
            kind=EventKind.BRIEFING, topic=HOSTILE_TITLE, starts_at=start,
            ends_at=start + timedelta(hours=1), venue=HOSTILE_TITLE, policy_id=policy.id,
            draft_ids=[draft.id]))
        meetings.convene(session, actor=author, data=meetings.MeetingInput(
            title=HOSTILE_TITLE, starts_at=start + timedelta(days=1),
            ends_at=start + timedelta(days=1, hours=1), venue=HOSTILE_TITLE))
        session.commit()
    yield author, reviewer
    st.cache_resource.clear()


def rendered_texts(app: AppTest) -> list[str]:
    """The source of every element Streamlit renders as Markdown."""
    groups = [app.markdown, app.caption, app.title, app.header, app.subheader, app.success,
              app.info, app.warning, app.error]
    return [element.value for group in groups for element in group]


@pytest.mark.parametrize(("page", "who"), [
    ("views/home.py", 0), ("views/policies.py", 0), ("views/drafts.py", 0),
    ("views/events.py", 0), ("views/queue.py", 1), ("views/review.py", 1),
    ("views/meetings.py", 0),
])
def test_title_markdown_shown_as_text(hostile_office, page, who):
    app = AppTest.from_file("../app.py", default_timeout=30)
    factories.sign_in_state(app, hostile_office[who])
    app.run()

    app.switch_page(page).run()

    assert not app.exception
    texts = rendered_texts(app)
    options = [option for box in app.selectbox for option in box.options]
    assert any("粗体" in text for text in texts + options), "the title is not on the page"
    leaks = [text for text in texts if any(marker in text for marker in RAW_MARKERS)]
    assert leaks == []
