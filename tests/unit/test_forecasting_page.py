"""Forecasting page: genres and series (both sources), model runs and verdicts, report, dynamics and charts."""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from core import charts
from core.forecast import charts as cf
from core.forecast import dynamics as D
from core.forecast import engine as F
from core.forecast import report as R
from models import forecast as fc

FAST = {"ensemble": fc.EnsembleForecaster, "snaive": fc.SeasonalNaiveForecaster, "mean": fc.MeanForecaster}


def series(values, start: str = "2012-01-01") -> pd.DataFrame:
    values = np.asarray(values, dtype=float)
    return pd.DataFrame({"ds": pd.date_range(start, periods=len(values), freq="MS"), "y": values})


def seasonal(n: int = 60, seed: int = 0) -> pd.DataFrame:
    noise = np.random.default_rng(seed).normal(0, 3, n)
    return series(100 + 30 * np.sin(2 * np.pi * np.arange(n) / 12) + noise)


@pytest.fixture()
def fast_models(monkeypatch):
    """Only the quick forecasters (Prophet has its own test), under the labels the page uses."""
    monkeypatch.setattr(F, "CANDIDATES", dict(FAST))


@pytest.fixture()
def stand_in(monkeypatch):
    """The quick forecasters plus a damped trend standing in for Prophet (tests the page logic, not Prophet)."""
    monkeypatch.setattr(F, "CANDIDATES", {"prophet": fc.DampedTrendForecaster, **FAST})


@pytest.fixture()
def results(stand_in) -> dict:
    return {"Drama": R.genre_models(seasonal(60)), "Comedy": R.genre_models(seasonal(48, seed=1)),
            "Short": R.genre_models(series(np.arange(10.0) + 1))}


# ------------------------------------------------------------------ genres and series
def test_top_genres_rank_by_total_engagement_and_put_unclassified_last(small_frame):
    table = F.top_genres(small_frame)
    assert len(table) <= F.TOP_N and table["engagement"].iloc[:-1].is_monotonic_decreasing
    named = table[table["genre"] != "Unclassified"]
    assert named["engagement"].is_monotonic_decreasing
    if "Unclassified" in set(table["genre"]):
        assert table["genre"].iloc[-1] == "Unclassified"


def test_top_genres_keep_only_the_filtered_genres(small_frame):
    assert F.top_genres(small_frame, selected=("Comedy",))["genre"].tolist() == ["Comedy"]
    assert F.top_genres(small_frame.iloc[0:0]).empty


def test_last_complete_month_skips_a_partial_month():
    assert F.last_complete_month(pd.Timestamp("2016-10-16 17:57")) == pd.Timestamp("2016-09-01")
    assert F.last_complete_month(pd.Timestamp("2016-09-30")) == pd.Timestamp("2016-09-01")


def test_release_series_end_before_the_sync_month_and_after_the_newest_release():
    dates = pd.Series(pd.to_datetime(["2019-05-03", "2020-11-20"]))
    assert F.release_end(dates, pd.Timestamp("2025-06-15")) == pd.Timestamp("2020-11-01")
    assert F.release_end(dates, pd.Timestamp("2020-11-25")) == pd.Timestamp("2020-10-01")
    assert F.release_end(dates.iloc[0:0], pd.Timestamp("2025-06-15")) is None


def test_trim_leading_stub_drops_a_stray_start_only():
    stub = series(np.r_[1.0, np.zeros(12), np.full(30, 50.0)])
    trimmed = F.trim_leading_stub(stub)
    assert len(trimmed) == 30 and trimmed["ds"].iloc[0] == pd.Timestamp("2013-02-01")
    normal = seasonal(36)
    pd.testing.assert_frame_equal(F.trim_leading_stub(normal), normal)


