"""Word round trip: read an exported draft back after an expert edited it in Word or WPS.

The export carries an export stamp: a custom document property, which Word lists under
File → Info → Properties → Advanced Properties → Custom and keeps when it saves the file.
It contains the draft id and, for each section, its id, its version at export and
fingerprints of its heading and body. With it, an import knows which version the expert
started from and which sections the expert left alone. A file without a stamp (made
elsewhere, or with the property removed) can only be matched by its headings.

NOTE: that WPS keeps the property too is expected but not checked here. A WPS file that
lost it still imports, matched by its headings.

`read_draft_docx` lays a .docx out the way `planner.documents.word.render_docx` wrote it:

- heading layout (政策解读, 舆情回应稿, 会议通知 and the other numbered kinds): the title,
  the lead paragraphs (导语) where the kind has them, then per section a 标题 1 heading
  "一、…" and its body paragraphs, then the issuer and date lines, which are skipped.
- question layout (答记者问): the title, the lead paragraphs, then per section a
  paragraph "问：…", the answer paragraphs (the first led by "答："), and an optional
  答问依据 paragraph "依据：…". Questions are found by their 问： whatever their style,
  and 依据 lines by their style and 依据：. The 依据 text is read into `source_ref` only
  so the import can report an edited one. It is not imported, because 依据 cites the
  policy clause the answer rests on and is kept in the app.

Paragraph text comes from walking the document XML, not from python-docx's
`paragraph.text`, which leaves out runs inside tracked insertions. Tracked changes count
as accepted: text inserted (w:ins) or moved here (w:moveTo) is kept and listed, text
deleted (w:del) or moved away (w:moveFrom) is dropped and listed, and a paragraph whose
mark was deleted joins the paragraph after it, as it does when Word accepts the change.
"""

import hashlib
import io
import json
import logging
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePath, PurePosixPath

import docx
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from lxml import etree

from planner.documents.reading import check_docx_container
from planner.documents.word import ZIP_TIME, split_paragraphs, strip_mark
from planner.errors import InvalidInput
from planner.i18n import has_key, inside_quotes, t

logger = logging.getLogger(__name__)

STAMP_PROPERTY = "PlannerDraftExport"
STAMP_FORMAT = 1
# The format id that every user-defined custom property carries (ECMA-376 Part 1 §22.3).
_CUSTOM_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"
_CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_CUSTOM_PART = "docProps/custom.xml"

# Layouts, by draft kind (models.DraftKind values), with whether the lead section (key
# "intro") appears in the file. Kinds not listed (新闻通稿, 文字实录, 重要政务活动信息 run
# their sections together without headings; 答问口径 mixes tiers, 答题要点 and 避免的表述
# into each question) cannot be split back into sections.
HEADINGS = "headings"
QUESTIONS = "questions"
INTRO_KEY = "intro"
LAYOUTS = {
    "interpretation": (HEADINGS, False),
    "qa": (QUESTIONS, True),
    "opinion_response": (HEADINGS, True),
    "meeting_notice": (HEADINGS, True),
    "meeting_minutes": (HEADINGS, True),
    "opinion_report": (HEADINGS, True),
    "press_plan": (HEADINGS, True),
    "event_preview": (HEADINGS, True),
}

_LEVEL_ONE_LABEL = re.compile(r"^[一二三四五六七八九十]+、")
_QUESTION_MARK = re.compile(r"^问\s*[：:]")
_ANSWER_MARK = re.compile(r"^答\s*[：:]")
_BASIS_MARK = re.compile(r"^依据\s*[：:]")
_WHITESPACE = re.compile(r"\s+")
_LINE_STRIP = " \t\u3000"
_LEGACY_WORD = {".doc", ".wps", ".dot", ".wpt", ".rtf"}

# Paragraph roles, from the template's paragraph styles.
TITLE, SUBTITLE, HEADING, QUESTION, BASIS, DOC_NUMBER, SIGNATURE, BODY = (
    "title", "subtitle", "heading", "question", "basis", "doc_number", "signature", "body")
