"""Content Universe analytics: what exists in the view, by genre, tier, quality and reach.

Pure pandas on a featured strategy frame (``core.data.features.engineer``). Genre figures use
``features.genre_long``: a title counts once in each of its genres, so genre shares are shares of
genre-title pairs and add up to 100%.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from core.data import features

GENRE_STAT_COLUMNS = ["genre", "titles", "title_share", "engagement", "engagement_share", "mean_engagement",
                      "hits", "hit_share", "hit_rate"]
TOP_COLUMNS = ["title", "year", "media_type", "primary_genre", "genres", "vote_average", "vote_count",
               "popularity", "engagement_score", "tier"]
MEDIA_LABELS = {"movie": "Movies", "tv": "TV"}


def _share(values: pd.Series) -> pd.Series:
    total = values.sum()
    return values / total if total else values * np.nan


def genre_stats(df: pd.DataFrame) -> pd.DataFrame:
    """Titles, engagement and hits per genre (a title counts in each of its genres).

    Args:
        df: featured titles with ``title_id, genres, engagement_score, hit``.

    Returns:
        One row per genre, largest first: ``titles``, ``title_share`` (share of genre-title pairs),
        ``engagement`` (sum of engagement scores), ``engagement_share``, ``mean_engagement``, ``hits``,
        ``hit_share`` (share of all hit pairs) and ``hit_rate`` (share of the genre's titles that are hits).
    """
    if df.empty:
        return pd.DataFrame(columns=GENRE_STAT_COLUMNS)
    long = features.genre_long(df[["title_id", "genres", "engagement_score", "hit"]])
    out = (long.groupby("genre", observed=True)
           .agg(titles=("title_id", "size"), engagement=("engagement_score", "sum"),
                mean_engagement=("engagement_score", "mean"), hits=("hit", "sum"))
           .reset_index())
    out["genre"] = out["genre"].astype("string")
    out = out.assign(title_share=_share(out["titles"]), engagement_share=_share(out["engagement"]),
                     hit_share=_share(out["hits"]), hit_rate=out["hits"] / out["titles"])
    out = out.astype({"titles": "int64", "hits": "int64", "engagement": "float64", "mean_engagement": "float64",
                      "title_share": "float64", "engagement_share": "float64", "hit_share": "float64",
                      "hit_rate": "float64"})
    return out[GENRE_STAT_COLUMNS].sort_values(["titles", "genre"], ascending=[False, True],
                                               ignore_index=True)


def genre_insights(stats: pd.DataFrame) -> list[str]:
    """Sentences about the genre distribution (largest genre, over-/under-performers by engagement)."""
    if stats.empty:
        return []
    top = stats.iloc[0]
    out = [f"**{top['genre']}** is the largest genre with {int(top['titles']):,} titles "
           f"({top['title_share']:.0%} of genre-title pairs)."]
    if len(stats) < 2:
        return out + ["Only one genre is in view, so there is nothing to compare it with."]
    lift = (stats["engagement_share"] - stats["title_share"]) * 100
    best, worst = stats.loc[lift.idxmax()], stats.loc[lift.idxmin()]
    out.append(f"**{best['genre']}** earns {best['engagement_share']:.1%} of engagement from "
               f"{best['title_share']:.1%} of titles, the most above its weight "
               f"({lift.max():+.1f} points).")
    out.append(f"**{worst['genre']}** earns the least for its size: {worst['engagement_share']:.1%} of "
               f"engagement from {worst['title_share']:.1%} of titles.")
    leader = stats.loc[stats["hit_rate"].idxmax()]
    out.append(f"**{leader['genre']}** has the highest hit rate: {leader['hit_rate']:.0%} of its titles are "
               f"in the top engagement quartile.")
    return out


def performance_matrix(df: pd.DataFrame) -> pd.DataFrame:
    """Share of each genre's titles in each engagement tier (genre x tier, long format).

    Args:
        df: featured titles with ``title_id, genres, tier``.

    Returns:
        ``genre, tier, titles, share`` where ``share`` is the share of the genre's titles in that tier.
    """
    cols = ["genre", "tier", "titles", "share"]
    if df.empty:
        return pd.DataFrame(columns=cols)
    long = features.genre_long(df[["title_id", "genres", "tier"]])
    counts = pd.crosstab(long["genre"], long["tier"].astype(
        pd.CategoricalDtype(list(features.TIERS), ordered=True)), dropna=False)
    counts = counts.reindex(columns=list(features.TIERS), fill_value=0)
    shares = counts.div(counts.sum(axis=1).replace(0, np.nan), axis=0)
    out = counts.stack().rename("titles").to_frame().join(shares.stack().rename("share")).reset_index()
    out.columns = cols
    out["genre"] = out["genre"].astype("string")
    out["tier"] = out["tier"].astype("string")
    return out


def matrix_insights(matrix: pd.DataFrame) -> list[str]:
    """Sentences about the genre x tier matrix (most hit-heavy and most low-heavy genre)."""
    if matrix.empty:
        return []
    hit = matrix[matrix["tier"] == "Hit"].set_index("genre")["share"].dropna()
    low = matrix[matrix["tier"] == "Low"].set_index("genre")["share"].dropna()
    if hit.empty:
        return []
    out = [f"**{hit.idxmax()}** has the largest share of Hits ({hit.max():.0%} of its titles; 25% would be "
           f"an average genre)."]
    if len(hit) > 1:
        out.append(f"**{low.idxmax()}** has the largest share of Low-tier titles ({low.max():.0%}); "
                   f"**{hit.idxmin()}** the smallest share of Hits ({hit.min():.0%}).")
        out.append(f"Hit shares span {hit.min():.0%}-{hit.max():.0%} across {len(hit)} genres.")
    return out


def quality_popularity(df: pd.DataFrame) -> pd.DataFrame:
    """Titles that can go on a log popularity axis (popularity > 0 and a rating)."""
    cols = ["title", "year", "primary_genre", "vote_average", "popularity", "vote_count"]
    keep = df["popularity"].gt(0).fillna(False) & df["vote_average"].notna() if len(df) else []
    return df.loc[keep, cols].astype({"vote_average": "float64", "popularity": "float64",
                                      "vote_count": "float64"}).reset_index(drop=True)


def quality_popularity_insights(df: pd.DataFrame) -> list[str]:
    """Sentences about rating vs popularity: rank correlation, hidden gems, the most popular title.

    Args:
        df: featured titles with ``title, vote_average, popularity, rating_pct, popularity_pct``.
    """
    if len(df) < 3:
        return []
    rho = df["vote_average"].astype("float64").corr(df["popularity"].astype("float64"), method="spearman")
    strength = "weak" if abs(rho) < 0.3 else "moderate" if abs(rho) < 0.6 else "strong"
    gems = df[(df["rating_pct"] >= 75) & (df["popularity_pct"] <= 50)]
    top = df.loc[df["popularity"].astype("float64").idxmax()]
    return [f"Quality and popularity have a {strength} rank correlation (Spearman {rho:+.2f}): a high rating "
            f"{'does not guarantee' if abs(rho) < 0.6 else 'goes with'} a large audience.",
            f"{len(gems):,} titles ({len(gems) / len(df):.0%}) are hidden gems: top-quartile rating but "
            f"below-median popularity.",
            f"The most popular title in view is **{top['title']}** ({_year(top['year'])}, rated "
            f"{float(top['vote_average']):.1f})."]


def _year(value) -> str:
    return "year unknown" if pd.isna(value) else str(int(value))


def top_titles(df: pd.DataFrame, n: int = 25) -> pd.DataFrame:
    """The ``n`` titles with the highest engagement score, genres joined as text, for display and CSV."""
    if df.empty:
        return pd.DataFrame(columns=TOP_COLUMNS)
    out = df.nlargest(n, "engagement_score")[TOP_COLUMNS].copy()
    out["genres"] = out["genres"].map(lambda g: ", ".join(g) if len(g) else "Unclassified")
    out["tier"] = out["tier"].astype("string")
    return out.reset_index(drop=True)


def title_cards(df: pd.DataFrame, n: int = 12) -> list[dict]:
    """The top ``n`` titles as card fields: title, year, genre, rating, votes and poster (None if absent)."""
    top = df.nlargest(n, "engagement_score") if len(df) else df
    return [{"title": str(r["title"]), "year": _year(r["year"]), "genre": str(r["primary_genre"]),
             "rating": float(r["vote_average"]), "votes": int(r["vote_count"]),
             "poster_url": None if pd.isna(r["poster_url"]) or not r["poster_url"] else str(r["poster_url"])}
            for _, r in top.iterrows()]


def media_types(df: pd.DataFrame) -> list[str]:
    """Media types present in the view, movies first."""
    present = set(df["media_type"].dropna().astype(str)) if len(df) else set()
    return [m for m in ("movie", "tv") if m in present] + sorted(present - {"movie", "tv"})


def media_view(df: pd.DataFrame, media: str) -> pd.DataFrame:
    """The titles of one media type (``""`` = all)."""
    return df if not media else df[df["media_type"] == media].reset_index(drop=True)


MIN_TITLES = 10  # below this the pages list titles instead of charting them


def headline(df: pd.DataFrame) -> dict:
    """Headline figures of the view: titles, genres, median rating and votes, the hit cutoff."""
    if df.empty:
        return {"titles": 0, "genres": 0, "median_rating": float("nan"), "median_votes": float("nan"),
                "hit_cutoff": float("nan")}
    return {"titles": int(len(df)), "genres": int(features.genre_long(df[["genres"]])["genre"].nunique()),
            "median_rating": float(df["vote_average"].median()), "median_votes": float(df["vote_count"].median()),
            "hit_cutoff": float(df.loc[df["hit"] == 1, "engagement_score"].min())}


def media_note(media: list[str], source: str) -> str:
    """Why there are no movie/TV tabs when the view holds a single media type."""
    if len(media) != 1:
        return ""
    only = MEDIA_LABELS.get(media[0], media[0])
    why = ("the embedded IMDb source has films only" if source == "embedded"
           else "the content-type filter or the synced titles hold only this type")
    return f"Only {only.lower()} are in view ({why}), so there are no Movies / TV tabs."
