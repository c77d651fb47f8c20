"""Import opinion items from a monitoring service's CSV or Excel export.

Two steps, so nothing is saved that the office has not seen: `preview` reads the file
(CSV in UTF-8 or GBK/GB18030, or .xlsx), maps its columns by their Chinese headings,
checks every row and flags links already in the register or earlier in the file;
`save` then registers the good rows. Line numbers are the ones the office sees when it
opens the file: the line of a CSV row (the heading is line 1), the row number in Excel.
"""

import csv
import io
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import PurePath

from sqlmodel import Session

from planner.documents.reading import decode_text
from planner.errors import InvalidInput
from planner.i18n import inside_quotes, t
from planner.models import OpinionItem, OpinionSeverity, OpinionSource, User
from planner.permissions import require
from planner.services import opinions
from planner.timeutil import OFFICE_TZ, now_utc
from planner.xlsx import read_first_sheet

logger = logging.getLogger(__name__)

MAX_FILE_MB = 20
MAX_ROWS = 5000

# Column headings seen in monitoring exports, per field; compared without spaces or case.
HEADINGS: dict[str, tuple[str, ...]] = {
    "source": ("来源", "来源平台", "平台", "信息来源", "渠道", "媒体类型", "source"),
    "link": ("链接", "原文链接", "网址", "原文地址", "地址", "url", "link"),
    "first_seen": ("首发时间", "发布时间", "首次发现时间", "发现时间", "监测时间", "时间",
                   "first_seen"),
    "summary": ("摘要", "内容摘要", "舆情摘要", "标题", "内容", "summary"),
    "category": ("类别", "分类", "舆情类别", "category"),
    "severity": ("等级", "舆情等级", "级别", "严重程度", "severity"),
}
REQUIRED = ("source", "first_seen", "summary")

# Words in a source cell that name a platform kind. The cell's own text is kept as the
# detail when it is more specific (新浪微博, 抖音).
SOURCE_WORDS: tuple[tuple[str, OpinionSource], ...] = (
    ("12328", OpinionSource.HOTLINE), ("热线", OpinionSource.HOTLINE),
    ("微博", OpinionSource.WEIBO), ("微信", OpinionSource.WECHAT),
    ("公众号", OpinionSource.WECHAT), ("网站", OpinionSource.WEBSITE),
    ("门户", OpinionSource.WEBSITE), ("论坛", OpinionSource.WEBSITE),
    ("媒体", OpinionSource.MEDIA), ("报", OpinionSource.MEDIA),
    ("电视", OpinionSource.MEDIA), ("广播", OpinionSource.MEDIA),
    ("新闻", OpinionSource.MEDIA),
)
SEVERITY_WORDS = {"一般": OpinionSeverity.ORDINARY, "较大": OpinionSeverity.SERIOUS,
                  "重大": OpinionSeverity.MAJOR, "特别重大": OpinionSeverity.CRITICAL}

_DATE_TIME = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"
                        r"(?:\s*(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.\d+)?)?)?")
# Excel counts days from 1899-12-30 (its 1900 leap-year bug folded in); 1990 to 2100.
_EXCEL_EPOCH = datetime(1899, 12, 30)
_EXCEL_SERIALS = (32874, 73051)


@dataclass
class PreviewRow:
    line: int
    data: opinions.OpinionInput | None
    errors: list[str] = field(default_factory=list)
    duplicate_of: int | None = None      # id of the item in the register with this link
    duplicate_line: int | None = None    # an earlier line of this file with this link

    @property
    def valid(self) -> bool:
        return self.data is not None and not self.errors

    @property
    def duplicate(self) -> bool:
        return self.duplicate_of is not None or self.duplicate_line is not None


@dataclass
class ImportPreview:
    file_name: str
    encoding: str                 # what the file was read as, e.g. UTF-8, GB18030, Excel
    rows: list[PreviewRow]

    @property
    def invalid(self) -> list[PreviewRow]:
        return [row for row in self.rows if not row.valid]

    @property
    def duplicates(self) -> list[PreviewRow]:
        return [row for row in self.rows if row.valid and row.duplicate]

    @property
    def ready(self) -> list[PreviewRow]:
        return [row for row in self.rows if row.valid and not row.duplicate]


@dataclass
class ImportResult:
    saved: list[OpinionItem]
    skipped_lines: list[int]      # invalid rows and duplicates left out


