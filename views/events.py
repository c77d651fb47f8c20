"""新闻发布活动: book an event, find it in the list, and take it through its working cycle
(批准, 预告, 举行, 归档, 取消, 延期) with its media, documents, files and calendar invite."""

import importlib.util
from datetime import date, datetime, time, timedelta

import streamlit as st

import downloads
import ui
from planner import timeutil
from planner.config import get_settings
from planner.filenames import format_size
from planner.i18n import inside_quotes, t
from planner.models import EventKind, EventStatus, MediaInviteStatus, Role
from planner.services import event_files, event_flow, events, media, planned_media
from planner.timeutil import OFFICE_TZ, format_office, to_office
from widgets import booking_issues

SELECTED_KEY = "events_selected"          # the supervision board sets it too
SELECT_BOX_KEY = "events_select_box"
SHOWN_KEY = "events_shown"                # the event the list's selectbox showed last run
PENDING_KEY = "events_pending"            # (kind, event id or None, data, issues)
PAGE_KEY = "events_page_number"
TAB_KEY = "events_detail_tab"             # the detail tab shown, kept across reruns
TABS = ("basics", "status", "media", "documents", "files", "invite")
DRAFT_LIMIT = events.CHOICE_LIMIT

st.title(t("nav.events"))

is_organiser = ui.signed_in_has_role(Role.SPOKESPERSON) or ui.signed_in_has_role(
    Role.GENERAL_OFFICE)
# The clock is read once per run, through planner.timeutil so a test can freeze it; the
# services take it as `now`.
now = timeutil.now_utc()


def when(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=OFFICE_TZ)


def select_event(event_id: int) -> None:
    """Show `event_id` below; event_list moves the selectbox to it on the next run."""
    st.session_state[SELECTED_KEY] = event_id


def times_key(event) -> str:
    """Widget-key suffix from the event's stored times.

    A widget shows the value stored under its key in st.session_state and ignores a new
    `value`, so the time widgets of the edit and 延期 forms would go on showing the times
    from before an edit or a 延期. A new key after such a change starts them from the new
    times.
    """
    start, end = to_office(event.starts_at), to_office(event.ends_at)
    return f"{event.id}_{start:%Y%m%d%H%M}_{end:%Y%m%d%H%M}"


# --- the booking and edit form ----------------------------------------------------------

