"""稿件编辑: several people edit a draft section by section (versions, save conflicts,
assignment, comments, history), send it to review, release it once approved, and download
it as a Word file.

Text typed into a section stays in st.session_state (ui.UNSAVED_KEY) until it is saved or
discarded, so it survives reruns and visits to other pages. The page and the sidebar
warn while any is left.
"""

import streamlit as st

import downloads
import ui
from planner import diffing
from planner.i18n import inside_book_marks, inside_quotes, t
from planner.models import ConflictState, Disclosure, DraftKind, DraftStatus, ReviewOutcome
from planner.services import answer_sources, coedit, drafts, review
from planner.timeutil import format_office
from widgets import ai_panel, answer_brief, next_actors, roundtrip

FLASH_KEY = "drafts_flash"
FLASH_WARNING_KEY = "drafts_flash_warning"


def flash_and_rerun(message: str, *, warning: bool = False) -> None:
    st.session_state[FLASH_WARNING_KEY if warning else FLASH_KEY] = message
    st.rerun()


def show_unsaved_banner() -> None:
    unsaved = ui.unsaved_texts()
    if not unsaved:
        return
    lines = [t("coedit_page.unsaved_line",
               draft=ui.escape_md(inside_book_marks(entry["draft_title"])),
               section=ui.escape_md(entry["section_title"]))
             for entry in unsaved.values()]
    st.warning(t("coedit_page.unsaved_banner", count=len(unsaved)) + "\n\n"
               + "\n".join(f"- {line}" for line in lines))


st.title(t("nav.drafts"))
if FLASH_KEY in st.session_state:
    st.success(st.session_state.pop(FLASH_KEY))
if FLASH_WARNING_KEY in st.session_state:
    st.warning(st.session_state.pop(FLASH_WARNING_KEY))
show_unsaved_banner()

rows = ui.run_action(lambda session, actor: drafts.list_drafts(session, actor=actor))
if rows is None:
    st.stop()
selected_default = st.session_state.get("drafts_selected")
if selected_default is not None and selected_default not in {row.id for row in rows}:
    # Opened from another page (an event's documents, 我的待办) but not in this user's
    # list: the read check shows why, in place of some other draft.
    st.session_state.pop("drafts_selected")
    ui.run_action(lambda s, a: drafts.open_draft(s, actor=a, draft_id=selected_default))
    selected_default = None
if not rows:
    st.info(t("draft_page.none"))
    st.page_link("views/policies.py", label=t("draft_page.go_policies"), icon=":material/description:")
    st.stop()

# The options are (id, status) pairs, so a step that changes the state also changes the
# option: Streamlit then sets the box to the new label. With ids alone the browser keeps
# showing the label it had before the step (Streamlit 1.67).
options = [(row.id, row.status) for row in rows]
names = {(row.id, row.status): f"{ui.label('draft.kind', row.kind)} · {row.title}"
                               f"（{ui.label('draft.status', row.status)}）" for row in rows}
ids = [option_id for option_id, _ in options]
draft_id, _ = st.selectbox(t("draft_page.select"), options, format_func=names.get,
                           index=ids.index(selected_default) if selected_default in ids else 0,
                           key="drafts_select_box")
st.session_state["drafts_selected"] = draft_id


def load(session, actor):
    draft = drafts.open_draft(session, actor=actor, draft_id=draft_id)   # checks reading
    sections = drafts.list_sections(session, draft_id)
    may_assign = coedit.may_assign(session, actor=actor, draft_id=draft_id)
    return {
        "actor_id": actor.id,
        "draft": draft,
        "sections": sections,
        "decisions": review.decisions(session, draft_id),
        "releases": review.releases(session, draft_id),
        "steps": review.available_steps(session, actor=actor, draft_id=draft_id),
        "editable": {s.id: coedit.may_edit_section(session, actor=actor, section=s)
                     for s in sections},
        "may_assign": may_assign,
        "may_change_details": drafts.may_change_title_and_disclosure(session, actor=actor,
                                                                     draft_id=draft_id),
        "may_comment": coedit.may_comment(session, actor=actor, draft_id=draft_id),
        "people": ({user.id: f"{user.display_name}（{user.username}）"
                    for user in coedit.assignable_users(session)} if may_assign else {}),
        "assignees": coedit.display_names(session, {s.assignee_id for s in sections}),
        "threads": coedit.list_comments(session, draft_id),
        "conflicts": coedit.open_conflicts(session, actor=actor, draft_id=draft_id),
        "history": {s.id: coedit.section_history(session, s.id) for s in sections},
        "draft_history": coedit.draft_history(session, draft_id),
        "unverified_sources": answer_sources.unverified_sources(session, draft),
    }


