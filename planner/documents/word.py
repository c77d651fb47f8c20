"""Word output: drafts rendered through the templates, and a GB/T 9704-2012 layout check.

`render_docx` fills the template for a draft's kind (templates/<kind>.docx, or an office's
own restyled copy in another directory) with docxtpl. `check_gbt9704` reopens any .docx and
lists what departs from the standard's page, grid, fonts and page numbers.
"""

import io
import logging
import re
import time
import zipfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from docx import Document
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from jinja2 import TemplateError

from planner.documents import templates as gb
from planner.documents.structure import DraftDocument, DraftSectionContent
from planner.errors import InvalidInput
from planner.i18n import inside_quotes, t
from planner.timeutil import format_cn_date

logger = logging.getLogger(__name__)

ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can hold

_CN_NUMERALS = "一二三四五六七八九"
_LEVEL_ONE_LABEL = re.compile(r"^[一二三四五六七八九十]+、")
# A run-in （一） heading: the label and a short heading ending in 。 (or the whole line).
_RUN_IN_HEADING = re.compile(r"^[（(]([一二三四五六七八九十]{1,3})[）)]([^。，；！？]{1,30}(?:。|$))")
# Characters XML 1.0 cannot hold; pasted text sometimes carries them.
_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_DOC_NUMBER_YEAR = re.compile(r"[\[【〔(（［]\s*(\d{4})\s*[\]】〕)）］]")
_DOC_NUMBER_SERIAL = re.compile(r"〕\s*0*(\d+)\s*号")
# The 答记者问 template prints 问： before each question; both question layouts (答记者问,
# 答问口径) print 答： before the answer and 依据： before the source. A text typed with its
# own mark (full-width or half-width colon, leading spaces allowed) loses it, so the mark
# shows once.
QUESTION_MARK_KINDS = {"qa"}
ANSWER_MARK_KINDS = {"qa", "answer_brief"}


@dataclass(frozen=True)
class Paragraph:
    """One body paragraph: an optional run-in heading (styled 楷体) and the text after it."""

    lead: str
    text: str


@dataclass(frozen=True)
class SignatureIndents:
    """Right indents of the issuer and date lines, in 1/100 character and in twips."""

    issuer_chars: int
    issuer_twips: int
    date_chars: int
    date_twips: int


@dataclass(frozen=True)
class SectionRow:
    key: str
    number: str       # 一、 for the interpretation's headings
    title: str        # the heading, or the question
    paragraphs: list[Paragraph]
    source_ref: str   # 依据
    # 答问口径 only, empty elsewhere: the tier's label (必答), 答题要点 and 避免的表述.
    tier: str = ""
    key_points: list[Paragraph] = field(default_factory=list)
    avoid: list[Paragraph] = field(default_factory=list)


def default_template_dir() -> Path:
    return gb.default_template_dir()


def render_docx(doc: DraftDocument, template_dir: Path | str | None = None) -> bytes:
    """Render `doc` through the template for doc.kind and return the .docx bytes.

    `template_dir` is an office's own template directory; its section list and template
    file are used when present. Text renders literally (<, & and quotes included).
    """
    started = time.perf_counter()
    spec = gb.load_template_spec(doc.kind, template_dir)
    template = _template_bytes(spec.path)

    rendered = _render_template(template, build_context(doc), spec.path)
    result = with_fixed_zip_times(rendered)

    logger.info("rendered %s draft with %s: %d bytes in %.0f ms", doc.kind, spec.path,
                len(result), (time.perf_counter() - started) * 1000)
    return result


def build_context(doc: DraftDocument) -> dict:
    """Build the values the templates use, each string already one clean line or paragraph."""
    intro = [s for s in doc.sections if s.key == gb.INTRO_KEY]
    body = [s for s in doc.sections if s.key != gb.INTRO_KEY]
    return {
        "title": _one_line(doc.title),
        "subtitle": _one_line(doc.subtitle),
        "issuer": _one_line(doc.issuer),
        "doc_number": normalise_doc_number(doc.doc_number),
        "date": format_cn_date(doc.date) if doc.date else "",
        "signature": signature_indents(_one_line(doc.issuer),
                                       format_cn_date(doc.date) if doc.date else ""),
        "intro": [p for section in intro for p in split_paragraphs(section.body)],
        "sections": [_section_row(i, section, doc.kind)
                     for i, section in enumerate(body, start=1)],
    }


