"""Performance Deep Dive analytics: what moves engagement, when, and which titles stand apart.

Pure pandas on a featured strategy frame. Seasonality uses the release month where the source has release
dates (TMDB); the embedded IMDb extract only has years, so it uses release decades and the month a film was
first rated on MovieLens (when people engaged, not when it came out) and says so.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from core import config

#: Numeric metrics the correlation heatmap considers, in display order (those present are used).
METRICS = ("vote_average", "log_votes", "popularity", "runtime", "log_budget", "log_revenue", "year",
           "velocity", "engagement_score")
METRIC_LABELS = {"vote_average": "Rating", "log_votes": "log votes", "popularity": "Popularity",
                 "runtime": "Runtime", "log_budget": "log budget", "log_revenue": "log revenue",
                 "year": "Year", "velocity": "Velocity", "engagement_score": "Engagement"}
#: Pairs related by construction (see core.data.features.DEFINITIONS): strong, but not a finding.
DEFINITIONAL = {frozenset(p) for p in [("engagement_score", "log_votes"), ("engagement_score", "vote_average"),
                                       ("velocity", "log_votes"), ("velocity", "engagement_score"),
                                       ("velocity", "year")]}
#: Embedded popularity is votes per year, so it is tied to votes and year by construction too.
DEFINITIONAL_EMBEDDED = {frozenset(p) for p in [("popularity", "log_votes"), ("popularity", "year"),
                                                ("popularity", "velocity"), ("popularity", "engagement_score")]}
BASIS_LABELS = {"release_month": "release month", "decade": "release decade",
                "ml_month": "month first rated on MovieLens"}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MIN_KNOWN = 10  # a metric or period needs at least this many titles to be shown


def metric_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The numeric metrics present with enough known, varying values, as float64 columns."""
    base = df.assign(log_revenue=np.log10(df["revenue"].astype("float64"))) if "revenue" in df else df
    cols = {}
    for m in METRICS:
        if m in base:
            s = pd.to_numeric(base[m], errors="coerce").astype("float64").replace([np.inf, -np.inf], np.nan)
            if s.notna().sum() >= MIN_KNOWN and s.nunique() > 1:
                cols[m] = s
    return pd.DataFrame(cols, index=df.index)


def correlations(df: pd.DataFrame) -> pd.DataFrame:
    """Spearman rank correlations between the metrics present (pairwise complete observations).

    Returns:
        A square frame indexed and columned by metric name; empty when fewer than two metrics qualify.
    """
    metrics = metric_frame(df)
    if metrics.shape[1] < 2:
        return pd.DataFrame()
    return metrics.corr(method="spearman", min_periods=MIN_KNOWN)


def strongest_pairs(corr: pd.DataFrame, source: str = "embedded") -> pd.DataFrame:
    """Metric pairs by absolute correlation, flagging pairs that are related by construction."""
    cols = ["a", "b", "rho", "by_construction"]
    if corr.empty:
        return pd.DataFrame(columns=cols)
    tied = DEFINITIONAL | (DEFINITIONAL_EMBEDDED if source == "embedded" else set())
    rows = [(a, b, corr.loc[a, b], frozenset((a, b)) in tied)
            for i, a in enumerate(corr.columns) for b in corr.columns[i + 1:] if pd.notna(corr.loc[a, b])]
    out = pd.DataFrame(rows, columns=cols)
    return out.reindex(out["rho"].abs().sort_values(ascending=False).index).reset_index(drop=True)


