"""稿件审查: one draft with its 公开属性, the earlier decisions, a character-level diff
against the last approved version, and approve or return (退回) with an opinion."""

import streamlit as st

import downloads
import ui
from planner import diffing
from planner.i18n import inside_quotes, t
from planner.services import coedit, drafts, review
from planner.timeutil import format_office
from widgets import next_actors

FLASH_KEY = "review_flash"

st.title(t("nav.review"))
if FLASH_KEY in st.session_state:
    st.success(st.session_state.pop(FLASH_KEY))

queue = ui.run_action(lambda session, actor: [item for item in review.queue_for(
    session, actor=actor) if item.level is not None])   # not 待发布 or 退回
if queue is None:
    st.stop()
names = {item.draft_id: t("review_page.choice", title=item.title,
                          level=ui.label("review.level", item.level),
                          age=review.format_age(item.age)) for item in queue}

# A draft opened from 我的待办 or 稿件编辑 may not wait for this user; it is still shown.
selected = st.session_state.get("review_selected")
if selected is not None and selected not in names:
    opened = ui.run_action(lambda session, actor: drafts.open_draft(session, actor=actor,
                                                                    draft_id=selected))
    if opened is None:
        st.session_state.pop("review_selected")   # refused or deleted: the error shown names which
    else:
        names = {opened.id: t("review_page.choice_other", title=opened.title,
                              status=ui.label("draft.status", opened.status)), **names}
if not names:
    st.info(t("review_page.nothing_waiting"))
    st.page_link("views/queue.py", label=t("nav.queue"), icon=":material/inbox:")
    st.stop()

ids = list(names)
draft_id = st.selectbox(t("review_page.select"), ids, format_func=names.get,
                        index=ids.index(selected) if selected in ids else 0,
                        key="review_select_box")
st.session_state["review_selected"] = draft_id


def load(session, actor):
    draft = drafts.open_draft(session, actor=actor, draft_id=draft_id)   # checks reading
    return {
        "draft": draft,
        "unit": drafts.unit_name(session, draft.unit_id),
        "content": review.current_content(session, draft_id),
        "decisions": review.decisions(session, draft_id),
        "baseline": review.diff_baseline(session, draft_id),
        "steps": review.available_steps(session, actor=actor, draft_id=draft_id),
        "next": review.next_actors(session, draft_id=draft_id),
        "may_export_record": review.may_read_record(session, actor=actor, draft_id=draft_id),
        "open_comments": coedit.list_comments(session, draft_id, open_only=True),
    }


view = ui.run_action(load)
if view is None:
    st.stop()
draft, content = view["draft"], view["content"]
seen_hash = review.content_hash(content)

st.subheader(ui.escape_md(draft.title))
st.caption(t("review_page.meta", kind=ui.label("draft.kind", draft.kind),
             unit=ui.escape_md(view["unit"]),
             status=ui.label("draft.status", draft.status), round=draft.review_round))
st.markdown(t("review_page.disclosure",
              disclosure=ui.label("draft.disclosure", draft.disclosure)))
if draft.disclosure_reason or draft.disclosure_basis:
    st.markdown(t("review_page.disclosure_reason", reason=ui.escape_md(draft.disclosure_reason)))
    st.markdown(t("review_page.disclosure_basis", basis=ui.escape_md(draft.disclosure_basis)))


def show_content() -> None:
    for section in content["sections"]:
        st.markdown(f"**{ui.escape_md(section['title'])}**")
        st.markdown(ui.escape_md(section["body"]).replace("\n", "  \n"))
        if section["source_ref"]:
            st.caption(t("draft_page.source_ref", ref=section["source_ref"]))
        if section.get("tier"):   # 答问口径: the tier, key points and phrasing to avoid
            st.caption(t("answer_brief_widget.review_details",
                         tier=ui.label("answer_library.tier", section["tier"]),
                         points=ui.escape_md(" / ".join(section["key_points"].splitlines())),
                         avoid=ui.escape_md(" / ".join(section["avoid_phrasing"].splitlines()))))


def show_diff() -> None:
    baseline = view["baseline"]
    if baseline is None:
        st.info(t("review_page.no_baseline"))
        return
    what = (t("review_page.baseline_submitted") if baseline.level is None
            else t("review_page.baseline_approved", level=ui.label("review.level", baseline.level)))
    st.caption(t("review_page.baseline", round=baseline.review_round, what=what,
                 at=format_office(baseline.at)))
    result = diffing.diff_content(baseline.content, content)
    if not result.changed:
        st.info(t("review_page.no_changes"))
        return
    for field in result.fields:
        if field.changed:
            st.markdown(f"**{t(f'review_page.field_{field.name}')}**")
            st.markdown(diffing.to_html(field.ops), unsafe_allow_html=True)
    for section in result.sections:
        if section.status == "same":
            continue
        st.markdown(f"**{ui.escape_md(section.label)}**　"
                    f"{t(f'review_page.section_{section.status}')}")
        if section.title.changed:
            st.markdown(diffing.to_html(section.title.ops), unsafe_allow_html=True)
        st.markdown(diffing.to_html(section.body.ops), unsafe_allow_html=True)
        for detail in section.details:   # 依据, and an 答问口径's tier, key points, phrasing
            if detail.changed:
                st.caption(t(f"review_diff.{detail.name}"))
                st.markdown(diffing.to_html(detail.ops), unsafe_allow_html=True)


