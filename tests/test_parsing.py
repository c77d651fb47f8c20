"""Parsing policy structure: header fields, heading trees, attachments and tables."""

import io
import random
import time
from datetime import date
from pathlib import Path

import docx
import pytest

from planner.documents.parsing import (
    find_cited_documents,
    normalize_doc_number,
    parse_cn_date,
    parse_policy_file,
    parse_policy_lines,
    parse_policy_text,
    policy_to_dict,
)
from planner.errors import InvalidInput

FIXTURES = Path(__file__).parent / "fixtures"
SICHUAN = FIXTURES / "sichuan-transport-2014-disclosure-opinions.txt"
P02 = FIXTURES / "P02_guobanfa-2018-123_zhengwu-xinmeiti-yijian.txt"
P05 = FIXTURES / "P05_guobanfa-2018-126_tuiguang-chuangxin-gaige-jucuo_with-table.txt"
P08 = FIXTURES / "P08_guoling-711_zhengfu-xinxi-gongkai-tiaoli-2019.txt"
D04 = FIXTURES / "D04_guanli-banfa-gongzuo-tiaoli_gongwen-template_v20220109.docx"


def parse_fixture(path: Path):
    return parse_policy_file(path.name, path.read_bytes())


def headings(sections) -> list[str]:
    return [section.heading for section in sections]


def labels(sections) -> list[str]:
    return [section.label for section in sections]


# --- Sichuan transport department, 2014 ---------------------------------------


@pytest.fixture(scope="module")
def sichuan():
    return parse_fixture(SICHUAN)


def test_parse_sichuan_has_no_title(sichuan):
    assert sichuan.title == ""
    assert "documents.parsing.no_title" in sichuan.warnings


def test_parse_sichuan_header_and_signature(sichuan):
    # The addressee is kept as printed, with its half-width brackets and comma.
    assert sichuan.addressee == "各市(州)交通运输局(委),厅直各单位、厅机关各处室"
    assert sichuan.issuer == "四川省交通运输厅"
    assert sichuan.date == date(2014, 1, 10)
    assert sichuan.doc_number == ""


def test_parse_sichuan_preamble_is_opening_paragraph(sichuan):
    assert sichuan.preamble.startswith("为认真贯彻落实《省政府办公厅关于进一步加强")
    assert sichuan.preamble.endswith("提出以下实施意见。")


def test_parse_sichuan_cites_provincial_opinions(sichuan):
    assert sichuan.cited_documents == [
        "《省政府办公厅关于进一步加强政府信息公开回应社会关切提升政府公信力的实施意见》"
        "（川办发〔2013〕81号）"
    ]


def test_parse_sichuan_top_level_sections(sichuan):
    assert labels(sichuan.sections) == ["一、", "二、", "三、"]
    assert headings(sichuan.sections) == ["加强平台建设", "健全工作机制", "完善保障措施"]
    assert [len(section.children) for section in sichuan.sections] == [4, 6, 0]


def test_parse_sichuan_second_level_headings(sichuan):
    platform, mechanisms, _ = sichuan.sections

    assert headings(platform.children) == [
        "加强新闻发言人制度建设", "加强交通运输门户网站建设", "加强新媒体应用", "加强查阅场所建设",
    ]
    assert headings(mechanisms.children) == [
        "完善主动发布机制", "完善公开属性源头认定机制", "建立政策解读机制",
        "健全舆情收集和回应机制", "建立沟通协调机制", "完善依申请公开工作机制",
    ]
    assert labels(mechanisms.children) == ["（一）", "（二）", "（三）", "（四）", "（五）", "（六）"]


def test_parse_sichuan_run_in_heading_splits_from_body(sichuan):
    new_media = sichuan.sections[0].children[2]

    assert new_media.heading == "加强新媒体应用"
    assert new_media.text.startswith("要积极探索利用政务微博、微信、手机快讯等新媒体")
    assert new_media.text.endswith("互为补充，形成合力。".replace("，", ","))


def test_parse_sichuan_section_without_items(sichuan):
    safeguards = sichuan.sections[2]

    assert safeguards.text.startswith("加强政府信息公开、回应社会关切是提升政府公信力的重要途径和手段")
    assert safeguards.text.endswith("推动平台建设和机制建设相关工作落实到位。")
    assert "四川省交通运输厅" not in safeguards.text


