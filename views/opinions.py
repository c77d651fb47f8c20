"""政务舆情: the register, entry by hand or from a file, assessment, forwarding, responses,
the units' queue and the monitoring report."""

from datetime import datetime, time

import pandas as pd
import streamlit as st

import downloads
import ui
from planner import opinion_import, reports
from planner.config import get_settings
from planner.i18n import inside_quotes, t
from planner.models import (OpinionNature, OpinionRisk, OpinionSeverity,
                            OpinionSource, OpinionStatus, OpinionTrend, ResponseKind, Role)
from planner.services import opinions, users
from planner.timeutil import OFFICE_TZ, format_office, now_utc, to_office
from widgets import ai_panel

PAGE_SIZE = 50
QUEUE_SIZE = 50           # the oldest first; the rest follow as these get responses
SELECTED_KEY = "opinions_selected"          # also set by the supervision board
PENDING_KEY = "opinions_pending_register"
PREVIEW_KEY = "opinions_import_preview"
REPORT_KEY = "opinions_report"

st.title(t("nav.opinions"))

is_office = ui.signed_in_has_role(Role.GENERAL_OFFICE)
with ui.db_session() as session:
    unit_names = {unit.id: unit.name for unit in users.list_units(session)}


def label(group: str, code: str) -> str:
    return ui.label(f"opinion.{group}", code)


def when(day, clock) -> datetime:
    return datetime.combine(day, clock, tzinfo=OFFICE_TZ)


# --- the register -----------------------------------------------------------------------

