"""The Usage page's cache boundary: the figures of the usage store, kept until the store is written again (its
stamp changes) and at most a few seconds: the store grows while people use the app, and reading it takes
milliseconds."""
from __future__ import annotations

import streamlit as st

from core.ui.nav import PAGES
from core.usage import insights

TTL = 10


@st.cache_data(ttl=TTL, max_entries=16, show_spinner=False)
def usage_figures(path: str, days: int, stamp: str) -> dict:
    """The page's figures and sentences over the last ``days`` days (0: all) of the store at ``path`` as of
    ``stamp`` (``core.usage.store.stamp``: a write makes a new entry), from ``core.usage.insights.from_store`` and
    ``with_insights``; the page and ``/api/v1/usage`` both call it.

    Raises:
        core.usage.store.StoreUnavailable: the store exists but cannot be read now (not cached).
    """
    from pathlib import Path

    return insights.with_insights(insights.from_store(Path(path), days), [p.label for p in PAGES])
