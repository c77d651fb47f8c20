"""CSV files that a spreadsheet opens safely and in the right encoding.

Excel and WPS run a cell that starts with =, +, - or @ as a formula (CSV injection); a
leading tab or carriage return can hide such a cell behind whitespace. Every text cell
that starts with one of these characters gets a single quote in front, which the
spreadsheet shows as plain text. Files start with a UTF-8 byte order mark, without
which Excel on a Chinese Windows reads UTF-8 as GBK and shows garbled characters.
"""

import codecs
import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """Return the cell text, with a leading ' if a spreadsheet would run it as a formula.

    Numbers are written as they are: a negative number is data, not a formula.
    """
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)

    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_bytes(header: Sequence[object], rows: Iterable[Sequence[object]]) -> bytes:
    """Write `header` and `rows` as CSV: neutralised cells, CRLF lines, UTF-8 with BOM."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")
