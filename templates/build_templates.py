"""Build the shipped Word templates (interpretation.docx, qa.docx, the office's own
opinion_response, meeting_notice, meeting_minutes and opinion_report, and the press event's
press_plan, press_release, answer_brief, event_preview, transcript and activity_info) in
GB/T 9704-2012 layout.

Run from the repository root:  .venv/bin/python templates/build_templates.py

The templates hold docxtpl placeholders ({{ title }}, {%p for s in sections %} ...), and every
look is a named style, so office staff restyle a style in Word or WPS instead of each
paragraph. The layout numbers come from planner/documents/templates.py, which explains how
each one follows from the standard. The output is byte-for-byte reproducible: fixed document
properties and fixed zip timestamps.
"""

import io
import sys
from datetime import datetime, timezone
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, Twips

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # a script in templates/, not a module of the planner package

from planner.documents import templates as gb  # noqa: E402
from planner.documents.word import with_fixed_zip_times  # noqa: E402

OUT_DIR = Path(__file__).resolve().parent
FIXED_TIME = datetime(2024, 1, 1, tzinfo=timezone.utc)

# One character of 3号 type, in twips: indents "空二字" are 2 × 320.
BODY_CHAR_TWIPS = gb.BODY_PT * 20
PAGE_NUMBER_CHAR_TWIPS = gb.PAGE_NUMBER_PT * 20

# §7.5: the page number line sits 7 mm below the type area. Word measures the footer from the
# page's bottom edge to the bottom of the footer line, so with a line of exactly 14 pt the
# distance is 35 mm − 7 mm − 14 pt (4.94 mm) = 23.06 mm.
FOOTER_DISTANCE_TWIPS = gb.mm_to_twips(gb.MARGIN_BOTTOM_MM - 7) - gb.PAGE_NUMBER_PT * 20
HEADER_DISTANCE_MM = 15

STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"

# Not fixed by the standard: 35 pt between the lines of a 2号 title is the usual house value
# (the 28.95 pt body pitch leaves only 0.3 em between 22 pt lines).
TITLE_LINE_TWIPS = 35 * 20

KEEP_STYLES = {"Normal", "Title", "Subtitle", "Heading 1", "Heading 2", "Heading 3",
               "Heading 2 Char", "Header", "Footer", "Default Paragraph Font",
               "Normal Table", "No List", "Table Grid"}


def main() -> None:
    for name, build in (("interpretation.docx", build_interpretation),
                        ("qa.docx", build_qa),
                        ("opinion_response.docx", build_opinion_response),
                        ("meeting_notice.docx", build_meeting_notice),
                        ("meeting_minutes.docx", build_meeting_minutes),
                        ("opinion_report.docx", build_opinion_report),
                        ("press_plan.docx", build_press_plan),
                        ("press_release.docx", build_press_release),
                        ("answer_brief.docx", build_answer_brief),
                        ("event_preview.docx", build_event_preview),
                        ("transcript.docx", build_transcript),
                        ("activity_info.docx", build_activity_info)):
        document = new_document(build.__doc__.strip())
        build(document)
        (OUT_DIR / name).write_bytes(reproducible_bytes(document))
        print(f"wrote {OUT_DIR / name}")


# --- the document shell: page, styles, footers -------------------------------------------

def new_document(title: str):
    document = Document()  # python-docx's blank document: no paragraphs, one section
    drop_unused_parts(document)
    set_properties(document, title)
    set_page(document.sections[0])
    define_styles(document)
    add_page_numbers(document)
    return document


