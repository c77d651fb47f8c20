"""The no-AI first drafts: 政策解读 and 答记者问 written from a parsed policy."""

import shutil
from datetime import date
from pathlib import Path

import pytest

from planner.documents.prefill import build_interpretation, build_qa
from planner.documents.structure import ParsedPolicy, ParsedSection
from planner.documents.templates import default_template_dir
from planner.i18n import inside_book_marks

FIXTURES = Path(__file__).parent / "fixtures"
SICHUAN = FIXTURES / "sichuan-transport-2014-disclosure-opinions.txt"
REGULATION = FIXTURES / "P08_guoling-711_zhengfu-xinxi-gongkai-tiaoli-2019.txt"


def heading(label, text_heading, text="", children=(), level=1):
    return ParsedSection(label=label, heading=text_heading, text=text, level=level,
                         children=list(children))


def small_policy(**overrides) -> ParsedPolicy:
    """A two-part 实施意见 in the shape the parser returns (half-width marks kept)."""
    fields = dict(
        title="某某厅关于加强政务公开工作的实施意见",
        doc_number="某交发〔2020〕5号",
        issuer="某某厅",
        date=date(2020, 3, 2),
        preamble="为贯彻落实《上级机关关于政务公开的意见》(某办发〔2019〕12号),结合工作实际,"
                 "提出以下实施意见。",
        cited_documents=["《上级机关关于政务公开的意见》（某办发〔2019〕12号）"],
        sections=[
            heading("一、", "加强平台建设", children=[
                heading("（一）", "加强网站建设", "各单位要建立健全网站内容保障机制。"
                        "确保公众能够及时获得便利的在线服务。", level=2),
                heading("（二）", "加强新媒体应用", "要积极利用政务微博发布权威信息。", level=2),
            ]),
            heading("二、", "完善保障措施",
                    "政务公开是提升政府公信力的重要途径。要加强工作机构建设,明确专人负责。"
                    "要保障必要的工作经费。"),
        ],
    )
    fields.update(overrides)
    return ParsedPolicy(**fields)


# --- 政策解读 ---------------------------------------------------------------------------

def test_build_interpretation_follows_the_section_list():
    draft = build_interpretation(small_policy())

    assert draft.kind == "interpretation"
    assert [s.key for s in draft.sections] == [
        "background", "necessity", "content", "measures", "public_impact"]
    assert [s.title for s in draft.sections] == [
        "出台背景", "出台的必要性和目的", "主要内容", "主要措施", "对公众的影响"]


def test_build_interpretation_title_names_the_policy():
    draft = build_interpretation(small_policy())

    assert draft.title == "关于《某某厅关于加强政务公开工作的实施意见》的政策解读"
    assert draft.issuer == "某某厅"
    assert draft.doc_number == "某交发〔2020〕5号"
    assert draft.date == date(2020, 3, 2)


NESTED_TITLE = "某某厅关于印发《某某厅政务公开工作办法》的通知"


def test_build_interpretation_nested_title_uses_single_marks():
    draft = build_interpretation(small_policy(title=NESTED_TITLE))

    assert draft.title == "关于《某某厅关于印发〈某某厅政务公开工作办法〉的通知》的政策解读"
    assert "印发了《某某厅关于印发〈某某厅政务公开工作办法〉的通知》（以下简称《通知》）" in \
        draft.sections[0].body


def test_build_qa_nested_title_uses_single_marks():
    draft = build_qa(small_policy(title=NESTED_TITLE))

    assert draft.title == "某某厅有关负责人就《某某厅关于印发〈某某厅政务公开工作办法〉的通知》答记者问"
    assert draft.sections[0].body.startswith(
        "2020年3月2日，某某厅印发了《某某厅关于印发〈某某厅政务公开工作办法〉的通知》"
        "（某交发〔2020〕5号，以下简称《通知》）。")


def test_build_interpretation_office_title_without_marks_keeps_them(tmp_path):
    spec = (default_template_dir() / "interpretation.toml").read_text(encoding="utf-8")
    (tmp_path / "interpretation.toml").write_text(
        spec.replace('title = "关于《{policy_title}》的政策解读"', 'title = "{policy_title}的解读"'),
        encoding="utf-8")

    draft = build_interpretation(small_policy(title=NESTED_TITLE), template_dir=tmp_path)

    assert draft.title == f"{NESTED_TITLE}的解读"


