"""Parse a policy document (公文) into its fields and heading tree.

The fields sit where GB/T 9704-2012 puts them: title and 发文字号 above the 主送机关
line, the issuing organ (署名) and the date (成文日期) at the end of the body, then
attachments. Web copies often drop the title or move the number, so every field is
optional, and the catalog key of each one not found goes into `warnings`.

Conventions of the result:
- doc_number: the brackets around the year become 〔〕 and the serial loses its
  leading zeros, as GB/T 9704-2012 writes it (川办发〔2013〕81号).
- addressee, headings and body text: as printed, without surrounding whitespace
  and without the addressee's final colon. Half-width brackets stay, so the text
  matches the source when a reader searches for it.
- labels: normalised as described in planner.documents.outline.
- cited_documents: "《title》（number）" with the number normalised like doc_number;
  a law or regulation cited without a number is kept as "《title》".
"""

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from planner.documents.outline import Line, OutlineBuilder, match_heading
from planner.documents.reading import read_policy_file, split_text_lines
from planner.documents.structure import ParsedPolicy, ParsedSection
from planner.errors import InvalidInput

logger = logging.getLogger(__name__)

# How far into the document the title, 发文字号 and 主送机关 are looked for.
HEADER_SCAN_LINES = 12
# A header line longer than this is body text, not part of the title.
TITLE_LINE_MAX = 80
MAX_TITLE_LINES = 3
# 主送机关 lists can be long, but never a whole paragraph.
ADDRESSEE_MAX = 200
# An organ name in the signature (署名), and how many organs sign a joint document.
ORGAN_LINE_MAX = 40
MAX_SIGNING_ORGANS = 4
# How far above the signature a 附件 listing may start.
ATTACHMENT_LISTING_LINES = 8
ATTACHMENT_TITLE_MAX = 60

_YEAR_OPEN = "[〔［\\[【(（{｛〈<]"
_YEAR_CLOSE = "[〕］\\]】)）}｝〉>]"
_DOC_NUMBER_RE = re.compile(
    rf"(?P<prefix>[\u4e00-\u9fff]{{1,15}}?)\s*{_YEAR_OPEN}\s*(?P<year>\d{{4}})\s*{_YEAR_CLOSE}"
    r"\s*第?\s*(?P<serial>\d{1,5})\s*号"
)
_DATE_RE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
_CN_DATE_RE = re.compile(r"^([〇零○一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日$")
_PROMULGATION_RE = re.compile(
    r"^(?P<date>\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*(?P<organ>.*?)\s*"
    r"(?P<action>公布|发布|修订|修正|通过|施行)$"
)
_ORDER_NUMBER_RE = re.compile(r"令?\s*第\s*\d+\s*号$")
_ATTACHMENT_RE = re.compile(r"^附\s*件\s*(?P<number>[0-9一二三四五六七八九十]*)\s*(?P<colon>[:：])?\s*(?P<title>.*)$")
_LISTING_ITEM_RE = re.compile(r"^\d{1,2}\s*[.．、]")
_NOTE_RE = re.compile(r"^[（(].*[）)]$")
_CITED_RE = re.compile(r"《(?P<title>[^《》\n]{1,120})》(?:\s*[（(](?P<number>[^（）()\n]{1,60})[）)])?")

# Kinds of document whose title may be cited without a 发文字号 (laws, regulations,
# rules); other 《》 titles without a number are usually forms or books.
_CITABLE_KINDS = (
    "法", "条例", "规定", "办法", "细则", "规则", "意见", "通知", "决定", "纲要", "规划",
    "方案", "决议", "准则", "公告", "通告", "批复", "解释", "标准", "指南",
)
_CN_DIGIT_VALUES = {char: index for index, char in enumerate("〇一二三四五六七八九")}
_CN_DIGIT_VALUES.update({"零": 0, "○": 0})
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_SENTENCE_MARKS = set("。；;！？")
_TRAILING_PREFIXES = ("抄送", "抄报", "主题词", "联系人", "（", "(")
_ORGAN_FORBIDDEN = set("。，,；;：:！？、")


@dataclass
class _Promulgation:
    day: date
    organ: str
    action: str


@dataclass
class _Header:
    body_start: int = 0
    promulgations: list[_Promulgation] = field(default_factory=list)
    issuer_mark: str = ""  # organ named in the 发文机关标志 ("××厅文件")


def parse_policy_file(filename: str, data: bytes) -> ParsedPolicy:
    """Read an uploaded .docx or .txt policy and parse it.

    Raises InvalidInput, naming the file, when it cannot be read.
    """
    parsed = parse_policy_lines(read_policy_file(filename, data))
    logger.info("parsed %s: %d top-level sections, warnings %s",
                filename, len(parsed.sections), parsed.warnings)
    return parsed


