"""Read an uploaded policy file (.docx or .txt) into a list of text lines.

Each line is one paragraph as a reader sees it. In a .docx, numbers that Word's
automatic list numbering draws ("第一章", "第三条") are written into the line, and
each table row becomes one line with its cells joined by a tab. Every failure to
read raises InvalidInput with a message that names the file and the formats that
are accepted; no other exception leaves `read_policy_file`.
"""

import codecs
import io
import logging
import re
import zipfile
from collections.abc import Iterator
from pathlib import PurePath

import charset_normalizer
import docx
from docx.oxml.ns import qn
from lxml import etree

from planner.documents.docx_numbering import ListNumbering
from planner.errors import InvalidInput
from planner.i18n import inside_quotes, t

logger = logging.getLogger(__name__)

# The first 8 bytes of an OLE compound file: a legacy .doc, or any Office file
# encrypted with an open password (MS-OFFCRYPTO wraps the package in OLE).
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Zip bomb limits, checked on the package directory before anything is decompressed.
# A policy .docx unpacks to a few MB, so a larger total is treated as a zip bomb.
MAX_DOCX_UNPACKED_MB = 200
# Word's XML parts shrink 2 to 10 times when zipped (D04: at most 9.3), so a part that
# expands more than this was built to exhaust memory. Parts under RATIO_MIN_BYTES are exempt
# because a tiny repetitive part may compress well and cannot hurt.
MAX_COMPRESSION_RATIO = 100
RATIO_MIN_BYTES = 1024 * 1024
# A Word package has a few dozen parts; thousands of them make a bomb of small members.
MAX_DOCX_PARTS = 1000
# zipfile stops inflating a member at its declared size and then fails its CRC check, so a
# member that lies about its size cannot grow past the limits above: it reads as corrupt.

# Streams of an Office file encrypted with an open password (MS-OFFCRYPTO), as they are
# named in the OLE directory (UTF-16LE).
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")

# Leading bytes of files sent as .docx that are not Word packages, with the catalog key
# naming their kind. The HTML case is a download that saved the server's error page.
_SIGNATURES = (
    (b"%PDF", "documents.reading.kind_pdf"),
    (b"\x89PNG", "documents.reading.kind_image"),
    (b"\xff\xd8\xff", "documents.reading.kind_image"),
    (b"GIF8", "documents.reading.kind_image"),
    (b"{\\rtf", "documents.reading.kind_rtf"),
    (b"Rar!", "documents.reading.kind_archive"),
    (b"7z\xbc\xaf", "documents.reading.kind_archive"),
    (b"\x1f\x8b", "documents.reading.kind_archive"),
    (b"<!doctype html", "documents.reading.kind_html"),
    (b"<html", "documents.reading.kind_html"),
)
_ZIP_MAGIC = b"PK"
_PACKAGE_KINDS = (
    (b"spreadsheetml", "documents.reading.kind_excel"),
    (b"presentationml", "documents.reading.kind_powerpoint"),
)

# Decoded text with a larger share of control characters is not plain text.
MAX_CONTROL_SHARE = 0.01

# C0 and C1 control characters other than tab, line feed, vertical tab, form feed
# and carriage return, which plain text may contain.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_LINE_BREAKS = ("\r\n", "\r", "\u2028", "\u2029", "\x85", "\f", "\v")
_LEGACY_WORD = {".doc", ".wps", ".dot", ".wpt", ".rtf"}

_W_P, _W_TBL, _W_TR, _W_TC = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:tc")
_W_SDT, _W_SDT_CONTENT, _W_CUSTOM_XML = qn("w:sdt"), qn("w:sdtContent"), qn("w:customXml")
_W_T, _W_TAB, _W_BR, _W_CR = qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")
_W_R, _W_RPR, _W_VANISH = qn("w:r"), qn("w:rPr"), qn("w:vanish")
# Subtrees whose text a reader does not see in the paragraph: properties, deleted
# revisions, field codes, and text boxes (drawn apart from the text flow).
_W_SKIPPED = {
    qn("w:pPr"), qn("w:rPr"), qn("w:del"), qn("w:moveFrom"), qn("w:instrText"),
    qn("w:txbxContent"), qn("w:footnoteReference"), qn("w:endnoteReference"),
}


def read_policy_file(filename: str, data: bytes) -> list[str]:
    """Return the paragraphs of an uploaded .docx or .txt file as text lines.

    A file that cannot be read raises InvalidInput, and the rejection is logged with its
    catalog key, so an operator can see which files users struggle with.
    """
    try:
        return _read_lines(filename, data)
    except InvalidInput as exc:
        logger.warning("upload %s rejected: %s (%d bytes)", filename, exc.key, len(data))
        raise