# Style ids as build_templates.py writes them, and style names as Word and WPS show them
# (lower case), for a template an office restyled or a file WPS saved again.
_STYLE_ROLES = {
    "title": TITLE, "标题": TITLE,
    "subtitle": SUBTITLE, "副标题": SUBTITLE,
    "heading1": HEADING, "heading 1": HEADING, "标题 1": HEADING,
    "question": QUESTION, "问题": QUESTION,
    "basis": BASIS, "答问依据": BASIS,
    "docnumber": DOC_NUMBER, "发文字号": DOC_NUMBER,
    "signature": SIGNATURE, "发文机关署名": SIGNATURE,
    "signaturedate": SIGNATURE, "成文日期": SIGNATURE,
}

# Tracked-change marks of a piece of text.
INSERTED, DELETED, MOVED_IN, MOVED_OUT = "inserted", "deleted", "moved_in", "moved_out"
_REMOVED = {DELETED, MOVED_OUT}
_W_P, _W_TBL, _W_TR, _W_TC = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:tc")
_W_SDT, _W_SDT_CONTENT, _W_CUSTOM_XML = qn("w:sdt"), qn("w:sdtContent"), qn("w:customXml")
_W_T, _W_DEL_TEXT, _W_TAB = qn("w:t"), qn("w:delText"), qn("w:tab")
_W_BR, _W_CR, _W_NB_HYPHEN = qn("w:br"), qn("w:cr"), qn("w:noBreakHyphen")
_W_R, _W_RPR, _W_PPR, _W_VANISH = qn("w:r"), qn("w:rPr"), qn("w:pPr"), qn("w:vanish")
_REVISION_MARKS = {qn("w:ins"): INSERTED, qn("w:del"): DELETED,
                   qn("w:moveTo"): MOVED_IN, qn("w:moveFrom"): MOVED_OUT}
# Subtrees whose text is not shown as part of the paragraph: properties (they hold
# the paragraph-mark and formatting revisions), field codes, text boxes, notes, the
# fallback copy of mc:AlternateContent, and content-control settings.
_SKIPPED = {
    _W_PPR, _W_RPR, qn("w:instrText"), qn("w:delInstrText"), qn("w:txbxContent"),
    qn("w:footnoteReference"), qn("w:endnoteReference"), qn("w:sdtPr"), qn("w:sdtEndPr"),
    _MC_FALLBACK,
}


# --- The export stamp -----------------------------------------------------------------------

@dataclass(frozen=True)
class StampedSection:
    """One section as it was exported: ids, version and fingerprints (see `fingerprint`)."""

    section_id: int
    version: int
    key: str
    title_hash: str
    body_hash: str


@dataclass(frozen=True)
class ExportStamp:
    draft_id: int
    kind: str
    title_hash: str
    sections: tuple[StampedSection, ...]   # every section of the draft, in position order


def make_stamp(*, draft_id: int, kind: str, title: str,
               sections: Iterable[tuple[int, int, str, str, str]]) -> ExportStamp:
    """Build the stamp of an export from the draft and its (id, version, key, title, body)
    sections in position order."""
    layout = LAYOUTS.get(kind, (HEADINGS, True))[0]
    stamped = tuple(StampedSection(section_id=section_id, version=version, key=key,
                                   title_hash=fingerprint(title_key(layout, section_title)),
                                   body_hash=fingerprint(body_key(body)))
                    for section_id, version, key, section_title, body in sections)
    return ExportStamp(draft_id=draft_id, kind=kind, title_hash=fingerprint(text_key(title)),
                       sections=stamped)


def write_stamp(docx_bytes: bytes, stamp: ExportStamp) -> bytes:
    """Return the .docx with the stamp set as the custom property PlannerDraftExport.

    Other custom properties of an office's template stay. Every zip entry gets the fixed
    time that render_docx uses, so equal drafts still give equal bytes.
    """
    source = zipfile.ZipFile(io.BytesIO(docx_bytes))
    names = source.namelist()
    package_rels = etree.fromstring(source.read("_rels/.rels"), _safe_parser())
    part_name = _custom_part_name(package_rels) or _CUSTOM_PART
    custom = (etree.fromstring(source.read(part_name), _safe_parser()) if part_name in names
              else etree.Element(f"{{{_CUSTOM_NS}}}Properties", nsmap={None: _CUSTOM_NS,
                                                                      "vt": _VT_NS}))
    _set_stamp_property(custom, _stamp_json(stamp))
    _relate_custom_part(package_rels, part_name)
    content_types = etree.fromstring(source.read("[Content_Types].xml"), _safe_parser())
    _declare_custom_part(content_types, part_name)

    replaced = {"_rels/.rels": package_rels, "[Content_Types].xml": content_types,
                part_name: custom}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in names + ([part_name] if part_name not in names else []):
            data = (etree.tostring(replaced[name], xml_declaration=True, encoding="UTF-8",
                                   standalone=True)
                    if name in replaced else source.read(name))
            entry = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, data)
    return out.getvalue()


