"""审计记录: filter the audit trail by person, unit, entity and date, page through it,
export CSV. The service allows only 管理员 and 厅办公室; this page shows its refusal."""

import math

import streamlit as st

import ui
from planner.i18n import t
from planner.services import audit
from planner.timeutil import to_office

PAGE_SIZE = 50
PAGE_KEY = "audit_page_number"
FILTERS_KEY = "audit_filters_seen"
EXPORT_KEY = "audit_export_file"

st.title(t("audit_page.title"))
st.caption(t("audit_page.intro"))

options = ui.run_action(lambda s, a: audit.filter_options(s, actor=a))
if options is None:
    st.stop()   # run_action has shown why, e.g. 您没有权限查看或导出审计记录


def choice(label: str, values: dict, key: str):
    """Show a selectbox whose first entry, None, means no filter."""
    return st.selectbox(label, [None, *values], key=key,
                        format_func=lambda v: t("audit_page.all") if v is None else values[v])


person_col, unit_col, entity_col, from_col, to_col = st.columns([3, 3, 2, 2, 2])
with person_col:
    user_id = choice(t("audit_page.filter_person"), options.users, "audit_filter_person")
with unit_col:
    unit_id = choice(t("audit_page.filter_unit"), options.units, "audit_filter_unit")
with entity_col:
    entity = choice(t("audit_page.filter_entity"),
                    {code: audit.entity_label(code) for code in options.entities},
                    "audit_filter_entity")
date_from = from_col.date_input(t("audit_page.filter_from"), value=None, format="YYYY-MM-DD",
                                key="audit_filter_from")
date_to = to_col.date_input(t("audit_page.filter_to"), value=None, format="YYYY-MM-DD",
                            key="audit_filter_to")
filters = {"user_id": user_id, "unit_id": unit_id, "entity": entity,
           "date_from": date_from, "date_to": date_to}

# New filters start again at page 1 (the widget below is not created yet in this run).
if st.session_state.get(FILTERS_KEY) != filters:
    st.session_state[FILTERS_KEY] = filters
    st.session_state[PAGE_KEY] = 1

page_col, info_col = st.columns([1, 4], vertical_alignment="bottom")
page = page_col.number_input(t("audit_page.page"), min_value=1, step=1, key=PAGE_KEY)
result = ui.run_action(lambda s, a: audit.query(s, actor=a, limit=PAGE_SIZE,
                                                offset=(page - 1) * PAGE_SIZE, **filters))
if result is None:
    st.stop()

pages = max(1, math.ceil(result.total / PAGE_SIZE))
info_col.caption(t("audit_page.page_info", total=result.total, page=page, pages=pages,
                   size=PAGE_SIZE))
if not result.rows:
    st.info(t("audit_page.past_end", pages=pages) if result.total else t("audit_page.none"))
else:
    st.dataframe(
        [{t("audit.column.id"): row.id,
          t("audit.column.at"): to_office(row.at).strftime("%Y-%m-%d %H:%M:%S"),
          t("audit.column.actor"): row.actor_name,
          t("audit.column.unit"): row.unit_name,
          t("audit.column.action"): audit.action_label(row.action),
          t("audit.column.entity"): audit.entity_label(row.entity),
          t("audit.column.entity_id"): row.entity_id,
          t("audit.column.detail"): row.detail} for row in result.rows],
        hide_index=True, width="stretch")

if st.button(t("audit_page.export"), help=t("audit_page.export_help"), key="audit_export"):
    data = ui.run_action(lambda s, a: audit.export_csv(s, actor=a, **filters))
    if data is not None:
        st.session_state[EXPORT_KEY] = (filters, data)

prepared = st.session_state.get(EXPORT_KEY)
if prepared is not None and prepared[0] == filters:
    st.download_button(t("audit_page.download"), data=prepared[1], mime="text/csv",
                       file_name=audit.export_filename(date_from, date_to),
                       key="audit_download")
