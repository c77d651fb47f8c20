"""The documents of one press event, for the event page.

It lists each role (发布会方案, 新闻通稿, 答问口径, 预告, 文字实录, 重要政务活动信息) with its
draft and review status. A button drafts a missing one after its 公开属性 is chosen, and
another opens the drafts page.

The event page calls render(event_id). Who may create what is checked in
planner.services.event_documents; the buttons only follow it.
"""

import streamlit as st

import ui
from planner.i18n import t
from planner.models import Disclosure, EventDocument
from planner.services import drafts, event_documents
from widgets import answer_brief

PENDING_KEY = "event_documents_pending"   # (event id, role) whose creation form is open


def render(event_id: int) -> None:
    view = ui.run_action(lambda session, actor: _load(session, actor, event_id))
    if view is None:
        return

    st.subheader(t("event_documents_widget.header"))
    if view["closed"] and view["may_create"]:
        st.info(view["closed"])
    for role in EventDocument:
        _role_row(event_id, role, view)
    pending = st.session_state.get(PENDING_KEY)
    if pending is not None and pending[0] == event_id and not view["closed"]:
        _creation_form(event_id, EventDocument(pending[1]))

    brief = view["documents"].get(EventDocument.ANSWER_BRIEF)
    if brief is not None and view["readable"][brief.id]:
        _library_suggestions(brief.id, view["suggestions"])
        with st.expander(t("event_documents_widget.brief_details")):
            answer_brief.render_details(brief.id)
    # A button, not st.page_link: a link needs the page registered in this app's
    # navigation when it renders, a switch only when clicked.
    if st.button(t("event_documents_widget.go_drafts"), key=f"event_documents_drafts_{event_id}",
                 icon=":material/edit_note:"):
        st.switch_page("views/drafts.py")


def _load(session, actor, event_id: int) -> dict:
    documents = event_documents.documents_for(session, event_id)
    return {
        "documents": documents,
        "readable": {draft.id: drafts.may_read(session, actor=actor, draft=draft)
                     for draft in documents.values()},
        "may_create": event_documents.may_create(session, actor=actor, event_id=event_id),
        "closed": event_documents.closed_reason(session, event_id),
        "suggestions": event_documents.library_suggestions(session, event_id, actor=actor),
    }


def _role_row(event_id: int, role: EventDocument, view: dict) -> None:
    draft = view["documents"].get(role)
    name_col, state_col, action_col = st.columns([2, 5, 2])
    name_col.markdown(f"**{t(f'event_documents.role.{role}')}**")
    if draft is not None and not view["readable"][draft.id]:
        # A 不公开 or 依申请公开 document this user may not read: neither title nor link.
        hidden = t("draft_access.hidden_title",
                   disclosure=ui.label("draft.disclosure", draft.disclosure))
        state_col.markdown(t("event_documents_widget.draft_line", title=hidden,
                             status=ui.label("draft.status", draft.status)))
        return
    if draft is not None:
        state_col.markdown(t("event_documents_widget.draft_line", title=ui.escape_md(draft.title),
                             status=ui.label("draft.status", draft.status)))
        if action_col.button(t("event_documents_widget.open"),
                             key=f"event_documents_open_{event_id}_{role}"):
            st.session_state["drafts_selected"] = draft.id
            st.switch_page("views/drafts.py")
        return

    state_col.caption(t("event_documents_widget.missing"))
    if view["may_create"] and not view["closed"] and action_col.button(
            t("event_documents_widget.create"), key=f"event_documents_create_{event_id}_{role}"):
        st.session_state[PENDING_KEY] = (event_id, role.value)
        st.rerun()


def _creation_form(event_id: int, role: EventDocument) -> None:
    suggested = event_documents.SUGGESTED_DISCLOSURE.get(role, Disclosure.PUBLIC)
    internal = suggested != Disclosure.PUBLIC
    codes = list(Disclosure)
    with st.form(f"event_documents_form_{event_id}_{role}"):
        st.markdown(t("event_documents_widget.form_header",
                      role=t(f"event_documents.role.{role}")))
        disclosure = st.selectbox(t("policy_page.disclosure"), codes, index=codes.index(suggested),
                                  format_func=lambda code: ui.label("draft.disclosure", code))
        reason = st.text_area(t("policy_page.disclosure_reason"), height=68,
                              value=t("event_documents_widget.internal_reason") if internal else "")
        basis = st.text_input(t("policy_page.disclosure_basis"),
                              value=t("event_documents_widget.internal_basis") if internal else "",
                              placeholder=t("policy_page.disclosure_basis_placeholder"))
        st.caption(t("event_documents_widget.disclosure_help"))
        create_col, cancel_col = st.columns(2)
        create = create_col.form_submit_button(t("event_documents_widget.confirm"), type="primary")
        cancel = cancel_col.form_submit_button(t("event_documents_widget.cancel"))

    if cancel:
        st.session_state.pop(PENDING_KEY, None)
        st.rerun()
    if create:
        draft = ui.run_action(lambda s, a: event_documents.create_document(
            s, actor=a, event_id=event_id, role=role, disclosure=disclosure,
            disclosure_reason=reason, disclosure_basis=basis))
        if draft is not None:
            st.session_state.pop(PENDING_KEY, None)
            ui.flash(t("event_documents_widget.created", role=t(f"event_documents.role.{role}"),
                       title=ui.escape_md(draft.title)))
            st.rerun()


def _library_suggestions(brief_id: int, suggestions) -> None:
    """Point to the library's approved answers on the event's policy, for reuse."""
    if suggestions is None or not suggestions.total:
        return
    st.caption(t("event_documents_widget.library_hint", count=suggestions.total))
    for hit in suggestions.hits:
        st.markdown(f"- {ui.escape_md(hit.entry.question)}")
    if st.button(t("event_documents_widget.go_library"), key=f"event_documents_library_{brief_id}"):
        st.session_state["library_policy"] = suggestions.hits[0].entry.policy_id
        st.session_state["library_target"] = brief_id
        st.switch_page("views/answer_library.py")

