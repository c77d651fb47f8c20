"""Word output: the shipped templates, drafts rendered through them, the GB/T 9704 check.

Rendered files are reopened with python-docx and their XML read back: page and margins in
twips, the document grid, East Asian fonts and sizes of the styles, the page-number
fields in the two footers, and the text in order.
"""

import importlib.util
import io
import re
import time
import zipfile
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn

from planner.documents.structure import DraftDocument, DraftSectionContent
from planner.documents.templates import default_template_dir, load_template_spec
from planner.documents.word import (SignatureIndents, check_gbt9704, cn_numeral,
                                    normalise_doc_number, render_docx, signature_indents,
                                    split_paragraphs)
from planner.errors import InvalidInput

FIXTURES = Path(__file__).parent / "fixtures"
SICHUAN = FIXTURES / "sichuan-transport-2014-disclosure-opinions.txt"
QA_EXAMPLE = (FIXTURES
              / "J02_renshebu-fuzeren_shiye-danwei-gongzuorenyuan-kaohe-guiding_dajizhewen.txt")
D04 = FIXTURES / "D04_guanli-banfa-gongzuo-tiaoli_gongwen-template_v20220109.docx"
TEMPLATES = default_template_dir()
KINDS = ["interpretation", "qa"]


def interpretation_draft(**overrides) -> DraftDocument:
    fields = dict(
        kind="interpretation",
        title="关于《某某厅关于加强政务公开工作的实施意见》的政策解读",
        issuer="某某厅",
        doc_number="某交发[2014]007号",
        date=date(2014, 1, 10),
        sections=[
            DraftSectionContent("background", "出台背景", "第一段背景。\n\n　　第二段背景。",
                                source_ref="开头部分"),
            DraftSectionContent("content", "主要内容", "《实施意见》共两个部分。"),
            DraftSectionContent("measures", "主要措施",
                                "（一）加强平台建设。一是加强网站建设。\n(二)完善保障措施。要保障经费。"),
            DraftSectionContent("public_impact", "对公众的影响", 'A<b>&"公众"\'</b>'),
        ],
    )
    fields.update(overrides)
    return DraftDocument(**fields)


def qa_draft(**overrides) -> DraftDocument:
    fields = dict(
        kind="qa",
        title="某某厅有关负责人就《某某厅关于加强政务公开工作的实施意见》答记者问",
        issuer="某某厅",
        date=date(2014, 1, 10),
        sections=[
            DraftSectionContent("intro", "导语", "2014年1月10日，某某厅印发了《实施意见》。"),
            DraftSectionContent("background", "为什么要出台《实施意见》？", "为贯彻落实上级要求。",
                                source_ref="开头部分"),
            DraftSectionContent("part_2", "《实施意见》在健全工作机制方面提出了哪些要求？",
                                "一是完善主动发布机制。\n二是建立政策解读机制。",
                                source_ref="二、（三）"),
            DraftSectionContent("implementation", "如何抓好贯彻落实？", "", source_ref=""),
        ],
    )
    fields.update(overrides)
    return DraftDocument(**fields)


def reopen(docx_bytes: bytes):
    return Document(io.BytesIO(docx_bytes))


def part_xml(docx_bytes: bytes, name: str) -> str:
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as archive:
        return archive.read(name).decode("utf-8")


def texts(document, style_id: str | None = None) -> list[str]:
    return [p.text for p in document.paragraphs
            if style_id is None or p.style.style_id == style_id]


def style_fonts(document, style_id: str) -> dict[str, str]:
    style = next(s for s in document.styles if s.style_id == style_id)
    fonts = style.element.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
    return {slot: fonts.get(qn(f"w:{slot}")) for slot in ("eastAsia", "ascii", "hAnsi")}


def style_size(document, style_id: str) -> str:
    style = next(s for s in document.styles if s.style_id == style_id)
    return style.element.find(f"{qn('w:rPr')}/{qn('w:sz')}").get(qn("w:val"))


@pytest.fixture(scope="module")
def interpretation_docx() -> bytes:
    return render_docx(interpretation_draft())


@pytest.fixture(scope="module")
def qa_docx() -> bytes:
    return render_docx(qa_draft())


@pytest.fixture(params=KINDS)
def rendered(request, interpretation_docx, qa_docx) -> bytes:
    return {"interpretation": interpretation_docx, "qa": qa_docx}[request.param]


# --- the shipped templates (python-docx only) --------------------------------------------