def read_stamp(docx_bytes: bytes) -> ExportStamp | None:
    """Return the export stamp of a .docx, or None when it has none or an unreadable one."""
    try:
        with zipfile.ZipFile(io.BytesIO(docx_bytes)) as package:
            part_name = _custom_part_name(etree.fromstring(package.read("_rels/.rels"),
                                                           _safe_parser()))
            if part_name is None or part_name not in package.namelist():
                return None
            custom = etree.fromstring(package.read(part_name), _safe_parser())
    except (KeyError, zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError,
            RuntimeError, etree.XMLSyntaxError) as exc:
        # A damaged package: reading the body fails next and says so.
        logger.warning("custom properties unreadable: %s", exc)
        return None

    for prop in custom.iterchildren(f"{{{_CUSTOM_NS}}}property"):
        if prop.get("name") == STAMP_PROPERTY:
            return _parse_stamp("".join(prop.itertext()))
    return None


def _safe_parser() -> etree.XMLParser:
    # Untrusted XML: no entity expansion, no network, no huge trees. One parser per call,
    # because an lxml parser must not be shared between threads (Streamlit runs several).
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def _stamp_json(stamp: ExportStamp) -> str:
    return json.dumps({
        "format": STAMP_FORMAT, "draft": stamp.draft_id, "kind": stamp.kind,
        "title": stamp.title_hash,
        "sections": [[s.section_id, s.version, s.key, s.title_hash, s.body_hash]
                     for s in stamp.sections],
    }, ensure_ascii=False, separators=(",", ":"))


def _parse_stamp(text: str) -> ExportStamp | None:
    # The property is text anyone can edit in Word, so every field is checked.
    try:
        raw = json.loads(text)
        if raw.get("format") != STAMP_FORMAT:
            raise ValueError(f"format {raw.get('format')!r}")
        sections = tuple(StampedSection(section_id=_int(item[0]), version=_int(item[1]),
                                        key=_str(item[2]), title_hash=_str(item[3]),
                                        body_hash=_str(item[4]))
                         for item in raw["sections"])
        return ExportStamp(draft_id=_int(raw["draft"]), kind=_str(raw["kind"]),
                           title_hash=_str(raw["title"]), sections=sections)
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        logger.warning("export stamp unreadable, matching by headings: %s", exc)
        return None


def _int(value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"not a count: {value!r}")
    return value


def _str(value) -> str:
    if not isinstance(value, str):
        raise ValueError(f"not a string: {value!r}")
    return value


def _custom_part_name(package_rels) -> str | None:
    for rel in package_rels.iterchildren(f"{{{_RELS_NS}}}Relationship"):
        if rel.get("Type") == RT.CUSTOM_PROPERTIES:
            return str(PurePosixPath("/", rel.get("Target", ""))).lstrip("/")
    return None


def _set_stamp_property(custom, value: str) -> None:
    pids = []
    for prop in list(custom.iterchildren(f"{{{_CUSTOM_NS}}}property")):
        if prop.get("name") == STAMP_PROPERTY:
            custom.remove(prop)
        elif (prop.get("pid") or "").isdigit():
            pids.append(int(prop.get("pid")))
    # pid 0 and 1 are reserved, so user-defined properties start at 2.
    prop = etree.SubElement(custom, f"{{{_CUSTOM_NS}}}property", fmtid=_CUSTOM_FMTID,
                            pid=str(max(pids, default=1) + 1), name=STAMP_PROPERTY)
    etree.SubElement(prop, f"{{{_VT_NS}}}lpwstr").text = value


