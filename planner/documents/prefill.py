"""First drafts of a 政策解读 and a 答记者问, written from the parsed policy without AI.

Everything comes from the policy itself: the opening paragraph (background and purpose),
the cited documents, and the heading tree (content, measures, one question per top-level
part). Each section records in source_ref the part of the policy it was drawn from
("二、（三）"), so the official who edits the draft can check it against the source.
Section keys and titles come from the template's section list (templates/<kind>.toml).
"""

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from planner.documents.structure import (DraftDocument, DraftSectionContent, ParsedPolicy,
                                         ParsedSection)
from planner.documents.templates import SectionSpec, TemplateSpec, load_template_spec
from planner.documents.word import cn_numeral, normalise_doc_number
from planner.i18n import inside_book_marks, t
from planner.timeutil import format_cn_date

logger = logging.getLogger(__name__)

# models.DraftKind values, not imported: planner.models loads SQLModel (about 0.4 s), and
# drafting from a file (the CLI, the benchmark) needs no database.
INTERPRETATION = "interpretation"
QA = "qa"

PREAMBLE_REF = "开头部分"   # 依据 for text drawn from the opening paragraph

# Document kinds, longest first, that give the short name: …的实施意见 → 《实施意见》.
_KIND_SUFFIXES = ("实施意见", "指导意见", "实施细则", "实施办法", "管理办法", "意见", "细则",
                  "办法", "规定", "条例", "通知", "决定", "方案", "规划", "纲要", "准则", "规则")
# "提出以下实施意见。" / "现提出如下意见：" / "制定本条例。": the sentence that announces the
# document, and the kind it names.
_ANNOUNCE = re.compile(r"[，,]?\s*(?:现|特)?(?:提出|制定|印发|作出)(?:以下|如下|本)"
                       r"(?P<kind>[\u4e00-\u9fff]{2,6}?)\s*[。：:]?$")
_PURPOSE = re.compile(r"^为了?(?P<purpose>[^，,。]+)")
_SIGNIFICANCE = re.compile(r"重要(?:途径|手段|渠道|阵地|举措|保障|意义)|重大意义|必然要求|迫切需要")
_GOAL = re.compile(r"^到\d{4}年")
# Passages on what changes for the public: first those about convenience and rights, then
# any that name the public at all.
_PUBLIC_BENEFIT = re.compile(r"便利|便民|方便|利企|群众切身利益|让公众|公众能够|答复公众|申请人")
_PUBLIC = re.compile(r"公众|群众|企业")
# 要 as "must" (要建立…), not inside 重要, 主要, 需要, 必要, 要求 and the like.
_MUST = re.compile(r"(?<![重主需必纪摘概提简])要(?![求点素件闻])")
_IMPLEMENTATION_PART = re.compile(r"保障|组织实施|贯彻落实|组织领导")
_CLOSING_PART = re.compile(r"^附\s*则$")
_CJK = "\u3400-\u9fff\u3000-\u303f\uff00-\uffef"
_HALF_TO_FULL = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！"}

GIST_MIN = 20           # a quoted clause shorter than this is rarely a whole requirement
GIST_LIMIT = 60         # characters of the clauses quoted after a measure's heading
PUBLIC_SENTENCE_LIMIT = 100  # longer sentences are statements of principle, not changes
PHRASE_LIMIT = 16       # characters of a requirement listed in the content overview
MAX_ITEMS_PER_PART = 6  # children quoted per part; the rest are summed up with 等
MAX_PUBLIC_ITEMS = 4


@dataclass(frozen=True)
class _Item:
    """A heading of the policy, flattened: its citation path, heading and tidied text."""

    ref: str
    label: str
    heading: str
    text: str
    subheadings: tuple[str, ...] = ()  # headings one level down (the 1. items of a （三）)


@dataclass(frozen=True)
class _Part:
    item: _Item
    children: tuple[_Item, ...]


@dataclass(frozen=True)
class _Facts:
    title: str          # the policy title, or the placeholder the user replaces
    short: str          # 《实施意见》
    issuer: str
    doc_number: str
    preamble: list[str]  # sentences
    cited: list[str]
    parts: list[_Part]


def build_interpretation(policy: ParsedPolicy,
                         template_dir: Path | str | None = None) -> DraftDocument:
    """Write a 政策解读 draft: background, necessity, content, measures, public impact.

    `template_dir` is an office's own template directory, whose section list may rename,
    reorder or add sections (an added section gets its hint to fill in).
    """
    spec = load_template_spec(INTERPRETATION, template_dir)
    facts = _facts(policy)
    writers = {
        "background": _background,
        "necessity": _necessity,
        "content": _content_paragraphs,
        "measures": _measures,
        "public_impact": _public_impact,
    }
    sections = [_section(entry, writers, facts) for entry in spec.sections]
    return _draft(spec, facts, policy, sections)