def drop_unused_parts(document) -> None:
    """Drop the thumbnail, custom XML and Word 2010 style effects of python-docx's blank
    document, because none of them describes these templates."""
    unused = {STYLES_WITH_EFFECTS, RT.CUSTOM_XML}
    for rId, rel in list(document.part.rels.items()):
        if rel.reltype in unused:
            document.part.drop_rel(rId)
    package_rels = document.part.package.rels
    for rId, rel in list(package_rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            package_rels.pop(rId)


def set_properties(document, title: str) -> None:
    props = document.core_properties
    props.title = title
    props.author = ""
    props.last_modified_by = ""
    props.comments = "GB/T 9704-2012"
    props.created = FIXED_TIME
    props.modified = FIXED_TIME
    props.revision = 1

    settings = document.settings
    settings.odd_and_even_pages_header_footer = True  # w:evenAndOddHeaders: outer-edge page numbers
    font_lang = settings.element.find(qn("w:themeFontLang"))
    if font_lang is not None:
        font_lang.set(qn("w:eastAsia"), "zh-CN")


def set_page(section) -> None:
    section.page_width = Mm(gb.PAGE_WIDTH_MM)
    section.page_height = Mm(gb.PAGE_HEIGHT_MM)
    section.top_margin = Mm(gb.MARGIN_TOP_MM)
    section.bottom_margin = Mm(gb.MARGIN_BOTTOM_MM)
    section.left_margin = Mm(gb.MARGIN_LEFT_MM)
    section.right_margin = Mm(gb.MARGIN_RIGHT_MM)
    section.header_distance = Mm(HEADER_DISTANCE_MM)
    section.footer_distance = Twips(FOOTER_DISTANCE_TWIPS)
    section.gutter = 0

    # §5.2.4: 22 lines of 28 characters, laid out on a document grid of that size.
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(gb.LINE_PITCH_TWIPS))
    grid.set(qn("w:charSpace"), str(gb.CHAR_SPACE))


def define_styles(document) -> None:
    styles = document.styles
    prune_styles(styles)
    set_doc_defaults(styles)

    body = paragraph_style(styles["Normal"], gb.FONT_BODY, gb.BODY_PT, first_line_chars=2)
    body.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY

    title = paragraph_style(styles["Title"], gb.FONT_TITLE, gb.TITLE_PT, first_line_chars=0,
                            line_twips=TITLE_LINE_TWIPS)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Twips(gb.LINE_PITCH_TWIPS)  # §7.3.3: 标题下空一行

    subtitle = paragraph_style(styles["Subtitle"], gb.FONT_HEADING_2, gb.BODY_PT,
                               first_line_chars=0)
    subtitle.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    subtitle.paragraph_format.space_after = Twips(gb.LINE_PITCH_TWIPS)

    for name, font, level in (("Heading 1", gb.FONT_HEADING_1, 0),
                              ("Heading 2", gb.FONT_HEADING_2, 1),
                              ("Heading 3", gb.FONT_BODY, 2)):
        heading = paragraph_style(styles[name], font, gb.BODY_PT, first_line_chars=2)
        heading.paragraph_format.keep_with_next = True
        set_outline_level(heading, level)

    define_run_in_heading(styles)
    define_custom_styles(styles)
    define_footer_style(styles["Footer"])
    paragraph_style(styles["Header"], gb.FONT_BODY, gb.PAGE_NUMBER_PT, first_line_chars=0)


def define_run_in_heading(styles) -> None:
    """（一） headings often run into their paragraph ("（一）加强平台建设。各单位要……"):
    the heading part takes this character style, linked to Heading 2 so one edit restyles both."""
    char_style = styles["Heading 2 Char"]
    char_style.name = "标题 2 字符"
    reset_properties(char_style)
    set_font(char_style, gb.FONT_HEADING_2, gb.BODY_PT)


def define_custom_styles(styles) -> None:
    question = paragraph_style(add_style(styles, "Question", "问题"), gb.FONT_HEADING_1,
                               gb.BODY_PT, first_line_chars=2)
    question.paragraph_format.keep_with_next = True

    paragraph_style(add_style(styles, "Basis", "答问依据"), gb.FONT_HEADING_2, gb.BODY_PT,
                    first_line_chars=2)

    number = paragraph_style(add_style(styles, "DocNumber", "发文字号"), gb.FONT_BODY,
                             gb.BODY_PT, first_line_chars=0)
    number.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    number.paragraph_format.space_after = Twips(gb.LINE_PITCH_TWIPS)

    # §7.3.5.2 (no seal): the issuer one line below the body, two characters from the right
    # edge, and the date on the next line. The right indents here are defaults for staff;
    # the rendered paragraphs get indents computed from both lengths (see add_signature).
    issuer = paragraph_style(add_style(styles, "Signature", "发文机关署名"), gb.FONT_BODY,
                             gb.BODY_PT, first_line_chars=0)
    issuer.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    issuer.paragraph_format.space_before = Twips(gb.LINE_PITCH_TWIPS)
    set_right_indent_chars(issuer, 2)

    day = paragraph_style(add_style(styles, "SignatureDate", "成文日期"), gb.FONT_BODY,
                          gb.BODY_PT, first_line_chars=0)
    day.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    set_right_indent_chars(day, 4)

    marker = add_style(styles, "AnswerMarker", "答问标记", WD_STYLE_TYPE.CHARACTER)
    set_font(marker, gb.FONT_HEADING_1, gb.BODY_PT)


