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
    at = _home().run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Titles with audience data"] == "58,788"
    assert metrics["User ratings"] == "100,004"
    assert metrics["Subscribers"] == "7,043"
    assert metrics["Years"] == "1893-2005"


def test_genre_filter_changes_the_view_and_the_url():
    at = _home().run()
    before = at.markdown[0].value
    at.sidebar.multiselect(key="w_flt_genres").set_value(["Animation"]).run()
    assert not at.exception
    after = at.markdown[0].value
    assert before != after and "Animation" in after
    assert at.query_params["genres"] == "Animation"


def test_deep_link_sets_the_filters():
    at = _home()
    at.query_params["genres"] = "Documentary"
    at.query_params["years"] = "1990-1999"
    at.query_params["min_votes"] = "500"
    at.run()
    assert not at.exception
    assert at.sidebar.multiselect(key="w_flt_genres").value == ["Documentary"]
    assert at.sidebar.slider(key="w_flt_years").value == (1990, 1999)
    assert "Documentary" in at.markdown[0].value and "1990-1999" in at.markdown[0].value


def test_bad_deep_link_values_are_ignored():
    at = _home()
    at.query_params["years"] = "soon-ish"
    at.query_params["min_votes"] = "lots"
    at.query_params["genres"] = "NotAGenre"
    at.run()
    assert not at.exception
    assert at.sidebar.multiselect(key="w_flt_genres").value == []


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
