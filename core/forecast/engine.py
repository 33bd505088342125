"""Forecasting page, part 1: which genres to forecast, their monthly series, the model runs and the verdicts.

The series depends on the source, because only some data has real months:

- Embedded: monthly MovieLens ratings of the titles in view (IMDb films matched to MovieLens). The IMDb
  films carry only a release year, so audience activity over time comes from the dated MovieLens ratings.
  The global filters pick the titles whose ratings count; a rating counts toward every genre of its title.
- TMDB: monthly releases in view by release date. TMDB has no dated audience activity (vote counts are
  totals as of today), so the honest monthly series is supply: how many titles of a genre came out.

Each genre is backtested on its last ``HORIZON`` months (Prophet, the ensemble, seasonal naive, mean of the
last 12 months, all scored with MASE on the same holdout), then refitted on the full history to forecast
(:func:`fit_models`); ``core.forecast.report`` turns that into tables, verdicts and insights.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from core.data import features
from models import backtest
from models import forecast as fc

HORIZON = 12
TOP_N = 6

MODELS: dict[str, str] = {
    "prophet": "Prophet",
    "ensemble": "Damped-trend ensemble",
    "snaive": "Seasonal naive",
    "mean": f"Mean of last {HORIZON} months",
}
CANDIDATES = {
    "prophet": fc.ProphetForecaster,  # multiplicative yearly seasonality, 80% band (see models.forecast)
    "ensemble": fc.EnsembleForecaster,
    "snaive": fc.SeasonalNaiveForecaster,
    "mean": fc.MeanForecaster,
}
MEASURES: dict[str, dict[str, str]] = {
    "ratings": {"label": "Ratings per month", "noun": "ratings",
                "text": "monthly ratings by MovieLens users of the titles in view"},
    "releases": {"label": "Titles released per month", "noun": "releases",
                 "text": "monthly releases in view (by TMDB release date)"},
    "sessions": {"label": "Viewing sessions per month", "noun": "viewing sessions",
                 "text": "monthly viewing sessions of the titles in view on this platform"},
}


# ------------------------------------------------------------------ genres and series
def top_genres(view: pd.DataFrame, selected: tuple = (), n: int = TOP_N) -> pd.DataFrame:
    """The genres to forecast: highest total engagement score in view first.

    A title counts in each of its genres. When the global genre filter is set, only the selected genres are
    candidates (other genres of the same titles would be a side effect of the filter); "Unclassified" is used
    only if fewer than ``n`` named genres exist.

    Returns:
        ``genre, titles, engagement`` (sum of engagement score), at most ``n`` rows, best first.
    """
    cols = ["genre", "titles", "engagement"]
    if view.empty:
        return pd.DataFrame({c: pd.Series(dtype="string" if c == "genre" else "float64") for c in cols})
    long = features.genre_long(view[["title_id", "genres", "engagement_score"]])
    if selected:
        long = long[long["genre"].isin(selected)]
    table = (long.groupby("genre", observed=True)
             .agg(titles=("title_id", "size"), engagement=("engagement_score", "sum")).reset_index())
    table["named"] = table["genre"] != "Unclassified"
    table = table.sort_values(["named", "engagement", "genre"], ascending=[False, False, True])
    return table[cols].head(n).reset_index(drop=True)


def last_complete_month(end: pd.Timestamp) -> pd.Timestamp:
    """Start of the last month fully covered by data ending at ``end`` (a partial last month reads as a drop)."""
    end = pd.Timestamp(end)
    month = end.to_period("M")
    complete = end.normalize() >= month.end_time.normalize()
    return (month if complete else month - 1).to_timestamp()


def _genre_list(genres) -> list[str]:
    """A plain list (Series.map can hand out Arrow arrays); no genre counts as "Unclassified", as in
    ``features.genre_long``."""
    return [str(g) for g in genres] if len(genres) else ["Unclassified"]


def rating_events(view: pd.DataFrame, ratings: pd.DataFrame) -> pd.DataFrame:
    """Ratings of the titles in view, with each title's genres: ``date, genre`` (genre holds lists)."""
    if view.empty or ratings is None or ratings.empty:
        return pd.DataFrame({"date": pd.Series(dtype="datetime64[ns]"), "genre": pd.Series(dtype="object")})
    lookup = dict(zip(view["title_id"], map(_genre_list, view["genres"])))
    kept = ratings[ratings["title_id"].isin(list(lookup))]
    return pd.DataFrame({"date": kept["timestamp"].to_numpy(),
                         "genre": pd.Series([lookup[t] for t in kept["title_id"]], dtype="object").to_numpy()})


