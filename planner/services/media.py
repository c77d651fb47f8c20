"""Media contacts (媒体通讯录) and the media invited to each press event.

A contact is an outlet and a reporter with a phone number and an e-mail address. Those two
are personal data, so this service returns them in full only to the office that works with
the media: 厅办公室 and 新闻发言人 (CONTACT_KEEPERS). Everyone else gets them masked
(138****5678, z***@example.cn) and the note left out, whatever a page does. The same roles
write contacts and invitations. Every write is audited without the phone or e-mail values.

An invitation is 已邀请 until the outlet confirms (已确认) or declines (已婉拒), which the
office records with the time; while the event is not yet held, a declined or confirmed
outlet can be invited again and an invitation withdrawn.
"""

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath

from sqlalchemy import func, or_
from sqlmodel import Session, select

from planner.config import get_settings
from planner.errors import Conflict, InvalidInput, NotFound
from planner.filenames import format_size
from planner.i18n import inside_quotes, t
from planner.models import (EventMediaInvite, EventStatus, MediaContact, MediaInviteStatus,
                            PressEvent, Role, User)
from planner.opinion_import import read_table
from planner.permissions import has_any_role, require
from planner.services import audit
from planner.services.events import as_utc, get_event
from planner.timeutil import now_utc

logger = logging.getLogger(__name__)

CONTACT_KEEPERS = {Role.GENERAL_OFFICE, Role.SPOKESPERSON}
OPEN_EVENT = {EventStatus.PLANNING, EventStatus.APPROVED, EventStatus.ANNOUNCED}
MAX_OUTLET, MAX_REPORTER, MAX_PHONE, MAX_EMAIL = 200, 100, 64, 254
MAX_IMPORT_ROWS = 2000
IMPORT_EXTENSIONS = (".csv", ".txt", ".xlsx")   # what opinion_import.read_table reads
_PHONE = re.compile(r"^\+?[\d\s()（）-]{7,}$")
_EMAIL = re.compile(r"^[\w.!#$&'*+/=^`{|}~-]+@[\w-]+(\.[\w-]+)+$")
# Column headings of an import file: 媒体, 记者, 电话, 邮箱, 备注 (and common variants).
IMPORT_COLUMNS = {"outlet": ("媒体", "媒体名称", "单位"), "reporter": ("记者", "姓名", "联系人"),
                  "phone": ("电话", "手机", "联系电话"), "email": ("邮箱", "电子邮箱", "email"),
                  "note": ("备注",)}


@dataclass(frozen=True)
class ContactInput:
    outlet: str
    reporter: str = ""
    phone: str = ""
    email: str = ""
    note: str = ""
    is_active: bool = True


@dataclass(frozen=True)
class ContactView:
    """A contact as the actor may see it; `masked` is True when the phone and e-mail are
    masked."""

    id: int
    outlet: str
    reporter: str
    phone: str
    email: str
    note: str
    is_active: bool
    masked: bool


@dataclass(frozen=True)
class InviteView:
    contact: ContactView
    status: str
    invited_at: datetime
    answered_at: datetime | None
    invited_by: str


@dataclass(frozen=True)
class ImportResult:
    created: int
    skipped: list[str]     # one message per row left out: its line number and the reason


# --- masking ------------------------------------------------------------------------------

def mask_phone(phone: str) -> str:
    """Keep the first 3 and last 4 characters of a phone number: 13812345678 → 138****5678.

    A number of 7 characters or fewer keeps only its last 2.
    """
    phone = phone.strip()
    if not phone:
        return ""
    if len(phone) <= 7:
        return "*" * (len(phone) - 2) + phone[-2:]
    return f"{phone[:3]}****{phone[-4:]}"


def mask_email(email: str) -> str:
    """Keep the first character of the local part and the domain: z***@example.cn."""
    local, at, domain = email.strip().partition("@")
    if not at:
        return "***" if email.strip() else ""
    return f"{local[:1]}***@{domain}"


def may_see_personal(session: Session, actor: User) -> bool:
    return actor.is_active and has_any_role(session, actor, CONTACT_KEEPERS)


