"""Reading uploaded policy files: encodings, Word list numbering, tables, bad input."""

import io
import random
import zipfile
from pathlib import Path

import docx
import pytest
from lxml import etree

from planner.documents import reading
from planner.documents.docx_numbering import ListNumbering, format_list_number
from planner.documents.reading import read_policy_file, split_text_lines
from planner.errors import InvalidInput

FIXTURES = Path(__file__).parent / "fixtures"
SICHUAN = FIXTURES / "sichuan-transport-2014-disclosure-opinions.txt"
D04 = FIXTURES / "D04_guanli-banfa-gongzuo-tiaoli_gongwen-template_v20220109.docx"

SICHUAN_ADDRESSEE_LINE = "各市(州)交通运输局(委),厅直各单位、厅机关各处室:"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def sichuan_text() -> str:
    return SICHUAN.read_text(encoding="utf-8")


def docx_bytes(document: docx.document.Document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- plain text ---------------------------------------------------------------


def test_read_txt_utf8_returns_lines_as_printed():
    lines = read_policy_file(SICHUAN.name, SICHUAN.read_bytes())

    assert lines[0] == SICHUAN_ADDRESSEE_LINE
    assert lines[1] == ""
    assert lines[4] == "  一、加强平台建设"
    assert lines[-1] == "  2014年1月10日"
    assert len(lines) == 35


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk", "gb18030", "utf-16", "utf-16-be-bom"])
def test_read_txt_encodings_give_same_lines(encoding):
    text = sichuan_text()
    if encoding == "utf-16-be-bom":
        data = "\ufeff".encode("utf-16-be") + text.encode("utf-16-be")
    else:
        data = text.encode(encoding)

    lines = read_policy_file("四川交通.txt", data)

    assert lines == read_policy_file(SICHUAN.name, SICHUAN.read_bytes())


def test_read_txt_crlf_gives_same_lines():
    data = sichuan_text().replace("\n", "\r\n").encode("gbk")

    lines = read_policy_file("crlf.TXT", data)

    assert lines == read_policy_file(SICHUAN.name, SICHUAN.read_bytes())


def test_split_text_lines_keeps_tabs():
    lines = split_text_lines("\ufeff序号\t名称\t\r\n一、总则　 \r第一条\u2029")

    assert lines == ["序号\t名称\t", "一、总则", "第一条", ""]


# --- Word files ---------------------------------------------------------------


def test_read_docx_writes_list_numbers_into_lines():
    lines = read_policy_file(D04.name, D04.read_bytes())

    assert lines[0] == "XX管理办法工作条例"
    assert lines[1] == "第一章 使用方法"
    assert lines[2].startswith("第一条 请只编写文字内容")
    assert lines[8].startswith("第七条 本文档在某个位置提供下载")
    assert lines[9] == "第二章 另存为Word模板"


def test_read_docx_articles_run_on():
    # The template's 第%2条 level has w:lvlRestart 0 ("不跟着标题一重新编号"), so
    # Word shows 第八条 under 第二章, not a second 第一条.
    lines = read_policy_file(D04.name, D04.read_bytes())
    numbered = [line.split(" ")[0] for line in lines if line.startswith("第")]

    assert numbered[:3] == ["第一章", "第一条", "第二条"]
    assert "第二章" in numbered
    assert numbered[numbered.index("第二章") + 1] == "第八条"
    assert numbered[numbered.index("第五章") + 1] == "第二十条"
    assert numbered[-1] == "第二十二条"


def test_read_docx_items_restart_per_article():
    lines = read_policy_file(D04.name, D04.read_bytes())

    # These levels keep Word's default tab after the number, read as one space.
    assert lines.count("（一） 三级标题") == 2
    assert "1．四级标题（仿宋三号，多级列表不特别标注）" in lines
    assert "1．四级标题1" in lines
    assert "2．四级标题2" in lines
    assert "（一） 运行下面宏，重置样式。" in lines


def test_read_docx_keeps_tables_in_body_order():
    document = docx.Document()
    document.add_paragraph("附件")
    table = document.add_table(rows=3, cols=3)
    for cell, text in zip(table.rows[0].cells, ["序号", "改革举措", "主 要 内 容"]):
        cell.text = text
    merged = table.rows[1].cells[0].merge(table.rows[1].cells[2])
    merged.text = "一、知识产权保护方面（共5项）"
    for cell, text in zip(table.rows[2].cells, ["1", "“三合一”审判", "整合\t审判资源"]):
        cell.text = text
    document.add_paragraph("表后说明。")

    lines = read_policy_file("清单.docx", docx_bytes(document))

    assert lines == [
        "附件",
        "序号\t改革举措\t主 要 内 容",
        "一、知识产权保护方面（共5项）",
        "1\t“三合一”审判\t整合 审判资源",
        "表后说明。",
    ]


def test_read_docx_splits_manual_line_breaks():
    document = docx.Document()
    paragraph = document.add_paragraph("国务院办公厅关于推进")
    paragraph.add_run().add_break()
    paragraph.add_run("政务新媒体健康有序发展的意见")

    lines = read_policy_file("标题.docx", docx_bytes(document))

    assert lines == ["国务院办公厅关于推进", "政务新媒体健康有序发展的意见"]


def test_read_docx_skips_hidden_text():
    document = docx.Document()
    paragraph = document.add_paragraph("可见文字")
    paragraph.add_run("隐藏文字").font.hidden = True

    lines = read_policy_file("隐藏.docx", docx_bytes(document))

    assert lines == ["可见文字"]


def add_outline_list(document: docx.document.Document) -> str:
    """Add a list numbered 一、 / （一） to the document's numbering part; return its numId."""
    numbering = document.part.numbering_part.element
    abstract = etree.fromstring(f"""
<w:abstractNum xmlns:w="{W_NS}" w:abstractNumId="90">
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>
    <w:suff w:val="nothing"/><w:lvlText w:val="%1、"/></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>
    <w:suff w:val="nothing"/><w:lvlText w:val="（%2）"/></w:lvl>
</w:abstractNum>""")
    numbering.find(f"{{{W_NS}}}num").addprevious(abstract)
    numbering.append(etree.fromstring(
        f'<w:num xmlns:w="{W_NS}" w:numId="90"><w:abstractNumId w:val="90"/></w:num>'
    ))
    return "90"


def add_numbered_paragraph(document, text: str, num_id: str, ilvl: int) -> None:
    paragraph = document.add_paragraph(text)
    paragraph._p.get_or_add_pPr().append(etree.fromstring(
        f'<w:numPr xmlns:w="{W_NS}"><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>'
    ))


def test_read_docx_outline_list_numbers():
    document = docx.Document()
    num_id = add_outline_list(document)
    add_numbered_paragraph(document, "加强平台建设", num_id, 0)
    add_numbered_paragraph(document, "加强新闻发言人制度建设。", num_id, 1)
    add_numbered_paragraph(document, "加强门户网站建设。", num_id, 1)
    document.add_paragraph("各单位要落实责任。")
    add_numbered_paragraph(document, "健全工作机制", num_id, 0)
    add_numbered_paragraph(document, "完善主动发布机制。", num_id, 1)

    lines = read_policy_file("大纲.docx", docx_bytes(document))

    assert lines == [
        "一、加强平台建设",
        "（一）加强新闻发言人制度建设。",
        "（二）加强门户网站建设。",
        "各单位要落实责任。",
        "二、健全工作机制",
        "（一）完善主动发布机制。",
    ]


# --- Word list numbering ------------------------------------------------------


def numbering_xml(article_restart: str) -> etree._Element:
    return etree.fromstring(f"""
<w:numbering xmlns:w="{W_NS}">
  <w:abstractNum w:abstractNumId="7">
    <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCountingThousand"/>
      <w:lvlText w:val="第%1章"/></w:lvl>
    <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCountingThousand"/>
      {article_restart}<w:lvlText w:val="第%2条"/></w:lvl>
    <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/>
      <w:suff w:val="nothing"/><w:lvlText w:val="%3."/></w:lvl>
  </w:abstractNum>
  <w:num w:numId="1"><w:abstractNumId w:val="7"/></w:num>
  <w:num w:numId="2"><w:abstractNumId w:val="7"/>
    <w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>
</w:numbering>""")


def numbered_paragraph(num_id: str, ilvl: int) -> etree._Element:
    return etree.fromstring(
        f'<w:p xmlns:w="{W_NS}"><w:pPr><w:numPr><w:ilvl w:val="{ilvl}"/>'
        f'<w:numId w:val="{num_id}"/></w:numPr></w:pPr></w:p>'
    )


def labels_for(numbering: ListNumbering, sequence: list[tuple[str, int]]) -> list[str]:
    return [numbering.label_for(numbered_paragraph(num_id, ilvl))[0] for num_id, ilvl in sequence]


CHAPTERS_AND_ARTICLES = [("1", 0), ("1", 1), ("1", 1), ("1", 2), ("1", 0), ("1", 1), ("1", 2)]


def test_list_numbering_restarts_lower_level_by_default():
    numbering = ListNumbering(numbering_xml(""), None)

    labels = labels_for(numbering, CHAPTERS_AND_ARTICLES)

    assert labels == ["第一章", "第一条", "第二条", "1.", "第二章", "第一条", "1."]


def test_list_numbering_lvl_restart_zero():
    numbering = ListNumbering(numbering_xml('<w:lvlRestart w:val="0"/>'), None)

    labels = labels_for(numbering, CHAPTERS_AND_ARTICLES)

    assert labels == ["第一章", "第一条", "第二条", "1.", "第二章", "第三条", "1."]


def test_list_numbering_start_override():
    numbering = ListNumbering(numbering_xml(""), None)

    labels = labels_for(numbering, [("1", 0), ("1", 0), ("2", 0), ("2", 0), ("1", 0)])

    assert labels == ["第一章", "第二章", "第一章", "第二章", "第三章"]


def test_list_numbering_separator_follows_suffix():
    numbering = ListNumbering(numbering_xml(""), None)

    assert numbering.label_for(numbered_paragraph("1", 0)) == ("第一章", " ")
    assert numbering.label_for(numbered_paragraph("1", 2)) == ("1.", "")
    assert numbering.label_for(numbered_paragraph("0", 0)) == ("", "")


@pytest.mark.parametrize(("value", "num_fmt", "expected"), [
    (1, "chineseCountingThousand", "一"),
    (10, "chineseCountingThousand", "十"),
    (11, "chineseCountingThousand", "十一"),
    (20, "chineseCountingThousand", "二十"),
    (56, "chineseCountingThousand", "五十六"),
    (101, "chineseCountingThousand", "一百〇一"),
    (110, "chineseCountingThousand", "一百一十"),
    (1005, "chineseCountingThousand", "一千〇五"),
    (12, "chineseCounting", "十二"),
    (101, "chineseCounting", "一〇一"),
    (12, "chineseLegalSimplified", "壹拾贰"),
    (3, "ideographTraditional", "丙"),
    (3, "decimal", "3"),
    (3, "decimalZero", "03"),
    (3, "decimalFullWidth", "３"),
    (3, "decimalEnclosedCircle", "③"),
    (27, "upperLetter", "AA"),
    (2, "lowerLetter", "b"),
    (14, "upperRoman", "XIV"),
    (4, "lowerRoman", "iv"),
    (5, "ordinalText", "5"),
])
def test_format_list_number_matches_word(value, num_fmt, expected):
    assert format_list_number(value, num_fmt) == expected


# --- bad input ----------------------------------------------------------------


def ole_bytes() -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)