def release_events(view: pd.DataFrame) -> pd.DataFrame:
    """Titles in view with a full release date: ``date, genre`` (genre holds lists)."""
    if view.empty:
        return pd.DataFrame({"date": pd.Series(dtype="datetime64[ns]"), "genre": pd.Series(dtype="object")})
    dated = view[view["release_date"].notna()]
    return pd.DataFrame({"date": dated["release_date"].to_numpy(),
                         "genre": pd.Series([_genre_list(g) for g in dated["genres"]], dtype="object").to_numpy()})


def genre_series(events: pd.DataFrame, genres: list[str], end: pd.Timestamp | None,
                 value_col: str | None = None) -> pd.DataFrame:
    """Complete monthly counts per genre from each genre's first event through ``end`` (a month start);
    with ``value_col``, each row already counts that many events (monthly counts from the engine).

    Returns:
        ``genre, ds, y`` with no missing months; months after ``end`` are dropped, quiet months are 0.
        Empty when there are no events, genres or ``end``.
    """
    empty = pd.DataFrame({"genre": pd.Series(dtype="string"), "ds": pd.Series(dtype="datetime64[ns]"),
                          "y": pd.Series(dtype="float64")})
    if end is None or events.empty or not genres:
        return empty
    events = events[pd.to_datetime(events["date"]) < end + pd.offsets.MonthBegin(1)]
    if events.empty:
        return empty
    monthly = fc.monthly_series(events, "date", "genre", value_col)
    parts = []
    for genre in genres:
        part = monthly.loc[monthly["genre"] == genre].set_index("ds")["y"]
        if part.empty:
            continue
        grid = pd.date_range(part.index.min(), end, freq="MS")
        full = trim_leading_stub(part.reindex(grid, fill_value=0.0).rename_axis("ds").reset_index())
        parts.append(full.assign(genre=genre))
    if not parts:
        return empty
    return pd.concat(parts, ignore_index=True)[["genre", "ds", "y"]].astype({"genre": "string"})


def trim_leading_stub(history: pd.DataFrame, gap: int = 6, share: float = 0.01) -> pd.DataFrame:
    """Drop a stray start: the months before a run of ``gap``+ zero months when they hold < ``share`` of the total.

    MovieLens has a handful of ratings in January 1995 and then nothing until 1996; starting a series
    there would feed the models a year of zeros that says nothing about the genre.
    """
    y = history["y"].to_numpy(dtype=float)
    total, start, run = y.sum(), 0, 0
    for i, value in enumerate(y):
        run = run + 1 if value == 0 else 0
        if run >= gap and y[start:i + 1].sum() < share * total:
            start = i + 1
    nonzero = np.flatnonzero(y[start:])
    start += int(nonzero[0]) if len(nonzero) else 0
    return history.iloc[start:].reset_index(drop=True)


def release_end(dates: pd.Series, snapshot: pd.Timestamp | None = None) -> pd.Timestamp | None:
    """Last month of a release series: the last complete month before ``snapshot`` (the sync; now if None),
    but no later than the newest release in view (a year filter ending in 2020 must not add 2021 as zeros)."""
    dates = pd.to_datetime(dates).dropna()
    if dates.empty:
        return None
    snapshot = pd.Timestamp(snapshot) if snapshot is not None else pd.Timestamp.now()
    complete = last_complete_month(snapshot.normalize() - pd.Timedelta(days=1))
    return min(complete, dates.max().to_period("M").to_timestamp())