view = ui.run_action(load)
if view is None:
    st.stop()
draft, sections, steps = view["draft"], view["sections"], view["steps"]
is_qa = draft.kind == DraftKind.QA
open_threads = sum(not thread.resolved for thread in view["threads"])

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

def load_review_gate(session, actor):
    """Why 送审 or 发布 would be refused now, who may release an approved draft, and who
    may decide the level a draft under review waits for."""
    gate = {"submit": [], "release": [], "release_rule": None, "next": None}
    if draft.status in review.LEVEL_STATUS.values():
        gate["next"] = review.next_actors(session, draft_id=draft_id)
    if review.Step.SUBMIT in steps:
        gate["submit"] = review.submit_blockers(session, actor=actor, draft_id=draft_id)
    if review.Step.RELEASE in steps:
        gate["release"] = review.release_blockers(session, draft_id=draft_id)
    elif draft.status == DraftStatus.APPROVED:
        gate["release_rule"] = review.release_rule(session, draft_id=draft_id)
    return gate


def release_rule_text(rule: review.ReleaseRule) -> str:
    people = (t("review_gate.release_people", names=ui.escape_md("、".join(rule.people)))
              if rule.people else t("review_gate.release_nobody"))
    return t("review_gate.release_by", unit=ui.escape_md(rule.unit_name),
             unit_roles="、".join(ui.label("role", role) for role in rule.unit_roles),
             any_roles="、".join(ui.label("role", role) for role in rule.any_unit_roles),
             people=people)


gate = ui.run_action(load_review_gate) or {"submit": [], "release": [], "release_rule": None,
                                           "next": None}
for message in gate["submit"] + gate["release"]:
    st.warning(ui.escape_md(message))
next_actors.show(gate["next"])
if gate["release_rule"] is not None:
    st.info(release_rule_text(gate["release_rule"]))
confirm_comments = False
if review.Step.SUBMIT in steps and open_threads and not gate["submit"]:
    st.warning(t("coedit_page.open_comments_warning", count=open_threads))
    confirm_comments = st.checkbox(t("coedit_page.confirm_open_comments", count=open_threads),
                                   key=f"drafts_confirm_comments_{draft_id}")
confirm_sources = False
if review.Step.SUBMIT in steps and view["unverified_sources"] and not gate["submit"]:
    st.warning(t("answer_sources.submit_warning", places=ui.escape_md(
        answer_sources.describe(view["unverified_sources"]))))
    confirm_sources = st.checkbox(t("answer_sources.confirm_submit"),
                                  key=f"drafts_confirm_sources_{draft_id}")
confirm_release = False
if review.Step.RELEASE in steps and not gate["release"]:
    # 发布 freezes the content for good, so it takes a ticked box first.
    confirm_release = st.checkbox(t("review_gate.release_confirm"),
                                  key=f"drafts_confirm_release_{draft_id}")
step_cols = st.columns(3)
if review.Step.SUBMIT in steps and step_cols[0].button(t("draft_page.submit"), type="primary",
                                                         key=f"drafts_submit_{draft_id}",
                                                         disabled=bool(gate["submit"])):
    if ui.run_action(lambda s, a: review.submit(s, actor=a, draft_id=draft_id,
                                                confirm_open_comments=confirm_comments,
                                                confirm_unverified_sources=confirm_sources)):
        flash_and_rerun(t("draft_page.submitted", title=ui.escape_md(draft.title)))
if review.Step.RELEASE in steps and step_cols[0].button(t("draft_page.release"), type="primary",
                                                          key=f"drafts_release_{draft_id}",
                                                          disabled=not confirm_release):
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
roundtrip.render_import(draft)

# --- Editing: after submission or approval an edit sends the draft back to 草稿 -----------
confirm_reset = False
if review.edit_would_reset(draft):
    st.warning(t("draft_page.reset_warning", status=ui.label("draft.status", draft.status)))
    confirm_reset = st.checkbox(t("draft_page.confirm_reset"),
                                key=f"drafts_confirm_reset_{draft_id}")


