"""Word automatic list numbering (numbering.xml), replayed in body order.

Chinese regulations built from templates often take "第一章" and "第一条" from list
numbering, so the numbers are not in the paragraph text. `ListNumbering.label_for`
returns the number a reader sees in Word for each paragraph, in document order.

Counting follows ECMA-376 Part 1 §17.9 at the basic level. Counters belong to the
abstract list (w:abstractNum), so two w:num instances of one abstract list continue
each other unless a w:startOverride restarts them. A level restarts when a higher
level is used, unless w:lvlRestart names another level (0 = never).

NOTE: counting shared across w:num instances models Word's "continue numbering". It
is not checked against Word, because no fixture has two instances of one list.
"""

import logging
from dataclasses import dataclass, field

from docx.oxml.ns import qn
from lxml import etree

logger = logging.getLogger(__name__)

LEVEL_COUNT = 9  # Word lists have levels 0-8

_CN_DIGITS = "〇一二三四五六七八九"
_CN_LEGAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_CN_UNITS = ("", "十", "百", "千")
_CN_LEGAL_UNITS = ("", "拾", "佰", "仟")
_HEAVENLY_STEMS = "甲乙丙丁戊己庚辛壬癸"
_ROMAN = (
    (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
    (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
)


@dataclass
class ListLevel:
    """One w:lvl of an abstract list."""

    start: int = 1
    num_fmt: str = "decimal"
    lvl_text: str = ""
    restart: int | None = None  # w:lvlRestart: None = after any higher level, 0 = never
    suffix: str = "tab"         # w:suff: tab | space | nothing
    is_legal: bool = False      # w:isLgl: show every referenced level as decimal


@dataclass
class ListInstance:
    """One w:num: the abstract list it uses and its per-level start overrides."""

    abstract_id: str
    start_overrides: dict[int, int] = field(default_factory=dict)


class ListNumbering:
    """Resolve and count Word list numbers for the paragraphs of one document.

    Call `label_for` once per paragraph in body order, because every numbered
    paragraph advances its list's counters.
    """

    def __init__(self, numbering: etree._Element | None, styles: etree._Element | None):
        self._levels = _read_abstract_lists(numbering)
        self._instances = _read_instances(numbering)
        self._style_numbering = _read_style_numbering(styles)
        self._default_style = _default_paragraph_style(styles)
        self._counters: dict[str, list[int | None]] = {}
        self._overrides_applied: set[tuple[str, int]] = set()

    def label_for(self, paragraph: etree._Element) -> tuple[str, str]:
        """Return (label, separator) for a w:p, or ("", "") when it is not numbered."""
        num_id, ilvl = self._numbering_of(paragraph)
        instance = self._instances.get(num_id)
        if instance is None:
            return "", ""

        levels = self._levels.get(instance.abstract_id, {})
        level = levels.get(ilvl)
        if level is None or level.num_fmt == "bullet":
            return "", ""

        counters = self._advance(num_id, instance, levels, ilvl)
        label = _expand_lvl_text(level, levels, counters)
        separator = "" if level.suffix == "nothing" or not label else " "
        return label, separator

    def _numbering_of(self, paragraph: etree._Element) -> tuple[str, int]:
        """Merge the paragraph's own w:numPr with the one its style chain gives."""
        style_id = self._default_style
        direct_num_id, direct_ilvl = None, None
        p_pr = paragraph.find(qn("w:pPr"))
        if p_pr is not None:
            style_el = p_pr.find(qn("w:pStyle"))
            if style_el is not None:
                style_id = style_el.get(qn("w:val"), style_id)
            direct_num_id, direct_ilvl = _num_pr_values(p_pr.find(qn("w:numPr")))

        style_num_id, style_ilvl = self._style_numbering.get(style_id, (None, None))
        num_id = direct_num_id if direct_num_id is not None else style_num_id
        ilvl = direct_ilvl if direct_ilvl is not None else style_ilvl
        return num_id or "0", ilvl or 0

    def _advance(self, num_id: str, instance: ListInstance,
                 levels: dict[int, ListLevel], ilvl: int) -> list[int | None]:
        counters = self._counters.setdefault(instance.abstract_id, [None] * LEVEL_COUNT)

        # A w:startOverride restarts the shared list where this instance is first
        # used, and replaces the level's w:start whenever the level restarts.
        override = instance.start_overrides.get(ilvl)
        if override is not None and (num_id, ilvl) not in self._overrides_applied:
            self._overrides_applied.add((num_id, ilvl))
            counters[ilvl] = None

        start = levels[ilvl].start if override is None else override
        counters[ilvl] = start if counters[ilvl] is None else counters[ilvl] + 1

        for deeper in range(ilvl + 1, LEVEL_COUNT):
            if _restarts_after(levels.get(deeper), ilvl):
                counters[deeper] = None
        return counters


def _restarts_after(level: ListLevel | None, used_ilvl: int) -> bool:
    """Whether `level` restarts when a paragraph at the higher level `used_ilvl` appears.

    w:lvlRestart contains a one-based level, and 0 means never. Word restarts on that
    level or any higher one (Microsoft's notes on ISO/IEC 29500, MS-OI29500).
    """
    if level is None or level.restart is None:
        return True
    if level.restart == 0:
        return False
    return used_ilvl <= level.restart - 1


def _expand_lvl_text(level: ListLevel, levels: dict[int, ListLevel],
                     counters: list[int | None]) -> str:
    """Replace %1..%9 in w:lvlText with the formatted counters of those levels."""
    text = level.lvl_text
    for index in range(LEVEL_COUNT):
        placeholder = f"%{index + 1}"
        if placeholder not in text:
            continue
        referenced = levels.get(index) or ListLevel()
        value = counters[index] if counters[index] is not None else referenced.start
        num_fmt = "decimal" if level.is_legal else referenced.num_fmt
        text = text.replace(placeholder, format_list_number(value, num_fmt))
    return text


def format_list_number(value: int, num_fmt: str) -> str:
    """Format a list counter as Word shows it for w:numFmt `num_fmt`.

    Formats not listed here fall back to Arabic numerals.
    """
    if num_fmt == "none":
        return ""
    if num_fmt == "chineseCountingThousand":
        return _chinese_positional(value, _CN_DIGITS, _CN_UNITS)
    if num_fmt == "chineseCounting":
        # Word writes 1-99 positionally (十一) and larger values digit by digit (一〇一).
        if 0 < value < 100:
            return _chinese_positional(value, _CN_DIGITS, _CN_UNITS)
        return "".join(_CN_DIGITS[int(d)] for d in str(value))
    if num_fmt == "chineseLegalSimplified":
        return _chinese_positional(value, _CN_LEGAL_DIGITS, _CN_LEGAL_UNITS, short_ten=False)
    if num_fmt == "ideographTraditional" and 1 <= value <= 10:
        return _HEAVENLY_STEMS[value - 1]
    if num_fmt in ("upperLetter", "lowerLetter") and value > 0:
        letter = chr(ord("A") + (value - 1) % 26) * ((value - 1) // 26 + 1)
        return letter if num_fmt == "upperLetter" else letter.lower()
    if num_fmt in ("upperRoman", "lowerRoman") and 0 < value < 4000:
        roman = _roman(value)
        return roman if num_fmt == "upperRoman" else roman.lower()
    if num_fmt == "decimalZero":
        return f"{value:02d}"
    if num_fmt == "decimalFullWidth":
        return "".join(chr(ord(d) + 0xFEE0) for d in str(value))
    if num_fmt == "decimalEnclosedCircle" and 1 <= value <= 20:
        return chr(0x2460 + value - 1)
    return str(value)


def _chinese_positional(value: int, digits: str, units: tuple[str, ...],
                        short_ten: bool = True) -> str:
    """Write 1-9999 with place units: 十, 十一, 二十, 一百〇一, 一千〇一十."""
    if not 0 < value < 10000:
        return str(value)

    parts: list[str] = []
    pending_zero = False
    for position in range(3, -1, -1):
        digit = value // 10 ** position % 10
        if digit == 0:
            pending_zero = bool(parts)
            continue
        if pending_zero:
            parts.append(digits[0])
            pending_zero = False
        parts.append(digits[digit] + units[position])

    text = "".join(parts)
    if short_ten and 10 <= value < 20:
        text = text[1:]  # 十一, not 一十一
    return text


def _roman(value: int) -> str:
    parts = []
    for amount, symbol in _ROMAN:
        count, value = divmod(value, amount)
        parts.append(symbol * count)
    return "".join(parts)


def _read_abstract_lists(numbering: etree._Element | None) -> dict[str, dict[int, ListLevel]]:
    abstract_lists: dict[str, dict[int, ListLevel]] = {}
    if numbering is None:
        return abstract_lists

    for abstract in numbering.iterchildren(qn("w:abstractNum")):
        levels = {}
        for lvl in abstract.iterchildren(qn("w:lvl")):
            ilvl = _int(lvl.get(qn("w:ilvl")))
            if ilvl is not None and 0 <= ilvl < LEVEL_COUNT:
                levels[ilvl] = _read_level(lvl)
        abstract_lists[abstract.get(qn("w:abstractNumId"), "")] = levels
    return abstract_lists


def _read_level(lvl: etree._Element) -> ListLevel:
    def child_value(tag: str) -> str | None:
        child = lvl.find(qn(tag))
        return None if child is None else child.get(qn("w:val"))

    start = _int(child_value("w:start"))
    is_legal = lvl.find(qn("w:isLgl"))
    return ListLevel(
        start=0 if start is None else start,  # ISO/IEC 29500-1 §17.9.26: omitted means 0
        num_fmt=child_value("w:numFmt") or "decimal",
        lvl_text=child_value("w:lvlText") or "",
        restart=_int(child_value("w:lvlRestart")),
        suffix=child_value("w:suff") or "tab",
        is_legal=is_legal is not None and is_legal.get(qn("w:val"), "1") not in ("0", "false"),
    )


def _read_instances(numbering: etree._Element | None) -> dict[str, ListInstance]:
    instances: dict[str, ListInstance] = {}
    if numbering is None:
        return instances

    for num in numbering.iterchildren(qn("w:num")):
        abstract_el = num.find(qn("w:abstractNumId"))
        if abstract_el is None:
            continue
        instance = ListInstance(abstract_id=abstract_el.get(qn("w:val"), ""))
        # NOTE: a w:lvl inside w:lvlOverride (a redefined level) is not applied; only
        # w:startOverride is.
        for override in num.iterchildren(qn("w:lvlOverride")):
            ilvl = _int(override.get(qn("w:ilvl")))
            start_el = override.find(qn("w:startOverride"))
            start = None if start_el is None else _int(start_el.get(qn("w:val")))
            if ilvl is not None and start is not None:
                instance.start_overrides[ilvl] = start
        instances[num.get(qn("w:numId"), "")] = instance
    return instances


def _read_style_numbering(styles: etree._Element | None) -> dict[str, tuple[str | None, int | None]]:
    """Map each paragraph style id to the (numId, ilvl) it gives, following w:basedOn."""
    if styles is None:
        return {}

    own: dict[str, tuple[str | None, int | None]] = {}
    based_on: dict[str, str] = {}
    for style in styles.iterchildren(qn("w:style")):
        style_id = style.get(qn("w:styleId"))
        if style_id is None:
            continue
        p_pr = style.find(qn("w:pPr"))
        own[style_id] = _num_pr_values(None if p_pr is None else p_pr.find(qn("w:numPr")))
        parent = style.find(qn("w:basedOn"))
        if parent is not None and parent.get(qn("w:val")):
            based_on[style_id] = parent.get(qn("w:val"))

    return {style_id: _inherited(style_id, own, based_on) for style_id in own}


def _inherited(style_id: str, own: dict, based_on: dict[str, str]) -> tuple[str | None, int | None]:
    num_id, ilvl = None, None
    seen: set[str] = set()
    current: str | None = style_id
    while current is not None and current not in seen:
        seen.add(current)
        parent_num_id, parent_ilvl = own.get(current, (None, None))
        num_id = num_id if num_id is not None else parent_num_id
        ilvl = ilvl if ilvl is not None else parent_ilvl
        current = based_on.get(current)
    return num_id, ilvl


def _default_paragraph_style(styles: etree._Element | None) -> str | None:
    if styles is None:
        return None
    for style in styles.iterchildren(qn("w:style")):
        is_default = style.get(qn("w:default")) in ("1", "true", "on")
        if style.get(qn("w:type")) == "paragraph" and is_default:
            return style.get(qn("w:styleId"))
    return None


def _num_pr_values(num_pr: etree._Element | None) -> tuple[str | None, int | None]:
    if num_pr is None:
        return None, None
    num_id_el = num_pr.find(qn("w:numId"))
    ilvl_el = num_pr.find(qn("w:ilvl"))
    num_id = None if num_id_el is None else num_id_el.get(qn("w:val"))
    ilvl = None if ilvl_el is None else _int(ilvl_el.get(qn("w:val")))
    if ilvl is not None and not 0 <= ilvl < LEVEL_COUNT:
        ilvl = 0
    return num_id, ilvl


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
