"""媒体通讯录: the outlets and reporters the office invites, kept once for every event.

Phone numbers and e-mail addresses come masked from planner.services.media for anyone
but 厅办公室 and 新闻发言人, who also add, change, deactivate and import contacts here.
"""

import streamlit as st

import ui
from planner.config import get_settings
from planner.i18n import t
from planner.models import Role
from planner.services import media

SELECTED_KEY = "media_selected"

st.title(t("nav.media"))
st.caption(t("media_page.intro"))

is_keeper = ui.signed_in_has_role(Role.GENERAL_OFFICE) or ui.signed_in_has_role(
    Role.SPOKESPERSON)


def contact_form(prefix: str, current: media.ContactView | None,
                 submit_label: str) -> media.ContactInput | None:
    with st.form(f"{prefix}_form"):
        outlet_col, reporter_col = st.columns(2)
        outlet = outlet_col.text_input(t("media_page.col_outlet"),
                                       value=current.outlet if current else "",
                                       key=f"{prefix}_outlet")
        reporter = reporter_col.text_input(t("media_page.col_reporter"),
                                           value=current.reporter if current else "",
                                           key=f"{prefix}_reporter")
        phone_col, email_col = st.columns(2)
        phone = phone_col.text_input(t("media_page.col_phone"),
                                     value=current.phone if current else "",
                                     key=f"{prefix}_phone")
        email = email_col.text_input(t("media_page.col_email"),
                                     value=current.email if current else "",
                                     key=f"{prefix}_email")
        note = st.text_input(t("media_page.col_note"), value=current.note if current else "",
                             key=f"{prefix}_note")
        active = st.checkbox(t("media_page.active"),
                             value=current.is_active if current else True,
                             key=f"{prefix}_active")
        if not st.form_submit_button(submit_label, type="primary"):
            return None
    return media.ContactInput(outlet=outlet, reporter=reporter, phone=phone, email=email,
                              note=note, is_active=active)


def add_section() -> None:
    with st.expander(t("media_page.add_header")):
        data = contact_form("media_new", None, t("media_page.add_button"))
    if data is not None:
        saved = ui.run_action(lambda s, a: media.create_contact(s, actor=a, data=data))
        if saved is not None:
            st.session_state[SELECTED_KEY] = saved.id
            ui.flash(t("media_page.added", outlet=ui.escape_md(saved.outlet)))
            st.rerun()


def import_section() -> None:
    with st.expander(t("media_page.import_header")):
        st.caption(t("media_page.import_help"))
        # No max_upload_size and no type filter: media.import_contacts checks upload_max_mb
        # and the extension itself and names the file and the fix in Chinese.
        upload = st.file_uploader(t("media_page.import_file"), key="media_import_file",
                                  help=t("upload.help", types=".csv、.txt、.xlsx",
                                         limit_mb=get_settings().upload_max_mb))
        if upload is None or not st.button(t("media_page.import_button"),
                                           key="media_import_button"):
            return
        result = ui.run_action(lambda s, a: media.import_contacts(
            s, actor=a, file_name=upload.name, data=upload.getvalue()))
    if result is None:
        return
    st.success(t("media_page.imported", created=result.created, skipped=len(result.skipped)))
    for line in result.skipped:
        st.warning(ui.escape_md(line))


def edit_section(contacts: list[media.ContactView]) -> None:
    names = {c.id: f"{c.outlet} · {c.reporter or '—'}" for c in contacts}
    selected = st.session_state.get(SELECTED_KEY)
    ids = list(names)
    contact_id = st.selectbox(t("media_page.select"), ids, format_func=names.get,
                              index=ids.index(selected) if selected in ids else 0,
                              key="media_select_box")
    st.session_state[SELECTED_KEY] = contact_id
    current = next(c for c in contacts if c.id == contact_id)
    with st.expander(t("media_page.edit_header")):
        data = contact_form(f"media_edit_{contact_id}", current, t("media_page.save_button"))
    if data is not None:
        saved = ui.run_action(lambda s, a: media.update_contact(s, actor=a,
                                                                contact_id=contact_id,
                                                                data=data))
        if saved is not None:
            ui.flash(t("media_page.saved", outlet=ui.escape_md(saved.outlet)))
            st.rerun()


if is_keeper:
    add_section()
    import_section()
    st.divider()

text_col, inactive_col = st.columns([3, 1])
text = text_col.text_input(t("media_page.filter_text"), key="media_filter_text")
include_inactive = inactive_col.checkbox(t("media_page.include_inactive"),
                                         key="media_include_inactive")
with ui.db_session() as session:
    contacts = media.list_contacts(session, actor=ui.current_actor(session),
                                   include_inactive=include_inactive, text=text)
if not contacts:
    st.info(t("media_page.none"))
    st.stop()

st.dataframe([{t("media_page.col_outlet"): c.outlet, t("media_page.col_reporter"): c.reporter,
               t("media_page.col_phone"): c.phone, t("media_page.col_email"): c.email,
               t("media_page.col_note"): c.note,
               t("media_page.col_active"): t("media_page.yes" if c.is_active else "media_page.no")}
              for c in contacts], hide_index=True, width="stretch")
if contacts[0].masked:
    st.caption(t("media_page.masked_note"))
if is_keeper:
    edit_section(contacts)
