"""导入修改后的 Word 文件: upload an edited export of a draft and show what the import did.

The import itself (matching, permissions, versions, conflicts, the audit row) happens in
planner.services.roundtrip. The last report is kept in st.session_state per draft, so it
stays on screen after the rerun that shows the new versions. It is shown only while the
imported file is still in the uploader and the draft has not moved on since. These drop
it: another file, a visit to another page (Streamlit then drops the uploader's state), a
later import, a save or a settled conflict in a reported section, and its 关闭 button.
So it never appears beside the error of a later import, as if that file had been imported.
"""

import re

import streamlit as st

import ui
from planner.config import get_settings
from planner.i18n import inside_quotes, t
from planner.services import review, roundtrip
from planner.services.roundtrip import ImportReport, SectionReport, SectionStatus

REPORT_PREFIX = "roundtrip_report_"   # + draft id: (file id, ImportReport) of the last import


def render_import(draft) -> None:
    """Render the file upload, the import button and the report of the last import of
    `draft`. A draft under review or approved also gets the reset warning and checkbox."""
    report_key = f"{REPORT_PREFIX}{draft.id}"
    upload_key = f"roundtrip_file_{draft.id}"
    report = _kept_report(report_key, upload_key)
    with st.expander(t("roundtrip.widget.header"), expanded=report is not None):
        st.caption(t("roundtrip.widget.help"))
        # No type filter: roundtrip names a .docm, .doc or other file and the fix in Chinese.
        upload = st.file_uploader(t("roundtrip.widget.file"), key=upload_key,
                                  help=t("upload.help", types=".docx",
                                         limit_mb=get_settings().upload_max_mb))
        confirm_reset = _confirm_reset(draft)
        clicked = st.button(t("roundtrip.widget.import"), key=f"roundtrip_import_{draft.id}",
                            disabled=upload is None)
        if clicked and upload is not None:
            st.session_state.pop(report_key, None)
            report = None
            _import(draft, upload, confirm_reset, report_key)

        if report is not None:
            show_report(report)
            if st.button(t("roundtrip.widget.dismiss"), key=f"roundtrip_dismiss_{draft.id}"):
                st.session_state.pop(report_key, None)
                st.rerun()


def _kept_report(report_key: str, upload_key: str) -> ImportReport | None:
    """Return the last import's report while it still describes the page, else drop it.

    The uploader's state is read before the uploader is drawn: it is the file it held at
    the end of the last run, and is gone after a visit to another page.
    """
    stored = st.session_state.get(report_key)
    if stored is None:
        return None
    file_id, report = stored
    upload = st.session_state.get(upload_key)
    if getattr(upload, "file_id", None) == file_id and not _outdated(report):
        return report
    st.session_state.pop(report_key, None)
    return None


def _outdated(report: ImportReport) -> bool:
    with ui.db_session() as session:
        return roundtrip.report_outdated(session, report)


def _confirm_reset(draft) -> bool:
    if not review.edit_would_reset(draft):
        return False
    st.warning(t("roundtrip.widget.reset_warning", status=ui.label("draft.status", draft.status)))
    return st.checkbox(t("roundtrip.widget.confirm_reset"),
                       key=f"roundtrip_confirm_reset_{draft.id}")


def _import(draft, upload, confirm_reset: bool, report_key: str) -> None:
    data = upload.getvalue()
    report = ui.run_action(lambda session, actor: roundtrip.import_docx(
        session, actor=actor, draft_id=draft.id, data=data, file_name=upload.name,
        confirm_reset=confirm_reset))
    if report is None:
        return
    st.session_state[report_key] = (upload.file_id, report)
    # Rerun so the page around the widget shows the versions the import saved.
    st.rerun()


def show_report(report: ImportReport) -> None:
    st.success(t("roundtrip.widget.summary", file=ui.escape_md(inside_quotes(report.file_name)),
                 **{status.value: report.count(status) for status in SectionStatus}))
    if not report.stamped:
        st.info(t("roundtrip.widget.unstamped"))
    if report.reset:
        st.warning(t("roundtrip.widget.reset_done"))
    if report.title_in_file:
        st.info(t("roundtrip.widget.title_ignored",
                  title=ui.escape_md(inside_quotes(report.title_in_file))))
    for section in report.sections:
        _show_section(section)


def _show_section(section: SectionReport) -> None:
    status = t(f"roundtrip.status.{section.status}")
    line = t("roundtrip.widget.section", title=ui.escape_md(section.title), status=status)
    if section.status == SectionStatus.UNCHANGED and not section.changes:
        st.caption(line)
        if section.current_version != section.base_version:
            st.caption(t("roundtrip.widget.unchanged_newer", current=section.current_version))
        return

    st.markdown(f"**{line}**")
    detail = _status_detail(section)
    if detail:
        st.caption(detail)
    for key, fragments in (("inserted", section.changes.inserted),
                           ("moved_in", section.changes.moved_in),
                           ("deleted", section.changes.deleted),
                           ("moved_out", section.changes.moved_out)):
        if fragments:
            st.markdown(t(f"roundtrip.widget.{key}") + "　".join(
                f"「{ui.escape_md(fragment)}」" for fragment in fragments))
    if section.source_ref_in_file is not None:
        st.caption(t("roundtrip.widget.source_ref_ignored",
                     ref=ui.escape_md(section.source_ref_in_file)))
    if section.status in (SectionStatus.NEW_VERSION, SectionStatus.CONFLICT):
        with st.container(border=True):
            st.caption(t("roundtrip.widget.text"))
            st.markdown(highlight_insertions(
                section.body, section.changes.inserted + section.changes.moved_in))


def _status_detail(section: SectionReport) -> str:
    if section.status == SectionStatus.NEW_VERSION:
        return t("roundtrip.widget.new_version_detail", version=section.current_version)
    if section.status == SectionStatus.CONFLICT:
        return t("roundtrip.widget.conflict_detail", base=section.base_version,
                 current=section.current_version)
    if section.status == SectionStatus.OLDER:
        return t("roundtrip.widget.older_detail", version=section.older_version,
                 current=section.current_version)
    return ""


def highlight_insertions(body: str, fragments: tuple[str, ...]) -> str:
    """Return the body as escaped Markdown with each tracked insertion on an orange
    background. A fragment that spans lines is marked line by line."""
    spans: list[tuple[int, int]] = []
    for fragment in fragments:
        start = _free_position(body, fragment, spans)
        if start is not None:
            spans.append((start, start + len(fragment)))

    parts, position = [], 0
    for start, end in sorted(spans):
        parts.append(ui.escape_md(body[position:start]))
        parts.append("\n".join(f":orange-background[{ui.escape_md(line)}]" if line else ""
                               for line in body[start:end].split("\n")))
        position = end
    parts.append(ui.escape_md(body[position:]))
    # Markdown joins single line breaks; two spaces before one keep the paragraphs apart.
    return re.sub(r"\n", "  \n", "".join(parts))


def _free_position(body: str, fragment: str, spans: list[tuple[int, int]]) -> int | None:
    """Find `fragment` in `body` outside the spans already highlighted."""
    start = body.find(fragment)
    while start != -1:
        end = start + len(fragment)
        if all(end <= a or start >= b for a, b in spans):
            return start
        start = body.find(fragment, start + 1)
    return None