def preview(session: Session, *, actor: User, file_name: str, data: bytes,
            now: datetime | None = None) -> ImportPreview:
    """Read and check every row; nothing is saved. Raises InvalidInput for a file that
    cannot be read at all (wrong format, no heading row, a required column missing)."""
    require(session, actor, "opinion_register", opinions.OFFICE_ROLES)
    if len(data) > MAX_FILE_MB * 1024 * 1024:
        raise InvalidInput("opinion_import.too_large", name=inside_quotes(file_name),
                           limit_mb=MAX_FILE_MB)

    encoding, table = read_table(file_name, data)
    columns = map_columns(file_name, table[0][1])
    rows = [check_row(line, cells, columns, now or now_utc()) for line, cells in table[1:]]
    _flag_duplicates(session, rows)

    logger.info("import preview of %s: %d rows, %d invalid, %d duplicates", file_name,
                len(rows), sum(not r.valid for r in rows), sum(r.duplicate for r in rows))
    return ImportPreview(file_name=file_name, encoding=encoding, rows=rows)


def save(session: Session, *, actor: User, preview_result: ImportPreview,
         include_duplicates: bool = False) -> ImportResult:
    """Register the valid rows; duplicates only with `include_duplicates`.

    Links are checked again, so a row that another import saved after the preview is
    left out like any other duplicate.
    """
    rows = [row for row in preview_result.rows if row.valid]
    _flag_duplicates(session, rows)
    saved, skipped = [], [row.line for row in preview_result.rows if not row.valid]
    for row in rows:
        if row.duplicate and not include_duplicates:
            skipped.append(row.line)
            continue
        saved.append(opinions.register(
            session, actor=actor, data=row.data, allow_duplicate=True,
            origin={"import": preview_result.file_name, "line": row.line}))

    logger.info("imported %d items from %s, %d lines left out", len(saved),
                preview_result.file_name, len(skipped))
    return ImportResult(saved=saved, skipped_lines=sorted(skipped))


# --- reading the file -------------------------------------------------------------------

def read_table(file_name: str, data: bytes) -> tuple[str, list[tuple[int, list[str]]]]:
    """Return (encoding label, [(line, cells)]) with the heading row first."""
    extension = PurePath(file_name).suffix.lower()
    if extension == ".xlsx":
        table = [(row.number, row.cells) for row in read_first_sheet(file_name, data)]
        encoding = "Excel"
    elif extension in (".csv", ".txt"):
        encoding, table = _read_csv(file_name, data)
    else:
        raise InvalidInput("opinion_import.unsupported", name=inside_quotes(file_name),
                           ext=extension or t("opinion_import.no_extension"))

    if not table:
        raise InvalidInput("opinion_import.empty", name=inside_quotes(file_name))
    if len(table) - 1 > MAX_ROWS:
        raise InvalidInput("opinion_import.too_many_rows", name=inside_quotes(file_name),
                           count=len(table) - 1, limit=MAX_ROWS)
    return encoding, table


def _read_csv(file_name: str, data: bytes) -> tuple[str, list[tuple[int, list[str]]]]:
    try:
        text = decode_text(file_name, data)
    except InvalidInput as exc:
        raise InvalidInput("opinion_import.undecodable", name=inside_quotes(file_name)) from exc

    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""),
                        delimiter=_delimiter(text))
    table, line = [], 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                table.append((line, cells))
            line = reader.line_num + 1   # a quoted cell may span lines
    except csv.Error as exc:
        raise InvalidInput("opinion_import.csv_broken", name=inside_quotes(file_name), line=line,
                           error=str(exc)) from exc
    return _encoding_label(data), table


def _delimiter(text: str) -> str:
    # Excel's "Unicode text" and some services write tab-separated files.
    first_line = text.removeprefix("\ufeff").split("\n", 1)[0]
    return "\t" if first_line.count("\t") > first_line.count(",") else ","


