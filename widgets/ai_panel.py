"""AI assistance next to a draft section (稿件编辑) and on an opinion item (政务舆情).

A click prepares the request in planner (configuration, rights, the 不公开 rule), then the
reply streams into a placeholder with the count of characters received. 停止 is an
ordinary button: its click reruns the script, which interrupts the loop. The text
received so far is kept in st.session_state while streaming, so the next run records it
as a stopped suggestion. 停止 and the progress are removed as soon as the stream ends.
Suggestions are stored in planner and shown marked as AI 生成 until the user accepts
(possibly edited) or discards them. A text citing clauses the policy does not have needs
the 我已核对 checkbox before 采用.

A section's panel is drawn in a keyed container with the same slots on every run
(notices, buttons and stream, suggestions). While a reply streams, Streamlit keeps
showing the previous run's elements that the current run has not drawn yet, by their
position. With a fixed layout no element moves, so no faded copy of the buttons appears.
"""

import logging
import uuid

import streamlit as st

import ui
from planner.errors import PlannerError
from planner.i18n import inside_quotes, t
from planner.models import AiAction, SuggestionStatus
from planner.services import ai, review
from planner.timeutil import format_office

logger = logging.getLogger("planner.ui.ai_panel")

RUN_PREFIX = "ai_panel_run_"         # + scope: {"request": AiRequest, "text": str} while streaming
COPY_PREFIX = "ai_panel_copy_"       # + scope: an accepted summary to show for copying
NOTICE_PREFIX = "ai_panel_notice_"   # + scope: (kind, message) to show after the rerun


def render_section_assist(draft, section, *, editable: bool) -> None:
    """Draw the AI buttons of one section and the user's open suggestions for it.

    Without `editable` only the suggestions are listed, without 采用; the service checks
    the rights again on every action.
    """
    scope = f"section_{section.id}"
    with st.container(key=f"ai_panel_{scope}"):
        notices, controls, boxes = st.container(), st.container(), st.container()
        with notices:
            _show_notice(scope)
            _record_interrupted(scope)
        if editable:
            with controls:
                _section_buttons(draft, section, scope)
        with boxes:
            for suggestion, checks in _open_suggestions(section_id=section.id):
                _suggestion_box(suggestion, checks, scope=scope, editable=editable,
                                needs_reset=review.edit_would_reset(draft))


def render_opinion_summary(opinion, *, note_key: str | None = None) -> None:
    """Draw 生成摘要 for an opinion item. 采用 marks the suggestion accepted and, when the page
    shows the 研判 form, puts the text into that form's field `note_key`."""
    scope = f"opinion_{opinion.id}"
    with st.container(key=f"ai_panel_{scope}"):
        notices, controls, boxes = st.container(), st.container(), st.container()
        with notices:
            _show_notice(scope)
            _record_interrupted(scope)
            copied = st.session_state.pop(COPY_PREFIX + scope, None)
            if copied:
                st.code(copied, language=None, wrap_lines=True)
        with controls:
            _summary_button(opinion, scope)
        with boxes:
            for suggestion, checks in _open_suggestions(opinion_id=opinion.id):
                _suggestion_box(suggestion, checks, scope=scope, editable=True,
                                needs_reset=False, note_key=note_key)


def _summary_button(opinion, scope: str) -> None:
    refusal = _configuration_refusal()
    clicked = st.button(t("ai_panel.summary"), key=f"ai_{scope}_summarise",
                        help=t("ai_panel.summary_help"), disabled=refusal is not None)
    if refusal is not None:
        st.caption(refusal.message)
    if clicked:
        request = ui.run_action(lambda s, a: ai.prepare(s, actor=a, action=AiAction.SUMMARISE,
                                                        opinion_id=opinion.id))
        if request is not None:
            _stream(request, scope)


# --- the buttons and the stream ---------------------------------------------------------

