"""Small factories for tests: units, users holding roles, and signing in an AppTest."""

from functools import cache

from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from planner.models import Role, RoleAssignment, Unit, UnitKind, User
from planner.services.accounts import hash_password

TEST_PASSWORD = "Test-密码-123"


@cache
def _hash(password: str) -> str:
    # argon2 is slow on purpose, so one hash per distinct password keeps the suite fast.
    return hash_password(password)


def make_unit(session: Session, name: str, kind: UnitKind = UnitKind.DIVISION) -> Unit:
    """Return the unit called `name`, creating it if needed."""
    unit = session.exec(select(Unit).where(Unit.name == name)).first()
    if unit is None:
        unit = Unit(name=name, kind=kind)
        session.add(unit)
        session.flush()
    return unit


def make_user(session: Session, username: str, *, unit: Unit, roles: set[Role] | list[Role],
              password: str = TEST_PASSWORD, display_name: str | None = None,
              email: str | None = None, is_active: bool = True) -> User:
    """Create an active user in `unit` holding each of `roles` in that unit; commits."""
    user = User(username=username, display_name=display_name or username, email=email,
                unit_id=unit.id, password_hash=_hash(password), is_active=is_active)
    session.add(user)
    session.flush()

    for role in roles:
        session.add(RoleAssignment(user_id=user.id, unit_id=unit.id, role=Role(role)))
    session.commit()
    return user


def grant(session: Session, user: User, role: Role, unit: Unit) -> None:
    """Give `user` one more role in another unit; commits."""
    session.add(RoleAssignment(user_id=user.id, unit_id=unit.id, role=Role(role)))
    session.commit()


def sign_in_state(app: AppTest, user: User) -> AppTest:
    """Mark `user` as signed in for the next run, without going through the form."""
    app.session_state["user_id"] = user.id
    return app


def sign_in_form(app: AppTest, username: str, password: str = TEST_PASSWORD) -> AppTest:
    """Fill and submit the sign-in form of an AppTest that shows the sign-in page."""
    app.text_input(key="sign_in_username").input(username)
    app.text_input(key="sign_in_password").input(password)
    submit = [b for b in app.button if b.label == "登录"]
    assert submit, f"no 登录 button; have {[b.label for b in app.button]}"
    submit[0].click().run()
    return app
