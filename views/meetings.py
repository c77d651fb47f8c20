"""会商会议: convene a joint meeting, check conflicts, send or download the invites and
the notice, reschedule or cancel it, record the minutes and follow the action items."""

from datetime import datetime, time, timedelta

import streamlit as st

import downloads as download_files
import ui
from planner import mail_invites
from planner.config import get_mail_settings
from planner.i18n import inside_quotes, t
from planner.models import ActionItemStatus, MeetingStatus, OpinionStatus, Role
from planner.services import meetings, opinions, users
from planner.timeutil import OFFICE_TZ, format_office, now_utc, to_office

FROM_OPINIONS_KEY = "meetings_opinion_ids"       # set by the 政务舆情 page
SELECTED_KEY = "meetings_selected"
ACTION_KEY = "meetings_selected_action"          # set by the supervision board
PENDING_KEY = "meetings_pending"
ACTION_ROWS_KEY = "meetings_action_rows"

st.title(t("nav.meetings"))


def select_meeting(meeting_id: int) -> None:
    """Show `meeting_id` below; the list's selectbox forgets its own choice for it."""
    st.session_state[SELECTED_KEY] = meeting_id
    st.session_state.pop("meetings_select_box", None)


is_office = ui.signed_in_has_role(Role.GENERAL_OFFICE)
with ui.db_session() as session:
    unit_names = {unit.id: unit.name for unit in users.list_units(session)}
    people = {user.id: user.display_name for user in users.list_users(session) if user.is_active}
    open_items = {item.id: f"#{item.id} {opinions.short_text(item.summary, 30)}"
                  for item in opinions.list_items(
                      session, actor=ui.current_actor(session), limit=200,
                      filters=opinions.OpinionFilter(statuses=[
                          OpinionStatus.ASSESSING, OpinionStatus.FORWARDED,
                          OpinionStatus.RESPONDING])).rows}
    for item_id in st.session_state.get(FROM_OPINIONS_KEY, []):
        if item_id not in open_items:   # older than the 200 listed
            item = opinions.get_item(session, item_id)
            open_items[item_id] = f"#{item.id} {opinions.short_text(item.summary, 30)}"
    chosen_items = list(st.session_state.get(FROM_OPINIONS_KEY, []))
    default_units = meetings.default_unit_ids(session, chosen_items)
    default_people = [u.id for u in meetings.suggested_people(session, default_units)]

wanted_action = st.session_state.pop(ACTION_KEY, None)
if wanted_action is not None:
    action = ui.run_public(lambda s: meetings.get_action(s, wanted_action))
    if action is not None:
        select_meeting(action.meeting_id)


def when(day, clock) -> datetime:
    return datetime.combine(day, clock, tzinfo=OFFICE_TZ)


# --- convening --------------------------------------------------------------------------

def convene_form() -> meetings.MeetingInput | None:
    tomorrow = to_office(now_utc()).date() + timedelta(days=1)
    default_title = t("meeting_page.default_title")
    if chosen_items:
        default_title = t("meeting_page.title_for_item",
                          item=inside_quotes(open_items[chosen_items[0]].split(" ", 1)[1]))
    with st.form("meetings_convene_form"):
        title = st.text_input(t("meeting_page.title"), value=default_title,
                              key="meetings_title")
        day_col, start_col, end_col = st.columns(3)
        day = day_col.date_input(t("meeting_page.date"), value=tomorrow, format="YYYY-MM-DD",
                                 key="meetings_day")
        start = start_col.time_input(t("meeting_page.start"), value=time(15, 0), step=900,
                                     key="meetings_start")
        end = end_col.time_input(t("meeting_page.end"), value=time(16, 0), step=900,
                                 key="meetings_end")
        venue = st.text_input(t("meeting_page.venue"), key="meetings_venue")
        online = st.text_input(t("meeting_page.online_room"), key="meetings_online")
        agenda = st.text_area(t("meeting_page.agenda"), key="meetings_agenda")
        items = st.multiselect(t("meeting_page.items"), list(open_items), default=chosen_items,
                               format_func=open_items.get, key="meetings_items",
                               placeholder=t("opinion_page.none"))
        units = st.multiselect(t("meeting_page.units"), list(unit_names), default=default_units,
                               format_func=unit_names.get, key="meetings_units",
                               placeholder=t("opinion_page.none"),
                               help=t("meeting_page.units_help"))
        user_ids = st.multiselect(t("meeting_page.people"), list(people), default=default_people,
                                  format_func=people.get, key="meetings_people",
                                  placeholder=t("opinion_page.none"))
        guests = st.text_input(t("meeting_page.guests"), help=t("event_page.people_help"),
                               key="meetings_guests")
        if not st.form_submit_button(t("meeting_page.check_and_convene"), type="primary"):
            return None
    return meetings.MeetingInput(title=title, starts_at=when(day, start), ends_at=when(day, end),
                                 agenda=agenda, venue=venue, online_room=online,
                                 opinion_ids=items, unit_ids=units, user_ids=user_ids,
                                 guests=guests)


