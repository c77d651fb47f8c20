"""工作台: the welcome screen, example data on an empty database, and what is coming up."""

import streamlit as st

import ui
from planner.i18n import t
from planner.models import Role
from planner.services import drafts, event_queue, events, policies, seed
from planner.timeutil import format_office

st.title(t("app.title"))

with ui.db_session() as session:
    empty = seed.is_empty(session)

if empty:
    st.info(t("home.empty_intro"))
    if not ui.signed_in_has_role(Role.ADMIN):
        st.caption(t("home.examples_admin_only"))
        st.stop()

    st.caption(t("home.examples_password_help",
                 names="、".join(person.display_name for person in seed.EXAMPLE_STAFF)))
    password = st.text_input(t("home.examples_password"), type="password",
                             key="home_examples_password")
    if st.button(t("home.load_examples"), key="home_load_examples", type="primary"):
        result = ui.run_action(lambda session, actor: seed.load_examples(
            session, actor=actor, staff_password=password))
        if result is not None:
            ui.flash(t("home.examples_loaded"))
            st.rerun()
    st.stop()

with ui.db_session() as session:
    policy_rows = policies.list_policies(session)
    draft_rows = drafts.list_drafts(session, actor=ui.current_actor(session))
    event_rows = events.list_events(session)
    upcoming = event_queue.upcoming_events(session)

col_policies, col_drafts, col_events = st.columns(3)
col_policies.metric(t("home.metric_policies"), len(policy_rows))
col_drafts.metric(t("home.metric_drafts"), len(draft_rows))
col_events.metric(t("home.metric_events"), len(event_rows))

# 近期活动 lists what is still ahead (not yet ended), soonest first: the 工作台 is for
# planning the next days, and past events are on the 新闻发布活动 page. Cancelled ones stay,
# marked, so that no one prepares for them.
st.subheader(t("home.recent_events"))
if not upcoming:
    st.caption(t("home.no_upcoming_events"))
for event in upcoming:
    st.markdown(f"- {format_office(event.starts_at)} · {ui.label('event.kind', event.kind)} · "
                f"{ui.escape_md(event.topic)} · {ui.label('event.status', event.status)}")

st.subheader(t("home.recent_drafts"))
for draft in draft_rows[:5]:
    st.markdown(f"- {ui.label('draft.kind', draft.kind)} · {ui.escape_md(draft.title)}")
