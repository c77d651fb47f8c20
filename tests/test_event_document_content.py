"""What an event's documents say: the invited media in the 发布会方案 (outlet and reporter,
never a phone number or e-mail address), titles that name the event's kind once, and the
Word export of question layouts that prints 问：/答：/依据： once."""

from io import BytesIO

import pytest
from docx import Document

from planner.documents.event_titles import document_title, split_topic
from planner.documents.structure import DraftDocument, DraftSectionContent
from planner.documents.word import render_docx, strip_mark
from planner.i18n import inside_quotes
from planner.models import Disclosure, DraftKind, EventDocument, EventKind
from planner.services import drafts, event_documents, media
from tests.event_docs_setup import make_press_office

PHONE, EMAIL = "13812345678", "zhang.san@scdaily.example.cn"


@pytest.fixture
def office(session):
    return make_press_office(session)


def create(office, event, role):
    draft = event_documents.create_document(office.session, actor=office.spokesperson,
                                            event_id=event.id, role=role,
                                            disclosure=Disclosure.PUBLIC)
    office.session.commit()
    return draft


def bodies(office, draft_id) -> dict[str, str]:
    return {s.key: s.body for s in drafts.list_sections(office.session, draft_id)}


def all_text(office, draft) -> str:
    sections = drafts.list_sections(office.session, draft.id)
    return "\n".join([draft.title] + [f"{s.title}\n{s.body}\n{s.source_ref}" for s in sections])


def invite_media(office, event):
    """Three contacts with phone and e-mail: one confirmed, one declined, one waiting."""
    contacts = {}
    for outlet, reporter, phone, email in (
            ("四川日报", "张三", PHONE, EMAIL),
            ("四川广播电视台", "李四", "028-86612345", "lisi@sctv.example.cn"),
            ("中国交通报", "", "010-65293456", "news@zgjtb.example.cn")):
        view = media.create_contact(office.session, actor=office.clerk, data=media.ContactInput(
            outlet=outlet, reporter=reporter, phone=phone, email=email))
        contacts[outlet] = view.id
    media.invite(office.session, actor=office.clerk, event_id=event.id,
                 contact_ids=list(contacts.values()))
    media.confirm(office.session, actor=office.clerk, event_id=event.id,
                  contact_id=contacts["四川日报"])
    media.decline(office.session, actor=office.clerk, event_id=event.id,
                  contact_id=contacts["四川广播电视台"])
    office.session.commit()


# --- 邀请媒体 ------------------------------------------------------------------------------

def test_plan_lists_invited_media_with_answers(office):
    event = office.event()
    invite_media(office, event)

    draft = create(office, event, EventDocument.PLAN)

    lines = bodies(office, draft.id)["media"].splitlines()
    assert lines == ["中国交通报（已邀请）",
                     "四川广播电视台 记者李四（已婉拒）",
                     "四川日报 记者张三（已确认）"]


def test_plan_media_adds_outlets_not_invited(office):
    event = office.event(invited_media="四川日报、人民网四川频道，新华网")
    invite_media(office, event)

    draft = create(office, event, EventDocument.PLAN)

    lines = bodies(office, draft.id)["media"].splitlines()
    assert lines[:3] == ["中国交通报（已邀请）",
                         "四川广播电视台 记者李四（已婉拒）",
                         "四川日报 记者张三（已确认）"]
    assert lines[3] == "其他拟邀请媒体：人民网四川频道、新华网"
    assert len(lines) == 4


def test_plan_media_has_no_phone_or_email(office):
    event = office.event()
    invite_media(office, event)

    draft = create(office, event, EventDocument.PLAN)
    _, data = drafts.export_docx(office.session, draft.id, actor=office.spokesperson)

    word = "\n".join(p.text for p in Document(BytesIO(data)).paragraphs)
    for secret in (PHONE, EMAIL, "028-86612345", "lisi@sctv.example.cn", "138****5678",
                   "z***@scdaily.example.cn", "@"):
        assert secret not in all_text(office, draft)
        assert secret not in word
    assert "四川日报 记者张三（已确认）" in word


def test_plan_media_without_invites_keeps_event_list(office):
    draft = create(office, office.event(), EventDocument.PLAN)

    assert bodies(office, draft.id)["media"] == "四川日报、四川广播电视台"


def test_plan_media_without_any_keeps_hint(office):
    draft = create(office, office.event(invited_media=""), EventDocument.PLAN)

    assert bodies(office, draft.id)["media"].startswith("（请补充：")


