"""Accounts: password hashing, sign-in with throttling, users, units and roles.

Every write here is for a 管理员 only, except signing in and out. Failed sign-ins are
counted per user name (also for names that match no account, so a caller cannot tell
the two apart) and, after LOCK_AFTER_FAILURES, locked for a time that doubles with
each further failure.
"""

import logging
import re
from datetime import datetime, timedelta, timezone
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, func, select

from planner.errors import InvalidInput
from planner.i18n import inside_quotes, t
from planner.models import Role, RoleAssignment, SignInThrottle, Unit, UnitKind, User
from planner.permissions import require
from planner.services import audit, users
from planner.timeutil import now_utc

logger = logging.getLogger(__name__)

# argon2id with the library's defaults: the RFC 9106 low-memory profile (t=3, 64 MiB, p=4).
_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256          # bounds the hashing work one request can cause
LOCK_AFTER_FAILURES = 5
FIRST_LOCK_SECONDS = 30
MAX_LOCK_SECONDS = 3600
DEFAULT_ADMIN_UNIT = "厅办公室"
CREATE_ADMIN_COMMAND = ".venv/bin/python -m planner create-admin"

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# --- passwords -------------------------------------------------------------------------

def hash_password(password: str) -> str:
    """Return the argon2id hash of `password`; the plain text is never stored."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if `password` matches `password_hash`; False for no hash or a broken one."""
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_password_policy(username: str, password: str) -> None:
    """Raise InvalidInput unless the password is long enough and not the user name."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput("accounts.password_too_short", length=len(password),
                           minimum=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput("accounts.password_too_long", length=len(password),
                           maximum=MAX_PASSWORD_LENGTH)
    if password.strip().casefold() == username.strip().casefold():
        raise InvalidInput("accounts.password_is_username")


@cache
def _dummy_hash() -> str:
    # Checked against when the user name is unknown, so both cases take the same time.
    return hash_password("no account has this password")


# --- sign-in ---------------------------------------------------------------------------

def normalize_username(username: str) -> str:
    return username.strip().lower()


def lock_seconds(failures: int) -> int:
    """Lock time after `failures` consecutive failures: none below the threshold, then
    30 s, doubling with each further failure, at most one hour."""
    if failures < LOCK_AFTER_FAILURES:
        return 0
    return min(FIRST_LOCK_SECONDS * 2 ** (failures - LOCK_AFTER_FAILURES), MAX_LOCK_SECONDS)


def remaining_lock(throttle: SignInThrottle | None, now: datetime) -> int:
    """Seconds until the next attempt is allowed (0 when it is allowed now)."""
    if throttle is None or throttle.last_failure_at is None:
        return 0
    until = _aware(throttle.last_failure_at) + timedelta(seconds=lock_seconds(throttle.failures))
    return max(0, int((until - now).total_seconds() + 0.999))


def format_wait(seconds: int) -> str:
    """"45 秒", "2 分钟", "2 分 30 秒": how long to wait, in words a user reads at once."""
    minutes, rest = divmod(seconds, 60)
    if minutes == 0:
        return f"{rest} 秒"
    return f"{minutes} 分钟" if rest == 0 else f"{minutes} 分 {rest} 秒"


def sign_in(session: Session, *, username: str, password: str,
            now: datetime | None = None) -> User:
    """Return the user whose name and password match; raise InvalidInput otherwise.

    A failed attempt is committed before the error is raised, so the count and its
    audit row survive the caller's rollback.
    """
    now = now or now_utc()
    name = normalize_username(username)
    if not name or not password:
        raise InvalidInput("accounts.credentials_missing")

    throttle = session.get(SignInThrottle, name)
    wait = remaining_lock(throttle, now)
    if wait:
        _reject(session, name, None, "locked")
        raise InvalidInput("accounts.locked", wait=format_wait(wait))

    user = users.find_by_username(session, name)
    if not verify_password(user.password_hash if user else _dummy_hash(), password):
        wait = _count_failure(session, name, user, now)
        _reject(session, name, user, "bad_password" if user else "unknown_user")
        if wait:
            raise InvalidInput("accounts.bad_credentials_locked", wait=format_wait(wait),
                               failures=LOCK_AFTER_FAILURES)
        raise InvalidInput("accounts.bad_credentials")

    if not user.is_active:
        _reject(session, name, user, "inactive")
        raise InvalidInput("accounts.inactive", username=user.username)

    _clear_failures(session, name, user, now)
    audit.record(session, actor=user, action="auth.sign_in", entity="user", entity_id=user.id,
                 detail={"method": "password"})
    logger.info("user %s signed in", user.id)
    return user


def _count_failure(session: Session, name: str, user: User | None, now: datetime) -> int:
    """Count one failure; return the lock time it starts (0 if none)."""
    # NOTE: a read-modify-write without a row lock: two failures for one name in the same
    # instant may count once, and the first failure of a new name may hit a duplicate key.
    throttle = session.get(SignInThrottle, name) or SignInThrottle(username=name)
    throttle.failures += 1
    throttle.last_failure_at = now
    session.add(throttle)

    wait = lock_seconds(throttle.failures)
    if user is not None:
        user.failed_sign_ins = throttle.failures
        user.locked_until = now + timedelta(seconds=wait) if wait else None
        session.add(user)
    return wait


def _reject(session: Session, name: str, user: User | None, reason: str) -> None:
    audit.record(session, actor=None, action="auth.sign_in_failed", entity="user",
                 entity_id=user.id if user else None, detail={"username": name, "reason": reason})
    session.commit()
    logger.warning("sign-in failed for user name %r: %s", name, reason)


def _clear_failures(session: Session, name: str, user: User, now: datetime) -> None:
    throttle = session.get(SignInThrottle, name)
    if throttle is not None:
        session.delete(throttle)
    user.failed_sign_ins = 0
    user.locked_until = None
    user.last_sign_in_at = now
    session.add(user)


def user_for_oidc_email(session: Session, email: str) -> User:
    """The active user whose e-mail is `email` (OIDC sign-in); no account is ever created."""
    address = email.strip().lower() if email else ""
    if not address:
        raise InvalidInput("accounts.oidc_no_email")

    matches = list(session.exec(select(User).where(func.lower(User.email) == address)))
    if not matches:
        raise InvalidInput("accounts.oidc_unknown_email", email=address)
    if len(matches) > 1:
        raise InvalidInput("accounts.oidc_email_ambiguous", email=address, count=len(matches))
    if not matches[0].is_active:
        raise InvalidInput("accounts.inactive", username=matches[0].username)
    return matches[0]


def sign_in_oidc(session: Session, *, email: str, now: datetime | None = None) -> User:
    """Sign in the user the identity provider vouched for; audited like a password sign-in."""
    try:
        user = user_for_oidc_email(session, email)
    except InvalidInput:
        _reject(session, (email or "")[:64], None, "oidc_no_account")
        raise

    user.last_sign_in_at = now or now_utc()
    session.add(user)
    audit.record(session, actor=user, action="auth.sign_in", entity="user", entity_id=user.id,
                 detail={"method": "oidc"})
    logger.info("user %s signed in through OIDC", user.id)
    return user


def sign_out(session: Session, *, actor: User, reason: str = "user") -> None:
    """Register a sign-out; `reason` is "user" or "idle" (the idle timeout)."""
    audit.record(session, actor=actor, action="auth.sign_out", entity="user", entity_id=actor.id,
                 detail={"reason": reason})
    logger.info("user %s signed out (%s)", actor.id, reason)


def session_expired(last_activity: datetime | None, now: datetime, idle_minutes: int) -> bool:
    """True once `idle_minutes` have passed since the last activity (None: just signed in)."""
    if last_activity is None:
        return False
    return _aware(now) - _aware(last_activity) >= timedelta(minutes=idle_minutes)


# --- administration (管理员 only) -------------------------------------------------------

def create_unit(session: Session, *, actor: User, name: str, kind: UnitKind) -> Unit:
    require(session, actor, "manage_units", {Role.ADMIN})
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("accounts.unit_name_invalid", length=len(name))
    if users.find_unit(session, name) is not None:
        raise InvalidInput("accounts.unit_exists", name=inside_quotes(name))
    if kind not in UnitKind.__members__.values():
        raise InvalidInput("accounts.unit_kind_invalid", kind=kind)

    unit = Unit(name=name, kind=UnitKind(kind))
    session.add(unit)
    session.flush()
    audit.record(session, actor=actor, action="unit.create", entity="unit", entity_id=unit.id,
                 detail={"name": name, "kind": unit.kind})
    return unit


def create_user(session: Session, *, actor: User, username: str, display_name: str,
                password: str, unit_id: int, email: str | None = None) -> User:
    """Create an account in `unit_id`; roles are granted separately with grant_role."""
    require(session, actor, "manage_accounts", {Role.ADMIN})
    user = _new_user(session, username=username, display_name=display_name, password=password,
                     unit_id=users.get_unit(session, unit_id).id, email=email)

    audit.record(session, actor=actor, action="user.create", entity="user", entity_id=user.id,
                 detail={"username": user.username, "display_name": user.display_name,
                         "unit_id": unit_id, "email": user.email})
    logger.info("user %s (%s) created by %s", user.id, user.username, actor.id)
    return user


def _new_user(session: Session, *, username: str, display_name: str, password: str,
              unit_id: int, email: str | None) -> User:
    name = normalize_username(username)
    if not _USERNAME.match(name):
        raise InvalidInput("accounts.username_invalid", username=username.strip())
    if users.find_by_username(session, name) is not None:
        raise InvalidInput("accounts.username_taken", username=name)
    full_name = display_name.strip()
    if not full_name or len(full_name) > 64:
        raise InvalidInput("accounts.display_name_invalid")
    address = _checked_email(session, email)
    check_password_policy(name, password)

    user = User(username=name, display_name=full_name, email=address, unit_id=unit_id,
                password_hash=hash_password(password))
    session.add(user)
    session.flush()
    return user


def _checked_email(session: Session, email: str | None, user_id: int | None = None) -> str | None:
    address = (email or "").strip().lower()
    if not address:
        return None
    if not _EMAIL.match(address) or len(address) > 254:
        raise InvalidInput("accounts.email_invalid", email=address)
    query = select(User).where(func.lower(User.email) == address)
    if any(other.id != user_id for other in session.exec(query)):
        raise InvalidInput("accounts.email_taken", email=address)
    return address


def grant_role(session: Session, *, actor: User, user_id: int, unit_id: int,
               role: Role) -> RoleAssignment:
    require(session, actor, "manage_roles", {Role.ADMIN})
    user = users.get_user(session, user_id)
    unit = users.get_unit(session, unit_id)
    if role not in Role.__members__.values():
        raise InvalidInput("accounts.role_invalid", role=role)
    if _assignment(session, user.id, unit.id, role) is not None:
        raise InvalidInput("accounts.role_already_held", user=user.display_name,
                           unit=unit.name, role=_role_name(role))

    assignment = RoleAssignment(user_id=user.id, unit_id=unit.id, role=Role(role))
    session.add(assignment)
    session.flush()
    audit.record(session, actor=actor, action="role.grant", entity="user", entity_id=user.id,
                 detail={"unit_id": unit.id, "role": str(role)})
    return assignment


def revoke_role(session: Session, *, actor: User, user_id: int, unit_id: int,
                role: Role) -> User:
    """Take one role away; returns the user. The last active 管理员 keeps theirs."""
    require(session, actor, "manage_roles", {Role.ADMIN})
    user = users.get_user(session, user_id)
    unit = users.get_unit(session, unit_id)
    assignment = _assignment(session, user.id, unit.id, role)
    if assignment is None:
        raise InvalidInput("accounts.role_not_held", user=user.display_name, unit=unit.name,
                           role=_role_name(role))
    if Role(role) == Role.ADMIN and _is_last_admin(session, user):
        raise InvalidInput("accounts.last_admin", user=user.display_name)

    session.delete(assignment)
    audit.record(session, actor=actor, action="role.revoke", entity="user", entity_id=user.id,
                 detail={"unit_id": unit.id, "role": str(role)})
    return user


def set_password(session: Session, *, actor: User, user_id: int, password: str) -> User:
    """Reset a user's password (管理员); also lifts a sign-in lock on that account."""
    require(session, actor, "reset_password", {Role.ADMIN})
    user = users.get_user(session, user_id)
    check_password_policy(user.username, password)

    user.password_hash = hash_password(password)
    user.failed_sign_ins = 0
    user.locked_until = None
    session.add(user)
    throttle = session.get(SignInThrottle, user.username)
    if throttle is not None:
        session.delete(throttle)
    audit.record(session, actor=actor, action="user.set_password", entity="user",
                 entity_id=user.id, detail={"username": user.username})
    return user


