"""Character-level diffs for Chinese text, which has no spaces between words.

A word diff would treat a whole Chinese sentence as one word, so the unit here is the
character. Texts are compared sentence by sentence first (a sentence ends at 。！？； or
a line break), then the changed sentences character by character. So the cost stays
near the size of the change, and the result reads like a reviewer's markup.
"""

import logging
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from enum import StrEnum

from planner.i18n import t

logger = logging.getLogger(__name__)

# A sentence with its closing punctuation and line break; the text is the concatenation.
_SENTENCE = re.compile(r"[^。！？；\n]*[。！？；]*\n?")
# HTML and Markdown characters as numeric references: the output is shown as typed both
# in raw HTML and in Markdown with HTML allowed, where "**" or "[a](b)" would otherwise act.
_ESCAPES = str.maketrans({char: f"&#{ord(char)};" for char in "&<>\"'*_`[]()$~#|\\{}!+-."})
# Above this many character pairs a changed block is shown as deleted and re-inserted,
# because SequenceMatcher is quadratic (2,000 × 2,000 characters took about 0.2 s here).
MAX_CHAR_PAIRS = 4_000_000


class OpKind(StrEnum):
    EQUAL = "equal"
    INSERT = "insert"
    DELETE = "delete"


@dataclass(frozen=True)
class DiffOp:
    kind: OpKind
    text: str


@dataclass
class FieldDiff:
    """The diff of one named piece of content: a heading, a body, the 公开属性."""

    name: str
    ops: list[DiffOp] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(op.kind != OpKind.EQUAL for op in self.ops)


# Section fields besides title and body, compared when either side has them: the 依据
# and an 答问口径 question's tier, 答题要点 and 避免的表述. A snapshot stored before a field
# existed lacks it and compares as empty.
DETAIL_FIELDS = ("tier", "key_points", "source_ref", "avoid_phrasing")


@dataclass
class SectionDiff:
    """One draft section compared: `status` is same, changed, added or removed."""

    label: str
    status: str
    title: FieldDiff
    body: FieldDiff
    # The DETAIL_FIELDS present on either side, in that order; the tier as its label (必答).
    details: list[FieldDiff] = field(default_factory=list)


@dataclass
class ContentDiff:
    fields: list[FieldDiff]
    sections: list[SectionDiff]

    @property
    def changed(self) -> bool:
        return (any(f.changed for f in self.fields)
                or any(s.status != "same" for s in self.sections))


