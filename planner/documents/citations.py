"""Clause citations in free text (二、（三）, 第五条, 第二章第五条) as citation paths.

A citation path names a clause the way planner.services.policies stores it: the labels
from the top joined together (二、（三）1.), except that an article (第五条) is cited on its
own because article numbers run through the whole document. Half-width brackets, "二." and
Arabic article numbers (第5条) are read as their standard forms (二、, （三）, 第五条).

A label alone is ambiguous: "一、" starts many lists. So a lone 一、 or （三） counts as a
citation only after a word that introduces one (依据, 根据, 见, 按照, 参照, 对照, or a
closing 》 as in 《实施意见》二、), or anywhere on a line that starts with 依据. Composite
paths (二、（三）) and articles count wherever they appear.
"""

import re
from dataclasses import dataclass

_CN = "[一二三四五六七八九十百零〇两]+"
_CN_SMALL = "[一二三四五六七八九十]{1,3}"
_NUMBER = rf"(?:{_CN}|\d{{1,3}})"
_S = r"[ \u3000]*"
_OPEN, _CLOSE = r"[（(]", r"[）)]"

_ARTICLE_RE = re.compile(
    rf"(?:第{_S}(?P<chapter>{_NUMBER}){_S}章{_S})?(?:第{_S}(?P<part>{_NUMBER}){_S}节{_S})?"
    rf"第{_S}(?P<article>{_NUMBER}){_S}条(?P<inserted>之{_CN_SMALL})?"
    rf"(?:{_S}第?{_S}{_OPEN}{_S}(?P<item>{_CN_SMALL}){_S}{_CLOSE}{_S}项?"
    rf"|{_S}第(?P<item_plain>{_CN_SMALL})项)?")
_CHAPTER_RE = re.compile(
    rf"第{_S}(?P<chapter>{_NUMBER}){_S}章(?:{_S}第{_S}(?P<part>{_NUMBER}){_S}节)?")
_OUTLINE_RE = re.compile(
    rf"(?P<l1>{_CN_SMALL}){_S}[、．.](?![\d]){_S}"
    rf"(?:{_OPEN}{_S}(?P<l2>{_CN_SMALL}){_S}{_CLOSE}"
    rf"(?:{_S}(?P<l3>\d{{1,2}}){_S}[.．](?![\d.．])"
    rf"(?:{_S}{_OPEN}{_S}(?P<l4>\d{{1,2}}){_S}{_CLOSE})?)?)?")
_BARE_ITEM_RE = re.compile(rf"{_OPEN}{_S}(?P<l2>{_CN_SMALL}){_S}{_CLOSE}")

_CUES = ("依据", "根据", "见", "按照", "参照", "对照", "》")
_CITATION_LINE_RE = re.compile(r"^[\s*#>\-]*依据")
_ARABIC_IN_PATH_RE = re.compile(r"第(\d{1,3})(章|节|条)")
_DIGITS = "一二三四五六七八九"


@dataclass(frozen=True)
class Citation:
    cited: str            # as written in the text
    path: str             # standard citation path: 二、（三） / 第五条（三） / 第二章 / （三）
    chapter: str = ""     # 第二章 (or 第二章第一节) when the text named an article's chapter
    bare: bool = False    # a lone （三）: the text does not say which part it belongs to


def find_citations(text: str) -> list[Citation]:
    """List the clauses `text` cites, in order of first appearance, each path once."""
    found: dict[str, Citation] = {}
    for line in text.splitlines():
        for citation in _line_citations(line):
            found.setdefault(citation.chapter + citation.path, citation)
    return list(found.values())


def as_basis_lines(text: str) -> str:
    """Write a 依据 field (二、（三）；三、) as 依据 lines for find_citations, so that a lone
    二、 or （三） in it counts as a citation, as it does on a line that starts with 依据."""
    return "\n".join(f"依据：{line.strip()}" for line in text.splitlines() if line.strip())


def standard_path(path: str) -> str:
    """Write a stored or cited path in standard form: full-width brackets, 第五条 not 第5条."""
    path = path.replace("(", "（").replace(")", "）").replace(" ", "").replace("\u3000", "")
    return _ARABIC_IN_PATH_RE.sub(lambda m: f"第{chinese_number(int(m[1]))}{m[2]}", path)


def chinese_number(n: int) -> str:
    """Write 1 to 999 as legal texts number articles: 5 → 五, 12 → 十二, 105 → 一百零五."""
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    text = f"{_DIGITS[hundreds - 1]}百" if hundreds else ""
    if tens:
        text += ("" if tens == 1 and not hundreds else _DIGITS[tens - 1]) + "十"
    elif hundreds and ones:
        text += "零"
    return text + (_DIGITS[ones - 1] if ones else "")


def _line_citations(line: str) -> list[Citation]:
    is_citation_line = bool(_CITATION_LINE_RE.match(line))
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, Citation]] = []

    for match in _ARTICLE_RE.finditer(line):
        taken.append(match.span())
        found.append((match.start(), _article(match)))
    for match in _CHAPTER_RE.finditer(line):
        if not _overlaps(match.span(), taken):
            taken.append(match.span())
            found.append((match.start(), _chapter(match)))
    for match in _OUTLINE_RE.finditer(line):
        if _overlaps(match.span(), taken) or not _outline_is_citation(line, match,
                                                                      is_citation_line):
            continue
        taken.append(match.span())
        found.append((match.start(), _outline(match)))
    for match in _BARE_ITEM_RE.finditer(line):
        if _overlaps(match.span(), taken):
            continue
        if is_citation_line or _after_cue(line, match.start()):
            found.append((match.start(), Citation(match[0].strip(), f"（{match['l2']}）",
                                                  bare=True)))
    return [citation for _, citation in sorted(found, key=lambda pair: pair[0])]


def _article(match: re.Match) -> Citation:
    path = f"第{match['article']}条{match['inserted'] or ''}"
    item = match["item"] or match["item_plain"]
    if item:
        path += f"（{item}）"
    chapter = ""
    if match["chapter"]:
        chapter = f"第{match['chapter']}章" + (f"第{match['part']}节" if match["part"] else "")
    return Citation(match[0].strip(), standard_path(path), chapter=standard_path(chapter))


def _chapter(match: re.Match) -> Citation:
    path = f"第{match['chapter']}章" + (f"第{match['part']}节" if match["part"] else "")
    return Citation(match[0].strip(), standard_path(path))


def _outline(match: re.Match) -> Citation:
    path = f"{match['l1']}、"
    if match["l2"]:
        path += f"（{match['l2']}）"
    if match["l3"]:
        path += f"{match['l3']}."
    if match["l4"]:
        path += f"（{match['l4']}）"
    return Citation(match[0].strip(), path)


def _outline_is_citation(line: str, match: re.Match, is_citation_line: bool) -> bool:
    before = line[match.start() - 1] if match.start() else ""
    if before == "第" or re.match(_CN_SMALL, before or "x"):
        return False   # "第一、第二" and "十一、" read from its middle are not citations
    if match["l2"]:
        return True
    following = line[match.end():match.end() + 1]
    if re.match(r"[一二三四五六七八九十]", following):
        return False   # "二、三季度": a list of numbers
    return is_citation_line or _after_cue(line, match.start())


def _after_cue(line: str, start: int) -> bool:
    before = line[:start].rstrip(" \u3000：:")
    return before.endswith(_CUES)


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in taken)
