"""政策文件: import a policy (upload or paste), correct the parsed fields, save, make drafts,
and replace a saved policy's text with a revised version (导入修订版)."""

import dataclasses

import streamlit as st

import ui
from planner import diffing
from planner.config import get_settings
from planner.documents.structure import ParsedPolicy, ParsedSection
from planner.i18n import inside_book_marks, inside_quotes, t
from planner.models import Disclosure, DraftKind
from planner.services import drafts, policies
from planner.timeutil import format_office

PENDING_KEY = "policies_pending_import"
# (fields, [(policy id, title)]): an import whose title or 发文字号 matches saved policies.
DUPLICATE_KEY = "policies_duplicate_choice"
# (policy id, parsed, raw text, source name): a revised text waiting for confirmation.
REVISION_KEY = "policies_pending_revision"
# (policy id, summary dict): what the last revision left to check, shown until dismissed.
RESULT_KEY = "policies_revision_result"
HEADER_LABELS = {"title": "policy_page.field_title", "doc_number": "policy_page.field_doc_number",
                 "issuer": "policy_page.field_issuer", "addressee": "policy_page.field_addressee",
                 "issue_date": "policy_page.field_date"}

st.title(t("nav.policies"))


def upload_help() -> str:
    # No type filter on the uploaders: Streamlit would reject a .docm or .doc in the browser
    # with only a red icon, while policies.parse_upload names the file and the fix.
    return t("policy_page.upload_help", limit_mb=get_settings().upload_max_mb)


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


def save_new(parsed: ParsedPolicy, fields: policies.PolicyFields, source_name: str,
             raw_text: str, allow_duplicate: bool) -> None:
    saved = ui.run_action(lambda s, a: policies.save_policy(
        s, actor=a, parsed=parsed, fields=fields, source_name=source_name, raw_text=raw_text,
        allow_duplicate=allow_duplicate))
    if saved is not None:
        st.session_state.pop(PENDING_KEY, None)
        st.session_state.pop(DUPLICATE_KEY, None)
        select_policy(saved.id)
        ui.flash(t("policy_page.saved", title=saved.title))
        st.rerun()


def select_policy(policy_id: int) -> None:
    st.session_state["policies_selected"] = policy_id
    st.session_state["policies_select_box"] = policy_id


def choose_duplicate_action(parsed: ParsedPolicy, raw_text: str, source_name: str) -> None:
    """Offer the explicit choice for an import that matches saved policies: replace one of
    them with this text as its revised version, or save it as a policy of its own."""
    fields, duplicates = st.session_state[DUPLICATE_KEY]
    st.warning(t("policy_revision_page.duplicate_found", titles="、".join(
        f"《{ui.escape_md(inside_book_marks(title))}》" for _, title in duplicates)))
    for policy_id, title in duplicates:
        label = t("policy_revision_page.replace_existing", title=inside_book_marks(title))
        if st.button(label, key=f"policies_duplicate_revise_{policy_id}"):
            # The header fields as corrected in the form take the place of the parsed ones.
            corrected = dataclasses.replace(
                parsed, title=fields.title, doc_number=fields.doc_number, issuer=fields.issuer,
                addressee=fields.addressee, date=fields.issue_date)
            st.session_state[REVISION_KEY] = (policy_id, corrected, raw_text, source_name)
            st.session_state.pop(PENDING_KEY, None)
            st.session_state.pop(DUPLICATE_KEY, None)
            select_policy(policy_id)
            ui.flash(t("policy_revision_page.check_below"))
            st.rerun()
    if st.button(t("policy_revision_page.save_as_new"), key="policies_duplicate_save_new"):
        save_new(parsed, fields, source_name, raw_text, allow_duplicate=True)


# --- Revised versions -----------------------------------------------------------------------

def revision_input(policy_id: int, title: str) -> None:
    """Draw the upload and paste area for a revised text and keep the parsed text in
    REVISION_KEY."""
    st.caption(t("policy_revision_page.intro", title=ui.escape_md(inside_book_marks(title))))
    upload_tab, paste_tab = st.tabs([t("policy_page.tab_upload"), t("policy_page.tab_paste")])
    with upload_tab:
        uploaded = st.file_uploader(t("policy_revision_page.upload_label"),
                                    key="policies_revise_upload", help=upload_help())
        if uploaded is not None and st.button(t("policy_revision_page.parse"),
                                              key="policies_revise_parse_upload"):
            result = ui.run_action(lambda s, a: policies.parse_upload(uploaded.name,
                                                                       uploaded.getvalue()))
            if result is not None:
                st.session_state[REVISION_KEY] = (policy_id, result[0], result[1], uploaded.name)
                st.rerun()
    with paste_tab:
        pasted = st.text_area(t("policy_revision_page.paste_label"), height=200,
                              key="policies_revise_paste")
        if st.button(t("policy_revision_page.parse"), key="policies_revise_parse_paste"):
            result = ui.run_action(lambda s, a: policies.parse_pasted(pasted))
            if result is not None:
                st.session_state[REVISION_KEY] = (policy_id, result[0], result[1],
                                                  t("policy_page.pasted_name"))
                st.rerun()


