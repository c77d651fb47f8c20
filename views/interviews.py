"""在线访谈: the interview plans and their entries, booking an entry as an event, the 预告
of each interview, and the questions the public sends in (网友提问)."""

from datetime import date, datetime, time, timedelta

import streamlit as st

import downloads
import ui
from planner import timeutil
from planner.errors import PlannerError
from planner.i18n import inside_book_marks, inside_quotes, t
from planner.models import Disclosure, EventDocument, EventStatus, QuestionStatus, Role
from planner.services import deadlines, drafts, event_documents, event_flow, interviews, users
from planner.services.interviews import AnswerMode, EntryStatus
from planner.timeutil import OFFICE_TZ, format_office, to_office
from widgets import booking_issues

PLAN_KEY = "interviews_plan"
EVENT_KEY = "interviews_selected_event"          # set here after scheduling
QUESTION_KEY = "interviews_selected_question"    # set by the supervision board
PENDING_KEY = "interviews_pending_schedule"      # (entry id, booking values, issues)

st.title(t("nav.interviews"))
st.caption(t("interview_page.intro"))

# The clock is read once per run, through planner.timeutil, so a test can freeze it.
now = timeutil.now_utc()
is_organiser = (ui.signed_in_has_role(Role.SPOKESPERSON)
                or ui.signed_in_has_role(Role.GENERAL_OFFICE))
with ui.db_session() as session:
    plans = {plan.id: interviews.plan_label(plan) for plan in interviews.list_plans(session)}
    unit_names = {unit.id: unit.name for unit in users.list_units(session)}

wanted_question = st.session_state.pop(QUESTION_KEY, None)
if wanted_question is not None:
    question = ui.run_public(lambda s: interviews.get_question(s, wanted_question))
    if question is not None:
        st.session_state[EVENT_KEY] = question.event_id
        st.session_state.pop("interviews_event_box", None)


def when(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=OFFICE_TZ)


def done(message: str) -> None:
    ui.flash(message)
    st.rerun()


# --- plans -----------------------------------------------------------------------------------

def plan_form(key: str, plan=None) -> interviews.PlanInput | None:
    quarters = [None, 1, 2, 3, 4]
    with st.form(key):
        title = st.text_input(t("interview_page.plan_title"), value=plan.title if plan else "",
                              key=f"{key}_title")
        year_col, quarter_col = st.columns(2)
        year = year_col.number_input(t("interview_page.year"), min_value=interviews.MIN_YEAR,
                                     max_value=interviews.MAX_YEAR, step=1, key=f"{key}_year",
                                     value=plan.year if plan else to_office(now).year)
        quarter = quarter_col.selectbox(
            t("interview_page.quarter"), quarters, key=f"{key}_quarter",
            index=quarters.index(plan.quarter) if plan else 0,
            format_func=lambda q: t("interview_page.annual") if q is None
            else t("interview_page.quarter_n", quarter=q))
        note = st.text_area(t("interview_page.note"), value=plan.note if plan else "",
                            height=68, key=f"{key}_note")
        if not st.form_submit_button(t("interview_page.save_plan"), type="primary"):
            return None
    return interviews.PlanInput(title=title, year=int(year), quarter=quarter, note=note)


def plans_section() -> int | None:
    if is_organiser:
        with st.expander(t("interview_page.new_plan"), expanded=not plans):
            data = plan_form("interviews_new_plan")
        if data is not None:
            plan = ui.run_action(lambda s, a: interviews.create_plan(s, actor=a, data=data))
            if plan is not None:
                st.session_state[PLAN_KEY] = plan.id
                done(t("interview_page.plan_saved", title=ui.escape_md(inside_quotes(plan.title))))
    if not plans:
        st.info(t("interview_page.no_plans"))
        return None
    if st.session_state.get(PLAN_KEY) not in plans:
        st.session_state.pop(PLAN_KEY, None)
    return st.selectbox(t("interview_page.select_plan"), list(plans), format_func=plans.get,
                        key=PLAN_KEY)


