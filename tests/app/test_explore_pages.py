"""AppTest behaviour of the three strategy pages: Content Universe, Performance Deep Dive, Market Opportunities.

Pages are opened through ``app.py`` (``switch_page``) so the sidebar's page links resolve as they do under
``streamlit run app.py``.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from tests.app.pagekit import assert_ok, metrics, open_page, text

ROOT = Path(__file__).resolve().parents[2]
UNIVERSE = ROOT / "pages" / "1_Content_Universe.py"
DEEP_DIVE = ROOT / "pages" / "2_Performance_Deep_Dive.py"
MARKET = ROOT / "pages" / "3_Market_Opportunities.py"
# "Unclassified" (titles with no genre) is left out only to keep the run short; the filter itself is unit-tested.
EMBEDDED_GENRES = ["Action", "Animation", "Comedy", "Documentary", "Drama", "Romance", "Short"]


@pytest.mark.parametrize("path", [UNIVERSE, DEEP_DIVE, MARKET], ids=lambda p: p.stem)
def test_empty_filter_shows_an_info_message(path):
    at = open_page(path, min_votes=1_000_000)
    assert_ok(at)
    assert any("No titles match" in i.value for i in at.info)
    assert not at.get("plotly_chart")


@pytest.mark.parametrize("path", [UNIVERSE, DEEP_DIVE, MARKET], ids=lambda p: p.stem)
def test_a_tiny_view_says_it_is_too_small(path):
    at = open_page(path, min_votes=120_000)  # 6 films
    assert_ok(at)
    assert any("too few" in i.value for i in at.info)


# ---------------------------------------------------------------- Content Universe
def test_universe_shows_the_default_view_with_cards_and_no_tv_tabs():
    at = open_page(UNIVERSE)
    assert_ok(at)
    assert metrics(at)["Titles"] == "11,787"
    assert not at.tabs and "no Movies / TV tabs" in text(at)
    assert "**Shawshank Redemption, The** (1994)" in text(at)  # text cards, since there are no posters
    assert len(at.get("plotly_chart")) == 3 and len(at.get("download_button")) == 2


def test_universe_follows_every_genre_filter():
    at = open_page(UNIVERSE)
    seen = {}
    for genre in EMBEDDED_GENRES:
        at.sidebar.multiselect(key="w_flt_genres").set_value([genre]).run()
        assert_ok(at)
        seen[genre] = metrics(at)["Titles"]
        assert genre in at.markdown[0].value
    assert len(set(seen.values())) == len(EMBEDDED_GENRES)


def test_universe_top_performers_slider_sets_the_table_length():
    at = open_page(UNIVERSE)
    assert len(at.dataframe[0].value) == 25
    at.sidebar.slider(key="cu_top_n").set_value(10).run()
    assert_ok(at)
    assert len(at.dataframe[0].value) == 10


# ---------------------------------------------------------------- Performance Deep Dive
def test_deep_dive_reports_anomalies_segments_and_its_time_basis():
    at = open_page(DEEP_DIVE)
    assert_ok(at)
    m = metrics(at)
    assert m["Flagged titles"] == "236" and m["Segments (k)"] == "5"
    assert 0.2 < float(m["Held-out silhouette"]) < 0.5
    body = text(at)
    assert "release years only" in body and "first rated on MovieLens" in body
    assert "two-sided" in body and "one-sided" in body


def test_contamination_slider_changes_the_flagged_count():
    at = open_page(DEEP_DIVE)
    counts = {}
    for share in (0.5, 10.0):
        at.sidebar.slider(key="dd_contamination").set_value(share).run()
        assert_ok(at)
        counts[share] = int(metrics(at)["Flagged titles"].replace(",", ""))
    assert counts[0.5] < 236 < counts[10.0]
    assert counts[10.0] == pytest.approx(0.10 * 11_787, abs=2)


def test_deep_dive_genre_switch_changes_metrics_and_insights():
    at = open_page(DEEP_DIVE)
    before_flags, before_text = metrics(at)["Flagged titles"], text(at)
    at.sidebar.multiselect(key="w_flt_genres").set_value(["Documentary"]).run()
    assert_ok(at)
    assert metrics(at)["Flagged titles"] != before_flags and text(at) != before_text


def test_deep_dive_small_view_explains_missing_models():
    at = open_page(DEEP_DIVE, genres=["Documentary"], min_votes=3000)  # 15 titles
    assert_ok(at)
    infos = " ".join(i.value for i in at.info)
    assert "needs at least 20 titles" in infos and "needs at least 30 titles" in infos


# ---------------------------------------------------------------- Market Opportunities
def test_market_page_shows_saturation_pareto_windows_and_pairings():
    at = open_page(MARKET)
    assert_ok(at)
    assert metrics(at)["Share of titles holding 80% of engagement score"] == "68%"
    body = text(at)
    assert "Opportunity zone" in body and "most common pairing" in body and "no release months" in body
    assert len(at.get("plotly_chart")) == 4


def test_pareto_measure_switch_changes_the_concentration():
    at = open_page(MARKET)
    at.sidebar.radio(key="mo_measure").set_value("vote_count").run()
    assert_ok(at)
    assert metrics(at)["Share of titles holding 80% of votes (raw audience attention)"] == "16%"


def test_release_window_basis_switch_changes_the_insights():
    at = open_page(MARKET)
    assert at.radio(key="mo_basis").value == "decade"
    at.radio(key="mo_basis").set_value("ml_month").run()
    assert_ok(at)
    assert "month first rated on MovieLens" in text(at)


@pytest.mark.parametrize("genre", ["Animation", "Short"])
def test_market_genre_switch_changes_the_saturation_insights(genre):
    at = open_page(MARKET)
    before = text(at)
    at.sidebar.multiselect(key="w_flt_genres").set_value([genre]).run()
    assert_ok(at)
    assert text(at) != before and genre in at.markdown[0].value


# ---------------------------------------------------------------- TMDB-shaped source
@pytest.fixture()
def tmdb_source(monkeypatch, tmdb_like_frame):
    """Serve the TMDB-shaped fixture as the live source (no network, no store), then drop the cached copies."""
    import streamlit as st

    from core import cached, schema

    titles = tmdb_like_frame[list(schema.TITLE_COLUMNS)]
    monkeypatch.setattr(cached, "tmdb_status", lambda path: {"titles": len(titles), "last_sync": "fixture"})
    monkeypatch.setattr(cached, "tmdb_titles", lambda path, stamp: titles)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def test_pages_on_a_tmdb_shaped_source_use_tabs_and_release_months(tmdb_source):
    universe = open_page(UNIVERSE, source="tmdb")
    assert_ok(universe)
    assert [t.label for t in universe.tabs] == ["Movies", "TV"]
    deep = open_page(DEEP_DIVE, source="tmdb")
    assert_ok(deep)
    body = text(deep)
    assert "full release dates" in body and "By release month" in body
    assert "Without per-star vote shares" in body
    market = open_page(MARKET, source="tmdb")
    assert_ok(market)
    assert "Release month from full release dates" in text(market)
    assert "Release month" in [o for o in market.radio(key="mo_basis").options][0]
