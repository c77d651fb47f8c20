"""The media a booking plans to invite (拟邀请媒体, the free text of the booking form) set
against the invitations kept on the event's 媒体 tab (planner.services.media).

The free text goes into the calendar invite's description as typed. Invitations and their
replies are rows per media contact, so an outlet named in the text is invited only once the
office invites a contact of that outlet.
"""

import re
from dataclasses import dataclass

from sqlmodel import Session, select

from planner.models import EventMediaInvite, MediaContact, MediaInviteStatus, User
from planner.services import media
from planner.services.events import get_event

# Outlets in the free text: one a line, or separated by 、，,；; or a slash.
_SEPARATORS = re.compile(r"[\n、，,；;/]+")


@dataclass(frozen=True)
class PlannedOutlet:
    name: str
    contact_ids: tuple[int, ...]   # active contacts whose outlet is exactly this name
    invite_status: str             # media.status code of the latest invitation, "" if none


def parse_outlets(text: str) -> list[str]:
    """Split the booking's 邀请媒体 text into outlet names, each once, in order."""
    names = (part.strip() for part in _SEPARATORS.split(text))
    return list(dict.fromkeys(name for name in names if name))


def planned_outlets(session: Session, event_id: int) -> list[PlannedOutlet]:
    """Return each outlet named in the event's 邀请媒体 text with its contacts and whether
    one of them is invited."""
    event = get_event(session, event_id)
    names = parse_outlets(event.invited_media)
    if not names:
        return []

    contacts = session.exec(select(MediaContact.id, MediaContact.outlet).where(
        MediaContact.outlet.in_(names), MediaContact.is_active)).all()
    invites = session.exec(select(MediaContact.outlet, EventMediaInvite.status)
                           .join(MediaContact, MediaContact.id == EventMediaInvite.contact_id)
                           .where(EventMediaInvite.event_id == event_id,
                                  MediaContact.outlet.in_(names))).all()
    found = []
    for name in names:
        statuses = [status for outlet, status in invites if outlet == name]
        found.append(PlannedOutlet(
            name=name, contact_ids=tuple(cid for cid, outlet in contacts if outlet == name),
            invite_status=_best_status(statuses)))
    return found


def register_and_invite(session: Session, *, actor: User, event_id: int,
                        outlet: str) -> media.ContactView:
    """Add `outlet` to the media contacts without a reporter and invite it to the event.

    media.create_contact and media.invite check the role (新闻发言人, 厅办公室), reject a
    duplicate contact and an event already held, and write the audit rows.
    """
    contact = media.create_contact(session, actor=actor,
                                   data=media.ContactInput(outlet=outlet))
    media.invite(session, actor=actor, event_id=event_id, contact_ids=[contact.id])
    return contact


# The state shown for an outlet with several invited contacts: confirmed first, then
# invited, then declined.
_STATUS_ORDER = (MediaInviteStatus.CONFIRMED, MediaInviteStatus.INVITED,
                 MediaInviteStatus.DECLINED)


def _best_status(statuses: list[str]) -> str:
    for status in _STATUS_ORDER:
        if status in statuses:
            return str(status)
    return statuses[0] if statuses else ""
