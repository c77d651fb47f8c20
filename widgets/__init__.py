"""Streamlit pieces that several pages call; like pages, they only render and call planner."""
