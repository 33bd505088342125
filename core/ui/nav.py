"""The page registry and the grouped sidebar navigation (drawn once per run, by ``core.ui.page_setup``)."""
from __future__ import annotations

import os
from typing import NamedTuple

import streamlit as st

from core import config


class Page(NamedTuple):
    """One page of the app: its script, nav label, icon and nav group ("" for home)."""

    path: str
    label: str
    icon: str
    group: str


PAGES: tuple[Page, ...] = (
    Page("app.py", "Home", ":material/home:", ""),
    Page("pages/01_Content_Universe.py", "Content Universe", ":material/public:", "Strategy"),
    Page("pages/02_Performance_Deep_Dive.py", "Performance Deep Dive", ":material/insights:", "Strategy"),
    Page("pages/03_Market_Opportunities.py", "Market Opportunities", ":material/travel_explore:", "Strategy"),
    Page("pages/04_Investment_Copilot.py", "Investment Copilot", ":material/savings:", "Strategy"),
    Page("pages/05_Forecasting.py", "Forecasting", ":material/trending_up:", "Strategy"),
    Page("pages/06_Head_to_Head.py", "Head-to-Head", ":material/compare_arrows:", "Strategy"),
    Page("pages/07_Churn.py", "Churn", ":material/person_remove:", "Audience"),
    Page("pages/08_Recommender.py", "Recommender", ":material/recommend:", "Audience"),
    Page("pages/09_Integrity.py", "Integrity", ":material/verified_user:", "Audience"),
    Page("pages/10_Data.py", "Data", ":material/database:", "Data"),
    Page("pages/11_Usage.py", "Usage", ":material/monitoring:", "Admin"),
)


def page_exists(path: str) -> bool:
    """Whether a page script is present (a deployment may leave some out)."""
    return os.path.exists(config.ROOT / path)


def draw_nav() -> None:
    """The grouped page links in the sidebar."""
    with st.sidebar:
        st.markdown("### :material/movie_filter: Marquee")
        group = None
        for page in PAGES:
            if not page_exists(page.path):
                continue
            if page.group and page.group != group:
                st.caption(page.group.upper())
                group = page.group
            try:
                st.page_link(page.path, label=page.label, icon=page.icon)
            except Exception:  # AppTest runs a page file on its own, without the app's page registry
                st.caption(page.label)