def render_details_forms() -> None:
    """Draw the title and 公开属性 forms (for those who may change them)."""
    with st.form(f"drafts_title_{draft_id}"):
        new_title = st.text_input(t("draft_page.title"), value=draft.title)
        if st.form_submit_button(t("draft_page.save_title")):
            if ui.run_action(lambda s, a: drafts.rename(s, actor=a, draft_id=draft_id,
                                                        title=new_title,
                                                        confirm_reset=confirm_reset)):
                flash_and_rerun(t("draft_page.saved"))

    with st.expander(t("draft_page.disclosure_header",
                       disclosure=ui.label("draft.disclosure", draft.disclosure))):
        render_disclosure_form()


def render_disclosure_form() -> None:
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


if view["may_change_details"]:
    render_details_forms()
else:
    st.caption(t("coedit_page.details_locked"))


# --- Save conflicts: both texts, the diff, and three ways out ------------------------------

def show_ops(ops: list[diffing.DiffOp]) -> None:
    st.markdown(diffing.to_html(ops) or "—", unsafe_allow_html=True)


def show_text(title: str, body: str) -> None:
    st.markdown(f"**{ui.escape_md(title)}**")
    st.markdown(ui.escape_md(body).replace("\n", "  \n") or "—")


def after_resolve(outcome: coedit.SaveOutcome | None, section_title: str) -> None:
    if outcome is None:
        return
    if outcome.conflict is not None:
        flash_and_rerun(t("coedit_page.conflict_again",
                          title=ui.escape_md(inside_quotes(section_title))),
                        warning=True)
    flash_and_rerun(t("coedit_page.conflict_resolved",
                      title=ui.escape_md(inside_quotes(section_title)),
                      version=outcome.section.version))


def merge_help(conflict: coedit.ConflictView, proposed: str) -> str:
    if conflict.base_body is None:
        return t("coedit_page.merge_help")
    markers = proposed.count(t("coedit.merge_marker_start"))
    if not markers:
        return t("coedit_page.merge_help_clean", base=conflict.base_number)
    return t("coedit_page.merge_help_three_way", base=conflict.base_number, count=markers)


def render_conflict(conflict: coedit.ConflictView) -> None:
    st.error(t("coedit_page.conflict_header",
               title=ui.escape_md(inside_quotes(conflict.theirs_title)),
               author=ui.escape_md(conflict.mine_author), base=conflict.base_number or "—",
               current=conflict.theirs_number))
    mine_col, theirs_col = st.columns(2)
    with mine_col:
        st.caption(t("coedit_page.conflict_mine", author=ui.escape_md(conflict.mine_author),
                     at=format_office(conflict.mine_at), base=conflict.base_number or "—"))
        show_text(conflict.mine_title, conflict.mine_body)
    with theirs_col:
        st.caption(t("coedit_page.conflict_theirs", number=conflict.theirs_number,
                     author=ui.escape_md(conflict.theirs_author),
                     at=format_office(conflict.theirs_at)))
        show_text(conflict.theirs_title, conflict.theirs_body)
    st.caption(t("coedit_page.conflict_diff"))
    if any(op.kind != diffing.OpKind.EQUAL for op in conflict.title_diff):
        show_ops(conflict.title_diff)
    show_ops(conflict.body_diff)

    key = conflict.version_id
    resolve = lambda choice, **text: ui.run_action(  # noqa: E731
        lambda s, a: coedit.resolve_conflict(s, actor=a, version_id=key, choice=choice,
                                             confirm_reset=confirm_reset,
                                             seen_version=conflict.theirs_number, **text))
    proposed_title = coedit.merge_template(conflict.theirs_title, conflict.mine_title,
                                           base=conflict.base_title)
    proposed_body = coedit.merge_template(conflict.theirs_body, conflict.mine_body,
                                          base=conflict.base_body)
    with st.form(f"drafts_merge_{key}"):
        st.caption(merge_help(conflict, proposed_title + proposed_body))
        merged_title = st.text_input(t("coedit_page.merge_title"),
                                     key=f"drafts_merge_title_{key}", value=proposed_title)
        merged_body = st.text_area(t("coedit_page.merge_body"), key=f"drafts_merge_body_{key}",
                                   height=220, value=proposed_body)
        if st.form_submit_button(t("coedit_page.merge"), type="primary"):
            after_resolve(resolve(coedit.Resolution.MERGE, title=merged_title,
                                  body=merged_body), conflict.theirs_title)
    keep_col, take_col = st.columns(2)
    if keep_col.button(t("coedit_page.keep_mine"), key=f"drafts_keep_{key}"):
        after_resolve(resolve(coedit.Resolution.KEEP_MINE), conflict.theirs_title)
    if take_col.button(t("coedit_page.take_theirs"), key=f"drafts_take_{key}"):
        after_resolve(resolve(coedit.Resolution.TAKE_THEIRS), conflict.theirs_title)