def event_form(prefix: str, current: events.EventInput | None, event_id: int | None,
               submit_label: str) -> events.EventInput | None:
    """The fields of an event; returns the input when the form is submitted."""
    with ui.db_session() as session:
        policy_titles, found_drafts = events.link_choices(
            session, actor=ui.current_actor(session), event_id=event_id)
    draft_titles = {d.id: f"{ui.label('draft.kind', d.kind)} · {d.title}"
                    for d in found_drafts.values()}
    tomorrow = to_office(now).date() + timedelta(days=1)
    start = to_office(current.starts_at) if current else when(tomorrow, time(10, 0))
    end = to_office(current.ends_at) if current else when(tomorrow, time(11, 0))
    value = (lambda name: getattr(current, name)) if current else (lambda name: "")

    with st.form(f"{prefix}_form"):
        kinds = list(EventKind)
        kind = st.selectbox(t("event_page.kind"), kinds,
                            index=kinds.index(EventKind(current.kind)) if current else 0,
                            format_func=lambda code: ui.label("event.kind", code),
                            key=f"{prefix}_kind")
        topic = st.text_input(t("event_page.topic"), value=value("topic"), key=f"{prefix}_topic")
        day = st.date_input(t("event_page.date"), value=start.date(), format="YYYY-MM-DD",
                            key=f"{prefix}_day")
        start_col, end_col = st.columns(2)
        start_time = start_col.time_input(t("event_page.start"), value=start.time(), step=900,
                                          key=f"{prefix}_start")
        end_time = end_col.time_input(t("event_page.end"), value=end.time(), step=900,
                                      key=f"{prefix}_end")
        venue_col, room_col = st.columns(2)
        venue = venue_col.text_input(t("event_page.venue"), value=value("venue"),
                                     key=f"{prefix}_venue")
        room = room_col.text_input(t("event_page.online_room"), value=value("online_room"),
                                   key=f"{prefix}_room")
        speaker_col, host_col = st.columns(2)
        spokespeople = speaker_col.text_input(t("event_page.spokespeople"),
                                              value=value("spokespeople"),
                                              help=t("event_page.people_help"),
                                              key=f"{prefix}_spokespeople")
        host = host_col.text_input(t("event_page.host"), value=value("host"),
                                   help=t("event_page.people_help"), key=f"{prefix}_host")
        guest_col, expert_col = st.columns(2)
        guests = guest_col.text_area(t("event_page2.guests"), value=value("guests"),
                                     help=t("event_page2.guests_help"), height=90,
                                     key=f"{prefix}_guests")
        experts = expert_col.text_area(t("event_page2.experts"), value=value("experts"),
                                       help=t("event_page2.guests_help"), height=90,
                                       key=f"{prefix}_experts")
        channel = st.text_input(t("event_page2.question_channel"),
                                value=value("question_channel"),
                                help=t("event_page2.question_channel_help"),
                                key=f"{prefix}_channel")
        invited = st.text_area(t("event_page3.planned_media"), value=value("invited_media"),
                               height=68, help=t("event_page3.planned_media_help"),
                               key=f"{prefix}_media")
        agenda = st.text_area(t("event_page.agenda"), value=value("agenda"), height=100,
                              key=f"{prefix}_agenda")
        policy_ids = [None, *policy_titles]
        policy_id = st.selectbox(
            t("event_page.policy"), policy_ids,
            index=policy_ids.index(current.policy_id) if current and current.policy_id
            in policy_ids else 0,
            format_func=lambda pid: policy_titles.get(pid, t("event_page.none")),
            key=f"{prefix}_policy")
        draft_ids = st.multiselect(
            t("event_page.drafts"), list(draft_titles), format_func=draft_titles.get,
            default=[d for d in (current.draft_ids if current else []) if d in draft_titles],
            help=t("event_page2.drafts_help", limit=DRAFT_LIMIT), key=f"{prefix}_drafts")
        if not st.form_submit_button(submit_label, type="primary"):
            return None
    return events.EventInput(
        kind=kind, topic=topic, starts_at=when(day, start_time), ends_at=when(day, end_time),
        venue=venue, online_room=room, spokespeople=spokespeople, host=host,
        invited_media=invited, agenda=agenda, policy_id=policy_id, draft_ids=draft_ids,
        guests=guests, experts=experts, question_channel=channel)


def check_then_save(kind: str, event_id: int | None, data: events.EventInput) -> None:
    """Save at once when the booking raises no warning; else keep it for a confirmation."""
    issues = ui.run_public(lambda s: events.check_booking(s, data, exclude_id=event_id,
                                                          now=now))
    if issues == []:
        save(kind, event_id, data)
    elif issues:
        st.session_state[PENDING_KEY] = (kind, event_id, data, issues)


def save(kind: str, event_id: int | None, data: events.EventInput) -> None:
    if kind == "create":
        saved = ui.run_action(lambda s, a: events.create_event(s, actor=a, data=data))
    else:
        saved = ui.run_action(lambda s, a: events.update_event(s, actor=a, event_id=event_id,
                                                               data=data))
    if saved is None:
        return
    st.session_state.pop(PENDING_KEY, None)
    select_event(saved.id)
    ui.flash(t("event_page.saved" if kind == "create" else "event_page2.updated",
               topic=ui.escape_md(saved.topic)))
    st.rerun()


def pending_confirmation(kind: str, event_id: int | None) -> None:
    pending = st.session_state.get(PENDING_KEY)
    if pending is None or pending[:2] != (kind, event_id):
        return
    _, _, data, issues = pending
    booking_issues.show(issues)
    confirm_col, back_col = st.columns(2)
    if confirm_col.button(t("event_page.save_anyway"), key=f"events_confirm_{kind}",
                          type="primary"):
        save(kind, event_id, data)
    if back_col.button(t("event_page.change_booking"), key=f"events_back_{kind}"):
        st.session_state.pop(PENDING_KEY, None)
        st.rerun()