def deactivate_user(session: Session, *, actor: User, user_id: int) -> User:
    """Stop an account from signing in; its records and history stay."""
    require(session, actor, "deactivate_user", {Role.ADMIN})
    user = users.get_user(session, user_id)
    if user.id == actor.id:
        raise InvalidInput("accounts.deactivate_self")
    if _is_last_admin(session, user):
        raise InvalidInput("accounts.last_admin", user=user.display_name)

    user.is_active = False
    session.add(user)
    audit.record(session, actor=actor, action="user.deactivate", entity="user",
                 entity_id=user.id, detail={"username": user.username})
    return user


def activate_user(session: Session, *, actor: User, user_id: int) -> User:
    require(session, actor, "deactivate_user", {Role.ADMIN})
    user = users.get_user(session, user_id)

    user.is_active = True
    session.add(user)
    audit.record(session, actor=actor, action="user.activate", entity="user",
                 entity_id=user.id, detail={"username": user.username})
    return user


def create_first_admin(session: Session, *, username: str, display_name: str, password: str,
                       unit_name: str = DEFAULT_ADMIN_UNIT, email: str | None = None) -> User:
    """The first 管理员 (`python -m planner create-admin`); refused once an active one exists."""
    if users.active_admin_count(session) > 0:
        raise InvalidInput("accounts.admin_exists")
    unit = users.find_unit(session, unit_name.strip()) or _first_unit(session, unit_name)

    _retire_builtin_placeholder(session, username)
    user = _new_user(session, username=username, display_name=display_name, password=password,
                     unit_id=unit.id, email=email)
    session.add(RoleAssignment(user_id=user.id, unit_id=unit.id, role=Role.ADMIN))

    audit.record(session, actor=user, action="user.create_admin", entity="user",
                 entity_id=user.id, detail={"username": user.username, "unit_id": unit.id})
    logger.info("first administrator %s (%s) created", user.id, user.username)
    return user


