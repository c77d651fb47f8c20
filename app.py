"""Entry point: page setup, sign-in, navigation and the sidebar. Run with `make run`.

Until someone signs in, every address shows the sign-in page and nothing else.
"""

import streamlit as st

import ui
from planner.i18n import t
from planner.logging_setup import bind_user, configure_logging
from planner.models import Role
from planner.services import audit

configure_logging()

# No page_icon: a Material page icon is fetched from a public font server, which an
# intranet cannot reach; the default icon ships with Streamlit.
st.set_page_config(page_title=t("app.title"), layout="wide")

# Material icons ship with Streamlit's front end, so they show without an emoji font.
sections = {
    t("nav.section_work"): [
        st.Page("views/home.py", title=t("nav.home"), icon=":material/home:",
                url_path=ui.HOME_URL_PATH, default=True),
        st.Page("views/queue.py", title=t("nav.queue"), icon=":material/inbox:"),
        st.Page("views/review.py", title=t("nav.review"), icon=":material/fact_check:"),
        st.Page("views/policies.py", title=t("nav.policies"), icon=":material/description:"),
        st.Page("views/drafts.py", title=t("nav.drafts"), icon=":material/edit_note:"),
        st.Page("views/events.py", title=t("nav.events"), icon=":material/campaign:"),
        st.Page("views/media.py", title=t("nav.media"), icon=":material/contacts:"),
        st.Page("views/interviews.py", title=t("nav.interviews"), icon=":material/podcasts:"),
        st.Page("views/answer_library.py", title=t("nav.answer_library"),
                icon=":material/library_books:"),
        st.Page("views/board.py", title=t("nav.board"), icon=":material/alarm:"),
    ],
    t("nav.section_opinions"): [
        st.Page("views/opinions.py", title=t("nav.opinions"), icon=":material/forum:"),
        st.Page("views/meetings.py", title=t("nav.meetings"), icon=":material/groups:"),
        st.Page("views/calendar.py", title=t("nav.calendar"), icon=":material/calendar_month:"),
    ],
}
audit_page = st.Page("views/audit.py", title=t("audit_page.title"),
                     icon=":material/receipt_long:")
admin_pages = [
    st.Page("views/admin_users.py", title=t("nav.admin_users"), icon=":material/group:"),
    st.Page("views/admin_holidays.py", title=t("nav.admin_holidays"),
            icon=":material/event_busy:"),
    st.Page("views/admin_system.py", title=t("nav.admin_system"),
            icon=":material/monitor_heart:"),
]
all_pages = [page for group in sections.values() for page in group] + [audit_page,
                                                                     *admin_pages]

ui.enforce_idle_timeout()
user = ui.signed_in_user()
bind_user(user.id if user else None)
if user is None:
    # Every address shows the sign-in page until someone signs in, so a reload or a
    # bookmark finds it. After signing in, the same address shows the page asked for.
    st.navigation(ui.sign_in_pages(all_pages), position="hidden").run()
    st.stop()

with st.sidebar:
    roles = ui.show_identity(user)
    ui.show_unsaved_note()

# Hiding the pages is a convenience. The planner services check the role themselves.
with ui.db_session() as session:
    reads_audit = audit.may_read(session, actor=user)
if reads_audit:
    sections[t("nav.section_opinions")].append(audit_page)
if any(role.role == Role.ADMIN for role in roles):
    sections[t("nav.section_admin")] = admin_pages
if not roles:
    st.warning(t("accounts.no_roles"))
ui.show_flash()

st.navigation(sections, expanded=True).run()
