"""TV episode audiences: the real Bake Off figures per series, the finale lift, catch-up viewing, and the next
series' forecast chosen and scored on a rolling-origin backtest."""
from __future__ import annotations

import pandas as pd
import pytest

from core.explore import episodes


@pytest.fixture(scope="module")
def bake_off(embedded_data) -> pd.DataFrame:
    return embedded_data.episodes


def test_series_table_summarises_every_aired_episode(bake_off):
    series = episodes.series_table(bake_off)
    assert list(series["series"]) == list(range(1, 11)) and series["episodes"].sum() == len(bake_off) == 94
    s7 = series.set_index("series").loc[7]
    rows = bake_off[bake_off["series"] == 7].sort_values("episode")
    assert s7["mean_viewers"] == pytest.approx(rows["viewers_7day"].mean())
    assert s7["finale"] == rows["viewers_7day"].iloc[-1] and s7["premiere"] == rows["viewers_7day"].iloc[0]
    assert series.set_index("series").loc[8, "change"] == pytest.approx(9.017 / 13.563 - 1, abs=1e-3)


def test_catch_up_leaves_out_episodes_whose_28_day_audience_is_below_the_7_day_one(bake_off):
    out = episodes.overview(bake_off)
    bad = bake_off["viewers_28day"] < bake_off["viewers_7day"]
    assert out["inconsistent"] == int(bad.sum()) == 41
    good = bake_off[bake_off["viewers_28day"] >= bake_off["viewers_7day"]]
    median = (good["viewers_28day"] - good["viewers_7day"]).median()
    assert f"adds a median {median:.2f}M an episode over the {len(good)} episodes" in " ".join(out["insights"])


def test_backtest_forecasts_each_series_from_the_ones_before_it(bake_off):
    means = episodes.series_table(bake_off).set_index("series")["mean_viewers"]
    bt = episodes.backtest(means)
    assert list(bt["series"]) == list(range(4, 11))
    row = bt.set_index("series").loc[8]
    assert row["naive"] == pytest.approx(means.loc[7]) and row["actual"] == pytest.approx(means.loc[8])
    assert row["naive_error"] == pytest.approx(abs(means.loc[7] - means.loc[8]))


def test_the_method_with_the_smaller_backtest_error_makes_the_forecast(bake_off):
    fc = episodes.next_series(episodes.series_table(bake_off))
    assert fc["series"] == 11 and fc["method"] == "naive"  # the move to Channel 4 broke the trend
    assert fc["mae"]["naive"] < fc["mae"]["trend"]
    assert fc["point"] == pytest.approx(bake_off.loc[bake_off["series"] == 10, "viewers_7day"].mean())
    assert fc["low"] < fc["point"] < fc["high"]


def test_a_steady_trend_is_forecast_by_the_trend():
    rows = [{"series": s, "episode": e, "airdate": pd.Timestamp(2010 + s, 8, e), "viewers_7day": 2.0 + s,
             "viewers_28day": 2.5 + s} for s in range(1, 7) for e in range(1, 5)]
    fc = episodes.next_series(episodes.series_table(pd.DataFrame(rows)))
    assert fc["method"] == "trend" and fc["point"] == pytest.approx(9.0) and fc["mae"]["trend"] == pytest.approx(0)


def test_too_few_series_or_no_rows_give_no_forecast():
    rows = pd.DataFrame([{"series": s, "episode": 1, "airdate": pd.Timestamp(2010 + s, 8, 1), "viewers_7day": 3.0,
                          "viewers_28day": 3.5} for s in (1, 2, 3)])
    assert episodes.next_series(episodes.series_table(rows)) == {}
    empty = episodes.overview(rows.iloc[0:0])
    assert empty["series"].empty and empty["insights"] == [] and empty["forecast"] == {}