def booking_section(expanded: bool) -> None:
    with st.expander(t("event_page.book_header"), expanded=expanded):
        submitted = event_form("events_new", None, None, t("event_page.check_and_save"))
    if submitted is not None:
        check_then_save("create", None, submitted)
    pending_confirmation("create", None)


# --- the list ---------------------------------------------------------------------------

def list_filters() -> events.EventFilter:
    kind_col, status_col = st.columns(2)
    kinds = kind_col.multiselect(t("event_page2.filter_kind"), list(EventKind),
                                 format_func=lambda code: ui.label("event.kind", code),
                                 placeholder=t("event_page2.all"), key="events_filter_kind")
    statuses = status_col.multiselect(t("event_page2.filter_status"), list(EventStatus),
                                      format_func=lambda code: ui.label("event.status", code),
                                      placeholder=t("event_page2.all"),
                                      key="events_filter_status")
    from_col, to_col, text_col = st.columns([1, 1, 2])
    date_from = from_col.date_input(t("event_page2.filter_from"), value=None,
                                    format="YYYY-MM-DD", key="events_filter_from")
    date_to = to_col.date_input(t("event_page2.filter_to"), value=None, format="YYYY-MM-DD",
                                key="events_filter_to")
    text = text_col.text_input(t("event_page2.filter_text"), key="events_filter_text",
                               help=t("event_page2.filter_text_help"))
    return events.EventFilter(kinds=tuple(kinds), statuses=tuple(statuses),
                              date_from=date_from, date_to=date_to, text=text)


def event_list(filters: events.EventFilter) -> int | None:
    """Show one page of the list; return the event to show below it."""
    page_number = st.session_state.get(PAGE_KEY, 1)
    with ui.db_session() as session:
        found = events.search_events(session, filters=filters, page=page_number)
    if found.total == 0:
        st.info(t("event_page2.none_found"))
        return st.session_state.get(SELECTED_KEY)

    st.dataframe(
        [{t("event_page.col_time"): format_office(row.starts_at),
          t("event_page.col_kind"): ui.label("event.kind", row.kind),
          t("event_page.col_topic"): row.topic,
          t("event_page.col_place"): row.venue or row.online_room,
          t("event_page.col_spokespeople"): "、".join(
              person.name for person in events.parse_people(row.spokespeople)),
          t("event_page.col_status"): ui.label("event.status", row.status)}
         for row in found.rows], hide_index=True, width="stretch")
    if st.session_state.get(PAGE_KEY, 1) != found.page:
        # The filters left fewer pages than the one shown: show the last one instead.
        st.session_state[PAGE_KEY] = found.page
    page_col, count_col = st.columns([1, 3])
    page_col.number_input(t("event_page2.page"), min_value=1, max_value=found.pages, step=1,
                          key=PAGE_KEY)
    count_col.caption(t("event_page2.count", total=found.total, page=found.page,
                        pages=found.pages))

    labels = {row.id: option_label(row) for row in found.rows}
    selected = st.session_state.get(SELECTED_KEY)
    if selected is not None and selected not in labels:
        # Chosen on the supervision board, or before the filters changed: keep it offered.
        chosen = ui.run_public(lambda s: events.get_event(s, selected))
        if chosen is not None:
            labels = {chosen.id: option_label(chosen), **labels}
    ids = list(labels)
    sync_select_box(selected, ids)
    event_id = st.selectbox(t("event_page.select"), ids, format_func=labels.get,
                            key=SELECT_BOX_KEY)
    st.session_state[SELECTED_KEY] = st.session_state[SHOWN_KEY] = event_id
    return event_id


def option_label(event) -> str:
    """Label an event in the selectbox with its time, topic, status and 编号.

    Streamlit 1.67 maps a selectbox's choice back to an option through the option's label,
    so two options with one label always resolve to the first. Events at the same time with
    the same topic (one booked again after a 取消) therefore need the status and 编号.
    """
    return t("event_page.select_option", time=format_office(event.starts_at), topic=event.topic,
             status=ui.label("event.status", event.status), id=event.id)