def plan_admin(plan) -> None:
    with st.expander(t("interview_page.edit_plan")):
        data = plan_form(f"interviews_edit_plan_{plan.id}", plan)
        if st.button(t("interview_page.delete_plan"), key=f"interviews_delete_plan_{plan.id}"):
            deleted = ui.run_action(lambda s, a: interviews.delete_plan(s, actor=a,
                                                                        plan_id=plan.id) or True)
            if deleted:
                done(t("interview_page.plan_deleted",
                       title=ui.escape_md(inside_quotes(plan.title))))
    if data is not None:
        saved = ui.run_action(lambda s, a: interviews.update_plan(s, actor=a, plan_id=plan.id,
                                                                  data=data))
        if saved is not None:
            done(t("interview_page.plan_saved", title=ui.escape_md(inside_quotes(saved.title))))


# --- entries ---------------------------------------------------------------------------------

def entry_rows(overview: interviews.PlanOverview) -> list[dict]:
    return [{t("interview_page.col_month"): t("interview_page.month", month=row.entry.target_month),
             t("interview_page.col_topic"): row.entry.topic,
             t("interview_page.col_unit"): row.unit_name or "—",
             t("interview_page.col_guests"): "、".join(g.label for g in row.guests) or "—",
             t("interview_page.col_status"): ui.label("interview.entry_status", row.status),
             t("interview_page.col_time"): format_office(row.event.starts_at) if row.event
             else "—",
             t("interview_page.col_overdue"): t("interview.overdue_mark") if row.overdue
             else ""} for row in overview.rows]


def entry_form(key: str, plan, entry=None) -> interviews.EntryInput | None:
    months = interviews.quarter_months(plan.quarter)
    units = [None, *unit_names]
    with st.form(key):
        topic = st.text_input(t("interview_page.topic"), value=entry.topic if entry else "",
                              key=f"{key}_topic")
        month = st.selectbox(t("interview_page.target_month"), months, key=f"{key}_month",
                             index=months.index(entry.target_month) if entry else 0,
                             format_func=lambda m: t("interview_page.month", month=m))
        unit_id = st.selectbox(t("interview_page.unit"), units, key=f"{key}_unit",
                               index=units.index(entry.unit_id)
                               if entry and entry.unit_id in units else 0,
                               format_func=lambda u: unit_names.get(u, t("interview_page.none")))
        guests = st.text_area(t("interview_page.guests"), value=entry.guests if entry else "",
                              help=t("interview_page.guests_help"), key=f"{key}_guests")
        note = st.text_area(t("interview_page.note"), value=entry.note if entry else "",
                            height=68, key=f"{key}_note")
        if not st.form_submit_button(t("interview_page.save_entry"), type="primary"):
            return None
    return interviews.EntryInput(topic=topic, target_month=month, unit_id=unit_id,
                                 guests=guests, note=note)


def entries_section(plan_id: int) -> None:
    with ui.db_session() as session:
        overview = interviews.plan_overview(session, plan_id, now=now)
    plan = overview.plan
    if is_organiser:
        plan_admin(plan)
    st.subheader(t("interview_page.entries_header"))
    if overview.rows:
        st.dataframe(entry_rows(overview), hide_index=True, width="stretch")
        overdue = sum(row.overdue for row in overview.rows)
        if overdue:
            st.warning(t("interview_page.overdue_entries", count=overdue))
    else:
        st.info(t("interview_page.no_entries"))
    if is_organiser:
        with st.expander(t("interview_page.new_entry"), expanded=not overview.rows):
            data = entry_form(f"interviews_new_entry_{plan.id}", plan)
        if data is not None:
            entry = ui.run_action(lambda s, a: interviews.add_entry(s, actor=a, plan_id=plan.id,
                                                                    data=data))
            if entry is not None:
                done(t("interview_page.entry_saved",
                       topic=ui.escape_md(inside_quotes(entry.topic))))
    if overview.rows:
        entry_detail(plan, overview.rows)


