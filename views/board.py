"""督办看板: what is overdue, due soon and not yet due, by unit, person and kind."""

from pathlib import Path

import altair as alt
import streamlit as st

import ui
from planner import timeutil
from planner.i18n import inside_quotes, t
from planner.services import deadlines

# Page that edits an item's cause, and the session-state key that page selects the record by.
ITEM_PAGES = {
    "press_event": ("views/events.py", "events_selected"),
    "policy": ("views/policies.py", "policies_selected"),
    "opinion_item": ("views/opinions.py", "opinions_selected"),
    "meeting_action": ("views/meetings.py", "meetings_selected_action"),
    "interview_question": ("views/interviews.py", "interviews_selected_question"),
}
PAGES_DIR = Path(__file__).parent
ALL = None
FLASH_KEY = "board_flash"

st.title(t("nav.board"))
if FLASH_KEY in st.session_state:
    st.success(st.session_state.pop(FLASH_KEY))

# The clock is read once per run, through planner.timeutil, so a test can freeze it.
now = timeutil.now_utc()
with ui.db_session() as session:
    options = deadlines.filter_options(session)
    default_window = deadlines.due_soon_days(session)


def choice(label: str, choices: dict, key: str, none_label: str | None = None):
    values = {ALL: t("board_page.all"), **({deadlines.NONE_ID: none_label} if none_label
                                           else {}), **choices}
    return st.selectbox(label, list(values), format_func=values.get, key=key)


unit_col, person_col, kind_col, window_col = st.columns([3, 3, 3, 2])
with unit_col:
    unit_id = choice(t("board_page.unit"), options["units"], "board_unit",
                     t("deadlines.no_unit"))
with person_col:
    owner_id = choice(t("board_page.person"), options["people"], "board_person",
                      t("deadlines.no_owner"))
with kind_col:
    rule_key = choice(t("board_page.kind"), options["kinds"], "board_kind")
with window_col:
    window = st.number_input(t("board_page.window"), min_value=1, max_value=60,
                             value=default_window, step=1, key="board_window")

filters = deadlines.BoardFilters(unit_id=unit_id, owner_id=owner_id, rule_key=rule_key)
with ui.db_session() as session:
    board = deadlines.board(session, now=now, filters=filters, window_days=int(window))
    rates = deadlines.on_time_rates(session, now=now, filters=filters)

st.caption(t("board_page.as_of", now=timeutil.format_office(now), days=board.window_days))
metric_cols = st.columns(3)
for column, state in zip(metric_cols, deadlines.DueState):
    column.metric(t(f"deadlines.state.{state}"), board.counts[state])


def item_rows(items: list[deadlines.BoardItem]) -> list[dict]:
    return [{t("board_page.col_kind"): item.kind_name,
             t("board_page.col_title"): item.title,
             t("board_page.col_unit"): item.unit_name,
             t("board_page.col_person"): item.owner_name,
             t("board_page.col_due"): item.due_text,
             t("board_page.col_note"): item.due.reason} for item in items]


tabs = st.tabs([f"{t(f'deadlines.state.{state}')}（{board.counts[state]}）"
                for state in deadlines.DueState])
for tab, state in zip(tabs, deadlines.DueState):
    with tab:
        items = board.items[state]
        if not items:
            st.info(t("board_page.none", state=t(f"deadlines.state.{state}")))
            continue
        st.dataframe(item_rows(items), hide_index=True, width="stretch")
        if board.counts[state] > len(items):
            st.caption(t("board_page.truncated", shown=len(items), total=board.counts[state]))


def open_item(item: deadlines.BoardItem) -> None:
    page, state_key = ITEM_PAGES[item.entity]
    st.session_state[state_key] = item.entity_id
    st.switch_page(page)


def linkable(item: deadlines.BoardItem) -> bool:
    target = ITEM_PAGES.get(item.entity)
    return target is not None and (PAGES_DIR / Path(target[0]).name).exists()


# --- One item: open what raised it, or close it -----------------------------------------------
listed = [item for state in deadlines.DueState for item in board.items[state]]
if listed:
    st.subheader(t("board_page.item_header"))
    by_id = {item.id: item for item in listed}
    labels = {item.id: f"{t(f'deadlines.state.{item.state}')} · {item.kind_name} · "
                       f"{item.title} · {item.due_text}" for item in listed}
    selected = by_id[st.selectbox(t("board_page.select"), list(by_id), format_func=labels.get,
                                  key="board_selected")]
    st.caption(t("board_page.item_detail", kind=selected.kind_name,
                 trigger=timeutil.format_office(selected.trigger_at),
                 source=t(f"deadlines.rule.{selected.rule_key}.source")))
    open_col, done_col = st.columns(2)
    if linkable(selected) and open_col.button(t("board_page.open"), key="board_open"):
        open_item(selected)
    if done_col.button(t("board_page.complete"), key="board_complete", type="primary"):
        closed = ui.run_action(lambda s, a: deadlines.complete(s, actor=a,
                                                              obligation_id=selected.id))
        if closed is not None:
            st.session_state[FLASH_KEY] = t("board_page.completed",
                                            title=ui.escape_md(inside_quotes(selected.title)))
            st.rerun()

# --- Counts per unit ---------------------------------------------------------------------------
st.subheader(t("board_page.units_header"))
if board.units:
    st.dataframe([{t("board_page.col_unit"): unit.unit_name,
                   t("deadlines.state.overdue"): unit.overdue,
                   t("deadlines.state.soon"): unit.soon,
                   t("deadlines.state.later"): unit.later,
                   t("board_page.col_total"): unit.total} for unit in board.units],
                 hide_index=True, width="stretch")
else:
    st.info(t("board_page.no_open"))

# --- On-time rate ------------------------------------------------------------------------------
st.subheader(t("board_page.rates_header"))
if not rates:
    st.info(t("board_page.no_rates"))
    st.stop()


def rate_table(key_name: str, key_of) -> list[dict]:
    totals: dict[str, list[int]] = {}
    for cell in rates:
        bucket = totals.setdefault(key_of(cell), [0, 0])
        bucket[0] += cell.on_time
        bucket[1] += cell.total
    return [{key_name: key, "rate": on_time / total, "on_time": on_time, "total": total}
            for key, (on_time, total) in totals.items()]


rate_axis = alt.Axis(format="%", title=t("board_page.rate"))
tooltip = [alt.Tooltip("rate:Q", format=".0%", title=t("board_page.rate")),
           alt.Tooltip("on_time:Q", title=t("board_page.on_time")),
           alt.Tooltip("total:Q", title=t("board_page.counted"))]
month_chart = alt.Chart(alt.Data(values=rate_table("month", lambda c: c.month))).mark_line(
    point=True).encode(x=alt.X("month:O", title=t("board_page.month")),
                       y=alt.Y("rate:Q", axis=rate_axis, scale=alt.Scale(domain=[0, 1])),
                       tooltip=["month:O", *tooltip])
unit_chart = alt.Chart(alt.Data(values=rate_table("unit", lambda c: c.unit_name))).mark_bar(
).encode(y=alt.Y("unit:N", sort="x", title=t("board_page.col_unit")),
         x=alt.X("rate:Q", axis=rate_axis, scale=alt.Scale(domain=[0, 1])),
         tooltip=["unit:N", *tooltip])
month_col, unit_col = st.columns(2)
month_col.caption(t("board_page.by_month"))
month_col.altair_chart(month_chart, width="stretch")
unit_col.caption(t("board_page.by_unit"))
unit_col.altair_chart(unit_chart, width="stretch")