def sync_select_box(selected: int | None, ids: list[int]) -> None:
    """Move the selectbox to `selected` when something other than the selectbox chose it
    (a booking, the supervision board), or when its choice is no longer listed.

    A keyed selectbox keeps its ID when its `index` changes, so the browser would go on
    showing and sending its old choice. A value written to st.session_state before the
    widget runs is sent to the browser and replaces that choice.
    """
    chosen_elsewhere = selected != st.session_state.get(SHOWN_KEY)
    if chosen_elsewhere and selected in ids:
        st.session_state[SELECT_BOX_KEY] = selected
    elif st.session_state.get(SELECT_BOX_KEY) not in ids:
        st.session_state[SELECT_BOX_KEY] = selected if selected in ids else ids[0]


# --- one event: 基本信息 ----------------------------------------------------------------

def basics_tab(event, data: events.EventInput) -> None:
    if event.status in events.EDITABLE:
        with ui.db_session() as session:
            issues = events.check_event(session, event.id, now=now)
        booking_issues.show(issues)
    people = events.people_on(event)
    st.markdown(t("event_page2.people_line", people=ui.escape_md("、".join(
        f"{p.name}（{t(f'event_flow.role.{p.role}')}{'，' + p.title if p.title else ''}）"
        for p in people) or "—")))
    if event.agenda:
        st.text(event.agenda)
    if not is_organiser:
        return
    if event.status not in events.EDITABLE:
        st.caption(t("event_page2.not_editable", status=ui.label("event.status",
                                                                 event.status)))
        return
    with st.expander(t("event_page2.edit_header")):
        submitted = event_form(f"events_edit_{times_key(event)}", data, event.id,
                               t("event_page2.check_and_update"))
    if submitted is not None:
        check_then_save("update", event.id, submitted)
    pending_confirmation("update", event.id)


# --- 状态 ---------------------------------------------------------------------------------

def status_tab(event) -> None:
    with ui.db_session() as session:
        actor = ui.current_actor(session)
        actions = event_flow.available_actions(session, actor=actor, event_id=event.id, now=now)
        blocked = event_flow.blocked_actions(session, actor=actor, event_id=event.id, now=now)
        followups = event_flow.followups(session, event.id)
        history = event_flow.history(session, event.id)
        closed = event_flow.closure(session, event)
        approvers = event_flow.approvers(session, event)

    # iCalendar SEQUENCE counts from 0; people count versions from 1.
    st.markdown(t("event_page2.status_line", status=ui.label("event.status", event.status),
                  sequence=event.sequence + 1))
    if closed is not None:
        closure_lines(closed)
    elif event.status == EventStatus.HELD:
        followup_lines(followups)
    if event.status == EventStatus.PLANNING and event_flow.Action.APPROVE not in actions:
        st.info(t("event_page3.approval_needed", names=ui.escape_md(
            "、".join(person.display_name for person in approvers)
            or t("event_page3.no_approver"))))
    for step in blocked:      # why a step the status offers is missing below
        st.info(ui.escape_md(step.reason))
    if closed is None:
        step_buttons(event, actions, followups)
    if history:
        st.markdown(f"**{t('event_page2.history')}**")
        st.dataframe([{t("event_page2.col_at"): format_office(row.at),
                       t("event_page2.col_action"): t(f"event_flow.action.{row.action}"),
                       t("event_page2.col_status"): status_change(row.from_status,
                                                                  row.to_status),
                       t("event_page2.col_times"): row.change,
                       t("event_page2.col_reason"): row.reason,
                       t("event_page2.col_actor"): row.actor_name} for row in history],
                     hide_index=True, width="stretch")


def status_change(before: str | None, after: str | None) -> str:
    """Show "策划中 → 已批准" for a transition, the status once for a row that kept it."""
    labels = list(dict.fromkeys(ui.label("event.status", s) for s in (before, after) if s))
    return " → ".join(labels) or "—"


def closure_lines(closed: event_flow.Closure) -> None:
    """Show that a cancelled or archived event is closed, with the time, the person and the
    reason, in place of the step buttons."""
    when_by = t("event_page3.closed_by", at=format_office(closed.at),
                name=ui.escape_md(closed.actor_name))
    if closed.status == EventStatus.CANCELLED:
        st.warning(t("event_page3.cancelled", when_by=when_by,
                     reason=ui.escape_md(closed.reason) or "—"))
    elif closed.reason:
        st.info(t("event_page3.archived_override", when_by=when_by,
                  reason=ui.escape_md(closed.reason)))
    else:
        st.info(t("event_page3.archived", when_by=when_by))


