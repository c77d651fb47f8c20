"""Users and units: look-ups for pages and services, and the one unit write seeding needs.

Accounts are created and changed in planner.services.accounts.
"""

import logging
from dataclasses import dataclass

from sqlmodel import Session, func, select

from planner.errors import NotFound
from planner.models import Role, RoleAssignment, Unit, UnitKind, User
from planner.permissions import require
from planner.services import audit

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class HeldRole:
    """One role a user holds, with the unit it is held in."""

    unit_id: int
    unit_name: str
    role: Role


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("accounts.user_not_found", id=user_id)
    return user


def get_unit(session: Session, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("accounts.unit_not_found", id=unit_id)
    return unit


def find_by_username(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username)).first()


def find_unit(session: Session, name: str) -> Unit | None:
    return session.exec(select(Unit).where(Unit.name == name)).first()


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(User.is_active.desc(), User.username)))


def list_units(session: Session) -> list[Unit]:
    return list(session.exec(select(Unit).order_by(Unit.kind, Unit.name)))


def roles_held(session: Session, user: User) -> list[HeldRole]:
    """Return the user's roles with their unit names, ordered by unit, then role."""
    rows = session.exec(select(RoleAssignment, Unit)
                        .join(Unit, Unit.id == RoleAssignment.unit_id)
                        .where(RoleAssignment.user_id == user.id)
                        .order_by(Unit.name, RoleAssignment.role))
    return [HeldRole(unit_id=unit.id, unit_name=unit.name, role=Role(row.role))
            for row, unit in rows]


def active_admin_ids(session: Session) -> set[int]:
    rows = session.exec(select(RoleAssignment.user_id)
                        .join(User, User.id == RoleAssignment.user_id)
                        .where(RoleAssignment.role == Role.ADMIN, User.is_active))
    return set(rows)


def active_admin_count(session: Session) -> int:
    return session.exec(select(func.count(func.distinct(RoleAssignment.user_id)))
                        .join(User, User.id == RoleAssignment.user_id)
                        .where(RoleAssignment.role == Role.ADMIN, User.is_active)).one()


def ensure_unit(session: Session, *, actor: User, name: str, kind: UnitKind) -> Unit:
    """Return the unit called `name`, creating it (管理员 only) if it does not exist."""
    require(session, actor, "manage_units", {Role.ADMIN})
    unit = find_unit(session, name)
    if unit is not None:
        return unit

    unit = Unit(name=name, kind=kind)
    session.add(unit)
    session.flush()
    audit.record(session, actor=actor, action="unit.create", entity="unit", entity_id=unit.id,
                 detail={"name": name, "kind": str(kind)})
    logger.info("unit %s (%s) created", unit.id, name)
    return unit