def _section_buttons(draft, section, scope: str) -> None:
    actions = _offered_actions(draft, section)
    if not actions:
        return
    refusal = ai.refusal_for(draft)
    clicked = None
    for column, action in zip(st.columns(len(actions)), actions):
        if column.button(t(f"ai_panel.{action}"), key=f"ai_{scope}_{action}",
                         help=t(f"ai_panel.{action}_help"), disabled=refusal is not None):
            clicked = action
    if refusal is not None:
        st.caption(refusal.message)
    if clicked is None:
        return

    request = ui.run_action(lambda s, a: ai.prepare(s, actor=a, action=clicked,
                                                    draft_id=draft.id, section_id=section.id))
    if request is not None:
        _stream(request, scope)


def _offered_actions(draft, section) -> list[AiAction]:
    actions = []
    if draft.policy_id is not None:
        actions.append(AiAction.DRAFT)
    if section.body.strip():
        actions.append(AiAction.POLISH)
    # New questions concern the whole draft: offered once, at its first section.
    if draft.policy_id is not None and draft.kind in ai.QA_KINDS and section.position == 0:
        actions.append(AiAction.QUESTIONS)
    return actions


def _configuration_refusal() -> PlannerError | None:
    try:
        ai.configured_settings()
    except PlannerError as exc:
        return exc
    return None


def _stream(request, scope: str) -> None:
    """Stream the reply into the page, then record it and rerun to show it."""
    run = {"request": request, "text": ""}
    st.session_state[RUN_PREFIX + scope] = run
    # A click on 停止 (or on any other widget) reruns the script and so ends this loop;
    # _record_interrupted then saves what `run` holds.
    stop, progress, preview = st.empty(), st.empty(), st.empty()
    stop.button(t("ai_panel.stop"), key=f"ai_{scope}_stop")
    try:
        for piece in ai.stream(request):
            run["text"] += piece
            progress.caption(t("ai_panel.progress", count=len(run["text"])))
            preview.text(run["text"])
    except PlannerError as exc:
        _end_stream(scope, stop, progress, preview)
        st.error(exc.message)
        return
    except Exception:
        _end_stream(scope, stop, progress, preview)
        ref = uuid.uuid4().hex[:8]
        logger.exception("AI stream failed, reference %s", ref)
        st.error(t("app.unexpected_error", ref=ref))
        return

    stop.empty()
    st.session_state.pop(RUN_PREFIX + scope, None)
    saved = ui.run_action(lambda s, a: ai.record_suggestion(s, actor=a, request=request,
                                                            text=run["text"], stopped=False))
    if saved is not None:
        st.rerun()


def _end_stream(scope: str, *placeholders) -> None:
    """Forget a failed stream and clear 停止 and the partial text, so that only the error
    stays on screen."""
    st.session_state.pop(RUN_PREFIX + scope, None)
    for placeholder in placeholders:
        placeholder.empty()


def _record_interrupted(scope: str) -> None:
    run = st.session_state.pop(RUN_PREFIX + scope, None)
    if run is None or not run["text"].strip():
        return
    # With runner.fastReruns (Streamlit's default) this run starts while the interrupted one
    # may still append a chunk to run["text"], so the message counts what was saved.
    saved = ui.run_action(lambda s, a: ai.record_suggestion(
        s, actor=a, request=run["request"], text=run["text"], stopped=True))
    if saved is not None:
        st.info(t("ai_panel.stopped_saved", count=len(saved.text)))


# --- suggestions ------------------------------------------------------------------------

def _open_suggestions(*, section_id: int | None = None, opinion_id: int | None = None) -> list:
    found = ui.run_action(lambda s, a: [
        (suggestion, ai.stored_checks(suggestion))
        for suggestion in ai.open_suggestions(s, actor=a, section_id=section_id,
                                              opinion_id=opinion_id)])
    return found or []