# --- P08: 政府信息公开条例 (2019 revision) -------------------------------------


@pytest.fixture(scope="module")
def regulation():
    return parse_fixture(P08)


def articles_of(policy):
    return [article for chapter in policy.sections for article in chapter.children]


def test_parse_regulation_header(regulation):
    # Issuer and date come from the latest promulgation line (the 2019 revision
    # order); a 国务院令 has no 〔〕 发文字号.
    assert regulation.title == "中华人民共和国政府信息公开条例"
    assert regulation.issuer == "中华人民共和国国务院"
    assert regulation.date == date(2019, 4, 3)
    assert regulation.doc_number == ""
    assert regulation.preamble == ""


def test_parse_regulation_chapters(regulation):
    assert labels(regulation.sections) == ["第一章", "第二章", "第三章", "第四章", "第五章", "第六章"]
    assert headings(regulation.sections) == [
        "总则", "公开的主体和范围", "主动公开", "依申请公开", "监督和保障", "附则",
    ]
    assert [len(chapter.children) for chapter in regulation.sections] == [9, 9, 8, 19, 8, 3]


def test_parse_regulation_articles(regulation):
    articles = articles_of(regulation)

    assert len(articles) == 56
    assert articles[0].label == "第一条"
    assert articles[9].label == "第十条"
    assert articles[19].label == "第二十条"
    assert articles[-1].label == "第五十六条"
    assert all(article.heading == "" for article in articles)
    assert articles[-1].text == "本条例自2019年5月15日起施行。"


def test_parse_regulation_article_paragraphs_join(regulation):
    article_3 = articles_of(regulation)[2]

    assert article_3.text.split("\n") == [
        "各级人民政府应当加强对政府信息公开工作的组织领导。",
        "国务院办公厅是全国政府信息公开工作的主管部门，负责推进、指导、协调、监督全国的政府信息公开工作。",
        "县级以上地方人民政府办公厅(室)是本行政区域的政府信息公开工作主管部门，负责推进、指导、协调、监督本行政区域的政府信息公开工作。",
        "实行垂直领导的部门的办公厅(室)主管本系统的政府信息公开工作。",
    ]


def test_parse_regulation_items_inside_articles(regulation):
    article_20 = articles_of(regulation)[19]

    assert article_20.text == "行政机关应当依照本条例第十九条的规定，主动公开本行政机关的下列政府信息："
    assert len(article_20.children) == 15
    assert article_20.children[0].label == "（一）"
    assert article_20.children[0].text == "行政法规、规章和规范性文件；"
    assert article_20.children[0].heading == ""
    assert article_20.children[14].label == "（十五）"


def test_parse_regulation_paragraph_after_items(regulation):
    article_50 = articles_of(regulation)[49]

    assert article_50.label == "第五十条"
    assert [child.kind for child in article_50.children] == ["heading"] * 5 + ["paragraph"]
    assert article_50.children[-1].text.startswith("全国政府信息公开工作主管部门应当公布")
    assert article_50.children[4].text == "其他需要报告的事项。"


def test_parse_regulation_cross_reference(regulation):
    # "第十四条、第十五条" inside article 13 is prose, not a new article.
    article_13 = articles_of(regulation)[12]

    assert article_13.text.startswith("除本条例第十四条、第十五条、第十六条规定的政府信息外")


# --- P02: 国办发〔2018〕123号 ---------------------------------------------------


@pytest.fixture(scope="module")
def new_media():
    return parse_fixture(P02)


def test_parse_p02_header(new_media):
    assert new_media.title == "国务院办公厅关于推进政务新媒体健康有序发展的意见"
    assert new_media.doc_number == "国办发〔2018〕123号"
    assert new_media.addressee == "各省、自治区、直辖市人民政府，国务院各部委、各直属机构"
    assert new_media.issuer == "国务院办公厅"
    assert new_media.date == date(2018, 12, 7)
    assert new_media.warnings == []


def test_parse_p02_top_level(new_media):
    assert headings(new_media.sections) == [
        "总体要求", "明确工作职责", "加强功能建设", "规范运维管理", "强化保障措施",
    ]