def show_decisions() -> None:
    if not view["decisions"]:
        st.info(t("review_page.no_decisions"))
        return
    for record in reversed(view["decisions"]):
        decision = record.decision
        step = (ui.label("review.level", decision.level) if decision.level
                else ui.label("review.outcome", decision.outcome))
        st.markdown(t("review_page.decision_line", round=decision.review_round, step=step,
                      outcome=ui.label("review.outcome", decision.outcome),
                      name=ui.escape_md(record.actor_name), at=format_office(decision.at)))
        if decision.opinion:
            st.markdown("> " + ui.escape_md(decision.opinion).replace("\n", "  \n> "))


def show_open_comments() -> None:
    # Comments (批注) left open when the draft was sent: the submitter confirmed them.
    threads = view["open_comments"]
    if not threads:
        st.caption(t("coedit_page.review_comments_none"))
        return
    st.warning(t("coedit_page.review_comments_header", count=len(threads)))
    for thread in threads:
        comment = thread.comment
        st.markdown(t("coedit_page.review_comment_section",
                      section=ui.escape_md(inside_quotes(thread.section_title))) + " · "
                    + t("coedit_page.comment_line", name=ui.escape_md(comment.author_name),
                        at=format_office(comment.created_at),
                        state=t("coedit_page.thread_open")))
        st.markdown("> " + ui.escape_md(comment.body).replace("\n", "  \n> "))
        for reply in thread.replies:
            st.markdown(t("coedit_page.reply_line", name=ui.escape_md(reply.author_name),
                          at=format_office(reply.created_at),
                          body=ui.escape_md(reply.body).replace("\n", "  \n")))


show_open_comments()
content_tab, diff_tab, decisions_tab = st.tabs(
    [t("review_page.tab_content"), t("review_page.tab_diff"), t("review_page.tab_decisions")])
with content_tab:
    show_content()
with diff_tab:
    show_diff()
with decisions_tab:
    show_decisions()
    if view["may_export_record"]:
        # 审查记录 as Word and CSV, made (and audited) only when a button is clicked.
        docx_col, csv_col = st.columns(2)
        docx_col.download_button(
            t("review_record.download_docx"), mime=downloads.DOCX_MIME,
            data=downloads.on_click(lambda s, a: review.record_docx(s, actor=a,
                                                                   draft_id=draft_id)),
            file_name=review.record_filename(draft, "docx"), key=f"review_record_docx_{draft_id}")
        csv_col.download_button(
            t("review_record.download_csv"), mime="text/csv",
            data=downloads.on_click(lambda s, a: review.record_csv(s, actor=a,
                                                                  draft_id=draft_id)),
            file_name=review.record_filename(draft, "csv"), key=f"review_record_csv_{draft_id}")

st.divider()
steps = view["steps"]
if review.Step.APPROVE not in steps:
    st.info(t("review_page.not_yours", status=ui.label("draft.status", draft.status)))
    next_actors.show(view["next"])
    st.stop()

level = review.transition_for(review.Step.APPROVE, draft).level
with st.form(f"review_decide_{draft_id}"):
    opinion = st.text_area(t("review_page.opinion"), key=f"review_opinion_{draft_id}",
                           placeholder=t("review_page.opinion_placeholder"))
    approve_col, return_col = st.columns(2)
    approved = approve_col.form_submit_button(
        t("review_page.approve", level=ui.label("review.level", level)), type="primary")
    returned = return_col.form_submit_button(t("review_page.return"))

if approved or returned:
    # seen_hash: the decision is about the content shown above, not a newer one.
    decide = review.approve if approved else review.return_to_drafter
    text_arg = {"opinion": opinion} if approved else {"reason": opinion}
    done = ui.run_action(lambda session, actor: decide(session, actor=actor, draft_id=draft_id,
                                                       seen_hash=seen_hash, **text_arg))
    if done is not None:
        st.session_state[FLASH_KEY] = t("review_page.approved" if approved
                                        else "review_page.returned",
                                        title=ui.escape_md(draft.title),
                                        level=ui.label("review.level", level))
        st.session_state.pop("review_selected", None)
        st.rerun()