def register_view() -> None:
    filters = register_filters()
    page = st.number_input(t("opinion_page.page"), min_value=1, value=1, step=1,
                           key="opinions_page")
    result = ui.run_action(lambda s, a: opinions.list_items(
        s, actor=a, filters=filters, limit=PAGE_SIZE, offset=(int(page) - 1) * PAGE_SIZE))
    if result is None:
        return
    st.caption(t("opinion_page.total", total=result.total, page=int(page),
                 pages=max(1, -(-result.total // PAGE_SIZE))))
    if not result.rows:
        st.info(t("opinion_page.none_found"))
        return
    st.dataframe(item_rows(result.rows), hide_index=True, width="stretch")
    pick_and_show(result.rows, "opinions_pick")


def register_filters() -> opinions.OpinionFilter:
    status_col, severity_col, source_col, unit_col = st.columns(4)
    statuses = status_col.multiselect(t("opinion_page.status"), list(OpinionStatus),
                                      format_func=lambda c: label("status", c),
                                      key="opinions_filter_status",
                                      placeholder=t("opinion_page.all"))
    severities = severity_col.multiselect(t("opinion_page.severity"), list(OpinionSeverity),
                                          format_func=lambda c: label("severity", c),
                                          key="opinions_filter_severity",
                                          placeholder=t("opinion_page.all"))
    sources = source_col.multiselect(t("opinion_page.source"), list(OpinionSource),
                                     format_func=lambda c: label("source", c),
                                     key="opinions_filter_source",
                                     placeholder=t("opinion_page.all"))
    unit_id = unit_col.selectbox(t("opinion_page.unit"), [None, *unit_names],
                                 format_func=lambda u: unit_names.get(u, t("opinion_page.all")),
                                 key="opinions_filter_unit")
    text = st.text_input(t("opinion_page.search"), key="opinions_filter_text")
    return opinions.OpinionFilter(statuses=statuses, severities=severities, sources=sources,
                                  unit_id=unit_id, text=text)


def item_rows(rows) -> list[dict]:
    return [{t("opinion_page.col_id"): item.id,
             t("opinion_page.col_seen"): format_office(item.first_seen_at),
             t("opinion_page.col_source"): label("source", item.source),
             t("opinion_page.col_severity"): label("severity", item.severity),
             t("opinion_page.col_status"): label("status", item.status),
             t("opinion_page.col_summary"): opinions.short_text(item.summary, 40),
             t("opinion_page.col_lead"): unit_names.get(item.lead_unit_id, "—")}
            for item in rows]


def pick_and_show(rows, key: str) -> None:
    ids = [item.id for item in rows]
    names = {item.id: f"#{item.id} {opinions.short_text(item.summary, 40)}" for item in rows}
    wanted = st.session_state.get(SELECTED_KEY)
    if wanted is not None and wanted not in ids:
        ids.insert(0, wanted)
        names[wanted] = f"#{wanted}"
    item_id = st.selectbox(t("opinion_page.select"), ids, format_func=names.get, key=key,
                           index=ids.index(wanted) if wanted in ids else 0)
    st.session_state[SELECTED_KEY] = item_id
    st.divider()
    item_detail(item_id)


# --- one item ---------------------------------------------------------------------------

def item_detail(item_id: int) -> None:
    loaded = ui.run_action(lambda s, a: load_item(s, a, item_id))
    if loaded is None:
        return
    item, forwarded, responses = loaded
    show_item(item, forwarded, responses)
    steps = opinions.allowed_steps(item)
    may_assess = is_office and opinions.Step.ASSESS in steps
    # Drawn before the 研判 form: an accepted AI summary fills the form's note field.
    ai_panel.render_opinion_summary(item, note_key="opinions_assess_note" if may_assess else None)

    if may_assess:
        assess_form(item)
    if is_office and opinions.Step.FORWARD in steps:
        forward_form(item)
    if opinions.Step.RESPOND in steps:
        response_form(item)
    action_buttons(item, steps)


def load_item(session, actor, item_id: int):
    item = opinions.get_visible(session, actor=actor, opinion_id=item_id)
    return item, opinions.forwarded_unit_ids(session, item_id), opinions.responses(session,
                                                                                   item_id)


def show_item(item, forwarded: list[int], responses) -> None:
    st.subheader(t("opinion_page.item_header", id=item.id, status=label("status", item.status)))
    st.text(item.summary)
    st.markdown(t("opinion_page.item_meta", seen=format_office(item.first_seen_at),
                  source=ui.escape_md(opinions.source_label(item)),
                  severity=label("severity", item.severity),
                  category=ui.escape_md(item.category or "—")))
    if item.link:
        # Shown as code so Streamlit neither renders nor auto-links it: an escaped URL
        # would turn into a link to the wrong host.
        st.caption(t("opinion_page.link", link=""))
        st.code(item.link, language=None)
    if item.nature:
        st.markdown(t("opinion_page.assessment", nature=label("nature", item.nature),
                      trend=label("trend", item.trend), risk=label("risk", item.risk)))
    if item.assessment:
        st.text(item.assessment)
    if forwarded:
        names = [unit_names.get(uid, str(uid)) for uid in forwarded]
        st.markdown(t("opinion_page.forwarded", lead=ui.escape_md(names[0]),
                      others=ui.escape_md("、".join(names[1:]) or "—")))
    for response in responses:
        st.markdown(f"- {format_office(response.responded_at)} · "
                    f"{label('response', response.kind)} · {ui.escape_md(response.note)}")


def assess_form(item) -> None:
    with st.expander(t("opinion_page.assess_header"), expanded=item.status == OpinionStatus.NEW):
        with st.form(f"opinions_assess_{item.id}"):
            nature = st.selectbox(t("opinion_page.nature"), list(OpinionNature),
                                  format_func=lambda c: label("nature", c),
                                  key="opinions_assess_nature")
            trend = st.selectbox(t("opinion_page.trend"), list(OpinionTrend),
                                 format_func=lambda c: label("trend", c),
                                 key="opinions_assess_trend")
            risk = st.selectbox(t("opinion_page.risk"), list(OpinionRisk),
                                format_func=lambda c: label("risk", c), key="opinions_assess_risk")
            severity = st.selectbox(t("opinion_page.severity"), list(OpinionSeverity),
                                    index=list(OpinionSeverity).index(item.severity),
                                    format_func=lambda c: label("severity", c),
                                    key="opinions_assess_severity")
            note = st.text_area(t("opinion_page.assess_note"), key="opinions_assess_note")
            submitted = st.form_submit_button(t("opinion_page.assess_save"))
    if submitted:
        data = opinions.AssessmentInput(nature=nature, trend=trend, risk=risk,
                                        severity=severity, note=note)
        if ui.run_action(lambda s, a: opinions.assess(s, actor=a, opinion_id=item.id, data=data)):
            st.rerun()


def forward_form(item) -> None:
    with st.expander(t("opinion_page.forward_header"), expanded=True):
        with st.form(f"opinions_forward_{item.id}"):
            lead = st.selectbox(t("opinion_page.lead_unit"), list(unit_names),
                                format_func=unit_names.get, key="opinions_forward_lead")
            others = st.multiselect(t("opinion_page.other_units"), list(unit_names),
                                    format_func=unit_names.get, key="opinions_forward_others",
                                    placeholder=t("opinion_page.none"))
            submitted = st.form_submit_button(t("opinion_page.forward_save"))
    if submitted:
        if ui.run_action(lambda s, a: opinions.forward(s, actor=a, opinion_id=item.id,
                                                       lead_unit_id=lead,
                                                       other_unit_ids=others)):
            st.rerun()


def response_form(item) -> None:
    with ui.db_session() as session:
        found_drafts, found_events = opinions.response_choices(session, item)
    released = {d.id: d.title for d in found_drafts}
    event_names = {e.id: f"{format_office(e.starts_at)} {e.topic}" for e in found_events}
    with st.expander(t("opinion_page.respond_header")):
        with st.form(f"opinions_respond_{item.id}"):
            kind = st.selectbox(t("opinion_page.response_kind"), list(ResponseKind),
                                format_func=lambda c: label("response", c),
                                key="opinions_respond_kind")
            draft_id = st.selectbox(t("opinion_page.response_draft"), [None, *released],
                                    format_func=lambda d: released.get(d, t("opinion_page.none")),
                                    key="opinions_respond_draft")
            event_id = st.selectbox(t("opinion_page.response_event"), [None, *event_names],
                                    format_func=lambda e: event_names.get(e,
                                                                          t("opinion_page.none")),
                                    key="opinions_respond_event")
            link = st.text_input(t("opinion_page.response_link"), key="opinions_respond_link")
            note = st.text_area(t("opinion_page.response_note"), key="opinions_respond_note")
            submitted = st.form_submit_button(t("opinion_page.respond_save"))
    if submitted:
        data = opinions.ResponseInput(kind=kind, note=note, link=link, draft_id=draft_id,
                                      event_id=event_id)
        if ui.run_action(lambda s, a: opinions.log_response(s, actor=a, opinion_id=item.id,
                                                            data=data)):
            st.rerun()


def action_buttons(item, steps) -> None:
    draft_col, meeting_col, conclude_col = st.columns(3)
    if draft_col.button(t("opinion_page.make_draft"), key=f"opinions_draft_{item.id}"):
        draft = ui.run_action(lambda s, a: opinions.create_response_draft(s, actor=a,
                                                                          opinion_id=item.id))
        if draft is not None:
            st.session_state["drafts_selected"] = draft.id
            st.success(t("opinion_page.draft_made", title=ui.escape_md(draft.title)))
    if is_office and meeting_col.button(t("opinion_page.convene"),
                                        key=f"opinions_convene_{item.id}"):
        st.session_state["meetings_opinion_ids"] = [item.id]
        st.switch_page("views/meetings.py")
    if is_office and opinions.Step.CONCLUDE in steps and conclude_col.button(
            t("opinion_page.conclude"), key=f"opinions_conclude_{item.id}"):
        if ui.run_action(lambda s, a: opinions.conclude(s, actor=a, opinion_id=item.id)):
            st.rerun()
    if is_office and opinions.Step.ARCHIVE in steps:
        archive_form(item)


def archive_form(item) -> None:
    with st.form(f"opinions_archive_{item.id}"):
        note = st.text_input(t("opinion_page.archive_note"), key="opinions_archive_note")
        submitted = st.form_submit_button(t("opinion_page.archive"))
    if submitted and ui.run_action(lambda s, a: opinions.archive(s, actor=a, opinion_id=item.id,
                                                                 note=note)):
        st.rerun()


# --- entry by hand ----------------------------------------------------------------------

def new_view() -> None:
    submitted = entry_form()
    if submitted is not None:
        duplicate = ui.run_public(lambda s: opinions.duplicates(
            s, [opinions.link_key(submitted.link)]))
        if duplicate:
            st.session_state[PENDING_KEY] = (submitted, next(iter(duplicate.values())))
        else:
            save_new(submitted, allow_duplicate=False)

    pending = st.session_state.get(PENDING_KEY)
    if pending is not None:
        data, existing = pending
        st.warning(t("opinion_page.duplicate_warning", id=existing))
        if st.button(t("opinion_page.save_anyway"), key="opinions_save_anyway"):
            save_new(data, allow_duplicate=True)


def entry_form() -> opinions.OpinionInput | None:
    today = to_office(now_utc())
    with st.form("opinions_new_form"):
        source = st.selectbox(t("opinion_page.source"), list(OpinionSource),
                              format_func=lambda c: label("source", c), key="opinions_new_source")
        detail = st.text_input(t("opinion_page.source_detail"), key="opinions_new_detail")
        link = st.text_input(t("opinion_page.link_label"), key="opinions_new_link")
        day_col, clock_col = st.columns(2)
        day = day_col.date_input(t("opinion_page.seen_date"), value=today.date(),
                                 format="YYYY-MM-DD", key="opinions_new_day")
        clock = clock_col.time_input(t("opinion_page.seen_time"),
                                     value=time(today.hour, 0), step=600, key="opinions_new_time")
        summary = st.text_area(t("opinion_page.summary"), key="opinions_new_summary")
        category = st.text_input(t("opinion_page.category"), key="opinions_new_category")
        severity = st.selectbox(t("opinion_page.severity"), list(OpinionSeverity),
                                format_func=lambda c: label("severity", c),
                                key="opinions_new_severity")
        if not st.form_submit_button(t("opinion_page.register"), type="primary"):
            return None
    return opinions.OpinionInput(source=source, source_detail=detail, link=link,
                                 first_seen_at=when(day, clock), summary=summary,
                                 category=category, severity=severity)


def save_new(data: opinions.OpinionInput, *, allow_duplicate: bool) -> None:
    item = ui.run_action(lambda s, a: opinions.register(s, actor=a, data=data,
                                                        allow_duplicate=allow_duplicate))
    if item is not None:
        st.session_state.pop(PENDING_KEY, None)
        st.session_state[SELECTED_KEY] = item.id
        st.success(t("opinion_page.registered", id=item.id))


# --- import -----------------------------------------------------------------------------

def import_view() -> None:
    st.caption(t("opinion_page.import_help"))
    # No type filter: opinion_import names a file of another type and the fix in Chinese.
    upload = st.file_uploader(t("opinion_page.import_file"), key="opinions_import_file",
                              help=t("upload.help", types=".csv、.txt、.xlsx",
                                     limit_mb=get_settings().upload_max_mb))
    if upload is not None and st.button(t("opinion_page.preview"), key="opinions_preview"):
        data = upload.getvalue()
        st.session_state[PREVIEW_KEY] = ui.run_action(lambda s, a: opinion_import.preview(
            s, actor=a, file_name=upload.name, data=data))

    preview = st.session_state.get(PREVIEW_KEY)
    if preview is None:
        return
    st.markdown(t("opinion_page.preview_summary",
                  name=ui.escape_md(inside_quotes(preview.file_name)),
                  encoding=preview.encoding, total=len(preview.rows),
                  ready=len(preview.ready), duplicates=len(preview.duplicates),
                  invalid=len(preview.invalid)))
    st.dataframe([preview_row(row) for row in preview.rows], hide_index=True, width="stretch")
    include = st.checkbox(t("opinion_page.include_duplicates"), key="opinions_include_dup")
    if st.button(t("opinion_page.import"), key="opinions_import", type="primary"):
        result = ui.run_action(lambda s, a: opinion_import.save(
            s, actor=a, preview_result=preview, include_duplicates=include))
        if result is not None:
            st.session_state.pop(PREVIEW_KEY, None)
            st.success(t("opinion_page.imported", count=len(result.saved),
                         skipped=len(result.skipped_lines)))


def preview_row(row: opinion_import.PreviewRow) -> dict:
    if not row.valid:
        state, note = t("opinion_page.row_invalid"), "；".join(row.errors)
    elif row.duplicate_of is not None:
        state, note = t("opinion_page.row_duplicate"), t("opinion_page.dup_register",
                                                         id=row.duplicate_of)
    elif row.duplicate_line is not None:
        state, note = t("opinion_page.row_duplicate"), t("opinion_page.dup_line",
                                                         line=row.duplicate_line)
    else:
        state, note = t("opinion_page.row_ready"), ""
    summary = opinions.short_text(row.data.summary, 40) if row.data else ""
    return {t("opinion_page.col_line"): row.line, t("opinion_page.col_state"): state,
            t("opinion_page.col_summary"): summary, t("opinion_page.col_note"): note}


# --- the units' queue -------------------------------------------------------------------

def queue_view() -> None:
    page = ui.run_action(lambda s, a: opinions.queue_for(s, actor=a, limit=QUEUE_SIZE))
    if not page or not page.rows:
        st.info(t("opinion_page.queue_empty"))
        return
    st.caption(t("opinion_page.queue_total", total=page.total, shown=len(page.rows)))
    st.dataframe(item_rows(page.rows), hide_index=True, width="stretch")
    pick_and_show(page.rows, "opinions_queue_pick")


# --- the monitoring report --------------------------------------------------------------

def report_view() -> None:
    today = to_office(now_utc()).date()
    start_col, end_col = st.columns(2)
    start = start_col.date_input(t("opinion_page.report_start"), value=today.replace(day=1),
                                 format="YYYY-MM-DD", key="opinions_report_start")
    end = end_col.date_input(t("opinion_page.report_end"), value=today, format="YYYY-MM-DD",
                             key="opinions_report_end")
    if st.button(t("opinion_page.report_make"), key="opinions_report_make", type="primary"):
        st.session_state[REPORT_KEY] = ui.run_action(lambda s, a: (
            reports.build(s, actor=a, start=start, end=end), reports.office_unit_name(s, a)))
    made = st.session_state.get(REPORT_KEY)
    if made:
        show_report(*made)


def show_report(report: reports.MonitoringReport, issuer: str) -> None:
    rate = report.on_time_rate
    total_col, serious_col, rate_col = st.columns(3)
    total_col.metric(t("opinion_page.report_total"), report.total)
    serious_col.metric(t("opinion_page.report_late"), report.clocks_late)
    rate_col.metric(t("opinion_page.report_rate"), f"{rate * 100:.1f}%" if rate is not None
                    else "—")
    for title, counts in ((t("opinion_page.severity"), report.by_severity),
                          (t("opinion_page.source"), report.by_source),
                          (t("opinion_page.category"), report.by_category)):
        st.markdown(f"**{ui.escape_md(title)}**")
        st.bar_chart(pd.DataFrame({t("opinion_page.count"): counts}), horizontal=True)
    if report.main_items:
        st.dataframe([vars(item) for item in report.main_items], hide_index=True,
                     width="stretch")

    # The Word file is built and audited only when clicked (see downloads.py).
    st.download_button(t("opinion_page.report_download"), mime=downloads.DOCX_MIME,
                       data=downloads.on_click(lambda s, a: reports.to_docx(
                           s, report, actor=a, issuer=issuer)),
                       file_name=reports.export_filename(report),
                       key="opinions_report_download")
    if st.button(t("opinion_page.report_to_draft"), key="opinions_report_draft"):
        draft = ui.run_action(lambda s, a: reports.to_draft(s, actor=a, report=report))
        if draft is not None:
            st.success(t("opinion_page.draft_made", title=ui.escape_md(draft.title)))


VIEWS = {"register": register_view, "queue": queue_view, "new": new_view,
         "import": import_view, "report": report_view}
available = list(VIEWS) if is_office else ["queue", "register"]
view = st.radio(t("opinion_page.view"), available, format_func=lambda v: t(f"opinion_page.view_{v}"),
                horizontal=True, key="opinions_view")
VIEWS[view]()
