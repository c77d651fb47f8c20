"""我的待办: the drafts waiting for the signed-in user at each review level, oldest first,
with how long they have waited, the user's own drafts that came back (退回), and the
sections assigned to the user for co-editing (分配给我的段落)."""

import streamlit as st

import ui
from planner.i18n import inside_book_marks, t
from planner.models import ReviewLevel
from planner.services import coedit, review
from planner.timeutil import format_office

GROUPS = [ReviewLevel.FIRST, ReviewLevel.SECOND, ReviewLevel.FINAL, None]

st.title(t("nav.queue"))



def show_assigned(assigned: list[coedit.AssignedSection]) -> None:
    """分配给我的段落: sections a draft's author gave to the user, with a way to open one."""
    st.subheader(t("coedit_page.assigned_header", count=len(assigned)))
    st.dataframe([{
        t("coedit_page.col_draft"): item.draft_title,
        t("coedit_page.col_section"): item.section_title,
        t("coedit_page.col_status"): ui.label("draft.status", item.draft_status),
        t("coedit_page.col_read_only"): t("coedit_page.yes") if item.read_only
        else t("coedit_page.no"),
        t("coedit_page.col_comments"): item.open_comments,
    } for item in assigned], hide_index=True, width="stretch")
    choices = {item.section_id: item for item in assigned}
    picked = st.selectbox(t("coedit_page.assigned_pick"), list(choices),
                          format_func=lambda sid: t("coedit_page.assigned_choice",
                                                    draft=inside_book_marks(
                                                        choices[sid].draft_title),
                                                    section=choices[sid].section_title),
                          key="queue_assigned_pick")
    if st.button(t("coedit_page.open_assigned"), key="queue_open_assigned"):
        st.session_state["drafts_selected"] = choices[picked].draft_id
        st.switch_page("views/drafts.py")
    st.divider()


assigned = ui.run_action(lambda session, actor: coedit.assigned_sections(session, actor=actor))
if assigned:
    show_assigned(assigned)

items = ui.run_action(lambda session, actor: review.queue_for(session, actor=actor))
if items is None:
    st.stop()
if not items:
    st.info(t("queue_page.empty"))
    st.stop()


def rows(group: list[review.QueueItem]) -> list[dict]:
    return [{
        t("queue_page.col_title"): item.title,
        t("queue_page.col_kind"): ui.label("draft.kind", item.kind),
        t("queue_page.col_unit"): item.unit_name,
        t("queue_page.col_since"): format_office(item.waiting_since),
        t("queue_page.col_age"): review.format_age(item.age),
        **({t("queue_page.col_reason"): item.note} if item.level is None else {}),
    } for item in group]


for level in GROUPS:
    group = [item for item in items if item.level == level]
    if not group:
        continue
    heading = (t("queue_page.group_returned", count=len(group)) if level is None
               else t("queue_page.group_level", level=ui.label("review.level", level),
                      count=len(group)))
    st.subheader(heading)
    st.dataframe(rows(group), hide_index=True, width="stretch")

st.divider()
choices = {item.draft_id: item for item in items}
names = {draft_id: t("queue_page.choice", title=item.title, age=review.format_age(item.age),
                     what=t("queue_page.returned") if item.level is None
                     else ui.label("review.level", item.level))
         for draft_id, item in choices.items()}
picked = st.selectbox(t("queue_page.open_label"), list(choices), format_func=names.get,
                      key="queue_pick")
returned = choices[picked].level is None
if st.button(t("queue_page.open_returned") if returned else t("queue_page.open_review"),
             key="queue_open", type="primary"):
    # A returned draft is corrected on the editing page; the rest are decided on 稿件审查.
    if returned:
        st.session_state["drafts_selected"] = picked
        st.switch_page("views/drafts.py")
    st.session_state["review_selected"] = picked
    st.switch_page("views/review.py")