if view["conflicts"]:
    st.subheader(t("coedit_page.conflicts_header", count=len(view["conflicts"])))
    for conflict in view["conflicts"]:
        with st.container(border=True):
            render_conflict(conflict)


# --- One section: editor (or read-only text), comments, history, assignment -------------

def editor_keys(section_id: int, base: int) -> tuple[str, str]:
    # The base version and the user are part of the key: after a save, or after someone
    # else signs in in the same browser, the widgets start from the stored text.
    suffix = f"{section_id}_{base}_u{view['actor_id']}"
    return f"drafts_title_{suffix}", f"drafts_body_{suffix}"


def base_text(section, base: int) -> tuple[str, str]:
    """The section's text at version `base`, the one the editor started from."""
    if base == section.version:
        return section.title, section.body
    for row in view["history"][section.id]:
        if row.number == base:
            return row.title, row.body
    return section.title, section.body


def remember(entry: dict, field: str, key: str, start: tuple[str, str]) -> None:
    """Keep what the user typed into a section's heading or body (`field` "title" or
    "body", widget `key`) in the unsaved store. Drop the entry when both are back at
    `start`, the text the editor started from.

    It runs as the widgets' on_change callback, so only a change that the browser reports
    counts as typed. The other field keeps its unsaved or stored text.
    """
    if key not in st.session_state:
        return
    store = st.session_state.setdefault(ui.UNSAVED_KEY, {})
    known = store.get(entry["section_id"])
    if known is None or known["user_id"] != entry["user_id"]:
        known = {"title": start[0], "body": start[1]}
    text = {"title": known["title"], "body": known["body"], field: st.session_state[key]}

    if (text["title"].strip(), text["body"].strip()) == start:
        store.pop(entry["section_id"], None)
    else:
        store[entry["section_id"]] = {**entry, **text}


def forget(section_id: int, base: int) -> None:
    """Drop a section's unsaved text and its editor state (after a save or a discard)."""
    st.session_state.get(ui.UNSAVED_KEY, {}).pop(section_id, None)
    for key in editor_keys(section_id, base):
        st.session_state.pop(key, None)


def render_editor(section) -> None:
    unsaved = ui.unsaved_texts().get(section.id)
    base = unsaved["base"] if unsaved else section.version
    title_key, body_key = editor_keys(section.id, base)
    # The unsaved copy (else the stored text) is handed to the widgets on every run, not
    # only when their keys are missing. After a page switch cut short by another click,
    # Streamlit can keep a widget value that the browser has dropped: the browser then
    # shows the empty default and later sends it back. A value set here always reaches
    # the browser.
    st.session_state[title_key] = unsaved["title"] if unsaved else section.title
    st.session_state[body_key] = unsaved["body"] if unsaved else section.body
    if unsaved and base != section.version:
        st.warning(t("coedit_page.moved_on", base=base, current=section.version))

    entry = {"section_id": section.id, "user_id": view["actor_id"], "draft_id": draft.id,
             "base": base, "draft_title": draft.title, "section_title": section.title}
    start = base_text(section, base)
    title = st.text_input(t("draft_page.question") if is_qa else t("draft_page.heading"),
                          key=title_key, on_change=remember,
                          args=(entry, "title", title_key, start))
    body = st.text_area(t("draft_page.answer") if is_qa else t("draft_page.body"), height=220,
                        key=body_key, on_change=remember, args=(entry, "body", body_key, start))
    if section.source_ref:
        st.caption(t("draft_page.source_ref", ref=section.source_ref))
    confirm_empty = False
    if section.body.strip() and not body.strip():
        st.warning(t("coedit_page.empty_body_warning", length=len(section.body.strip())))
        confirm_empty = st.checkbox(t("coedit_page.confirm_empty"),
                                    key=f"drafts_confirm_empty_{section.id}")

    save_col, discard_col = st.columns(2)
    if save_col.button(t("draft_page.save_section"), key=f"drafts_save_{section.id}",
                       type="primary"):
        save_section(section, base, title, body, confirm_empty)
    if discard_col.button(t("coedit_page.discard"), key=f"drafts_discard_{section.id}",
                          disabled=section.id not in ui.unsaved_texts()):
        forget(section.id, base)
        flash_and_rerun(t("coedit_page.discarded",
                          title=ui.escape_md(inside_quotes(section.title))))


