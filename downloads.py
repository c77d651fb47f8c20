"""Download buttons whose file is made only when the user clicks.

An export writes an audit row ("draft.export", "review.record_export"), so it must run
when someone downloads, not on every rerun of the page. Streamlit calls a callable passed
as `data` on click, in a thread of its own without the page's session state: the signed-in
user's id is therefore read while the page runs and the export opens its own transaction.
"""

import logging
import uuid
from collections.abc import Callable

import streamlit as st
from sqlmodel import Session

import ui
from planner.db import session_scope
from planner.errors import PermissionDenied
from planner.models import User

logger = logging.getLogger("planner.ui.downloads")

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def on_click(export: Callable[[Session, User], tuple[str, bytes]]) -> Callable[[], bytes]:
    """Return a no-argument callable for st.download_button(data=...) that runs
    `export(session, actor)` as the signed-in user and returns the file's bytes."""
    user_id = st.session_state.get(ui.USER_KEY)

    def produce() -> bytes:
        try:
            with session_scope(ui.get_engine()) as session:
                actor = session.get(User, user_id) if user_id is not None else None
                if actor is None or not actor.is_active:
                    raise PermissionDenied("accounts.not_signed_in")
                return export(session, actor)[1]
        except Exception:
            # The page has finished by now, so nothing can be shown; the log keeps the reason.
            logger.exception("download for user %s failed, reference %s", user_id,
                             uuid.uuid4().hex[:8])
            raise

    return produce