def _suggestion_box(suggestion, checks, *, scope: str, editable: bool, needs_reset: bool,
                    note_key: str | None = None) -> None:
    with st.container(border=True):
        st.markdown(t("ai_panel.label", action=t(f"ai.action.{suggestion.action}"),
                      model=ui.escape_md(suggestion.model),
                      when=format_office(suggestion.created_at)))
        stopped = suggestion.status == SuggestionStatus.STOPPED
        st.caption(t("ai_panel.stopped_note" if stopped else "ai_panel.pending_note"))
        text = st.text_area(t("ai_panel.edit_label"), value=suggestion.text, height=200,
                            key=f"ai_edit_{suggestion.id}", disabled=not editable)
        if suggestion.action != AiAction.SUMMARISE:
            checks = _checks_for_text(suggestion, text, checks)
            _citations(checks)
        if not editable:
            return

        unverified = "、".join(ai.unverified_clauses(checks))
        confirm_unverified = bool(unverified) and st.checkbox(
            t("ai_panel.confirm_unverified", clauses=ui.escape_md(unverified)),
            key=f"ai_confirm_unverified_{suggestion.id}")
        confirm_reset = needs_reset and st.checkbox(t("ai_panel.confirm_reset"),
                                                    key=f"ai_confirm_{suggestion.id}")
        accept_col, discard_col = st.columns(2)
        if accept_col.button(t("ai_panel.accept"), key=f"ai_accept_{suggestion.id}",
                             type="primary"):
            _accept(suggestion, text, scope=scope, note_key=note_key,
                    confirm_reset=confirm_reset, confirm_unverified=confirm_unverified)
        if discard_col.button(t("ai_panel.discard"), key=f"ai_discard_{suggestion.id}"):
            if ui.run_action(lambda s, a: ai.discard(s, actor=a, suggestion_id=suggestion.id)):
                _rerun_with_notice(scope, "success", t("ai_panel.discarded"))


def _checks_for_text(suggestion, text: str, stored: list) -> list:
    """Return the citation checks of the text as edited; the stored ones while unedited."""
    if text.strip() == suggestion.text.strip():
        return stored
    found = ui.run_action(lambda s, a: ai.checks_for_text(s, suggestion, text))
    return found or []


def _citations(checks) -> None:
    st.markdown(f"**{t('ai_panel.citations_header')}**")
    if not checks:
        st.caption(t("ai_panel.citations_none"))
    for check in checks:
        if check.found:
            st.caption(t("ai_panel.citation_ok", cited=ui.escape_md(check.cited),
                         paths=ui.escape_md("、".join(check.matches)),
                         heading=ui.escape_md(check.heading)))
        else:
            st.warning(t("ai_panel.citation_unknown", cited=ui.escape_md(check.cited)))


def _accept(suggestion, text: str, *, scope: str, note_key: str | None, confirm_reset: bool,
            confirm_unverified: bool) -> None:
    outcome = ui.run_action(lambda s, a: ai.accept(
        s, actor=a, suggestion_id=suggestion.id, text=text, confirm_reset=confirm_reset,
        confirm_unverified=confirm_unverified))
    if outcome is None:
        return

    if suggestion.action == AiAction.SUMMARISE and note_key:
        # Set before the 研判 form is drawn in this run, so the form shows it.
        st.session_state[note_key] = outcome.text
        _rerun_with_notice(scope, "success", t("ai_panel.accepted_summary"))
    elif suggestion.action == AiAction.SUMMARISE:
        st.session_state[COPY_PREFIX + scope] = outcome.text
        _rerun_with_notice(scope, "success", t("ai_panel.accepted_summary_copy"))
    else:
        _rerun_with_notice(scope, *_accepted_message(outcome))


def _accepted_message(outcome: ai.AcceptOutcome) -> tuple[str, str]:
    if outcome.added:
        return "success", t("ai_panel.accepted_questions", count=len(outcome.added))
    saved = outcome.saved
    if saved.conflict is not None:
        return "warning", t("ai_panel.accepted_conflict", title=inside_quotes(saved.section.title),
                            current=saved.section.version)
    if saved.version.ai_suggestion_id != outcome.suggestion.id:
        return "info", t("ai_panel.accepted_unchanged")
    return "success", t("ai_panel.accepted", title=inside_quotes(saved.section.title),
                        version=saved.section.version)


def _rerun_with_notice(scope: str, kind: str, message: str) -> None:
    st.session_state[NOTICE_PREFIX + scope] = (kind, message)
    st.rerun()


def _show_notice(scope: str) -> None:
    notice = st.session_state.pop(NOTICE_PREFIX + scope, None)
    if notice is not None:
        kind, message = notice
        {"success": st.success, "warning": st.warning, "info": st.info}[kind](message)
