"""The next step of a draft under review or approved, and the people who may take it, by
name, as the 稿件编辑 and 稿件审查 pages show them."""

import streamlit as st

import ui
from planner.i18n import t
from planner.services import review


def show(next_step: review.NextActors | None) -> None:
    """Show the pending step and who may take it now; nothing for None (the author acts)."""
    if next_step is None:
        return

    names = ui.escape_md("、".join(next_step.names))
    if next_step.level is None:
        # When no one may release, 稿件编辑 explains the release rule instead.
        if names:
            st.info(t("review_gate.next_release", names=names))
        return
    level = ui.label("review.level", next_step.level)
    st.info(t("review_gate.next_level", level=level, names=names) if names
            else t("review_gate.next_level_nobody", level=level))