def save_section(section, base: int, title: str, body: str, confirm_empty: bool) -> None:
    outcome = ui.run_action(lambda s, a: coedit.save(
        s, actor=a, section_id=section.id, title=title, body=body, base_version=base,
        confirm_reset=confirm_reset, confirm_empty=confirm_empty))
    if outcome is None:
        return
    forget(section.id, base)
    if outcome.conflict is not None:
        flash_and_rerun(t("coedit_page.saved_as_conflict",
                          title=ui.escape_md(inside_quotes(section.title)),
                          current=outcome.conflict.theirs_number,
                          author=ui.escape_md(outcome.conflict.theirs_author)), warning=True)
    if not outcome.changed:
        flash_and_rerun(t("coedit_page.nothing_to_save"))
    flash_and_rerun(t("draft_page.section_saved", version=outcome.section.version))


def render_read_only(section) -> None:
    if section.read_only:
        st.info(t("coedit_page.read_only_note"))
    elif section.assignee_id is not None:
        st.info(t("coedit_page.assigned_note",
                  name=ui.escape_md(view["assignees"].get(section.assignee_id, ""))))
    else:
        st.info(t("coedit_page.no_edit_note"))
    show_text(section.title, section.body)

    unsaved = ui.unsaved_texts().get(section.id)
    if unsaved:
        # Typed before the section became read-only for this user: shown so it can be copied.
        st.warning(t("coedit_page.unsaved_locked"))
        st.text_area(t("coedit_page.unsaved_copy"), value=unsaved["body"], disabled=True,
                     key=f"drafts_locked_{section.id}")
        if st.button(t("coedit_page.discard"), key=f"drafts_discard_{section.id}"):
            forget(section.id, unsaved["base"])
            st.rerun()


def render_thread(thread: coedit.CommentThread) -> None:
    comment = thread.comment
    state = (t("coedit_page.thread_resolved", name=ui.escape_md(thread.resolved_by_name),
               at=format_office(thread.resolved_at)) if thread.resolved
             else t("coedit_page.thread_open"))
    st.markdown(t("coedit_page.comment_line", name=ui.escape_md(comment.author_name),
                  at=format_office(comment.created_at), state=state))
    st.markdown(ui.escape_md(comment.body).replace("\n", "  \n"))
    for reply in thread.replies:
        st.markdown(t("coedit_page.reply_line", name=ui.escape_md(reply.author_name),
                      at=format_office(reply.created_at),
                      body=ui.escape_md(reply.body).replace("\n", "  \n")))
    if not view["may_comment"]:
        return

    if not thread.resolved:
        with st.form(f"drafts_reply_{comment.id}", clear_on_submit=True):
            reply_text = st.text_input(t("coedit_page.reply"), key=f"drafts_reply_text_{comment.id}")
            if st.form_submit_button(t("coedit_page.reply_submit")):
                if ui.run_action(lambda s, a: coedit.add_comment(
                        s, actor=a, section_id=thread.section_id, body=reply_text,
                        parent_id=comment.id)):
                    flash_and_rerun(t("coedit_page.comment_added"))
    label = t("coedit_page.reopen") if thread.resolved else t("coedit_page.resolve")
    if st.button(label, key=f"drafts_thread_state_{comment.id}"):
        change = coedit.reopen_thread if thread.resolved else coedit.resolve_thread
        if ui.run_action(lambda s, a: change(s, actor=a, comment_id=comment.id)):
            flash_and_rerun(t("coedit_page.reopened" if thread.resolved
                              else "coedit_page.thread_done"))