# --- contacts -----------------------------------------------------------------------------

def list_contacts(session: Session, *, actor: User, include_inactive: bool = False,
                  text: str = "") -> list[ContactView]:
    """Contacts by outlet and reporter, masked unless the actor keeps the contact list."""
    query = select(MediaContact).order_by(MediaContact.outlet, MediaContact.reporter,
                                          MediaContact.id)
    if not include_inactive:
        query = query.where(MediaContact.is_active)
    if text.strip():
        query = query.where(or_(MediaContact.outlet.contains(text.strip(), autoescape=True),
                                MediaContact.reporter.contains(text.strip(), autoescape=True)))
    full = may_see_personal(session, actor)
    return [_view(contact, full) for contact in session.exec(query)]


def get_contact(session: Session, *, actor: User, contact_id: int) -> ContactView:
    return _view(_get(session, contact_id), may_see_personal(session, actor))


def create_contact(session: Session, *, actor: User, data: ContactInput) -> ContactView:
    require(session, actor, "media_contacts", CONTACT_KEEPERS)
    values = _clean(data)
    _reject_duplicate(session, values["outlet"], values["reporter"], None)

    contact = MediaContact(**values, created_by=actor.id)
    session.add(contact)
    session.flush()
    audit.record(session, actor=actor, action="media.contact_create", entity="media_contact",
                 entity_id=contact.id, detail={"outlet": contact.outlet,
                                               "reporter": contact.reporter})
    return _view(contact, True)


def update_contact(session: Session, *, actor: User, contact_id: int,
                   data: ContactInput) -> ContactView:
    """Change a contact, including 停用 (is_active False: no longer offered for invites)."""
    require(session, actor, "media_contacts", CONTACT_KEEPERS)
    contact = _get(session, contact_id)
    values = _clean(data)
    _reject_duplicate(session, values["outlet"], values["reporter"], contact.id)

    changed = sorted(key for key, value in values.items() if getattr(contact, key) != value)
    for key, value in values.items():
        setattr(contact, key, value)
    contact.updated_at = now_utc()
    session.add(contact)
    # The audit names the changed fields only: phone and e-mail values stay out of the trail.
    audit.record(session, actor=actor, action="media.contact_update", entity="media_contact",
                 entity_id=contact.id, detail={"outlet": contact.outlet, "changed": changed})
    return _view(contact, True)


def import_contacts(session: Session, *, actor: User, file_name: str,
                    data: bytes) -> ImportResult:
    """Add contacts from a CSV (UTF-8 or GBK) or .xlsx file whose first row names the
    columns 媒体, 记者, 电话, 邮箱, 备注. Rows with errors and duplicates are left out and
    listed; the others are saved."""
    require(session, actor, "media_contacts", CONTACT_KEEPERS)
    _check_import_size(file_name, data)
    _check_import_type(file_name)
    _, table = read_table(file_name, data)
    columns = _import_columns(file_name, table[0][1])
    if len(table) - 1 > MAX_IMPORT_ROWS:
        raise InvalidInput("media.import_too_many", name=inside_quotes(file_name),
                           count=len(table) - 1,
                           limit=MAX_IMPORT_ROWS)

    created, skipped = 0, []
    for line, cells in table[1:]:
        values = {key: cells[index].strip() if index < len(cells) else ""
                  for key, index in columns.items()}
        try:
            clean = _clean(ContactInput(**values))
            _reject_duplicate(session, clean["outlet"], clean["reporter"], None)
        except (InvalidInput, Conflict) as exc:
            skipped.append(t("media.skipped_row", line=line, reason=exc.message))
            continue
        session.add(MediaContact(**clean, created_by=actor.id))
        session.flush()
        created += 1

    audit.record(session, actor=actor, action="media.contact_import", entity="media_contact",
                 entity_id=None, detail={"file": file_name, "created": created,
                                         "skipped": len(skipped)})
    logger.info("media contacts imported from %s: %d created, %d skipped", file_name,
                created, len(skipped))
    return ImportResult(created=created, skipped=skipped)