def confirm_revision(policy_id: int, parsed: ParsedPolicy, raw_text: str,
                     source_name: str) -> None:
    """Show what the revised text changes, then replace the policy's text on confirmation."""
    preview = ui.run_action(lambda s, a: policies.preview_revision(
        s, policy_id=policy_id, parsed=parsed, raw_text=raw_text))
    if preview is None:
        st.session_state.pop(REVISION_KEY, None)
        return
    st.markdown(t("policy_revision_page.source", name=ui.escape_md(source_name)))
    show_preview(preview)

    # Keyed by the text it revises, so the next revision starts with an empty note.
    note = st.text_area(t("policy_revision_page.note"),
                        key=f"policies_revise_note_{preview.base_hash[:12]}",
                        placeholder=t("policy_revision_page.note_placeholder"), height=68)
    confirm_title_change = False
    if preview.title_changed:
        confirm_title_change = st.checkbox(t("policy_revision_page.confirm_title_change"),
                                           key=f"policies_revise_same_{preview.base_hash[:12]}")
    confirm_column, cancel_column = st.columns(2)
    if confirm_column.button(t("policy_revision_page.confirm"), type="primary",
                             key="policies_revise_confirm"):
        result = ui.run_action(lambda s, a: policies.revise_policy(
            s, actor=a, policy_id=policy_id, parsed=parsed, raw_text=raw_text,
            source_name=source_name, note=note, base_hash=preview.base_hash,
            confirm_title_change=confirm_title_change))
        if result is not None:
            st.session_state.pop(REVISION_KEY, None)
            st.session_state[RESULT_KEY] = (policy_id, revision_summary(result))
            ui.flash(t("policy_revision_page.replaced", number=result.revision.number,
                       title=inside_book_marks(result.policy.title)))
            st.rerun()
    if cancel_column.button(t("policy_revision_page.cancel"), key="policies_revise_cancel"):
        st.session_state.pop(REVISION_KEY, None)
        st.rerun()


def show_preview(preview: policies.RevisionPreview) -> None:
    if preview.title_changed:
        current, revised = preview.header["title"]
        st.warning(t("policy_revision_page.title_differs",
                     title=ui.escape_md(inside_book_marks(current)),
                     revised=ui.escape_md(inside_book_marks(revised))))
    for name, (current, revised) in preview.header.items():
        st.markdown(t("policy_revision_page.header_change", field=t(HEADER_LABELS[name]),
                      old=ui.escape_md(current) or "—", new=ui.escape_md(revised) or "—"))
    counts = preview.counts
    st.info(t("policy_revision_page.counts", changed=counts["changed"], added=counts["added"],
              removed=counts["removed"], unchanged=counts["unchanged"]))
    for change in preview.changes:
        label = change.heading or change.path or t("policy_revision_page.untitled_clause")
        st.markdown(f"**{ui.escape_md(label)}**　"
                    f"{t(f'policy_revision_page.status.{change.status}')}")
        st.markdown(diffing.to_html(change.ops), unsafe_allow_html=True)
    listed = len(preview.changes)
    total = counts["changed"] + counts["added"] + counts["removed"]
    if total > listed:
        st.caption(t("policy_revision_page.more_changes", count=total - listed))


def revision_summary(result: policies.RevisionResult) -> dict:
    """Return what the page shows after a revision as plain values for the session state."""
    return {"gaps": [(gap.title, gap.missing) for gap in result.citation_gaps],
            "entries": [entry.question for entry in result.library_entries],
            "hidden_gaps": result.hidden_gaps, "hidden_entries": result.hidden_entries}


