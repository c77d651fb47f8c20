"""日程: press events and joint meetings together by month or week, filtered by person or
unit, with a date-range export and each person's own calendar file."""

import html
from datetime import timedelta

import streamlit as st

import downloads
import ui
from planner.i18n import t
from planner.services import schedule, users
from planner.timeutil import now_utc, to_office

ANCHOR_KEY = "calendar_anchor"
MAX_PER_DAY = 6          # a month cell lists this many entries, then "另有 N 项"

st.title(t("nav.calendar"))

with ui.db_session() as session:
    names = schedule.people_names(session)
    unit_names = {unit.id: unit.name for unit in users.list_units(session)}

st.session_state.setdefault(ANCHOR_KEY, to_office(now_utc()).date())
view_col, prev_col, next_col, today_col = st.columns([4, 1, 1, 1])
view = view_col.radio(t("calendar_page.view"), ["month", "week"], horizontal=True,
                      format_func=lambda v: t(f"calendar_page.view_{v}"), key="calendar_view")
step = timedelta(days=7) if view == "week" else timedelta(days=31)
if prev_col.button(t("calendar_page.previous"), key="calendar_prev"):
    st.session_state[ANCHOR_KEY] -= step
if next_col.button(t("calendar_page.next"), key="calendar_next"):
    st.session_state[ANCHOR_KEY] += step
if today_col.button(t("calendar_page.today"), key="calendar_today"):
    st.session_state[ANCHOR_KEY] = to_office(now_utc()).date()

anchor_col, person_col, unit_col, cancelled_col = st.columns([2, 2, 2, 1])
anchor = anchor_col.date_input(t("calendar_page.anchor"), format="YYYY-MM-DD", key=ANCHOR_KEY)
person = person_col.selectbox(t("calendar_page.person"), ["", *names],
                              format_func=lambda n: n or t("calendar_page.everyone"),
                              key="calendar_person")
unit_id = unit_col.selectbox(t("calendar_page.unit"), [None, *unit_names],
                             format_func=lambda u: unit_names.get(u, t("calendar_page.all_units")),
                             key="calendar_unit")
cancelled = cancelled_col.checkbox(t("calendar_page.cancelled"), key="calendar_cancelled")

filters = schedule.CalendarFilter(person=person, unit_id=unit_id, include_cancelled=cancelled)
period = schedule.week_period(anchor) if view == "week" else schedule.month_period(anchor)
found = ui.run_public(lambda s: schedule.entries(s, start=period.start, end=period.end,
                                                 filters=filters)) or []
days = schedule.by_day(found, period)


def entry_html(entry: schedule.Entry) -> str:
    css = "cal-meeting" if entry.kind == "meeting" else "cal-event"
    css += " cal-cancelled" if entry.cancelled else ""
    tip = html.escape(f"{entry.title}\n{entry.place}\n{'、'.join(entry.people)}")
    return (f'<div class="{css}" title="{tip}">{entry.starts_at:%H:%M} '
            f"{html.escape(entry.title)}</div>")


def day_html(day, limit: int | None) -> str:
    listed = days.get(day, [])
    shown = listed if limit is None else listed[:limit]
    muted = " cal-other" if view == "month" and day.month != anchor.month else ""
    more = (f'<div class="cal-more">{html.escape(t("calendar_page.more", n=len(listed) - limit))}'
            "</div>" if limit is not None and len(listed) > limit else "")
    return (f'<td class="cal-day{muted}"><div class="cal-date">{day.month}/{day.day}</div>'
            + "".join(entry_html(entry) for entry in shown) + more + "</td>")


def grid_html() -> str:
    heading = "".join(f"<th>{html.escape(t(f'workdays.weekday.{n}'))}</th>" for n in range(7))
    weeks = [period.days[n:n + 7] for n in range(0, len(period.days), 7)]
    limit = MAX_PER_DAY if view == "month" else None
    body = "".join("<tr>" + "".join(day_html(day, limit) for day in week) + "</tr>"
                   for week in weeks)
    return (STYLE + f'<table class="cal-grid"><thead><tr>{heading}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


STYLE = """<style>
.cal-grid {width: 100%; border-collapse: collapse; table-layout: fixed; font-size: 0.8rem}
.cal-grid th, .cal-grid td {border: 1px solid #ddd; vertical-align: top; padding: 2px 4px}
.cal-day {height: 6rem} .cal-other {background: #f6f6f6; color: #999}
.cal-date {font-weight: bold} .cal-more {color: #666}
.cal-event {background: #e8f0fe; margin: 1px 0; overflow: hidden; white-space: nowrap}
.cal-meeting {background: #fdf2e0; margin: 1px 0; overflow: hidden; white-space: nowrap}
.cal-cancelled {text-decoration: line-through; opacity: 0.6}
</style>"""

st.caption(t("calendar_page.summary", start=period.start, end=period.end, count=len(found)))
st.html(grid_html())
st.caption(t("calendar_page.legend"))

if view == "week" and found:
    st.dataframe([{t("calendar_page.col_time"): f"{e.starts_at:%m-%d %H:%M}–{e.ends_at:%H:%M}",
                   t("calendar_page.col_kind"): t(f"calendar_page.kind_{e.kind}"),
                   t("calendar_page.col_title"): e.title,
                   t("calendar_page.col_place"): e.place,
                   t("calendar_page.col_people"): "、".join(e.people)} for e in found],
                 hide_index=True, width="stretch")

st.divider()
st.subheader(t("calendar_page.export_header"))
from_col, to_col = st.columns(2)
# Keyed by the period shown, so the range follows the view until the user changes it.
export_start = from_col.date_input(t("calendar_page.export_from"), value=period.start,
                                   format="YYYY-MM-DD", key=f"calendar_from_{period.start}")
export_end = to_col.date_input(t("calendar_page.export_to"), value=period.end,
                               format="YYYY-MM-DD", key=f"calendar_to_{period.end}")
export_col, feed_col = st.columns(2)


def range_ok(session) -> bool:
    schedule.check_range(export_start, export_end)
    return True


# The files are built and audited only when clicked (see downloads.py).
if ui.run_public(range_ok):
    export_name = schedule.export_filename(export_start, export_end)
    export_col.download_button(
        t("calendar_page.download", name=export_name), mime="text/calendar",
        data=downloads.on_click(lambda s, a: schedule.export_ics(
            s, actor=a, start=export_start, end=export_end, filters=filters)),
        file_name=export_name, key="calendar_export_download")
feed_name = ui.run_action(lambda s, a: schedule.feed_filename(a))
if feed_name:
    feed_col.download_button(
        t("calendar_page.download", name=feed_name), mime="text/calendar",
        data=downloads.on_click(lambda s, a: schedule.person_feed(s, actor=a)),
        file_name=feed_name, key="calendar_feed_download")