def test_parse_p02_numbered_items_are_third_level(new_media):
    principles = new_media.sections[0].children[2]

    assert principles.label == "（三）"
    assert principles.heading == "基本原则"
    assert labels(principles.children) == ["1.", "2.", "3.", "4."]
    assert headings(principles.children) == ["坚持正确导向", "坚持需求引领", "坚持互联融合", "坚持创新发展"]
    assert principles.children[0].text.startswith("增强“四个意识”")
    assert principles.children[0].level == 3


def test_parse_p02_heading_alone_on_line(new_media):
    guiding = new_media.sections[0].children[0]

    assert guiding.heading == "指导思想"
    assert guiding.text.startswith("以习近平新时代中国特色社会主义思想为指导")


def test_parse_p02_run_in_heading_with_comma(new_media):
    disclosure = new_media.sections[2].children[0]

    assert disclosure.heading == "推进政务公开，强化解读回应"
    assert disclosure.text.startswith("积极运用政务新媒体传播党和政府声音")


def test_parse_p02_section_paragraphs_join(new_media):
    duties = new_media.sections[1]

    assert duties.children == []
    assert len(duties.text.split("\n")) == 3


def test_parse_p02_trailing_note_is_dropped(new_media):
    last = new_media.sections[-1].children[-1]

    assert last.text.endswith("并通报有关情况。")
    assert "此件公开发布" not in str(policy_to_dict(new_media))


# --- P05: 国办发〔2018〕126号 with its attachment table ---------------------------


@pytest.fixture(scope="module")
def notice():
    return parse_fixture(P05)


def test_parse_p05_header(notice):
    assert notice.title == "国务院办公厅关于推广第二批支持创新相关改革举措的通知"
    assert notice.doc_number == "国办发〔2018〕126号"
    assert notice.issuer == "国务院办公厅"
    assert notice.date == date(2018, 12, 23)


def test_parse_p05_body_excludes_listing(notice):
    assert headings(notice.sections[:3]) == ["推广的改革举措（共23项）", "高度重视推广工作", "认真抓好组织实施"]
    assert notice.sections[2].text.endswith("重大问题及时向国务院报告。")
    assert "附件" not in notice.sections[2].text


def test_parse_p05_attachment_section(notice):
    attachment = notice.sections[3]

    assert len(notice.sections) == 4
    assert attachment.kind == "attachment"
    assert attachment.label == "附件"
    assert attachment.heading == "第二批支持创新相关改革举措推广清单"


def test_parse_p05_table_rows(notice):
    table = notice.sections[3].children[0]
    data_rows = [row for row in table.rows[1:] if len(row) > 1]
    group_rows = [row for row in table.rows if len(row) == 1]

    assert table.kind == "table"
    assert table.rows[0] == ["序号", "改革举措", "主要内容", "指导部门", "推广范围"]
    assert len(data_rows) == 17
    assert [row[0] for row in data_rows][:3] == ["1", "2", "3"]
    assert data_rows[-1][0] == "23"
    assert group_rows[3] == ["四、军民深度融合方面（共6项）"]
    assert len(group_rows) == 5


def test_parse_p05_military_item_has_heading_only(notice):
    item = notice.sections[0].children[3]

    assert item.heading == "军民深度融合方面6项"
    assert item.text == ""


# --- D04: Word template with list-numbered chapters and articles ---------------


@pytest.fixture(scope="module")
def template():
    return parse_fixture(D04)


def test_parse_docx_keeps_chapters_and_articles(template):
    assert template.title == "XX管理办法工作条例"
    assert labels(template.sections) == ["第一章", "第二章", "第三章", "第四章", "第五章"]
    assert headings(template.sections)[:2] == ["使用方法", "另存为Word模板"]
    assert headings(template.sections)[3:] == ["附则", "其他问题"]
    assert [len(chapter.children) for chapter in template.sections] == [7, 1, 8, 3, 3]


def test_parse_docx_article_labels_run_on(template):
    chapter_2 = template.sections[1]

    assert labels(chapter_2.children) == ["第八条"]
    assert chapter_2.children[0].text.startswith("你可以把本文档另存为Word模板")
    assert template.sections[4].children[-1].label == "第二十二条"


