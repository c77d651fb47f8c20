"""系统状态: database, schema, holiday calendar, backups, upload limits, external services."""

import re

import streamlit as st

import ui
from planner.i18n import t
from planner.services import system
from planner.timeutil import format_office

CHECK_KEY = "admin_system_checks"     # check name → its last result, kept across reruns

st.title(t("nav.admin_system"))
st.caption(t("admin_system.intro"))

status = ui.run_action(lambda s, a: system.status(s, actor=a))
if status is None:
    st.stop()


# A web address as it appears in a message: ASCII up to the first space or Chinese mark.
URL_RE = re.compile(r"https?://[!-~]+?(?=[.,;:!?]*(?:[^!-~]|$))")


def url_safe_md(text: str) -> str:
    """Escape `text` for Markdown, with each web address as inline code. Escaped, an
    address would be turned into a link with the backslashes in its text."""
    parts, position = [], 0
    for match in URL_RE.finditer(text):
        parts.append(ui.escape_md(text[position:match.start()]))
        parts.append(f"`{match.group().replace('`', '%60')}`")
        position = match.end()
    parts.append(ui.escape_md(text[position:]))
    return "".join(parts)


def size_text(size: int | None) -> str:
    if size is None:
        return "—"
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


def show_check(name: str) -> None:
    result = st.session_state.get(CHECK_KEY, {}).get(name)
    if result is None:
        return
    show = {system.CheckState.OK: st.success, system.CheckState.FAILED: st.error,
            system.CheckState.NOT_CONFIGURED: st.info}[result.state]
    show(url_safe_md(result.notice.message))
    if result.elapsed_ms:
        st.caption(t("admin_system.elapsed", ms=result.elapsed_ms))


def run_check(name: str, check) -> None:
    result = ui.run_action(lambda s, a: check(s, actor=a))
    if result is not None:
        st.session_state.setdefault(CHECK_KEY, {})[name] = result


for notice in status.warnings:
    st.warning(ui.escape_md(notice.message))
if not status.warnings:
    st.success(t("admin_system.all_good"))

# --- Database -----------------------------------------------------------------------------
st.subheader(t("admin_system.database_header"))
kind_col, size_col, schema_col = st.columns(3)
kind_col.metric(t("admin_system.kind"), t(f"operations.kind.{status.database_kind}"))
size_col.metric(t("admin_system.size"), size_text(status.database_bytes))
schema_col.metric(t("admin_system.schema"),
                  t("admin_system.schema_current", revision=status.schema_revision)
                  if status.schema_revision == status.head_revision
                  else t("admin_system.schema_value", current=status.schema_revision or "—",
                         head=status.head_revision))
st.caption(ui.escape_md(t("admin_system.location", url=status.database)))

# --- Holiday calendar ---------------------------------------------------------------------
st.subheader(t("admin_system.holidays_header"))
years = status.holidays.calendar_years
st.write(t("admin_system.calendar_years", first=years[0], last=years[-1]))
st.write(t("admin_system.override_years", years="、".join(map(str, status.holidays.override_years)))
         if status.holidays.override_years else t("admin_system.override_none"))

# --- Backups and uploads ------------------------------------------------------------------
st.subheader(t("admin_system.backup_header"))
backup = status.last_backup
if backup is not None:
    st.markdown(ui.escape_md(t("admin_system.backup_last", time=format_office(backup.at),
                               size=size_text(backup.size_bytes), rows=backup.row_total,
                               path=backup.path, host=backup.host or "—")))
st.subheader(t("admin_system.upload_header"))
st.write(t("admin_system.upload_value", app=status.upload_limit_mb,
           streamlit=status.streamlit_upload_limit_mb))

# --- External services --------------------------------------------------------------------
st.subheader(t("admin_system.services_header"))
smtp_col, llm_col = st.columns(2)
with smtp_col:
    st.markdown(f"**{t('admin_system.smtp')}**")
    st.markdown(ui.escape_md(status.smtp or t("admin_system.not_configured")))
    if st.button(t("admin_system.check_smtp"), key="admin_system_check_smtp"):
        run_check("smtp", system.check_smtp)
    show_check("smtp")
with llm_col:
    st.markdown(f"**{t('admin_system.llm')}**")
    st.markdown(url_safe_md(status.llm or t("admin_system.not_configured")))
    if status.llm:
        st.caption(t("admin_system.llm_internal") if status.llm_internal
                   else t("admin_system.llm_external"))
    if st.button(t("admin_system.check_llm"), key="admin_system_check_llm"):
        run_check("llm", system.check_llm)
    show_check("llm")