def define_footer_style(footer) -> None:
    # §7.5: page numbers in 4号 宋体, on exact 14 pt lines so FOOTER_DISTANCE_TWIPS is right.
    paragraph_style(footer, gb.FONT_PAGE_NUMBER, gb.PAGE_NUMBER_PT, first_line_chars=0,
                    line_twips=gb.PAGE_NUMBER_PT * 20)
    ppr = footer.element.get_or_add_pPr()
    snap = OxmlElement("w:snapToGrid")
    snap.set(qn("w:val"), "0")  # keep the footer off the body's 28.95 pt grid
    ppr.insert(0, snap)


def add_page_numbers(document) -> None:
    """§7.5: "— N —" at the outer edge, one character in: odd pages right, even pages left."""
    section = document.sections[0]
    odd = section.footer.paragraphs[0]
    odd.style = document.styles["Footer"]
    odd.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    odd.paragraph_format.right_indent = Twips(PAGE_NUMBER_CHAR_TWIPS)
    add_page_field(odd)

    even = section.even_page_footer.paragraphs[0]
    even.style = document.styles["Footer"]
    even.alignment = WD_ALIGN_PARAGRAPH.LEFT
    even.paragraph_format.left_indent = Twips(PAGE_NUMBER_CHAR_TWIPS)
    add_page_field(even)


def add_page_field(paragraph) -> None:
    paragraph.add_run("— ")
    field_char(paragraph.add_run(), "begin")
    instruction = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = " PAGE "
    paragraph.add_run()._r.append(instruction)
    field_char(paragraph.add_run(), "separate")
    paragraph.add_run("1")
    field_char(paragraph.add_run(), "end")
    paragraph.add_run(" —")


def field_char(run, kind: str) -> None:
    element = OxmlElement("w:fldChar")
    element.set(qn("w:fldCharType"), kind)
    run._r.append(element)


# --- style helpers ------------------------------------------------------------------------

def prune_styles(styles) -> None:
    """Keep only the styles these templates use, so staff see a short style list and no
    leftover style pulls in a theme (Latin) font. Links to removed styles go too."""
    for style in list(styles):
        if style.name not in KEEP_STYLES:
            style.element.getparent().remove(style.element)
    kept_ids = {style.style_id for style in styles}
    for style in styles:
        link = style.element.find(qn("w:link"))
        if link is not None and link.get(qn("w:val")) not in kept_ids:
            style.element.remove(link)


def set_doc_defaults(styles) -> None:
    """Set the document defaults to the body font and size, so text outside any style and
    the w:charSpace base (the default size) are 3号 仿宋."""
    defaults = styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for child in list(rpr):
        rpr.remove(child)
    rpr.append(fonts_element(gb.FONT_BODY))
    rpr.append(size_element("w:sz", gb.BODY_PT))
    rpr.append(size_element("w:szCs", gb.BODY_PT))
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    lang.set(qn("w:bidi"), "ar-SA")
    rpr.append(lang)

    ppr_default = defaults.find(qn("w:pPrDefault"))
    if ppr_default is not None:
        defaults.remove(ppr_default)


def add_style(styles, style_id: str, name: str, kind=WD_STYLE_TYPE.PARAGRAPH):
    style = styles.add_style(name, kind)
    style.element.set(qn("w:styleId"), style_id)
    style.base_style = styles["Normal"] if kind == WD_STYLE_TYPE.PARAGRAPH else None
    style.quick_style = True
    return style


def paragraph_style(style, font: str, size_pt: int, *, first_line_chars: int,
                    line_twips: int = gb.LINE_PITCH_TWIPS):
    """Give `style` exactly these properties: font, size, exact line spacing, no space
    before or after, and a first-line indent in characters (0 for none)."""
    reset_properties(style)
    set_font(style, font, size_pt)
    fmt = style.paragraph_format
    fmt.line_spacing = Twips(line_twips)  # a Length here means w:lineRule="exact"
    fmt.space_before = 0
    fmt.space_after = 0
    set_first_line_chars(style, first_line_chars)
    return style