def split_paragraphs(body: str) -> list[Paragraph]:
    """Split a body into one Paragraph per non-empty line, with a leading （一）… heading
    as the run-in lead.

    Leading spaces (ASCII or full-width) are dropped, because the style indents the first
    line. An empty body still yields one empty paragraph, so 答： still has its paragraph.
    """
    lines = [_clean(line).strip(" \t\u3000") for line in (body or "").splitlines()]
    paragraphs = [_paragraph(line) for line in lines if line]
    return paragraphs or [Paragraph("", "")]


def signature_indents(issuer: str, date_text: str) -> SignatureIndents:
    """Compute the right indents of the 落款 lines by GB/T 9704-2012 §7.3.5.2 (no seal).

    The issuer ends two characters from the right edge. The date starts two characters
    right of the issuer's first character, unless the date is longer than the issuer. Then
    the date ends two characters from the edge and the issuer moves left to match.
    """
    issuer_width, date_width = _width(issuer), _width(date_text)
    issuer_right, date_right = 2.0, issuer_width - date_width
    if date_width > issuer_width:
        date_right = 2.0
        issuer_right = date_width + 4 - issuer_width

    def hundredths(chars: float) -> int:
        return round(max(chars, 0) * 100)

    return SignatureIndents(
        issuer_chars=hundredths(issuer_right),
        issuer_twips=round(max(issuer_right, 0) * gb.BODY_PT * 20),
        date_chars=hundredths(date_right),
        date_twips=round(max(date_right, 0) * gb.BODY_PT * 20),
    )


def normalise_doc_number(text: str) -> str:
    """Write a 发文字号 in GB/T 9704 form: the year in 六角括号 〔〕 and the serial without
    leading zeros (川办发[2013]081号 → 川办发〔2013〕81号)."""
    number = _one_line(text).replace(" ", "")
    number = _DOC_NUMBER_YEAR.sub(r"〔\1〕", number)
    return _DOC_NUMBER_SERIAL.sub(r"〕\1号", number)


def cn_numeral(n: int) -> str:
    """Write 1 to 99 in Chinese numerals: 1 → 一, 10 → 十, 12 → 十二, 20 → 二十."""
    tens, ones = divmod(n, 10)
    tens_part = ""
    if tens == 1:
        tens_part = "十"
    elif tens > 1:
        tens_part = _CN_NUMERALS[tens - 1] + "十"
    return tens_part + (_CN_NUMERALS[ones - 1] if ones else "")


def with_fixed_zip_times(docx_bytes: bytes) -> bytes:
    """Rewrite the zip with a fixed time on every entry, so equal drafts give equal bytes."""
    source = zipfile.ZipFile(io.BytesIO(docx_bytes))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            entry = zipfile.ZipInfo(item.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, source.read(item.filename))
    return out.getvalue()


def _section_row(position: int, section: DraftSectionContent, kind: str = "") -> SectionRow:
    title = _one_line(section.title)
    body = section.body
    if kind in QUESTION_MARK_KINDS:
        title = strip_mark(title, "问")
    if kind in ANSWER_MARK_KINDS:
        body = strip_mark(body, "答")
    number = "" if _LEVEL_ONE_LABEL.match(title) else f"{cn_numeral(position)}、"
    return SectionRow(key=section.key, number=number, title=title,
                      paragraphs=split_paragraphs(body),
                      source_ref=strip_mark(_one_line(section.source_ref), "依据"),
                      tier=t(f"answer_library.tier.{section.tier}") if section.tier else "",
                      key_points=_optional_paragraphs(strip_mark(section.key_points, "答题要点")),
                      avoid=_optional_paragraphs(strip_mark(section.avoid_phrasing, "避免的表述")))