def entry_detail(plan, rows: list[interviews.EntryRow]) -> None:
    by_id = {row.entry.id: row for row in rows}
    entry_id = st.selectbox(t("interview_page.select_entry"), list(by_id),
                            key=f"interviews_entry_box_{plan.id}",
                            format_func=lambda i: f"{by_id[i].entry.target_month}月 · "
                                                  f"{by_id[i].entry.topic}")
    row = by_id[entry_id]
    if row.event is not None and row.status != EntryStatus.CANCELLED:
        st.markdown(t("interview_page.entry_booked", time=format_office(row.event.starts_at),
                      status=ui.label("event.status", row.event.status)))
        if st.button(t("interview_page.show_interview"), key=f"interviews_show_{entry_id}"):
            st.session_state[EVENT_KEY] = row.event.id
            st.session_state.pop("interviews_event_box", None)
            st.rerun()
        return
    if not is_organiser:
        return
    with st.expander(t("interview_page.edit_entry")):
        data = entry_form(f"interviews_edit_entry_{entry_id}", plan, row.entry)
        if st.button(t("interview_page.delete_entry"), key=f"interviews_delete_entry_{entry_id}"):
            if ui.run_action(lambda s, a: interviews.delete_entry(s, actor=a, entry_id=entry_id)
                             or True):
                done(t("interview_page.entry_deleted",
                       topic=ui.escape_md(inside_quotes(row.entry.topic))))
    if data is not None:
        saved = ui.run_action(lambda s, a: interviews.update_entry(s, actor=a, entry_id=entry_id,
                                                                   data=data))
        if saved is not None:
            done(t("interview_page.entry_saved", topic=ui.escape_md(inside_quotes(saved.topic))))
    schedule_section(plan, row.entry)


# --- scheduling ------------------------------------------------------------------------------

def schedule_form(plan, entry) -> dict | None:
    first_day = date(plan.year, entry.target_month, 1)
    default_day = max(first_day, to_office(now).date() + timedelta(days=1))
    with st.form(f"interviews_schedule_{entry.id}"):
        st.markdown(t("interview_page.schedule_header",
                      topic=ui.escape_md(inside_quotes(entry.topic))))
        day_col, start_col, end_col = st.columns(3)
        day = day_col.date_input(t("interview_page.date"), value=default_day,
                                 format="YYYY-MM-DD", key=f"interviews_day_{entry.id}")
        start = start_col.time_input(t("interview_page.start"), value=time(10, 0), step=900,
                                     key=f"interviews_start_{entry.id}")
        end = end_col.time_input(t("interview_page.end"), value=time(11, 0), step=900,
                                 key=f"interviews_end_{entry.id}")
        room = st.text_input(t("interview_page.online_room"), key=f"interviews_room_{entry.id}")
        channel = st.text_input(t("interview_page.question_channel"),
                                help=t("interview_page.question_channel_help"),
                                key=f"interviews_channel_{entry.id}")
        spokespeople = st.text_input(t("interview_page.spokespeople"),
                                     help=t("event_page.people_help"),
                                     key=f"interviews_spokespeople_{entry.id}")
        host = st.text_input(t("interview_page.host"), key=f"interviews_host_{entry.id}")
        if not st.form_submit_button(t("interview_page.check_and_schedule"), type="primary"):
            return None
    return {"starts_at": when(day, start), "ends_at": when(day, end), "online_room": room,
            "question_channel": channel, "spokespeople": spokespeople, "host": host}


def schedule(entry_id: int, values: dict) -> None:
    event = ui.run_action(lambda s, a: interviews.schedule_entry(s, actor=a, entry_id=entry_id,
                                                                 **values))
    if event is not None:
        st.session_state.pop(PENDING_KEY, None)
        st.session_state[EVENT_KEY] = event.id
        st.session_state.pop("interviews_event_box", None)
        done(t("interview_page.scheduled", topic=ui.escape_md(inside_quotes(event.topic)),
               time=format_office(event.starts_at)))