def diff_text(old: str, new: str) -> list[DiffOp]:
    """Return the operations that turn `old` into `new`, character by character."""
    old_units = _sentences(old)
    new_units = _sentences(new)
    ops: list[DiffOp] = []

    matcher = SequenceMatcher(None, old_units, new_units, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        old_block = "".join(old_units[i1:i2])
        new_block = "".join(new_units[j1:j2])
        if tag == "equal":
            ops.append(DiffOp(OpKind.EQUAL, old_block))
        elif tag == "replace":
            ops.extend(_diff_chars(old_block, new_block))
        else:
            ops.append(DiffOp(OpKind.DELETE, old_block) if old_block
                       else DiffOp(OpKind.INSERT, new_block))

    return _merge(ops)


def diff_content(old: dict, new: dict) -> ContentDiff:
    """Compare two draft contents (review.current_content shape) field by field and
    section by section; sections are paired by their key, in document order."""
    fields = [FieldDiff(name, diff_text(str(old.get(name, "")), str(new.get(name, ""))))
              for name in ("title", "disclosure", "disclosure_reason", "disclosure_basis")]

    old_sections = old.get("sections", [])
    new_sections = new.get("sections", [])
    matcher = SequenceMatcher(None, [s.get("key", "") for s in old_sections],
                              [s.get("key", "") for s in new_sections], autojunk=False)
    sections: list[SectionDiff] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            sections.extend(_pair(a, b) for a, b in zip(old_sections[i1:i2],
                                                        new_sections[j1:j2]))
            continue
        sections.extend(_pair(section, None) for section in old_sections[i1:i2])
        sections.extend(_pair(None, section) for section in new_sections[j1:j2])

    return ContentDiff(fields=fields, sections=sections)


@dataclass(frozen=True)
class MergeChunk:
    """A piece of a three-way merge: settled `text`, or (with `conflict`) the two texts
    that both sides wrote in place of the same part of the base."""

    text: str = ""
    conflict: bool = False
    theirs: str = ""
    mine: str = ""


def merge3(base: str, theirs: str, mine: str) -> list[MergeChunk]:
    """Merge two edits of `base` character by character (diff3).

    A change made by one side only is applied, the same change made by both sides is
    taken once, and changes of both sides to the same or adjacent characters become a
    conflict chunk. The alignments come from diff_text, so huge changed blocks stay
    within MAX_CHAR_PAIRS (they align coarsely and rather conflict than mis-merge).
    """
    regions = _merge_regions(base, theirs, mine)
    chunks = [_settle(*region) for region in _join_close_regions(regions)]

    merged: list[MergeChunk] = []
    for chunk in chunks:
        if merged and not chunk.conflict and not merged[-1].conflict:
            merged[-1] = MergeChunk(text=merged[-1].text + chunk.text)
        elif chunk.conflict or chunk.text:
            merged.append(chunk)
    return merged


# Two edits separated by fewer unchanged characters than this are one change: a single
# shared character (often 的, 和 or a comma) does not make them independent.
MIN_SEPARATION = 2


def _merge_regions(base: str, theirs: str, mine: str) -> list[tuple[bool, str, str, str]]:
    """Split the three texts into (stable, base part, theirs part, mine part) regions.

    A stable region is base text that both sides kept in place. Between two stable
    regions lies what at least one side changed.
    """
    in_theirs, in_mine = _kept_positions(base, theirs), _kept_positions(base, mine)
    regions = []
    at_base = at_theirs = at_mine = 0
    while at_base < len(base) or at_theirs < len(theirs) or at_mine < len(mine):
        run = 0
        while (at_base + run < len(base)
               and in_theirs.get(at_base + run) == at_theirs + run
               and in_mine.get(at_base + run) == at_mine + run):
            run += 1
        if run:
            text = base[at_base:at_base + run]
            regions.append((True, text, text, text))
            at_base, at_theirs, at_mine = at_base + run, at_theirs + run, at_mine + run
            continue

        # The changed region ends where both sides keep a base character again.
        end = at_base
        while end < len(base) and not (end in in_theirs and end in in_mine):
            end += 1
        theirs_end = in_theirs[end] if end < len(base) else len(theirs)
        mine_end = in_mine[end] if end < len(base) else len(mine)
        regions.append((False, base[at_base:end], theirs[at_theirs:theirs_end],
                        mine[at_mine:mine_end]))
        at_base, at_theirs, at_mine = end, theirs_end, mine_end
    return regions


def _join_close_regions(regions: list[tuple[bool, str, str, str]]
                        ) -> list[tuple[str, str, str]]:
    joined: list[list[str]] = []
    last_changed = False
    for index, (stable, *parts) in enumerate(regions):
        between_changes = (stable and len(parts[0]) < MIN_SEPARATION and last_changed
                           and index + 1 < len(regions) and not regions[index + 1][0])
        if (not stable or between_changes) and joined and last_changed:
            joined[-1] = [left + right for left, right in zip(joined[-1], parts)]
        else:
            joined.append(list(parts))
        last_changed = not stable or between_changes
    return [tuple(parts) for parts in joined]


def _settle(base: str, theirs: str, mine: str) -> MergeChunk:
    if theirs == mine:
        return MergeChunk(text=theirs)
    if theirs == base:
        return MergeChunk(text=mine)
    if mine == base:
        return MergeChunk(text=theirs)
    return MergeChunk(conflict=True, theirs=theirs, mine=mine)


def _kept_positions(base: str, other: str) -> dict[int, int]:
    """Map each character of `base` that `other` keeps to its position in `other`."""
    positions: dict[int, int] = {}
    at_base = at_other = 0
    for op in diff_text(base, other):
        size = len(op.text)
        if op.kind == OpKind.EQUAL:
            positions.update((at_base + k, at_other + k) for k in range(size))
        if op.kind != OpKind.INSERT:
            at_base += size
        if op.kind != OpKind.DELETE:
            at_other += size
    return positions


def to_html(ops: list[DiffOp]) -> str:
    """Render operations as HTML: insertions green and underlined, deletions red and struck.

    Every piece of text is escaped for HTML and Markdown, so a draft containing markup is
    shown as typed.
    """
    parts = []
    for op in ops:
        text = op.text.translate(_ESCAPES).replace("\n", "<br>")
        if op.kind == OpKind.INSERT:
            parts.append(f'<ins style="background:#d4f8d4;color:#0a5c0a">{text}</ins>')
        elif op.kind == OpKind.DELETE:
            parts.append(f'<del style="background:#fde0e0;color:#9c1010">{text}</del>')
        else:
            parts.append(text)
    return "".join(parts)


def _sentences(text: str) -> list[str]:
    return [unit for unit in _SENTENCE.findall(text) if unit]


def _diff_chars(old: str, new: str) -> list[DiffOp]:
    prefix = len(_common_prefix(old, new))
    suffix = len(_common_prefix(old[prefix:][::-1], new[prefix:][::-1]))
    old_mid, new_mid = old[prefix:len(old) - suffix], new[prefix:len(new) - suffix]
    ops = [DiffOp(OpKind.EQUAL, old[:prefix])]

    if len(old_mid) * len(new_mid) > MAX_CHAR_PAIRS:
        ops += [DiffOp(OpKind.DELETE, old_mid), DiffOp(OpKind.INSERT, new_mid)]
    else:
        matcher = SequenceMatcher(None, old_mid, new_mid, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                ops.append(DiffOp(OpKind.EQUAL, old_mid[i1:i2]))
                continue
            # A replacement reads best as "deleted, then inserted".
            ops.append(DiffOp(OpKind.DELETE, old_mid[i1:i2]))
            ops.append(DiffOp(OpKind.INSERT, new_mid[j1:j2]))

    ops.append(DiffOp(OpKind.EQUAL, old[len(old) - suffix:]))
    return ops


def _common_prefix(a: str, b: str) -> str:
    length = 0
    for left, right in zip(a, b):
        if left != right:
            break
        length += 1
    return a[:length]


def _merge(ops: list[DiffOp]) -> list[DiffOp]:
    merged: list[DiffOp] = []
    for op in ops:
        if not op.text:
            continue
        if merged and merged[-1].kind == op.kind:
            merged[-1] = DiffOp(op.kind, merged[-1].text + op.text)
        else:
            merged.append(op)
    return merged


def _pair(old: dict | None, new: dict | None) -> SectionDiff:
    old = old or {}
    new = new or {}
    title = FieldDiff("title", diff_text(old.get("title", ""), new.get("title", "")))
    body = FieldDiff("body", diff_text(old.get("body", ""), new.get("body", "")))
    details = [FieldDiff(name, diff_text(_detail(old, name), _detail(new, name)))
               for name in DETAIL_FIELDS if old.get(name) or new.get(name)]

    if not old:
        status = "added"
    elif not new:
        status = "removed"
    else:
        changed = title.changed or body.changed or any(d.changed for d in details)
        status = "changed" if changed else "same"
    label = new.get("title") or old.get("title") or new.get("key") or old.get("key", "")
    return SectionDiff(label=label, status=status, title=title, body=body, details=details)


def _detail(section: dict, name: str) -> str:
    value = str(section.get(name) or "")
    if name == "tier" and value:
        return t(f"answer_library.tier.{value}")
    return value
