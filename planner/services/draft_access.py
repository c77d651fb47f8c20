"""Who may read a draft, by its 公开属性.

A 主动公开 draft is readable by everyone signed in. A 不公开 or 依申请公开 draft is
readable only by:

- its author, and whoever is assigned one of its sections;
- anyone holding a role other than 管理员 in its drafting unit (承办单位): the unit's
  承办人员 (初审) and 承办部门负责人 (审核) among them;
- any 单位负责人, because 审发 is decided by a 单位负责人 of any unit, and 厅办公室, which
  supervises every unit's work;
- whoever already took a step on it (送审 or a review decision).

Booking a press event gives no reading right: anyone who books one may link drafts to it,
so that would open every draft to every 新闻发言人. The organiser who drafts an event's
document is its author.

管理员 manages accounts and units and gets no reading right from that role.

The rule is written once, as an SQL condition (`readable_condition`), so a list, a search
and a check on one draft all apply the same rule.
"""

from sqlalchemy import ColumnElement, exists, false, or_, select as sa_select, true
from sqlmodel import Session, select

from planner.errors import NotFound, PermissionDenied
from planner.i18n import t
from planner.models import Disclosure, Draft, DraftSection, ReviewDecision, Role, Unit, User
from planner.permissions import log_refusal, roles_of

RESTRICTED = (Disclosure.NOT_PUBLIC, Disclosure.ON_REQUEST)
# Roles that read the restricted drafts of every unit.
ANY_UNIT_READER_ROLES = {Role.UNIT_HEAD, Role.GENERAL_OFFICE}
# Roles that read the restricted drafts of the unit they are held in.
UNIT_READER_ROLES = set(Role) - {Role.ADMIN}


def readable_condition(session: Session, actor: User) -> ColumnElement[bool]:
    """SQL condition on Draft: `actor` may read the draft's content."""
    if not actor.is_active:
        return false()
    if reads_every_unit(session, actor):
        return true()

    held = roles_of(session, actor)
    units = sorted({unit_id for role, unit_id in held if role in UNIT_READER_ROLES})
    return or_(Draft.disclosure.not_in(RESTRICTED),
               Draft.created_by == actor.id,
               Draft.unit_id.in_(units),
               _assigned_to(actor),
               _decided_by(actor))


def reads_every_unit(session: Session, actor: User) -> bool:
    """True if `actor` reads the restricted drafts of every unit (单位负责人, 厅办公室)."""
    return actor.is_active and any(role in ANY_UNIT_READER_ROLES
                                   for role, _ in roles_of(session, actor))


def may_read(session: Session, *, actor: User, draft: Draft) -> bool:
    """True if `actor` may read the draft's content (sections, versions, exports)."""
    if draft.disclosure not in RESTRICTED:
        return actor.is_active
    found = session.exec(select(Draft.id).where(Draft.id == draft.id,
                                                readable_condition(session, actor))).first()
    return found is not None


def require_reader(session: Session, *, actor: User, draft: Draft) -> None:
    """Raise PermissionDenied unless `actor` may read the draft.

    The message names the 公开属性, the drafting unit and who may read, never the title,
    which is part of what is withheld. A refusal is logged like any other, except inside
    permissions.probing().
    """
    if may_read(session, actor=actor, draft=draft):
        return

    log_refusal(actor, "read_draft", draft.unit_id)
    unit = session.get(Unit, draft.unit_id) if draft.unit_id is not None else None
    raise PermissionDenied("draft_access.denied", id=draft.id,
                           disclosure=t(f"draft.disclosure.{draft.disclosure}"),
                           unit=unit.name if unit else t("draft_access.no_unit"))


def readable_draft(session: Session, *, actor: User, draft_id: int) -> Draft:
    """Return the draft after checking that `actor` may read it."""
    draft = session.get(Draft, draft_id)
    if draft is None:
        raise NotFound("draft.not_found", id=draft_id)
    require_reader(session, actor=actor, draft=draft)
    return draft


def _assigned_to(actor: User) -> ColumnElement[bool]:
    return exists(sa_select(DraftSection.id)
                  .where(DraftSection.draft_id == Draft.id,
                         DraftSection.assignee_id == actor.id)).correlate(Draft)


def _decided_by(actor: User) -> ColumnElement[bool]:
    return exists(sa_select(ReviewDecision.id)
                  .where(ReviewDecision.draft_id == Draft.id,
                         ReviewDecision.actor_id == actor.id)).correlate(Draft)
