"""Entry point: page setup and navigation. Run with `make run`."""

import logging

import streamlit as st

from planner.i18n import t

logging.basicConfig(level=logging.INFO,
                    format="%(asctime)s %(levelname)s %(name)s %(message)s")

st.set_page_config(page_title=t("app.title"), page_icon="📰", layout="wide")

pages = [
    st.Page("pages/home.py", title=t("nav.home"), icon="🏠", default=True),
    st.Page("pages/policies.py", title=t("nav.policies"), icon="📄"),
    st.Page("pages/drafts.py", title=t("nav.drafts"), icon="✍️"),
    st.Page("pages/events.py", title=t("nav.events"), icon="🎤"),
]

with st.sidebar:
    st.caption(t("app.sidebar_caption"))

st.navigation(pages).run()