def followup_lines(followups: list[event_flow.Followup]) -> None:
    for item in followups:
        if not item.required:
            continue
        state = "event_page2.followup_done" if item.released else (
            "event_page2.followup_linked" if item.draft_ids else "event_page2.followup_missing")
        st.markdown(t(state, document=t(f"event_flow.document.{item.document}")))


def step_buttons(event, actions: list[event_flow.Action],
                 followups: list[event_flow.Followup]) -> None:
    if not actions:
        st.caption(t("event_page2.no_steps"))
        return
    one_click = (event_flow.Action.APPROVE, event_flow.Action.ANNOUNCE, event_flow.Action.HOLD)
    simple = [action for action in actions if action in one_click]
    for column, action in zip(st.columns(max(len(simple), 1)), simple):
        if column.button(t(f"event_flow.action.{action}"), key=f"events_step_{action}",
                         type="primary"):
            run_step(event.id, action)
    if event_flow.Action.ARCHIVE in actions:
        archive_form(event, followups)
    if event_flow.Action.POSTPONE in actions:
        postpone_form(event)
    if event_flow.Action.CANCEL in actions:
        cancel_form(event)


def run_step(event_id: int, action: event_flow.Action, **arguments) -> None:
    steps = {event_flow.Action.APPROVE: event_flow.approve,
             event_flow.Action.ANNOUNCE: event_flow.announce,
             event_flow.Action.HOLD: event_flow.hold,
             event_flow.Action.ARCHIVE: event_flow.archive,
             event_flow.Action.CANCEL: event_flow.cancel}
    done = ui.run_action(lambda s, a: steps[action](s, actor=a, event_id=event_id, now=now,
                                                    **arguments))
    if done is not None:
        ui.flash(t("event_page2.step_done", action=t(f"event_flow.action.{action}"),
                   status=ui.label("event.status", done.status)))
        st.rerun()


def archive_form(event, followups: list[event_flow.Followup]) -> None:
    missing = [item for item in followups if item.required and not item.released]
    with st.form(f"events_archive_{event.id}"):
        reason = ""
        if missing:
            st.warning(t("event_page2.archive_missing", items="、".join(
                t(f"event_flow.document.{item.document}") for item in missing)))
            reason = st.text_input(t("event_page2.override_reason"),
                                   key=f"events_archive_reason_{event.id}")
        submitted = st.form_submit_button(t("event_flow.action.archive"))
    if submitted:
        run_step(event.id, event_flow.Action.ARCHIVE, override_reason=reason)


def cancel_form(event) -> None:
    with st.expander(t("event_page2.cancel_header")):
        with st.form(f"events_cancel_{event.id}"):
            reason = st.text_input(t("event_page2.cancel_reason"),
                                   key=f"events_cancel_reason_{event.id}")
            submitted = st.form_submit_button(t("event_page2.cancel_button"))
    if submitted:
        run_step(event.id, event_flow.Action.CANCEL, reason=reason)


def postpone_form(event) -> None:
    start, end = to_office(event.starts_at), to_office(event.ends_at)
    suffix = times_key(event)
    with st.expander(t("event_page2.postpone_header")):
        with st.form(f"events_postpone_{suffix}"):
            day = st.date_input(t("event_page.date"), value=start.date(), format="YYYY-MM-DD",
                                key=f"events_postpone_day_{suffix}")
            start_col, end_col = st.columns(2)
            new_start = start_col.time_input(t("event_page.start"), value=start.time(),
                                             step=900, key=f"events_postpone_start_{suffix}")
            new_end = end_col.time_input(t("event_page.end"), value=end.time(), step=900,
                                         key=f"events_postpone_end_{suffix}")
            reason = st.text_input(t("event_page2.postpone_reason"),
                                   key=f"events_postpone_reason_{suffix}")
            submitted = st.form_submit_button(t("event_page2.postpone_button"))
    if submitted:
        change = (when(day, new_start), when(day, new_end), reason)
        issues = ui.run_public(lambda s: events.check_booking(
            s, moved_input(s, event.id, change[0], change[1]), exclude_id=event.id, now=now))
        if issues == []:
            postpone(event.id, change)
        elif issues:
            st.session_state[PENDING_KEY] = ("postpone", event.id, change, issues)
    pending = st.session_state.get(PENDING_KEY)
    if pending is not None and pending[:2] == ("postpone", event.id):
        booking_issues.show(pending[3])
        confirm_col, back_col = st.columns(2)
        if confirm_col.button(t("event_page2.postpone_anyway"), key="events_confirm_postpone",
                              type="primary"):
            postpone(event.id, pending[2])
        if back_col.button(t("event_page.change_booking"), key="events_back_postpone"):
            st.session_state.pop(PENDING_KEY, None)
            st.rerun()