def _read_lines(filename: str, data: bytes) -> list[str]:
    extension = PurePath(filename).suffix.lower()
    if not data:
        raise InvalidInput("documents.reading.empty", name=inside_quotes(filename))

    if extension == ".txt":
        lines = split_text_lines(decode_text(filename, data))
    elif extension == ".docx":
        lines = _read_docx(filename, data)
    elif extension in (".docm", ".dotm"):
        raise InvalidInput("documents.reading.macro", name=inside_quotes(filename))
    elif extension in _LEGACY_WORD:
        raise InvalidInput("documents.reading.legacy", name=inside_quotes(filename), ext=extension)
    elif not extension:
        raise InvalidInput("documents.reading.no_extension", name=inside_quotes(filename))
    else:
        raise InvalidInput("documents.reading.unsupported", name=inside_quotes(filename),
                           ext=extension)

    if not any(line.strip() for line in lines):
        raise InvalidInput("documents.reading.empty", name=inside_quotes(filename))
    logger.info("read %s: %d bytes, %d lines", filename, len(data), len(lines))
    return lines


def split_text_lines(text: str) -> list[str]:
    """Split plain or pasted text into lines, whatever its line endings.

    Trailing spaces go, but tabs stay because they separate table cells.
    """
    text = text.removeprefix("\ufeff")
    for line_break in _LINE_BREAKS:
        text = text.replace(line_break, "\n")
    return [line.rstrip(" \u3000\xa0") for line in text.split("\n")]


def decode_text(filename: str, data: bytes) -> str:
    """Decode a text file: a BOM first, then strict UTF-8, GB18030, and a detector.

    GB18030 is a superset of GBK and GB2312, which many office PCs still save.
    """
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            text = _strict_decode(data, encoding)
            if text is None or not _looks_like_text(text):
                raise InvalidInput("documents.reading.undecodable", name=inside_quotes(filename))
            return text

    for encoding in ("utf-8", "gb18030"):
        text = _strict_decode(data, encoding)
        if text is not None and _looks_like_text(text):
            return text

    text = _detect_and_decode(data)
    if text is None or not _looks_like_text(text):
        raise InvalidInput("documents.reading.undecodable", name=inside_quotes(filename))
    return text