def test_parse_docx_items_nest_under_article(template):
    article_11 = template.sections[2].children[2]

    assert article_11.label == "第十一条"
    assert labels(article_11.children) == ["（一）"]
    assert article_11.children[0].text == "三级标题"
    assert labels(article_11.children[0].children) == ["1."]


# --- the same document in other encodings and formats --------------------------


def sichuan_docx_bytes() -> bytes:
    document = docx.Document()
    for line in SICHUAN.read_text(encoding="utf-8").split("\n"):
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(("filename", "make_data"), [
    ("四川-gbk.txt", lambda: SICHUAN.read_text(encoding="utf-8").encode("gbk")),
    ("四川-bom.txt", lambda: SICHUAN.read_text(encoding="utf-8").encode("utf-8-sig")),
    ("四川-crlf.txt", lambda: SICHUAN.read_text(encoding="utf-8").replace("\n", "\r\n").encode("gb18030")),
    ("四川.docx", sichuan_docx_bytes),
])
def test_parse_encodings_and_docx_identical(filename, make_data):
    expected = policy_to_dict(parse_fixture(SICHUAN))

    parsed = policy_to_dict(parse_policy_file(filename, make_data()))

    assert parsed == expected


def test_parse_pasted_text_is_identical():
    expected = policy_to_dict(parse_fixture(SICHUAN))

    parsed = policy_to_dict(parse_policy_text(SICHUAN.read_text(encoding="utf-8")))

    assert parsed == expected


def test_parse_blank_pasted_text_raises():
    with pytest.raises(InvalidInput) as caught:
        parse_policy_text(" \n\u3000\n")

    assert caught.value.key == "documents.parsing.empty_text"


def test_parse_bad_file_raises_with_name():
    with pytest.raises(InvalidInput) as caught:
        parse_policy_file("损坏的文件.docx", b"PK\x03\x04broken")

    assert "损坏的文件.docx" in caught.value.message


# --- header variants -----------------------------------------------------------


@pytest.mark.parametrize(("printed", "normalised"), [
    ("川办发〔2013〕81号", "川办发〔2013〕81号"),
    ("川办发[2013]81号", "川办发〔2013〕81号"),
    ("川办发［2013］81号", "川办发〔2013〕81号"),
    ("川办发(2013)81号", "川办发〔2013〕81号"),
    ("川办发（2013）81号", "川办发〔2013〕81号"),
    ("川办发【2013】81号", "川办发〔2013〕81号"),
    ("川办发｛2013｝81号", "川办发〔2013〕81号"),
    ("川办发{2013}81号", "川办发〔2013〕81号"),
    ("川办发〔2013〕081号", "川办发〔2013〕81号"),
    ("川办发〔2013〕第81号", "川办发〔2013〕81号"),
    ("川办发 〔 2013 〕 81 号", "川办发〔2013〕81号"),
    ("国发〔２０１８〕１２号", "国发〔2018〕12号"),
    ("中华人民共和国国务院令第711号", ""),
    ("2014年1月10日", ""),
])
def test_normalize_doc_number_bracket_variants(printed, normalised):
    assert normalize_doc_number(printed) == normalised


def test_parse_doc_number_line_normalised():
    parsed = parse_policy_text("关于加强新闻发布工作的通知\n川交发[2014]001号\n各单位：\n现将有关事项通知如下。")

    assert parsed.doc_number == "川交发〔2014〕1号"
    assert parsed.title == "关于加强新闻发布工作的通知"


def test_parse_gbt9704_header_order():
    # 发文机关标志, then 发文字号, then the title, as on paper.
    text = "\n".join([
        "四川省交通运输厅文件",
        "川交发〔2014〕12号",
        "四川省交通运输厅关于做好",
        "政策解读工作的通知",
        "各市(州)交通运输局(委)：",
        "为做好政策解读工作，现通知如下。",
        "一、明确责任",
        "各单位要明确责任。",
        "四川省交通运输厅",
        "2014年 3 月 5 日",
        "（此件主动公开）",
    ])

    parsed = parse_policy_text(text)

    assert parsed.title == "四川省交通运输厅关于做好政策解读工作的通知"
    assert parsed.doc_number == "川交发〔2014〕12号"
    assert parsed.addressee == "各市(州)交通运输局(委)"
    assert parsed.issuer == "四川省交通运输厅"
    assert parsed.date == date(2014, 3, 5)
    assert parsed.sections[0].text == "各单位要明确责任。"