def test_genre_series_is_complete_through_the_end_month():
    events = pd.DataFrame({"date": pd.to_datetime(["2020-01-05", "2020-03-09", "2020-03-10", "2020-07-01"]),
                           "genre": [["Drama", "Comedy"], ["Drama"], ["Drama"], ["Comedy"]]})
    out = F.genre_series(events, ["Drama", "Comedy"], pd.Timestamp("2020-05-01"))
    drama = out[out["genre"] == "Drama"]
    assert drama["ds"].tolist() == list(pd.date_range("2020-01-01", "2020-05-01", freq="MS"))
    assert drama["y"].tolist() == [1.0, 0.0, 2.0, 0.0, 0.0]  # padded to the end, July dropped
    assert out[out["genre"] == "Comedy"]["y"].sum() == 1.0
    assert F.genre_series(events, [], pd.Timestamp("2020-05-01")).empty
    assert F.genre_series(events, ["Drama"], None).empty


def test_embedded_inputs_count_movielens_ratings_of_titles_in_view(small_frame, embedded_data):
    inputs = F.build_inputs(small_frame, "embedded", (), embedded_data.ratings)
    assert inputs["measure"] == "ratings" and "MovieLens" in inputs["note"]
    assert inputs["end"] == pd.Timestamp("2016-09-01")
    in_view = embedded_data.ratings["title_id"].isin(small_frame["title_id"]).sum()
    assert inputs["events"] == in_view
    drama = F.history_of(inputs["series"], "Drama")
    assert drama["y"].sum() <= in_view and drama["ds"].iloc[-1] == inputs["end"]
    assert drama["ds"].diff().dropna().dt.days.between(28, 31).all()


def test_titles_without_a_genre_count_as_unclassified(small_frame, embedded_data):
    rated = small_frame[small_frame["title_id"].isin(embedded_data.ratings["title_id"])].head(5)
    bare = rated.assign(genres=[[] for _ in range(len(rated))])
    inputs = F.build_inputs(bare, "embedded", ("Unclassified",), embedded_data.ratings)
    assert inputs["genres"]["genre"].tolist() == ["Unclassified"]
    ratings = embedded_data.ratings
    counted = ratings["title_id"].isin(bare["title_id"]) & (ratings["timestamp"] < "2016-10-01")  # complete months
    assert inputs["series"]["y"].sum() == counted.sum()


def test_tmdb_inputs_count_releases_and_say_so(tmdb_like_frame):
    inputs = F.build_inputs(tmdb_like_frame, "tmdb", (), today=pd.Timestamp("2025-06-15"))
    assert inputs["measure"] == "releases" and "supply" in inputs["note"]
    assert inputs["end"] == pd.Timestamp("2024-12-01")  # newest release in the fixture
    assert inputs["series"]["y"].sum() > 0
    assert set(inputs["series"]["genre"]) <= set(inputs["genres"]["genre"])


def test_tmdb_series_too_sparse_to_forecast_says_why(tmdb_like_frame, fast_models):
    inputs = F.build_inputs(tmdb_like_frame, "tmdb", (), today=pd.Timestamp("2025-06-15"))
    res = R.genre_models(F.history_of(inputs["series"], inputs["genres"]["genre"].iloc[0]))
    assert res["reason"] and "zero" in res["reason"]


def test_inputs_of_an_empty_view_are_empty(small_frame, embedded_data):
    inputs = F.build_inputs(small_frame.iloc[0:0], "embedded", (), embedded_data.ratings)
    assert inputs["series"].empty and inputs["genres"].empty and inputs["events"] == 0


# ------------------------------------------------------------------ model runs and verdicts
def test_genre_models_backtest_every_model_and_forecast_12_months(fast_models):
    res = R.genre_models(seasonal(60))
    assert res["reason"] is None and set(res["backtest"]["key"]) == set(FAST)
    assert res["backtest"]["mase"].is_monotonic_increasing
    assert all(len(f) == F.HORIZON for f in res["forecasts"].values())
    assert set(res["holdout"]["model"]) == {"Actual", *(F.MODELS[k] for k in FAST)}
    assert res["verdict"]["winner"] == res["backtest"]["key"].iloc[0]


def test_genre_models_explain_short_and_flat_series(fast_models):
    assert "Only 10 months" in R.genre_models(series(np.arange(10.0) + 1))["reason"]
    assert "flat" in R.genre_models(series(np.full(36, 4.0)))["reason"]


