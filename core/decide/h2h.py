"""Head-to-Head: genre vs genre or title vs title metrics, normalised differences, trends and a scored winner.

Differences are normalised so metrics on different scales can be compared: a symmetric percentage
difference, 100 x (A - B) / mean(|A|, |B|) (between -200 and 200, positive = A higher), except for percentile
metrics, which use percentile points. A scored metric whose difference is within ``TIE_TOLERANCE`` is a tie.
Metrics marked "info" (counts, runtime, budget, year) are shown but not scored: more of them is not better.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from core.data import features

TIE_TOLERANCE = 1.0   # |normalised difference| below this (percent or percentile points) is a tie
TITLE_OPTIONS = 2000  # title picker: the top titles by engagement (plus any requested one)
MODES = ("genre", "title")


# ------------------------------------------------------------------ options and defaults
def genre_options(df: pd.DataFrame) -> list[str]:
    """Genres in view, largest first (a title counts in each of its genres)."""
    if df.empty:
        return []
    counts = features.genre_long(df)["genre"].value_counts()
    return [str(g) for g in counts.sort_index().sort_values(ascending=False, kind="stable").index]


def title_labels(df: pd.DataFrame) -> pd.DataFrame:
    """``label`` ("Title (year)", made unique with the id when needed) and ``title_id``, best engagement first."""
    if df.empty:
        return pd.DataFrame({"label": pd.Series(dtype="string"), "title_id": pd.Series(dtype="string")})
    ranked = df.sort_values(["engagement_score", "title_id"], ascending=[False, True])
    year = ranked["year"].astype("string").fillna("n.d.")
    label = ranked["title"].astype("string").fillna("Untitled") + " (" + year + ")"
    dup = label.duplicated(keep=False)
    label = label.where(~dup, label + " [" + ranked["title_id"].astype("string") + "]")
    return pd.DataFrame({"label": label.to_numpy(), "title_id": ranked["title_id"].to_numpy()})


def title_options(labels: pd.DataFrame, extra: tuple[str, ...] = (), limit: int = TITLE_OPTIONS) -> list[str]:
    """Picker options: the top ``limit`` labels plus any label in ``extra`` that exists in view."""
    top = labels["label"].head(limit).tolist()
    known = set(labels["label"])
    return top + [e for e in extra if e in known and e not in top]


def default_pair(options: list[str]) -> tuple[str, str] | None:
    """The first two options (two largest genres, or two highest-engagement titles); None if fewer than two."""
    return (options[0], options[1]) if len(options) >= 2 else None


def resolve_pair(options: list[str], a: str, b: str) -> tuple[tuple[str, str] | None, str]:
    """The pair to show and a note: requested ``a``/``b`` if both valid and different, else the default."""
    default = default_pair(options)
    if not a and not b:
        return default, ""
    if a in options and b in options and a != b:
        return (a, b), ""
    if default is None:
        return None, ""
    unknown = sum(v not in options for v in (a, b))
    what = f"{unknown} option{'s' if unknown > 1 else ''} not in this view" if unknown else "the same option twice"
    return default, f"The link asked for {what}; showing the default pair instead."


# ------------------------------------------------------------------ metric tables
def _members(df: pd.DataFrame, genre: str) -> pd.DataFrame:
    if genre == "Unclassified":
        return df.loc[(df["genres"].map(len) == 0).astype(bool)]
    return df.loc[df["genres"].map(lambda g: genre in g).astype(bool)]


def genre_stats(sub: pd.DataFrame) -> dict:
    """Metric -> (value, kind) for a set of titles; kind is "score", "pct" (scored) or "info"."""
    num = lambda col: sub[col].astype("float64")  # noqa: E731
    budget = num("budget").dropna()
    return {
        "Titles": (float(len(sub)), "info"),
        "Mean engagement": (num("engagement_score").mean(), "score"),
        "Median engagement": (num("engagement_score").median(), "score"),
        "Hit rate": (num("hit").mean(), "score"),
        "Average rating": (num("vote_average").mean(), "score"),
        "Median votes": (num("vote_count").median(), "score"),
        "Median popularity": (num("popularity").median(), "score"),
        "Median runtime (min)": (num("runtime").median(), "info"),
        "Median budget where known (USD)": (budget.median() if len(budget) else np.nan, "info"),
        "Budget known": (len(budget) / len(sub) if len(sub) else np.nan, "info"),
    }


def title_stats(row: pd.Series) -> dict:
    """Metric -> (value, kind) for one title."""
    val = lambda col: float(row[col]) if col in row and pd.notna(row[col]) else np.nan  # noqa: E731
    return {
        "Rating": (val("vote_average"), "score"), "Votes": (val("vote_count"), "score"),
        "Popularity": (val("popularity"), "score"), "Engagement": (val("engagement_score"), "score"),
        "Engagement percentile in view": (val("engagement_pct"), "pct"),
        "Runtime (min)": (val("runtime"), "info"), "Year": (val("year"), "info"),
        "Budget (USD)": (val("budget"), "info"),
        "MovieLens mean rating (0.5-5)": (val("ml_rating_mean"), "info"),
    }


def normalised_diff(a: float, b: float, kind: str) -> float:
    """A minus B: percentile points for "pct" metrics, else the symmetric % difference; NaN if unknown."""
    if pd.isna(a) or pd.isna(b):
        return np.nan
    if kind == "pct":
        return float(a - b)
    scale = (abs(a) + abs(b)) / 2
    return 0.0 if scale == 0 else float(100 * (a - b) / scale)


def compare(stats_a: dict, stats_b: dict, name_a: str, name_b: str) -> pd.DataFrame:
    """Side-by-side table: metric, A, B, kind, diff (normalised, + = A higher), favours (name, "tie" or "")."""
    rows = []
    for metric, (va, kind) in stats_a.items():
        vb = stats_b[metric][0]
        diff = normalised_diff(va, vb, kind)
        if kind == "info" or pd.isna(diff):
            favours = ""
        elif abs(diff) < TIE_TOLERANCE:
            favours = "tie"
        else:
            favours = name_a if diff > 0 else name_b
        rows.append({"metric": metric, "a": va, "b": vb, "kind": kind, "diff": diff, "favours": favours})
    return pd.DataFrame(rows)


def genre_table(df: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    """Comparison table of two genres in the view."""
    return compare(genre_stats(_members(df, a)), genre_stats(_members(df, b)), a, b)


def title_table(df: pd.DataFrame, id_a: str, id_b: str, name_a: str, name_b: str) -> pd.DataFrame:
    """Comparison table of two titles (by id) in the view."""
    rows = df.set_index("title_id")
    return compare(title_stats(rows.loc[id_a]), title_stats(rows.loc[id_b]), name_a, name_b)


# ------------------------------------------------------------------ verdict
def verdict(table: pd.DataFrame, name_a: str, name_b: str) -> dict:
    """Metrics won by each side, the winner (None on a tie) and the metric that decided it.

    Returns:
        ``wins_a``, ``wins_b``, ``ties``, ``winner``, ``text`` (e.g. "Drama wins 5-2"), ``decided_by``,
        ``margin`` (its normalised difference) and ``why`` (a sentence).
    """
    scored = table[table["favours"].isin([name_a, name_b, "tie"])]
    wins_a, wins_b = int((scored["favours"] == name_a).sum()), int((scored["favours"] == name_b).sum())
    ties = int((scored["favours"] == "tie").sum())
    if scored.empty:
        return {"wins_a": 0, "wins_b": 0, "ties": 0, "winner": None, "text": "No comparable metrics",
                "decided_by": "", "margin": np.nan, "why": "Neither side has the scored metrics."}
    winner = name_a if wins_a > wins_b else (name_b if wins_b > wins_a else None)
    pool = scored[scored["favours"] == winner] if winner else scored
    top = pool.loc[pool["diff"].abs().idxmax()]
    tie_note = f" ({ties} tied)" if ties else ""
    unit = "percentile points" if top["kind"] == "pct" else "%"
    gap = f"{abs(top['diff']):.0f} {unit}".replace(" %", "%")
    if winner:
        text = f"{winner} wins {max(wins_a, wins_b)}-{min(wins_a, wins_b)}{tie_note}"
        why = f"Decided by {top['metric'].lower()}: {winner} is ahead by {gap}, the largest margin."
    else:
        text = f"Level at {wins_a}-{wins_b}{tie_note}"
        side = top["favours"] if top["favours"] != "tie" else "neither side"
        why = f"The largest single gap is {top['metric'].lower()} ({gap}, for {side})."
    return {"wins_a": wins_a, "wins_b": wins_b, "ties": ties, "winner": winner, "text": text,
            "decided_by": str(top["metric"]), "margin": float(top["diff"]), "why": why}


# ------------------------------------------------------------------ trends
def genre_trend(df: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    """Per year and genre: ``titles`` and mean ``engagement`` (columns genre, year, titles, engagement; A first)."""
    both = pd.concat([_members(df, g).assign(genre=g) for g in (a, b)], ignore_index=True)
    both = both[both["year"].notna()]
    if both.empty:
        return pd.DataFrame({"genre": pd.Series(dtype="string"), "year": pd.Series(dtype="int64"),
                             "titles": pd.Series(dtype="int64"), "engagement": pd.Series(dtype="float64")})
    out = (both.groupby(["genre", "year"]).agg(titles=("title_id", "size"),
                                               engagement=("engagement_score", "mean")).reset_index())
    order = out["genre"].map({a: 0, b: 1})
    return (out.assign(year=out["year"].astype("int64"), _order=order)
            .sort_values(["_order", "year"], ignore_index=True).drop(columns="_order"))


def rating_trend(ratings: pd.DataFrame, ids: dict[str, str]) -> pd.DataFrame:
    """MovieLens ratings per year for titles (label -> title_id): columns title, year, mean_rating, ratings."""
    sub = ratings[ratings["title_id"].isin(list(ids.values()))]
    if sub.empty:
        return pd.DataFrame(columns=["title", "year", "mean_rating", "ratings"])
    names = {v: k for k, v in ids.items()}
    out = (sub.assign(year=sub["timestamp"].dt.year, title=sub["title_id"].map(names))
           .groupby(["title", "year"]).agg(mean_rating=("rating", "mean"), ratings=("rating", "size")).reset_index())
    return out


# ------------------------------------------------------------------ insights
def diff_insights(table: pd.DataFrame, name_a: str, name_b: str) -> list[str]:
    """Each side's biggest edge among the scored metrics."""
    out = []
    for name in (name_a, name_b):
        won = table[table["favours"] == name]
        if len(won):
            top = won.loc[won["diff"].abs().idxmax()]
            unit = " points" if top["kind"] == "pct" else "%"
            out.append(f"{name}'s biggest edge is {top['metric'].lower()} ({abs(top['diff']):.0f}{unit}), one of "
                       f"{len(won)} metric{'s' if len(won) > 1 else ''} it leads.")
        else:
            out.append(f"{name} leads on no scored metric.")
    return out