def moved_input(session, event_id: int, starts_at: datetime,
                ends_at: datetime) -> events.EventInput:
    data = events.input_from_event(session, events.get_event(session, event_id))
    data.starts_at, data.ends_at = starts_at, ends_at
    return data


def postpone(event_id: int, change) -> None:
    starts_at, ends_at, reason = change
    done = ui.run_action(lambda s, a: event_flow.postpone(
        s, actor=a, event_id=event_id, starts_at=starts_at, ends_at=ends_at, reason=reason,
        now=now))
    if done is not None:
        st.session_state.pop(PENDING_KEY, None)
        ui.flash(t("event_page2.postponed", time=format_office(done.starts_at),
                   sequence=done.sequence + 1))
        st.rerun()


# --- 媒体 ---------------------------------------------------------------------------------

def media_tab(event) -> None:
    with ui.db_session() as session:
        actor = ui.current_actor(session)
        invites = media.invites_of(session, actor=actor, event_id=event.id)
        contacts = media.list_contacts(session, actor=actor) if is_organiser else []
        planned = planned_media.planned_outlets(session, event.id)
    if invites:
        st.dataframe([{t("media_page.col_outlet"): row.contact.outlet,
                       t("media_page.col_reporter"): row.contact.reporter,
                       t("media_page.col_phone"): row.contact.phone,
                       t("media_page.col_email"): row.contact.email,
                       t("event_page2.col_invite_status"): ui.label("media.status", row.status),
                       t("event_page2.col_invited_at"): format_office(row.invited_at),
                       t("event_page2.col_answered_at"): format_office(row.answered_at),
                       t("event_page2.col_invited_by"): row.invited_by} for row in invites],
                     hide_index=True, width="stretch")
        confirmed = [row.contact.outlet for row in invites
                     if row.status == MediaInviteStatus.CONFIRMED]
        st.caption(t("event_page2.confirmed_line", count=len(confirmed),
                     outlets="、".join(confirmed) or "—"))
    else:
        st.caption(t("event_page2.no_invites"))
    if invites and invites[0].contact.masked:
        st.caption(t("media_page.masked_note"))
    may_invite = is_organiser and event.status in media.OPEN_EVENT
    planned_media_lines(event, planned, may_invite)
    if not may_invite:
        return
    invite_form(event, contacts, {row.contact.id for row in invites})
    if invites:
        answer_form(event, invites)


def planned_media_lines(event, planned: list[planned_media.PlannedOutlet],
                        may_invite: bool) -> None:
    """List the outlets named in the booking's 邀请媒体 text, each with its invitation state.
    An outlet without a contact gets a button that registers and invites it."""
    if not planned:
        return
    st.markdown(f"**{t('event_page3.planned_header')}**")
    st.caption(t("event_page3.planned_intro"))
    for outlet in planned:
        if outlet.invite_status:
            state = t("event_page3.planned_invited",
                      status=ui.label("media.status", outlet.invite_status))
        elif outlet.contact_ids:
            state = t("event_page3.planned_contact", count=len(outlet.contact_ids))
            if may_invite:
                state += t("event_page3.planned_contact_hint")
        else:
            state = t("event_page3.planned_no_contact")
        name_col, button_col = st.columns([3, 1])
        name_col.markdown(f"{ui.escape_md(outlet.name)}：{state}")
        if may_invite and not outlet.contact_ids and not outlet.invite_status and \
                button_col.button(t("event_page3.register_invite"),
                                  key=f"events_planned_{event.id}_{outlet.name}"):
            register_outlet(event, outlet.name)


