"""Who may do what. Every service calls `require` before it changes anything.

Roles are held within a unit (RoleAssignment). A check names the role and, where the
rule is unit-bound (初审 by a 承办人员 of the drafting unit), the unit.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlmodel import Session, select

from planner.errors import PermissionDenied
from planner.i18n import t
from planner.models import Role, RoleAssignment, Unit, User

logger = logging.getLogger(__name__)

# True inside probing(): a page checks what it may offer, so a refusal is the result of
# the check, not a rejected action, and is not logged.
_probing: ContextVar[bool] = ContextVar("permission_probing", default=False)


def roles_of(session: Session, user: User) -> set[tuple[Role, int]]:
    """Return the (role, unit id) pairs the user holds."""
    rows = session.exec(select(RoleAssignment).where(RoleAssignment.user_id == user.id))
    return {(Role(row.role), row.unit_id) for row in rows}


def has_role(session: Session, user: User, role: Role, unit_id: int | None = None) -> bool:
    """Return True if the user has `role` (in `unit_id`, when given). 管理员 is not implied."""
    if not user.is_active:
        return False
    held = roles_of(session, user)
    if unit_id is None:
        return any(held_role == role for held_role, _ in held)
    return (role, unit_id) in held


def has_any_role(session: Session, user: User, roles: set[Role],
                 unit_id: int | None = None) -> bool:
    return any(has_role(session, user, role, unit_id) for role in roles)


def require(session: Session, user: User | None, action: str, roles: set[Role],
            unit_id: int | None = None) -> None:
    """Raise PermissionDenied unless the user has one of `roles` (in `unit_id`, if given).

    `action` is a catalog key under [actions] naming what was attempted, so the
    message names the refused action and the roles allowed to do it. A unit-bound check
    also names the unit and the units where the user has roles, because "需要承办人员" alone
    misleads someone who is a 承办人员 elsewhere. A refusal is logged as a warning, except
    inside probing().
    """
    if user is not None and has_any_role(session, user, roles, unit_id):
        return

    log_refusal(user, action, unit_id)
    if unit_id is None:
        role_names = "、".join(t(f"role.{role}") for role in sorted(roles))
        raise PermissionDenied("permissions.denied", action=t(f"actions.{action}"),
                               roles=role_names)
    raise PermissionDenied("permissions.denied_in_unit", action=t(f"actions.{action}"),
                           roles="或".join(t(f"role.{role}") for role in sorted(roles)),
                           unit=_unit_name(session, unit_id), held=_held_roles(session, user))


def log_refusal(user: User | None, action: str, unit_id: int | None) -> None:
    """Log a refused action as a warning, unless the check runs inside probing()."""
    if not _probing.get():
        logger.warning("permission denied: user %s, action %s, unit %s",
                       user.id if user else None, action, unit_id)


def _unit_name(session: Session, unit_id: int) -> str:
    unit = session.get(Unit, unit_id)
    return unit.name if unit else t("permissions.unknown_unit", id=unit_id)


def _held_roles(session: Session, user: User | None) -> str:
    """Describe the units and roles the user has, e.g. "您的角色在政策法规处（承办人员）"."""
    held = roles_of(session, user) if user is not None and user.is_active else set()
    if not held:
        return t("permissions.no_roles")

    by_unit: dict[str, list[str]] = {}
    for role, unit_id in sorted(held):
        by_unit.setdefault(_unit_name(session, unit_id), []).append(t(f"role.{role}"))
    places = [f"{unit}（{'、'.join(names)}）" for unit, names in sorted(by_unit.items())]
    return t("permissions.roles_in", places="、".join(places))


@contextmanager
def probing() -> Iterator[None]:
    """Mark the permission checks inside as probes that decide what a page offers (a
    button, a form).

    Inside, `require` still raises PermissionDenied but logs no warning, because no action
    was attempted. The action itself checks again when it runs and logs a refusal.
    """
    token = _probing.set(True)
    try:
        yield
    finally:
        _probing.reset(token)