def correlation_insights(corr: pd.DataFrame, source: str = "embedded") -> list[str]:
    """Name the strongest real relationships (pairs tied by construction are called out, not sold)."""
    pairs = strongest_pairs(corr, source)
    if pairs.empty:
        return []
    real = pairs[~pairs["by_construction"]]
    lab, used, out = METRIC_LABELS.get, set(), []
    for r in real.itertuples():  # the two strongest pairs that share no metric (avoids restating one link)
        if len(out) < 2 and not used & {r.a, r.b}:
            used |= {r.a, r.b}
            way = "together" if r.rho > 0 else "in opposite directions"
            out.append(f"**{lab(r.a)}** and **{lab(r.b)}** move {way} (Spearman {r.rho:+.2f}).")
    weak = real[real["rho"].abs() < 0.1]
    if len(weak):
        r = weak.iloc[0]
        out.append(f"**{lab(r['a'])}** and **{lab(r['b'])}** are nearly unrelated (Spearman {r['rho']:+.2f}).")
    tied = pairs[pairs["by_construction"]]
    if len(tied):
        r = tied.iloc[0]
        out.append(f"The strongest cell, {lab(r['a'])} vs {lab(r['b'])} ({r['rho']:+.2f}), holds by "
                   "construction (one is computed from the other), so it is not a finding.")
    return out[:4]


def seasonal_bases(df: pd.DataFrame) -> list[str]:
    """Time bases the view supports: release month (full dates) else decade and MovieLens month."""
    if df.empty:
        return []
    if "release_month" in df and df["release_month"].notna().sum() >= MIN_KNOWN:
        return ["release_month"]
    bases = ["decade"] if df["decade"].notna().any() else []
    if "ml_first_rated" in df and df["ml_first_rated"].notna().sum() >= MIN_KNOWN:
        bases.append("ml_month")
    return bases


def period_labels(df: pd.DataFrame, basis: str) -> pd.Series:
    """Each title's period on a basis, as an ordered label (NA where unknown)."""
    if basis == "release_month":
        month = df["release_month"]
    elif basis == "ml_month":
        month = pd.to_datetime(df["ml_first_rated"]).dt.month
    elif basis == "decade":
        return df["decade"].map(lambda d: pd.NA if pd.isna(d) else f"{int(d)}s").astype("string")
    else:
        raise ValueError(f"unknown basis {basis!r}")
    cat = pd.CategoricalDtype(list(MONTHS), ordered=True)
    return month.map(lambda m: pd.NA if pd.isna(m) else MONTHS[int(m) - 1]).astype(cat)


def seasonal_profile(df: pd.DataFrame, basis: str) -> pd.DataFrame:
    """Titles, mean engagement and hit rate per period of ``basis`` (see :func:`seasonal_bases`)."""
    cols = ["period", "titles", "mean_engagement", "hit_rate"]
    if df.empty:
        return pd.DataFrame(columns=cols)
    out = (df.assign(period=period_labels(df, basis)).dropna(subset=["period"])
           .groupby("period", observed=True, sort=True)
           .agg(titles=("title_id", "size"), mean_engagement=("engagement_score", "mean"),
                hit_rate=("hit", "mean")).reset_index())
    out["period"] = out["period"].astype("string")
    return out[cols]


def seasonal_insights(profile: pd.DataFrame, basis: str) -> list[str]:
    """Best and worst period by mean engagement, the busiest period and the spread between periods (periods
    with at least ``MIN_KNOWN`` titles). Caveats about the basis are in :func:`seasonal_caveat`."""
    solid = profile[profile["titles"] >= MIN_KNOWN]
    if len(solid) < 2:
        return ["Too few titles per period to compare periods."] if len(profile) else []
    best = solid.loc[solid["mean_engagement"].idxmax()]
    worst = solid.loc[solid["mean_engagement"].idxmin()]
    busiest = solid.loc[solid["titles"].idxmax()]
    hit_hi, hit_lo = solid.loc[solid["hit_rate"].idxmax()], solid.loc[solid["hit_rate"].idxmin()]
    return [f"By {BASIS_LABELS[basis]}, **{best['period']}** titles engage most (mean score "
            f"{best['mean_engagement']:.1f}, hit rate {best['hit_rate']:.0%}); **{worst['period']}** least "
            f"({worst['mean_engagement']:.1f}, {worst['hit_rate']:.0%}).",
            f"**{busiest['period']}** is the busiest period with {int(busiest['titles']):,} titles "
            f"({busiest['titles'] / solid['titles'].sum():.0%} of those compared).",
            f"Hit rates range from {hit_lo['hit_rate']:.0%} ({hit_lo['period']}) to {hit_hi['hit_rate']:.0%} "
            f"({hit_hi['period']}) across the {len(solid)} periods with {MIN_KNOWN}+ titles."]