def _first_unit(session: Session, name: str) -> Unit:
    if not name.strip() or len(name.strip()) > 100:
        raise InvalidInput("accounts.unit_name_invalid", length=len(name.strip()))
    unit = Unit(name=name.strip(), kind=UnitKind.DIVISION)
    session.add(unit)
    session.flush()
    return unit


def _retire_builtin_placeholder(session: Session, username: str) -> None:
    # The walking skeleton's built-in administrator ("admin", no password) frees its name
    # for the first real administrator; it is renamed, not deleted, so the audit rows it
    # wrote keep their actor.
    user = users.find_by_username(session, normalize_username(username))
    if user is None or not user.is_builtin or user.password_hash:
        return
    user.username = f"builtin-{user.id}"
    user.is_active = False
    session.add(user)
    session.flush()


def _assignment(session: Session, user_id: int, unit_id: int, role: Role
                ) -> RoleAssignment | None:
    return session.exec(select(RoleAssignment).where(
        RoleAssignment.user_id == user_id, RoleAssignment.unit_id == unit_id,
        RoleAssignment.role == str(role))).first()


def _is_last_admin(session: Session, user: User) -> bool:
    is_admin = user.is_active and user.id in users.active_admin_ids(session)
    return is_admin and users.active_admin_count(session) == 1


def _role_name(role: Role) -> str:
    return t(f"role.{role}")


def _aware(moment: datetime) -> datetime:
    # SQLite hands stored times back without a zone; they were written as UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
