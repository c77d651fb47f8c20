"""稿件编辑: edit a draft section by section, send it to review, release it once approved,
and download it as a Word file."""

import streamlit as st

import downloads
import ui
from planner.i18n import t
from planner.models import Disclosure, DraftKind, DraftStatus, ReviewOutcome
from planner.services import drafts, review
from planner.timeutil import format_office

FLASH_KEY = "drafts_flash"

st.title(t("nav.drafts"))
if FLASH_KEY in st.session_state:
    st.success(st.session_state.pop(FLASH_KEY))

with ui.db_session() as session:
    rows = drafts.list_drafts(session)
if not rows:
    st.info(t("draft_page.none"))
    st.page_link("views/policies.py", label=t("draft_page.go_policies"), icon=":material/description:")
    st.stop()

ids = [row.id for row in rows]
names = {row.id: f"{ui.label('draft.kind', row.kind)} · {row.title}"
              f"（{ui.label('draft.status', row.status)}）" for row in rows}
selected_default = st.session_state.get("drafts_selected")
draft_id = st.selectbox(t("draft_page.select"), ids, format_func=names.get,
                        index=ids.index(selected_default) if selected_default in ids else 0,
                        key="drafts_select_box")
st.session_state["drafts_selected"] = draft_id


def load(session, actor):
    return {
        "draft": drafts.get_draft(session, draft_id),
        "sections": drafts.list_sections(session, draft_id),
        "decisions": review.decisions(session, draft_id),
        "releases": review.releases(session, draft_id),
        "steps": review.available_steps(session, actor=actor, draft_id=draft_id),
    }


view = ui.run_action(load)
if view is None:
    st.stop()
draft, sections, steps = view["draft"], view["sections"], view["steps"]


def flash_and_rerun(message: str) -> None:
    st.session_state[FLASH_KEY] = message
    st.rerun()


st.caption(t("draft_page.meta", kind=ui.label("draft.kind", draft.kind),
             disclosure=ui.label("draft.disclosure", draft.disclosure),
             status=ui.label("draft.status", draft.status),
             updated=format_office(draft.updated_at)))
if view["releases"]:
    st.caption(t("draft_page.released_times", count=len(view["releases"]),
                 at=format_office(view["releases"][-1].released_at)))
returns = [r for r in view["decisions"] if r.decision.outcome == ReviewOutcome.RETURN]
if draft.status == DraftStatus.RETURNED and returns:
    st.warning(t("draft_page.returned", name=ui.escape_md(returns[-1].actor_name),
                 reason=ui.escape_md(returns[-1].decision.opinion)))

# --- Review steps the user may take now --------------------------------------------------
step_cols = st.columns(3)
if review.Step.SUBMIT in steps and step_cols[0].button(t("draft_page.submit"), type="primary",
                                                         key=f"drafts_submit_{draft_id}"):
    if ui.run_action(lambda s, a: review.submit(s, actor=a, draft_id=draft_id)):
        flash_and_rerun(t("draft_page.submitted", title=ui.escape_md(draft.title)))
if review.Step.RELEASE in steps and step_cols[0].button(t("draft_page.release"), type="primary",
                                                          key=f"drafts_release_{draft_id}"):
    if ui.run_action(lambda s, a: review.release(s, actor=a, draft_id=draft_id)):
        flash_and_rerun(t("draft_page.released", title=ui.escape_md(draft.title)))
if review.Step.APPROVE in steps and step_cols[1].button(t("draft_page.go_review"),
                                                          key=f"drafts_go_review_{draft_id}"):
    st.session_state["review_selected"] = draft_id
    st.switch_page("views/review.py")

# The file is made (and the export audited) only when the button is clicked.
step_cols[2].download_button(
    t("draft_page.download"),
    data=downloads.on_click(lambda s, a: drafts.export_docx(s, draft_id, actor=a)),
    file_name=drafts.export_filename(draft.title), mime=downloads.DOCX_MIME,
    key=f"drafts_download_{draft_id}")

# --- Editing: after submission or approval an edit sends the draft back to 草稿 -----------
confirm_reset = False
if review.edit_would_reset(draft):
    st.warning(t("draft_page.reset_warning", status=ui.label("draft.status", draft.status)))
    confirm_reset = st.checkbox(t("draft_page.confirm_reset"),
                                key=f"drafts_confirm_reset_{draft_id}")

with st.form(f"drafts_title_{draft_id}"):
    new_title = st.text_input(t("draft_page.title"), value=draft.title)
    if st.form_submit_button(t("draft_page.save_title")):
        if ui.run_action(lambda s, a: drafts.rename(s, actor=a, draft_id=draft_id,
                                                    title=new_title,
                                                    confirm_reset=confirm_reset)):
            flash_and_rerun(t("draft_page.saved"))

with st.expander(t("draft_page.disclosure_header",
                   disclosure=ui.label("draft.disclosure", draft.disclosure))):
    with st.form(f"drafts_disclosure_{draft_id}"):
        codes = list(Disclosure)
        disclosure = st.selectbox(t("policy_page.disclosure"), codes,
                                  index=codes.index(Disclosure(draft.disclosure)),
                                  format_func=lambda code: ui.label("draft.disclosure", code))
        reason = st.text_area(t("policy_page.disclosure_reason"), value=draft.disclosure_reason,
                              height=68)
        basis = st.text_input(t("policy_page.disclosure_basis"), value=draft.disclosure_basis,
                              placeholder=t("policy_page.disclosure_basis_placeholder"))
        st.caption(t("draft_page.disclosure_help"))
        if st.form_submit_button(t("draft_page.save_disclosure")):
            if ui.run_action(lambda s, a: drafts.change_disclosure(
                    s, actor=a, draft_id=draft_id, disclosure=disclosure, reason=reason,
                    basis=basis, confirm_reset=confirm_reset)):
                flash_and_rerun(t("draft_page.saved"))

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
                base_version=st.session_state[base_key], confirm_reset=confirm_reset))
            if saved is not None:
                st.session_state[base_key] = saved.version
                flash_and_rerun(t("draft_page.section_saved", version=saved.version))