def strip_mark(text: str, mark: str) -> str:
    """Drop a leading `mark` and its colon (答：, 答:, "  答 ："), because the template
    prints the mark itself. A text that does not start with the mark comes back unchanged."""
    pattern = re.compile(rf"^[ \t\u3000\n]*{re.escape(mark)}[ \t\u3000]*[：:][ \t\u3000]*")
    return pattern.sub("", text or "", count=1)


def _optional_paragraphs(text: str) -> list[Paragraph]:
    # Unlike an answer, an empty list of key points renders no paragraph at all.
    return split_paragraphs(text) if (text or "").strip() else []


def _paragraph(line: str) -> Paragraph:
    match = _RUN_IN_HEADING.match(line)
    if not match:
        return Paragraph("", line)
    lead = f"（{match.group(1)}）{match.group(2)}"
    return Paragraph(lead, line[match.end():])


def _one_line(text: str) -> str:
    # Titles arrive split over lines as printed, and Chinese joins them without a space.
    return "".join(part.strip() for part in _clean(text or "").splitlines())


def _width(text: str) -> float:
    """Return the width in 3号 characters: half-width letters and digits count one half."""
    return sum(0.5 if ord(char) < 0x2E80 else 1.0 for char in text)


def _clean(text: str) -> str:
    return _XML_INVALID.sub("", text)


def _template_bytes(path: Path) -> bytes:
    if not path.is_file():
        raise InvalidInput("documents.word.template_missing", file=inside_quotes(path.name),
                           directory=str(path.parent))
    stat = path.stat()
    return _read_template(path, stat.st_mtime_ns, stat.st_size)


@cache
def _read_template(path: Path, mtime_ns: int, size: int) -> bytes:
    # mtime and size are part of the key: a template restyled on disk is read again.
    logger.info("loading Word template %s", path)
    return path.read_bytes()


def _render_template(template: bytes, context: dict, path: Path) -> bytes:
    from docxtpl import DocxTemplate  # NOTE: imported here so checking a file needs no docxtpl

    try:
        document = DocxTemplate(io.BytesIO(template))
        document.render(context, autoescape=True)
        out = io.BytesIO()
        document.save(out)
    except (TemplateError, PackageNotFoundError, zipfile.BadZipFile, KeyError) as exc:
        logger.warning("template %s failed to render: %s", path, exc)
        raise InvalidInput("documents.word.template_broken", file=inside_quotes(path.name),
                           error=str(exc)) from exc
    return out.getvalue()


# --- GB/T 9704-2012 layout check ---------------------------------------------------------

_TOLERANCE_TWIPS = 6  # 0.1 mm: Word rounds some margins up (1588 for 28 mm) where we round
_PAGE_NUMBER = re.compile(r"—\s*\{PAGE\}\s*—")  # §7.5: "— 1 —", 一字线 either side


def check_gbt9704(docx_bytes: bytes, *, allow_placeholders: bool = False) -> list[str]:
    """Return the layout problems of a .docx against GB/T 9704-2012, empty when it complies.

    Checks A4 and the margins, 22 lines of 28 characters, the East Asian fonts and sizes of
    title, body and headings, and "— N —" page numbers at the outer edge. A template still
    contains its placeholders, so pass allow_placeholders=True to check one.
    """
    try:
        document = Document(io.BytesIO(docx_bytes))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        return [t("documents.word.check.unreadable", error=str(exc))]

    styles = _StyleResolver(document.styles.element)
    section = document.sections[0]
    problems = _check_page(section) + _check_grid(section, styles)
    problems += _check_styles(styles) + _check_title(document, styles)
    problems += _check_headings(document, styles) + _check_page_numbers(document, styles)
    if not allow_placeholders:
        problems += _check_placeholders(document)
    return problems


