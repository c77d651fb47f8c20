"""The press event's templates (发布会方案, 新闻通稿, 答问口径, 访谈预告, 文字实录, 重要政务活动信息):
rebuilt byte for byte by templates/build_templates.py, laid out per GB/T 9704-2012, and each
rendered with a sample context into a Word file that reopens and passes the layout check."""

from datetime import date
from io import BytesIO

import pytest
from docx import Document

from planner.documents.answer_brief import key_points
from planner.documents.structure import DraftDocument, DraftSectionContent
from planner.documents.templates import load_template_spec
from planner.documents.word import check_gbt9704, render_docx
from tests.test_office_templates import TEMPLATES, load_build_script

KINDS = {
    "press_plan": ["intro", "topic", "time", "place", "spokespeople", "host", "guests", "media",
                   "agenda", "materials", "duties", "monitoring", "sign_off"],
    "press_release": ["intro", "content", "answers", "attendance"],
    "answer_brief": ["intro", "overview", "public", "next_steps", "concerns"],
    "event_preview": ["intro", "topic", "guests", "time", "length", "watch", "questions"],
    "transcript": ["intro", "opening", "statements", "answers", "closing"],
    "activity_info": ["intro", "content", "attendance"],
}
ISSUER = "四川省交通运输厅"


def sample(kind: str) -> DraftDocument:
    """A document of `kind` with a body for every section of its list."""
    spec = load_template_spec(kind)
    sections = [DraftSectionContent(key=entry.key, title=entry.title.format(topic="政务公开工作",
                                                                            kind="新闻发布会"),
                                    body=f"{entry.title}的内容第一行。\n第二行。",
                                    source_ref="二、（三）" if kind == "answer_brief" else "",
                                    tier=entry.tier)
                for entry in spec.sections]
    return DraftDocument(kind=kind, title=f"{spec.name}样例", sections=sections, issuer=ISSUER,
                         date=date(2026, 12, 8))


def paragraphs(data: bytes) -> list[str]:
    return [p.text for p in Document(BytesIO(data)).paragraphs if p.text]


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

    assert spec.kind == kind
    assert spec.template == f"{kind}.docx"
    assert [section.key for section in spec.sections] == keys
    assert all(section.hint for section in spec.sections)


def test_answer_brief_generic_questions_have_tiers():
    spec = load_template_spec("answer_brief")

    assert [s.tier for s in spec.sections] == ["", "must", "likely", "likely", "reserve"]


@pytest.mark.parametrize("kind", KINDS)
def test_sample_renders_in_layout(kind):
    data = render_docx(sample(kind))

    text = paragraphs(data)
    assert text[0] == f"{load_template_spec(kind).name}样例"
    assert text[-2:] == [ISSUER, "2026年12月8日"]
    assert check_gbt9704(data) == []


@pytest.mark.parametrize("kind", ["press_plan", "event_preview"])
def test_sectioned_templates_number_headings(kind):
    text = paragraphs(render_docx(sample(kind)))

    spec = load_template_spec(kind)
    assert text[1] == "导语的内容第一行。"
    assert text[3] == f"一、{spec.sections[1].title}"
    assert f"二、{spec.sections[2].title}" in text


@pytest.mark.parametrize("kind", ["press_release", "transcript", "activity_info"])
def test_running_text_templates_have_no_headings(kind):
    text = paragraphs(render_docx(sample(kind)))

    spec = load_template_spec(kind)
    assert not any(line.endswith(entry.title) for line in text for entry in spec.sections[1:])
    assert text[1:5] == [f"{spec.sections[0].title}的内容第一行。", "第二行。",
                         f"{spec.sections[1].title}的内容第一行。", "第二行。"]


def test_answer_brief_shows_every_field():
    document = DraftDocument(kind="answer_brief", title="答问口径", issuer=ISSUER, sections=[
        DraftSectionContent("intro", "使用说明", "内部掌握，不对外公开。"),
        DraftSectionContent("q1", "为什么要出台《实施意见》？", "为贯彻落实上级要求。\n（一）加强平台建设。",
                            source_ref="开头部分", tier="must",
                            key_points="贯彻上级部署\n回应社会关切",
                            avoid_phrasing="不说“史上最严”\n不说“一刀切”"),
        DraftSectionContent("q2", "下一步有哪些安排？", "抓好落实。", tier="reserve"),
    ])

    data = render_docx(document)

    text = paragraphs(data)
    assert text[1:] == [
        "内部掌握，不对外公开。",
        "一、【必答】为什么要出台《实施意见》？",
        "答题要点：贯彻上级部署", "回应社会关切",
        "答：为贯彻落实上级要求。", "（一）加强平台建设。",
        "依据：开头部分",
        "避免的表述：不说“史上最严”", "不说“一刀切”",
        "二、【备答】下一步有哪些安排？",
        "答：抓好落实。",
        ISSUER,
    ]
    assert check_gbt9704(data) == []


def test_answer_brief_styles_questions_and_markers():
    document = Document(BytesIO(render_docx(sample("answer_brief"))))

    questions = [p for p in document.paragraphs if p.text.startswith("一、【必答】")]
    markers = [next(run for run in p.runs if run.text) for p in document.paragraphs
               if p.text.startswith("答：")]
    basis = [p for p in document.paragraphs if p.text.startswith("依据：")]
    assert questions[0].style.name == "问题"
    assert markers[0].text == "答："
    assert markers[0].style.name == "答问标记"
    assert basis[0].style.name == "答问依据"


def test_answer_brief_without_tier_omits_marker():
    document = DraftDocument(kind="answer_brief", title="答问口径", sections=[
        DraftSectionContent("q1", "问题甲？", "答复甲。")])

    text = paragraphs(render_docx(document))

    assert text[1:] == ["一、问题甲？", "答：答复甲。"]


@pytest.mark.parametrize("answer, points", [
    ("《实施意见》从三个方面作出部署：一是加强平台建设，建好网站；二是健全机制；三是完善保障。",
     ["加强平台建设", "健全机制", "完善保障"]),
    ("为贯彻落实上级要求，制定本意见。意见共三个部分。", ["为贯彻落实上级要求，制定本意见", "意见共三个部分"]),
    ("", []),
])
def test_key_points_from_answer(answer, points):
    assert key_points(answer).splitlines() == points


def test_key_points_cut_long_sentences():
    point = key_points("甲" * 60 + "。")

    assert point == "甲" * 40 + "……"