def render_comments(section, threads: list[coedit.CommentThread]) -> None:
    if not threads:
        st.caption(t("coedit_page.no_comments"))
    for thread in threads:
        with st.container(border=True):
            render_thread(thread)
    if not view["may_comment"]:
        return
    with st.form(f"drafts_comment_{section.id}", clear_on_submit=True):
        text = st.text_area(t("coedit_page.new_comment"), height=80,
                            key=f"drafts_comment_text_{section.id}")
        if st.form_submit_button(t("coedit_page.comment_submit")):
            if ui.run_action(lambda s, a: coedit.add_comment(s, actor=a, section_id=section.id,
                                                             body=text)):
                flash_and_rerun(t("coedit_page.comment_added"))


def version_label(row: coedit.VersionView) -> str:
    origin = t(f"coedit.origin.{row.origin}")
    if row.number is None:
        state = (t("coedit_page.conflict_open") if row.conflict_state == ConflictState.OPEN
                 else t(f"coedit.resolution.{row.resolution}"))
        return t("coedit_page.version_conflict", base=row.base_number or "—",
                 name=row.author_name or "—", at=format_office(row.created_at), state=state)
    return t("coedit_page.version_line", number=row.number, name=row.author_name or "—",
             at=format_office(row.created_at), origin=origin)


def render_history(section) -> None:
    rows = view["history"][section.id]
    st.dataframe([{t("coedit_page.col_version"): version_label(row),
                   t("coedit_page.col_note"): row.note} for row in reversed(rows)],
                 hide_index=True, width="stretch")
    if len(rows) < 2:
        return

    labels = {row.id: version_label(row) for row in rows}
    ids = [row.id for row in rows]
    # The newest row is part of the keys: a new version starts the comparison again at
    # it and the one before, instead of keeping the pair chosen before it existed.
    suffix = f"{section.id}_{ids[-1]}"
    older_col, newer_col = st.columns(2)
    older = older_col.selectbox(t("coedit_page.compare_older"), ids, index=len(ids) - 2,
                                format_func=labels.get, key=f"drafts_history_a_{suffix}")
    newer = newer_col.selectbox(t("coedit_page.compare_newer"), ids, index=len(ids) - 1,
                                format_func=labels.get, key=f"drafts_history_b_{suffix}")
    comparison = ui.run_action(lambda s, a: coedit.compare_versions(s, older, newer))
    if comparison is not None:
        st.caption(t("coedit_page.compare_help"))
        if any(op.kind != diffing.OpKind.EQUAL for op in comparison.title):
            show_ops(comparison.title)
        show_ops(comparison.body)

    if view["editable"][section.id] and older != rows[-1].id:
        render_restore(section, next(row for row in rows if row.id == older), labels[older])


def render_restore(section, row: coedit.VersionView, label: str) -> None:
    confirm_empty = False
    if section.body.strip() and not row.body.strip():
        st.warning(t("coedit_page.restore_empty_warning", length=len(section.body.strip())))
        confirm_empty = st.checkbox(t("coedit_page.confirm_empty"),
                                    key=f"drafts_restore_empty_{section.id}")
    if not st.button(t("coedit_page.restore", version=label),
                     key=f"drafts_restore_{section.id}"):
        return
    outcome = ui.run_action(lambda s, a: coedit.restore(
        s, actor=a, version_id=row.id, base_version=section.version,
        confirm_reset=confirm_reset, confirm_empty=confirm_empty))
    if outcome is not None and outcome.conflict is not None:
        flash_and_rerun(t("coedit_page.conflict_again",
                          title=ui.escape_md(inside_quotes(section.title))),
                        warning=True)
    if outcome is not None:
        flash_and_rerun(t("coedit_page.restored", title=ui.escape_md(inside_quotes(section.title)),
                          version=outcome.section.version))


def render_assignment(section) -> None:
    people = dict(view["people"])
    if section.assignee_id is not None and section.assignee_id not in people:
        people[section.assignee_id] = view["assignees"].get(section.assignee_id, "")
    options = [None, *people]
    with st.form(f"drafts_assign_{section.id}"):
        assignee = st.selectbox(t("coedit_page.assignee"), options,
                                index=options.index(section.assignee_id),
                                format_func=lambda uid: (t("coedit_page.nobody") if uid is None
                                                         else people[uid]))
        read_only = st.checkbox(t("coedit_page.read_only"), value=section.read_only)
        st.caption(t("coedit_page.assign_help"))
        if st.form_submit_button(t("coedit_page.assign_save")):
            if ui.run_action(lambda s, a: coedit.assign_section(
                    s, actor=a, section_id=section.id, assignee_id=assignee,
                    read_only=read_only)):
                flash_and_rerun(t("coedit_page.assigned",
                                  title=ui.escape_md(inside_quotes(section.title))))


