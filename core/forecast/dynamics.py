"""Forecasting page, part 3: seasonal profile, momentum, velocity and rising stars of the forecast genres.

Pure pandas; every ``*_insights`` function returns 2-4 sentences computed from the table it is given.

Definitions shown on the page:
- Momentum: % change of the last 12 complete months' total against the 12 months before.
- Seasonality strength: share of the detrended month-to-month variation explained by the calendar month
  (0 = none, 1 = all); detrended = each month divided by its centred 12-month moving average.
- Velocity: votes per day since release (``core.data.features``); on the embedded data votes were counted at the
  end of 2005, so days run to 2005-12-31.
- Rising stars: titles released in the newest ``RECENT_YEARS`` release years of the view, ranked by
  velocity, with their velocity as a multiple of the median recent title of their primary genre.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from core.data import features
from models.timeseries import momentum, seasonal_profile

RECENT_YEARS = 3
RISING_STARS = 15
VELOCITY_NOTE = (f"{features.DEFINITIONS['velocity']} Days since release: "
                 f"{features.DEFINITIONS['days_since_release'][0].lower()}{features.DEFINITIONS['days_since_release'][1:]}")
RISING_STARS_NOTE = (f"Rising stars: titles released in the newest {RECENT_YEARS} release years in view, fastest "
                     "velocity (votes per day since release) first. 'x genre median' = velocity as a multiple of the "
                     "median recent title with the same primary genre.")

def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 else f"{value:,.1f}"

# ------------------------------------------------------------------ seasonality and momentum
def seasonality_strength(history: pd.DataFrame) -> float:
    """Share (0-1) of detrended monthly variation explained by the calendar month; NaN below 24 months."""
    if len(history) < 24:
        return float("nan")
    y = pd.Series(history["y"].to_numpy(dtype=float), index=pd.to_datetime(history["ds"]))
    trend = y.rolling(12, center=True, min_periods=12).mean()
    ratio = (y / trend.where(trend > 0)).dropna()
    if len(ratio) < 12 or ratio.var() == 0:
        return float("nan")
    means = ratio.groupby(ratio.index.month).transform("mean")
    return float(((means - ratio.mean()) ** 2).sum() / ((ratio - ratio.mean()) ** 2).sum())


def seasonal_profiles(series: pd.DataFrame) -> pd.DataFrame:
    """``genre, month, month_name, index, n, strength`` for each genre in the long series frame."""
    parts = []
    for genre, part in series.groupby("genre", sort=False, observed=True):
        hist = part[["ds", "y"]]
        parts.append(seasonal_profile(hist).assign(genre=str(genre), strength=seasonality_strength(hist)))
    if not parts:
        return pd.DataFrame(columns=["genre", "month", "month_name", "index", "n", "strength"])
    return pd.concat(parts, ignore_index=True)[["genre", "month", "month_name", "index", "n", "strength"]]


def seasonal_insights(profiles: pd.DataFrame) -> list[str]:
    """Peak and trough months, and how much the calendar month matters at all."""
    known = profiles.dropna(subset=["index"])
    if known.empty:
        return ["No seasonal profile: the series are empty or never above zero."]
    peak = known.loc[known["index"].idxmax()]
    low = known.loc[known["index"].idxmin()]
    out = [f"Highest month-of-year index: {peak['genre']} in {peak['month_name']} ({peak['index']:.2f}, "
           f"{(peak['index'] - 1) * 100:+.0f}% on an average month).",
           f"Lowest: {low['genre']} in {low['month_name']} ({low['index']:.2f})."]
    shared = _shared_months(known)
    if shared:
        out.append(shared)
    strength = profiles.groupby("genre", sort=False)["strength"].first().dropna()
    if len(strength):
        top = strength.idxmax()
        out.append(f"The calendar month explains {strength.median():.0%} of detrended month-to-month variation for "
                   f"the median genre (most: {top}, {strength.max():.0%}); "
                   + ("seasonality is weak, so yearly terms add little to a forecast." if strength.median() < 0.3
                      else "seasonality is a real part of these series."))
    return out


def _shared_months(known: pd.DataFrame) -> str:
    """A sentence when most genres share their peak or trough month (then it is about the platform, not genre)."""
    genres = known["genre"].nunique()
    if genres < 2:
        return ""
    peaks = known.loc[known.groupby("genre")["index"].idxmax(), "month_name"].value_counts()
    lows = known.loc[known.groupby("genre")["index"].idxmin(), "month_name"].value_counts()
    if max(peaks.iloc[0], lows.iloc[0]) * 2 <= genres:
        return ""
    return (f"{peaks.index[0]} is the busiest month in {peaks.iloc[0]} of {genres} genres and {lows.index[0]} the "
            f"quietest in {lows.iloc[0]}: a pattern most genres share reflects the calendar of the whole source "
            "more than genre taste.")


def momentum_table(series: pd.DataFrame) -> pd.DataFrame:
    """``genre, last_12, prev_12, momentum_pct`` (last 12 complete months vs the 12 before)."""
    rows = []
    for genre, part in series.groupby("genre", sort=False, observed=True):
        y = part["y"].to_numpy(dtype=float)
        rows.append({"genre": str(genre), "last_12": y[-12:].sum(),
                     "prev_12": y[-24:-12].sum() if len(y) >= 24 else np.nan,
                     "momentum_pct": momentum(part[["ds", "y"]])})
    return pd.DataFrame(rows, columns=["genre", "last_12", "prev_12", "momentum_pct"])


def momentum_insights(table: pd.DataFrame, unit: str) -> list[str]:
    """Fastest riser, fastest faller and how many genres grew."""
    known = table.dropna(subset=["momentum_pct"])
    if known.empty:
        return ["Momentum needs 24 months of history in a genre; none has that in this view."]
    hi, lo = known.loc[known["momentum_pct"].idxmax()], known.loc[known["momentum_pct"].idxmin()]
    out = [f"Strongest momentum: {hi['genre']} ({hi['momentum_pct']:+.0f}%, {_fmt(hi['last_12'])} {unit} in the "
           f"last 12 months vs {_fmt(hi['prev_12'])}).",
           f"Weakest: {lo['genre']} ({lo['momentum_pct']:+.0f}%)."]
    out.append(f"{int((known['momentum_pct'] > 0).sum())} of {len(known)} genres grew on the year before.")
    return out


# ------------------------------------------------------------------ velocity and rising stars
def recent_titles(view: pd.DataFrame, years: int = RECENT_YEARS) -> pd.DataFrame:
    """Titles released in the newest ``years`` release years of the view."""
    if view.empty or view["year"].notna().sum() == 0:
        return view.iloc[0:0]
    newest = int(view["year"].max())
    return view[view["year"] > newest - years]


def velocity_table(view: pd.DataFrame, genres: list[str], years: int = RECENT_YEARS) -> pd.DataFrame:
    """Median velocity of recent titles per forecast genre: ``genre, titles, median_velocity, fastest``."""
    recent = recent_titles(view, years)
    cols = ["genre", "titles", "median_velocity", "fastest"]
    if recent.empty:
        return pd.DataFrame(columns=cols)
    long = features.genre_long(recent[["title", "genres", "velocity"]])
    long = long[long["genre"].isin(genres) & long["velocity"].notna()]
    if long.empty:
        return pd.DataFrame(columns=cols)
    best = long.sort_values("velocity", ascending=False).drop_duplicates("genre").set_index("genre")["title"]
    table = long.groupby("genre", observed=True).agg(titles=("title", "size"),
                                                     median_velocity=("velocity", "median")).reset_index()
    table["fastest"] = table["genre"].map(best)
    table["genre"] = table["genre"].astype(str)
    return table.sort_values("median_velocity", ascending=False, ignore_index=True)[cols]


def velocity_insights(table: pd.DataFrame, years: int = RECENT_YEARS) -> list[str]:
    """Fastest and slowest genre by median velocity of recent titles."""
    if table.empty:
        return [f"No titles released in the newest {years} years of the view have votes."]
    hi, lo = table.iloc[0], table.iloc[-1]
    out = [f"Recent {hi['genre']} titles gather votes fastest: median {hi['median_velocity']:.2f} votes a day "
           f"({int(hi['titles'])} titles; quickest: {hi['fastest']})."]
    if len(table) > 1 and lo["median_velocity"] > 0:
        out.append(f"That is {hi['median_velocity'] / lo['median_velocity']:.1f}x the slowest genre, {lo['genre']} "
                   f"({lo['median_velocity']:.2f} a day).")
    return out


def rising_stars(view: pd.DataFrame, n: int = RISING_STARS, years: int = RECENT_YEARS) -> pd.DataFrame:
    """The ``n`` fastest recent titles: ``title, year, genres, vote_count, days_since_release, velocity,
    vs_genre_median`` (velocity / median velocity of recent titles with the same primary genre)."""
    recent = recent_titles(view, years).dropna(subset=["velocity"])
    cols = ["title", "year", "genres", "vote_count", "days_since_release", "velocity", "vs_genre_median"]
    if recent.empty:
        return pd.DataFrame(columns=cols)
    median = recent.groupby("primary_genre", observed=True)["velocity"].transform("median")
    out = recent.assign(vs_genre_median=recent["velocity"] / median.where(median > 0),
                        genres=recent["genres"].map(lambda g: ", ".join(g) if len(g) else "Unclassified"))
    return out.sort_values(["velocity", "title"], ascending=[False, True]).head(n)[cols].reset_index(drop=True)


def rising_stars_display(stars: pd.DataFrame) -> pd.DataFrame:
    """Rising stars with readable headers and rounded figures (what the page shows and downloads)."""
    return pd.DataFrame({
        "title": stars["title"], "year": stars["year"], "genres": stars["genres"],
        "votes": stars["vote_count"], "days since release": stars["days_since_release"],
        "votes per day": stars["velocity"].astype("float64").round(2),
        "x genre median": stars["vs_genre_median"].astype("float64").round(1),
    })


def rising_star_insights(stars: pd.DataFrame) -> list[str]:
    """The top rising star and the genre with the most of them."""
    if stars.empty:
        return ["No recent titles with votes in this view, so no rising stars."]
    top = stars.iloc[0]
    out = [f"{top['title']} ({int(top['year'])}) leads with {top['velocity']:,.1f} votes a day "
           f"({int(top['vote_count']):,} votes in {int(top['days_since_release']):,} days)."]
    if pd.notna(top["vs_genre_median"]):
        out.append(f"That is {top['vs_genre_median']:,.0f}x the median recent title of its primary genre.")
    genres = stars["genres"].str.split(", ").explode().value_counts()
    out.append(f"{genres.index[0]} appears in {genres.iloc[0]} of the {len(stars)} rising stars.")
    return out