def test_a_failing_model_is_reported_and_the_rest_still_run(monkeypatch):
    class Broken(fc.MeanForecaster):
        def _fit_values(self, y, history):
            raise RuntimeError("optimiser failed")

    monkeypatch.setattr(F, "CANDIDATES", {**FAST, "prophet": Broken})
    res = R.genre_models(seasonal(48))
    assert "optimiser failed" in res["failed"]["prophet"] and "prophet" not in res["forecasts"]
    assert res["verdict"]["text"].startswith("Prophet could not be fitted")


def test_prophet_setup_explains_the_log_fallback_for_zero_months():
    assert "log(1 + y)" in F.prophet_setup(series(np.r_[0.0, np.arange(1.0, 36.0)]))
    assert "1 month at zero" in F.prophet_setup(series(np.r_[0.0, np.arange(1.0, 36.0)]))
    plain = F.prophet_setup(seasonal(36))
    assert "multiplicative" in plain and "log" not in plain


def _table(mase: dict) -> pd.DataFrame:
    runs = {k: {"mase": v, "mae": v * 10, "coverage": 0.8, "seconds": 0.1,
                "holdout": pd.DataFrame({"y": [10.0, 10.0], "yhat": [8.0, 8.0]})} for k, v in mase.items()}
    return R.backtest_table(runs)


def test_backtest_table_compares_with_seasonal_naive_and_measures_bias():
    table = _table({"prophet": 0.8, "snaive": 1.0, "mean": 0.9})
    assert table["key"].tolist() == ["prophet", "mean", "snaive"]
    assert table.set_index("key").loc["prophet", "vs_naive_pct"] == pytest.approx(20.0)
    np.testing.assert_allclose(table["bias_pct"], -20.0)


def test_verdict_says_by_how_much_prophet_beats_the_naive_baseline():
    v = R.verdict(_table({"prophet": 0.8, "snaive": 1.0, "mean": 0.9}))
    assert v["beats_naive"] and "beats the seasonal-naive baseline by 20%" in v["text"]
    assert v["winner"] == "prophet" and not v["show_best"]


def test_verdict_says_when_prophet_does_not_beat_it_and_who_won():
    v = R.verdict(_table({"prophet": 1.2, "snaive": 1.0, "mean": 0.9, "ensemble": 0.85}))
    assert not v["beats_naive"] and "does not beat" in v["text"]
    assert v["winner"] == "ensemble" and v["show_best"] and F.MODELS["ensemble"] in v["text"]


@pytest.mark.timeout(120)
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_genre_models_with_prophet_on_a_seasonal_series():
    res = R.genre_models(seasonal(48))
    prophet = res["forecasts"]["prophet"]
    assert (prophet["yhat_lower"] <= prophet["yhat"]).all() and (prophet["yhat"] <= prophet["yhat_upper"]).all()
    mae = res["backtest"].set_index("key")["mae"]
    assert mae["prophet"] < 0.5 * mae["mean"]  # it captures the seasonality a flat forecast misses


# ------------------------------------------------------------------ report
def test_summary_table_has_a_row_per_genre_and_explains_skipped_ones(results):
    table = R.summary_table(results)
    assert table["genre"].tolist() == ["Drama", "Comedy", "Short"]
    assert list(table.columns) == R.SUMMARY_COLUMNS
    short = table.set_index("genre").loc["Short"]
    assert np.isnan(short["mase_ensemble"]) and "Only 10 months" in short["verdict"]
    drama = table.set_index("genre").loc["Drama"]
    assert drama["last_12"] == pytest.approx(results["Drama"]["history"]["y"].tail(12).sum())


def test_outlook_and_accuracy_insights_name_genres_and_models(results):
    table = R.summary_table(results)
    outlook, accuracy = R.outlook_insights(table), R.accuracy_insights(table)
    assert 1 <= len(outlook) <= 4 and 2 <= len(accuracy) <= 4
    assert any("Not forecast: Short" in line for line in outlook)
    assert any(F.MODELS[k] in accuracy[1] for k in FAST)


