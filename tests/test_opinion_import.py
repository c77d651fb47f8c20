"""Importing a monitoring service's export: UTF-8 and GBK CSV, Excel, bad rows by line,
duplicates by link, and nothing saved before the office confirms."""

import io
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from sqlmodel import select

from planner import opinion_import
from planner.errors import InvalidInput, PermissionDenied
from planner.models import OpinionItem
from planner.services import opinions
from planner.timeutil import OFFICE_TZ
from tests.office_setup import item_input, make_office

FOLDER = Path(__file__).parent / "fixtures" / "opinions"


@pytest.fixture
def office(session):
    return make_office(session)


def preview(session, office, name, data=None):
    data = (FOLDER / name).read_bytes() if data is None else data
    return opinion_import.preview(session, actor=office.clerk, file_name=name, data=data)


def by_line(result):
    return {row.line: row for row in result.rows}


# --- good files -------------------------------------------------------------------------

def test_preview_utf8_reads_every_row(session, office):
    result = preview(session, office, "good_utf8.csv")

    rows = by_line(result)
    assert result.encoding == "UTF-8"
    assert sorted(rows) == [2, 3, 4, 5]
    assert [row.valid for row in result.rows] == [True, True, True, True]
    assert (rows[2].data.source, rows[2].data.source_detail) == ("weibo", "新浪微博")
    assert rows[3].data.summary == "自媒体称\"高速公路将全面收费上调\"，引发转发"
    assert rows[3].data.first_seen_at == datetime(2026, 11, 4, 14, 5, tzinfo=OFFICE_TZ)


@pytest.mark.parametrize("line, field, value", [
    (2, "category", "出租车管理"),
    (3, "severity", "serious"),
    (4, "source", "hotline_12328"),
    (4, "link", ""),
    (4, "first_seen_at", datetime(2026, 11, 5, 8, 40, tzinfo=OFFICE_TZ)),
    (5, "source", "media"),
    (5, "severity", "major"),
    (5, "first_seen_at", datetime(2026, 11, 6, 0, 0, tzinfo=OFFICE_TZ)),
])
def test_preview_maps_columns(session, office, line, field, value):
    rows = by_line(preview(session, office, "good_utf8.csv"))

    assert getattr(rows[line].data, field) == value


def test_preview_gbk_reads_same_rows(session, office):
    gbk = preview(session, office, "good_gbk.csv")
    utf8 = preview(session, office, "good_utf8.csv")

    assert gbk.encoding == "GBK/GB18030"
    assert [row.data for row in gbk.rows] == [row.data for row in utf8.rows]


def test_preview_saves_nothing(session, office):
    preview(session, office, "good_gbk.csv")

    assert session.exec(select(OpinionItem)).all() == []


def test_save_registers_every_good_row(session, office):
    result = opinion_import.save(session, actor=office.clerk,
                                 preview_result=preview(session, office, "good_gbk.csv"))
    session.commit()

    stored = session.exec(select(OpinionItem).order_by(OpinionItem.id)).all()
    assert len(result.saved) == 4
    assert result.skipped_lines == []
    assert [item.severity for item in stored] == ["ordinary", "serious", "ordinary", "major"]


def test_preview_tab_separated(session, office):
    text = "来源\t首发时间\t摘要\n微博\t2026-11-03 09:30\t用制表符分隔的一行\n"

    result = preview(session, office, "export.txt", text.encode("utf-8"))

    assert [row.data.summary for row in result.rows] == ["用制表符分隔的一行"]


# --- bad rows ---------------------------------------------------------------------------

@pytest.mark.parametrize("line, words", [
    (3, "首发时间“昨天下午”无法识别"),
    (4, "来源为空"),
    (5, "摘要为空"),
    (6, "等级“严重”无效"),
    (8, "首发时间“2026-02-30 12:00”无法识别"),
])
def test_preview_reports_bad_rows_by_line(session, office, line, words):
    rows = by_line(preview(session, office, "bad_rows.csv"))

    assert not rows[line].valid
    assert any(words in error for error in rows[line].errors)


def test_preview_bad_file_keeps_good_row(session, office):
    result = preview(session, office, "bad_rows.csv")

    assert [row.line for row in result.ready] == [2]
    assert [row.line for row in result.invalid] == [3, 4, 5, 6, 8]


def test_save_leaves_out_bad_rows(session, office):
    result = opinion_import.save(session, actor=office.clerk,
                                 preview_result=preview(session, office, "bad_rows.csv"))
    session.commit()

    assert [item.summary for item in result.saved] == ["正常的一行"]
    assert result.skipped_lines == [3, 4, 5, 6, 8]


# --- duplicates -------------------------------------------------------------------------

