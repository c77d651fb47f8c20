"""Press Briefing Planner (新闻发布与政策解读工作台): the domain package.

Nothing in this package imports streamlit; views/ render, planner/ decides.
"""

__version__ = "0.1.0"
