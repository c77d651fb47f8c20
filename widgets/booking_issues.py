"""Booking warnings (weekend, holiday, a person or place already booked) as the 新闻发布活动
and 在线访谈 pages show them: the kind first, then the message."""

import streamlit as st

import ui
from planner.i18n import t
from planner.services.events import BookingIssue
from planner.workdays import WarningLevel


def show(issues: list[BookingIssue]) -> None:
    """Show each issue as an info box (level INFO) or a warning box, prefixed by its kind."""
    for issue in issues:
        text = f"{t(f'event_flow.issue.{issue.kind}')}：{ui.escape_md(issue.message)}"
        (st.info if issue.level == WarningLevel.INFO else st.warning)(text)