def genre_trend_insights(trend: pd.DataFrame, a: str, b: str) -> list[str]:
    """Recent engagement and output of the two genres."""
    if trend.empty:
        return []
    last = int(trend["year"].max())
    recent = trend[trend["year"] > last - 10].groupby("genre").agg(titles=("titles", "sum"),
                                                                  engagement=("engagement", "mean"))
    if not {a, b} <= set(recent.index):
        return [f"Only one of the two genres has titles in the last ten years in view ({last - 9}-{last})."]
    lead = a if recent.loc[a, "engagement"] >= recent.loc[b, "engagement"] else b
    return [f"In {last - 9}-{last}, {a} released {int(recent.loc[a, 'titles']):,} titles and {b} "
            f"{int(recent.loc[b, 'titles']):,}.",
            f"{lead} has the higher average yearly engagement over that decade "
            f"({recent.loc[lead, 'engagement']:.1f} vs {recent.drop(lead)['engagement'].iloc[0]:.1f})."]


def rating_trend_insights(trend: pd.DataFrame, names: tuple[str, str]) -> list[str]:
    """How many MovieLens ratings each title has and their average."""
    out = []
    for name in names:
        t = trend[trend["title"] == name]
        if t.empty:
            out.append(f"{name} has no MovieLens ratings.")
            continue
        mean = (t["mean_rating"] * t["ratings"]).sum() / t["ratings"].sum()
        out.append(f"{name}: {int(t['ratings'].sum()):,} MovieLens ratings from {int(t['year'].min())} to "
                   f"{int(t['year'].max())}, averaging {mean:.2f} of 5.")
    return out