def test_release_names_confirmed_outlets_only(office):
    event = office.event()
    invite_media(office, event)

    draft = create(office, event, EventDocument.PRESS_RELEASE)

    attendance = bodies(office, draft.id)["attendance"]
    assert "四川日报等媒体参加了本次新闻发布会。" in attendance
    assert "四川广播电视台" not in attendance
    assert "中国交通报" not in attendance


# --- titles -------------------------------------------------------------------------------

TITLE_CASES = [
    # (kind, topic, role, expected title)
    (EventKind.PRESS_CONFERENCE, "政务公开工作", EventDocument.ANSWER_BRIEF,
     "“政务公开工作”新闻发布会答问口径"),
    (EventKind.PRESS_CONFERENCE, "2026年春运新闻发布会", EventDocument.ANSWER_BRIEF,
     "“2026年春运”新闻发布会答问口径"),
    (EventKind.PRESS_CONFERENCE, "“2026年春运新闻发布会”", EventDocument.PLAN,
     "“2026年春运”新闻发布会工作方案"),
    (EventKind.PRESS_CONFERENCE, "春运发布会", EventDocument.TRANSCRIPT,
     "“春运”新闻发布会文字实录"),
    (EventKind.PRESS_CONFERENCE, "第三场新闻发布会（春运专场）", EventDocument.ANSWER_BRIEF,
     "“第三场新闻发布会（春运专场）”答问口径"),
    (EventKind.PRESS_CONFERENCE, "第三场新闻发布会（春运专场）", EventDocument.PRESS_RELEASE,
     "四川省交通运输厅召开第三场新闻发布会（春运专场）"),
    (EventKind.PRESS_CONFERENCE, "政务公开工作", EventDocument.PRESS_RELEASE,
     "四川省交通运输厅召开新闻发布会介绍政务公开工作有关情况"),
    (EventKind.ONLINE_INTERVIEW, "农村公路建设在线访谈", EventDocument.ACTIVITY_INFO,
     "四川省交通运输厅召开在线访谈介绍农村公路建设"),
    (EventKind.ONLINE_INTERVIEW, "在线访谈：农村公路建设", EventDocument.PREVIEW,
     "在线访谈预告：农村公路建设"),
    (EventKind.ONLINE_INTERVIEW, "农村公路建设", EventDocument.PREVIEW,
     "在线访谈预告：农村公路建设"),
    (EventKind.PRESS_CONFERENCE, "“交通强省”建设", EventDocument.PLAN,
     "“‘交通强省’建设”新闻发布会工作方案"),
    (EventKind.PRESS_CONFERENCE, "《实施意见》新闻发布会", EventDocument.ANSWER_BRIEF,
     "《实施意见》新闻发布会答问口径"),
]


@pytest.mark.parametrize("kind, topic, role, expected", TITLE_CASES)
def test_title_names_kind_once(office, kind, topic, role, expected):
    draft = create(office, office.event(kind=kind, topic=topic), role)

    assert draft.title == expected


@pytest.mark.parametrize("topic", ["2026年春运新闻发布会", "第三场新闻发布会（春运专场）",
                                   "新闻发布会：春运安排", "春运安排"])
def test_texts_name_kind_once(office, topic):
    event = office.event(topic=topic)

    for role in (EventDocument.PLAN, EventDocument.ANSWER_BRIEF, EventDocument.PRESS_RELEASE,
                 EventDocument.ACTIVITY_INFO):
        draft = create(office, event, role)
        intro = bodies(office, draft.id)["intro"].splitlines()[0]
        assert intro.count("新闻发布会") == 1, (role, intro)
        assert draft.title.count("新闻发布会") == 1, (role, draft.title)


def test_release_lead_for_topic_naming_kind(office):
    event = office.event(topic="第三场新闻发布会（春运专场）")

    draft = create(office, event, EventDocument.PRESS_RELEASE)

    assert bodies(office, draft.id)["intro"].startswith(
        "2026年12月8日，四川省交通运输厅举行第三场新闻发布会（春运专场），陈静、王强介绍有关情况")


def test_generic_questions_use_topic_without_kind(office):
    event = office.event(topic="2026年春运新闻发布会", policy_id=None)

    draft = create(office, event, EventDocument.ANSWER_BRIEF)

    titles = [s.title for s in drafts.list_sections(office.session, draft.id)]
    assert "请介绍一下2026年春运的有关情况。" in titles