def test_accuracy_insights_count_genres_where_prophet_beats_naive():
    table = pd.DataFrame({"genre": ["A", "B"], "mase_prophet": [0.5, 1.2], "mase_snaive": [1.0, 1.0],
                          "mase_mean": [0.6, 0.9], "mase_ensemble": [0.7, 0.8],
                          "best": [F.MODELS["prophet"], F.MODELS["ensemble"]]})
    lines = R.accuracy_insights(table)
    assert lines[0].startswith("Prophet beats the seasonal-naive baseline in 1 of 2 genres")
    assert "beats Prophet in 1 of 2" in lines[2]
    assert R.accuracy_insights(table.iloc[0:0]) == ["No genre has enough history to backtest."]


def test_genre_insights_and_display_tables(results):
    res = results["Drama"]
    assert 2 <= len(R.backtest_insights(res)) <= 4 and "Ranking on the held-out months" in R.backtest_insights(res)[0]
    shown = R.backtest_display(res, "Drama")
    assert len(shown) == len(F.MODELS) and (shown["genre"] == "Drama").all()
    assert R.forecast_insights(results["Short"], "Short", "ratings")[0].startswith("Only 10 months")
    display = R.summary_display(R.summary_table(results), "ratings")
    assert "ratings, last 12 months" in display.columns and "MASE Prophet" in display.columns


def test_prophet_forecasts_are_long_and_skip_unforecast_genres(results):
    out = R.prophet_forecasts(results)
    assert list(out.columns) == ["genre", "ds", "yhat", "yhat_lower", "yhat_upper"]
    assert out.groupby("genre").size().to_dict() == {"Comedy": F.HORIZON, "Drama": F.HORIZON}


def test_report_without_prophet_still_ranks_the_other_models(fast_models):
    table = R.summary_table({"Drama": R.genre_models(seasonal(60))})
    assert R.prophet_forecasts({"Drama": R.genre_models(seasonal(60))}).empty
    lines = R.accuracy_insights(table)
    assert lines[0].startswith("Best on the 12-month backtest") and "not compared" in lines[1]
    assert len(cf.mase(table).data) == len(F.MODELS)


# ------------------------------------------------------------------ dynamics
def test_seasonality_strength_separates_a_seasonal_series_from_noise():
    assert D.seasonality_strength(seasonal(72)) > 0.8
    noise = series(np.random.default_rng(3).gamma(5.0, 20.0, 72))
    assert D.seasonality_strength(noise) < 0.3
    assert np.isnan(D.seasonality_strength(seasonal(20)))


def test_seasonal_profiles_and_insights():
    long = pd.concat([seasonal(48).assign(genre="Drama"), seasonal(48, seed=2).assign(genre="Comedy")])
    profiles = D.seasonal_profiles(long)
    assert len(profiles) == 24 and set(profiles["genre"]) == {"Drama", "Comedy"}
    lines = D.seasonal_insights(profiles)
    assert 2 <= len(lines) <= 4 and "Apr" in lines[0]  # a sine starting in January peaks in April
    assert D.seasonal_insights(D.seasonal_profiles(long.iloc[0:0]))[0].startswith("No seasonal profile")


def test_seasonal_insights_point_out_a_month_most_genres_share():
    long = pd.concat([seasonal(48, seed=i).assign(genre=g) for i, g in enumerate(("Drama", "Comedy", "Action"))])
    lines = D.seasonal_insights(D.seasonal_profiles(long))
    assert any("the quietest in 3" in line and "of 3 genres" in line for line in lines)  # a sine bottoms in Oct
    assert len(lines) <= 4


def test_momentum_table_compares_last_year_with_the_year_before():
    long = pd.concat([series(np.r_[np.full(12, 10.0), np.full(12, 15.0)]).assign(genre="Up"),
                      series(np.r_[np.full(12, 10.0), np.full(12, 5.0)]).assign(genre="Down"),
                      series(np.ones(8)).assign(genre="Young")])
    table = D.momentum_table(long).set_index("genre")
    assert table.loc["Up", "momentum_pct"] == pytest.approx(50.0)
    assert table.loc["Down", "momentum_pct"] == pytest.approx(-50.0)
    assert np.isnan(table.loc["Young", "momentum_pct"])
    lines = D.momentum_insights(table.reset_index(), "ratings")
    assert "Up (+50%" in lines[0] and "Down (-50%)" in lines[1] and lines[2].startswith("1 of 2")


