"""答问口径 questions proposed from a parsed policy, without AI.

The questions are those of the 答记者问 prefill (background, significance, content, one per
top-level part, implementation), each keeping the 依据 path it was drawn from. Every
question starts as 可能问 with key points (答题要点) taken from its answer. The drafter then
sets the tier, trims the points and adds the phrasing to avoid.
"""

import re
from dataclasses import replace
from pathlib import Path

from planner.documents.prefill import build_qa
from planner.documents.structure import DraftSectionContent, ParsedPolicy
from planner.documents.templates import INTRO_KEY

# models.AnswerTier.LIKELY, not imported: planner.models loads SQLModel (see prefill).
DEFAULT_TIER = "likely"
MAX_KEY_POINTS = 5
KEY_POINT_LIMIT = 40    # characters; a point is a reminder, the answer holds the wording

# "一是加强平台建设，…；二是…": each item starts with a Chinese numeral and 是.
_ENUMERATED_ITEM = re.compile(r"(?:^|[：:；;。])\s*[一二三四五六七八九十]+是")
_SENTENCE = re.compile(r"[^。！？；\n]+[。！？；]?")


def propose_questions(policy: ParsedPolicy,
                      template_dir: Path | str | None = None) -> list[DraftSectionContent]:
    """Return one question per topic of the policy, each with answer, 依据 and key points."""
    document = build_qa(policy, template_dir)
    return [replace(section, tier=DEFAULT_TIER, key_points=key_points(section.body))
            for section in document.sections if section.key != INTRO_KEY]


def key_points(answer: str) -> str:
    """Return the 答题要点 of an answer, one a line.

    An answer listing "一是…；二是…" gives the first clause of each item; any other answer
    gives its first three sentences. Each point is cut to KEY_POINT_LIMIT characters.
    """
    items = [_first_clause(item) for item in _enumerated_items(answer)]
    if not items:
        items = [sentence.strip().rstrip("。！？；") for sentence
                 in _SENTENCE.findall(answer or "")][:3]
    points = [_shorten(item) for item in items[:MAX_KEY_POINTS]]
    return "\n".join(point for point in points if point)


def _enumerated_items(answer: str) -> list[str]:
    starts = [match.end() for match in _ENUMERATED_ITEM.finditer(answer or "")]
    ends = [match.start() for match in _ENUMERATED_ITEM.finditer(answer or "")][1:]
    ends.append(len(answer or ""))
    return [answer[start:end] for start, end in zip(starts, ends)]


def _first_clause(text: str) -> str:
    return re.split(r"[，,；;。！？]", text.strip(), maxsplit=1)[0].strip()


def _shorten(text: str) -> str:
    if len(text) <= KEY_POINT_LIMIT:
        return text
    return text[:KEY_POINT_LIMIT] + "……"
