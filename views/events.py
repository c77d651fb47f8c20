"""新闻发布活动: book a press event for a policy, see warnings, download the invite."""

from datetime import datetime, time, timedelta

import streamlit as st

import downloads
import ui
from planner.i18n import t
from planner.models import EventKind
from planner.services import drafts, events, policies
from planner.timeutil import OFFICE_TZ, format_office, now_utc, to_office

PENDING_KEY = "events_pending_booking"

st.title(t("nav.events"))

with ui.db_session() as session:
    policy_titles = {p.id: p.title for p in policies.list_policies(session)}
    draft_titles = {d.id: f"{ui.label('draft.kind', d.kind)} · {d.title}"
                    for d in drafts.list_drafts(session)}


def booking_form() -> events.EventInput | None:
    tomorrow = to_office(now_utc()).date() + timedelta(days=1)
    with st.form("events_booking_form"):
        kind = st.selectbox(t("event_page.kind"), list(EventKind),
                            format_func=lambda code: ui.label("event.kind", code))
        topic = st.text_input(t("event_page.topic"))
        day = st.date_input(t("event_page.date"), value=tomorrow, format="YYYY-MM-DD")
        start_col, end_col = st.columns(2)
        start = start_col.time_input(t("event_page.start"), value=time(10, 0), step=900)
        end = end_col.time_input(t("event_page.end"), value=time(11, 0), step=900)
        venue = st.text_input(t("event_page.venue"))
        online_room = st.text_input(t("event_page.online_room"))
        spokespeople = st.text_input(t("event_page.spokespeople"),
                                     help=t("event_page.people_help"))
        host = st.text_input(t("event_page.host"), help=t("event_page.people_help"))
        media = st.text_area(t("event_page.media"), height=68)
        agenda = st.text_area(t("event_page.agenda"), height=120)
        policy_id = st.selectbox(t("event_page.policy"), [None, *policy_titles],
                                 format_func=lambda pid: policy_titles.get(pid, t("event_page.none")))
        draft_ids = st.multiselect(t("event_page.drafts"), list(draft_titles),
                                   format_func=draft_titles.get)
        if not st.form_submit_button(t("event_page.check_and_save"), type="primary"):
            return None
    return events.EventInput(
        kind=kind, topic=topic,
        starts_at=datetime.combine(day, start, tzinfo=OFFICE_TZ),
        ends_at=datetime.combine(day, end, tzinfo=OFFICE_TZ),
        venue=venue, online_room=online_room, spokespeople=spokespeople, host=host,
        invited_media=media, agenda=agenda, policy_id=policy_id, draft_ids=draft_ids)


def save(data: events.EventInput) -> None:
    event = ui.run_action(lambda s, a: events.create_event(s, actor=a, data=data))
    if event is not None:
        st.session_state.pop(PENDING_KEY, None)
        st.session_state["events_selected"] = event.id
        ui.flash(t("event_page.saved", topic=event.topic))
        st.rerun()


st.subheader(t("event_page.book_header"))
submitted = booking_form()
if submitted is not None:
    warnings = ui.run_action(lambda s, a: events.check_booking(s, submitted))
    if warnings == []:
        save(submitted)
    elif warnings:
        st.session_state[PENDING_KEY] = (submitted, warnings)

pending = st.session_state.get(PENDING_KEY)
if pending is not None:
    data, warnings = pending
    for message in warnings:
        st.warning(message)
    confirm_col, cancel_col = st.columns(2)
    if confirm_col.button(t("event_page.save_anyway"), key="events_save_anyway", type="primary"):
        save(data)
    if cancel_col.button(t("event_page.change_booking"), key="events_cancel_pending"):
        st.session_state.pop(PENDING_KEY, None)
        st.rerun()

st.divider()
st.subheader(t("event_page.list_header"))
with ui.db_session() as session:
    rows = events.list_events(session)
if not rows:
    st.info(t("event_page.none_booked"))
    st.stop()

st.dataframe(
    [{t("event_page.col_time"): format_office(e.starts_at),
      t("event_page.col_kind"): ui.label("event.kind", e.kind),
      t("event_page.col_topic"): e.topic,
      t("event_page.col_place"): e.venue or e.online_room,
      t("event_page.col_spokespeople"): e.spokespeople,
      t("event_page.col_status"): ui.label("event.status", e.status)} for e in rows],
    hide_index=True, use_container_width=True)

ids = [e.id for e in rows]
labels = {e.id: f"{format_office(e.starts_at)} · {e.topic}" for e in rows}
selected_default = st.session_state.get("events_selected")
event_id = st.selectbox(t("event_page.select"), ids, format_func=labels.get,
                        index=ids.index(selected_default) if selected_default in ids else 0,
                        key="events_select_box")
with ui.db_session() as session:
    event = events.get_event(session, event_id)
    linked = [draft_titles.get(i, str(i)) for i in events.linked_draft_ids(session, event_id)]

st.markdown(t("event_page.detail", kind=ui.label("event.kind", event.kind),
              time=f"{format_office(event.starts_at)}–{format_office(event.ends_at)[11:]}",
              place=ui.escape_md(event.venue or event.online_room or "—"),
              spokespeople=ui.escape_md(event.spokespeople or "—"),
              host=ui.escape_md(event.host or "—"),
              policy=ui.escape_md(policy_titles.get(event.policy_id, "—"))))
if event.agenda:
    st.text(event.agenda)
for title in linked:
    st.markdown(f"- {ui.escape_md(title)}")

# The invite is built (and the export audited) only when the button is clicked.
st.download_button(t("event_page.download_invite"),
                   data=downloads.on_click(lambda s, a: events.invite_file(s, event_id, actor=a)),
                   file_name=events.invite_filename(event), mime="text/calendar",
                   key=f"events_invite_{event_id}")