def _relate_custom_part(package_rels, part_name: str) -> None:
    if _custom_part_name(package_rels) is not None:
        return
    ids = {rel.get("Id") for rel in package_rels}
    number = 1
    while f"rId{number}" in ids:
        number += 1
    etree.SubElement(package_rels, f"{{{_RELS_NS}}}Relationship", Id=f"rId{number}",
                     Type=RT.CUSTOM_PROPERTIES, Target=part_name)


def _declare_custom_part(content_types, part_name: str) -> None:
    part_uri = f"/{part_name}"
    for override in content_types.iterchildren(f"{{{_TYPES_NS}}}Override"):
        if override.get("PartName") == part_uri:
            return
    etree.SubElement(content_types, f"{{{_TYPES_NS}}}Override", PartName=part_uri,
                     ContentType=CT.OFC_CUSTOM_PROPERTIES)


# --- Comparing text -------------------------------------------------------------------------

def text_key(text: str) -> str:
    """Return a one-line text (a title) as it is compared: without any whitespace."""
    return _WHITESPACE.sub("", text or "")


def title_key(layout: str, title: str) -> str:
    """Return a section heading as it is compared: as `text_key`, without the label that
    the renderer adds. That is 一、 in the heading layout and 问： in the question layout,
    where a question typed with its own 问： is exported with one."""
    key = text_key(title)
    if layout == QUESTIONS:
        return strip_mark(key, "问")
    return _LEVEL_ONE_LABEL.sub("", key) if layout == HEADINGS else key


def body_key(body: str) -> str:
    """Return a body as the Word file shows it: one line per non-empty paragraph, without
    the indent spaces, and （一） run-in headings in full-width brackets.

    A leading 答： is left out on both sides of a comparison, because the question layouts
    print it once whether or not the stored answer starts with it.
    """
    lines = [p.lead + p.text for p in split_paragraphs(strip_mark(body, "答")) if p.lead or p.text]
    return "\n".join(lines)


def fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


# --- Reading the file -----------------------------------------------------------------------

@dataclass(frozen=True)
class TrackedChanges:
    """Tracked changes (修订) found in a part of the file, each fragment as one string."""

    inserted: tuple[str, ...] = ()    # w:ins, kept
    deleted: tuple[str, ...] = ()     # w:del, dropped
    moved_in: tuple[str, ...] = ()    # w:moveTo, kept
    moved_out: tuple[str, ...] = ()   # w:moveFrom, dropped

    def __add__(self, other: "TrackedChanges") -> "TrackedChanges":
        return TrackedChanges(self.inserted + other.inserted, self.deleted + other.deleted,
                              self.moved_in + other.moved_in,
                              self.moved_out + other.moved_out)

    def __bool__(self) -> bool:
        return bool(self.inserted or self.deleted or self.moved_in or self.moved_out)


@dataclass(frozen=True)
class ReadSection:
    """One section read from the file; `title` is "" for the lead paragraphs."""

    title: str
    lines: tuple[str, ...]
    source_ref: str | None = None     # the 依据 line's text, None when there is none
    changes: TrackedChanges = field(default_factory=TrackedChanges)

    @property
    def body(self) -> str:
        return "\n".join(self.lines)


@dataclass(frozen=True)
class ReadDraft:
    layout: str
    title: str
    title_changes: TrackedChanges
    intro: ReadSection                # lead paragraphs before the first heading or question
    sections: tuple[ReadSection, ...]
    stamp: ExportStamp | None


@dataclass
class _Block:
    """A paragraph (or a table row) of the body, with its role and tracked changes."""

    role: str
    text: str
    changes: TrackedChanges
    joins_next: bool = False   # its paragraph mark is a tracked deletion


def layout_of(kind: str) -> tuple[str, bool]:
    """Return (layout, whether the lead section is in the file) for a draft kind."""
    if kind not in LAYOUTS:
        label = t(f"draft.kind.{kind}") if has_key(f"draft.kind.{kind}") else kind
        raise InvalidInput("roundtrip.kind_unsupported", kind=label)
    return LAYOUTS[kind]


