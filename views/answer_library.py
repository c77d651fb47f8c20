"""答问口径库: search the answers approved at 审发, see when and for which event each was
approved and whether the policy it cites has changed since, and reuse one in an 答问口径
draft."""

import streamlit as st

import ui
from planner.i18n import inside_book_marks, t
from planner.models import AnswerTier
from planner.services import answer_library, review
from planner.services import policies as policy_service
from planner.timeutil import format_office

PAGE_SIZE = 20

st.title(t("nav.answer_library"))


def load_options(session, actor) -> dict:
    answer_library.require_reader(session, actor)
    targets = answer_library.reuse_targets(session, actor=actor)
    cited = list(answer_library.cited_policies(session))
    return {"policies": policy_service.option_labels(session, cited),
            "targets": {draft.id: draft for draft in targets}}


options = ui.run_action(load_options)
if options is None:
    st.stop()
policies, targets = options["policies"], options["targets"]

# Values another page put here (the event page's 去口径库复用) must still be offered.
if st.session_state.get("library_policy") not in (None, *policies):
    st.session_state.pop("library_policy")
if st.session_state.get("library_target") not in (None, *targets):
    st.session_state.pop("library_target")

query = st.text_input(t("answer_library_page.query"), key="library_query",
                      placeholder=t("answer_library_page.query_placeholder"))
tier_col, policy_col, page_col = st.columns([2, 5, 2])
tier = tier_col.selectbox(t("answer_library_page.tier"), [None, *AnswerTier], key="library_tier",
                          format_func=lambda code: ui.label("answer_library.tier", code)
                          if code else t("answer_library_page.all"))
policy_id = policy_col.selectbox(t("answer_library_page.policy"), [None, *policies],
                                 key="library_policy",
                                 format_func=lambda pid: policies[pid] if pid
                                 else t("answer_library_page.all"))
page_number = page_col.number_input(t("answer_library_page.page"), min_value=1, step=1,
                                    key="library_page")

found = ui.run_action(lambda session, actor: answer_library.search(
    session, query=query, actor=actor, tier=tier, policy_id=policy_id, limit=PAGE_SIZE,
    offset=(int(page_number) - 1) * PAGE_SIZE))
if found is None:
    st.stop()
pages = max(1, -(-found.total // PAGE_SIZE))
st.caption(t("answer_library_page.count", total=found.total, page=int(page_number), pages=pages))

# --- Where a reused answer goes ---------------------------------------------------------
target_id = st.selectbox(t("answer_library_page.target"), [None, *targets], key="library_target",
                         format_func=lambda did: t("answer_library_page.target_line",
                                                   title=targets[did].title,
                                                   status=ui.label("draft.status",
                                                                   targets[did].status))
                         if did else t("answer_library_page.no_target"))
confirm_reset = False
if target_id is not None and review.edit_would_reset(targets[target_id]):
    st.warning(t("draft_page.reset_warning",
                 status=ui.label("draft.status", targets[target_id].status)))
    confirm_reset = st.checkbox(t("draft_page.confirm_reset"), key="library_confirm_reset")
if not targets:
    st.caption(t("answer_library_page.no_targets"))


def lines(text: str) -> str:
    """User text shown as typed: markdown escaped, each line break kept."""
    return "  \n".join(ui.escape_md(line) for line in text.splitlines())


def show_hit(hit: answer_library.LibraryHit) -> None:
    entry = hit.entry
    with st.container(border=True):
        st.markdown(f"**{ui.escape_md(entry.question)}**")
        st.caption(t("answer_library_page.meta", tier=ui.label("answer_library.tier", entry.tier),
                     approved=format_office(entry.approved_at),
                     event=ui.escape_md(hit.event_topic) or "—",
                     policy=ui.escape_md(hit.policy_title) or "—"))
        if hit.policy_changed:
            st.warning(t("answer_library_page.policy_changed"))
        if entry.key_points:
            st.markdown(t("answer_library_page.key_points") + "  \n" + lines(entry.key_points))
        st.markdown(t("answer_library_page.answer") + "  \n" + lines(entry.answer))
        if entry.sources:
            st.caption(t("draft_page.source_ref", ref=entry.sources))
        if entry.avoid_phrasing:
            st.markdown(t("answer_library_page.avoid") + "  \n" + lines(entry.avoid_phrasing))
        if target_id is not None and st.button(t("answer_library_page.reuse"),
                                               key=f"library_reuse_{entry.id}"):
            reuse(entry.id)


def reuse(entry_id: int) -> None:
    section = ui.run_action(lambda session, actor: answer_library.reuse(
        session, actor=actor, entry_id=entry_id, draft_id=target_id,
        confirm_reset=confirm_reset))
    if section is not None:
        ui.flash(t("answer_library_page.reused",
                   title=ui.escape_md(inside_book_marks(targets[target_id].title))))
        st.rerun()


if not found.hits:
    st.info(t("answer_library_page.none"))
for hit in found.hits:
    show_hit(hit)