def build_qa(policy: ParsedPolicy, template_dir: Path | str | None = None) -> DraftDocument:
    """Write a 答记者问 draft: a lead paragraph, then questions on background, significance
    and content, one question per top-level part, and one on implementation."""
    spec = load_template_spec(QA, template_dir)
    facts = _facts(policy)
    closing = _implementation_part(facts.parts)
    writers = {
        "intro": lambda f: (_intro(f, policy), ""),
        "background": lambda f: _background(f, introduce=False),
        "significance": _necessity,
        "content": _content_answer,
        "implementation": lambda f: _implementation(f, closing),
    }
    sections = []
    for entry in spec.sections:
        if entry.repeat == "top_level":
            sections += _part_questions(entry, facts, skip=closing)
        else:
            sections.append(_section(entry, writers, facts))
    return _draft(spec, facts, policy, sections)


# --- the facts every section draws on ----------------------------------------------------

def _facts(policy: ParsedPolicy) -> _Facts:
    title = _tidy(policy.title.replace("\n", "")) or t("documents.prefill.title_placeholder")
    return _Facts(
        title=title,
        short=_short_name(policy),
        issuer=policy.issuer.strip(),
        doc_number=normalise_doc_number(policy.doc_number),
        preamble=_sentences(_tidy(policy.preamble)),
        cited=[_tidy(c) for c in policy.cited_documents],
        parts=_parts(policy.sections),
    )


def _short_name(policy: ParsedPolicy) -> str:
    """《实施意见》 from the title's last word, else from "提出以下实施意见" in the opening."""
    title = policy.title.strip()
    for suffix in _KIND_SUFFIXES:
        if title.endswith(suffix):
            return f"《{suffix}》"
    match = _ANNOUNCE.search(policy.preamble.strip())
    if match:
        return f"《{match['kind']}》"
    return "本文件"


def _parts(sections: list[ParsedSection]) -> list[_Part]:
    parts = []
    for section in sections:
        if section.kind != "heading":
            continue
        item = _item(section, section.label)
        children = tuple(_item(child, _ref(section.label, child.label))
                         for child in section.children if child.kind == "heading")
        parts.append(_Part(item, children))
    return parts


def _item(section: ParsedSection, ref: str) -> _Item:
    subheadings = tuple(_heading(child) for child in section.children if _heading(child))
    return _Item(ref=ref, label=_tidy(section.label), heading=_heading(section),
                 text=_tidy(section.text), subheadings=subheadings)


def _heading(section: ParsedSection) -> str:
    return _tidy(section.heading).rstrip("。")


def _ref(parent_label: str, label: str) -> str:
    """Return the citation path 二、（三）, or 第五条 alone, since articles run through the text."""
    label = _tidy(label)
    if re.fullmatch(r"第[一二三四五六七八九十百零〇]+条", label):
        return label
    return f"{_tidy(parent_label)}{label}"


def _draft(spec: TemplateSpec, facts: _Facts, policy: ParsedPolicy,
           sections: list[DraftSectionContent]) -> DraftDocument:
    issuer = facts.issuer or t("documents.prefill.issuer_placeholder")
    title = spec.title.format(policy_title=_title_for(spec.title, facts.title), issuer=issuer)
    logger.info("prefilled %s draft with %d sections", spec.kind, len(sections))
    return DraftDocument(kind=spec.kind, title=title, sections=sections, issuer=facts.issuer,
                         doc_number=facts.doc_number, date=policy.date)


def _title_for(pattern: str, title: str) -> str:
    """Return the policy title as the draft title pattern needs it: with its own 《》 as
    〈〉 where the pattern sets it inside 《》 (关于《{policy_title}》的政策解读)."""
    before = pattern.split("{policy_title}", 1)[0]
    inside = before.count("《") > before.count("》")
    return inside_book_marks(title) if inside else title


def _section(entry: SectionSpec, writers: dict, facts: _Facts) -> DraftSectionContent:
    """Write one section; a section an office added to its list gets the hint to fill in."""
    title = entry.title.format(short=facts.short, heading="")
    writer = writers.get(entry.key)
    body, ref = writer(facts) if writer else ("", "")
    if not body:
        body = t("documents.prefill.to_complete", hint=entry.hint)
    return DraftSectionContent(key=entry.key, title=title, body=body, source_ref=ref)


# --- sections ----------------------------------------------------------------------------

