"""Shared AppTest helpers: open a page through ``app.py`` with global filters set, and read what it shows.

Pages are opened through ``app.py`` (``switch_page``) so the sidebar's page links resolve as they do under
``streamlit run app.py``.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def open_page(path: Path, timeout: float = 120, **filters) -> AppTest:
    """Run a page with optional global filters (``genres=[...]``, ``min_votes=...``) set in session state."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    for name, value in filters.items():
        at.session_state[f"flt_{name}"] = value
    at.switch_page(str(path.relative_to(ROOT)))
    return at.run()


def metrics(at: AppTest) -> dict[str, str]:
    """Metric label -> shown value."""
    return {m.label: m.value for m in at.metric}


def text(at: AppTest) -> str:
    """Everything the page wrote as markdown, captions and info boxes."""
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info])


def assert_ok(at: AppTest) -> None:
    """No exception element on the page."""
    assert not at.exception, [e.value for e in at.exception]


@contextmanager
def tmdb_titles_as_source(monkeypatch, titles: pd.DataFrame):
    """Serve ``titles`` as the synced live TMDB source (no network, no store); drop every cached copy around it."""
    import streamlit as st

    from core.data import cache

    monkeypatch.setattr(cache, "tmdb_status", lambda path: {"titles": len(titles), "last_sync": "fixture"})
    monkeypatch.setattr(cache, "tmdb_titles", lambda path, stamp: titles)
    st.cache_data.clear()
    st.cache_resource.clear()
    try:
        yield titles
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()