def parse_policy_text(text: str) -> ParsedPolicy:
    """Parse pasted policy text; raises InvalidInput when it is blank."""
    lines = split_text_lines(text)
    if not any(line.strip() for line in lines):
        raise InvalidInput("documents.parsing.empty_text")
    return parse_policy_lines(lines)


def parse_policy_lines(lines: list[str]) -> ParsedPolicy:
    """Parse a document given as lines (paragraphs; table rows with tab-separated cells)."""
    items = _clean_lines(lines)
    policy = ParsedPolicy()

    header = _read_header(items, policy)
    body_end, attachments_start = _read_footer(items, header.body_start, policy)
    _apply_promulgation(header.promulgations, policy)
    policy.issuer = policy.issuer or header.issuer_mark

    builder = OutlineBuilder()
    builder.add_lines(items[header.body_start:body_end])
    policy.preamble = "\n".join(builder.leading)
    policy.sections = builder.sections + _attachment_sections(items[attachments_start:])

    policy.cited_documents = find_cited_documents(item.text for item in items)
    policy.warnings = _missing_field_warnings(policy)
    return policy


def policy_to_dict(parsed: ParsedPolicy) -> dict:
    """Return the parsed fields as JSON-ready data (the date as YYYY-MM-DD or None)."""
    return {
        "title": parsed.title,
        "doc_number": parsed.doc_number,
        "issuer": parsed.issuer,
        "addressee": parsed.addressee,
        "date": parsed.date.isoformat() if parsed.date else None,
        "preamble": parsed.preamble,
        "cited_documents": list(parsed.cited_documents),
        "sections": [_section_to_dict(section) for section in parsed.sections],
    }


def _section_to_dict(section: ParsedSection) -> dict:
    """Map a section; "kind" appears when it is not a heading, "rows" for a table."""
    data: dict = {
        "label": section.label,
        "heading": section.heading,
        "text": section.text,
        "children": [_section_to_dict(child) for child in section.children],
    }
    if section.kind != "heading":
        data["kind"] = section.kind
    if section.kind == "table":
        data["rows"] = [list(row) for row in section.rows or []]
    return data


def normalize_doc_number(text: str) -> str:
    """Return the first 发文字号 in `text` in GB/T 9704 form, or "" when there is none.

    "川办发[2013]081号" and "川办发（2013）81号" both give "川办发〔2013〕81号".
    """
    match = _DOC_NUMBER_RE.search(unicodedata.normalize("NFKC", text))
    if match is None:
        return ""
    return f"{match['prefix']}〔{match['year']}〕{int(match['serial'])}号"


def parse_cn_date(text: str) -> date | None:
    """Parse a date line such as "2014年1月10日", "2014年1月10 日" or "二〇一四年一月十日"."""
    compact = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    match = _DATE_RE.match(compact)
    if match:
        year, month, day = (int(part) for part in match.groups())
    else:
        match = _CN_DATE_RE.match(compact)
        if match is None:
            return None
        year = int("".join(str(_CN_DIGIT_VALUES[char]) for char in match[1]))
        month, day = _cn_small_number(match[2]), _cn_small_number(match[3])

    try:
        return date(year, month, day)
    except ValueError:
        return None


def _cn_small_number(text: str) -> int:
    """Convert 一 to 九十九 written with 十: 十 = 10, 十二 = 12, 二十一 = 21."""
    if "十" not in text:
        return _CN_DIGIT_VALUES.get(text, 0)
    tens, _, ones = text.partition("十")
    return (_CN_DIGIT_VALUES.get(tens, 0) if tens else 1) * 10 + _CN_DIGIT_VALUES.get(ones, 0)


def find_cited_documents(texts) -> list[str]:
    """List the documents cited in 《》, each once, in order of first mention."""
    cited: dict[str, None] = {}  # a dict keeps first-mention order without repeats
    for text in texts:
        for match in _CITED_RE.finditer(text):
            entry = _cited_entry(match["title"].strip(), match["number"] or "")
            if entry:
                cited.setdefault(entry)
    return list(cited)


def _cited_entry(title: str, bracketed: str) -> str:
    number = normalize_doc_number(bracketed)
    if number:
        return f"《{title}》（{number}）"
    if title.endswith(_CITABLE_KINDS):
        return f"《{title}》"
    return ""