def read_draft_docx(file_name: str, data: bytes, kind: str, *,
                    check_stamp: Callable[[ExportStamp], None] | None = None) -> ReadDraft:
    """Read an edited export of a draft of `kind` into its title and sections.

    `check_stamp` gets the file's export stamp, if it has one, before the body is read,
    so a file of another draft is named as such and not reported as missing headings.
    Raises InvalidInput, with a message naming the file, the problem and the fix, for
    anything that is not a readable Word package with headings or questions.
    """
    layout, _ = layout_of(kind)
    check_upload(file_name, data)
    stamp = read_stamp(data)
    if stamp is not None and check_stamp is not None:
        check_stamp(stamp)
    try:
        document = docx.Document(io.BytesIO(data))
        blocks = _join_deleted_marks(list(_body_blocks(document.element.body,
                                                       _StyleRoles(document.styles.element))))
    except Exception as exc:  # python-docx, zipfile and lxml raise many types here
        logger.warning("cannot read %s as .docx: %s", file_name, exc, exc_info=True)
        raise InvalidInput("roundtrip.file.corrupt", name=inside_quotes(file_name)) from exc

    if not any(block.text.strip() for block in blocks):
        raise InvalidInput("roundtrip.file.no_text", name=inside_quotes(file_name))
    draft = _lay_out(blocks, layout, stamp)
    if not draft.sections:
        raise InvalidInput(f"roundtrip.file.no_{layout}", name=file_name)
    logger.info("read %s: %d sections, stamp %s", file_name, len(draft.sections),
                draft.stamp.draft_id if draft.stamp else "none")
    return draft


def check_upload(file_name: str, data: bytes) -> None:
    """Reject what is not a Word package (.docx) before anything opens it.

    The container checks are those for policy uploads (encrypted files, legacy .doc, zip
    bombs, other formats renamed), with messages that ask for an edited export instead.
    """
    extension = PurePath(file_name).suffix.lower()
    if not data:
        raise InvalidInput("roundtrip.file.empty", name=inside_quotes(file_name))
    if extension in (".docm", ".dotm"):
        raise InvalidInput("roundtrip.file.macro", name=inside_quotes(file_name))
    if extension in _LEGACY_WORD:
        raise InvalidInput("roundtrip.file.legacy", name=inside_quotes(file_name), ext=extension)
    if extension != ".docx":
        raise InvalidInput("roundtrip.file.not_docx", name=inside_quotes(file_name),
                           ext=extension or "无")

    try:
        check_docx_container(file_name, data)
    except InvalidInput as exc:
        suffix = exc.key.rsplit(".", 1)[-1]
        logger.warning("round-trip upload %s rejected: %s (%d bytes)", file_name, exc.key,
                       len(data))
        raise InvalidInput(f"roundtrip.file.{suffix}", **exc.params) from exc


def _lay_out(blocks: list[_Block], layout: str, stamp: ExportStamp | None) -> ReadDraft:
    boundary = QUESTION if layout == QUESTIONS else HEADING
    if layout == QUESTIONS:
        _mark_questions_by_text(blocks)
    else:
        _mark_headings(blocks)

    title_block = _title_block(blocks, boundary)
    intro: list[_Block] = []
    parts: list[tuple[_Block, list[_Block]]] = []
    for block in blocks:
        # The subtitle, 发文字号 and 落款 come from the draft's fields, not from a section.
        if block is title_block or block.role in (SUBTITLE, DOC_NUMBER, SIGNATURE):
            continue
        if block.role == boundary:
            parts.append((block, []))
        elif parts:
            parts[-1][1].append(block)
        else:
            intro.append(block)

    return ReadDraft(
        layout=layout,
        title=_strip_line(title_block.text.replace("\n", "")) if title_block else "",
        title_changes=title_block.changes if title_block else TrackedChanges(),
        intro=_section("", None, intro, layout),
        sections=tuple(_section(_heading_text(head.text, layout), head, body, layout)
                       for head, body in parts),
        stamp=stamp)


def _section(title: str, head: _Block | None, blocks: list[_Block], layout: str) -> ReadSection:
    changes = head.changes if head else TrackedChanges()
    lines, basis = [], []
    for block in blocks:
        changes = changes + block.changes
        texts = [_strip_line(line) for line in block.text.split("\n")]
        if layout == QUESTIONS and block.role == BASIS:
            basis.extend(_BASIS_MARK.sub("", text, count=1).strip(_LINE_STRIP)
                         for text in texts if text)
        else:
            lines.extend(text for text in texts if text)

    if layout == QUESTIONS and head is not None and lines:
        lines[0] = _ANSWER_MARK.sub("", lines[0], count=1).lstrip(_LINE_STRIP)
        lines = [line for line in lines if line]
    return ReadSection(title=title, lines=tuple(lines),
                       source_ref="；".join(basis) if basis else None, changes=changes)