def _strict_decode(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _detect_and_decode(data: bytes) -> str | None:
    """Last resort for encodings such as Big5 or BOM-less UTF-16."""
    try:
        best = charset_normalizer.from_bytes(data).best()
    except Exception:  # a heuristic library: any failure means "not detected"
        logger.warning("charset detection failed", exc_info=True)
        return None
    if best is None:
        return None
    logger.info("text decoded as %s by detection", best.encoding)
    return str(best)


def _looks_like_text(text: str) -> bool:
    if "\x00" in text:
        return False
    return len(_CONTROL_RE.findall(text)) <= MAX_CONTROL_SHARE * len(text)


def _read_docx(filename: str, data: bytes) -> list[str]:
    check_docx_container(filename, data)
    try:
        document = docx.Document(io.BytesIO(data))
        numbering = ListNumbering(_numbering_element(document), document.styles.element)
        return list(_block_lines(document.element.body, numbering))
    except Exception as exc:  # python-docx, zipfile and lxml raise many types here
        logger.warning("cannot read %s as .docx: %s", filename, exc, exc_info=True)
        raise InvalidInput("documents.reading.docx_corrupt", name=inside_quotes(filename)) from exc


def check_docx_container(filename: str, data: bytes) -> None:
    """Reject what is not a plain Word package before python-docx opens it."""
    if data.startswith(OLE_MAGIC):
        key = ("documents.reading.docx_encrypted" if _ENCRYPTED_STREAM in data
               else "documents.reading.docx_ole")
        raise InvalidInput(key, name=filename)
    if not data.startswith(_ZIP_MAGIC):
        raise InvalidInput("documents.reading.docx_not_word", name=inside_quotes(filename),
                           kind=_describe_bytes(data))

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            members = package.infolist()
            _check_zip_bomb(filename, members)
            content_types = package.read("[Content_Types].xml")
    except InvalidInput:
        raise
    except KeyError as exc:    # a zip archive, but not an Office package
        raise InvalidInput("documents.reading.docx_not_word", name=inside_quotes(filename),
                           kind=t("documents.reading.kind_archive")) from exc
    except Exception as exc:  # BadZipFile (no central directory: cut short), zlib.error, ...
        logger.warning("%s is not a readable zip package: %s", filename, exc)
        raise InvalidInput("documents.reading.docx_truncated",
                           name=inside_quotes(filename)) from exc

    _check_content_types(filename, content_types)


def _check_zip_bomb(filename: str, members: list[zipfile.ZipInfo]) -> None:
    """Reject a package whose directory declares more than a policy document can hold."""
    if len(members) > MAX_DOCX_PARTS:
        raise InvalidInput("documents.reading.docx_too_many_parts", name=inside_quotes(filename),
                           count=len(members), limit=MAX_DOCX_PARTS)

    unpacked = sum(member.file_size for member in members)
    if unpacked > MAX_DOCX_UNPACKED_MB * 1024 * 1024:
        raise InvalidInput("documents.reading.docx_too_large", name=inside_quotes(filename),
                           limit_mb=MAX_DOCX_UNPACKED_MB)

    for member in members:
        if member.file_size < RATIO_MIN_BYTES:
            continue
        ratio = member.file_size / max(member.compress_size, 1)
        if ratio > MAX_COMPRESSION_RATIO:
            raise InvalidInput("documents.reading.docx_zip_bomb", name=inside_quotes(filename),
                               part=member.filename, ratio=int(ratio),
                               limit=MAX_COMPRESSION_RATIO)


def _check_content_types(filename: str, content_types: bytes) -> None:
    if b"macroEnabled" in content_types:
        raise InvalidInput("documents.reading.macro", name=inside_quotes(filename))
    if b"wordprocessingml" in content_types:
        return

    kind_key = next((key for marker, key in _PACKAGE_KINDS if marker in content_types),
                    "documents.reading.kind_other")
    raise InvalidInput("documents.reading.docx_not_word", name=inside_quotes(filename),
                       kind=t(kind_key))


def _describe_bytes(data: bytes) -> str:
    """Return what a file that is not a zip package seems to be, for the rejection message."""
    head = data[:64].lstrip().lower()
    for signature, key in _SIGNATURES:
        if head.startswith(signature.lower()):
            return t(key)

    for encoding in ("utf-8", "gb18030"):
        text = _strict_decode(data, encoding)
        if text is not None and _looks_like_text(text):
            return t("documents.reading.kind_text")
    return t("documents.reading.kind_other")


def _numbering_element(document) -> etree._Element | None:
    try:
        return document.part.numbering_part.element
    except (KeyError, NotImplementedError):
        return None


def _block_lines(container: etree._Element, numbering: ListNumbering) -> Iterator[str]:
    """Yield the lines of body-level paragraphs and tables in document order."""
    for child in container:
        if child.tag == _W_P:
            yield from _paragraph_lines(child, numbering)
        elif child.tag == _W_TBL:
            yield from _table_lines(child, numbering)
        elif child.tag == _W_SDT:
            content = child.find(_W_SDT_CONTENT)
            if content is not None:
                yield from _block_lines(content, numbering)
        elif child.tag == _W_CUSTOM_XML:
            yield from _block_lines(child, numbering)


def _paragraph_lines(paragraph: etree._Element, numbering: ListNumbering) -> list[str]:
    """Return the paragraph's text with its list number, split at manual line breaks."""
    label, separator = numbering.label_for(paragraph)
    text = "".join(_visible_text(paragraph))
    if label:
        text = f"{label}{separator}{text.lstrip()}"
    return text.split("\n")


def _visible_text(element: etree._Element) -> Iterator[str]:
    for child in element:
        if not isinstance(child.tag, str) or child.tag in _W_SKIPPED:
            continue
        if child.tag == _W_T:
            yield child.text or ""
        elif child.tag == _W_TAB:
            yield "\t"
        elif child.tag in (_W_BR, _W_CR):
            yield "\n"
        elif child.tag == _W_R and _is_hidden(child):
            continue
        else:
            yield from _visible_text(child)


def _is_hidden(run: etree._Element) -> bool:
    r_pr = run.find(_W_RPR)
    vanish = None if r_pr is None else r_pr.find(_W_VANISH)
    return vanish is not None and vanish.get(qn("w:val"), "true") not in ("0", "false", "off")


def _table_lines(table: etree._Element, numbering: ListNumbering) -> Iterator[str]:
    """Yield one line per table row with its cells joined by a tab.

    A row merged into one full-width cell gives a line without tabs.
    """
    for row in table.iterchildren(_W_TR):
        cells = [_cell_text(cell, numbering) for cell in row.iterchildren(_W_TC)]
        if any(cells):
            yield "\t".join(cells)


def _cell_text(cell: etree._Element, numbering: ListNumbering) -> str:
    """Return a cell's paragraphs (and nested tables) as one line."""
    parts = [line.strip() for line in _block_lines(cell, numbering)]
    text = " ".join(part for part in parts if part)
    return text.replace("\t", " ")