def schedule_section(plan, entry) -> None:
    values = schedule_form(plan, entry)
    if values is not None:
        warnings = ui.run_public(lambda s: interviews.check_schedule(
            s, entry_id=entry.id, starts_at=values["starts_at"], ends_at=values["ends_at"],
            online_room=values["online_room"], spokespeople=values["spokespeople"],
            host=values["host"], now=now))
        if warnings == []:
            schedule(entry.id, values)
        elif warnings:
            st.session_state[PENDING_KEY] = (entry.id, values, warnings)

    pending = st.session_state.get(PENDING_KEY)
    if pending is None or pending[0] != entry.id:
        return
    booking_issues.show(pending[2])
    confirm_col, back_col = st.columns(2)
    if confirm_col.button(t("interview_page.schedule_anyway"), type="primary",
                          key=f"interviews_confirm_{entry.id}"):
        schedule(entry.id, pending[1])
    if back_col.button(t("interview_page.change_booking"), key=f"interviews_back_{entry.id}"):
        st.session_state.pop(PENDING_KEY, None)
        st.rerun()


# --- one interview: 预告 and questions -------------------------------------------------------

def interview_section() -> None:
    with ui.db_session() as session:
        found = interviews.interview_events(session)
    st.subheader(t("interview_page.interviews_header"))
    if not found:
        st.info(t("interview_page.no_interviews"))
        return
    labels = {e.id: f"{format_office(e.starts_at)} · {e.topic} · "
                    f"{ui.label('event.status', e.status)}" for e in found}
    ids = list(labels)
    wanted = st.session_state.get(EVENT_KEY)
    event_id = st.selectbox(t("interview_page.select_interview"), ids, format_func=labels.get,
                            index=ids.index(wanted) if wanted in ids else 0,
                            key="interviews_event_box")
    with ui.db_session() as session:
        event = interviews.get_interview(session, event_id)
        guests = interviews.guests_of(event)
        preview = interviews.preview_status(session, event_id, now=now)
        preview_draft = event_documents.document_draft(session, event_id, EventDocument.PREVIEW)
        preview_readable = preview_draft is None or drafts.may_read(
            session, actor=ui.current_actor(session), draft=preview_draft)
        may_draft = event_documents.may_create(session, actor=ui.current_actor(session),
                                               event_id=event_id)
        may_answer = interviews.may_answer(session, actor=ui.current_actor(session),
                                           event_id=event_id)
        rows = interviews.list_questions(session, event_id, now=now)
        announce_error = event_flow.rule_error(
            event, event_flow.Action.ANNOUNCE, actor=ui.current_actor(session), now=now)

    st.markdown(t("interview_page.interview_detail",
                  time=f"{format_office(event.starts_at)}–{format_office(event.ends_at)[11:]}",
                  status=ui.label("event.status", event.status),
                  room=ui.address_md(event.online_room),
                  channel=ui.address_md(event.question_channel),
                  guests=ui.escape_md("、".join(g.label for g in guests) or "—")))
    if st.button(t("interview_page.open_event"), key=f"interviews_open_event_{event_id}"):
        st.session_state["events_selected"] = event_id
        st.switch_page("views/events.py")
    preview_block(event, preview, preview_draft, may_draft, preview_readable, announce_error)
    questions_block(event, guests, rows, may_answer)