def show_revision_result(policy_id: int) -> None:
    """Name the drafts and 答问口径库 entries that rest on the replaced text, until the
    user closes the notice."""
    stored = st.session_state.get(RESULT_KEY)
    if stored is None or stored[0] != policy_id:
        return
    summary = stored[1]
    if summary["gaps"] or summary["hidden_gaps"]:
        lines = [t("policy_revision_page.gap", title=ui.escape_md(inside_quotes(title)),
                   paths="、".join(ui.escape_md(path) for path in paths))
                 for title, paths in summary["gaps"]]
        if summary["hidden_gaps"]:
            # "另有" (besides) reads as an addition to the list, so an empty list uses "其中".
            key = "hidden_gaps" if summary["gaps"] else "only_hidden_gaps"
            lines.append(t(f"policy_revision_page.{key}", count=summary["hidden_gaps"]))
        st.warning("  \n".join([t("policy_revision_page.gaps_header"), *lines]))
    else:
        st.success(t("policy_revision_page.no_gaps"))
    total_entries = len(summary["entries"]) + summary["hidden_entries"]
    if total_entries:
        lines = [f"- {ui.escape_md(question)}" for question in summary["entries"]]
        if summary["hidden_entries"]:
            key = "hidden_entries" if summary["entries"] else "only_hidden_entries"
            hidden = t(f"policy_revision_page.{key}", count=summary["hidden_entries"])
            lines.append(f"- {hidden}")
        st.warning("\n".join([t("policy_revision_page.entries_header", count=total_entries),
                              "", *lines]))
    if st.button(t("policy_revision_page.dismiss"), key="policies_revision_dismiss"):
        st.session_state.pop(RESULT_KEY, None)
        st.rerun()


def show_revisions(policy_id: int) -> None:
    """List the texts the policy had before, newest first, with who replaced them, when
    and why."""
    with ui.db_session() as session:
        listings = policies.revisions(session, policy_id)
    st.markdown(f"**{t('policy_revision_page.revisions_header')}**")
    if not listings:
        st.caption(t("policy_revision_page.no_revisions"))
        return
    st.caption(t("policy_revision_page.current_version", number=listings[0].revision.number + 1))
    for listing in listings:
        revision = listing.revision
        revised_by = listing.revised_by or t("policy_revision_page.unknown_user")
        with st.expander(t("policy_revision_page.revision_label", number=revision.number,
                           title=inside_book_marks(revision.title),
                           when=format_office(revision.created_at), who=revised_by)):
            if revision.note:
                st.markdown(t("policy_revision_page.revision_note",
                              note=ui.escape_md(revision.note)))
            st.caption(t("policy_revision_page.revision_source",
                         name=revision.source_name or "—", doc_number=revision.doc_number or "—",
                         date=revision.issue_date.isoformat() if revision.issue_date else "—"))
            st.text_area(t("policy_revision_page.revision_text"), value=revision.raw_text,
                         disabled=True, height=300, key=f"policies_revision_text_{revision.id}")


# --- Import ---------------------------------------------------------------------------------
st.subheader(t("policy_page.import_header"))
upload_tab, paste_tab = st.tabs([t("policy_page.tab_upload"), t("policy_page.tab_paste")])
with upload_tab:
    uploaded = st.file_uploader(t("policy_page.upload_label"), key="policies_upload",
                                help=upload_help())
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
    st.markdown(t("policy_page.review_intro", name=ui.escape_md(inside_quotes(source_name))))
    for warning_key in parsed.warnings:
        st.warning(t(warning_key))
    left, right = st.columns([2, 3])
    with left:
        fields = fields_form("policies_pending_form", parsed)
    with right:
        st.caption(t("policy_page.structure"))
        show_structure(parsed.sections)
    if fields is not None:
        st.session_state.pop(DUPLICATE_KEY, None)
        with ui.db_session() as session:
            duplicates = [(match.id, match.title) for match in policies.find_duplicates(
                session, title=fields.title, doc_number=fields.doc_number)]
        if duplicates:
            st.session_state[DUPLICATE_KEY] = (fields, duplicates)
        else:
            save_new(parsed, fields, source_name, raw_text, allow_duplicate=False)
    if st.session_state.get(DUPLICATE_KEY) is not None:
        choose_duplicate_action(parsed, raw_text, source_name)

# --- Saved policies -------------------------------------------------------------------------
st.divider()
st.subheader(t("policy_page.saved_header"))
with ui.db_session() as session:
    rows = policies.list_policies(session)
if not rows:
    st.info(t("policy_page.none_saved"))
    st.stop()

ids = [row.id for row in rows]
labels = {row.id: policies.option_label(row) for row in rows}
selected_default = st.session_state.get("policies_selected")
policy_id = st.selectbox(t("policy_page.select"), ids, format_func=labels.get,
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

st.subheader(t("policy_revision_page.header"))
show_revision_result(policy_id)
pending_revision = st.session_state.get(REVISION_KEY)
if pending_revision is not None and pending_revision[0] == policy_id:
    confirm_revision(policy_id, *pending_revision[1:])
else:
    revision_input(policy_id, policy.title)
show_revisions(policy_id)

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