@pytest.mark.parametrize("title, inside", [
    ("关于印发《办法》的通知", "关于印发〈办法〉的通知"),
    ("关于《〈条例〉实施细则》的说明", "关于〈《条例》实施细则〉的说明"),
    ("没有书名号的标题", "没有书名号的标题"),
])
def test_inside_book_marks_alternates_marks(title, inside):
    assert inside_book_marks(title) == inside


def test_build_interpretation_without_title_uses_placeholder():
    draft = build_interpretation(small_policy(title=""))

    assert draft.title == "关于《（请填写政策标题）》的政策解读"


def test_build_interpretation_background_rewrites_the_opening():
    background = build_interpretation(small_policy()).sections[0]

    assert background.body == (
        "为贯彻落实《上级机关关于政务公开的意见》（某办发〔2019〕12号），结合工作实际，"
        "某某厅印发了《某某厅关于加强政务公开工作的实施意见》（以下简称《实施意见》）。")
    assert background.source_ref == "开头部分"


def test_build_interpretation_necessity_quotes_purpose_and_importance():
    necessity = build_interpretation(small_policy()).sections[1]

    assert necessity.body.splitlines() == [
        "出台《实施意见》，是贯彻落实《上级机关关于政务公开的意见》（某办发〔2019〕12号）的具体举措。",
        "《实施意见》指出，政务公开是提升政府公信力的重要途径。",
    ]
    assert necessity.source_ref == "开头部分；二、"


def test_build_interpretation_content_lists_the_parts():
    content = build_interpretation(small_policy()).sections[2]

    assert content.body.splitlines() == [
        "《实施意见》共两个部分。",
        "第一部分“加强平台建设”，包括加强网站建设、加强新媒体应用两个方面。",
        "第二部分“完善保障措施”，提出加强工作机构建设、保障必要的工作经费等要求。",
    ]
    assert content.source_ref == "一、至二、"


def test_build_interpretation_measures_per_part():
    measures = build_interpretation(small_policy()).sections[3]

    assert measures.body.splitlines() == [
        "（一）加强平台建设。一是加强网站建设，建立健全网站内容保障机制；"
        "二是加强新媒体应用，积极利用政务微博发布权威信息。",
        "（二）完善保障措施。要加强工作机构建设，明确专人负责。要保障必要的工作经费。",
    ]


def test_build_interpretation_public_impact_cites_each_passage():
    impact = build_interpretation(small_policy()).sections[4]

    assert "一是确保公众能够及时获得便利的在线服务。" in impact.body.splitlines()
    assert impact.source_ref.split("；")[0] == "一、（一）"


def test_build_interpretation_empty_policy_asks_for_each_section():
    draft = build_interpretation(ParsedPolicy())

    assert draft.title == "关于《（请填写政策标题）》的政策解读"
    assert all(s.body.startswith("（请补充：") for s in draft.sections)
    assert draft.sections[0].body == (
        "（请补充：说明政策依据的上级文件和部署、本地本部门的工作实际，交代为什么在此时出台。）")


def test_build_interpretation_office_section_list_adds_a_section(tmp_path):
    shutil.copy(default_template_dir() / "interpretation.toml", tmp_path)
    with (tmp_path / "interpretation.toml").open("a", encoding="utf-8") as fh:
        fh.write('\n[[sections]]\nkey = "contacts"\ntitle = "咨询渠道"\nhint = "写明咨询电话。"\n')

    draft = build_interpretation(small_policy(), template_dir=tmp_path)

    assert draft.sections[-1].key == "contacts"
    assert draft.sections[-1].title == "咨询渠道"
    assert draft.sections[-1].body == "（请补充：写明咨询电话。）"


# --- 答记者问 ---------------------------------------------------------------------------

