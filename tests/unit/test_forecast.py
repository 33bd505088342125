"""Forecasting models, backtest and monthly series helpers, on small synthetic series built here."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError

from models import backtest
from models import forecast as fc
from models.timeseries import momentum, monthly_series, seasonal_profile

ROOT = Path(__file__).resolve().parents[2]
COLUMNS = ["ds", "yhat", "yhat_lower", "yhat_upper"]


def series(values, start: str = "2015-01-01") -> pd.DataFrame:
    values = np.asarray(values, dtype=float)
    return pd.DataFrame({"ds": pd.date_range(start, periods=len(values), freq="MS"), "y": values})


def trend(n: int = 48) -> pd.DataFrame:
    return series(100 + 2.0 * np.arange(n))


def sine(n: int = 48) -> pd.DataFrame:
    return series(100 + 20 * np.sin(2 * np.pi * np.arange(n) / 12))


def noisy(n: int = 60, seed: int = 0) -> pd.DataFrame:
    return series(np.random.default_rng(seed).gamma(2.0, 50.0, n))


FAST = {
    "snaive": fc.SeasonalNaiveForecaster,
    "mean": fc.MeanForecaster,
    "damped": fc.DampedTrendForecaster,
    "damped_log": lambda: fc.DampedTrendForecaster(log=True),
    "ensemble": fc.EnsembleForecaster,
}


class Oracle(BaseEstimator):
    """Knows the future: predicts the given values exactly (tests the backtest, not a model)."""

    def __init__(self, future: pd.DataFrame | None = None):
        self.future = future

    def fit(self, history: pd.DataFrame) -> "Oracle":
        self.last_ds_ = history["ds"].max()
        return self

    def predict(self, horizon: int) -> pd.DataFrame:
        f = self.future[self.future["ds"] > self.last_ds_].head(horizon)
        return pd.DataFrame({"ds": f["ds"], "yhat": f["y"], "yhat_lower": f["y"] - 1, "yhat_upper": f["y"] + 1})


# --------------------------------------------------------------------------- forecasters
@pytest.mark.parametrize("name", FAST)
def test_forecast_has_columns_and_next_month_starts(name):
    history = noisy()
    out = FAST[name]().fit(history).predict(12)
    assert list(out.columns) == COLUMNS
    expected = pd.date_range("2020-01-01", periods=12, freq="MS")
    assert out["ds"].tolist() == expected.tolist()
    assert out[COLUMNS[1:]].notna().all().all()
    assert (out["yhat_lower"] <= out["yhat"]).all() and (out["yhat"] <= out["yhat_upper"]).all()
    assert (out["yhat_lower"] >= 0).all()  # non-negative history -> non-negative band


def test_seasonal_naive_repeats_last_season():
    history = noisy(40)
    out = fc.SeasonalNaiveForecaster().fit(history).predict(24)
    last = history["y"].to_numpy()[-12:]
    np.testing.assert_array_equal(out["yhat"].to_numpy(), np.tile(last, 2))


def test_mean_forecaster_is_last_12_mean():
    history = noisy(30)
    out = fc.MeanForecaster().fit(history).predict(12)
    np.testing.assert_allclose(out["yhat"], history["y"].tail(12).mean())


def test_log_mean_is_geometric_mean_of_one_plus_y():
    history = noisy(30)
    out = fc.MeanForecaster(log=True).fit(history).predict(3)
    np.testing.assert_allclose(out["yhat"], np.expm1(np.log1p(history["y"].tail(12)).mean()))


def test_damped_trend_follows_a_linear_trend():
    out = fc.DampedTrendForecaster().fit(trend(48)).predict(12)
    assert out["yhat"].is_monotonic_increasing
    assert abs(out["yhat"].iloc[0] - 196.0) < 1.0  # next point on the line 100 + 2t
    assert out["yhat"].iloc[-1] < 100 + 2.0 * 59 + 1e-6  # damped: never steeper than the line


def _replay(z, alpha, beta, phi, l0, b0):
    """The textbook ETS(A,Ad,N) recursion: one-step errors and the final state."""
    level, slope, errors = l0, b0, []
    for obs in z:
        err = obs - (level + phi * slope)
        level, slope = level + phi * slope + alpha * err, phi * slope + beta * err
        errors.append(err)
    return np.array(errors), level, slope


def test_damped_filter_matches_the_plain_recursion_at_the_best_initial_state():
    z = np.random.default_rng(1).normal(size=40).cumsum()
    alpha, beta, phi = 0.4, 0.1, 0.9
    errors, level, slope = fc._damped_filter(alpha, beta, phi, z)
    s = z[0] - errors[0]  # l0 + phi b0, from e1 = z1 - (l0 + phi b0)
    b0 = ((z[1] - errors[1]) - s - (alpha + phi * beta) * errors[0]) / phi ** 2
    l0 = s - phi * b0
    replay, level_r, slope_r = _replay(z, alpha, beta, phi, l0, b0)
    np.testing.assert_allclose(replay, errors, atol=1e-9)
    assert level == pytest.approx(level_r) and slope == pytest.approx(slope_r)
    sse = errors @ errors
    for dl, db in ((0.1, 0), (0, 0.1), (-0.1, 0.05)):
        worse = _replay(z, alpha, beta, phi, l0 + dl, b0 + db)[0]
        assert worse @ worse > sse  # least-squares initial state


def test_declining_series_forecast_is_clipped_at_zero():
    out = fc.DampedTrendForecaster().fit(series(np.linspace(60, 2, 36))).predict(24)
    assert (out[COLUMNS[1:]] >= 0).all().all()


def test_ensemble_lies_between_its_members():
    history = noisy()
    ens = fc.EnsembleForecaster(members=("damped", "mean"), scales=("raw",)).fit(history)
    parts = np.vstack([est.predict(12)["yhat"] for est in ens.estimators_])
    yhat = ens.predict(12)["yhat"].to_numpy()
    assert (yhat >= parts.min(axis=0) - 1e-9).all() and (yhat <= parts.max(axis=0) + 1e-9).all()
    assert len(fc.EnsembleForecaster().fit(history).estimators_) == 2  # damped on raw and log1p scale


def test_forecasters_follow_the_sklearn_contract():
    est = fc.EnsembleForecaster(members=("mean",), combine="median")
    assert clone(est).get_params() == est.get_params()
    assert not hasattr(est, "estimators_")  # __init__ only stores
    with pytest.raises(ValueError, match="members"):
        fc.EnsembleForecaster(members=("arima",)).fit(noisy())
    with pytest.raises(NotFittedError, match="not fitted"):
        fc.MeanForecaster().predict(12)


def test_fit_rejects_gaps_and_missing_values():
    gappy = noisy(30).drop(index=[5, 6])
    with pytest.raises(ValueError, match="missing months"):
        fc.MeanForecaster().fit(gappy)
    with pytest.raises(ValueError, match="missing"):
        fc.MeanForecaster().fit(noisy(30).assign(y=lambda d: d["y"].where(d.index != 3)))


# --------------------------------------------------------------------------- backtest
def test_backtest_of_a_perfect_forecast_is_zero():
    history = noisy(48)
    result = backtest.backtest(history, Oracle(future=history), horizon=12)
    assert result["mase"] == 0 and result["mae"] == 0 and result["coverage"] == 1
    assert list(result["holdout"].columns) == ["ds", "y", *COLUMNS[1:]]
    assert len(result["holdout"]) == 12 and result["n_train"] == 36


def test_seasonal_naive_on_a_perfectly_seasonal_series_scores_zero():
    y = sine(60)["y"].to_numpy().copy()
    y[:12] += 5.0  # an early level shift so the in-sample scale is not 0
    result = backtest.backtest(series(y), fc.SeasonalNaiveForecaster, horizon=12)
    assert result["mase"] == pytest.approx(0.0, abs=1e-12)
    assert result["scale_m"] == 12 and result["scale"] > 0


def test_mase_is_mae_over_in_sample_seasonal_naive_mae():
    history = noisy(48)
    result = backtest.backtest(history, fc.MeanForecaster, horizon=12)
    train, test = history["y"].to_numpy()[:36], history["y"].to_numpy()[36:]
    mae = np.abs(test - train[-12:].mean()).mean()
    assert result["mae"] == pytest.approx(mae)
    assert result["mase"] == pytest.approx(mae / np.abs(train[12:] - train[:-12]).mean())


def test_short_history_falls_back_to_naive_scale_and_says_so():
    result = backtest.backtest(noisy(30), fc.MeanForecaster, horizon=12)  # 18 training months < 2 seasons
    assert result["scale_m"] == 1 and "shorter than two seasons" in result["scale_method"]
    with pytest.raises(ValueError, match="hold out"):
        backtest.backtest(noisy(12), fc.MeanForecaster, horizon=12)


def test_compare_ranks_methods_by_mase():
    y = sine(60)["y"].to_numpy().copy()
    y[:12] += 5.0
    table = backtest.compare(series(y), {"mean": fc.MeanForecaster(window=12), "snaive": fc.SeasonalNaiveForecaster})
    assert list(table.columns) == ["method", "mase", "mae", "coverage", "seconds"]
    assert table["method"].tolist() == ["snaive", "mean"] and table["mase"].is_monotonic_increasing


# --------------------------------------------------------------------------- check_series
@pytest.mark.parametrize(("history", "phrase"), [
    (series(np.arange(10.0) + 1), "Only 10 months"),
    (series(np.full(36, 7.0)), "flat"),
    (series(np.r_[np.zeros(30), np.arange(1.0, 7.0)]), "zero"),
    (noisy(36).drop(index=[10]), "missing months"),
    (pd.DataFrame(columns=["ds", "y"]), "no history"),
])
def test_check_series_flags_unforecastable_series(history, phrase):
    reason = fc.check_series(history)
    assert reason is not None and phrase in reason


def test_check_series_accepts_a_normal_series():
    assert fc.check_series(noisy(36)) is None
    assert fc.check_series(series(np.arange(12.0) + 1), min_months=12) is None


# --------------------------------------------------------------------------- helpers
def test_monthly_series_fills_gaps_with_zeros_per_group():
    events = pd.DataFrame({
        "when": pd.to_datetime(["2020-01-05", "2020-01-20", "2020-04-02", "2020-02-11", "2020-02-28"]),
        "genre": ["Drama", "Drama", "Drama", "Comedy", "Comedy"],
        "views": [1.0, 2.0, 3.0, 4.0, 5.0],
    })
    counts = monthly_series(events, "when", "genre")
    drama = counts[counts["genre"] == "Drama"]
    assert drama["ds"].tolist() == list(pd.date_range("2020-01-01", "2020-04-01", freq="MS"))
    assert drama["y"].tolist() == [2.0, 0.0, 0.0, 1.0]
    assert counts[counts["genre"] == "Comedy"]["y"].tolist() == [2.0]  # first to last event only
    sums = monthly_series(events, "when", "genre", value_col="views")
    assert sums[sums["genre"] == "Drama"]["y"].tolist() == [3.0, 0.0, 0.0, 3.0]
    assert events.shape == (5, 3)  # argument untouched


def test_monthly_series_explodes_list_groups_and_reads_unix_seconds():
    events = pd.DataFrame({"ts": [1577836800, 1583020800],  # 2020-01-01, 2020-03-01 (UTC)
                           "genres": [["Drama", "Comedy"], ["Drama"]]})
    out = monthly_series(events, "ts", "genres")
    assert out[out["genres"] == "Drama"]["y"].tolist() == [1.0, 0.0, 1.0]
    assert out[out["genres"] == "Comedy"]["y"].tolist() == [1.0]
    single = monthly_series(events, "ts")
    assert list(single.columns) == ["ds", "y"] and single["y"].tolist() == [1.0, 0.0, 1.0]


def test_seasonal_profile_of_a_sine_peaks_in_april():
    profile = seasonal_profile(sine(48))
    assert len(profile) == 12 and profile.loc[profile["index"].idxmax(), "month_name"] == "Apr"
    assert profile["index"].mean() == pytest.approx(1.0)
    assert seasonal_profile(series(np.zeros(24)))["index"].isna().all()


def test_momentum_compares_last_12_months_with_the_12_before():
    assert momentum(series(np.r_[np.full(12, 10.0), np.full(12, 15.0)])) == pytest.approx(50.0)
    assert np.isnan(momentum(series(np.ones(20))))  # too short
    assert np.isnan(momentum(series(np.r_[np.zeros(12), np.ones(12)])))  # from zero
    with_nan = series(np.r_[np.full(12, 10.0), np.full(12, 15.0)]).assign(y=lambda d: d["y"].where(d.index != 23))
    assert momentum(with_nan) == pytest.approx((165 / 120 - 1) * 100)
    assert np.isnan(momentum(pd.DataFrame(columns=["ds", "y"])))


# --------------------------------------------------------------------------- Prophet
def test_importing_forecast_does_not_import_prophet():
    code = "import sys, models.forecast; assert 'prophet' not in sys.modules and 'cmdstanpy' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


@pytest.mark.timeout(60)
@pytest.mark.filterwarnings("ignore:The inplace keyword:DeprecationWarning")
def test_prophet_forecast_runs_and_band_contains_yhat():
    y = sine(48)["y"].to_numpy() - 80.0
    y[[3, 15]] = 0.0  # zeros: multiplicative mode falls back to the log1p scale
    model = fc.ProphetForecaster().fit(series(y))
    first, again = model.predict(12), model.predict(12)
    assert list(first.columns) == COLUMNS and len(first) == 12
    assert first["ds"].iloc[0] == pd.Timestamp("2019-01-01")
    assert (first["yhat_lower"] <= first["yhat"]).all() and (first["yhat"] <= first["yhat_upper"]).all()
    assert model.log_ and model.seasonality_mode_ == "additive"
    pd.testing.assert_frame_equal(first, again)  # seeded band
    assert first["yhat"].idxmax() in (2, 3, 4)  # the seasonal peak (April) survives
