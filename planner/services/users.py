"""Users and units. Until sign-in exists, every action runs as one built-in administrator."""

import logging

from sqlmodel import Session, select

from planner.i18n import t
from planner.models import Unit, UnitKind, User

logger = logging.getLogger(__name__)

BUILTIN_USERNAME = "admin"


def builtin_admin(session: Session) -> User:
    """Return the built-in administrator, creating it (and its unit) on first use."""
    user = session.exec(select(User).where(User.username == BUILTIN_USERNAME)).first()
    if user is not None:
        return user

    unit = _get_or_create_unit(session, t("users.builtin_unit"), UnitKind.DIVISION)
    user = User(username=BUILTIN_USERNAME, display_name=t("users.builtin_name"),
                unit_id=unit.id, is_builtin=True)
    session.add(user)
    session.flush()
    logger.info("built-in administrator created as user %s", user.id)
    return user


def _get_or_create_unit(session: Session, name: str, kind: UnitKind) -> Unit:
    unit = session.exec(select(Unit).where(Unit.name == name)).first()
    if unit is None:
        unit = Unit(name=name, kind=kind)
        session.add(unit)
        session.flush()
    return unit


def ensure_unit(session: Session, name: str, kind: UnitKind) -> Unit:
    return _get_or_create_unit(session, name, kind)