def test_build_qa_question_list():
    draft = build_qa(small_policy())

    assert draft.kind == "qa"
    assert [s.key for s in draft.sections] == [
        "intro", "background", "significance", "content", "part_1", "implementation"]
    assert [s.title for s in draft.sections[1:]] == [
        "为什么要出台《实施意见》？",
        "出台《实施意见》有什么重要意义？",
        "《实施意见》的主要内容有哪些？",
        "《实施意见》在加强平台建设方面提出了哪些要求？",
        "如何抓好《实施意见》的贯彻落实？",
    ]


def test_build_qa_title_names_issuer_and_policy():
    draft = build_qa(small_policy())

    assert draft.title == "某某厅有关负责人就《某某厅关于加强政务公开工作的实施意见》答记者问"


def test_build_qa_without_issuer_or_title_uses_placeholders():
    draft = build_qa(small_policy(issuer="", title=""))

    assert draft.title == "（请填写发文机关）有关负责人就《（请填写政策标题）》答记者问"
    assert draft.sections[0].body.startswith("2020年3月2日，《（请填写政策标题）》")


def test_build_qa_intro_with_number():
    intro = build_qa(small_policy()).sections[0]

    assert intro.body == (
        "2020年3月2日，某某厅印发了《某某厅关于加强政务公开工作的实施意见》"
        "（某交发〔2020〕5号，以下简称《实施意见》）。某某厅有关负责人就《实施意见》的"
        "出台背景、主要内容和贯彻落实等问题回答了记者提问。")
    assert intro.source_ref == ""


def test_build_qa_intro_without_date_says_recently():
    intro = build_qa(small_policy(date=None)).sections[0]

    assert intro.body.startswith("近日，某某厅印发了")


def test_build_qa_part_answer():
    part = build_qa(small_policy()).sections[4]

    assert part.body == (
        "《实施意见》第一部分“加强平台建设”从两个方面作出部署：一是加强网站建设，"
        "建立健全网站内容保障机制；二是加强新媒体应用，积极利用政务微博发布权威信息。")
    assert part.source_ref == "一、"


def test_build_qa_implementation_comes_from_the_safeguards_part():
    implementation = build_qa(small_policy()).sections[-1]

    assert implementation.body == (
        "《实施意见》对抓好贯彻落实提出了明确要求。要加强工作机构建设，明确专人负责。"
        "要保障必要的工作经费。")
    assert implementation.source_ref == "二、"


@pytest.mark.parametrize("preamble, background", [
    ("现提出如下意见：", "某某厅印发了《某某厅关于加强政务公开工作的实施意见》（以下简称《实施意见》）。"),
    ("", ""),
])
def test_build_interpretation_background_without_purpose(preamble, background):
    draft = build_interpretation(small_policy(preamble=preamble, cited_documents=[]))

    assert draft.sections[0].key == "background"
    assert draft.sections[0].body == (background or "（请补充：说明政策依据的上级文件和部署、"
                                      "本地本部门的工作实际，交代为什么在此时出台。）")


def test_build_qa_intro_without_short_name_has_no_abbreviation_note():
    intro = build_qa(small_policy(title="", preamble="", doc_number="")).sections[0]

    assert intro.body.startswith("2020年3月2日，某某厅印发了《（请填写政策标题）》。")


def test_build_qa_background_short_name_once():
    background = build_qa(small_policy()).sections[1]

    assert background.body.endswith("某某厅印发了《实施意见》。")
    assert "以下简称" not in background.body


@pytest.mark.parametrize("title, preamble, short", [
    ("某某厅关于加强政务公开工作的实施意见", "", "《实施意见》"),
    ("国务院办公厅关于推进政务新媒体健康有序发展的意见", "", "《意见》"),
    ("中华人民共和国政府信息公开条例", "", "《条例》"),
    ("某某厅关于开展检查的通知", "", "《通知》"),
    ("", "为做好工作,结合实际,提出以下实施意见。", "《实施意见》"),
    ("", "为做好工作，经研究，现提出如下意见：", "《意见》"),
    ("", "", "本文件"),
])
def test_build_qa_short_name_from_title_or_opening(title, preamble, short):
    draft = build_qa(small_policy(title=title, preamble=preamble))

    assert draft.sections[1].title == f"为什么要出台{short}？"