def _check_page(section) -> list[str]:
    problems = []
    size = (section.page_width.twips, section.page_height.twips)
    expected_size = (gb.mm_to_twips(gb.PAGE_WIDTH_MM), gb.mm_to_twips(gb.PAGE_HEIGHT_MM))
    if any(abs(a - b) > _TOLERANCE_TWIPS for a, b in zip(size, expected_size)):
        problems.append(t("documents.word.check.page_size", width=_mm(size[0]),
                          height=_mm(size[1])))

    margins = (("top", section.top_margin, gb.MARGIN_TOP_MM),
               ("bottom", section.bottom_margin, gb.MARGIN_BOTTOM_MM),
               ("left", section.left_margin, gb.MARGIN_LEFT_MM),
               ("right", section.right_margin, gb.MARGIN_RIGHT_MM))
    for edge, value, expected_mm in margins:
        if value is None or abs(value.twips - gb.mm_to_twips(expected_mm)) > _TOLERANCE_TWIPS:
            shown = _mm(value.twips) if value is not None else "0"
            problems.append(t("documents.word.check.margin", value=shown, expected=expected_mm,
                              edge=t(f"documents.word.edge.{edge}")))
    return problems


def _check_grid(section, styles: "_StyleResolver") -> list[str]:
    """22 lines a page from the body's exact line spacing (or the grid), 28 characters a
    line from the grid's character pitch (or the plain 16 pt width without one)."""
    height = (section.page_height.twips - section.top_margin.twips
              - section.bottom_margin.twips)
    width = section.page_width.twips - section.left_margin.twips - section.right_margin.twips
    grid = section._sectPr.find(qn("w:docGrid"))
    grid_type = grid.get(qn("w:type"), "default") if grid is not None else "default"

    problems = []
    pitch = styles.exact_line_spacing(styles.default_paragraph_style())
    if pitch is None and grid_type in ("lines", "linesAndChars"):
        pitch = int(grid.get(qn("w:linePitch"), "0"))
    lines = height // pitch if pitch else 0
    if lines != gb.LINES_PER_PAGE:
        problems.append(t("documents.word.check.lines_per_page", lines=lines))

    body_pt = styles.size_pt(styles.default_paragraph_style()) or gb.BODY_PT
    char_pitch = body_pt * 20
    if grid_type == "linesAndChars":
        char_pitch += int(grid.get(qn("w:charSpace"), "0")) * 20 / 4096
    chars = int(width // char_pitch)
    if chars != gb.CHARS_PER_LINE:
        problems.append(t("documents.word.check.chars_per_line", chars=chars))
    return problems


# Rules per style: the part of the document, its style id, its font family and size.
_STYLE_RULES = (
    ("body", "Normal", ("仿宋", "FangSong"), gb.BODY_PT),
    ("heading_1", "Heading1", ("黑体", "SimHei"), gb.BODY_PT),
    ("heading_2", "Heading2", ("楷体", "KaiTi"), gb.BODY_PT),
)


def _check_styles(styles: "_StyleResolver") -> list[str]:
    problems = []
    for part, style_id, families, size in _STYLE_RULES:
        if style_id not in styles.by_id:
            continue
        problems += _font_problems(part, styles.display_name(style_id),
                                   styles.east_asia_font(style_id), styles.size_pt(style_id),
                                   families, size)
    return problems


def _font_problems(part: str, style_name: str, font: str, size: float | None,
                   families: tuple[str, ...], expected_size: int) -> list[str]:
    problems = []
    what = t(f"documents.word.part.{part}")
    if not any(font.startswith(family) or font == family for family in families):
        problems.append(t("documents.word.check.font", what=what, font=font or "—",
                          expected=families[0], style=style_name))
    if size != expected_size:
        problems.append(t("documents.word.check.size", what=what, size=size or "—",
                          expected=expected_size, style=style_name))
    return problems


def _check_title(document, styles: "_StyleResolver") -> list[str]:
    """Check the first paragraph with text, the title: 2号 小标宋, centred."""
    title = next((p for p in document.paragraphs if p.text.strip()), None)
    if title is None:
        return [t("documents.word.check.no_title")]
    style_id = styles.paragraph_style_id(title._p)
    run = title.runs[0]._r if title.runs else None
    problems = _font_problems("title", styles.display_name(style_id),
                              styles.east_asia_font(style_id, run),
                              styles.size_pt(style_id, run), ("方正小标宋", "小标宋"),
                              gb.TITLE_PT)
    if styles.alignment(style_id, title._p) != "center":
        problems.append(t("documents.word.check.title_alignment",
                          style=styles.display_name(style_id)))
    return problems


def _check_headings(document, styles: "_StyleResolver") -> list[str]:
    """Check that paragraphs starting with 一、 show in 黑体 and run-in （一） headings in 楷体."""
    problems = []
    for paragraph in document.paragraphs:
        runs = [run for run in paragraph.runs if run.text]
        if not runs:
            continue
        text = paragraph.text.strip()
        if _LEVEL_ONE_LABEL.match(text):
            families, part = ("黑体", "SimHei"), "heading_1"
        elif _RUN_IN_HEADING.match(text):
            families, part = ("楷体", "KaiTi"), "heading_2"
        else:
            continue
        style_id = styles.paragraph_style_id(paragraph._p)
        font = styles.east_asia_font(style_id, runs[0]._r)
        if not any(font.startswith(family) for family in families):
            problems.append(t("documents.word.check.heading_font", text=text[:12],
                              what=t(f"documents.word.part.{part}"), font=font or "—",
                              expected=families[0]))
    return problems


def _check_page_numbers(document, styles: "_StyleResolver") -> list[str]:
    if document.settings.element.find(qn("w:evenAndOddHeaders")) is None:
        return [t("documents.word.check.even_odd_off")]

    section = document.sections[0]
    problems = []
    for footer, which, sides in ((section.footer, "odd", ("right", "end")),
                                 (section.even_page_footer, "even", ("left", "start"))):
        paragraphs = [] if footer.is_linked_to_previous else footer.paragraphs
        numbered = [p for p in paragraphs if _PAGE_NUMBER.search(_field_text(p._p))]
        page = t(f"documents.word.page.{which}")
        if not numbered:
            problems.append(t("documents.word.check.page_number_missing", which=page))
            continue
        style_id = styles.paragraph_style_id(numbered[0]._p)
        if styles.alignment(style_id, numbered[0]._p) not in sides:
            problems.append(t("documents.word.check.page_number_side", which=page,
                              side=t(f"documents.word.side.{sides[0]}")))
        # §7.5: 半角宋体阿拉伯数字, so the Latin (ascii) slot is the one that shows.
        problems += _font_problems("page_number", styles.display_name(style_id),
                                   styles.font(style_id, slot="ascii"), styles.size_pt(style_id),
                                   ("宋体", "SimSun"), gb.PAGE_NUMBER_PT)
    return problems


def _field_text(p_element) -> str:
    """Return the paragraph's text with each PAGE field shown as {PAGE}, not its result.

    A complex field runs begin → instruction → separate → shown result → end. A simple
    field (w:fldSimple) keeps its instruction in an attribute and its result inside.
    """
    parts, instruction, in_field = [], "", False
    for element in p_element.iter(qn("w:t"), qn("w:instrText"), qn("w:fldChar"),
                                  qn("w:fldSimple")):
        if element.tag == qn("w:fldSimple"):
            parts.append(_field_mark(element.get(qn("w:instr"), "")))
        elif element.tag == qn("w:fldChar"):
            kind = element.get(qn("w:fldCharType"))
            in_field = kind != "end"
            instruction = "" if kind == "begin" else instruction
            parts.append(_field_mark(instruction) if kind == "end" else "")
        elif element.tag == qn("w:instrText"):
            instruction += element.text or ""
        elif not in_field and not _inside_simple_field(element):
            parts.append(element.text or "")
    return "".join(parts)


def _field_mark(instruction: str) -> str:
    return "{PAGE}" if instruction.split()[:1] == ["PAGE"] else ""


def _inside_simple_field(element) -> bool:
    return any(parent.tag == qn("w:fldSimple") for parent in element.iterancestors())


def _check_placeholders(document) -> list[str]:
    texts = [p.text for p in document.paragraphs]
    section = document.sections[0]
    for footer in (section.footer, section.even_page_footer, section.header):
        if not footer.is_linked_to_previous:
            texts += [p.text for p in footer.paragraphs]
    left = [text for text in texts if re.search(r"\{\{|\{%|\{#", text)]
    if not left:
        return []
    return [t("documents.word.check.placeholders_left", sample=left[0][:40])]


def _mm(twips: int) -> str:
    return f"{twips / gb.TWIPS_PER_MM:.1f}".rstrip("0").rstrip(".")


class _StyleResolver:
    """Resolve a run's effective East Asian font, size and a paragraph's alignment through
    run properties, character style, paragraph style, basedOn chain and document defaults."""

    def __init__(self, styles_element) -> None:
        self.by_id = {s.get(qn("w:styleId")): s for s in styles_element.iter(qn("w:style"))}
        defaults = styles_element.find(qn("w:docDefaults"))
        self.default_rpr = None if defaults is None else defaults.find(
            f"{qn('w:rPrDefault')}/{qn('w:rPr')}")

    def default_paragraph_style(self) -> str:
        for style_id, style in self.by_id.items():
            is_paragraph = style.get(qn("w:type")) == "paragraph"
            if is_paragraph and style.get(qn("w:default")) in ("1", "true"):
                return style_id
        return "Normal"

    def paragraph_style_id(self, p_element) -> str:
        style = p_element.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
        return style.get(qn("w:val")) if style is not None else self.default_paragraph_style()

    def display_name(self, style_id: str) -> str:
        name = self.by_id.get(style_id)
        name = name.find(qn("w:name")) if name is not None else None
        return name.get(qn("w:val")) if name is not None else style_id

    def east_asia_font(self, style_id: str, run=None) -> str:
        return self.font(style_id, run, "eastAsia")

    def font(self, style_id: str, run=None, slot: str = "eastAsia") -> str:
        """Return the font of one script slot: eastAsia for Chinese, ascii for digits.

        A theme font comes back as "theme:…", because GB/T 9704 names the face itself.
        """
        theme_attr, name_attr = qn(f"w:{slot}Theme"), qn(f"w:{slot}")
        fonts = self._first(qn("w:rFonts"), style_id, run,
                            lambda e: e.get(theme_attr) or e.get(name_attr))
        if fonts is None:
            return ""
        theme = fonts.get(theme_attr)
        return f"theme:{theme}" if theme else fonts.get(name_attr)

    def size_pt(self, style_id: str, run=None) -> float | None:
        size = self._first(qn("w:sz"), style_id, run)
        if size is None:
            return None
        value = int(size.get(qn("w:val"))) / 2
        return int(value) if value.is_integer() else value

    def exact_line_spacing(self, style_id: str) -> int | None:
        for style in self._chain(style_id):
            spacing = style.find(f"{qn('w:pPr')}/{qn('w:spacing')}")
            if spacing is not None and spacing.get(qn("w:line")):
                exact = spacing.get(qn("w:lineRule")) == "exact"
                return int(spacing.get(qn("w:line"))) if exact else None
        return None

    def alignment(self, style_id: str, p_element) -> str | None:
        direct = p_element.find(f"{qn('w:pPr')}/{qn('w:jc')}")
        if direct is not None:
            return direct.get(qn("w:val"))
        for style in self._chain(style_id):
            jc = style.find(f"{qn('w:pPr')}/{qn('w:jc')}")
            if jc is not None:
                return jc.get(qn("w:val"))
        return None

    def _first(self, tag: str, style_id: str, run, accept=lambda e: True):
        """Find the first `tag` element, from the run outwards, that `accept` approves."""
        places = []
        if run is not None:
            places.append(run.find(qn("w:rPr")))
            rstyle = run.find(f"{qn('w:rPr')}/{qn('w:rStyle')}")
            if rstyle is not None:
                places += [s.find(qn("w:rPr")) for s in self._chain(rstyle.get(qn("w:val")))]
        places += [s.find(qn("w:rPr")) for s in self._chain(style_id)]
        places.append(self.default_rpr)
        for rpr in places:
            element = rpr.find(tag) if rpr is not None else None
            if element is not None and accept(element):
                return element
        return None

    def _chain(self, style_id: str):
        seen = set()
        while style_id and style_id in self.by_id and style_id not in seen:
            seen.add(style_id)
            style = self.by_id[style_id]
            yield style
            based = style.find(qn("w:basedOn"))
            style_id = based.get(qn("w:val")) if based is not None else None