def load_build_script():
    spec = importlib.util.spec_from_file_location("build_templates",
                                                  TEMPLATES / "build_templates.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("kind", KINDS)
def test_build_templates_reproduces_the_committed_file(kind):
    script = load_build_script()
    build = {"interpretation": script.build_interpretation, "qa": script.build_qa}[kind]

    document = script.new_document(build.__doc__.strip())
    build(document)

    assert script.reproducible_bytes(document) == (TEMPLATES / f"{kind}.docx").read_bytes()


@pytest.mark.parametrize("kind", KINDS)
def test_check_gbt9704_accepts_the_shipped_template(kind):
    data = (TEMPLATES / f"{kind}.docx").read_bytes()

    assert check_gbt9704(data, allow_placeholders=True) == []


@pytest.mark.parametrize("kind", KINDS)
def test_check_gbt9704_flags_placeholders_left_in_a_template(kind):
    problems = check_gbt9704((TEMPLATES / f"{kind}.docx").read_bytes())

    assert problems == ["文档中还有未替换的模板占位符：“{{ title }}”。请检查模板中的占位符名称是否拼写正确。"]


@pytest.mark.parametrize("kind, template, sections", [
    ("interpretation", "interpretation.docx",
     ["background", "necessity", "content", "measures", "public_impact"]),
    ("qa", "qa.docx", ["intro", "background", "significance", "content", "part", "implementation"]),
])
def test_load_template_spec_reads_the_section_list(kind, template, sections):
    spec = load_template_spec(kind)

    assert spec.template == template
    assert spec.path == TEMPLATES / template
    assert [s.key for s in spec.sections] == sections
    assert all(s.title and s.hint for s in spec.sections)


def test_load_template_spec_unknown_kind_names_it():
    with pytest.raises(InvalidInput) as caught:
        load_template_spec("speech_text")

    assert caught.value.key == "documents.word.kind_unknown"
    assert "speech_text" in caught.value.message


def test_check_gbt9704_reports_d04_dash_format_page_numbers():
    # D04 numbers its pages with Word's "- 1 -" format (pgNumType numberInDash) instead of
    # 一字线 around a PAGE field; everything else in it follows the standard.
    problems = check_gbt9704(D04.read_bytes(), allow_placeholders=True)

    assert len(problems) == 2
    assert problems[0].startswith("奇数页页脚中没有“— 1 —”形式的页码")
    assert problems[1].startswith("偶数页页脚中没有“— 1 —”形式的页码")


def test_check_gbt9704_reports_a_plain_python_docx_file():
    document = Document()
    document.add_paragraph("标题")
    document.styles["Normal"].font.name = "仿宋_GB2312"  # sets the Latin font only
    out = io.BytesIO()
    document.save(out)

    problems = check_gbt9704(out.getvalue())

    assert "纸张为 215.9×279.4 毫米，应为 A4（210×297 毫米）。请在“布局—纸张大小”中改为 A4。" in problems
    assert any(p.startswith("上页边距为 25.4 毫米，应为 37 毫米") for p in problems)
    assert any(p.startswith("正文（样式“Normal”）的中文字体为“theme:minorEastAsia”") for p in problems)
    assert any(p.startswith("页码没有区分奇偶页") for p in problems)


def test_check_gbt9704_unreadable_bytes_say_so():
    problems = check_gbt9704(b"not a word file")

    assert len(problems) == 1
    assert problems[0].startswith("无法读取该 Word 文件")


@pytest.mark.parametrize("raw, printed", [
    ("川办发〔2013〕81号", "川办发〔2013〕81号"),
    ("川办发[2013]081号", "川办发〔2013〕81号"),
    ("国办发（2018）123号", "国办发〔2018〕123号"),
    ("某交发【2014】007 号", "某交发〔2014〕7号"),
    ("川交函 [2014] 10号", "川交函〔2014〕10号"),
    ("", ""),
])
def test_normalise_doc_number_uses_hexagonal_brackets(raw, printed):
    assert normalise_doc_number(raw) == printed


@pytest.mark.parametrize("n, numeral", [(1, "一"), (9, "九"), (10, "十"), (11, "十一"),
                                        (20, "二十"), (56, "五十六")])
def test_cn_numeral_writes_heading_numbers(n, numeral):
    assert cn_numeral(n) == numeral


@pytest.mark.parametrize("body, expected", [
    ("一行", [("", "一行")]),
    ("第一段\n\n　　第二段\n", [("", "第一段"), ("", "第二段")]),
    ("（一）加强平台建设。要建网站。", [("（一）加强平台建设。", "要建网站。")]),
    ("(二)完善保障措施", [("（二）完善保障措施", "")]),
    ("（三）各单位要建立健全制度，做好工作。", [("", "（三）各单位要建立健全制度，做好工作。")]),
    ("", [("", "")]),
    ("含\x01控制符", [("", "含控制符")]),
    ("Word 的手动换行\x0b另起一段", [("", "Word 的手动换行"), ("", "另起一段")]),
])
def test_split_paragraphs_separates_lines_and_run_in_headings(body, expected):
    assert [(p.lead, p.text) for p in split_paragraphs(body)] == expected


@pytest.mark.parametrize("issuer, date_text, indents", [
    # 8 characters over a date 6.5 wide (half-width digits): the issuer 2 from the edge, the
    # date starting 2 right of it, so 8 − 2 − 6.5 = 1.5 characters from the edge.
    ("四川省交通运输厅", "2014年1月10日", SignatureIndents(200, 640, 150, 480)),
    # A date longer than the issuer: the date 2 from the edge, the issuer 6.5 + 4 − 6 = 4.5.
    ("国务院办公厅", "2018年12月7日", SignatureIndents(450, 1440, 200, 640)),
    ("某某厅", "", SignatureIndents(200, 640, 300, 960)),
])
def test_signature_indents_follow_gbt9704(issuer, date_text, indents):
    assert signature_indents(issuer, date_text) == indents


# --- rendered drafts (docxtpl) -----------------------------------------------------------

def test_render_docx_page_is_a4_with_gbt9704_margins(rendered):
    xml = part_xml(rendered, "word/document.xml")

    assert '<w:pgSz w:w="11906" w:h="16838"/>' in xml
    margins = re.search(r"<w:pgMar [^>]*/>", xml).group(0)
    assert 'w:top="2098"' in margins      # 37 mm
    assert 'w:left="1587"' in margins     # 28 mm
    assert 'w:right="1474"' in margins    # 26 mm
    assert 'w:bottom="1984"' in margins   # 35 mm


def test_render_docx_page_size_in_emu(rendered):
    section = reopen(rendered).sections[0]

    assert (section.page_width, section.page_height) == (7560310, 10692130)
    assert (section.top_margin, section.left_margin) == (1332230, 1007745)
    assert (section.right_margin, section.bottom_margin) == (935990, 1259840)


def test_render_docx_grid_22_by_28(rendered):
    xml = part_xml(rendered, "word/document.xml")
    grid = re.search(r"<w:docGrid [^>]*/>", xml).group(0)

    assert 'w:type="linesAndChars"' in grid
    assert 'w:linePitch="579"' in grid
    assert 'w:charSpace="-842"' in grid


@pytest.mark.parametrize("style_id, east_asia, size", [
    ("Title", "方正小标宋简体", "44"),
    ("Normal", "仿宋_GB2312", "32"),
    ("Heading1", "黑体", "32"),
    ("Heading2", "楷体_GB2312", "32"),
    ("Heading2Char", "楷体_GB2312", "32"),
    ("Question", "黑体", "32"),
    ("Footer", "宋体", "28"),
])
def test_render_docx_styles_set_east_asian_fonts(rendered, style_id, east_asia, size):
    document = reopen(rendered)

    fonts = style_fonts(document, style_id)
    assert fonts == {"eastAsia": east_asia, "ascii": east_asia, "hAnsi": east_asia}
    assert style_size(document, style_id) == size


def test_render_docx_body_line_pitch(rendered):
    styles = part_xml(rendered, "word/styles.xml")
    normal = re.search(r'<w:style [^>]*w:styleId="Normal".*?</w:style>', styles).group(0)

    assert 'w:line="579"' in normal
    assert 'w:lineRule="exact"' in normal
    assert 'w:firstLineChars="200"' in normal
    assert '<w:jc w:val="both"/>' in normal


def test_render_docx_title_is_centred(rendered):
    styles = part_xml(rendered, "word/styles.xml")
    title = re.search(r'<w:style [^>]*w:styleId="Title".*?</w:style>', styles).group(0)

    assert '<w:jc w:val="center"/>' in title


def test_render_docx_footer_page_fields(rendered):
    document = reopen(rendered)
    section = document.sections[0]

    assert document.settings.odd_and_even_pages_header_footer is True
    odd, even = section.footer.paragraphs[0], section.even_page_footer.paragraphs[0]
    for footer in (odd, even):
        xml = footer._p.xml
        assert footer.text == "— 1 —"
        assert re.search(r"<w:instrText[^>]*> PAGE </w:instrText>", xml)
        assert xml.count("<w:fldChar ") == 3
    assert odd.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert even.alignment == WD_ALIGN_PARAGRAPH.LEFT


def test_render_docx_passes_the_layout_check(rendered):
    assert check_gbt9704(rendered) == []


def test_render_docx_leaves_no_placeholders(rendered):
    for name in ("word/document.xml", "word/footer1.xml", "word/footer2.xml"):
        xml = part_xml(rendered, name)
        assert "{{" not in xml
        assert "{%" not in xml


def test_render_docx_is_deterministic():
    assert render_docx(interpretation_draft()) == render_docx(interpretation_draft())


def test_render_docx_interpretation_text_in_order(interpretation_docx):
    document = reopen(interpretation_docx)

    assert texts(document) == [
        "关于《某某厅关于加强政务公开工作的实施意见》的政策解读",
        "某交发〔2014〕7号",
        "一、出台背景",
        "第一段背景。",
        "第二段背景。",
        "二、主要内容",
        "《实施意见》共两个部分。",
        "三、主要措施",
        "（一）加强平台建设。一是加强网站建设。",
        "（二）完善保障措施。要保障经费。",
        "四、对公众的影响",
        'A<b>&"公众"\'</b>',
        "某某厅",
        "2014年1月10日",
    ]


def test_render_docx_interpretation_paragraph_styles(interpretation_docx):
    document = reopen(interpretation_docx)

    assert texts(document, "Title") == ["关于《某某厅关于加强政务公开工作的实施意见》的政策解读"]
    assert texts(document, "Heading1") == ["一、出台背景", "二、主要内容", "三、主要措施",
                                           "四、对公众的影响"]
    assert texts(document, "Signature") == ["某某厅"]
    assert texts(document, "SignatureDate") == ["2014年1月10日"]


def test_render_docx_signature_indents(interpretation_docx):
    document = reopen(interpretation_docx)

    issuer = next(p for p in document.paragraphs if p.style.style_id == "Signature")
    day = next(p for p in document.paragraphs if p.style.style_id == "SignatureDate")
    issuer_ind = issuer._p.pPr.find(qn("w:ind"))
    day_ind = day._p.pPr.find(qn("w:ind"))
    # 某某厅 (3) is shorter than 2014年1月10日 (6.5): date 2 from the edge, issuer 7.5.
    assert (issuer_ind.get(qn("w:rightChars")), issuer_ind.get(qn("w:right"))) == ("750", "2400")
    assert (day_ind.get(qn("w:rightChars")), day_ind.get(qn("w:right"))) == ("200", "640")


def test_render_docx_run_in_heading_style(interpretation_docx):
    document = reopen(interpretation_docx)
    paragraph = next(p for p in document.paragraphs if p.text.startswith("（二）"))

    assert paragraph.runs[0].text == "（二）完善保障措施。"
    assert paragraph.runs[0].style.style_id == "Heading2Char"
    assert paragraph.runs[1].text == "要保障经费。"
    assert paragraph.runs[1].style.style_id == "DefaultParagraphFont"


def test_render_docx_markup_in_text_renders_literally(interpretation_docx):
    xml = part_xml(interpretation_docx, "word/document.xml")

    assert "&lt;b&gt;&amp;" in xml
    assert "<b>" not in xml


def test_render_docx_without_signature():
    document = reopen(render_docx(interpretation_draft(issuer="", date=None, doc_number="")))

    assert texts(document)[1] == "一、出台背景"
    assert texts(document)[-1] == 'A<b>&"公众"\'</b>'


def test_render_docx_qa_pairs_questions_answers_and_basis(qa_docx):
    document = reopen(qa_docx)

    assert texts(document) == [
        "某某厅有关负责人就《某某厅关于加强政务公开工作的实施意见》答记者问",
        "2014年1月10日，某某厅印发了《实施意见》。",
        "问：为什么要出台《实施意见》？",
        "答：为贯彻落实上级要求。",
        "依据：开头部分",
        "问：《实施意见》在健全工作机制方面提出了哪些要求？",
        "答：一是完善主动发布机制。",
        "二是建立政策解读机制。",
        "依据：二、（三）",
        "问：如何抓好贯彻落实？",
        "答：",
    ]


def test_render_docx_qa_styles_questions_and_answer_marks(qa_docx):
    document = reopen(qa_docx)

    assert texts(document, "Question") == [
        "问：为什么要出台《实施意见》？",
        "问：《实施意见》在健全工作机制方面提出了哪些要求？",
        "问：如何抓好贯彻落实？",
    ]
    assert texts(document, "Basis") == ["依据：开头部分", "依据：二、（三）"]
    answer = next(p for p in document.paragraphs if p.text.startswith("答："))
    marker = next(run for run in answer.runs if run.text)
    assert marker.text == "答："
    assert marker.style.style_id == "AnswerMarker"


def test_render_docx_published_qa_keeps_its_six_pairs():
    lines = QA_EXAMPLE.read_text(encoding="utf-8").splitlines()
    pairs = [(q[2:], a[2:]) for q, a in zip(lines, lines[1:])
             if q.startswith("问：") and a.startswith("答：")]
    sections = [DraftSectionContent("intro", "导语", lines[1])]
    sections += [DraftSectionContent(f"q{i}", q, a) for i, (q, a) in enumerate(pairs)]

    rendered = render_docx(DraftDocument(kind="qa", title=lines[0], sections=sections))

    shown = texts(reopen(rendered))
    assert shown[0] == "人力资源社会保障部相关负责人就《事业单位工作人员考核规定》答记者问"
    assert len(texts(reopen(rendered), "Question")) == 6
    assert shown[2] == "问：为什么要制定《考核规定》？"
    assert shown[3].startswith("答：1995年，原人事部印发《事业单位工作人员考核暂行规定》")
    assert shown[-1].startswith("答：关于《考核规定》的学习贯彻")
    assert check_gbt9704(rendered) == []


def test_render_docx_office_template_dir_overrides_the_shipped_one(tmp_path):
    office = Document(io.BytesIO((TEMPLATES / "qa.docx").read_bytes()))
    office.paragraphs[0].insert_paragraph_before("某某厅文件")  # the office's 红头
    office.save(tmp_path / "qa.docx")

    document = reopen(render_docx(qa_draft(), template_dir=tmp_path))

    assert texts(document)[:2] == [
        "某某厅文件", "某某厅有关负责人就《某某厅关于加强政务公开工作的实施意见》答记者问"]


def test_render_docx_office_dir_without_the_template_names_the_file(tmp_path):
    with pytest.raises(InvalidInput) as caught:
        render_docx(qa_draft(), template_dir=tmp_path)

    assert caught.value.key == "documents.word.template_missing"
    assert "qa.docx" in caught.value.message
    assert str(tmp_path) in caught.value.message


def test_render_docx_broken_template_names_the_file(tmp_path):
    broken = Document(io.BytesIO((TEMPLATES / "qa.docx").read_bytes()))
    broken.add_paragraph("{{ title ")
    broken.save(tmp_path / "qa.docx")

    with pytest.raises(InvalidInput) as caught:
        render_docx(qa_draft(), template_dir=tmp_path)

    assert caught.value.key == "documents.word.template_broken"
    assert "qa.docx" in caught.value.message


def test_render_docx_unknown_kind_is_refused():
    with pytest.raises(InvalidInput) as caught:
        render_docx(qa_draft(kind="minutes"))

    assert caught.value.key == "documents.word.kind_unknown"


# --- the whole path on the real Sichuan policy --------------------------------------------

def sichuan_files() -> tuple[bytes, bytes]:
    from planner.documents.parsing import parse_policy_file
    from planner.documents.prefill import build_interpretation, build_qa

    policy = parse_policy_file(SICHUAN.name, SICHUAN.read_bytes())
    return render_docx(build_interpretation(policy)), render_docx(build_qa(policy))


def test_render_docx_sichuan_interpretation_end_to_end():
    interpretation, _ = sichuan_files()
    document = reopen(interpretation)

    assert texts(document, "Title") == ["关于《（请填写政策标题）》的政策解读"]
    assert texts(document, "Heading1") == ["一、出台背景", "二、出台的必要性和目的", "三、主要内容",
                                           "四、主要措施", "五、对公众的影响"]
    assert texts(document, "Signature") == ["四川省交通运输厅"]
    assert texts(document, "SignatureDate") == ["2014年1月10日"]
    assert check_gbt9704(interpretation) == []


def test_render_docx_sichuan_qa_end_to_end():
    _, qa = sichuan_files()
    document = reopen(qa)

    questions = texts(document, "Question")
    assert questions[0] == "问：为什么要出台《实施意见》？"
    assert "问：《实施意见》在加强平台建设方面提出了哪些要求？" in questions
    assert texts(document, "Basis")[-1] == "依据：三、"
    assert "依据：一、" in texts(document, "Basis")
    assert check_gbt9704(qa) == []


def test_render_docx_sichuan_whole_path_is_fast():
    sichuan_files()  # warm up: imports and the template cache

    started = time.process_time()
    sichuan_files()

    assert time.process_time() - started < 0.5
