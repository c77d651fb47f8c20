"""The topic of a press event as its documents name it, with the event's kind named once.

People often type the kind into the topic (2026年春运新闻发布会, 在线访谈：交通强国建设),
while the title patterns add it again ("“{topic}”{kind}答问口径"). `split_topic` takes a
kind at the end or, before a separator, at the start of the topic off, so the pattern
names it once. A topic that names the kind in its middle (第三场新闻发布会（春运专场）)
stays whole and takes the template's `title_named` pattern, which has no {kind}.

Quotation marks follow GB/T 15834-2011: a topic set inside “” has its own “” turned into
‘’, a topic wrapped whole in “” loses that pair, and a topic that is one book title
(《…》) is not quoted at all.
"""

import re
from dataclasses import dataclass

from planner.i18n import inside_quotes

QUOTED_TOPIC = "“{topic}”"
# What may join the kind to the rest of the topic: 在线访谈：…, 新闻发布会——…, "…的新闻发布会".
_SEPARATORS = " \u3000：:—-·｜|"
_BOOK_TITLE = re.compile(r"《[^《》]*》")


@dataclass(frozen=True)
class Topic:
    subject: str        # the topic without the kind, or the whole topic
    names_kind: bool    # the subject still names the kind (in its middle)


def split_topic(topic: str, kind_names: tuple[str, ...]) -> Topic:
    """Split the kind off the topic; `kind_names` are the kind's names, longest first
    (新闻发布会, 发布会)."""
    topic = unwrap_quotes(topic.strip())
    if topic in kind_names:
        return Topic(subject=topic, names_kind=True)   # the topic is the kind alone
    for name in (name for name in kind_names if name):
        if topic.endswith(name):
            subject = topic[:-len(name)].rstrip(_SEPARATORS).removesuffix("的")
            if subject:
                return Topic(subject=unwrap_quotes(subject.rstrip(_SEPARATORS)),
                             names_kind=_names(subject, kind_names))
        rest = topic[len(name):]
        if topic.startswith(name) and rest[:1] and rest[0] in _SEPARATORS:
            subject = unwrap_quotes(rest.lstrip(_SEPARATORS))
            if subject:
                return Topic(subject=subject, names_kind=_names(subject, kind_names))
    return Topic(subject=topic, names_kind=_names(topic, kind_names))


def document_title(pattern: str, named_pattern: str, *, topic: str,
                   kind_names: tuple[str, ...], **values: str) -> str:
    """Fill a title pattern ({topic}, {kind} and `values`) so the kind appears once.

    `kind_names[0]` is the kind's full name, which fills {kind}. A topic that still names
    the kind takes `named_pattern`, or else `pattern` without its {kind}.
    """
    parts = split_topic(topic, kind_names)
    if parts.names_kind:
        pattern = named_pattern or pattern.replace("{kind}", "")
    return fill_topic(pattern, parts.subject, kind=kind_names[0], **values)


def fill_topic(pattern: str, subject: str, **values: str) -> str:
    """Fill `pattern`, setting the subject inside its “{topic}” by the nesting rules."""
    if QUOTED_TOPIC in pattern and is_book_title(subject):
        pattern = pattern.replace(QUOTED_TOPIC, "{topic}")
    elif QUOTED_TOPIC in pattern:
        subject = inside_quotes(subject)
    return pattern.format(topic=subject, **values)


def quoted(subject: str) -> str:
    """Return the subject as a text quotes it: “…” by the nesting rules, a book title as it is."""
    return fill_topic(QUOTED_TOPIC, subject)


def unwrap_quotes(text: str) -> str:
    """Drop one pair of “” around the whole text: “交通强省建设” → 交通强省建设."""
    if len(text) > 2 and text[0] == "“" and text[-1] == "”" and "“" not in text[1:-1]:
        return text[1:-1].strip()
    return text


def is_book_title(text: str) -> bool:
    return _BOOK_TITLE.fullmatch(text) is not None


def _names(text: str, kind_names: tuple[str, ...]) -> bool:
    return any(name and name in text for name in kind_names)