def build_inputs(view: pd.DataFrame, source: str, selected: tuple = (), ratings: pd.DataFrame | None = None,
                 today: pd.Timestamp | None = None, sessions: pd.DataFrame | None = None) -> dict:
    """Everything the page forecasts from: the genres, the measure and the monthly series.

    Args:
        view: filtered, featured titles.
        source: "embedded" (MovieLens ratings per month) or "tmdb" (releases per month).
        selected: the global genre filter.
        ratings: canonical MovieLens ratings (embedded only).
        today: when the TMDB titles were synced (defaults to now); the month it falls in is left out; on a
            platform, when its event log ends.
        sessions: a platform's viewing sessions of the titles in view per ``month, genre`` (``sessions``),
            counted by the engine (``core.data.platforms.monthly_genre_sessions``).

    Returns:
        ``measure`` (key of ``MEASURES``), ``genres`` (table from :func:`top_genres`), ``series``
        (``genre, ds, y``), ``end`` (last month used, or None) and ``note`` (what the series is, in words).
    """
    ranking = top_genres(view, selected)
    if sessions is not None:
        end = last_complete_month(today) if today is not None and len(sessions) else None
        events = sessions.rename(columns={"month": "date", "sessions": "y"})
        note = ("Series: " + MEASURES["sessions"]["text"] + ", counted by the engine over the event log. The filters "
                "choose which titles' sessions count; a session counts toward every genre of its title.")
        series = genre_series(events, ranking["genre"].tolist(), end, value_col="y")
        return {"measure": "sessions", "genres": ranking, "series": series, "end": end, "note": note,
                "events": int(events["y"].sum())}
    measure = "ratings" if source == "embedded" else "releases"
    if measure == "ratings":
        events = rating_events(view, ratings)
        end = last_complete_month(ratings["timestamp"].max()) if ratings is not None and len(ratings) else None
        note = ("Series: " + MEASURES[measure]["text"] + ". The filters choose which titles' ratings count; a "
                "rating counts toward every genre of its title. Only IMDb films matched to MovieLens have ratings.")
    else:
        events = release_events(view)
        end = release_end(events["date"], today)
        note = ("Series: " + MEASURES[measure]["text"] + ". TMDB has no dated audience activity (vote counts are "
                "totals as of the sync), so this forecasts supply (what comes out), not audience demand. The series "
                "ends with the last complete month before the sync that still has a release in view.")
    series = genre_series(events, ranking["genre"].tolist(), end)
    return {"measure": measure, "genres": ranking, "series": series, "end": end, "note": note,
            "events": int(len(events))}


def history_of(series: pd.DataFrame, genre: str) -> pd.DataFrame:
    """One genre's ``ds, y`` from the long series frame."""
    return series.loc[series["genre"] == genre, ["ds", "y"]].reset_index(drop=True)


# ------------------------------------------------------------------ model runs
def prophet_setup(history: pd.DataFrame) -> str:
    """How Prophet is configured for this series, in words (the log fallback depends on the data)."""
    y = history["y"].to_numpy(dtype=float)
    zeros = int((y <= 0).sum())
    prophet = fc.ProphetForecaster()
    base = (f"Prophet set-up: yearly seasonality, {prophet.seasonality_mode}, {prophet.interval_width:.0%} band from "
            f"{prophet.uncertainty_samples:,} simulated paths, no weekly or daily terms (monthly data)")
    if zeros and prophet._wants_log(y):
        return (f"{base}. This series has {zeros} month{'s' if zeros != 1 else ''} at zero, so Prophet is fitted on "
                "log(1 + y), where additive seasonality is multiplicative on the original scale; its forecast is "
                "then a typical month (a median), which sits below the average month of a spiky series.")
    return base + "."



def fit_models(history: pd.DataFrame, horizon: int = HORIZON) -> dict:
    """The expensive part: backtest every candidate on the last ``horizon`` months, then refit on all of it.

    Returns:
        ``reason`` (why the series cannot be forecast, else None), ``runs`` (model key -> result of
        ``models.forecast.backtest``), ``forecasts`` (model key -> ``ds, yhat, yhat_lower, yhat_upper``) and
        ``failed`` (model key -> error text). Plain data, so it can be persisted; no display labels.
    """
    reason = fc.check_series(history)
    if reason:
        return {"reason": reason, "runs": {}, "forecasts": {}, "failed": {}}
    runs, forecasts, failed = {}, {}, {}
    for name, factory in CANDIDATES.items():
        try:
            runs[name] = backtest.backtest(history, factory, horizon)
            forecasts[name] = factory().fit(history).predict(horizon)
        except Exception as exc:  # Stan/optimiser failures vary by platform; report them, keep the rest
            failed[name] = f"{type(exc).__name__}: {exc}"
    if not runs:
        reason = "No model could be fitted to this series."
    return {"reason": reason, "runs": runs, "forecasts": forecasts, "failed": failed}