def test_preview_flags_duplicates(session, office):
    existing = opinions.register(session, actor=office.clerk, data=item_input())
    session.commit()

    rows = by_line(preview(session, office, "duplicate.csv"))

    assert rows[2].duplicate_of == existing.id
    assert not rows[3].duplicate
    assert rows[4].duplicate_line == 3
    assert rows[4].duplicate_of is None


def test_save_skips_duplicates(session, office):
    opinions.register(session, actor=office.clerk, data=item_input())
    session.commit()

    result = opinion_import.save(session, actor=office.clerk,
                                 preview_result=preview(session, office, "duplicate.csv"))

    assert [item.summary for item in result.saved] == ["新的一条"]
    assert result.skipped_lines == [2, 4]


def test_save_includes_duplicates_when_asked(session, office):
    opinions.register(session, actor=office.clerk, data=item_input())
    session.commit()

    result = opinion_import.save(session, actor=office.clerk,
                                 preview_result=preview(session, office, "duplicate.csv"),
                                 include_duplicates=True)

    assert len(result.saved) == 3


def test_save_rechecks_duplicates_saved_meanwhile(session, office):
    ready = preview(session, office, "duplicate.csv")
    opinions.register(session, actor=office.clerk, data=item_input())   # after the preview

    result = opinion_import.save(session, actor=office.clerk, preview_result=ready)

    assert 2 in result.skipped_lines


# --- files that cannot be read ----------------------------------------------------------

def test_preview_missing_columns_named(session, office):
    with pytest.raises(InvalidInput) as error:
        preview(session, office, "list.csv", "来源,链接\n微博,https://weibo.com/1\n".encode())

    assert "list.csv" in error.value.message
    assert "首发时间" in error.value.message
    assert "摘要" in error.value.message


@pytest.mark.parametrize("name, words", [("舆情.xls", ".xls"), ("舆情.docx", ".docx")])
def test_preview_unsupported_format_named(session, office, name, words):
    with pytest.raises(InvalidInput) as error:
        preview(session, office, name, b"\xd0\xcf\x11\xe0 not a csv")

    assert name in error.value.message
    assert words in error.value.message


def test_preview_forbidden_for_drafter(session, office):
    with pytest.raises(PermissionDenied):
        opinion_import.preview(session, actor=office.transport_drafter, file_name="a.csv",
                               data=(FOLDER / "good_utf8.csv").read_bytes())


# --- Excel ------------------------------------------------------------------------------

def excel_serial(moment: datetime) -> float:
    return (moment - datetime(1899, 12, 30)).total_seconds() / 86400


def make_xlsx(rows: list[list[str | float]]) -> bytes:
    """A minimal workbook as Excel writes it: shared strings, numbers, one inline string."""
    strings = sorted({cell for row in rows for cell in row if isinstance(cell, str)})
    cells = []
    for r, row in enumerate(rows, start=1):
        xml = []
        for c, value in enumerate(row):
            ref = f"{'ABCDEF'[c]}{r}"
            if isinstance(value, float):
                xml.append(f'<c r="{ref}" s="1"><v>{value}</v></c>')
            elif value.startswith("inline:"):
                xml.append(f'<c r="{ref}" t="inlineStr"><is><t>{value[7:]}</t></is></c>')
            else:
                xml.append(f'<c r="{ref}" t="s"><v>{strings.index(value)}</v></c>')
        cells.append(f'<row r="{r}">{"".join(xml)}</row>')

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    parts = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                               'content-types"/>',
        "xl/workbook.xml": f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
                           f'<sheet name="舆情" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" '
                                      f'Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
                                      "</Relationships>",
        "xl/sharedStrings.xml": f'<sst xmlns="{main}">'
                                + "".join(f"<si><t>{s}</t></si>" for s in strings) + "</sst>",
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{main}"><sheetData>{"".join(cells)}'
                                    "</sheetData></worksheet>",
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        for name, xml in parts.items():
            package.writestr(name, xml)
    return out.getvalue()


def test_preview_xlsx_reads_strings_and_date_serials(session, office):
    data = make_xlsx([
        ["首发时间", "来源", "摘要", "等级"],
        [excel_serial(datetime(2026, 11, 3, 9, 30)), "抖音", "inline:短视频称某收费站乱收费", "较大"],
    ])

    result = preview(session, office, "监测导出.xlsx", data)

    row = result.rows[0]
    assert result.encoding == "Excel"
    assert row.line == 2
    assert row.data.first_seen_at == datetime(2026, 11, 3, 9, 30, tzinfo=OFFICE_TZ)
    assert (row.data.source, row.data.source_detail) == ("other", "抖音")
    assert row.data.summary == "短视频称某收费站乱收费"
    assert row.data.severity == "serious"


def test_preview_xlsx_corrupt_named(session, office):
    with pytest.raises(InvalidInput) as error:
        preview(session, office, "坏文件.xlsx", b"PK\x03\x04 cut short")

    assert "坏文件.xlsx" in error.value.message
