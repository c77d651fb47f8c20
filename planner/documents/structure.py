"""Plain data shapes shared by the parser, the prefill and the Word renderer.

These carry no database ids, so parsing and rendering run without a database
(the CLI and the benchmark use them directly).
"""

from __future__ import annotations  # the field `date` shadows the type in class bodies

from dataclasses import dataclass, field
from datetime import date


@dataclass
class ParsedSection:
    """One block of a policy: a numbered heading with its text and children, an
    unnumbered paragraph, an attachment (附件) or a table."""

    label: str = ""        # the number as printed: 一、 / （三） / 1. / 第五条 / 第一章
    heading: str = ""      # heading text without the label ("" for an unheaded article)
    text: str = ""         # body text under the heading, paragraphs joined by "\n"
    kind: str = "heading"  # heading | paragraph | attachment | table (see models.SectionKind)
    level: int = 1         # 1 for the top level of this document's own hierarchy
    children: list["ParsedSection"] = field(default_factory=list)
    rows: list[list[str]] | None = None  # table cells, for kind == "table"


@dataclass
class ParsedPolicy:
    title: str = ""
    doc_number: str = ""   # 发文字号, normalised to 〔〕: 川办发〔2013〕81号
    issuer: str = ""       # 发文机关 (from the signature, or the title)
    addressee: str = ""    # 主送机关, without the trailing colon
    date: date | None = None
    preamble: str = ""     # the opening paragraph(s) before the first heading
    cited_documents: list[str] = field(default_factory=list)  # 《…》(…〔…〕…号) cited in the text
    sections: list[ParsedSection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # catalog keys for fields not found


@dataclass
class DraftSectionContent:
    """One section of a draft as rendered: a heading and body, or a question and answer."""

    key: str
    title: str
    body: str
    source_ref: str = ""   # 依据, e.g. "二、（三）"
    # 答问口径 only: the AnswerTier code, the 答题要点 and 避免的表述, one item a line.
    tier: str = ""
    key_points: str = ""
    avoid_phrasing: str = ""


@dataclass
class DraftDocument:
    """Everything the Word renderer needs for one draft."""

    kind: str                          # models.DraftKind value
    title: str
    sections: list[DraftSectionContent]
    issuer: str = ""
    doc_number: str = ""
    date: date | None = None
    subtitle: str = ""
