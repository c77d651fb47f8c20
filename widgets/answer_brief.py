"""The fields an 答问口径 question has beyond question and answer: its tier (必答, 可能问,
备答), 答题要点, 依据 and 避免的表述, one form per question.

The question and answer themselves are edited on the drafts page like any section. Saving
here is an edit too: after submission or approval it sends the draft back to 草稿, and the
form warns about that before saving (planner.services.event_documents.save_answer_details).
A question whose 依据 cites clauses the linked policy does not have shows them in a warning
(planner.services.answer_sources), after a save as after any other change.
"""

import streamlit as st

import ui
from planner.documents.templates import INTRO_KEY
from planner.i18n import t
from planner.models import AnswerTier
from planner.services import answer_sources, drafts, event_documents, review


def _load(session, actor, draft_id: int) -> dict:
    draft = drafts.open_draft(session, actor=actor, draft_id=draft_id)
    return {
        "draft": draft,
        "sections": [s for s in drafts.list_sections(session, draft_id) if s.key != INTRO_KEY],
        "unverified": {item.section_id: item.clauses
                       for item in answer_sources.unverified_sources(session, draft)},
        "policy": answer_sources.policy_title(session, draft),
    }


def render_details(draft_id: int) -> None:
    view = ui.run_action(lambda session, actor: _load(session, actor, draft_id))
    if view is None:
        return
    draft = view["draft"]

    confirm_reset = False
    if review.edit_would_reset(draft):
        st.warning(t("draft_page.reset_warning", status=ui.label("draft.status", draft.status)))
        confirm_reset = st.checkbox(t("draft_page.confirm_reset"),
                                    key=f"answer_brief_confirm_reset_{draft_id}")
    tiers = list(AnswerTier)
    for number, section in enumerate(view["sections"], start=1):
        _section_form(section, number, tiers, confirm_reset)
        missing = view["unverified"].get(section.id)
        if missing:
            st.warning(t("answer_sources.section_warning",
                         clauses=ui.escape_md("、".join(missing)),
                         policy=ui.escape_md(view["policy"])))


def _section_form(section, number: int, tiers: list[AnswerTier], confirm_reset: bool) -> None:
    with st.form(f"answer_brief_details_{section.id}"):
        st.markdown(t("answer_brief_widget.question", n=number,
                      question=ui.escape_md(section.title)))
        current = AnswerTier(section.tier) if section.tier in tiers else AnswerTier.LIKELY
        tier = st.selectbox(t("answer_brief_widget.tier"), tiers, index=tiers.index(current),
                            format_func=lambda code: ui.label("answer_library.tier", code))
        key_points = st.text_area(t("answer_brief_widget.key_points"), value=section.key_points,
                                  height=100, help=t("answer_brief_widget.one_per_line"))
        source_ref = st.text_input(t("answer_brief_widget.source_ref"), value=section.source_ref)
        avoid = st.text_area(t("answer_brief_widget.avoid"), value=section.avoid_phrasing,
                             height=68, help=t("answer_brief_widget.one_per_line"))
        submitted = st.form_submit_button(t("answer_brief_widget.save"))
    if submitted:
        saved = ui.run_action(lambda s, a: event_documents.save_answer_details(
            s, actor=a, section_id=section.id, tier=tier, key_points=key_points,
            avoid_phrasing=avoid, source_ref=source_ref, confirm_reset=confirm_reset))
        if saved is not None:
            ui.flash(t("answer_brief_widget.saved", n=number))
            st.rerun()
