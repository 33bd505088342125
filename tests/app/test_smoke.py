"""Every page runs under AppTest without an exception; home-page behaviour and shareable filters."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app import pagekit

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_page_runs_without_exception(path):
    at = AppTest.from_file(str(path), default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title, "every page has a title"


def _home() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)


def test_home_metrics_come_from_the_data():
    from core.data import embedded

    data = embedded.load()
    rated = data.titles[data.titles["vote_count"].notna()]
    at = _home().run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Titles with audience data"] == f"{len(rated):,}" and len(rated) < len(data.titles)
    assert metrics["Genres"] == str(len({g for gs in rated["genres"] for g in gs}))
    assert metrics["User ratings"] == f"{len(data.ratings):,}"
    assert metrics["Subscribers"] == f"{len(data.subscribers):,}"
    assert metrics["Years"] == f"{int(rated['year'].min())}-{int(rated['year'].max())}"


def test_genre_filter_changes_the_view_and_the_url():
    at = _home().run()
    before = at.markdown[0].value
    at.sidebar.multiselect(key="w_flt_genres").set_value(["Animation"]).run()
    assert not at.exception
    after = at.markdown[0].value
    assert before != after and "Animation" in after
    assert at.query_params["genres"] == "Animation"


def _default_filters() -> tuple:
    """(genres, years, minimum votes) of a home page opened without a link."""
    at = _home().run()
    return (at.sidebar.multiselect(key="w_flt_genres").value, at.sidebar.slider(key="w_flt_years").value,
            at.sidebar.number_input(key="w_flt_min_votes").value)


@pytest.mark.parametrize("params, expected", [
    ({"genres": "Documentary", "years": "1990-1999", "min_votes": "500"}, (["Documentary"], (1990, 1999), 500)),
    ({"genres": "NotAGenre", "years": "soon-ish", "min_votes": "lots"}, None),  # every value ignored
], ids=["good", "bad"])
def test_deep_link_values_set_the_filters_or_are_ignored(params, expected):
    """Each parameter a link sends is applied when valid; an invalid one leaves that filter at its default."""
    default = _default_filters()
    at = _home()
    at.query_params.update(params)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    genres, years, min_votes = expected or default
    assert at.sidebar.multiselect(key="w_flt_genres").value == genres
    assert at.sidebar.slider(key="w_flt_years").value == years
    assert at.sidebar.number_input(key="w_flt_min_votes").value == min_votes
    summary = at.markdown[0].value
    assert f"{years[0]}-{years[1]}" in summary and f"{min_votes:,}+ votes" in summary
    assert (genres[0] if genres else "all genres") in summary
    assert (at.query_params["years"], at.query_params["min_votes"]) == (f"{years[0]}-{years[1]}", str(min_votes))


def test_empty_filter_shows_a_message_not_an_error():
    at = _home().run()
    at.sidebar.number_input(key="w_flt_min_votes").set_value(1_000_000).run()
    assert not at.exception
    assert any("No titles match" in i.value for i in at.info)


@pytest.fixture()
def tmdb_synced(monkeypatch, tmdb_like_frame):
    """Pretend TMDB titles are synced (the TMDB-shaped fixture frame, 2015-2024, movies and TV)."""
    with pagekit.tmdb_titles_as_source(monkeypatch, tmdb_like_frame):
        yield


def test_tmdb_deep_link_keeps_both_content_types_and_its_years(tmdb_synced):
    at = _home()
    at.query_params.update({"source": "tmdb", "media": "movie,tv", "years": "2016-2024", "min_votes": "0"})
    at.run()
    assert not at.exception
    assert at.sidebar.multiselect(key="w_flt_media").value == ["movie", "tv"]
    assert at.sidebar.slider(key="w_flt_years").value == (2016, 2024)


def test_switching_source_resets_content_types_and_years_to_the_new_source(tmdb_synced):
    at = _home().run()
    assert at.sidebar.slider(key="w_flt_years").value[1] == 2005
    at.sidebar.selectbox(key="w_flt_source").set_value("tmdb").run()
    assert not at.exception
    assert at.sidebar.multiselect(key="w_flt_media").value == ["movie", "tv"]
    assert at.sidebar.slider(key="w_flt_years").value == (2015, 2024)
    assert at.query_params["source"] == "tmdb"


def test_a_restarted_home_page_reads_its_figures_without_loading_the_tables(monkeypatch):
    """Once the snapshots exist, the home page (figures, filters, insights) needs none of the embedded tables."""
    import streamlit as st

    from core.data import cache

    first = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()  # writes the snapshots
    assert not first.exception
    st.cache_data.clear()  # a new process: nothing in memory ...

    def no_tables():
        raise AssertionError("the home page loaded the embedded tables")

    monkeypatch.setattr(cache, "embedded_data", no_tables)  # ... and the tables must not be read
    again = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not again.exception, [e.value for e in again.exception]
    assert [m.value for m in again.metric] == [m.value for m in first.metric]
    assert [m.value for m in again.markdown] == [m.value for m in first.markdown]