def convene(data: meetings.MeetingInput) -> None:
    meeting = ui.run_action(lambda s, a: meetings.convene(s, actor=a, data=data))
    if meeting is not None:
        st.session_state.pop(PENDING_KEY, None)
        st.session_state.pop(FROM_OPINIONS_KEY, None)
        select_meeting(meeting.id)
        st.success(t("meeting_page.convened", title=ui.escape_md(meeting.title)))


def convene_section() -> None:
    with st.expander(t("meeting_page.convene_header"), expanded=bool(chosen_items)):
        submitted = convene_form()
    if submitted is not None:
        warnings = ui.run_public(lambda s: meetings.check_booking(s, submitted))
        if warnings == []:
            convene(submitted)
        elif warnings:
            st.session_state[PENDING_KEY] = ("convene", submitted, warnings)
    pending_confirmation("convene", convene)


def pending_confirmation(kind: str, save) -> None:
    pending = st.session_state.get(PENDING_KEY)
    if pending is None or pending[0] != kind:
        return
    _, data, warnings = pending
    for message in warnings:
        st.warning(ui.escape_md(message))
    confirm_col, back_col = st.columns(2)
    if confirm_col.button(t("meeting_page.save_anyway"), key=f"meetings_confirm_{kind}",
                          type="primary"):
        save(data)
    if back_col.button(t("meeting_page.change"), key=f"meetings_back_{kind}"):
        st.session_state.pop(PENDING_KEY, None)
        st.rerun()


# --- one meeting ------------------------------------------------------------------------

def meeting_detail(meeting_id: int) -> None:
    with ui.db_session() as session:
        meeting = meetings.get_meeting(session, meeting_id)
        attendees = meetings.attendees(session, meeting_id)
        units = [unit_names.get(u, str(u)) for u in meetings.unit_ids_of(session, meeting_id)]
        items = meetings.opinion_ids_of(session, meeting_id)
        actions = meetings.actions_of(session, meeting_id)
    show_meeting(meeting, attendees, units, items)
    downloads(meeting)
    steps = meetings.allowed_steps(meeting)
    if is_office and meetings.Step.RESCHEDULE in steps:
        reschedule_section(meeting)
    if is_office and meetings.Step.INVITE_MORE in steps:
        invite_more_form(meeting)
    if is_office and meetings.Step.CANCEL in steps:
        cancel_form(meeting)
    if is_office and meetings.Step.MINUTES in steps:
        minutes_form(meeting)
    if actions:
        action_list(actions)


def show_meeting(meeting, attendees, units: list[str], items: list[int]) -> None:
    st.subheader(ui.escape_md(meeting.title))
    # iCalendar SEQUENCE counts from 0; people count versions from 1.
    st.markdown(t("meeting_page.detail", status=ui.label("meeting.status", meeting.status),
                  time=f"{format_office(meeting.starts_at)}–{format_office(meeting.ends_at)[11:]}",
                  place=ui.escape_md(meeting.venue or meeting.online_room),
                  sequence=meeting.sequence + 1))
    st.markdown(t("meeting_page.units_line", units=ui.escape_md("、".join(units) or "—")))
    st.markdown(t("meeting_page.people_line",
                  people=ui.escape_md("、".join(a.name for a in attendees) or "—")))
    if items:
        st.markdown(t("meeting_page.items_line", items="、".join(f"#{i}" for i in items)))
    if meeting.agenda:
        st.text(meeting.agenda)
    if meeting.cancel_reason:
        st.warning(t("meeting_page.cancelled", reason=ui.escape_md(meeting.cancel_reason)))