def rating_span(df: pd.DataFrame) -> tuple[int, int] | None:
    """First and last year of the MovieLens first-rating dates in view (None when there are none)."""
    if "ml_first_rated" not in df:
        return None
    dates = pd.to_datetime(df["ml_first_rated"], errors="coerce").dropna()
    return (int(dates.min().year), int(dates.max().year)) if len(dates) else None


def seasonal_caveat(basis: str, source: str, span: tuple[int, int] | None = None) -> str:
    """What a time basis can and cannot say (a caption beside the chart, not an insight); "" when none."""
    if basis == "ml_month":
        when = f" in {span[0]}-{span[1]}" if span else ""
        return ("This is when MovieLens users first rated a film, not when it was released: it describes "
                f"engagement timing{when} only.")
    if basis == "decade" and source == "embedded":
        return (f"Older decades are filtered by survival: only films people still rated in {config.IMDB_SNAPSHOT_YEAR} "
                "are here.")
    return ""


def basis_note(df: pd.DataFrame, source: str) -> str:
    """Which time basis the view uses and the real reason for it (full dates, a years-only source, or too few
    titles with a release month in this view)."""
    bases = seasonal_bases(df)
    if bases == ["release_month"]:
        return "This source has full release dates, so titles are grouped by release month."
    shown = " and ".join(BASIS_LABELS[b] for b in bases)
    if source == "embedded":
        span = rating_span(df)
        when = f", ratings from {span[0]} to {span[1]}" if span else ""
        extra = (f" (the MovieLens month is when people engaged, not when films came out{when})"
                 if "ml_month" in bases else "")
        return (f"The embedded IMDb data has release years only (no release months). Shown instead: {shown}"
                f"{extra}." if bases else "The embedded IMDb data has release years only, and no decade is known here.")
    dated = int(df["release_month"].notna().sum()) if "release_month" in df and len(df) else 0
    reason = (f"Only {dated:,} of the {len(df):,} titles in view have a release month (at least {MIN_KNOWN} are "
              "needed to compare months)")
    return f"{reason}, so titles are grouped by {shown} instead." if bases else f"{reason}, and none has a decade."


MPAA_ORDER = ("G", "PG", "PG-13", "R", "NC-17")


def _ordered(values: pd.Series, order: list[str]) -> pd.Series:
    """Band labels as an ordered categorical (``order`` first, any other label after it, sorted)."""
    present = [str(v) for v in values.dropna().unique()]
    cats = [o for o in order if o in present] + sorted(set(present) - set(order))
    return pd.Series(pd.Categorical(values.astype("object").where(values.notna(), None), categories=cats,
                                    ordered=True), index=values.index)


def _bands(df: pd.DataFrame) -> dict[str, pd.Series]:
    """Driver name -> ordered band label per title (only the drivers the data supports)."""
    out: dict[str, pd.Series] = {}
    runtime = df["runtime"].astype("float64")
    if runtime.notna().sum() >= MIN_KNOWN:
        out["Runtime"] = pd.cut(runtime, [0, 80, 100, 120, 150, np.inf], right=False,
                                labels=["<80 min", "80-99", "100-119", "120-149", "150+"])
    level = df["budget_level"]
    if level.notna().sum() >= MIN_KNOWN:
        q = ((level.astype("float64") + 1) // 2).map(lambda v: "Unknown" if pd.isna(v) else f"Q{int(v)}")
        out["Budget quintile"] = _ordered(q, ["Q1", "Q2", "Q3", "Q4", "Q5", "Unknown"])
    if "mpaa" in df and df["mpaa"].notna().sum() >= MIN_KNOWN:
        out["MPAA rating"] = _ordered(df["mpaa"].astype("object").fillna("Not rated"), [*MPAA_ORDER, "Not rated"])
    if df["media_type"].nunique() > 1:
        out["Media type"] = _ordered(df["media_type"].astype("object"), ["movie", "tv"])
    count = df["genres"].map(len).clip(upper=3).map({0: "0", 1: "1", 2: "2", 3: "3+"})
    out["Genres per title"] = _ordered(count, ["0", "1", "2", "3+"])
    return out


def driver_table(df: pd.DataFrame) -> pd.DataFrame:
    """Mean engagement and hit rate per band of each driver the data supports (bands of 5+ titles)."""
    cols = ["driver", "band", "titles", "mean_engagement", "hit_rate"]
    if df.empty:
        return pd.DataFrame(columns=cols)
    parts = []
    for name, band in _bands(df).items():
        g = (df.assign(band=band).dropna(subset=["band"]).groupby("band", sort=True, observed=True)
             .agg(titles=("title_id", "size"), mean_engagement=("engagement_score", "mean"),
                  hit_rate=("hit", "mean")).reset_index())
        parts.append(g[g["titles"] >= 5].assign(driver=name))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)
    out["band"] = out["band"].astype("string")
    return out[cols].astype({"titles": "int64", "mean_engagement": "float64", "hit_rate": "float64"})


