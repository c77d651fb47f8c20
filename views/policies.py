"""政策文件: import a policy (upload or paste), correct the parsed fields, save, make drafts."""

import streamlit as st

import ui
from planner.documents.structure import ParsedPolicy, ParsedSection
from planner.i18n import t
from planner.models import Disclosure, DraftKind
from planner.services import drafts, policies

PENDING_KEY = "policies_pending_import"

st.title(t("nav.policies"))


# A preview of thousands of headings freezes the browser, so only the first ones are drawn.
STRUCTURE_PREVIEW_LIMIT = 400


def _outline(sections: list[ParsedSection], depth: int = 0):
    for section in sections:
        yield depth, section
        yield from _outline(section.children, depth + 1)


def show_structure(sections: list[ParsedSection]) -> None:
    """Draw the heading tree as one Markdown block per run of headings, tables in between."""
    lines: list[str] = []
    total = sum(1 for _ in _outline(sections))
    for shown, (depth, section) in enumerate(_outline(sections)):
        if shown >= STRUCTURE_PREVIEW_LIMIT:
            break
        if section.kind == "table" and section.rows:
            st.markdown("  \n".join(lines))
            lines = []
            st.dataframe(section.rows, hide_index=True, width="stretch")
            continue
        heading = ui.escape_md(f"{section.label}{section.heading}".strip() or section.text[:40])
        lines.append(f"**{heading}**" if depth == 0 else "\u3000" * (depth * 2) + heading)
    st.markdown("  \n".join(lines))
    if total > STRUCTURE_PREVIEW_LIMIT:
        st.caption(t("policy_page.structure_truncated", shown=STRUCTURE_PREVIEW_LIMIT,
                     total=total))


def fields_form(form_key: str, parsed: ParsedPolicy | None, stored=None
                ) -> policies.PolicyFields | None:
    """Render the editable header fields; returns them when the form is submitted."""
    source = stored or parsed
    with st.form(form_key):
        title = st.text_input(t("policy_page.field_title"), value=source.title,
                              placeholder=t("policy_page.title_placeholder"))
        doc_number = st.text_input(t("policy_page.field_doc_number"), value=source.doc_number)
        issuer = st.text_input(t("policy_page.field_issuer"), value=source.issuer)
        addressee = st.text_area(t("policy_page.field_addressee"), value=source.addressee,
                                 height=68)
        issue_date = st.date_input(t("policy_page.field_date"),
                                   value=stored.issue_date if stored else parsed.date,
                                   format="YYYY-MM-DD")
        is_normative = st.checkbox(t("policy_deadlines.is_normative"),
                                   value=bool(stored and stored.is_normative),
                                   help=t("policy_deadlines.is_normative_help"))
        paper_issued_on = st.date_input(t("policy_deadlines.paper_issued_on"),
                                        value=stored.paper_issued_on if stored else None,
                                        format="YYYY-MM-DD")
        published_on = st.date_input(t("policy_deadlines.published_on"),
                                     value=stored.published_on if stored else None,
                                     format="YYYY-MM-DD",
                                     help=t("policy_deadlines.published_on_help"))
        if st.form_submit_button(t("policy_page.save"), type="primary"):
            return policies.PolicyFields(title=title, doc_number=doc_number, issuer=issuer,
                                         addressee=addressee, issue_date=issue_date,
                                         is_normative=is_normative,
                                         paper_issued_on=paper_issued_on,
                                         published_on=published_on)
    return None


# --- Import ---------------------------------------------------------------------------------
st.subheader(t("policy_page.import_header"))
upload_tab, paste_tab = st.tabs([t("policy_page.tab_upload"), t("policy_page.tab_paste")])
with upload_tab:
    uploaded = st.file_uploader(t("policy_page.upload_label"), type=["docx", "txt"],
                                key="policies_upload", help=t("policy_page.upload_help"))
    if uploaded is not None and st.button(t("policy_page.parse"), key="policies_parse_upload"):
        st.session_state.pop(PENDING_KEY, None)
        result = ui.run_action(lambda s, a: policies.parse_upload(uploaded.name,
                                                                   uploaded.getvalue()))
        if result is not None:
            st.session_state[PENDING_KEY] = (result[0], result[1], uploaded.name)