def downloads(meeting) -> None:
    invite_col, notice_col, mail_col = st.columns(3)
    # The files are built and audited only when clicked (see downloads.py).
    if ui.run_action(lambda s, a: meetings.may_view(s, a, meeting.id)):
        invite_col.download_button(
            t("meeting_page.download_invite"), mime="text/calendar",
            data=download_files.on_click(
                lambda s, a: meetings.invite_file(s, meeting.id, actor=a)),
            file_name=meetings.invite_file_name(meeting),
            key=f"meetings_invite_{meeting.id}_{meeting.sequence}")
        if meeting.status != MeetingStatus.CANCELLED:
            notice_col.download_button(
                t("meeting_page.download_notice"), mime=download_files.DOCX_MIME,
                data=download_files.on_click(
                    lambda s, a: meetings.notice_docx(s, meeting.id, actor=a)),
                file_name=meetings.notice_filename(meeting),
                key=f"meetings_notice_{meeting.id}_{meeting.sequence}")
    mail_ready = ui.run_public(lambda s: get_mail_settings().configured)
    if is_office and mail_ready and mail_col.button(t("meeting_page.send_invites"),
                                                    key=f"meetings_send_{meeting.id}"):
        result = ui.run_action(lambda s, a: mail_invites.send_invites(s, actor=a,
                                                                      meeting_id=meeting.id))
        if result is not None:
            st.success(t("meeting_page.sent", count=len(result.sent_to),
                         missing=ui.escape_md("、".join(result.without_email) or "—")))
    elif is_office and not mail_ready:
        mail_col.caption(t("meeting_page.mail_off"))


def reschedule_section(meeting) -> None:
    start, end = to_office(meeting.starts_at), to_office(meeting.ends_at)
    with st.expander(t("meeting_page.reschedule_header")):
        with st.form(f"meetings_reschedule_{meeting.id}"):
            day = st.date_input(t("meeting_page.date"), value=start.date(), format="YYYY-MM-DD",
                                key="meetings_new_day")
            start_col, end_col = st.columns(2)
            new_start = start_col.time_input(t("meeting_page.start"), value=start.time(),
                                             step=900, key="meetings_new_start")
            new_end = end_col.time_input(t("meeting_page.end"), value=end.time(), step=900,
                                         key="meetings_new_end")
            venue = st.text_input(t("meeting_page.venue"), value=meeting.venue,
                                  key="meetings_new_venue")
            submitted = st.form_submit_button(t("meeting_page.reschedule"))
    if submitted:
        change = (meeting.id, when(day, new_start), when(day, new_end), venue)
        warnings = ui.run_public(lambda s: meetings.check_reschedule(
            s, meeting_id=meeting.id, starts_at=change[1], ends_at=change[2]))
        if warnings == []:
            reschedule(change)
        elif warnings:
            st.session_state[PENDING_KEY] = ("reschedule", change, warnings)
    pending_confirmation("reschedule", reschedule)


def reschedule(change) -> None:
    meeting_id, starts_at, ends_at, venue = change
    moved = ui.run_action(lambda s, a: meetings.reschedule(
        s, actor=a, meeting_id=meeting_id, starts_at=starts_at, ends_at=ends_at, venue=venue))
    if moved is not None:
        st.session_state.pop(PENDING_KEY, None)
        st.success(t("meeting_page.rescheduled", sequence=moved.sequence + 1))


def invite_more_form(meeting) -> None:
    with st.expander(t("meeting_page.invite_more_header")):
        with st.form(f"meetings_more_{meeting.id}"):
            units = st.multiselect(t("meeting_page.units"), list(unit_names),
                                   format_func=unit_names.get, key="meetings_more_units",
                                   placeholder=t("opinion_page.none"))
            user_ids = st.multiselect(t("meeting_page.people"), list(people),
                                      format_func=people.get, key="meetings_more_people",
                                      placeholder=t("opinion_page.none"))
            guests = st.text_input(t("meeting_page.guests"), key="meetings_more_guests")
            submitted = st.form_submit_button(t("meeting_page.invite_more"))
    if submitted and ui.run_action(lambda s, a: meetings.invite_more(
            s, actor=a, meeting_id=meeting.id, unit_ids=units, user_ids=user_ids,
            guests=guests)):
        st.rerun()


def cancel_form(meeting) -> None:
    with st.expander(t("meeting_page.cancel_header")):
        with st.form(f"meetings_cancel_{meeting.id}"):
            reason = st.text_input(t("meeting_page.cancel_reason"), key="meetings_cancel_reason")
            submitted = st.form_submit_button(t("meeting_page.cancel"))
    if submitted and ui.run_action(lambda s, a: meetings.cancel(s, actor=a, meeting_id=meeting.id,
                                                                reason=reason)):
        st.rerun()


