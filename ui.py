"""Streamlit glue shared by the pages: the cached engine, sessions, the signed-in user,
the idle timeout, error display.

Nothing here decides a rule; it only connects widgets to planner services. The signed-in
user is kept as an id in st.session_state (UI state); permissions are checked in planner.
"""

import logging
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TypeVar
from urllib.parse import quote, urlsplit

import streamlit as st
from sqlalchemy import Engine
from sqlmodel import Session

from planner.config import get_settings
from planner.db import make_engine, migrate, session_scope
from planner.errors import PermissionDenied, PlannerError
from planner.i18n import t
from planner.models import Role, User
from planner.permissions import has_role
from planner.services import accounts, users
from planner.timeutil import now_utc

logger = logging.getLogger("planner.ui")

T = TypeVar("T")

USER_KEY = "user_id"
ACTIVITY_KEY = "last_activity"
NOTICE_KEY = "sign_in_notice"     # why the user was signed out: "idle", "signed_out", "gone"
SIGN_IN_PAGE = "views/sign_in.py"
# 工作台's address ("/workbench"), named explicitly so bookmarks stay valid.
HOME_URL_PATH = "workbench"


@st.cache_resource
def get_engine() -> Engine:
    """Return the one engine of this server process, migrated to the newest schema on first use."""
    engine = make_engine()
    migrate(engine)
    return engine


@contextmanager
def db_session() -> Iterator[Session]:
    """Open a transaction for a page, and stop the page when no user is signed in.

    app.py shows only the sign-in page until someone signs in. The screens live in views/,
    not pages/, because Streamlit runs a file of a pages/ folder next to app.py on its own
    (skipping app.py) when a fresh server's first request names it; this check is the
    second line of defence should a page ever be run that way.
    """
    if st.session_state.get(USER_KEY) is None:
        st.info(t("accounts.not_signed_in"))
        st.stop()
    with session_scope(get_engine()) as session:
        yield session


def current_actor(session: Session) -> User:
    """Return the signed-in user; raise PermissionDenied when no user is signed in or the
    account is deactivated."""
    user_id = st.session_state.get(USER_KEY)
    user = session.get(User, user_id) if user_id is not None else None
    if user is None or not user.is_active:
        raise PermissionDenied("accounts.not_signed_in")
    return user


def signed_in_user() -> User | None:
    """Return the signed-in user of this browser session, or None (the sign-in page shows).

    An account deactivated or deleted since sign-in ends the session here.
    """
    user_id = st.session_state.get(USER_KEY)
    if user_id is None:
        return None
    with session_scope(get_engine()) as session:
        user = session.get(User, user_id)
    if user is None or not user.is_active:
        end_session("gone")
        return None
    return user


def start_session(user: User) -> None:
    st.session_state[USER_KEY] = user.id
    st.session_state[ACTIVITY_KEY] = now_utc()
    st.session_state.pop(NOTICE_KEY, None)


def end_session(notice: str) -> None:
    st.session_state.pop(USER_KEY, None)
    st.session_state.pop(ACTIVITY_KEY, None)
    st.session_state[NOTICE_KEY] = notice


def enforce_idle_timeout(now: datetime | None = None) -> bool:
    """Sign out after session_idle_minutes without a rerun; otherwise note this activity.

    Every widget interaction reruns the script, so a rerun is the unit of activity.
    Returns True when this call signed the user out.
    """
    if st.session_state.get(USER_KEY) is None:
        return False
    now = now or now_utc()
    idle = get_settings().session_idle_minutes
    if not accounts.session_expired(st.session_state.get(ACTIVITY_KEY), now, idle):
        st.session_state[ACTIVITY_KEY] = now
        return False

    user_id = st.session_state[USER_KEY]
    run_public(lambda session: _audit_sign_out(session, user_id, "idle"))
    end_session("idle")
    logger.info("user %s signed out after %s idle minutes", user_id, idle)
    return True


def sign_out() -> None:
    """Sign out at the user's request; with OIDC also drop the identity cookie."""
    user_id = st.session_state.get(USER_KEY)
    if user_id is not None:
        run_public(lambda session: _audit_sign_out(session, user_id, "user"))
    end_session("signed_out")
    if get_settings().auth_mode == "oidc" and st.user.get("is_logged_in"):
        st.logout()


def sign_in_pages(pages: list) -> list:
    """The sign-in page once under each page's address (app.py, while nobody is signed in).

    Without this, a reload of /drafts after the session ended would meet "page not found".
    """
    return [st.Page(SIGN_IN_PAGE, title=t("nav.sign_in"), icon=":material/login:",
                    url_path=page.url_path or HOME_URL_PATH, default=not page.url_path)
            for page in pages]


def _audit_sign_out(session: Session, user_id: int, reason: str) -> None:
    user = session.get(User, user_id)
    if user is not None:
        accounts.sign_out(session, actor=user, reason=reason)