def _check_import_type(file_name: str) -> None:
    # read_table rejects other types too, but its message sends the user to the opinion
    # monitoring service, which is not where a contact list comes from.
    extension = PurePath(file_name).suffix.lower()
    if extension not in IMPORT_EXTENSIONS:
        raise InvalidInput("media.import_unsupported", name=inside_quotes(file_name),
                           ext=extension or t("opinion_import.no_extension"))


def _check_import_size(file_name: str, data: bytes) -> None:
    limit_mb = get_settings().upload_max_mb
    if len(data) > limit_mb * 1024 * 1024:
        raise InvalidInput("media.import_too_large", name=inside_quotes(file_name),
                           size=format_size(len(data)), limit_mb=limit_mb)


# --- invitations --------------------------------------------------------------------------

def invite(session: Session, *, actor: User, event_id: int,
           contact_ids: list[int]) -> list[int]:
    """Invite active contacts to an event not yet held; returns the contact ids invited.

    A contact already invited is left as it is unless it declined, which invites it again.
    """
    require(session, actor, "media_invite", CONTACT_KEEPERS)
    event = _open_event(session, event_id)
    invited = []
    for contact_id in dict.fromkeys(contact_ids):
        contact = _get(session, contact_id)
        if not contact.is_active:
            raise InvalidInput("media.contact_inactive", outlet=inside_quotes(contact.outlet))
        row = session.get(EventMediaInvite, (event.id, contact_id))
        if row is not None and row.status != MediaInviteStatus.DECLINED:
            continue
        row = row or EventMediaInvite(event_id=event.id, contact_id=contact_id)
        row.status, row.answered_at = MediaInviteStatus.INVITED, None
        row.invited_at, row.invited_by = now_utc(), actor.id
        session.add(row)
        invited.append(contact_id)
    if not invited:
        raise InvalidInput("media.nothing_to_invite")

    session.flush()
    audit.record(session, actor=actor, action="media.invite", entity="press_event",
                 entity_id=event.id, detail={"contact_ids": invited})
    return invited


def confirm(session: Session, *, actor: User, event_id: int, contact_id: int,
            at: datetime | None = None) -> EventMediaInvite:
    """已确认: record that the outlet will attend."""
    return _answer(session, actor, event_id, contact_id, MediaInviteStatus.CONFIRMED, at)


def decline(session: Session, *, actor: User, event_id: int, contact_id: int,
            at: datetime | None = None) -> EventMediaInvite:
    """已婉拒: record that the outlet will not attend."""
    return _answer(session, actor, event_id, contact_id, MediaInviteStatus.DECLINED, at)


def withdraw(session: Session, *, actor: User, event_id: int, contact_id: int) -> None:
    """Remove an invitation made by mistake."""
    require(session, actor, "media_invite", CONTACT_KEEPERS)
    _open_event(session, event_id)
    row = _invite_row(session, event_id, contact_id)
    session.delete(row)
    session.flush()
    audit.record(session, actor=actor, action="media.withdraw", entity="press_event",
                 entity_id=event_id, detail={"contact_id": contact_id})


def invites_of(session: Session, *, actor: User, event_id: int) -> list[InviteView]:
    """Return the event's invitations by outlet, contacts masked unless the actor keeps the
    contact list."""
    get_event(session, event_id)
    full = may_see_personal(session, actor)
    rows = session.exec(select(EventMediaInvite, MediaContact, User.display_name)
                        .join(MediaContact, MediaContact.id == EventMediaInvite.contact_id)
                        .join(User, User.id == EventMediaInvite.invited_by, isouter=True)
                        .where(EventMediaInvite.event_id == event_id)
                        .order_by(MediaContact.outlet, MediaContact.reporter)).all()
    return [InviteView(contact=_view(contact, full), status=row.status,
                       invited_at=row.invited_at, answered_at=row.answered_at,
                       invited_by=name or "—") for row, contact, name in rows]


def invite_counts(session: Session, event_id: int) -> dict[str, int]:
    """Invitations of the event by status (every MediaInviteStatus present, 0 if none)."""
    counts = dict(session.exec(select(EventMediaInvite.status, func.count())
                               .where(EventMediaInvite.event_id == event_id)
                               .group_by(EventMediaInvite.status)).all())
    return {status.value: counts.get(status.value, 0) for status in MediaInviteStatus}