def section_heading(section, open_count: int) -> str:
    heading = section.title if not is_qa else t("draft_page.question_n", n=section.position + 1)
    marks = []
    if section.assignee_id is not None:
        marks.append(t("coedit_page.mark_assigned",
                       name=view["assignees"].get(section.assignee_id, "")))
    if section.read_only:
        marks.append(t("coedit_page.mark_read_only"))
    if open_count:
        marks.append(t("coedit_page.mark_comments", count=open_count))
    if section.id in ui.unsaved_texts():
        marks.append(t("coedit_page.mark_unsaved"))
    return heading + (f"（{'，'.join(marks)}）" if marks else "")


def render_section(section) -> None:
    threads = [thread for thread in view["threads"] if thread.section_id == section.id]
    open_count = sum(not thread.resolved for thread in threads)
    editable = view["editable"][section.id]
    expanded = section.position == 0 or section.id in ui.unsaved_texts()
    with st.expander(section_heading(section, open_count), expanded=expanded):
        tab_names = [t("coedit_page.tab_edit") if editable else t("coedit_page.tab_read"),
                     t("coedit_page.tab_comments", count=open_count),
                     t("coedit_page.tab_history")]
        if view["may_assign"]:
            tab_names.append(t("coedit_page.tab_assign"))
        tabs = st.tabs(tab_names)
        with tabs[0]:
            if editable:
                render_editor(section)
                ai_panel.render_section_assist(draft, section, editable=True)
            else:
                render_read_only(section)
        with tabs[1]:
            render_comments(section, threads)
        with tabs[2]:
            render_history(section)
        if view["may_assign"]:
            with tabs[3]:
                render_assignment(section)


for section in sections:
    render_section(section)

# 答问口径: the tier, key points, sources and phrasing to avoid of each question.
if draft.kind == DraftKind.ANSWER_BRIEF and any(view["editable"].values()):
    with st.expander(t("answer_brief_widget.details_title")):
        answer_brief.render_details(draft_id)


# --- The draft's versions: every save across sections -------------------------------------

def show_content_diff(result: diffing.ContentDiff) -> None:
    if not result.changed:
        st.info(t("review_page.no_changes"))
        return
    for section_diff in result.sections:
        if section_diff.status == "same":
            continue
        st.markdown(f"**{ui.escape_md(section_diff.label)}**　"
                    f"{t(f'review_page.section_{section_diff.status}')}")
        if section_diff.title.changed:
            show_ops(section_diff.title.ops)
        show_ops(section_diff.body.ops)


history = view["draft_history"]
with st.expander(t("coedit_page.draft_history", count=len(history))):
    if len(history) < 2:
        st.caption(t("coedit_page.draft_history_short"))
    else:
        labels = {item.version_id: t("coedit_page.draft_version_line", ordinal=item.ordinal,
                                     section=item.section_title, number=item.number,
                                     name=item.author_name or "—",
                                     at=format_office(item.created_at),
                                     origin=t(f"coedit.origin.{item.origin}"))
                  for item in history}
        version_ids = list(labels)
        suffix = f"{draft_id}_{version_ids[-1]}"   # a new version resets the pair
        older_col, newer_col = st.columns(2)
        at_a = older_col.selectbox(t("coedit_page.compare_older"), version_ids,
                                   index=len(version_ids) - 2, format_func=labels.get,
                                   key=f"drafts_draft_history_a_{suffix}")
        at_b = newer_col.selectbox(t("coedit_page.compare_newer"), version_ids,
                                   index=len(version_ids) - 1, format_func=labels.get,
                                   key=f"drafts_draft_history_b_{suffix}")
        result = ui.run_action(lambda s, a: coedit.compare_draft(s, draft_id, at_a, at_b))
        if result is not None:
            st.caption(t("coedit_page.compare_help"))
            show_content_diff(result)