def _background(facts: _Facts, *, introduce: bool = True) -> tuple[str, str]:
    """Write the background from the opening paragraph: its context sentences, then its
    purpose sentence turned from "提出以下意见" into "…印发了《标题》（以下简称《意见》）".
    In a 答记者问 the lead paragraph has introduced the short name already."""
    context = [s for s in facts.preamble if not _ANNOUNCE.search(s)]
    announcing = next((s for s in facts.preamble if _ANNOUNCE.search(s)), "")
    paragraphs = ["".join(context)] if context else []

    named = _full_name(facts) if introduce else facts.short
    issued = f"{facts.issuer}印发了{named}。"
    purpose = _ANNOUNCE.sub("", announcing).rstrip("，,")
    if purpose:
        paragraphs.append(f"{purpose}，{issued}")
    elif facts.preamble or facts.cited:
        paragraphs.append(issued)

    mentioned = "".join(paragraphs)
    others = [c for c in facts.cited if c.split("》")[0] + "》" not in mentioned]
    if others:
        paragraphs.append(f"{facts.short}的制定还依据了{'、'.join(others)}。")
    return "\n".join(paragraphs), PREAMBLE_REF if facts.preamble else ""


def _necessity(facts: _Facts) -> tuple[str, str]:
    """Write the purpose from the opening ("为…"), then what the text calls important or its goal."""
    paragraphs, refs = [], []
    purpose, ref = _purpose(facts)
    if purpose:
        paragraphs.append(f"出台{facts.short}，是{purpose}的具体举措。")
        refs.append(ref)

    for ref, sentence in _matching_sentences(facts, _SIGNIFICANCE, limit=2):
        paragraphs.append(f"{facts.short}指出，{sentence}")
        refs.append(ref)
    for ref, sentence in _goal_sentences(facts):
        paragraphs.append(f"{facts.short}提出的目标是：{sentence}")
        refs.append(ref)
    return "\n".join(paragraphs), _join_refs(refs)


def _content_paragraphs(facts: _Facts) -> tuple[str, str]:
    if not facts.parts:
        return "", ""
    lines = [f"{facts.short}共{_part_count(facts)}。"]
    lines += [f"{_part_name(index, part)}，{_part_summary(part)}。"
              for index, part in enumerate(facts.parts, start=1)]
    return "\n".join(lines), _span_ref(facts.parts)


def _content_answer(facts: _Facts) -> tuple[str, str]:
    """Write the same overview as one paragraph, the way a spokesperson answers."""
    if not facts.parts:
        return "", ""
    summaries = [f"{_part_name(index, part)}，{_part_summary(part)}"
                 for index, part in enumerate(facts.parts, start=1)]
    return f"{facts.short}共{_part_count(facts)}：{'；'.join(summaries)}。", _span_ref(facts.parts)


def _measures(facts: _Facts) -> tuple[str, str]:
    """Write one paragraph per top-level part, led by a run-in （一） heading."""
    paragraphs = []
    for index, part in enumerate(_substantive(facts.parts), start=1):
        lead = f"（{cn_numeral(index)}）{part.item.heading}。"
        paragraphs.append(lead + _part_details(part))
    return "\n".join(paragraphs), _span_ref(_substantive(facts.parts))


def _public_impact(facts: _Facts) -> tuple[str, str]:
    found = _matching_sentences(facts, _PUBLIC_BENEFIT, limit=MAX_PUBLIC_ITEMS,
                                one_per_item=True, max_length=PUBLIC_SENTENCE_LIMIT)
    if len(found) < 2:
        more = _matching_sentences(facts, _PUBLIC, limit=MAX_PUBLIC_ITEMS, one_per_item=True,
                                   max_length=PUBLIC_SENTENCE_LIMIT)
        found += [pair for pair in more if pair not in found][:MAX_PUBLIC_ITEMS - len(found)]
    if not found:
        return "", ""
    lines = [f"{facts.short}中与公众切身相关的内容主要有以下几个方面。"]
    lines += [f"{cn_numeral(i)}是{_strip_must(sentence)}" for i, (_, sentence)
              in enumerate(found, start=1)]
    return "\n".join(lines), _join_refs(ref for ref, _ in found)


def _intro(facts: _Facts, policy: ParsedPolicy) -> str:
    when = format_cn_date(policy.date) if policy.date else "近日"
    named = _full_name(facts, facts.doc_number)
    topics = f"就{facts.short}的出台背景、主要内容和贯彻落实等问题回答了记者提问。"
    if facts.issuer:
        return f"{when}，{facts.issuer}印发了{named}。{facts.issuer}有关负责人{topics}"
    return f"{when}，{named}印发实施。有关负责人{topics}"


