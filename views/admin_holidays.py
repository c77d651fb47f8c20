"""节假日与时限设置: holiday overrides from the State Council notice, and deadline rules."""

from datetime import date

import streamlit as st

import ui
from planner import timeutil
from planner.deadlines import DUE_SOON_DEFAULT, DUE_SOON_KEY, DUE_SOON_MAX, RULES
from planner.i18n import t
from planner.services import deadlines, holidays
from planner.workdays import covered_years

FLASH_KEY = "holidays_flash"

st.title(t("nav.admin_holidays"))
if FLASH_KEY in st.session_state:
    st.success(st.session_state.pop(FLASH_KEY))

# --- Holiday overrides -------------------------------------------------------------------------
st.subheader(t("holiday_page.overrides_header"))
st.caption(t("holiday_page.intro"))

this_year = timeutil.to_office(timeutil.now_utc()).year
years = list(range(this_year - 1, this_year + 3))
year = st.selectbox(t("holiday_page.year"), years, index=years.index(this_year + 1),
                    format_func=lambda y: t("holiday_page.year_label", year=y),
                    key="holidays_year")

with ui.db_session() as session:
    rows = holidays.list_overrides(session, year=year)

if rows:
    st.info(t("holiday_page.year_from_notice", year=year))
elif year in covered_years():
    st.info(t("holiday_page.year_official", year=year))
else:
    st.warning(t("holiday_page.year_estimated", year=year))

if rows:
    st.dataframe([{t("holiday_page.col_date"): timeutil.format_cn_date(row.day),
                   t("holiday_page.col_kind"): t("holiday_page.workday") if row.is_workday
                   else t("holiday_page.day_off"),
                   t("holiday_page.col_name"): row.name,
                   t("holiday_page.col_reference"): row.reference} for row in rows],
                 hide_index=True, width="stretch")
    labels = {row.id: f"{timeutil.format_cn_date(row.day)} · {row.name}" for row in rows}
    remove_id = st.selectbox(t("holiday_page.remove_select"), list(labels),
                             format_func=labels.get, key="holidays_remove_select")
    if st.button(t("holiday_page.remove"), key="holidays_remove"):
        if ui.run_action(lambda s, a: holidays.remove_override(s, actor=a,
                                                               override_id=remove_id)):
            st.session_state[FLASH_KEY] = t("holiday_page.removed",
                                              label=ui.escape_md(labels[remove_id]))
            st.rerun()

with st.form("holidays_add_form", clear_on_submit=True):
    st.markdown(t("holiday_page.add_header"))
    day = st.date_input(t("holiday_page.col_date"), value=date(year, 1, 1), format="YYYY-MM-DD")
    kind = st.radio(t("holiday_page.col_kind"), ["off", "work"], horizontal=True,
                    format_func=lambda k: t("holiday_page.day_off") if k == "off"
                    else t("holiday_page.workday"))
    name = st.text_input(t("holiday_page.col_name"), placeholder=t("holiday_page.name_hint"))
    reference = st.text_input(t("holiday_page.col_reference"),
                              placeholder=t("holiday_page.reference_hint"))
    if st.form_submit_button(t("holiday_page.add"), type="primary"):
        data = holidays.OverrideInput(day=day, is_workday=kind == "work", name=name,
                                      reference=reference)
        added = ui.run_action(lambda s, a: holidays.add_override(s, actor=a, data=data))
        if added is not None:
            st.session_state[FLASH_KEY] = t("holiday_page.added",
                                            date=timeutil.format_cn_date(day))
            st.rerun()

# --- Deadline rules ----------------------------------------------------------------------------
st.divider()
st.subheader(t("holiday_page.rules_header"))
with ui.db_session() as session:
    stored = deadlines.settings(session)

st.dataframe([{t("holiday_page.col_rule"): rule.name,
               t("holiday_page.col_trigger"): rule.trigger,
               t("holiday_page.col_limit"): rule.describe(stored.get(key, rule.default_amount)),
               t("holiday_page.col_source"): rule.source} for key, rule in RULES.items()],
             hide_index=True, width="stretch")

with st.form("holidays_rules_form"):
    st.markdown(t("holiday_page.rules_edit"))
    wanted: dict[str, int] = {}
    for key, rule in RULES.items():
        if rule.configurable:
            wanted[key] = st.number_input(
                f"{rule.name}（{t(f'holiday_page.unit.{rule.kind}')}）",
                min_value=rule.min_amount, max_value=rule.max_amount, step=1,
                value=stored.get(key, rule.default_amount), key=f"holidays_rule_{key}")
    wanted[DUE_SOON_KEY] = st.number_input(
        t("deadlines.due_soon_name"), min_value=1, max_value=DUE_SOON_MAX, step=1,
        value=stored.get(DUE_SOON_KEY, DUE_SOON_DEFAULT), key="holidays_due_soon")
    if st.form_submit_button(t("holiday_page.save_rules"), type="primary"):
        changed = {key: int(amount) for key, amount in wanted.items()
                   if amount != stored.get(key, RULES[key].default_amount if key in RULES
                                           else DUE_SOON_DEFAULT)}

        def save(session, actor) -> int:
            for key, amount in changed.items():
                deadlines.set_amount(session, actor=actor, key=key, amount=amount)
            return len(changed)

        count = ui.run_action(save)
        if count is not None:
            st.session_state[FLASH_KEY] = t("holiday_page.rules_saved", count=count)
            st.rerun()
