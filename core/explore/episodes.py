"""TV episode audiences (the embedded Bake Off ratings): per series and per episode, and next series' audience.

Input: the canonical episodes table (``schema.EPISODE_COLUMNS``: show, series, episode, airdate, viewers_7day,
viewers_28day, in millions). Everything here is computed from those rows: series means, the finale's lift over
its series, catch-up viewing (28-day minus 7-day audience, only where the 28-day figure is at least the 7-day
one; the rows where it is not are counted and left out), and a forecast of the next series' mean audience
backtested on the series already aired.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

MIN_SERIES_FOR_FORECAST = 4  # a trend needs three earlier series to be backtested on at least one


def series_table(episodes: pd.DataFrame) -> pd.DataFrame:
    """One row per series: episodes, mean / first / finale 7-day viewers, the finale's lift, change vs the previous
    series, and median catch-up viewers (28-day minus 7-day) over the episodes where that is consistent."""
    df = episodes.dropna(subset=["viewers_7day"]).sort_values(["series", "episode"])
    consistent = df["viewers_28day"] >= df["viewers_7day"]
    df = df.assign(catch_up=(df["viewers_28day"] - df["viewers_7day"]).where(consistent))
    out = df.groupby("series").agg(episodes=("episode", "size"), first_aired=("airdate", "min"),
                                   mean_viewers=("viewers_7day", "mean"), premiere=("viewers_7day", "first"),
                                   finale=("viewers_7day", "last"), catch_up=("catch_up", "median")).reset_index()
    out["finale_lift"] = out["finale"] / out["mean_viewers"] - 1
    out["change"] = out["mean_viewers"].pct_change()
    return out


def backtest(means: pd.Series) -> pd.DataFrame:
    """Forecast each series' mean audience from the series before it (rolling origin, from the fourth series on)
    with a linear trend over series number and with the last series (naive); the absolute errors of both."""
    values = means.to_numpy(dtype=float)
    rows = []
    for k in range(MIN_SERIES_FOR_FORECAST - 1, len(values)):
        rows.append({"series": int(means.index[k]), "actual": values[k], "trend": _trend(values[:k]),
                     "naive": values[k - 1]})
    out = pd.DataFrame(rows, columns=["series", "actual", "trend", "naive"])
    out["trend_error"] = (out["trend"] - out["actual"]).abs()
    out["naive_error"] = (out["naive"] - out["actual"]).abs()
    return out


def _trend(history: np.ndarray) -> float:
    """The next value of a least-squares line through ``history`` (index 1..n)."""
    x = np.arange(1, len(history) + 1)
    slope, intercept = np.polyfit(x, history, 1)
    return float(intercept + slope * (len(history) + 1))


def next_series(series: pd.DataFrame) -> dict:
    """Next series' mean 7-day audience by the method with the lower backtest error, with an interval from that
    method's backtest errors (their 80th percentile either side); empty when too few series aired."""
    means = series.set_index("series")["mean_viewers"]
    if len(means) < MIN_SERIES_FOR_FORECAST:
        return {}
    bt = backtest(means)
    mae = {"trend": float(bt["trend_error"].mean()), "naive": float(bt["naive_error"].mean())}
    method = min(mae, key=mae.get)
    point = _trend(means.to_numpy(dtype=float)) if method == "trend" else float(means.iloc[-1])
    spread = float(np.quantile(bt[f"{method}_error"], 0.8))
    return {"series": int(means.index[-1]) + 1, "method": method, "point": point, "low": max(point - spread, 0.0),
            "high": point + spread, "mae": mae, "backtest": bt, "backtested": len(bt)}


def overview(episodes: pd.DataFrame) -> dict:
    """Everything the TV audiences section shows: per-series table, episodes, the forecast, computed insights."""
    if episodes.empty or episodes["viewers_7day"].isna().all():
        return {"series": pd.DataFrame(), "episodes": episodes, "forecast": {}, "insights": [], "inconsistent": 0}
    series = series_table(episodes)
    inconsistent = int((episodes["viewers_28day"] < episodes["viewers_7day"]).sum())
    forecast = next_series(series)
    consistent = episodes["viewers_28day"] >= episodes["viewers_7day"]
    catch_up = (episodes["viewers_28day"] - episodes["viewers_7day"])[consistent]
    return {"series": series, "episodes": episodes.sort_values(["series", "episode"]), "forecast": forecast,
            "insights": insights(series, forecast, inconsistent, len(episodes), catch_up),
            "inconsistent": inconsistent}


def insights(series: pd.DataFrame, forecast: dict, inconsistent: int, n_episodes: int,
             catch_up: pd.Series) -> list[str]:
    """Sentences computed from the series table, the per-episode catch-up viewers and the forecast."""
    best = series.loc[series["mean_viewers"].idxmax()]
    lines = [f"Series {int(best['series'])} drew the most: {best['mean_viewers']:.2f}M viewers an episode on "
             f"average (7-day), against {series['mean_viewers'].iloc[0]:.2f}M for series "
             f"{int(series['series'].iloc[0])}."]
    drop = series.loc[series["change"].idxmin()] if series["change"].notna().any() else None
    if drop is not None and drop["change"] < 0:
        lines.append(f"The biggest fall between series was into series {int(drop['series'])}: "
                     f"{drop['change']:+.0%} on the series before.")
    lifts = series["finale_lift"]
    lines.append(f"The finale beat its series' average in {int((lifts > 0).sum())} of {len(lifts)} series "
                 f"(median lift {lifts.median():+.0%}).")
    if len(catch_up):
        lines.append(f"Catch-up viewing (28-day minus 7-day audience) adds a median {catch_up.median():.2f}M an "
                     f"episode over the {len(catch_up)} episodes with both figures consistent; {inconsistent} of "
                     f"{n_episodes} report a 28-day audience below the 7-day one and are left out.")
    if forecast:
        other = "naive" if forecast["method"] == "trend" else "trend"
        name = {"trend": "a linear trend over series", "naive": "the last series' average"}
        used = forecast["method"]
        lines.append(f"Series {forecast['series']}: {forecast['point']:.2f}M an episode expected "
                     f"({forecast['low']:.2f}-{forecast['high']:.2f}M), by {name[used]}: its backtest error over "
                     f"{forecast['backtested']} series was {forecast['mae'][used]:.2f}M against "
                     f"{forecast['mae'][other]:.2f}M for {name[other]}.")
    return lines
