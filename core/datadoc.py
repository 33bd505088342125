"""What the Data page tells users about each source: table inventory and how every field is derived."""
from __future__ import annotations

import pandas as pd

from core import config, features

#: How the embedded source builds fields that TMDB has and the raw data does not.
EMBEDDED_DERIVATIONS: dict[str, str] = {
    "title_id": "'gm:<row>' for IMDb films (ggplot2movies row number); 'ml:<movieId>' for MovieLens films with "
                "no exact (title, year) match in the IMDb extract.",
    "genres": "IMDb films: the seven genre flags of ggplot2movies (Action, Animation, Comedy, Drama, Documentary, "
              "Romance, Short); films with no flag have an empty list and show as 'Unclassified'. "
              "MovieLens-only films: MovieLens genres.",
    "primary_genre": "The film's rarest genre flag in the whole extract (the most specific label), e.g. a "
                     "Comedy-Animation is 'Animation'.",
    "vote_average / vote_count": "IMDb rating (1-10) and number of votes at the 2005 snapshot. MovieLens-only "
                                 "films have none and are left out of the strategy pages.",
    "popularity": features.DEFINITIONS["popularity"],
    "release_date": "Not in the data: only the year is known. Pages that need months say so and use decades or "
                    "MovieLens rating months instead.",
    "runtime": "ggplot2movies 'length' in minutes (0 treated as unknown).",
    "budget": "ggplot2movies budget in USD where known (about 9% of films); revenue is not in the data.",
    "ml_rating_count / ml_rating_mean": "Count and mean of the MovieLens ratings (0.5-5) joined on exact (title, year).",
    "language, overview, poster_url": "Not in the data (left empty, never invented).",
}


def table_inventory(tables: dict[str, pd.DataFrame], built_at: pd.Timestamp) -> pd.DataFrame:
    """One row per table: rows, columns and when it was built."""
    return pd.DataFrame([{"table": name, "rows": len(df), "columns": df.shape[1],
                          "built": f"{built_at:%Y-%m-%d %H:%M} UTC"} for name, df in tables.items()])


def derivations() -> pd.DataFrame:
    """Every derived field, embedded-only derivations first, with its definition."""
    rows = [{"field": k, "source": "embedded", "definition": v} for k, v in EMBEDDED_DERIVATIONS.items()]
    rows += [{"field": k, "source": "both", "definition": v} for k, v in features.DEFINITIONS.items()
             if k != "popularity"]
    return pd.DataFrame(rows)


def coverage(titles: pd.DataFrame) -> pd.DataFrame:
    """Share of titles with a value, per canonical field (what a source really knows)."""
    cols = ["year", "release_date", "runtime", "budget", "revenue", "vote_average", "vote_count", "popularity",
            "language", "overview", "poster_url"]
    n = max(len(titles), 1)
    known = {c: (titles[c].notna() & (titles[c].astype("string") != "")).sum() / n for c in cols if c in titles}
    return pd.DataFrame({"field": list(known), "known": [f"{v:.1%}" for v in known.values()]})


def snapshot_note() -> str:
    """Freshness of the embedded data in one sentence."""
    return (f"IMDb votes were counted in {config.IMDB_SNAPSHOT_YEAR}; MovieLens ratings run from 1995-01 to "
            "2016-10; the Telco and Bake Off tables are fixed historical extracts.")