def preview_block(event, preview: interviews.PreviewStatus, draft, may_draft: bool,
                  readable: bool, announce_error: PlannerError | None) -> None:
    st.markdown(f"**{t('interview_page.preview_header')}**")
    if event.status in (EventStatus.PLANNING, EventStatus.APPROVED) \
            and announce_error is not None:
        # Said before the preview is due, while the fix is still easy to make.
        st.warning(t("interview_page.announce_blocked",
                     reason=ui.escape_md(announce_error.message)))
    if preview.due is not None:
        status = t(f"deadlines.status.{preview.status}")
        line = t("interview_page.preview_due", due=deadlines.describe_due(preview.due),
                 status=status)
        (st.warning if preview.overdue else st.caption)(
            line + (t("interview_page.preview_overdue") if preview.overdue else ""))
    if draft is not None and not readable:
        # A 不公开 or 依申请公开 预告 this user may not read: neither title nor link.
        st.markdown(t("interview_page.preview_draft",
                      title=t("draft_access.hidden_title",
                              disclosure=ui.label("draft.disclosure", draft.disclosure)),
                      status=ui.label("draft.status", draft.status)))
    elif draft is not None:
        st.markdown(t("interview_page.preview_draft", title=ui.escape_md(draft.title),
                      status=ui.label("draft.status", draft.status)))
        if st.button(t("interview_page.open_preview"), key=f"interviews_open_preview_{event.id}"):
            st.session_state["drafts_selected"] = draft.id
            st.switch_page("views/drafts.py")
    elif may_draft and st.button(t("interview_page.create_preview"),
                                 key=f"interviews_create_preview_{event.id}"):
        created = ui.run_action(lambda s, a: event_documents.create_document(
            s, actor=a, event_id=event.id, role=EventDocument.PREVIEW,
            disclosure=Disclosure.PUBLIC))
        if created is not None:
            done(t("interview_page.preview_created",
                   title=ui.escape_md(inside_book_marks(created.title))))


def question_rows(rows: list[interviews.QuestionRow]) -> list[dict]:
    return [{t("interview.column.number"): row.question.id,
             t("interview.column.asker"): row.question.asker or t("interview.anonymous"),
             t("interview.column.text"): row.question.text,
             t("interview.column.submitted_at"): format_office(row.question.submitted_at),
             t("interview.column.duplicate_of"): str(row.duplicate_of or ""),
             t("interview.column.status"): ui.label("interview.question_status",
                                                    row.question.status),
             t("interview.column.assignee"): row.question.assignee,
             t("interview.column.mode"): ui.label("interview.answer_mode",
                                                  row.question.answer_mode)
             if row.question.answer_mode else "",
             t("interview.column.answer"): row.question.answer,
             t("interview.column.due"): deadlines.describe_due(row.due)
             if row.due else "",
             t("interview.column.overdue"): t("interview.overdue_mark") if row.overdue else ""}
            for row in rows]


def questions_block(event, guests, rows: list[interviews.QuestionRow], may_answer: bool) -> None:
    st.markdown(f"**{t('interview_page.questions_header')}**")
    if is_organiser and event.status in interviews.OPEN_FOR_QUESTIONS:
        register_form(event)
    if not rows:
        st.info(t("interview_page.no_questions"))
        return
    st.dataframe(question_rows(rows), hide_index=True, width="stretch")
    overdue = sum(row.overdue for row in rows)
    if overdue:
        st.warning(t("interview_page.overdue_questions", count=overdue))
    if is_organiser:
        st.download_button(t("interview_page.export"), mime="text/csv",
                           data=downloads.on_click(lambda s, a: interviews.questions_csv(
                               s, actor=a, event_id=event.id)),
                           file_name=interviews.questions_filename(event),
                           key=f"interviews_export_{event.id}")
    open_rows = {row.question.id: row for row in rows
                 if row.question.status in interviews.OPEN_QUESTIONS}
    if open_rows and (is_organiser or may_answer):
        question_actions(event, guests, open_rows, may_answer)


