"""Read the cell values of the first worksheet of an .xlsx file (Office Open XML).

Monitoring services export their lists as .xlsx. Only the values are needed, so this
reads the package with zipfile and lxml: the workbook, its relationships, the shared
strings and one worksheet. Numbers come back as written in the file ("46327.5"); the
caller decides which column contains a date serial. Formulas give their cached value.
"""

import io
import logging
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from lxml import etree

from planner.errors import InvalidInput
from planner.i18n import inside_quotes

logger = logging.getLogger(__name__)

# A list of a few thousand items unpacks to a few MB; more is refused before inflating.
MAX_UNPACKED_MB = 100
MAX_PARTS = 2000
MAX_ROWS = 20000

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_NS = {"m": _MAIN, "r": _REL, "p": _PKG_REL}
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")
# No DTDs, no entities, no network: a spreadsheet part needs none of them.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                          huge_tree=False)


@dataclass(frozen=True)
class SheetRow:
    number: int          # the row number Excel shows (1-based)
    cells: list[str]     # column A first; empty cells are ""


def read_first_sheet(filename: str, data: bytes) -> list[SheetRow]:
    """Return the non-empty rows of the workbook's first sheet, in order."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            _check_size(filename, package.infolist())
            shared = _shared_strings(package)
            sheet = _parse(package.read(_first_sheet_path(package)))
    except InvalidInput:
        raise
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError, ValueError) as exc:
        logger.warning("%s is not a readable .xlsx package: %s", filename, exc)
        raise InvalidInput("xlsx.unreadable", name=inside_quotes(filename)) from exc

    rows = [row for row in _rows(sheet, shared) if any(cell.strip() for cell in row.cells)]
    if len(rows) > MAX_ROWS:
        raise InvalidInput("xlsx.too_many_rows", name=inside_quotes(filename), count=len(rows),
                           limit=MAX_ROWS)
    logger.info("read %d rows from %s", len(rows), filename)
    return rows


def _check_size(filename: str, members: list[zipfile.ZipInfo]) -> None:
    unpacked = sum(member.file_size for member in members)
    if len(members) > MAX_PARTS or unpacked > MAX_UNPACKED_MB * 1024 * 1024:
        raise InvalidInput("xlsx.too_large", name=inside_quotes(filename), limit_mb=MAX_UNPACKED_MB)


def _parse(xml: bytes) -> etree._Element:
    return etree.fromstring(xml, parser=_PARSER)


def _first_sheet_path(package: zipfile.ZipFile) -> str:
    """Follow xl/workbook.xml's first <sheet> through its relationship to the part name."""
    workbook = _parse(package.read("xl/workbook.xml"))
    first = workbook.find("m:sheets/m:sheet", _NS)
    if first is None:
        raise ValueError("workbook has no sheets")
    rel_id = first.get(f"{{{_REL}}}id")

    rels = _parse(package.read("xl/_rels/workbook.xml.rels"))
    for rel in rels.findall("p:Relationship", _NS):
        if rel.get("Id") == rel_id:
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            return str(PurePosixPath(path))
    raise ValueError(f"no relationship {rel_id} for the first sheet")


def _shared_strings(package: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in package.namelist():
        return []
    table = _parse(package.read("xl/sharedStrings.xml"))
    return [_text_of(item) for item in table.findall("m:si", _NS)]


def _text_of(element: etree._Element) -> str:
    # A rich-text string is several runs (<r><t>); phonetic hints (<rPh>) are not text.
    return "".join(node.text or "" for node in element.iter(f"{{{_MAIN}}}t")
                   if node.getparent().tag != f"{{{_MAIN}}}rPh")


def _rows(sheet: etree._Element, shared: list[str]) -> list[SheetRow]:
    rows = []
    for index, row in enumerate(sheet.iterfind("m:sheetData/m:row", _NS), start=1):
        number = int(row.get("r") or index)
        values: dict[int, str] = {}
        for position, cell in enumerate(row.findall("m:c", _NS)):
            column = _column_index(cell.get("r")) if cell.get("r") else position
            values[column] = _cell_value(cell, shared)
        width = max(values, default=-1) + 1
        rows.append(SheetRow(number, [values.get(col, "") for col in range(width)]))
    return rows


def _column_index(ref: str) -> int:
    match = _CELL_REF.fullmatch(ref.upper())
    if match is None:
        raise ValueError(f"bad cell reference {ref!r}")
    index = 0
    for letter in match.group(1):
        index = index * 26 + (ord(letter) - ord("A") + 1)
    return index - 1


def _cell_value(cell: etree._Element, shared: list[str]) -> str:
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        inline = cell.find("m:is", _NS)
        return _text_of(inline) if inline is not None else ""

    value = cell.find("m:v", _NS)
    text = value.text if value is not None and value.text else ""
    if kind == "s" and text:
        return shared[int(text)]
    if kind == "b":
        return "TRUE" if text == "1" else "FALSE"
    return text
