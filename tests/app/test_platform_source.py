"""Every page on a generated synthetic platform (``syn:demo``): it renders, says the data is synthetic, and the
Integrity page scores its detectors against the planted truth."""
from __future__ import annotations

from pathlib import Path

import pytest

from core.ui.nav import PAGES
from tests.app import pagekit

ROOT = Path(__file__).resolve().parents[2]
TITLE_PAGES = [p for p in PAGES if p.group == "Strategy"]


@pytest.fixture()
def on_platform(platform_home, monkeypatch):
    import streamlit as st

    monkeypatch.setenv("MARQUEE_CACHE_DIR", str(platform_home))
    st.cache_data.clear()
    yield
    st.cache_data.clear()


@pytest.mark.parametrize("page", TITLE_PAGES, ids=lambda p: p.label)
def test_title_pages_render_on_the_platform_and_say_it_is_synthetic(on_platform, page):
    at = pagekit.open_page(ROOT / page.path, source="syn:demo", years=(1900, 2100))
    pagekit.assert_ok(at)
    assert any(i.value.startswith("Synthetic data: demo") for i in at.info), [i.value for i in at.info]
    assert at.sidebar.selectbox(key="w_flt_source").value == "syn:demo"


def test_home_counts_the_platform(on_platform):
    from core.data import platforms

    at = pagekit.open_page(ROOT / "app.py", source="syn:demo", years=(1900, 2100))
    pagekit.assert_ok(at)
    rows = platforms.row_counts("syn:demo")
    shown = pagekit.text(at)
    assert f"{rows['watch_events']:,} viewing sessions" in shown


def test_integrity_scores_the_detectors_against_the_planted_truth(on_platform):
    at = pagekit.open_page(ROOT / "pages" / "09_Integrity.py", source="syn:demo", years=(1900, 2100))
    pagekit.assert_ok(at)
    shown = pagekit.text(at)
    assert "Scored against the planted truth" in shown
    assert "this source's own ratings" in shown
    card = next(df.value for df in at.dataframe if "detector" in df.value.columns)
    assert {"Suspicious raters", "Rating bursts", "Review farms"} <= set(card["detector"])
    assert card["recall"].between(0, 1).all() and (card["planted"] > 0).all()
    raters = next(df.value for df in at.dataframe if "Why flagged" in df.value.columns)
    assert raters["User"].str.startswith("s").all()  # the platform's own ids, not codes


def test_recommender_trains_on_the_platform_ratings(on_platform):
    from core.data import platforms

    at = pagekit.open_page(ROOT / "pages" / "08_Recommender.py", timeout=300, source="syn:demo")
    pagekit.assert_ok(at)
    shown = pagekit.text(at)
    assert "this source's own ratings" in shown and "Synthetic data: demo" in shown
    rows = platforms.row_counts("syn:demo")["ratings"]
    assert f"{rows:,} ratings" in shown
    top = next(df.value for df in at.dataframe if len(df.value) == 10)
    demo_titles = set(platforms.titles_frame(platforms.platform_dir("syn:demo"))["title"])
    assert set(top.iloc[:, 1]) <= demo_titles or set(top.iloc[:, 0]) <= demo_titles


def test_forecasting_on_a_platform_forecasts_its_viewing_sessions(on_platform):
    at = pagekit.open_page(ROOT / "pages" / "05_Forecasting.py", source="syn:demo", years=(1900, 2100))
    pagekit.assert_ok(at)
    shown = pagekit.text(at)
    assert "monthly viewing sessions of the titles in view on this platform" in shown
    assert "No monthly series" not in shown