def minutes_form(meeting) -> None:
    rows = st.session_state.setdefault(ACTION_ROWS_KEY, 3)
    due_default = to_office(meeting.starts_at).date() + timedelta(days=7)
    with st.expander(t("meeting_page.minutes_header")):
        if st.button(t("meeting_page.more_rows"), key="meetings_more_rows"):
            st.session_state[ACTION_ROWS_KEY] = rows + 1
            st.rerun()
        with st.form(f"meetings_minutes_{meeting.id}"):
            summary = st.text_area(t("meeting_page.minutes_summary"), key="meetings_summary")
            decisions = st.text_area(t("meeting_page.decisions"), key="meetings_decisions",
                                     help=t("meeting_page.decisions_help"))
            actions = [action_row(n, due_default) for n in range(rows)]
            submitted = st.form_submit_button(t("meeting_page.save_minutes"), type="primary")
    if submitted:
        wanted = [a for a in actions if a.task.strip()]
        draft = ui.run_action(lambda s, a: meetings.record_minutes(
            s, actor=a, meeting_id=meeting.id, summary=summary,
            decisions=decisions.splitlines(), actions=wanted))
        if draft is not None:
            st.session_state["drafts_selected"] = draft.id
            st.success(t("meeting_page.minutes_saved",
                         title=ui.escape_md(inside_quotes(draft.title)),
                         count=len(wanted)))


def action_row(n: int, due_default) -> meetings.ActionInput:
    st.markdown(t("meeting_page.action_n", n=n + 1))
    task_col, unit_col, owner_col, due_col = st.columns([4, 3, 2, 2])
    task = task_col.text_input(t("meeting_page.action_task"), key=f"meetings_task_{n}")
    unit_id = unit_col.selectbox(t("meeting_page.action_unit"), list(unit_names),
                                 format_func=unit_names.get, key=f"meetings_task_unit_{n}")
    owner = owner_col.selectbox(t("meeting_page.action_owner"), [None, *people],
                                format_func=lambda u: people.get(u, "—"),
                                key=f"meetings_task_owner_{n}")
    due = due_col.date_input(t("meeting_page.action_due"), value=due_default,
                             format="YYYY-MM-DD", key=f"meetings_task_due_{n}")
    return meetings.ActionInput(task=task, unit_id=unit_id, owner_id=owner,
                                due_at=when(due, time(18, 0)))


def action_list(actions) -> None:
    st.markdown(f"**{t('meeting_page.actions_header')}**")
    for action in actions:
        text_col, button_col = st.columns([5, 1])
        text_col.markdown(t("meeting_page.action_item", task=ui.escape_md(action.task),
                            unit=ui.escape_md(unit_names.get(action.unit_id, "—")),
                            owner=ui.escape_md(action.owner_name or "—"),
                            due=format_office(action.due_at)[:10],
                            status=ui.label("meeting.action_status", action.status)))
        if action.status == ActionItemStatus.OPEN and button_col.button(
                t("meeting_page.close_action"), key=f"meetings_close_{action.id}"):
            if ui.run_action(lambda s, a: meetings.close_action(s, actor=a, action_id=action.id)):
                st.rerun()


# --- the page ---------------------------------------------------------------------------

if is_office:
    convene_section()
    st.divider()

with ui.db_session() as session:
    rows = meetings.list_meetings(session)
if not rows:
    st.info(t("meeting_page.none"))
    st.stop()

st.subheader(t("meeting_page.list_header"))
st.dataframe([{t("meeting_page.col_time"): format_office(m.starts_at),
               t("meeting_page.col_title"): m.title,
               t("meeting_page.col_place"): m.venue or m.online_room,
               t("meeting_page.col_status"): ui.label("meeting.status", m.status)} for m in rows],
             hide_index=True, width="stretch")
ids = [m.id for m in rows]
names = {m.id: f"{format_office(m.starts_at)} · {m.title}" for m in rows}
selected = st.session_state.get(SELECTED_KEY)
meeting_id = st.selectbox(t("meeting_page.select"), ids, format_func=names.get,
                          index=ids.index(selected) if selected in ids else 0,
                          key="meetings_select_box")
st.session_state[SELECTED_KEY] = meeting_id
meeting_detail(meeting_id)