def reset_properties(style) -> None:
    for tag in ("w:pPr", "w:rPr"):
        existing = style.element.find(qn(tag))
        if existing is not None:
            style.element.remove(existing)


def set_font(style, font: str, size_pt: int) -> None:
    """python-docx's font.name sets only w:ascii and w:hAnsi; Chinese text takes w:eastAsia."""
    rpr = style.element.get_or_add_rPr()
    rpr.insert(0, fonts_element(font))
    style.font.size = Pt(size_pt)
    rpr.sz.addnext(size_element("w:szCs", size_pt))  # the size for complex scripts


def fonts_element(font: str):
    fonts = OxmlElement("w:rFonts")
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), font)
    return fonts


def size_element(tag: str, size_pt: int):
    element = OxmlElement(tag)
    element.set(qn("w:val"), str(size_pt * 2))  # half-points
    return element


def set_first_line_chars(style, chars: int) -> None:
    """Set the indent as w:firstLineChars (hundredths of a character), which follows the
    font size when staff change it, and as w:firstLine in twips for other readers."""
    ind = indent_element(style)
    ind.set(qn("w:firstLineChars"), str(chars * 100))
    ind.set(qn("w:firstLine"), str(chars * BODY_CHAR_TWIPS))


def set_right_indent_chars(style, chars: int) -> None:
    ind = indent_element(style)
    ind.set(qn("w:rightChars"), str(chars * 100))
    ind.set(qn("w:right"), str(chars * BODY_CHAR_TWIPS))


def indent_element(style):
    ppr = style.element.get_or_add_pPr()
    ind = ppr.find(qn("w:ind"))
    if ind is None:
        ind = ppr._add_ind()
    return ind


def set_outline_level(style, level: int) -> None:
    ppr = style.element.get_or_add_pPr()
    outline = OxmlElement("w:outlineLvl")
    outline.set(qn("w:val"), str(level))
    ppr.append(outline)


# --- the two templates --------------------------------------------------------------------

def build_interpretation(document) -> None:
    """政策解读"""
    add_heading_block(document)
    # The 发文字号 of the policy being explained, centred under the title.
    tag(document, "{%p if doc_number %}")
    document.add_paragraph("{{ doc_number }}", style="发文字号")
    tag(document, "{%p endif %}")
    tag(document, "{%p for s in sections %}")
    document.add_paragraph("{{ s.number }}{{ s.title }}", style="Heading 1")
    add_body_loop(document, "s.paragraphs")
    tag(document, "{%p endfor %}")

    add_signature(document)


def add_signature(document) -> None:
    """Add the issuer and date lines, each with a right indent the renderer computes from
    the lengths of both (planner.documents.word.signature_indents), as §7.3.5.2 places them."""
    tag(document, "{%p if issuer %}")
    issuer = document.add_paragraph("{{ issuer }}", style="发文机关署名")
    indent_placeholder(issuer, "signature.issuer")
    tag(document, "{%p endif %}")
    tag(document, "{%p if date %}")
    day = document.add_paragraph("{{ date }}", style="成文日期")
    indent_placeholder(day, "signature.date")
    tag(document, "{%p endif %}")


def indent_placeholder(paragraph, name: str) -> None:
    """Give the paragraph a right indent whose values are docxtpl placeholders."""
    ind = paragraph._p.get_or_add_pPr().get_or_add_ind()
    ind.set(qn("w:rightChars"), f"{{{{ {name}_chars }}}}")
    ind.set(qn("w:right"), f"{{{{ {name}_twips }}}}")


def build_qa(document) -> None:
    """答记者问"""
    add_heading_block(document)
    add_body_loop(document, "intro")
    tag(document, "{%p for s in sections %}")
    question = document.add_paragraph(style="问题")
    question.add_run("问：")
    question.add_run("{{ s.title }}")

    tag(document, "{%p for p in s.paragraphs %}")
    answer = document.add_paragraph(style="Normal")
    answer.add_run("{%r if loop.first %}")
    answer.add_run("答：", style="答问标记")
    answer.add_run("{%r endif %}")
    add_lead_and_text(answer)
    tag(document, "{%p endfor %}")

    tag(document, "{%p if s.source_ref %}")
    document.add_paragraph("依据：{{ s.source_ref }}", style="答问依据")
    tag(document, "{%p endif %}")
    tag(document, "{%p endfor %}")