def _heading_text(text: str, layout: str) -> str:
    line = _strip_line(text.replace("\n", ""))
    if layout == QUESTIONS:
        return _QUESTION_MARK.sub("", line, count=1).lstrip(_LINE_STRIP)
    return _LEVEL_ONE_LABEL.sub("", line, count=1).lstrip(_LINE_STRIP)


def _title_block(blocks: list[_Block], boundary: str) -> _Block | None:
    """Return the paragraph in 标题 style, or else the first paragraph if it comes before
    every heading (a file whose styles were cleared)."""
    titled = next((b for b in blocks if b.role == TITLE and b.text.strip()), None)
    if titled is not None:
        return titled
    first = next((b for b in blocks if b.text.strip()), None)
    if first is not None and first.role == BODY and any(b.role == boundary for b in blocks):
        return first
    return None


def _mark_questions_by_text(blocks: list[_Block]) -> None:
    """Take a paragraph for a question by its 问： and a 依据 line by its style and 依据：.

    The 问题 and 答问依据 styles name no next style, so a paragraph typed after pressing
    Enter at the end of a question keeps the 问题 style: without 问： it is answer text.
    """
    for block in blocks:
        text = _strip_line(block.text)
        if block.role in (BODY, HEADING, QUESTION) and _QUESTION_MARK.match(text):
            block.role = QUESTION
        elif block.role == QUESTION or (block.role == BASIS and not _BASIS_MARK.match(text)):
            block.role = BODY


def _mark_headings(blocks: list[_Block]) -> None:
    """Drop the heading role of empty heading paragraphs. In a file without any 标题 1
    paragraph (its styles cleared), take a paragraph that starts with 一、 for a heading."""
    for block in blocks:
        if block.role == HEADING and not _strip_line(block.text):
            block.role = BODY
    if any(block.role == HEADING for block in blocks):
        return
    # NOTE: a body paragraph that starts with 一、 is then taken for a heading too.
    for block in blocks:
        if block.role == BODY and _LEVEL_ONE_LABEL.match(_strip_line(block.text)):
            block.role = HEADING


def _strip_line(text: str) -> str:
    return text.strip(_LINE_STRIP + "\r\n")


def _join_deleted_marks(blocks: list[_Block]) -> list[_Block]:
    """Join each paragraph whose mark is a tracked deletion to the paragraph after it,
    which keeps its own style, as Word does when the deletion is accepted."""
    joined: list[_Block] = []
    pending: _Block | None = None
    for block in blocks:
        if pending is not None:
            block = _Block(role=block.role, text=pending.text + block.text,
                           changes=pending.changes + block.changes,
                           joins_next=block.joins_next)
            pending = None
        if block.joins_next:
            pending = block
        else:
            joined.append(block)
    if pending is not None:
        joined.append(pending)
    return joined


def _body_blocks(container, roles: "_StyleRoles") -> Iterator[_Block]:
    for child in container:
        if child.tag == _W_P:
            yield _paragraph_block(child, roles)
        elif child.tag == _W_TBL:
            yield from _table_blocks(child, roles)
        elif child.tag == _W_SDT:
            content = child.find(_W_SDT_CONTENT)
            if content is not None:
                yield from _body_blocks(content, roles)
        elif child.tag == _W_CUSTOM_XML:
            yield from _body_blocks(child, roles)


def _paragraph_block(paragraph, roles: "_StyleRoles") -> _Block:
    pieces = [piece for piece in _pieces(paragraph, "") if piece[0]]
    text = "".join(text for text, mark in pieces if mark not in _REMOVED)
    mark = paragraph.find(f"{qn('w:pPr')}/{qn('w:rPr')}/{qn('w:del')}")
    return _Block(role=roles.role_of(paragraph), text=text, changes=_changes(pieces),
                  joins_next=mark is not None)