def run_public(action: Callable[[Session], T]) -> T | None:
    """Run `action(session)` in one transaction and show any error in Chinese; for what
    needs nobody signed in (signing in, the first-administrator hint).

    A PlannerError shows its catalog message; anything else is logged with a
    reference number and shown as a short apology, never as a traceback.
    """
    try:
        with session_scope(get_engine()) as session:
            return action(session)
    except PlannerError as exc:
        st.error(exc.message)
    except Exception:
        ref = uuid.uuid4().hex[:8]
        logger.exception("unexpected error, reference %s", ref)
        st.error(t("app.unexpected_error", ref=ref))
    return None


def run_action(action: Callable[[Session, User], T]) -> T | None:
    """Run `action(session, actor)` as the signed-in user in one transaction and show any
    error in Chinese (see run_public)."""
    return run_public(lambda session: action(session, current_actor(session)))


def show_identity(user: User) -> list[users.HeldRole]:
    """Sidebar block: who is signed in, their roles by unit, and the sign-out button."""
    with db_session() as session:
        roles = users.roles_held(session, user)

    st.caption(t("app.sidebar_caption", name=user.display_name, username=user.username))
    if roles:
        st.caption(t("sign_in_page.roles_header"))
        for role in roles:
            st.caption(f"{role.unit_name} · {label('role', role.role)}")
    if st.button(t("sign_in_page.sign_out"), key="sidebar_sign_out"):
        sign_out()
        st.rerun()
    return roles


def signed_in_has_role(role: Role) -> bool:
    """Return whether to offer a button; the service behind it checks the role again."""
    with db_session() as session:
        return has_role(session, current_actor(session), role)


def label(group: str, code: str) -> str:
    """Chinese label of an enum code, e.g. label("event.kind", "briefing") → 新闻通气会."""
    return t(f"{group}.{code}")


_MARKDOWN_SPECIAL = "\\`*_{}[]<>()#+-.!|~$"


def escape_md(text: str) -> str:
    """Escape user text for st.markdown so a title is shown as typed, never rendered."""
    return "".join(f"\\{char}" if char in _MARKDOWN_SPECIAL else char for char in text)


def code_md(text: str) -> str:
    """Return `text` on one line as a Markdown code span, which shows it as typed and never
    as a link.

    escape_md does not suit addresses. GitHub-flavoured Markdown links "https://…",
    "www.…" and "name@host" found in plain text and keeps the escaping backslashes, so
    "127.0.0.1" showed as "127\\.0\\.0\\.1".
    """
    text = " ".join(text.split())
    # CommonMark: the fence is longer than any run of backticks inside, and a space pads
    # text that starts or ends with a backtick.
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    if text.startswith("`") or text.endswith("`"):
        return f"{fence} {text} {fence}"
    return f"{fence}{text}{fence}"


def address_md(text: str) -> str:
    """Return Markdown for an address that staff typed, such as an online room or a channel
    for questions. An http(s) URL with a host becomes a link, other text a code span, and
    empty text "—"."""
    text = text.strip()
    if not text:
        return "—"
    if not _is_web_url(text):
        return code_md(text)
    # Percent-encode what would end the Markdown link target or is not allowed in a URL,
    # such as parentheses and non-ASCII characters. "%" stays, so an encoded URL stays as is.
    target = quote(text, safe=":/?#@!$&'*+,;=%~-._[]")
    return f"[{code_md(text)}]({target})"


def _is_web_url(text: str) -> bool:
    if any(char.isspace() or unicodedata.category(char) in ("Cc", "Cf") for char in text):
        return False
    try:
        parts = urlsplit(text)
    except ValueError:       # e.g. an unbalanced "[" in the host
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


# Section text typed on 稿件编辑 and not saved yet: {section id: entry}, kept in
# st.session_state apart from the widgets, because Streamlit drops the state of widgets
# that a run does not draw (another page, another draft). Entries carry the user id, so
# someone signing in later in the same browser session does not see them.
UNSAVED_KEY = "drafts_unsaved"


def unsaved_texts() -> dict[int, dict]:
    """Return the signed-in user's unsaved section texts (see UNSAVED_KEY)."""
    user_id = st.session_state.get(USER_KEY)
    return {section_id: entry for section_id, entry
            in st.session_state.get(UNSAVED_KEY, {}).items() if entry["user_id"] == user_id}


def show_unsaved_note() -> None:
    """Show a warning in the sidebar while section text typed on 稿件编辑 is not saved."""
    unsaved = unsaved_texts()
    if unsaved:
        st.warning(t("coedit_page.unsaved_sidebar", count=len(unsaved)))


_FLASH_KEY = "ui_flash_messages"


def flash(message: str) -> None:
    """Keep a success message for the next run, so it survives the st.rerun() after a save."""
    st.session_state.setdefault(_FLASH_KEY, []).append(message)


def show_flash() -> None:
    for message in st.session_state.pop(_FLASH_KEY, []):
        st.success(message)
