"""稿件编辑: edit a draft section by section, then download it as a Word file."""

import streamlit as st

import ui
from planner.i18n import t
from planner.models import DraftKind
from planner.services import drafts
from planner.timeutil import format_office

st.title(t("nav.drafts"))

with ui.db_session() as session:
    rows = drafts.list_drafts(session)
if not rows:
    st.info(t("draft_page.none"))
    st.page_link("pages/policies.py", label=t("draft_page.go_policies"), icon="📄")
    st.stop()

ids = [row.id for row in rows]
names = {row.id: f"{ui.label('draft.kind', row.kind)} · {row.title}" for row in rows}
selected_default = st.session_state.get("drafts_selected")
draft_id = st.selectbox(t("draft_page.select"), ids, format_func=names.get,
                        index=ids.index(selected_default) if selected_default in ids else 0,
                        key="drafts_select_box")
st.session_state["drafts_selected"] = draft_id

with ui.db_session() as session:
    draft = drafts.get_draft(session, draft_id)
    sections = drafts.list_sections(session, draft_id)

st.caption(t("draft_page.meta", kind=ui.label("draft.kind", draft.kind),
             disclosure=ui.label("draft.disclosure", draft.disclosure),
             status=ui.label("draft.status", draft.status),
             updated=format_office(draft.updated_at)))

export = ui.run_action(lambda s, a: drafts.export_docx(s, draft_id))
if export is not None:
    st.download_button(t("draft_page.download"), data=export[1], file_name=export[0],
                       mime="application/vnd.openxmlformats-officedocument"
                            ".wordprocessingml.document",
                       key=f"drafts_download_{draft_id}", type="primary")

with st.form(f"drafts_title_{draft_id}"):
    new_title = st.text_input(t("draft_page.title"), value=draft.title)
    if st.form_submit_button(t("draft_page.save_title")):
        if ui.run_action(lambda s, a: drafts.rename(s, actor=a, draft_id=draft_id,
                                                    title=new_title)):
            st.success(t("draft_page.saved"))
            st.rerun()

is_qa = draft.kind == DraftKind.QA
for section in sections:
    base_key = f"drafts_base_{section.id}"
    # The version the editor started from; a save based on it is checked against the
    # stored version, so another person's newer save is never overwritten silently.
    st.session_state.setdefault(base_key, section.version)
    heading = section.title if not is_qa else t("draft_page.question_n", n=section.position + 1)
    with st.expander(heading, expanded=section.position == 0):
        with st.form(f"drafts_section_{section.id}"):
            title = st.text_input(t("draft_page.question") if is_qa else t("draft_page.heading"),
                                  value=section.title, key=f"drafts_title_{section.id}")
            body = st.text_area(t("draft_page.answer") if is_qa else t("draft_page.body"),
                                value=section.body, height=220, key=f"drafts_body_{section.id}")
            if section.source_ref:
                st.caption(t("draft_page.source_ref", ref=section.source_ref))
            submitted = st.form_submit_button(t("draft_page.save_section"))
        if submitted:
            saved = ui.run_action(lambda s, a: drafts.save_section(
                s, actor=a, section_id=section.id, title=title, body=body,
                base_version=st.session_state[base_key]))
            if saved is not None:
                st.session_state[base_key] = saved.version
                st.success(t("draft_page.section_saved", version=saved.version))
