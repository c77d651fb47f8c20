"""The heading tree of a policy body: 一、/（一）/1./（1） and 第一章/第一节/第一条.

Labels are normalised so that citation paths compare equal whatever the source
typed: full-width brackets （一） and （1）, an ASCII full stop in "1.", and "一、".
Heading and body text stay as printed, except that letter-spaced chapter headings
("总 则") and table cells ("主 要 内 容") are closed up.
"""

import re
from dataclasses import dataclass

from planner.documents.structure import ParsedSection

# Rank of each numbering style, outermost first. A heading closes every open
# heading of the same or a deeper rank, then opens under the nearest outer one.
RANK_CHAPTER, RANK_PART, RANK_ARTICLE = 0, 1, 2
RANK_L1, RANK_L2, RANK_L3, RANK_L4, RANK_L5 = 3, 4, 5, 6, 7

# A run-in heading is the first sentence of its line when it is at most this long.
# The run-in headings of the documents in tests/fixtures have 4 to 13 characters.
RUN_IN_HEADING_MAX = 40
# A line without a full stop is taken whole as a heading up to this length.
HEADING_LINE_MAX = 60
# A table row without tabs (a group row such as "一、知识产权保护方面（共5项）").
GROUP_ROW_MAX = 60

_CN = "[一二三四五六七八九十百零〇两]+"
_CN_SMALL = "[一二三四五六七八九十]{1,3}"
_SPACE = r"[ \u3000]"

_CHAPTER_RE = re.compile(rf"^第{_SPACE}*({_CN}|\d+){_SPACE}*(章|节)(.*)$")
_ARTICLE_RE = re.compile(rf"^第{_SPACE}*({_CN}|\d+){_SPACE}*条(之{_CN_SMALL})?(.*)$")
# An article caption as some local regulations print it: 第一条（立法目的）为了……
_ARTICLE_CAPTION_RE = re.compile(r"^[（(]([^（）()]{1,20})[）)]\s*(.*)$")
_L1_RE = re.compile(rf"^({_CN_SMALL}){_SPACE}*[、．.]{_SPACE}*(.*)$")
_L2_RE = re.compile(rf"^[（(]{_SPACE}*({_CN_SMALL}){_SPACE}*[）)]{_SPACE}*(.*)$")
_L3_RE = re.compile(rf"^(\d{{1,2}}){_SPACE}*[.．、](?![\d.．]){_SPACE}*(.*)$")
_L4_RE = re.compile(rf"^[（(]{_SPACE}*(\d{{1,2}}){_SPACE}*[）)]{_SPACE}*(.*)$")
_L5_RE = re.compile(rf"^([\u2460-\u2473]){_SPACE}*(.*)$")

# "第三条规定的……" and "第十条、第十一条" open with an article number but are prose.
_ARTICLE_PROSE_STARTS = set("、，,。；;和及或至到的规中所")
_CJK_GAP_RE = re.compile(r"(?<=[\u4e00-\u9fff])[ \u3000]+(?=[\u4e00-\u9fff])")
_LETTER_SPACED_RE = re.compile(r"^[\u4e00-\u9fff](?:[ \u3000]+[\u4e00-\u9fff])+$")


@dataclass(frozen=True)
class HeadingMatch:
    rank: int
    label: str
    rest: str  # the line after the label


@dataclass
class Line:
    """A non-blank line of the document. `cells` is set for a tab-separated table row."""

    text: str
    cells: list[str] | None = None


def match_heading(text: str) -> HeadingMatch | None:
    """Recognise a numbered heading at the start of a cleaned line."""
    if text.startswith("第"):
        return _match_chapter_or_article(text)

    for pattern, rank, template in (
        (_L1_RE, RANK_L1, "{}、"),
        (_L2_RE, RANK_L2, "（{}）"),
        (_L3_RE, RANK_L3, "{}."),
        (_L4_RE, RANK_L4, "（{}）"),
        (_L5_RE, RANK_L5, "{}"),
    ):
        match = pattern.match(text)
        if match:
            return HeadingMatch(rank, template.format(match.group(1)), match.group(2).strip())
    return None


def _match_chapter_or_article(text: str) -> HeadingMatch | None:
    match = _CHAPTER_RE.match(text)
    if match:
        number, unit, rest = match.groups()
        rest = rest.strip()
        if len(rest) <= RUN_IN_HEADING_MAX and "。" not in rest:
            rank = RANK_CHAPTER if unit == "章" else RANK_PART
            return HeadingMatch(rank, f"第{number}{unit}", rest)

    match = _ARTICLE_RE.match(text)
    if match:
        number, inserted, rest = match.groups()
        if not rest or rest[0] not in _ARTICLE_PROSE_STARTS:
            return HeadingMatch(RANK_ARTICLE, f"第{number}条{inserted or ''}", rest.strip())
    return None


