"""Streamlit glue shared by the pages: the cached engine, sessions, the actor, error display.

Nothing here decides a rule; it only connects widgets to planner services.
"""

import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import streamlit as st
from sqlalchemy import Engine
from sqlmodel import Session

from planner.db import make_engine, migrate, session_scope
from planner.errors import PlannerError
from planner.i18n import t
from planner.models import User
from planner.services import users

logger = logging.getLogger("planner.ui")

T = TypeVar("T")


@st.cache_resource
def get_engine() -> Engine:
    """One engine per server process, migrated to the newest schema on first use."""
    engine = make_engine()
    migrate(engine)
    return engine


@contextmanager
def db_session() -> Iterator[Session]:
    with session_scope(get_engine()) as session:
        yield session


def current_actor(session: Session) -> User:
    # Until sign-in exists, every action runs as the built-in administrator.
    return users.builtin_admin(session)


def run_action(action: Callable[[Session, User], T]) -> T | None:
    """Run `action(session, actor)` in one transaction and show any error in Chinese.

    A PlannerError shows its catalog message; anything else is logged with a
    reference number and shown as a short apology, never as a traceback.
    """
    try:
        with db_session() as session:
            return action(session, current_actor(session))
    except PlannerError as exc:
        st.error(exc.message)
    except Exception:
        ref = uuid.uuid4().hex[:8]
        logger.exception("unexpected error, reference %s", ref)
        st.error(t("app.unexpected_error", ref=ref))
    return None


def label(group: str, code: str) -> str:
    """Chinese label of an enum code, e.g. label("event.kind", "briefing") → 新闻通气会."""
    return t(f"{group}.{code}")


_MARKDOWN_SPECIAL = "\\`*_{}[]<>()#+-.!|~$"


def escape_md(text: str) -> str:
    """Escape user text for st.markdown so a title is shown as typed, never rendered."""
    return "".join(f"\\{char}" if char in _MARKDOWN_SPECIAL else char for char in text)