def register_form(event) -> None:
    today = to_office(now)
    with st.expander(t("interview_page.register_header")):
        with st.form(f"interviews_register_{event.id}", clear_on_submit=True):
            asker = st.text_input(t("interview_page.asker"), key=f"interviews_asker_{event.id}")
            text = st.text_area(t("interview_page.question_text"),
                                key=f"interviews_text_{event.id}")
            day_col, clock_col = st.columns(2)
            day = day_col.date_input(t("interview_page.submitted_day"), value=today.date(),
                                     format="YYYY-MM-DD", key=f"interviews_sday_{event.id}")
            clock = clock_col.time_input(t("interview_page.submitted_time"),
                                         value=today.time().replace(second=0, microsecond=0),
                                         key=f"interviews_stime_{event.id}")
            if not st.form_submit_button(t("interview_page.register"), type="primary"):
                return
    result = ui.run_action(lambda s, a: interviews.register_question(
        s, actor=a, event_id=event.id, asker=asker, text=text, submitted_at=when(day, clock),
        now=now))
    if result is None:
        return
    message = t("interview_page.registered", number=result.question.id)
    if result.duplicate_ids:
        message += t("interview_page.duplicate_note",
                     numbers="、".join(str(i) for i in result.duplicate_ids))
    done(message)


def question_actions(event, guests, open_rows: dict, may_answer: bool) -> None:
    question_id = st.selectbox(
        t("interview_page.select_question"), list(open_rows), key=f"interviews_q_box_{event.id}",
        format_func=lambda i: f"#{i} {open_rows[i].question.text[:40]}")
    question = open_rows[question_id].question
    if is_organiser:
        assign_col, decline_col = st.columns(2)
        with assign_col:
            assign_form(question, guests)
        with decline_col:
            decline_form(question)
    if may_answer and question.status == QuestionStatus.ASSIGNED:
        answer_form(event, question)


def assign_form(question, guests) -> None:
    names = [guest.name for guest in guests]
    with st.form(f"interviews_assign_{question.id}"):
        guest = st.selectbox(t("interview_page.assignee"), names,
                             index=names.index(question.assignee)
                             if question.assignee in names else 0,
                             key=f"interviews_guest_{question.id}")
        if not st.form_submit_button(t("interview_page.assign")):
            return
    if ui.run_action(lambda s, a: interviews.assign_question(s, actor=a, question_id=question.id,
                                                             guest=guest or "")):
        done(t("interview_page.assigned", number=question.id, guest=ui.escape_md(guest)))


def decline_form(question) -> None:
    with st.form(f"interviews_decline_{question.id}"):
        reason = st.text_input(t("interview_page.decline_reason"),
                               key=f"interviews_reason_{question.id}")
        if not st.form_submit_button(t("interview_page.decline")):
            return
    if ui.run_action(lambda s, a: interviews.decline_question(
            s, actor=a, question_id=question.id, reason=reason, now=now)):
        done(t("interview_page.declined", number=question.id))


def answer_form(event, question) -> None:
    modes = list(AnswerMode)
    written = event.status in (EventStatus.HELD, EventStatus.ARCHIVED)
    with st.form(f"interviews_answer_{question.id}"):
        st.markdown(t("interview_page.answer_header", number=question.id,
                      guest=ui.escape_md(question.assignee)))
        mode = st.radio(t("interview_page.answer_mode"), modes, horizontal=True,
                        index=modes.index(AnswerMode.WRITTEN if written else AnswerMode.LIVE),
                        format_func=lambda m: ui.label("interview.answer_mode", m),
                        key=f"interviews_mode_{question.id}")
        answer = st.text_area(t("interview_page.answer_text"),
                              key=f"interviews_answer_text_{question.id}")
        if not st.form_submit_button(t("interview_page.save_answer"), type="primary"):
            return
    if ui.run_action(lambda s, a: interviews.answer_question(
            s, actor=a, question_id=question.id, answer=answer, mode=mode, now=now)):
        done(t("interview_page.answered", number=question.id))


# --- the page --------------------------------------------------------------------------------

plan_id = plans_section()
if plan_id is not None:
    entries_section(plan_id)
st.divider()
interview_section()