def test_velocity_and_rising_stars_on_the_embedded_view(small_frame):
    genres = F.top_genres(small_frame)["genre"].tolist()
    table = D.velocity_table(small_frame, genres)
    assert table["median_velocity"].is_monotonic_decreasing and set(table["genre"]) <= set(genres)
    stars = D.rising_stars(small_frame)
    assert len(stars) <= D.RISING_STARS and stars["velocity"].is_monotonic_decreasing
    assert stars["year"].min() > small_frame["year"].max() - D.RECENT_YEARS
    assert 2 <= len(D.rising_star_insights(stars)) <= 4 and stars["title"].iloc[0] in D.rising_star_insights(stars)[0]
    shown = D.rising_stars_display(stars)
    assert list(shown.columns) == ["title", "year", "genres", "votes", "days since release", "votes per day",
                                   "x genre median"] and len(shown) == len(stars)


def test_velocity_and_rising_stars_on_tmdb_titles(tmdb_like_frame):
    genres = F.top_genres(tmdb_like_frame)["genre"].tolist()
    assert len(D.velocity_insights(D.velocity_table(tmdb_like_frame, genres))) >= 1
    stars = D.rising_stars(tmdb_like_frame)
    assert not stars.empty and (stars["year"] >= 2022).all()


def test_single_genre_and_empty_views(small_frame):
    one = small_frame[small_frame["genres"].map(lambda g: list(g) == ["Drama"])]
    assert F.top_genres(one)["genre"].tolist() == ["Drama"]
    assert D.velocity_table(one, ["Drama"])["genre"].tolist() in ([], ["Drama"])
    empty = small_frame.iloc[0:0]
    assert D.rising_stars(empty).empty and D.velocity_table(empty, ["Drama"]).empty
    assert D.rising_star_insights(D.rising_stars(empty))[0].startswith("No recent titles")


# ------------------------------------------------------------------ charts
def test_charts_use_the_genre_colour_and_handle_empty_inputs(results):
    long = pd.concat([r["history"].assign(genre=g) for g, r in results.items()])
    fig = cf.overview(long, pd.DataFrame(columns=["genre", "ds", "yhat", "yhat_lower", "yhat_upper"]))
    assert isinstance(fig, go.Figure) and fig.data[0].line.color == charts.genre_color("Drama")
    res = results["Drama"]
    forecasts = {F.MODELS[k]: f for k, f in res["forecasts"].items()}
    detail = cf.detail(res["history"], forecasts, "Drama", F.MODELS["mean"])
    assert detail.data[0].line.color == charts.genre_color("Drama")
    assert any("best on backtest" in (t.name or "") for t in detail.data)
    assert detail.layout.xaxis.range is None  # 5 years of history: all of it shown
    long_history = seasonal(180)
    zoomed = cf.detail(long_history, {"Prophet": res["forecasts"]["prophet"]}, "Drama")
    assert pd.Timestamp(zoomed.layout.xaxis.range[0]) == long_history["ds"].max() - pd.DateOffset(years=cf.DETAIL_YEARS)
    assert len(cf.backtest(res["holdout"], "Drama").data) == len(F.MODELS) + 1
    assert len(cf.mase(R.summary_table(results)).data) == len(F.MODELS)
    for builder, empty in ((cf.overview, (long.iloc[0:0], long.iloc[0:0])), (cf.backtest, (long.iloc[0:0], "x")),
                           (cf.seasonal, (pd.DataFrame(columns=["genre", "month_name", "index"]),)),
                           (cf.momentum, (pd.DataFrame(columns=["genre", "momentum_pct"]),)),
                           (cf.velocity, (pd.DataFrame(columns=["genre", "median_velocity"]),))):
        assert len(builder(*empty).layout.annotations) == 1  # the "nothing to draw" message
