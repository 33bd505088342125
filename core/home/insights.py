"""Home-page figures and insight sentences, computed from whatever data is active."""
from __future__ import annotations

import pandas as pd


def portfolio_summary(titles: pd.DataFrame, ratings: int, subscribers: int) -> dict:
    """Headline counts of a source: titles with audience data, genres, year span, ratings, subscribers."""
    rated = titles[titles["vote_count"].notna()]
    years = rated["year"].dropna()
    genres = {g for gs in rated["genres"] for g in gs}
    span = f"{int(years.min())}-{int(years.max())}" if len(years) else "n/a"
    return {"titles": int(len(rated)), "genres": len(genres), "years": span,
            "ratings": int(ratings), "subscribers": int(subscribers)}


def year_insights(view: pd.DataFrame) -> list[str]:
    """Two or three sentences about the titles in view, filled in from the data."""
    if view.empty:
        return []
    per_year = view.groupby("year").size()
    peak_year, peak_n = int(per_year.idxmax()), int(per_year.max())
    top_genre = view["primary_genre"].value_counts()
    share = top_genre.iloc[0] / len(view)
    out = [f"**{peak_year}** has the most titles in view ({peak_n:,}).",
           f"**{top_genre.index[0]}** is the largest primary genre: {share:.0%} of {len(view):,} titles."]
    recent = view[view["year"] >= view["year"].max() - 9]
    if len(recent) and len(view) > len(recent):
        out.append(f"The last ten years in view hold {len(recent) / len(view):.0%} of the titles, with a median "
                   f"engagement score of {recent['engagement_score'].median():.1f} against "
                   f"{view['engagement_score'].median():.1f} overall.")
    return out