def build_opinion_response(document) -> None:
    """舆情回应稿"""
    build_sectioned(document)


def build_meeting_notice(document) -> None:
    """会议通知"""
    build_sectioned(document)


def build_meeting_minutes(document) -> None:
    """会议纪要"""
    build_sectioned(document)


def build_opinion_report(document) -> None:
    """舆情监测报告"""
    build_sectioned(document)


def build_press_plan(document) -> None:
    """发布会方案"""
    build_sectioned(document)


def build_event_preview(document) -> None:
    """访谈预告"""
    build_sectioned(document)


def build_press_release(document) -> None:
    """新闻通稿"""
    build_running_text(document)


def build_transcript(document) -> None:
    """文字实录"""
    build_running_text(document)


def build_activity_info(document) -> None:
    """重要政务活动信息"""
    build_running_text(document)


def build_running_text(document) -> None:
    """Title, then the paragraphs of every section in order with no headings in between,
    then issuer and date: the shape of a news release, a transcript or an activity item,
    whose sections only divide the editing work."""
    add_heading_block(document)
    add_body_loop(document, "intro")
    tag(document, "{%p for s in sections %}")
    add_body_loop(document, "s.paragraphs")
    tag(document, "{%p endfor %}")
    add_signature(document)


def build_answer_brief(document) -> None:
    """答问口径"""
    add_heading_block(document)
    add_body_loop(document, "intro")
    tag(document, "{%p for s in sections %}")
    # "一、【必答】问题": the tier first, so a spokesperson finds the must-answer questions.
    question = document.add_paragraph(style="问题")
    question.add_run("{{ s.number }}")
    question.add_run("{%r if s.tier %}")
    question.add_run("【{{ s.tier }}】")
    question.add_run("{%r endif %}")
    question.add_run("{{ s.title }}")

    add_marked_loop(document, "s.key_points", "答题要点：")
    add_marked_loop(document, "s.paragraphs", "答：")
    tag(document, "{%p if s.source_ref %}")
    document.add_paragraph("依据：{{ s.source_ref }}", style="答问依据")
    tag(document, "{%p endif %}")
    add_marked_loop(document, "s.avoid", "避免的表述：")
    tag(document, "{%p endfor %}")
    add_signature(document)


def add_marked_loop(document, items: str, marker: str) -> None:
    """Add one paragraph per item, the first led by `marker` in the 答问标记 character style."""
    tag(document, f"{{%p for p in {items} %}}")
    paragraph = document.add_paragraph(style="Normal")
    paragraph.add_run("{%r if loop.first %}")
    paragraph.add_run(marker, style="答问标记")
    paragraph.add_run("{%r endif %}")
    add_lead_and_text(paragraph)
    tag(document, "{%p endfor %}")


def build_sectioned(document) -> None:
    """Title (and subtitle), the lead paragraphs of the intro section, the numbered
    sections, then issuer and date: the shape of a notice, minutes, report or response.
    Each kind keeps its own file, so an office restyles one without touching the others."""
    add_heading_block(document)
    add_body_loop(document, "intro")
    tag(document, "{%p for s in sections %}")
    document.add_paragraph("{{ s.number }}{{ s.title }}", style="Heading 1")
    add_body_loop(document, "s.paragraphs")
    tag(document, "{%p endfor %}")
    add_signature(document)


def add_heading_block(document) -> None:
    document.add_paragraph("{{ title }}", style="Title")
    tag(document, "{%p if subtitle %}")
    document.add_paragraph("{{ subtitle }}", style="Subtitle")
    tag(document, "{%p endif %}")


def add_body_loop(document, items: str) -> None:
    tag(document, f"{{%p for p in {items} %}}")
    add_lead_and_text(document.add_paragraph(style="Normal"))
    tag(document, "{%p endfor %}")


def add_lead_and_text(paragraph) -> None:
    paragraph.add_run("{{ p.lead }}", style="标题 2 字符")
    paragraph.add_run("{{ p.text }}")


def tag(document, text: str) -> None:
    """Add a paragraph with only a {%p %} tag, which docxtpl removes when rendering."""
    document.add_paragraph(text, style="Normal")


def reproducible_bytes(document) -> bytes:
    raw = io.BytesIO()
    document.save(raw)
    return with_fixed_zip_times(raw.getvalue())


if __name__ == "__main__":
    main()