def close_letter_spacing(text: str) -> str:
    """Close up characters spread with spaces for layout: "总 则" -> "总则"."""
    return _CJK_GAP_RE.sub("", text)


def normalize_cell(cell: str) -> str:
    cell = cell.strip()
    return _CJK_GAP_RE.sub("", cell) if _LETTER_SPACED_RE.match(cell) else cell


def split_run_in(rest: str) -> tuple[str, str]:
    """Split "加强新媒体应用。要积极……" into heading and body text.

    The heading is the first sentence when it is short. A long first sentence with
    an early colon ("知识产权保护方面5项：……") splits at the colon. Otherwise the
    line has no heading and is all body text.
    """
    stop = rest.find("。")
    first = rest if stop == -1 else rest[:stop]
    after = "" if stop == -1 else rest[stop + 1:].strip()
    limit = HEADING_LINE_MAX if stop == -1 else RUN_IN_HEADING_MAX

    if len(first) <= limit:
        return first.rstrip("：:"), after

    colon = first.find("：")
    if 0 < colon <= RUN_IN_HEADING_MAX:
        return first[:colon], rest[colon + 1:].strip()
    return "", rest


def _split_article_caption(rest: str) -> tuple[str, str]:
    """Return (caption, text) of an article. Most articles have no caption."""
    match = _ARTICLE_CAPTION_RE.match(rest)
    if match is None or not match.group(2):
        return "", rest
    return match.group(1).strip(), match.group(2)


class OutlineBuilder:
    """Build the section tree from body lines, in order."""

    def __init__(self) -> None:
        self.leading: list[str] = []          # paragraphs before the first heading
        self.sections: list[ParsedSection] = []
        self._open: list[tuple[int, ParsedSection]] = []

    def add_lines(self, lines: list[Line]) -> None:
        index = 0
        while index < len(lines):
            if lines[index].cells is not None:
                rows, index = collect_table(lines, index)
                self.add_table(rows)
            else:
                self.add_line(lines[index].text)
                index += 1

    def add_line(self, text: str) -> None:
        match = match_heading(text)
        if match is None:
            self._add_paragraph(text)
        else:
            self._open_heading(match)

    def add_table(self, rows: list[list[str]]) -> None:
        rows = [[normalize_cell(cell) for cell in row] for row in rows]
        table = ParsedSection(kind="table", rows=rows, level=len(self._open) + 1)
        self._children_of_top().append(table)

    def _open_heading(self, match: HeadingMatch) -> None:
        while self._open and self._open[-1][0] >= match.rank:
            self._open.pop()

        section = ParsedSection(label=match.label, level=len(self._open) + 1)
        if match.rank in (RANK_CHAPTER, RANK_PART):
            section.heading = close_letter_spacing(match.rest)
        elif match.rank == RANK_ARTICLE:
            section.heading, section.text = _split_article_caption(match.rest)
        elif self._inside_article():
            # An item （一） of an article is body text without a heading.
            section.text = match.rest
        else:
            section.heading, section.text = split_run_in(match.rest)

        self._children_of_top().append(section)
        self._open.append((match.rank, section))

    def _add_paragraph(self, text: str) -> None:
        if not self._open:
            self.leading.append(text)
            return

        # An item of an article is one paragraph, so a paragraph after the items
        # is the article's next paragraph (款), kept in order as a child.
        if self._inside_article() and self._open[-1][0] > RANK_ARTICLE:
            while self._open[-1][0] > RANK_ARTICLE:
                self._open.pop()

        top = self._open[-1][1]
        if top.children:
            top.children.append(ParsedSection(kind="paragraph", text=text, level=top.level + 1))
        else:
            top.text = f"{top.text}\n{text}" if top.text else text

    def _inside_article(self) -> bool:
        return any(rank == RANK_ARTICLE for rank, _ in self._open)

    def _children_of_top(self) -> list[ParsedSection]:
        return self._open[-1][1].children if self._open else self.sections


def collect_table(lines: list[Line], start: int) -> tuple[list[list[str]], int]:
    """Collect the rows of a table that starts at a tab-separated row.

    Short lines without tabs between two rows stay in the table as one-cell group
    rows. Return the rows and the index of the first line after the table.
    """
    rows = [lines[start].cells or []]
    index = start + 1
    while index < len(lines):
        if lines[index].cells is not None:
            rows.append(lines[index].cells)
            index += 1
            continue

        end = index
        while end < len(lines) and _is_group_row(lines[end]):
            end += 1
        if end == index or end == len(lines) or lines[end].cells is None:
            break
        rows.extend([line.text] for line in lines[index:end])
        index = end
    return rows, index


def _is_group_row(line: Line) -> bool:
    return line.cells is None and len(line.text) <= GROUP_ROW_MAX and "。" not in line.text