def _table_blocks(table, roles: "_StyleRoles") -> Iterator[_Block]:
    """Yield one body block per table row, its cells joined by a tab."""
    for row in table.iterchildren(_W_TR):
        cells, changes = [], TrackedChanges()
        for cell in row.iterchildren(_W_TC):
            inner = list(_body_blocks(cell, roles))
            cells.append(" ".join(_strip_line(b.text) for b in inner if b.text.strip()))
            for block in inner:
                changes = changes + block.changes
        if any(cells) or changes:
            yield _Block(role=BODY, text="\t".join(cells), changes=changes)


def _pieces(element, mark: str) -> Iterator[tuple[str, str]]:
    """Yield (text, tracked-change mark) in document order; "" marks untracked text."""
    for child in element:
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIPPED:
            continue
        if tag in _REVISION_MARKS:
            # A deletion wins over anything inside or around it.
            yield from _pieces(child, mark if mark in _REMOVED else _REVISION_MARKS[tag])
        elif tag in (_W_T, _W_DEL_TEXT):
            yield child.text or "", mark
        elif tag == _W_TAB:
            yield "\t", mark
        elif tag in (_W_BR, _W_CR):
            yield "\n", mark
        elif tag == _W_NB_HYPHEN:
            yield "-", mark
        elif tag == _W_R and _is_hidden(child):
            continue
        else:
            yield from _pieces(child, mark)


def _changes(pieces: list[tuple[str, str]]) -> TrackedChanges:
    """Group neighbouring pieces with the same mark into one fragment each."""
    fragments: dict[str, list[str]] = {INSERTED: [], DELETED: [], MOVED_IN: [], MOVED_OUT: []}
    previous = ""
    for text, mark in pieces:
        if mark and mark == previous:
            fragments[mark][-1] += text
        elif mark:
            fragments[mark].append(text)
        previous = mark
    cleaned = {mark: tuple(f.strip() for f in found if f.strip())
               for mark, found in fragments.items()}
    return TrackedChanges(inserted=cleaned[INSERTED], deleted=cleaned[DELETED],
                          moved_in=cleaned[MOVED_IN], moved_out=cleaned[MOVED_OUT])


def _is_hidden(run) -> bool:
    r_pr = run.find(_W_RPR)
    vanish = None if r_pr is None else r_pr.find(_W_VANISH)
    return vanish is not None and vanish.get(qn("w:val"), "true") not in ("0", "false", "off")


class _StyleRoles:
    """Find a paragraph's role from its style, following each style's basedOn chain, and
    from an outline level 0 (a level-one heading in the navigation pane)."""

    def __init__(self, styles_element) -> None:
        self.by_id = {s.get(qn("w:styleId")): s for s in styles_element.iter(qn("w:style"))}
        self.default_id = next((style_id for style_id, s in self.by_id.items()
                                if s.get(qn("w:type")) == "paragraph"
                                and s.get(qn("w:default")) in ("1", "true")), "Normal")

    def role_of(self, paragraph) -> str:
        style = paragraph.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
        style_id = style.get(qn("w:val")) if style is not None else self.default_id
        direct_level = paragraph.find(f"{qn('w:pPr')}/{qn('w:outlineLvl')}")
        if direct_level is not None:
            return HEADING if direct_level.get(qn("w:val")) == "0" else self._style_role(
                style_id, with_outline=False)
        return self._style_role(style_id, with_outline=True)

    def _style_role(self, style_id: str, *, with_outline: bool) -> str:
        seen = set()
        while style_id and style_id not in seen:
            seen.add(style_id)
            role = _STYLE_ROLES.get(style_id.lower())
            style = self.by_id.get(style_id)
            if style is None:
                return role or BODY
            name = style.find(qn("w:name"))
            role = role or _STYLE_ROLES.get((name.get(qn("w:val")) or "").lower()
                                            if name is not None else "")
            if role:
                return role
            level = style.find(f"{qn('w:pPr')}/{qn('w:outlineLvl')}")
            if with_outline and level is not None:
                return HEADING if level.get(qn("w:val")) == "0" else BODY
            based = style.find(qn("w:basedOn"))
            style_id = based.get(qn("w:val")) if based is not None else ""
        return BODY