def _clean_lines(lines: list[str]) -> list[Line]:
    """Drop blank lines and surrounding spaces, and split table rows into cells.

    A line that still contains line breaks (a caller's whole paragraph) is split first.
    """
    items = []
    for raw in (part for line in lines for part in split_text_lines(line)):
        raw = raw.translate(_INVISIBLE)
        if "\t" in raw:
            cells = [cell.strip() for cell in raw.split("\t")]
            if sum(1 for cell in cells if cell) >= 2:
                items.append(Line("\t".join(cells), cells))
                continue
            raw = raw.replace("\t", " ")
        text = raw.strip()
        if text:
            items.append(Line(text))
    return items


def _read_header(items: list[Line], policy: ParsedPolicy) -> _Header:
    """Read title, 发文字号, promulgation lines and 主送机关 from the top of the text."""
    header = _Header(body_start=min(len(items), HEADER_SCAN_LINES))
    title_parts: list[str] = []
    for index, item in enumerate(items[:HEADER_SCAN_LINES]):
        text = item.text
        if item.cells is not None or match_heading(text) or _is_body_text(text):
            header.body_start = index
            break

        promulgation = _parse_promulgation(text)
        if promulgation is not None:
            header.promulgations.append(promulgation)
        elif _is_doc_number_line(text):
            policy.doc_number = policy.doc_number or normalize_doc_number(text)
        elif _is_addressee(text):
            policy.addressee = text.rstrip("：:").strip()
            header.body_start = index + 1
            break
        elif _is_issuer_mark(text):
            header.issuer_mark = text.removesuffix("文件").strip()
        elif text.startswith("签发人") or parse_cn_date(text):
            continue
        elif len(title_parts) == MAX_TITLE_LINES:
            header.body_start = index
            break
        else:
            title_parts.append(text)

    # A title split over lines is one title: Chinese joins them without a space.
    policy.title = "".join(title_parts)
    return header


def _is_body_text(text: str) -> bool:
    return len(text) > TITLE_LINE_MAX or any(mark in text for mark in _SENTENCE_MARKS)


def _is_doc_number_line(text: str) -> bool:
    number = normalize_doc_number(text)
    if not number:
        return False
    # The number opens its line; 签发人 may follow it on the same line (上行文).
    return _DOC_NUMBER_RE.match(unicodedata.normalize("NFKC", text)) is not None


def _is_addressee(text: str) -> bool:
    return text.endswith(("：", ":")) and len(text) <= ADDRESSEE_MAX and "。" not in text


def _is_issuer_mark(text: str) -> bool:
    """Match the 发文机关标志 above the title, such as "四川省交通运输厅文件"."""
    return text.endswith("文件") and len(text) <= ORGAN_LINE_MAX + 2


def _parse_promulgation(text: str) -> _Promulgation | None:
    """Parse "2019年4月3日 中华人民共和国国务院令第711号修订" and similar lines."""
    match = _PROMULGATION_RE.match(text.strip("（）()"))
    if match is None:
        return None
    day = parse_cn_date(match["date"])
    if day is None:
        return None
    organ = _ORDER_NUMBER_RE.sub("", match["organ"]).strip()
    organ = organ.removesuffix("令").strip()
    return _Promulgation(day, organ, match["action"])


def _apply_promulgation(promulgations: list[_Promulgation], policy: ParsedPolicy) -> None:
    """Take issuer and date of a regulation from its promulgation lines.

    A regulation published by an order (国务院令) has no signature. Its issuer is
    the organ of the order. Its date is that of the latest 公布/修订 line, because
    that line dates the text as it now reads. The 施行 (entry into force) date is
    not used.
    """
    issued = [entry for entry in promulgations if entry.action != "施行"]
    if not issued:
        return
    latest = max(issued, key=lambda entry: entry.day)
    if not policy.issuer:
        policy.issuer = latest.organ
    if policy.date is None:
        policy.date = latest.day


def _read_footer(items: list[Line], start: int, policy: ParsedPolicy) -> tuple[int, int]:
    """Find the signature (署名 and 成文日期); return (body end, attachments start).

    The body ends at the signature, or at a 附件 listing just above it. Lines
    between the date and the first attachment (notes such as （此件公开发布）, the
    抄送 line) belong to neither.
    """
    date_index = _signature_date_index(items, start)
    if date_index is None:
        marker = next((index for index in range(start, len(items))
                       if _is_bare_attachment_marker(items[index])), len(items))
        return marker, marker

    policy.date = parse_cn_date(items[date_index].text)
    organs_start = date_index
    while (organs_start > start and date_index - organs_start < MAX_SIGNING_ORGANS
           and _is_organ_line(items[organs_start - 1])):
        organs_start -= 1
    policy.issuer = "、".join(item.text for item in items[organs_start:date_index])

    body_end = _attachment_listing_start(items, start, organs_start)
    attachments_start = next(
        (index for index in range(date_index + 1, len(items))
         if _attachment_marker(items[index]) is not None),
        len(items),
    )
    return body_end, attachments_start