def _encoding_label(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return "UTF-8"
    for encoding, label in (("utf-8", "UTF-8"), ("gb18030", "GBK/GB18030")):
        try:
            data.decode(encoding)
            return label
        except UnicodeDecodeError:
            continue
    return t("opinion_import.encoding_detected")


def map_columns(file_name: str, heading: list[str]) -> dict[str, int]:
    """Map each field to its column, by the first matching heading; require the essentials."""
    normal = [_normal_heading(cell) for cell in heading]
    columns: dict[str, int] = {}
    for name, aliases in HEADINGS.items():
        for alias in aliases:
            if alias.lower() in normal and normal.index(alias.lower()) not in columns.values():
                columns[name] = normal.index(alias.lower())
                break

    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        wanted = "；".join(f"{t(f'opinion_import.field.{name}')}（{'、'.join(HEADINGS[name][:3])}）"
                          for name in missing)
        raise InvalidInput("opinion_import.columns_missing", name=inside_quotes(file_name),
                           missing=wanted)
    return columns


def _normal_heading(cell: str) -> str:
    return re.sub(r"\s+", "", cell).removeprefix("\ufeff").lower()


# --- checking one row -------------------------------------------------------------------

def check_row(line: int, cells: list[str], columns: dict[str, int],
              now: datetime) -> PreviewRow:
    """Turn one row into an OpinionInput, or list what is wrong with it (in Chinese)."""
    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    errors: list[str] = []
    source, detail = parse_source(cell("source"), errors)
    severity = parse_severity(cell("severity"), errors)
    seen = parse_time(cell("first_seen"), errors, now)
    if not cell("summary"):
        errors.append(t("opinion_import.summary_missing"))
    if errors:
        return PreviewRow(line=line, data=None, errors=errors)

    data = opinions.OpinionInput(source=source, source_detail=detail, summary=cell("summary"),
                                 first_seen_at=seen, severity=severity, link=cell("link"),
                                 category=cell("category"))
    try:
        opinions.validate(data)
    except InvalidInput as exc:
        return PreviewRow(line=line, data=None, errors=[exc.message])
    return PreviewRow(line=line, data=data)


def parse_source(text: str, errors: list[str]) -> tuple[OpinionSource, str]:
    """Map a source cell to a kind and the platform detail worth keeping."""
    if not text:
        errors.append(t("opinion_import.source_missing"))
        return OpinionSource.OTHER, ""
    for code in OpinionSource:
        if text.lower() == code.value or text == t(f"opinion.source.{code}"):
            return code, ""
    for word, code in SOURCE_WORDS:
        if word in text:
            return code, text[:64]
    return OpinionSource.OTHER, text[:64]


def parse_severity(text: str, errors: list[str]) -> OpinionSeverity:
    """一般 when the column is absent or empty; 重大舆情 reads as 重大."""
    if not text:
        return OpinionSeverity.ORDINARY
    word = text.removesuffix("舆情").strip()
    if word in SEVERITY_WORDS:
        return SEVERITY_WORDS[word]
    if word.lower() in {code.value for code in OpinionSeverity}:
        return OpinionSeverity(word.lower())
    errors.append(t("opinion_import.severity_invalid", value=text))
    return OpinionSeverity.ORDINARY


def parse_time(text: str, errors: list[str], now: datetime) -> datetime | None:
    """Read 2026-11-03 14:20, 2026/11/3, 2026年11月3日 14时20分 or an Excel date serial,
    as Asia/Shanghai time."""
    if not text:
        errors.append(t("opinion_import.time_missing"))
        return None
    moment = _excel_serial(text) or _written_time(text)
    if moment is None:
        errors.append(t("opinion_import.time_invalid", value=text))
        return None
    if moment > now:
        errors.append(t("opinion_import.time_in_future", value=text))
        return None
    return moment


def _written_time(text: str) -> datetime | None:
    normal = (text.replace("年", "-").replace("月", "-").replace("日", " ").replace("/", "-")
              .replace("时", ":").replace("分", "").replace("T", " ").strip())
    match = _DATE_TIME.fullmatch(normal)
    if match is None:
        return None
    parts = [int(value) if value else 0 for value in match.groups()]
    try:
        return datetime(*parts, tzinfo=OFFICE_TZ)
    except ValueError:   # 2026-02-30, 25:00
        return None


def _excel_serial(text: str) -> datetime | None:
    try:
        serial = float(text)
    except ValueError:
        return None
    if not _EXCEL_SERIALS[0] <= serial <= _EXCEL_SERIALS[1]:
        return None
    # Round to the minute: Excel stores times as binary fractions of a day.
    moment = _EXCEL_EPOCH + timedelta(minutes=round(serial * 24 * 60))
    return moment.replace(tzinfo=OFFICE_TZ)


def _flag_duplicates(session: Session, rows: list[PreviewRow]) -> None:
    keys = {id(row): opinions.link_key(row.data.link) for row in rows if row.data is not None}
    in_register = opinions.duplicates(session, list(keys.values()))
    first_line: dict[str, int] = {}
    for row in rows:
        key = keys.get(id(row), "")
        if not key:
            continue
        row.duplicate_of = in_register.get(key)
        row.duplicate_line = first_line.get(key)
        first_line.setdefault(key, row.line)