def register_outlet(event, outlet: str) -> None:
    done = ui.run_action(lambda s, a: planned_media.register_and_invite(
        s, actor=a, event_id=event.id, outlet=outlet))
    if done is not None:
        ui.flash(t("event_page3.registered", outlet=ui.escape_md(inside_quotes(outlet))))
        st.rerun()


def invite_form(event, contacts: list[media.ContactView], invited: set[int]) -> None:
    choices = {c.id: f"{c.outlet} · {c.reporter or '—'}" for c in contacts
               if c.id not in invited}
    if not contacts:
        st.caption(t("event_page2.no_contacts"))
        return
    if not choices:
        st.caption(t("event_page2.all_invited", count=len(contacts)))
        return
    with st.form(f"events_invite_{event.id}"):
        chosen = st.multiselect(t("event_page2.invite_choose"), list(choices),
                                format_func=choices.get, key=f"events_invite_pick_{event.id}",
                                placeholder=t("event_page2.choose"))
        submitted = st.form_submit_button(t("event_page2.invite_button"))
    if submitted and ui.run_action(lambda s, a: media.invite(s, actor=a, event_id=event.id,
                                                             contact_ids=chosen)):
        ui.flash(t("event_page2.invited", count=len(chosen)))
        st.rerun()


def answer_form(event, invites: list[media.InviteView]) -> None:
    names = {row.contact.id: f"{row.contact.outlet} · {row.contact.reporter or '—'}"
             for row in invites}
    pick_col, confirm_col, decline_col, withdraw_col = st.columns([3, 1, 1, 1])
    contact_id = pick_col.selectbox(t("event_page2.answer_choose"), list(names),
                                    format_func=names.get, key=f"events_answer_{event.id}")
    answers = ((confirm_col, "confirm", media.confirm), (decline_col, "decline", media.decline),
               (withdraw_col, "withdraw", media.withdraw))
    for column, name, call in answers:
        if column.button(t(f"event_page2.media_{name}"), key=f"events_media_{name}"):
            done = ui.run_action(lambda s, a, call=call: call(
                s, actor=a, event_id=event.id, contact_id=contact_id) or True)
            if done:
                st.rerun()


# --- 文档, 附件 and 日历邀请 ------------------------------------------------------------

def documents_tab(event) -> None:
    # widgets.event_documents may be missing from an installation; the tab then shows a note.
    if (importlib.util.find_spec("widgets") is None
            or importlib.util.find_spec("widgets.event_documents") is None):
        st.info(t("event_page2.documents_missing"))
        return
    from widgets import event_documents
    event_documents.render(event.id)


def files_tab(event, may_view: bool) -> None:
    if not may_view:
        st.info(t("event_page2.private_hidden"))
        return
    with ui.db_session() as session:
        found = event_files.list_files(session, actor=ui.current_actor(session),
                                       event_id=event.id)
    for info in found:
        name_col, meta_col, button_col = st.columns([3, 3, 1])
        name_col.markdown(ui.escape_md(info.file_name))
        meta_col.caption(t("event_page2.file_meta", size=format_size(info.size_bytes),
                           who=ui.escape_md(info.uploaded_by),
                           at=format_office(info.uploaded_at)))
        button_col.download_button(
            t("event_page2.download"), key=f"events_file_{info.id}",
            data=downloads.on_click(lambda s, a, i=info.id: event_files.download(
                s, actor=a, attachment_id=i)),
            file_name=info.file_name, mime=info.content_type)
    if not found:
        st.caption(t("event_page2.no_files"))
    if not is_organiser:
        return
    closed = ui.run_public(lambda s: event_files.closed_reason(s, event.id))
    if closed:
        st.caption(closed)
    else:
        upload_form(event, found)


