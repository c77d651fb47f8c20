"""The people of a press event, read from the text fields the organiser types.

Spokespeople (新闻发言人) and the host (主持人) are names separated by 、 ， ； or line
breaks, each optionally followed by an e-mail address in angle brackets. Guests (嘉宾) and
experts (专家) are "姓名 职务": one person per line, or several on one line separated by 、.
Conflict checks, calendar invites and the invite's access check all read people from here,
so they agree on who is on an event.
"""

import re
from dataclasses import dataclass
from enum import StrEnum

from planner.ical import Person
from planner.models import PressEvent

# Separators people type between names: 、 ， , ； ; and line breaks.
_NAME_SEPARATORS = re.compile(r"[、，,；;\n]+")
_NAME_WITH_EMAIL = re.compile(r"^(?P<name>.*?)\s*[<＜](?P<email>[^<>＜＞\s]+@[^<>＜＞\s]+)[>＞]$")
_GUEST_SEPARATORS = re.compile(r"[、；;]")
_NAME_IN_BRACKETS = re.compile(r"^(?P<name>[^\s（(]+)\s*[（(](?P<title>.*)[）)]$")
MAX_NAME = 100


class EventRole(StrEnum):
    """What a person does at an event; catalog labels under event_flow.role."""

    SPOKESPERSON = "spokesperson"   # 新闻发言人
    HOST = "host"                   # 主持人
    GUEST = "guest"                 # 嘉宾
    EXPERT = "expert"               # 专家


@dataclass(frozen=True)
class EventPerson:
    name: str
    role: EventRole
    title: str = ""             # 职务, for guests and experts
    email: str | None = None


def parse_people(text: str) -> list[Person]:
    """Split "张三 <zhang@example.cn>、李四" into people; the e-mail address is optional."""
    people = []
    for chunk in _NAME_SEPARATORS.split(text or ""):
        chunk = chunk.strip()
        if not chunk:
            continue
        name, email = _split_email(chunk)
        people.append(Person(name=name or email or chunk, email=email))
    return people


def parse_guests(text: str, role: EventRole = EventRole.GUEST) -> list[EventPerson]:
    """Read "姓名 职务" entries: one a line, or several on a line separated by 、.

    A piece without a space that follows a piece with a 职务 continues that 职务, so
    "王强 党组成员、副厅长" is one person. Several people on one line therefore need a 职务
    each, or none: "王强 副厅长、李四" reads 李四 as part of the 职务.
    """
    people = []
    for line in (text or "").splitlines():
        entries: list[list[str]] = []
        for piece in _GUEST_SEPARATORS.split(line):
            piece = piece.strip()
            if not piece:
                continue
            if entries and entries[-1][1] and not _has_space(piece):
                entries[-1][1] += "、" + piece
            else:
                entries.append(list(_split_title(piece)))
        people += [_guest(raw_name, title, role) for raw_name, title in entries]
    return [person for person in people if person.name]


def event_people(event: PressEvent) -> list[EventPerson]:
    """Everyone on the event, each name once, in the order spokespeople, host, guests,
    experts; a name given twice keeps its first role."""
    people = [EventPerson(name=p.name, role=EventRole.SPOKESPERSON, email=p.email)
              for p in parse_people(event.spokespeople)]
    people += [EventPerson(name=p.name, role=EventRole.HOST, email=p.email)
               for p in parse_people(event.host)]
    people += parse_guests(event.guests, EventRole.GUEST)
    people += parse_guests(event.experts, EventRole.EXPERT)
    return unique_people(people)


def unique_people(people: list[EventPerson]) -> list[EventPerson]:
    seen: dict[str, EventPerson] = {}
    for person in people:
        seen.setdefault(person.name, person)
    return list(seen.values())


def _split_email(chunk: str) -> tuple[str, str | None]:
    match = _NAME_WITH_EMAIL.match(chunk)
    if match is None:
        return chunk, None
    return match["name"].strip(), match["email"]


def _split_title(piece: str) -> tuple[str, str]:
    bracketed = _NAME_IN_BRACKETS.match(piece)
    if bracketed:
        return bracketed["name"], bracketed["title"].strip()
    parts = piece.split(maxsplit=1)
    return parts[0], parts[1].strip() if len(parts) > 1 else ""


def _guest(raw_name: str, title: str, role: EventRole) -> EventPerson:
    # An e-mail address may follow the name or the 职务: "张三 副厅长 <zhang@example.cn>".
    title, title_email = _split_email(title) if title else ("", None)
    name, name_email = _split_email(raw_name)
    return EventPerson(name=name[:MAX_NAME], role=role, title=title,
                       email=name_email or title_email)


def _has_space(text: str) -> bool:
    return any(char.isspace() for char in text)
