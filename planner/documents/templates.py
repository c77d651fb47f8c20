"""The shipped Word templates: where they live, their section lists, the GB/T 9704 numbers.

Each draft kind has a Word template (templates/<kind>.docx) and a section list next to
it (templates/<kind>.toml): the template file name, the draft kind, and the sections in
order, each with a key, its Chinese title and a one-line hint for the drafter.

The layout numbers below are shared by templates/build_templates.py, which writes the
templates, and by planner.documents.word.check_gbt9704, which checks a file against them.
"""

import logging
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from planner.errors import InvalidInput

logger = logging.getLogger(__name__)

DEFAULT_TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates"

# The section whose body is the lead paragraph of a 答记者问, not a question.
INTRO_KEY = "intro"

# Twentieths of a point per millimetre: Word stores lengths in twips (1/1440 inch).
TWIPS_PER_MM = 1440 / 25.4


def mm_to_twips(mm: float) -> int:
    return round(mm * TWIPS_PER_MM)


# GB/T 9704-2012 §5.2.1: A4, 210 mm × 297 mm.
PAGE_WIDTH_MM = 210
PAGE_HEIGHT_MM = 297

# §5.2.2: 天头 (top) 37 mm, 订口 (left) 28 mm, 版心 (type area) 156 mm × 225 mm,
# which leaves 210 − 28 − 156 = 26 mm on the right and 297 − 37 − 225 = 35 mm at the bottom.
MARGIN_TOP_MM = 37
MARGIN_LEFT_MM = 28
MARGIN_RIGHT_MM = 26
MARGIN_BOTTOM_MM = 35

# §5.2.4: 22 lines a page, 28 characters a line, in 3号 (16 pt) type.
LINES_PER_PAGE = 22
CHARS_PER_LINE = 28

# The type area in Word, after each edge is rounded to whole twips:
# 16838 − 2098 − 1984 = 12756 twips high, 11906 − 1587 − 1474 = 8845 twips wide.
TYPE_AREA_HEIGHT_TWIPS = (mm_to_twips(PAGE_HEIGHT_MM) - mm_to_twips(MARGIN_TOP_MM)
                          - mm_to_twips(MARGIN_BOTTOM_MM))
TYPE_AREA_WIDTH_TWIPS = (mm_to_twips(PAGE_WIDTH_MM) - mm_to_twips(MARGIN_LEFT_MM)
                         - mm_to_twips(MARGIN_RIGHT_MM))

# 12756 / 22 = 579.8 twips; rounded up to 580, 22 lines would need 12760 twips and only
# 21 would fit, so the pitch is rounded down: 579 twips = 28.95 pt.
LINE_PITCH_TWIPS = TYPE_AREA_HEIGHT_TWIPS // LINES_PER_PAGE

# Point sizes (字号): 2号 = 22 pt (title), 3号 = 16 pt (body, headings), 4号 = 14 pt (page number).
TITLE_PT = 22
BODY_PT = 16
PAGE_NUMBER_PT = 14

# w:docGrid w:charSpace is how much each character pitch differs from the 16 pt body size,
# in 1/4096 pt. 28 characters in 8845 twips (442.25 pt) need a pitch of at most 15.7946 pt,
# which is 16 pt − 841.1/4096 pt. Rounding down to −842 keeps all 28 in the line.
CHAR_SPACE = ((TYPE_AREA_WIDTH_TWIPS - BODY_PT * 20 * CHARS_PER_LINE) * 4096
              // (20 * CHARS_PER_LINE))

# §7 fonts. Names as Word and WPS on a government PC know them.
FONT_TITLE = "方正小标宋简体"     # 标题: 2号小标宋体字
FONT_BODY = "仿宋_GB2312"        # 正文: 3号仿宋体字; also the 1. and （1） levels
FONT_HEADING_1 = "黑体"          # 一、
FONT_HEADING_2 = "楷体_GB2312"   # （一）
FONT_PAGE_NUMBER = "宋体"        # 页码: 4号半角宋体阿拉伯数字


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str        # heading, or the question of a 答记者问, with {short} and {heading}
    hint: str = ""
    repeat: str = ""  # "top_level": one section per top-level part of the policy
    tier: str = ""    # 答问口径 only: the question's default AnswerTier code


@dataclass(frozen=True)
class TemplateSpec:
    kind: str
    name: str             # the kind's Chinese name, e.g. 政策解读
    template: str         # the .docx file name inside the template directory
    title: str            # the draft title pattern, with {policy_title}, {issuer}
    sections: tuple[SectionSpec, ...]
    directory: Path
    # An event document's title pattern for a topic that already names the event's kind
    # in its middle (第三场新闻发布会（春运专场）), so the title does not repeat the kind.
    title_named: str = ""

    @property
    def path(self) -> Path:
        return self.directory / self.template


def default_template_dir() -> Path:
    return DEFAULT_TEMPLATE_DIR


def load_template_spec(kind: str, template_dir: Path | str | None = None) -> TemplateSpec:
    """Read the section list for `kind`, from `template_dir` if it has one, else the shipped one.

    An office may put only its restyled .docx into its own directory. The shipped section
    list then still applies, and the template file is looked up in the office's directory.
    """
    directory = Path(template_dir) if template_dir else DEFAULT_TEMPLATE_DIR
    toml_path = directory / f"{kind}.toml"
    if not toml_path.exists():
        toml_path = DEFAULT_TEMPLATE_DIR / f"{kind}.toml"
    if not toml_path.exists():
        raise InvalidInput("documents.word.kind_unknown", kind=kind)

    raw = _read_toml(toml_path, toml_path.stat().st_mtime_ns)
    return _spec_from_toml(raw, directory)


@cache
def _read_toml(path: Path, mtime_ns: int) -> dict:
    # mtime_ns is part of the cache key, so an edited section list is read again.
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput("documents.word.section_list_invalid", path=str(path),
                           error=str(exc)) from exc


def _spec_from_toml(raw: dict, directory: Path) -> TemplateSpec:
    sections = tuple(
        SectionSpec(key=item["key"], title=item["title"], hint=item.get("hint", ""),
                    repeat=item.get("repeat", ""), tier=item.get("tier", ""))
        for item in raw.get("sections", [])
    )
    return TemplateSpec(kind=raw["kind"], name=raw.get("name", raw["kind"]),
                        template=raw["template"], title=raw.get("title", "{policy_title}"),
                        sections=sections, directory=directory,
                        title_named=raw.get("title_named", ""))
