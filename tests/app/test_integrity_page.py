"""AppTest behaviour of the Integrity page: raters, their effect, vote patterns, sentiment (one lazy tab each),
filters and the TMDB-shaped source.

The page is opened through ``app.py`` (``switch_page``) so the sidebar's page links resolve as they do under
``streamlit run app.py``.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app import pagekit
from tests.app.pagekit import assert_ok, metrics, text

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "pages" / "09_Integrity.py"


TABS = ("Suspicious raters", "Effect on ratings", "Vote patterns", "Sentiment")


def open_page(tab: str = "", **filters) -> AppTest:
    """The page with global filters set; ``tab`` opens that tab (only the open tab runs)."""
    at = pagekit.open_page(PAGE, **filters)
    if tab:
        at.session_state["ig_tab"] = tab
        at.run()
    return at


def open_tab(at: AppTest, tab: str) -> AppTest:
    at.session_state["ig_tab"] = tab
    at.run()
    assert_ok(at)
    return at


EMBEDDED_GENRES = ["Action", "Animation", "Comedy", "Documentary", "Drama", "Romance", "Short", "Unclassified"]


@pytest.fixture(scope="module")
def page() -> AppTest:
    at = open_page()
    assert_ok(at)
    return at


def test_default_tab_shows_the_raters_only(page):
    open_tab(page, "Suspicious raters")
    m = metrics(page)
    from core.data import embedded

    raters = embedded.load().ratings["user_id"].nunique()
    assert m["Flagged raters"].endswith(f"of {raters:,}") and "Net sentiment" not in m
    assert len(page.get("plotly_chart")) == 1 and len(page.get("download_button")) == 1  # the scatter, the table
    body = text(page)
    assert "title filters do not apply" in body and "no review text" in body.lower()
    assert "not verdicts" in body and "no ground-truth label" in body


@pytest.mark.parametrize("tab, charts", [("Suspicious raters", 1), ("Effect on ratings", 1), ("Vote patterns", 2),
                                         ("Sentiment", 2)])
def test_every_tab_renders(tab, charts):
    at = open_page(tab)
    assert_ok(at)
    assert len(at.get("plotly_chart")) == charts
    assert any(m.value.startswith("- ") for m in at.markdown)  # computed insights
    if tab in ("Vote patterns", "Sentiment"):
        assert len(at.get("download_button")) == 1 and any("titles ·" in c.value for c in at.caption)


def test_sentiment_tab_headline(page):
    open_tab(page, "Sentiment")
    m = metrics(page)
    assert "Net sentiment" in m and "Polarised titles" in m and "Flagged raters" not in m


def test_contamination_slider_changes_the_flagged_count(page):
    open_tab(page, "Suspicious raters")
    counts = {}
    for value in (0.5, 10.0, 2.0):
        page.slider(key="ig_contamination").set_value(value).run()
        assert_ok(page)
        counts[value] = int(metrics(page)["Flagged raters"].split(" of ")[0])
    assert counts[0.5] < counts[2.0] < counts[10.0]
    assert len(page.dataframe[0].value) == counts[2.0]


def test_contamination_and_axes_survive_a_tab_switch(page):
    open_tab(page, "Suspicious raters")
    page.slider(key="ig_contamination").set_value(5.0).run()
    page.selectbox(key="ig_x").set_value("burst").run()
    flagged = metrics(page)["Flagged raters"].split(" of ")[0]
    open_tab(page, "Effect on ratings")
    assert any(f"The {flagged} raters flagged at 5% contamination" in c.value for c in page.caption)
    open_tab(page, "Vote patterns")
    open_tab(page, "Suspicious raters")
    assert page.slider(key="ig_contamination").value == 5.0 and page.selectbox(key="ig_x").value == "burst"
    page.slider(key="ig_contamination").set_value(2.0).run()


def test_axis_pickers_and_effect_order_rerun_cleanly(page):
    open_tab(page, "Suspicious raters")
    page.selectbox(key="ig_x").set_value("burst").run()
    page.selectbox(key="ig_y").set_value("unique_share").run()
    assert_ok(page)
    open_tab(page, "Effect on ratings")
    before = text(page)
    page.radio(key="ig_effect").set_value("most_moved").run()
    assert_ok(page)
    assert text(page) != before


def test_gap_threshold_changes_the_flagged_titles(page):
    open_tab(page, "Vote patterns")
    sizes = {}
    for value in (2.0, 6.0):
        page.slider(key="ig_threshold").set_value(value).run()
        assert_ok(page)
        sizes[value] = len(page.dataframe[0].value)
    assert sizes[2.0] > sizes[6.0]
    last = page.dataframe[0].value.iloc[-1]
    page.selectbox(key="ig_title").set_value(last["Title id"]).run()
    assert_ok(page)
    assert any(m.value.startswith(f"- {last['Title']} (") for m in page.markdown)


def test_every_genre_filter_changes_sentiment():
    at = open_page("Sentiment")
    seen = {}
    for genre in EMBEDDED_GENRES:
        at.sidebar.multiselect(key="w_flt_genres").set_value([genre]).run()
        assert_ok(at)
        seen[genre] = metrics(at)["Net sentiment"]
    assert len(set(seen.values())) == len(EMBEDDED_GENRES)


def test_empty_filter_keeps_raters_and_says_no_titles_match():
    at = open_page(min_votes=1_000_000)
    assert_ok(at)
    assert "Flagged raters" in metrics(at)
    for tab in ("Vote patterns", "Sentiment"):
        open_tab(at, tab)
        assert any("No titles match" in i.value for i in at.info)
        assert "Net sentiment" not in metrics(at) and not at.get("plotly_chart")


def test_a_tiny_view_says_it_is_too_small():
    at = open_page("Vote patterns", min_votes=120_000)
    assert_ok(at)
    assert any("too few" in i.value for i in at.info)


def test_tmdb_shaped_source_degrades_honestly(tmdb_source):
    at = open_page(source="tmdb", years=(2015, 2024), min_votes=0)
    assert_ok(at)
    assert "Flagged raters" in metrics(at)  # the MovieLens rater analysis does not depend on the title source
    assert "no per-star vote shares" in text(open_tab(at, "Vote patterns"))
    assert "Coarse sentiment only" in text(open_tab(at, "Sentiment"))
    m = metrics(at)
    assert "Vote-weighted mean vote average" in m and "Net sentiment" not in m