# --- helpers ------------------------------------------------------------------------------

def _answer(session: Session, actor: User, event_id: int, contact_id: int,
            status: MediaInviteStatus, at: datetime | None) -> EventMediaInvite:
    require(session, actor, "media_invite", CONTACT_KEEPERS)
    _open_event(session, event_id)
    row = _invite_row(session, event_id, contact_id)
    if row.status == status:
        raise InvalidInput("media.already_answered", status=_status_label(status))

    before = row.status
    row.status, row.answered_at = status, as_utc(at) if at else now_utc()
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action=f"media.{_ACTIONS[status]}", entity="press_event",
                 entity_id=event_id, detail={"contact_id": contact_id, "from": before,
                                             "at": row.answered_at.isoformat()})
    return row


_ACTIONS = {MediaInviteStatus.CONFIRMED: "confirm", MediaInviteStatus.DECLINED: "decline"}


def _status_label(status: str) -> str:
    return t(f"media.status.{status}")


def _open_event(session: Session, event_id: int) -> PressEvent:
    event = get_event(session, event_id)
    if event.status not in OPEN_EVENT:
        raise Conflict("media.event_closed", topic=inside_quotes(event.topic),
                       status=t(f"event.status.{event.status}"))
    return event


def _invite_row(session: Session, event_id: int, contact_id: int) -> EventMediaInvite:
    row = session.get(EventMediaInvite, (event_id, contact_id))
    if row is None:
        raise NotFound("media.invite_not_found", id=contact_id)
    return row


def _get(session: Session, contact_id: int) -> MediaContact:
    contact = session.get(MediaContact, contact_id)
    if contact is None:
        raise NotFound("media.contact_not_found", id=contact_id)
    return contact


def _view(contact: MediaContact, full: bool) -> ContactView:
    phone = contact.phone if full else mask_phone(contact.phone)
    email = contact.email if full else mask_email(contact.email)
    return ContactView(id=contact.id, outlet=contact.outlet, reporter=contact.reporter,
                       phone=phone, email=email, note=contact.note if full else "",
                       is_active=contact.is_active, masked=not full)


def _clean(data: ContactInput) -> dict:
    outlet, reporter = data.outlet.strip(), data.reporter.strip()
    phone, email = data.phone.strip(), data.email.strip()
    if not outlet:
        raise InvalidInput("media.outlet_missing")
    for value, limit, key in ((outlet, MAX_OUTLET, "media.outlet_too_long"),
                              (reporter, MAX_REPORTER, "media.reporter_too_long")):
        if len(value) > limit:
            raise InvalidInput(key, length=len(value), limit=limit)
    if phone and (len(phone) > MAX_PHONE or not _PHONE.match(phone)):
        raise InvalidInput("media.phone_invalid", phone=phone)
    if email and (len(email) > MAX_EMAIL or not _EMAIL.match(email)):
        raise InvalidInput("media.email_invalid", email=email)
    return {"outlet": outlet, "reporter": reporter, "phone": phone, "email": email,
            "note": data.note.strip(), "is_active": data.is_active}


def _reject_duplicate(session: Session, outlet: str, reporter: str,
                      own_id: int | None) -> None:
    query = select(MediaContact.id).where(MediaContact.outlet == outlet,
                                          MediaContact.reporter == reporter)
    if own_id is not None:
        query = query.where(MediaContact.id != own_id)
    if session.exec(query).first() is not None:
        raise Conflict("media.duplicate", outlet=inside_quotes(outlet),
                       reporter=inside_quotes(reporter or "—"))


def _import_columns(file_name: str, heading: list[str]) -> dict[str, int]:
    names = [cell.strip().lower() for cell in heading]
    columns = {}
    for key, choices in IMPORT_COLUMNS.items():
        for index, name in enumerate(names):
            if name in choices:
                columns[key] = index
                break
    if "outlet" not in columns:
        raise InvalidInput("media.import_outlet_column", name=inside_quotes(file_name))
    return columns