def driver_effects(table: pd.DataFrame) -> pd.DataFrame:
    """Per driver: spread of mean engagement between its best and worst band (bands with 10+ titles)."""
    cols = ["driver", "spread", "best", "worst", "best_hit_rate", "worst_hit_rate"]
    rows = []
    for name, g in table[table["titles"] >= MIN_KNOWN].groupby("driver", sort=False):
        if len(g) < 2:
            continue
        hi, lo = g.loc[g["mean_engagement"].idxmax()], g.loc[g["mean_engagement"].idxmin()]
        rows.append((name, hi["mean_engagement"] - lo["mean_engagement"], hi["band"], lo["band"],
                     hi["hit_rate"], lo["hit_rate"]))
    return pd.DataFrame(rows, columns=cols).sort_values("spread", ascending=False, ignore_index=True)


def driver_insights(table: pd.DataFrame) -> list[str]:
    """Rank the drivers by how far apart their best and worst bands are."""
    effects = driver_effects(table)
    if effects.empty:
        return []
    out = [f"**{r.driver}** {'separates engagement most' if i == 0 else 'comes next'}: {r.best} averages "
           f"{r.spread:.1f} points more than {r.worst} (hit rate {r.best_hit_rate:.0%} vs {r.worst_hit_rate:.0%})."
           for i, r in enumerate(effects.head(2).itertuples())]
    weakest = effects.iloc[-1]
    if len(effects) > 2:
        out.append(f"**{weakest['driver']}** matters least here (spread {weakest['spread']:.1f} points).")
    budget = table[(table["driver"] == "Budget quintile")]
    unknown = budget[budget["band"] == "Unknown"]
    known = budget[budget["band"] != "Unknown"]
    if len(unknown) and len(known):
        known_mean = float(np.average(known["mean_engagement"], weights=known["titles"]))
        share = known["titles"].sum() / budget["titles"].sum()
        out.append(f"Titles with a known budget ({share:.0%} of those banded) average {known_mean:.1f} points vs "
                   f"{float(unknown['mean_engagement'].iloc[0]):.1f} without one.")
    if len(out) < 2:
        best = table[table["titles"] >= MIN_KNOWN].nlargest(1, "hit_rate")
        if len(best):
            b = best.iloc[0]
            out.append(f"The band with the highest hit rate is **{b['driver']}: {b['band']}** ({b['hit_rate']:.0%} of "
                       f"{int(b['titles']):,} titles).")
    return out[:4]


def driver_caveat(table: pd.DataFrame) -> str:
    """Why the budget bars are association, not cause (a caption, shown when budgets are partly unknown)."""
    budget = table[table["driver"] == "Budget quintile"]
    if not ((budget["band"] == "Unknown").any() and len(budget) > 1):
        return ""
    return ("A known budget is itself a sign of attention (budgets were recorded for better-known films), so read "
            "the budget bars as association, not cause.")