def test_parse_issuer_mark_fallback():
    parsed = parse_policy_text("四川省交通运输厅文件\n川交发〔2014〕12号\n关于做好政策解读工作的通知\n各单位：\n请做好政策解读。")

    assert parsed.issuer == "四川省交通运输厅"
    assert parsed.title == "关于做好政策解读工作的通知"
    assert parsed.date is None


@pytest.mark.parametrize(("printed", "expected"), [
    ("2014年1月10日", date(2014, 1, 10)),
    ("2014年1月10 日", date(2014, 1, 10)),
    ("2014 年 1 月 10 日", date(2014, 1, 10)),
    ("２０１４年１月１０日", date(2014, 1, 10)),
    ("二〇一四年一月十日", date(2014, 1, 10)),
    ("二〇一八年十二月二十三日", date(2018, 12, 23)),
    ("2014年2月30日", None),
    ("2014年1月", None),
])
def test_parse_cn_date_variants(printed, expected):
    assert parse_cn_date(printed) == expected


def test_parse_body_date_not_signature():
    text = "\n".join([
        "各单位：",
        "一、活动安排",
        "2014年1月10日",
        "举行新闻发布会。",
        "四川省交通运输厅",
        "2014年1月20日",
    ])

    parsed = parse_policy_text(text)

    assert parsed.date == date(2014, 1, 20)
    assert parsed.sections[0].text == "2014年1月10日\n举行新闻发布会。"


# --- headings ---------------------------------------------------------------------


def test_parse_heading_variants_and_spaces():
    text = "\n".join([
        "　　一、总体要求",
        "  (一)指导思想。坚持以人民为中心。",
        "\u3000（二） 基本原则",
        "1．坚持正确导向。",
        "2、坚持需求引领。",
        "(1)突出重点。",
        "（2）分类推进。",
    ])

    parsed = parse_policy_text(text)
    level_1 = parsed.sections[0]
    level_2 = level_1.children[1]

    assert labels(level_1.children) == ["（一）", "（二）"]
    assert level_1.children[0].heading == "指导思想"
    assert level_1.children[0].text == "坚持以人民为中心。"
    assert level_2.heading == "基本原则"
    assert labels(level_2.children) == ["1.", "2."]
    assert labels(level_2.children[1].children) == ["（1）", "（2）"]
    assert level_2.children[1].children[0].heading == "突出重点"


def test_parse_letter_spaced_chapter_heading():
    parsed = parse_policy_text("第一章 总 则\n第一条 为了规范新闻发布工作，制定本办法。\n第二章　附　　则\n第二条 本办法自印发之日起施行。")

    assert headings(parsed.sections) == ["总则", "附则"]
    assert parsed.sections[0].children[0].label == "第一条"


def test_parse_article_caption_and_inserted_article():
    parsed = parse_policy_text(
        "第一条（立法目的）为了规范新闻发布工作，制定本办法。\n"
        "第二条 本办法适用于全省交通运输系统。\n"
        "第二条之一 第二条所称交通运输系统，包括厅直属单位。"
    )

    assert labels(parsed.sections) == ["第一条", "第二条", "第二条之一"]
    assert parsed.sections[0].heading == "立法目的"
    assert parsed.sections[0].text == "为了规范新闻发布工作，制定本办法。"
    assert parsed.sections[1].heading == ""
    assert parsed.sections[2].text == "第二条所称交通运输系统，包括厅直属单位。"


def test_parse_sections_nest_under_chapter_sections():
    parsed = parse_policy_text("第一章 总则\n第一节 一般规定\n第一条 适用范围。\n第二节 特别规定\n第二条 例外。")
    chapter = parsed.sections[0]

    assert labels(chapter.children) == ["第一节", "第二节"]
    assert chapter.children[1].heading == "特别规定"
    assert labels(chapter.children[1].children) == ["第二条"]


def test_parse_text_without_headings_warns():
    parsed = parse_policy_text("各单位：\n请于本周五前报送材料。\n四川省交通运输厅\n2014年1月10日")

    assert parsed.sections == []
    assert parsed.preamble == "请于本周五前报送材料。"
    assert "documents.parsing.no_sections" in parsed.warnings