def _signature_date_index(items: list[Line], start: int) -> int | None:
    """Return the first date line that only trailing matter follows until the attachments.

    A date line inside the body (a schedule, say) is followed by more body text,
    so it is not the 成文日期. The walk goes backwards to stay linear.
    """
    found = None
    only_trailing_after = True  # for the lines after `index`, up to the next attachment
    for index in range(len(items) - 1, start - 1, -1):
        item = items[index]
        if _attachment_marker(item) is not None:
            only_trailing_after = True
            continue
        if only_trailing_after and item.cells is None and parse_cn_date(item.text):
            found = index
        only_trailing_after = only_trailing_after and _is_trailing_matter(item)
    return found


def _is_trailing_matter(item: Line) -> bool:
    """Notes and 版记 lines after the date: （此件公开发布）, 抄送：…, …印发."""
    text = item.text
    return item.cells is None and (
        _NOTE_RE.match(text) is not None
        or text.startswith(_TRAILING_PREFIXES)
        or text.endswith("印发")
    )


def _is_organ_line(item: Line) -> bool:
    text = item.text
    return (
        item.cells is None
        and len(text) <= ORGAN_LINE_MAX
        and not any(char in _ORGAN_FORBIDDEN for char in text)
        and not text.startswith("附件")
        and match_heading(text) is None
        and not _NOTE_RE.match(text)
        and parse_cn_date(text) is None
    )


def _attachment_listing_start(items: list[Line], start: int, organs_start: int) -> int:
    """Return where the "附件：1. …" listing above the signature starts, if there is one."""
    for index in range(organs_start - 1, max(start, organs_start - ATTACHMENT_LISTING_LINES) - 1, -1):
        text = items[index].text
        if _attachment_marker(items[index]) is not None:
            return index
        if items[index].cells is not None or not _LISTING_ITEM_RE.match(text):
            break
    return organs_start


def _attachment_marker(item: Line) -> re.Match | None:
    """Match a line that starts an attachment: "附件", "附件1", "附件：标题", "附件2 标题".

    Prose that merely begins with the word ("附件所列事项……") does not match.
    """
    match = _ATTACHMENT_RE.match(item.text) if item.cells is None else None
    if match is None:
        return None
    title = match["title"]
    if not title or match["colon"]:
        return match
    if match["number"] and len(title) <= ATTACHMENT_TITLE_MAX and "。" not in title:
        return match
    return None


def _is_bare_attachment_marker(item: Line) -> bool:
    """Tell whether a line is only "附件", "附件1" or "附件：", which starts an attachment."""
    match = _attachment_marker(item)
    return match is not None and not match["title"]


def _attachment_sections(items: list[Line]) -> list[ParsedSection]:
    """Split the attachments at their markers and parse each one's own outline."""
    starts = [index for index, item in enumerate(items) if _attachment_marker(item) is not None]
    sections = []
    for position, start in enumerate(starts):
        end = starts[position + 1] if position + 1 < len(starts) else len(items)
        sections.append(_attachment_section(items[start:end]))
    return sections


def _attachment_section(items: list[Line]) -> ParsedSection:
    marker = _attachment_marker(items[0])
    section = ParsedSection(kind="attachment", label=f"附件{marker['number']}",
                            heading=marker["title"].strip())
    content = items[1:]
    if not section.heading and content and _is_attachment_title(content[0]):
        section.heading = content[0].text
        content = content[1:]

    builder = OutlineBuilder()
    builder.add_lines(content)
    section.text = "\n".join(builder.leading)
    section.children = builder.sections
    _shift_levels(section.children, 1)
    return section


def _is_attachment_title(item: Line) -> bool:
    text = item.text
    return (item.cells is None and len(text) <= ATTACHMENT_TITLE_MAX
            and "。" not in text and match_heading(text) is None)


def _shift_levels(sections: list[ParsedSection], offset: int) -> None:
    for section in sections:
        section.level += offset
        _shift_levels(section.children, offset)


def _missing_field_warnings(policy: ParsedPolicy) -> list[str]:
    checks = (
        (policy.title, "documents.parsing.no_title"),
        (policy.doc_number, "documents.parsing.no_doc_number"),
        (policy.addressee, "documents.parsing.no_addressee"),
        (policy.issuer, "documents.parsing.no_issuer"),
        (policy.date, "documents.parsing.no_date"),
        (any(section.kind == "heading" for section in policy.sections),
         "documents.parsing.no_sections"),
    )
    return [key for value, key in checks if not value]