# ------------------------------------------------------------------ one call for the page
def comparison(df: pd.DataFrame, mode: str, a: str, b: str, ratings: pd.DataFrame | None = None) -> dict:
    """Everything the page shows for a valid pair: ``table``, ``verdict``, ``trend`` and the insight lists.

    Args:
        df: the featured view.
        mode: "genre" (``a``/``b`` are genres) or "title" (``a``/``b`` are labels from :func:`title_labels`).
        ratings: MovieLens ratings (title_id, rating, timestamp) for title trends; None = none available.
    """
    if mode == "genre":
        table, trend = genre_table(df, a, b), genre_trend(df, a, b)
        trend_insights = genre_trend_insights(trend, a, b)
    else:
        ids = title_labels(df).set_index("label")["title_id"]
        table = title_table(df, ids[a], ids[b], a, b)
        empty = pd.DataFrame(columns=["title_id", "rating", "timestamp"])
        trend = rating_trend(ratings if ratings is not None else empty, {a: ids[a], b: ids[b]})
        trend_insights = rating_trend_insights(trend, (a, b)) if not trend.empty else []
    return {"table": table, "verdict": verdict(table, a, b), "trend": trend,
            "diff_insights": diff_insights(table, a, b), "trend_insights": trend_insights}


def _fmt(metric: str, value: float) -> str:
    if pd.isna(value):
        return "n/a"
    if metric in ("Hit rate", "Budget known"):
        return f"{value:.0%}"
    if "USD" in metric:
        return f"${value:,.0f}"
    if metric in ("Titles", "Votes", "Median votes", "Year"):
        return f"{value:.0f}" if metric == "Year" else f"{value:,.0f}"
    return f"{value:,.1f}" if abs(value) >= 10 else f"{value:.2f}"


def display_table(table: pd.DataFrame, name_a: str, name_b: str) -> pd.DataFrame:
    """The comparison table formatted for screen: Metric, <A>, <B>, Difference, Favours (strings)."""
    diff = [("" if pd.isna(d) else f"{d:+.0f}{' pts' if k == 'pct' else '%'}")
            for d, k in zip(table["diff"], table["kind"])]
    favours = [f if f else ("not scored" if k == "info" else "n/a") for f, k in zip(table["favours"], table["kind"])]
    return pd.DataFrame({"Metric": table["metric"], name_a: [_fmt(m, v) for m, v in zip(table["metric"], table["a"])],
                         name_b: [_fmt(m, v) for m, v in zip(table["metric"], table["b"])], "Difference": diff,
                         "Favours": favours})