def _full_name(facts: _Facts, doc_number: str = "") -> str:
    """Write the title for its first mention: 《标题》（川办发〔2013〕81号，以下简称《意见》）."""
    notes = [doc_number] if doc_number else []
    if facts.short.startswith("《"):
        notes.append(f"以下简称{facts.short}")
    named = f"《{inside_book_marks(facts.title)}》"
    return f"{named}（{'，'.join(notes)}）" if notes else named


def _part_questions(entry: SectionSpec, facts: _Facts,
                    skip: _Part | None) -> list[DraftSectionContent]:
    questions = []
    for index, part in enumerate(facts.parts, start=1):
        if part is skip or part not in _substantive(facts.parts):
            continue
        title = entry.title.format(short=facts.short, heading=part.item.heading)
        body = f"{facts.short}{_part_name(index, part)}{_part_intro(part)}{_part_details(part)}"
        questions.append(DraftSectionContent(key=f"{entry.key}_{index}", title=title,
                                             body=body, source_ref=part.item.ref))
    return questions


def _implementation(facts: _Facts, closing: _Part | None) -> tuple[str, str]:
    """Answer from the part on safeguards (保障措施, 组织实施) if there is one, else from
    the sentences anywhere about carrying the policy out (落实, 督查, 考核)."""
    if closing is not None:
        body = f"{facts.short}对抓好贯彻落实提出了明确要求。{_part_details(closing)}"
        return body, closing.item.ref
    found = _matching_sentences(facts, re.compile(r"落实|督查|考核|问责|组织实施"), limit=3)
    if not found:
        return "", ""
    body = f"{facts.short}对抓好贯彻落实提出了明确要求。" + "".join(s for _, s in found)
    return body, _join_refs(ref for ref, _ in found)


# --- describing a part -------------------------------------------------------------------

def _part_count(facts: _Facts) -> str:
    chapters = _count(len(facts.parts))
    if not facts.parts[0].item.label.endswith("章"):
        return f"{chapters}个部分"
    articles = sum(len(part.children) for part in facts.parts)
    return f"{chapters}章{_count(articles)}条" if articles else f"{chapters}章"


def _count(n: int) -> str:
    """A count before a measure word: 两个方面, not 二个方面."""
    return "两" if n == 2 else cn_numeral(n)


def _part_name(index: int, part: _Part) -> str:
    """第一部分“加强平台建设”, or for a chapter 第三章“主动公开”."""
    label = part.item.label
    name = label if label.endswith("章") else f"第{cn_numeral(index)}部分"
    return f"{name}“{part.item.heading}”" if part.item.heading else name


def _part_summary(part: _Part) -> str:
    headed = [child.heading for child in part.children if child.heading]
    if headed:
        return f"包括{_list_headings(headed)}{_count(len(headed))}个方面"
    if part.children:
        return f"共{_count(len(part.children))}条（{part.children[0].label}至{part.children[-1].label}）"
    phrases = _requirement_phrases(part.item.text)
    if phrases:
        return f"提出{'、'.join(phrases)}等要求"
    return f"对{part.item.heading}作出规定"


def _part_intro(part: _Part) -> str:
    if part.children:
        return f"从{_count(min(len(part.children), MAX_ITEMS_PER_PART))}个方面作出部署："
    return "明确："


def _part_details(part: _Part) -> str:
    """"一是加强新闻发言人制度建设，建立健全新闻发布制度；二是……。", or the part's own
    requirement sentences when it has no sub-headings."""
    if not part.children:
        return "".join(_must_sentences(part.item.text)) or _first_sentences(part.item.text, 2)
    shown = part.children[:MAX_ITEMS_PER_PART]
    items = []
    for index, child in enumerate(shown, start=1):
        gist = _gist(child.text) or _list_headings(child.subheadings)
        head = child.heading or ""
        items.append(f"{cn_numeral(index)}是{head}{'，' if head and gist else ''}{gist}")
    ending = "等。" if len(part.children) > len(shown) else "。"
    return "；".join(items) + ending


def _implementation_part(parts: list[_Part]) -> _Part | None:
    """Return the last substantive part if it is about safeguards or carrying the policy out."""
    parts = _substantive(parts)
    if len(parts) > 1 and _IMPLEMENTATION_PART.search(parts[-1].item.heading):
        return parts[-1]
    return None


def _substantive(parts: list[_Part]) -> list[_Part]:
    """Drop 附则 (scope, interpretation, entry into force), which has nothing to ask about."""
    return [part for part in parts if not _CLOSING_PART.match(part.item.heading)]


# --- sentences ---------------------------------------------------------------------------