def upload_form(event, found: list[event_files.AttachmentInfo]) -> None:
    # No max_upload_size here: Streamlit's own limit (server.maxUploadSize) is set above
    # upload_max_mb, so an oversize file reaches event_files.attach, which refuses it with
    # a message naming its size and the limit.
    upload = st.file_uploader(t("event_page2.upload"), key=f"events_upload_{event.id}",
                              help=t("event_page2.upload_help",
                                     types="、".join(event_files.allowed_extensions()),
                                     limit_mb=get_settings().upload_max_mb))
    if upload is not None and st.button(t("event_page2.upload_button"),
                                        key=f"events_upload_button_{event.id}"):
        saved = ui.run_action(lambda s, a: event_files.attach(
            s, actor=a, event_id=event.id, file_name=upload.name, data=upload.getvalue()))
        if saved is not None:
            ui.flash(t("event_page2.uploaded", name=ui.escape_md(saved.file_name)))
            st.rerun()
    if found:
        names = {info.id: info.file_name for info in found}
        pick_col, button_col = st.columns([3, 1])
        chosen = pick_col.selectbox(t("event_page2.delete_choose"), list(names),
                                    format_func=names.get, key=f"events_delete_{event.id}")
        if button_col.button(t("event_page2.delete"), key=f"events_delete_button_{event.id}"):
            if ui.run_action(lambda s, a: event_files.delete(s, actor=a, attachment_id=chosen)):
                st.rerun()


def invite_button(event) -> None:
    # The invite is built (and the export audited) only when the button is clicked.
    st.download_button(t("event_page.download_invite"), mime="text/calendar",
                       data=downloads.on_click(lambda s, a: events.invite_file(s, event.id,
                                                                               actor=a)),
                       file_name=events.invite_filename(event),
                       key=f"events_invite_{event.id}_{event.sequence}")


def invite_tab(event, may_view: bool) -> None:
    if not may_view:
        st.info(t("event_page2.private_hidden"))
        return
    invite = ui.run_action(lambda s, a: events.invite_for(s, actor=a, event_id=event.id))
    if invite is None:
        return
    cancelled = event.status == EventStatus.CANCELLED
    st.markdown(t("event_page2.invite_note_cancel" if cancelled else "event_page2.invite_note",
                  sequence=invite.sequence + 1))
    st.markdown(t("event_page2.invite_people", people=ui.escape_md("、".join(
        person.name if person.email else t("event_page2.no_email", name=person.name)
        for person in invite.attendees) or "—")))
    st.caption(t("event_page2.invite_uid", uid=ui.code_md(invite.uid)))


# --- the page ---------------------------------------------------------------------------

def event_detail(event_id: int) -> None:
    with ui.db_session() as session:
        event = events.get_event(session, event_id)
        data = events.input_from_event(session, event)
        may_view = events.may_view_private(session, ui.current_actor(session), event)
    st.subheader(ui.escape_md(event.topic))
    st.markdown(t("event_page2.summary", kind=ui.label("event.kind", event.kind),
                  status=ui.label("event.status", event.status),
                  time=f"{format_office(event.starts_at)}–{format_office(event.ends_at)[11:]}",
                  place=ui.escape_md(event.venue) if event.venue
                  else ui.address_md(event.online_room)))
    if may_view:
        invite_button(event)
    # Unkeyed tabs go back to the first one after a button's rerun. With a key and
    # on_change="rerun", Streamlit 1.67 stores the chosen tab in st.session_state.
    tabs = st.tabs([t(f"event_page2.tab_{name}") for name in TABS], key=TAB_KEY,
                   on_change="rerun")
    with tabs[0]:
        basics_tab(event, data)
    with tabs[1]:
        status_tab(event)
    with tabs[2]:
        media_tab(event)
    with tabs[3]:
        documents_tab(event)
    with tabs[4]:
        files_tab(event, may_view)
    with tabs[5]:
        invite_tab(event, may_view)


with ui.db_session() as session:
    has_events = events.search_events(session, page_size=1).total > 0
if is_organiser:
    booking_section(expanded=not has_events)
    st.divider()

st.subheader(t("event_page.list_header"))
if not has_events:
    st.info(t("event_page.none_booked"))
    st.stop()
chosen_id = event_list(list_filters())
if chosen_id is not None:
    st.divider()
    event_detail(chosen_id)