def macro_enabled_docx() -> bytes:
    """The D04 package with a macro-enabled main part, as Word saves a .docm."""
    source = zipfile.ZipFile(io.BytesIO(D04.read_bytes()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"wordprocessingml.document.main+xml", b"ms-word.document.macroEnabled.main+xml"
                )
            target.writestr(item, data)
    return buffer.getvalue()


def empty_docx() -> bytes:
    return docx_bytes(docx.Document())


BAD_INPUTS = [
    ("空文件.txt", lambda: b"", "documents.reading.empty"),
    ("空文件.docx", lambda: b"", "documents.reading.empty"),
    ("空白.txt", lambda: "  \r\n\u3000\n".encode("utf-8"), "documents.reading.empty"),
    ("无文字.docx", empty_docx, "documents.reading.empty"),
    ("政策.pdf", lambda: b"%PDF-1.7\n", "documents.reading.unsupported"),
    ("政策", lambda: b"abc", "documents.reading.no_extension"),
    ("旧版.doc", ole_bytes, "documents.reading.legacy"),
    ("金山.wps", ole_bytes, "documents.reading.legacy"),
    ("宏.docm", macro_enabled_docx, "documents.reading.macro"),
    ("改名的宏.docx", macro_enabled_docx, "documents.reading.macro"),
    ("加密.docx", ole_bytes, "documents.reading.docx_ole"),
    ("不是压缩包.docx", lambda: "一、总则".encode("utf-8"), "documents.reading.docx_not_word"),
    ("截断.docx", lambda: D04.read_bytes()[: len(D04.read_bytes()) // 2], "documents.reading.docx_truncated"),
    ("二进制.txt", lambda: bytes(range(256)) * 4, "documents.reading.undecodable"),
    ("压缩包.txt", lambda: D04.read_bytes(), "documents.reading.undecodable"),
]


@pytest.mark.parametrize(("filename", "make_data", "key"), BAD_INPUTS,
                         ids=[case[0] for case in BAD_INPUTS])
def test_read_bad_input_raises_invalid_input(filename, make_data, key):
    with pytest.raises(InvalidInput) as caught:
        read_policy_file(filename, make_data())

    assert caught.value.key == key
    assert filename in caught.value.message


@pytest.mark.parametrize("key", sorted({case[2] for case in BAD_INPUTS}))
def test_read_error_message_names_accepted_formats(key):
    with pytest.raises(InvalidInput) as caught:
        case = next(case for case in BAD_INPUTS if case[2] == key)
        read_policy_file(case[0], case[1]())

    assert ".docx" in caught.value.message
    assert ".txt" in caught.value.message
    assert "{" not in caught.value.message


@pytest.mark.parametrize("filename", ["旧版.doc", "金山.wps"])
def test_read_legacy_word_says_save_as_docx(filename):
    with pytest.raises(InvalidInput) as caught:
        read_policy_file(filename, ole_bytes())

    assert "请在 Word 或 WPS 中另存为 .docx" in caught.value.message


def test_read_encrypted_docx_says_password_or_doc():
    with pytest.raises(InvalidInput) as caught:
        read_policy_file("加密.docx", ole_bytes())

    assert "密码" in caught.value.message
    assert ".doc" in caught.value.message


def test_read_docx_over_unpacked_limit_rejected(monkeypatch):
    monkeypatch.setattr(reading, "MAX_DOCX_UNPACKED_MB", 0.01)  # D04 unpacks to about 0.1 MB

    with pytest.raises(InvalidInput) as caught:
        read_policy_file("炸弹.docx", D04.read_bytes())

    assert caught.value.key == "documents.reading.docx_too_large"
    assert "炸弹.docx" in caught.value.message


# --- fuzzing: no raw exception for any bytes ----------------------------------


def mutated(data: bytes, rng: random.Random) -> bytes:
    buffer = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        buffer[rng.randrange(len(buffer))] = rng.randrange(256)
    return bytes(buffer)


def fuzz_inputs() -> list[bytes]:
    rng = random.Random(20140110)
    d04 = D04.read_bytes()
    sichuan = SICHUAN.read_bytes()
    inputs = [rng.randbytes(rng.randint(1, 2000)) for _ in range(150)]
    inputs += [d04[:cut] for cut in range(0, len(d04), len(d04) // 40)]
    inputs += [mutated(d04, rng) for _ in range(60)]
    inputs += [sichuan[:cut] for cut in range(1, len(sichuan), 97)]
    inputs += [mutated(sichuan, rng) for _ in range(40)]
    return inputs


@pytest.mark.parametrize("extension", [".docx", ".txt"])
def test_read_any_bytes_raises_only_invalid_input(extension):
    for index, data in enumerate(fuzz_inputs()):
        filename = f"样本{index}{extension}"
        try:
            lines = read_policy_file(filename, data)
        except InvalidInput as error:
            assert filename in error.message
        else:
            assert all(isinstance(line, str) for line in lines)
