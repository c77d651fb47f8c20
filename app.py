"""Entry point: page setup, sign-in, navigation and the sidebar. Run with `make run`.

Until someone signs in, the sign-in page is the only page there is.
"""

import streamlit as st

import ui
from planner.i18n import t
from planner.logging_setup import bind_user, configure_logging
from planner.models import Role

configure_logging()

st.set_page_config(page_title=t("app.title"), page_icon="📰", layout="wide")

if ui.enforce_idle_timeout():
    ui.go_to_sign_in()
user = ui.signed_in_user()
bind_user(user.id if user else None)
if user is None:
    st.navigation([st.Page("pages/sign_in.py", title=t("nav.sign_in"), icon="🔑",
                           url_path=ui.HOME_URL_PATH, default=True)]).run()
    st.stop()

pages = [
    st.Page("pages/home.py", title=t("nav.home"), icon="🏠", url_path=ui.HOME_URL_PATH,
            default=True),
    st.Page("pages/queue.py", title=t("nav.queue"), icon="📥"),
    st.Page("pages/review.py", title=t("nav.review"), icon="✅"),
    st.Page("pages/policies.py", title=t("nav.policies"), icon="📄"),
    st.Page("pages/drafts.py", title=t("nav.drafts"), icon="✍️"),
    st.Page("pages/events.py", title=t("nav.events"), icon="🎤"),
    st.Page("pages/board.py", title=t("nav.board"), icon="⏰"),
    st.Page("pages/opinions.py", title=t("nav.opinions"), icon="📡"),
    st.Page("pages/meetings.py", title=t("nav.meetings"), icon="🤝"),
    st.Page("pages/calendar.py", title=t("nav.calendar"), icon="🗓️"),
    st.Page("pages/audit.py", title=t("audit_page.title"), icon="🧾"),
]

with st.sidebar:
    held = ui.show_identity(user)

# Hiding the page is a convenience; planner.services.accounts checks the role itself.
if any(role.role == Role.ADMIN for role in held):
    pages.append(st.Page("pages/admin_users.py", title=t("nav.admin_users"), icon="👥"))
    pages.append(st.Page("pages/admin_holidays.py", title=t("nav.admin_holidays"), icon="📅"))
    pages.append(st.Page("pages/admin_system.py", title=t("nav.admin_system"), icon="🩺"))
if not held:
    st.warning(t("accounts.no_roles"))

st.navigation(pages).run()