def _purpose(facts: _Facts) -> tuple[str, str]:
    """("认真贯彻落实《…》", ref) from "为认真贯彻落实《…》，…提出以下意见。"; for a
    regulation without an opening paragraph, from its first article ("为了保障…，制定本条例。")."""
    candidates = [(PREAMBLE_REF, sentence) for sentence in facts.preamble]
    if facts.parts and facts.parts[0].children:
        first = facts.parts[0].children[0]
        candidates += [(first.ref, sentence) for sentence in _sentences(first.text)[:1]]
    for ref, sentence in candidates:
        match = _PURPOSE.match(sentence)
        if match:
            return match["purpose"], ref
    return "", ""


def _matching_sentences(facts: _Facts, pattern: re.Pattern, *, limit: int,
                        one_per_item: bool = False,
                        max_length: int = 10_000) -> list[tuple[str, str]]:
    """(ref, sentence) for sentences of the body that match, in document order."""
    found = []
    for item in _all_items(facts):
        for sentence in _sentences(item.text):
            if pattern.search(sentence) and len(sentence) <= max_length:
                found.append((item.ref, sentence))
                if one_per_item:
                    break
        if len(found) >= limit:
            break
    return found[:limit]


def _goal_sentences(facts: _Facts) -> list[tuple[str, str]]:
    for item in _all_items(facts):
        if "目标" in item.heading or any(_GOAL.match(s) for s in _sentences(item.text)[:1]):
            return [(item.ref, _first_sentences(item.text, 1))]
    return []


def _all_items(facts: _Facts):
    for part in facts.parts:
        yield part.item
        yield from part.children


def _sentences(text: str) -> list[str]:
    """Split at 。！？； and line ends, keeping the mark."""
    pieces = re.findall(r"[^。！？；\n]+[。！？；]?", text or "")
    return [piece.strip() for piece in pieces if piece.strip()]


def _first_sentences(text: str, count: int) -> str:
    return "".join(_sentences(text)[:count])


def _must_sentences(text: str, limit: int = 3) -> list[str]:
    return [s for s in _sentences(text) if _MUST.search(s)][:limit]


def _requirement_phrases(text: str, limit: int = 3) -> list[str]:
    """Short requirements: the clause after each "要" (要加强工作机构建设 → 加强工作机构建设)."""
    phrases = []
    for sentence in _sentences(text):
        for match in _MUST.finditer(sentence):
            clause = re.split(r"[，；。！？、]", sentence[match.end():])[0]
            if 4 <= len(clause) <= PHRASE_LIMIT and clause not in phrases:
                phrases.append(clause)
    return phrases[:limit]


def _gist(text: str) -> str:
    """Cut the first sentence to whole clauses: at least GIST_MIN characters, then as many
    more as fit in GIST_LIMIT. The gist starts after the "要" when the subject before it
    is short (各单位要建立… → 建立…)."""
    first = _first_sentences(text, 1).rstrip("。；！？")
    must = _MUST.search(first)
    if must and must.start() <= 25:
        first = first[must.end():]
    clauses = re.split(r"(?<=[，；])", first)
    gist = clauses[0]
    for clause in clauses[1:]:
        if len(gist) >= GIST_MIN and len(gist) + len(clause) > GIST_LIMIT:
            break
        gist += clause
    return gist.rstrip("，；：:")


def _strip_must(sentence: str) -> str:
    """"要积极探索利用…" reads as a fact after 一是: drop a leading 要."""
    return sentence[1:] if sentence.startswith("要") else sentence


def _tidy(text: str) -> str:
    """Half-width , : ; ? ! and () next to Chinese become full-width, as printed in 公文."""
    text = (text or "").strip()
    text = re.sub(rf"\(([^()]*[{_CJK}][^()]*)\)", r"（\1）", text)
    return re.sub(rf"(?<=[{_CJK}])[,:;?!]|[,:;?!](?=[{_CJK}])",
                  lambda m: _HALF_TO_FULL[m.group(0)], text)


def _list_headings(headings) -> str:
    """加强组织领导、加强人员培训; headings that hold a comma are quoted instead, so the
    list stays readable: “推进政务公开，强化解读回应”“加强政民互动，创新社会治理”."""
    headings = list(headings)
    if any("，" in heading for heading in headings):
        return "".join(f"“{heading}”" for heading in headings)
    return "、".join(headings)


def _join_refs(refs) -> str:
    unique = []
    for ref in refs:
        if ref and ref not in unique:
            unique.append(ref)
    return "；".join(unique)


def _span_ref(parts: list[_Part]) -> str:
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0].item.ref
    return f"{parts[0].item.ref}至{parts[-1].item.ref}"