@pytest.mark.parametrize("topic, subject, names_kind", [
    ("2026年春运新闻发布会", "2026年春运", False),
    ("关于春运安排的新闻发布会", "关于春运安排", False),
    ("新闻发布会——春运安排", "春运安排", False),
    ("新闻发布会", "新闻发布会", True),
    ("新闻发布会议程", "新闻发布会议程", True),
    ("春运安排", "春运安排", False),
])
def test_split_topic(topic, subject, names_kind):
    parts = split_topic(topic, ("新闻发布会", "发布会"))

    assert parts.subject == subject
    assert parts.names_kind == names_kind


def test_document_title_without_named_pattern_drops_kind():
    title = document_title("“{topic}”{kind}工作方案", "", topic="第三场新闻发布会（春运专场）",
                           kind_names=("新闻发布会",))

    assert title == "“第三场新闻发布会（春运专场）”工作方案"


def test_inside_quotes_alternates_marks():
    assert inside_quotes("“交通强省”与‘四好农村路’") == "‘交通强省’与“四好农村路”"


# --- Word marks ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, mark, expected", [
    ("答：加强平台建设。", "答", "加强平台建设。"),
    ("答:加强平台建设。", "答", "加强平台建设。"),
    ("  答 ：加强平台建设。", "答", "加强平台建设。"),
    ("\u3000答：加强平台建设。", "答", "加强平台建设。"),
    ("答题要点：加强平台建设。", "答", "答题要点：加强平台建设。"),
    ("回答：加强平台建设。", "答", "回答：加强平台建设。"),
    ("问：为什么出台？", "问", "为什么出台？"),
    ("依据：二、（三）", "依据", "二、（三）"),
])
def test_strip_mark(text, mark, expected):
    assert strip_mark(text, mark) == expected


def word_lines(kind: DraftKind, section: DraftSectionContent) -> list[str]:
    doc = DraftDocument(kind=kind, title="标题", sections=[section], issuer="四川省交通运输厅")
    return [p.text for p in Document(BytesIO(render_docx(doc))).paragraphs if p.text]


@pytest.mark.parametrize("body", ["答：加强平台建设。", "答:加强平台建设。", "  答：加强平台建设。",
                                  "加强平台建设。"])
def test_answer_brief_word_prints_answer_mark_once(body):
    section = DraftSectionContent(key="q1", title="如何加强平台建设？", body=body,
                                  source_ref="依据：二、（三）", tier="must",
                                  key_points="答题要点：平台建设", avoid_phrasing="避免的表述：史上最严")

    lines = word_lines(DraftKind.ANSWER_BRIEF, section)

    assert "答：加强平台建设。" in lines
    assert "依据：二、（三）" in lines
    assert "答题要点：平台建设" in lines
    assert "避免的表述：史上最严" in lines
    assert not any("答：答" in line or "答：  答" in line for line in lines)


@pytest.mark.parametrize("title", ["问：如何加强平台建设？", "问:如何加强平台建设？",
                                   "如何加强平台建设？"])
def test_qa_word_prints_question_mark_once(title):
    section = DraftSectionContent(key="q1", title=title, body="答：加强平台建设。")

    lines = word_lines(DraftKind.QA, section)

    assert "问：如何加强平台建设？" in lines
    assert "答：加强平台建设。" in lines


def test_interpretation_body_keeps_leading_answer_word():
    section = DraftSectionContent(key="background", title="出台背景", body="答:复函已印发。")

    lines = word_lines(DraftKind.INTERPRETATION, section)

    assert "答:复函已印发。" in lines


def test_qa_typed_marks_round_trip_unchanged(session, actor):
    # A question and answer typed with their own 问：/答： export with one mark each, and the
    # untouched file imports as unchanged.
    from planner.services.roundtrip import SectionStatus, import_docx
    from tests.test_services import import_sichuan

    policy = import_sichuan(session, actor)
    draft = drafts.create_from_policy(session, actor=actor, policy_id=policy.id,
                                      kind=DraftKind.QA, disclosure=Disclosure.PUBLIC)
    section = drafts.list_sections(session, draft.id)[1]
    question = section.title
    drafts.save_section(session, actor=actor, section_id=section.id,
                        title="问：" + question, body="答：" + section.body,
                        base_version=section.version)
    session.commit()
    _, data = drafts.export_docx(session, draft.id, actor=actor)
    session.commit()

    lines = [p.text for p in Document(BytesIO(data)).paragraphs if p.text]
    report = import_docx(session, actor=actor, draft_id=draft.id, data=data,
                         file_name="未改动.docx")

    assert "问：" + question in lines
    assert not any(line.startswith(("问：问：", "答：答：")) for line in lines)
    assert {s.status for s in report.sections} == {SectionStatus.UNCHANGED}