with paste_tab:
    pasted = st.text_area(t("policy_page.paste_label"), height=200, key="policies_paste")
    if st.button(t("policy_page.parse"), key="policies_parse_paste"):
        st.session_state.pop(PENDING_KEY, None)
        result = ui.run_action(lambda s, a: policies.parse_pasted(pasted))
        if result is not None:
            st.session_state[PENDING_KEY] = (result[0], result[1], t("policy_page.pasted_name"))

pending = st.session_state.get(PENDING_KEY)
if pending is not None:
    parsed, raw_text, source_name = pending
    st.markdown(t("policy_page.review_intro", name=ui.escape_md(source_name)))
    for warning_key in parsed.warnings:
        st.warning(t(warning_key))
    left, right = st.columns([2, 3])
    with left:
        fields = fields_form("policies_pending_form", parsed)
    with right:
        st.caption(t("policy_page.structure"))
        show_structure(parsed.sections)
    if fields is not None:
        saved = ui.run_action(lambda s, a: policies.save_policy(
            s, actor=a, parsed=parsed, fields=fields, source_name=source_name, raw_text=raw_text))
        if saved is not None:
            st.session_state.pop(PENDING_KEY, None)
            st.session_state["policies_selected"] = saved.id
            ui.flash(t("policy_page.saved", title=saved.title))
            st.rerun()

# --- Saved policies -------------------------------------------------------------------------
st.divider()
st.subheader(t("policy_page.saved_header"))
with ui.db_session() as session:
    rows = policies.list_policies(session)
if not rows:
    st.info(t("policy_page.none_saved"))
    st.stop()

ids = [row.id for row in rows]
titles = {row.id: row.title for row in rows}
selected_default = st.session_state.get("policies_selected")
policy_id = st.selectbox(t("policy_page.select"), ids, format_func=titles.get,
                         index=ids.index(selected_default) if selected_default in ids else 0,
                         key="policies_select_box")

with ui.db_session() as session:
    policy = policies.get_policy(session, policy_id)
    structure = policies.load_parsed(session, policy_id).sections

left, right = st.columns([2, 3])
with left:
    new_fields = fields_form(f"policies_edit_{policy_id}", None, stored=policy)
    if new_fields is not None:
        if ui.run_action(lambda s, a: policies.update_fields(s, actor=a, policy_id=policy_id,
                                                             fields=new_fields)):
            ui.flash(t("policy_page.updated"))
            st.rerun()
with right:
    st.caption(t("policy_page.structure"))
    show_structure(structure)

st.subheader(t("policy_page.make_drafts"))
# No default: the 公开属性 is a decision the drafter makes for every draft (先审查、后公开).
disclosure = st.selectbox(t("policy_page.disclosure"), list(Disclosure), index=None,
                          placeholder=t("policy_page.disclosure_placeholder"),
                          format_func=lambda code: ui.label("draft.disclosure", code),
                          key="policies_disclosure")
reason = basis = ""
if disclosure not in (None, Disclosure.PUBLIC):
    reason = st.text_area(t("policy_page.disclosure_reason"), key="policies_disclosure_reason")
    basis = st.text_input(t("policy_page.disclosure_basis"), key="policies_disclosure_basis",
                          placeholder=t("policy_page.disclosure_basis_placeholder"))
units = ui.run_action(lambda s, a: drafts.drafting_units(s, a)) or []
unit_id = None
if len(units) > 1:
    unit_names = {unit.id: unit.name for unit in units}
    unit_id = st.selectbox(t("policy_page.drafting_unit"), list(unit_names),
                           format_func=unit_names.get, key="policies_drafting_unit")
make_left, make_right = st.columns(2)
for column, kind in ((make_left, DraftKind.INTERPRETATION), (make_right, DraftKind.QA)):
    if column.button(t("policy_page.make_draft", kind=ui.label("draft.kind", kind)),
                     key=f"policies_make_{kind}"):
        draft = ui.run_action(lambda s, a: drafts.create_from_policy(
            s, actor=a, policy_id=policy_id, kind=kind, disclosure=disclosure,
            disclosure_reason=reason, disclosure_basis=basis, unit_id=unit_id))
        if draft is not None:
            st.session_state["drafts_selected"] = draft.id
            st.success(t("policy_page.draft_made", title=draft.title))
            st.page_link("views/drafts.py", label=t("policy_page.go_edit"), icon=":material/edit_note:")
