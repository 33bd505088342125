"""AppTest behaviour of the Forecasting page: the lazy tabs, genre selector, filters, empty view, TMDB-shaped source.

The page is opened through ``app.py`` (``switch_page``) so the sidebar's page links resolve. Model runs are
cached in-process and persisted on disk, so only the first run of a view pays for the fits.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.app import pagekit
from tests.app.pagekit import assert_ok, text

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "pages" / "05_Forecasting.py"


TABS = ("Outlook", "One genre", "Accuracy", "Seasonality", "Gaining speed", "TV season")


def open_page(tab: str = "", **filters) -> AppTest:
    """The page with global filters set; ``tab`` opens that tab (only the open tab runs)."""
    at = pagekit.open_page(PAGE, timeout=180, **filters)
    return open_tab(at, tab) if tab else at


def open_tab(at: AppTest, tab: str) -> AppTest:
    at.session_state["fc_tab"] = tab
    at.run()
    assert_ok(at)
    return at


pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword")  # Prophet on pandas 3


@pytest.fixture(scope="module")
def default_page() -> AppTest:
    return open_page()


def test_default_view_forecasts_six_genres_with_an_outlook(default_page):
    at = open_tab(default_page, "Outlook")
    assert at.status[0].state == "complete" and "6 genres forecast" in at.status[0].label
    assert "monthly ratings by MovieLens users" in text(at)
    assert len(at.get("plotly_chart")) == 1 and not at.dataframe  # the overview only: a light first tab
    assert any("Prophet's outlook for the next 12 months" in m.value for m in at.markdown)


@pytest.mark.parametrize("tab, charts, tables", [("Outlook", 1, 0), ("One genre", 2, 1), ("Accuracy", 1, 1),
                                                 ("Seasonality", 1, 0), ("Gaining speed", 2, 1),
                                                 ("TV season", 1, 1)])
def test_every_tab_renders(default_page, tab, charts, tables):
    at = open_tab(default_page, tab)
    assert len(at.get("plotly_chart")) == charts and len(at.dataframe) == tables
    assert len(at.get("download_button")) == tables
    assert any(m.value.startswith("- ") for m in at.markdown)  # computed insights


def test_accuracy_tab_compares_with_the_naive_forecast(default_page):
    body = text(open_tab(default_page, "Accuracy"))
    assert "seasonal-naive baseline" in body and "MASE" in body
    assert {"MASE Prophet", "MASE Seasonal naive"} <= set(default_page.dataframe[0].value.columns)


def test_genre_selector_changes_the_detail(default_page):
    at = open_tab(default_page, "One genre")
    assert len(at.button_group(key="fc_genre").options) == 6
    seen = {}
    for genre in at.button_group(key="fc_genre").options:
        at.button_group(key="fc_genre").set_value(genre).run()
        assert_ok(at)
        detail = at.dataframe[0].value
        assert (detail["genre"] == genre).all()
        seen[genre] = tuple(detail["MASE"])
    assert len(set(seen.values())) == len(seen)


def test_genre_survives_a_tab_switch(default_page):
    at = open_tab(default_page, "One genre")
    last = at.button_group(key="fc_genre").options[-1]
    at.button_group(key="fc_genre").set_value(last).run()
    open_tab(at, "Seasonality")
    open_tab(at, "One genre")
    assert at.button_group(key="fc_genre").value == last and (at.dataframe[0].value["genre"] == last).all()


def test_a_warm_rerun_refits_nothing(default_page, monkeypatch):
    """Speed is measured in bench/bench_forecast.py; here: a rerun is served from the caches, no model is fitted."""
    from core.forecast import engine as forecasting

    at = open_tab(default_page, "Outlook")
    before = text(at)

    def no_fit(*args, **kwargs):
        raise AssertionError("a warm rerun fitted a forecast model")

    monkeypatch.setattr(forecasting, "fit_models", no_fit)
    at.run()
    assert_ok(at)
    assert text(at) == before


def test_empty_filter_shows_an_info_message():
    at = open_page(min_votes=1_000_000)
    assert_ok(at)
    assert any("No titles match" in i.value for i in at.info)
    assert not at.get("plotly_chart")


def test_single_genre_filter_forecasts_only_that_genre():
    at = open_page("One genre", genres=["Documentary"])
    assert_ok(at)
    assert at.button_group(key="fc_genre").options == ["Documentary"]
    assert "among the genres you filtered on" in text(at)


def test_a_view_without_movielens_ratings_says_so():
    at = open_page(genres=["Short"], years=(2004, 2005))  # 8 short films, none rated on MovieLens
    assert_ok(at)
    assert any("No monthly series to forecast" in i.value for i in at.info)


def test_a_view_with_too_few_ratings_explains_each_genre():
    at = open_page(genres=["Short"], years=(2003, 2005))  # 27 short films, 2 ratings
    assert_ok(at)
    assert any("Not forecast: Short" in m.value for m in at.markdown)
    open_tab(at, "One genre")
    assert any("Short:" in i.value and "month" in i.value for i in at.info)


# ---------------------------------------------------------------- TMDB-shaped source
def _tmdb_titles(n: int = 2400) -> pd.DataFrame:
    """A TMDB-shaped catalogue dense enough for monthly release series (2012-2024, movies and TV)."""
    from core.data import schema

    rng = np.random.default_rng(0)
    genres = [["Action", "Adventure"], ["Drama"], ["Comedy", "Romance"], ["Animation", "Family"], ["Drama", "Crime"],
              ["Horror", "Thriller"], ["Comedy"], ["Documentary"]]
    days = rng.integers(0, (pd.Timestamp("2024-12-31") - pd.Timestamp("2012-01-01")).days, n)
    dates = pd.Timestamp("2012-01-01") + pd.to_timedelta(days, unit="D")
    rows = [{"title_id": f"tmdb:{'tv' if i % 4 == 0 else 'movie'}:{i}", "title": f"Title {i}",
             "media_type": "tv" if i % 4 == 0 else "movie", "genres": genres[i % len(genres)],
             "primary_genre": genres[i % len(genres)][0], "release_date": dates[i], "year": dates[i].year,
             "runtime": 90.0, "budget": None, "revenue": None, "vote_average": float(5 + i % 40 / 10),
             "vote_count": float(100 + (i * 97) % 20000), "popularity": float(5 + i % 300), "language": "en",
             "overview": "", "poster_url": None, "source": "tmdb"} for i in range(n)]
    return schema.conform(pd.DataFrame(rows), schema.TITLE_COLUMNS)


@pytest.fixture()
def tmdb_source(monkeypatch, request):
    """Serve a TMDB-shaped catalogue as the live source (no network, no store), then drop the cached copies."""
    titles = request.param
    with pagekit.tmdb_titles_as_source(monkeypatch, titles):
        yield


@pytest.mark.parametrize("tmdb_source", [_tmdb_titles()], indirect=True, ids=["dense"])
def test_tmdb_source_forecasts_monthly_releases(tmdb_source):
    at = open_page(source="tmdb", years=(2012, 2024))
    assert_ok(at)
    body = text(at)
    assert "monthly releases in view" in body and "supply" in body
    assert at.status[0].state == "complete"
    assert any("seasonal-naive baseline" in m.value for m in open_tab(at, "Accuracy").markdown)


def test_tmdb_source_with_too_few_titles_says_why(monkeypatch, tmdb_like_frame):
    """120 titles over ten years: every genre's monthly releases are mostly zero, and each genre says so."""
    from core.data import schema

    with pagekit.tmdb_titles_as_source(monkeypatch, tmdb_like_frame[list(schema.TITLE_COLUMNS)]):
        at = open_page(source="tmdb", years=(2015, 2024))
        assert_ok(at)
        outlook = next(m.value for m in at.markdown if "Not forecast" in m.value)
        genres = open_tab(at, "One genre").button_group(key="fc_genre").options
        assert genres and all(g in outlook for g in genres)  # the outlook names every genre it left out
        for genre in genres:
            at.button_group(key="fc_genre").set_value(genre).run()
            assert_ok(at)
            [info] = [i.value for i in at.info]
            assert info.startswith(f"{genre}: ") and info.endswith("the series is too sparse to forecast."), info
            zero_share = int(info.removeprefix(f"{genre}: ").split("%")[0])
            assert 50 < zero_share <= 100  # above the page's limit of half the months at zero
            assert not at.get("plotly_chart") and not at.dataframe  # a reason instead of a forecast


def test_tv_season_tab_forecasts_the_next_series_from_its_backtest(default_page):
    at = open_tab(default_page, "TV season")
    shown = text(at)
    assert "Series 11: 9.24M an episode expected" in shown  # the last series' average won the backtest
    assert "backtest error over 7 series was 1.92M against 2.82M for a linear trend" in shown
    assert list(at.dataframe[0].value["series"]) == list(range(4, 11))
