"""我的待办: the drafts waiting for the signed-in user at each review level, oldest first,
with how long they have waited, the 已审发 drafts the user may release (待发布), the
user's own drafts that came back (退回) or are in review (我送审的稿件), the press events
waiting for the user's 批准 or another step of their cycle, and the sections assigned to
the user for co-editing (分配给我的段落)."""

import streamlit as st

import ui
from planner.i18n import inside_book_marks, t
from planner.models import ReviewLevel
from planner.services import coedit, event_queue, review
from planner.timeutil import format_office

LEVELS = [ReviewLevel.FIRST, ReviewLevel.SECOND, ReviewLevel.FINAL]

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



def show_events(waiting: list[event_queue.EventQueueItem]) -> None:
    """Events waiting for 批准, then those waiting for another step, with a way to open one."""
    approving = [item for item in waiting if item.action == event_queue.Action.APPROVE]
    other = [item for item in waiting if item.action != event_queue.Action.APPROVE]
    for group, key in ((approving, "queue_page.group_event_approve"),
                       (other, "queue_page.group_event_other")):
        if group:
            st.subheader(t(key, count=len(group)))
            st.dataframe([{
                t("queue_page.col_event"): item.topic,
                t("queue_page.col_kind"): ui.label("event.kind", item.kind),
                t("queue_page.col_event_status"): ui.label("event.status", item.status),
                t("queue_page.col_starts"): format_office(item.starts_at),
                t("queue_page.col_step"): ui.label("event_flow.action", item.action),
            } for item in group], hide_index=True, width="stretch")

    choices = {item.event_id: item for item in waiting}
    picked = st.selectbox(t("queue_page.event_open_label"), list(choices),
                          format_func=lambda event_id: t(
                              "queue_page.event_choice", topic=choices[event_id].topic,
                              step=ui.label("event_flow.action", choices[event_id].action)),
                          key="queue_event_pick")
    if st.button(t("queue_page.open_event"), key="queue_open_event"):
        st.session_state["events_selected"] = picked
        st.switch_page("views/events.py")
    st.divider()


waiting_events = ui.run_action(lambda session, actor: event_queue.events_for(session,
                                                                             actor=actor))
if waiting_events:
    show_events(waiting_events)


def show_submitted(submitted: list[review.SubmittedItem]) -> None:
    """我送审的稿件: the user's drafts in review, each with its level and who decides there."""
    st.subheader(t("queue_page.group_submitted", count=len(submitted)))
    st.dataframe([{
        t("queue_page.col_title"): entry.item.title,
        t("queue_page.col_kind"): ui.label("draft.kind", entry.item.kind),
        t("queue_page.col_status"): ui.label("draft.status", entry.item.status),
        t("queue_page.col_next_level"): ui.label("review.level", entry.item.level),
        t("queue_page.col_next_actors"): "、".join(entry.next_step.names)
        if entry.next_step and entry.next_step.names else t("queue_page.no_actor"),
        t("queue_page.col_age"): review.format_age(entry.item.age),
    } for entry in submitted], hide_index=True, width="stretch")
    st.divider()


submitted = ui.run_action(lambda session, actor: review.submitted_in_review(session,
                                                                            actor=actor))
if submitted:
    show_submitted(submitted)

items = ui.run_action(lambda session, actor: review.queue_for(session, actor=actor))
if items is None:
    st.stop()
if not items:
    if not waiting_events and not submitted:
        st.info(t("queue_page.empty"))
    st.stop()


def rows(group: list[review.QueueItem]) -> list[dict]:
    return [{
        t("queue_page.col_title"): item.title,
        t("queue_page.col_kind"): ui.label("draft.kind", item.kind),
        t("queue_page.col_unit"): item.unit_name,
        t("queue_page.col_since"): format_office(item.waiting_since),
        t("queue_page.col_age"): review.format_age(item.age),
        **({t("queue_page.col_reason"): item.note} if item.returned else {}),
    } for item in group]


def show_group(group: list[review.QueueItem], heading_key: str, **values) -> None:
    if group:
        st.subheader(t(heading_key, count=len(group), **values))
        st.dataframe(rows(group), hide_index=True, width="stretch")


for level in LEVELS:
    show_group([item for item in items if item.level == level], "queue_page.group_level",
               level=ui.label("review.level", level))
show_group([item for item in items if item.to_release], "queue_page.group_release")
show_group([item for item in items if item.returned], "queue_page.group_returned")


def waiting_for(item: review.QueueItem) -> str:
    if item.returned:
        return t("queue_page.returned")
    if item.to_release:
        return t("queue_page.to_release")
    return ui.label("review.level", item.level)


st.divider()
choices = {item.draft_id: item for item in items}
names = {draft_id: t("queue_page.choice", title=item.title, age=review.format_age(item.age),
                     what=waiting_for(item))
         for draft_id, item in choices.items()}
picked = st.selectbox(t("queue_page.open_label"), list(choices), format_func=names.get,
                      key="queue_pick")
on_drafts_page = choices[picked].level is None
open_label = (t("queue_page.open_returned") if choices[picked].returned
              else t("queue_page.open_release") if choices[picked].to_release
              else t("queue_page.open_review"))
if st.button(open_label, key="queue_open", type="primary"):
    # A returned draft is corrected and an approved one released on the editing page; the
    # rest are decided on 稿件审查.
    if on_drafts_page:
        st.session_state["drafts_selected"] = picked
        st.switch_page("views/drafts.py")
    st.session_state["review_selected"] = picked
    st.switch_page("views/review.py")