def test_parse_numbered_attachments_split():
    text = "\n".join([
        "各单位：",
        "一、工作要求",
        "请按附件填报。",
        "附件：1. 报名表",
        "2. 日程安排",
        "四川省交通运输厅",
        "2014年1月10日",
        "附件1",
        "报名表",
        "姓名\t单位\t职务",
        "附件2",
        "日程安排",
        "上午：开幕。",
    ])

    parsed = parse_policy_text(text)
    attachments = parsed.sections[1:]

    assert parsed.sections[0].text == "请按附件填报。"
    assert labels(attachments) == ["附件1", "附件2"]
    assert headings(attachments) == ["报名表", "日程安排"]
    assert attachments[0].children[0].rows == [["姓名", "单位", "职务"]]
    assert attachments[1].text == "上午：开幕。"


# --- cited documents and the dictionary form ------------------------------------


def test_find_cited_documents_formats():
    cited = find_cited_documents([
        "根据《国务院关于加强政务公开的意见》(国发[2016]08号)和《中华人民共和国保守国家秘密法》，",
        "填写《诉讼要素表》。再次引用《国务院关于加强政务公开的意见》（国发〔2016〕8号）。",
    ])

    assert cited == ["《国务院关于加强政务公开的意见》（国发〔2016〕8号）", "《中华人民共和国保守国家秘密法》"]


def test_policy_to_dict_keys(notice):
    data = policy_to_dict(notice)
    attachment = data["sections"][3]
    table = attachment["children"][0]

    assert set(data) == {
        "title", "doc_number", "issuer", "addressee", "date", "sections", "preamble", "cited_documents",
    }
    assert data["date"] == "2018-12-23"
    assert set(data["sections"][0]) == {"label", "heading", "text", "children"}
    assert attachment["kind"] == "attachment"
    assert table["kind"] == "table"
    assert table["rows"][0][2] == "主要内容"


def test_policy_to_dict_missing_date_is_none(template):
    assert policy_to_dict(template)["date"] is None


# --- robustness and speed --------------------------------------------------------


def test_parse_lines_with_embedded_breaks():
    parsed = parse_policy_lines(["各单位：\r\n一、总体要求", "（一）指导思想。\n坚持以人民为中心。"])

    assert parsed.addressee == "各单位"
    assert parsed.sections[0].children[0].text == "坚持以人民为中心。"


def test_parse_random_lines_never_raises():
    rng = random.Random(711)
    alphabet = list("一二十（）()、．.1234567890第章节条附件：:。，〔〕[]年月日号令公布修订\t 　《》抄送")
    for _ in range(300):
        lines = ["".join(rng.choices(alphabet, k=rng.randint(0, 30))) for _ in range(rng.randint(0, 40))]

        data = policy_to_dict(parse_policy_lines(lines))

        assert isinstance(data["sections"], list)


def test_parse_sichuan_takes_milliseconds():
    lines = SICHUAN.read_text(encoding="utf-8").split("\n")

    timings = []
    for _ in range(5):
        started = time.perf_counter()
        parse_policy_lines(lines)
        timings.append(time.perf_counter() - started)

    assert min(timings) < 0.02


def test_parse_many_date_lines_stays_fast():
    schedule = [f"2014年{month}月{day}日" for month in range(1, 13) for day in range(1, 29)] * 10
    lines = ["各单位：", "一、日程安排"] + schedule + ["四川省交通运输厅", "2015年1月5日"]

    started = time.perf_counter()
    parsed = parse_policy_lines(lines)
    elapsed = time.perf_counter() - started

    assert parsed.date == date(2015, 1, 5)
    assert parsed.issuer == "四川省交通运输厅"
    assert len(parsed.sections[0].text.split("\n")) == len(schedule)
    assert elapsed < 1.0


def test_parse_long_document_scales_linearly():
    body = SICHUAN.read_text(encoding="utf-8").split("\n")[2:-4]
    lines = body * 200  # 5,800 lines, 1.5 MB of UTF-8

    started = time.perf_counter()
    parsed = parse_policy_lines(lines)
    elapsed = time.perf_counter() - started

    assert len(parsed.sections) == 600
    assert elapsed < 2.0
