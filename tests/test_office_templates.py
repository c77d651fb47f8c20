"""The office's own templates (舆情回应稿, 会议通知, 会议纪要, 舆情监测报告): rebuilt byte for
byte by templates/build_templates.py, laid out per GB/T 9704-2012, and the drafts made
from records render through them in that layout."""

import importlib.util
from datetime import datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from docx import Document

from planner.documents.templates import load_template_spec
from planner.documents.word import check_gbt9704
from planner.services import drafts, meetings, opinions
from planner.timeutil import OFFICE_TZ
from tests.office_setup import forwarded_item, make_office

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
KINDS = {
    "opinion_response": ["intro", "facts", "measures", "next_steps"],
    "meeting_notice": ["intro", "topic", "time", "place", "attendees", "requirements"],
    "meeting_minutes": ["overview", "decisions", "actions"],
    "opinion_report": ["overview", "severity", "source", "category", "main_items",
                       "timeliness", "next_steps"],
}


def load_build_script():
    spec = importlib.util.spec_from_file_location("build_templates",
                                                  TEMPLATES / "build_templates.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("kind", KINDS)
def test_build_templates_reproduces_committed_file(kind):
    script = load_build_script()
    build = getattr(script, f"build_{kind}")

    document = script.new_document(build.__doc__.strip())
    build(document)

    assert script.reproducible_bytes(document) == (TEMPLATES / f"{kind}.docx").read_bytes()


@pytest.mark.parametrize("kind", KINDS)
def test_template_passes_gbt9704(kind):
    data = (TEMPLATES / f"{kind}.docx").read_bytes()

    assert check_gbt9704(data, allow_placeholders=True) == []


@pytest.mark.parametrize("kind, keys", KINDS.items())
def test_section_list_keys(kind, keys):
    spec = load_template_spec(kind)

    assert spec.template == f"{kind}.docx"
    assert [section.key for section in spec.sections] == keys
    assert all(section.hint for section in spec.sections)


@pytest.fixture
def office(session):
    return make_office(session)


def test_response_draft_renders_in_layout(session, office):
    item = forwarded_item(session, office)
    draft = opinions.create_response_draft(session, actor=office.clerk, opinion_id=item.id)
    session.commit()

    name, data = drafts.export_docx(session, draft.id, actor=office.clerk)

    paragraphs = [p.text for p in Document(BytesIO(data)).paragraphs if p.text]
    assert paragraphs[0] == draft.title
    assert paragraphs[1].startswith("（请补充：一句话交代回应的起因和态度")
    assert "一、基本情况" in paragraphs
    assert check_gbt9704(data) == []


def test_minutes_draft_renders_in_layout(session, office):
    item = forwarded_item(session, office)
    start = datetime(2026, 12, 8, 15, 0, tzinfo=OFFICE_TZ)
    meeting = meetings.convene(session, actor=office.clerk, data=meetings.MeetingInput(
        title="出租车舆情会商联席会议", starts_at=start, ends_at=start + timedelta(hours=1),
        venue="厅第三会议室", opinion_ids=[item.id]))
    draft = meetings.record_minutes(
        session, actor=office.clerk, meeting_id=meeting.id, summary="",
        decisions=["一、由运输服务处牵头核查", "二、及时发布权威信息"],
        actions=[meetings.ActionInput(task="形成核查报告", unit_id=office.transport.id,
                                      due_at=start + timedelta(days=3))])
    session.commit()

    _, data = drafts.export_docx(session, draft.id, actor=office.clerk)

    text = [p.text for p in Document(BytesIO(data)).paragraphs if p.text]
    assert "1. 由运输服务处牵头核查" in text
    assert "2. 及时发布权威信息" in text
    assert check_gbt9704(data) == []