@pytest.mark.parametrize("raw, printed", [
    ("各市(州)交通运输局(委),厅直各单位:", "各市（州）交通运输局（委），厅直各单位："),
    ("实现12328热线,96515电话", "实现12328热线，96515电话"),
    ("数量为1,000个", "数量为1,000个"),
    ("Windows (x86)", "Windows (x86)"),
])
def test_build_interpretation_prints_full_width_marks(raw, printed):
    policy = small_policy(sections=[heading("一、", "总体要求", raw + "要做好工作。")])

    measures = build_interpretation(policy).sections[3]

    assert measures.body == f"（一）总体要求。{printed}要做好工作。"


# --- real documents through the parser --------------------------------------------------

@pytest.fixture(scope="module")
def sichuan():
    from planner.documents.parsing import parse_policy_file

    return parse_policy_file(SICHUAN.name, SICHUAN.read_bytes())


def test_build_qa_sichuan_asks_about_each_part(sichuan):
    draft = build_qa(sichuan)

    questions = {s.key: (s.title, s.source_ref) for s in draft.sections}
    assert draft.title == "四川省交通运输厅有关负责人就《（请填写政策标题）》答记者问"
    assert questions["part_1"] == ("《实施意见》在加强平台建设方面提出了哪些要求？", "一、")
    assert questions["part_2"] == ("《实施意见》在健全工作机制方面提出了哪些要求？", "二、")
    assert questions["implementation"] == ("如何抓好《实施意见》的贯彻落实？", "三、")
    assert "part_3" not in questions  # 三、完善保障措施 answers the implementation question


def test_build_qa_sichuan_intro_and_background(sichuan):
    sections = {s.key: s for s in build_qa(sichuan).sections}

    assert sections["intro"].body.startswith(
        "2014年1月10日，四川省交通运输厅印发了《（请填写政策标题）》（以下简称《实施意见》）。")
    assert sections["background"].body == (
        "为认真贯彻落实《省政府办公厅关于进一步加强政府信息公开回应社会关切提升政府公信力的"
        "实施意见》（川办发〔2013〕81号），结合我省交通运输工作实际，四川省交通运输厅印发了"
        "《实施意见》。")


def test_build_qa_sichuan_answers_quote_the_measures(sichuan):
    sections = {s.key: s for s in build_qa(sichuan).sections}

    platform = sections["part_1"].body
    assert platform.startswith("《实施意见》第一部分“加强平台建设”从四个方面作出部署：")
    assert "一是加强新闻发言人制度建设，建立健全新闻发布制度" in platform
    assert "四是加强查阅场所建设" in platform
    assert sections["implementation"].body.startswith(
        "《实施意见》对抓好贯彻落实提出了明确要求。各单位主要负责同志要亲自抓，分管负责人要具体抓")


def test_build_interpretation_sichuan_content_and_public_impact(sichuan):
    sections = {s.key: s for s in build_interpretation(sichuan).sections}

    assert sections["content"].body.splitlines()[0] == "《实施意见》共三个部分。"
    assert sections["content"].body.splitlines()[3] == (
        "第三部分“完善保障措施”，提出加强工作机构建设、明确专人负责相关工作、保障必要的工作经费等要求。")
    assert "确保热线电话有人接、能及时答复公众询问" in sections["public_impact"].body
    assert "一、（四）" in sections["public_impact"].source_ref.split("；")


def test_build_interpretation_regulation_counts_chapters_and_articles():
    from planner.documents.parsing import parse_policy_file

    policy = parse_policy_file(REGULATION.name, REGULATION.read_bytes())

    sections = {s.key: s for s in build_interpretation(policy).sections}
    assert sections["content"].body.splitlines()[0] == "《条例》共六章五十六条。"
    assert sections["necessity"].source_ref == "第一条"
    assert sections["measures"].source_ref == "第一章至第五章"  # 附则 has no measures


def test_build_qa_regulation_skips_supplementary_chapter():
    from planner.documents.parsing import parse_policy_file

    policy = parse_policy_file(REGULATION.name, REGULATION.read_bytes())

    questions = [s.title for s in build_qa(policy).sections]
    assert "《条例》在附则方面提出了哪些要求？" not in questions
    assert questions[-1] == "如何抓好《条例》的贯彻落实？"
