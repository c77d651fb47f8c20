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


@dataclass
class SectionDiff:
    """One draft section compared: `status` is same, changed, added or removed."""

    label: str
    status: str
    title: FieldDiff
    body: FieldDiff


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

    if not old:
        status = "added"
    elif not new:
        status = "removed"
    else:
        status = "changed" if title.changed or body.changed else "same"
    label = new.get("title") or old.get("title") or new.get("key") or old.get("key", "")
    return SectionDiff(label=label, status=status, title=title, body=body)
