"""What the Data page tells users about each source: table inventory and how every field is derived."""
from __future__ import annotations

import pandas as pd

from core import config
from core.data import features

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
    "budget": "ggplot2movies budget in USD where known ({budget_share} of films); revenue is not in the data.",
    "ml_rating_count / ml_rating_mean": "Count and mean of the MovieLens ratings (0.5-5) joined on exact "
                                        "(title, year).",
    "language, overview, poster_url": "Not in the data (left empty, never invented).",
}


#: How the TMDB source fills the canonical fields (see ``core.tmdb.store.canonical_title``).
TMDB_DERIVATIONS: dict[str, str] = {
    "title_id": "'tmdb:<movie|tv>:<TMDB id>'.",
    "genres / primary_genre": "Names from TMDB's genre lists (details when fetched); the primary genre is TMDB's "
                              "first-listed genre, 'Unclassified' when none; a genre id missing from TMDB's "
                              "genre list shows as 'Genre <id>' and is listed under Validation.",
    "release_date / year": "release_date for films, first_air_date for TV.",
    "popularity": "TMDB's own popularity score as served at the last sync (TMDB computes it from recent views, "
                  "votes and watchlist activity).",
    "vote_average / vote_count": "TMDB user rating (0-10) and number of votes; no votes means no rating.",
    "runtime / budget / revenue": "From title details (sync with details on); TMDB's 0 means unknown and is "
                                  "left empty. TV runtime is the mean episode run time.",
    "poster_url": "TMDB image CDN, w342 size.",
}


def _minute(iso: str) -> str:
    return iso[:16].replace("T", " ")


def tmdb_freshness(status: dict) -> str:
    """How fresh the TMDB cache is, honestly: the last complete sync, and a later partial run if there was one.

    Args:
        status: ``{"titles", "last_sync", "last_attempt": {"at", "complete", "pages_lost", "details_lost",
            "cancelled", "aborted"}}`` (``core.data.cache.tmdb_status``); ``{}`` when nothing is cached.
    """
    if not status or not status.get("titles"):
        return "not synced"
    last, attempt = status.get("last_sync", ""), status.get("last_attempt") or {}
    parts = [f"last complete sync {_minute(last)} UTC" if last else "no complete sync yet"]
    if attempt and not attempt.get("complete", True) and str(attempt.get("at", "")) > last:
        how = ("stopped early" if attempt.get("cancelled") else "ended by an error" if attempt.get("aborted")
               else f"partial: {attempt.get('pages_lost', 0)} list pages and {attempt.get('details_lost', 0)} "
                    "details lost" + (f", {attempt['review_pages_lost']} review pages" if attempt.get(
                        "review_pages_lost") else ""))
        parts.append(f"a later run at {_minute(str(attempt['at']))} UTC {how}")
    return "; ".join(parts)


def derivations(titles: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every derived field, embedded-only derivations first, with its definition.

    Args:
        titles: the embedded titles; shares quoted in the definitions (e.g. films with a known budget) are
            computed from it ("n/a" without it).
    """
    films = titles[titles["title_id"].astype(str).str.startswith("gm:")] if titles is not None else None
    budget_share = f"{films['budget'].notna().mean():.0%}" if films is not None and len(films) else "n/a"
    rows = [{"field": k, "source": "embedded", "definition": v.format(budget_share=budget_share)}
            for k, v in EMBEDDED_DERIVATIONS.items()]
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


def rating_span(ratings: pd.DataFrame) -> str:
    """First to last rating month, e.g. "1995-01 to 2016-10" ("no ratings" when empty)."""
    stamps = ratings["timestamp"] if "timestamp" in ratings else pd.Series(dtype="datetime64[ns]")
    if not pd.api.types.is_datetime64_any_dtype(stamps):
        stamps = pd.to_datetime(stamps, unit="s")  # Unix seconds, as MovieLens ships them
    stamps = stamps.dropna()
    return f"{stamps.min():%Y-%m} to {stamps.max():%Y-%m}" if len(stamps) else "no ratings"


def snapshot_note(ratings: pd.DataFrame) -> str:
    """Freshness of the embedded data in one sentence."""
    return (f"IMDb votes were counted in {config.IMDB_SNAPSHOT_YEAR}; MovieLens ratings run from "
            f"{rating_span(ratings)}; the Telco and Bake Off tables are fixed historical extracts.")


def source_inventory(tables: dict[str, pd.DataFrame], built_at: pd.Timestamp, tmdb: dict) -> pd.DataFrame:
    """One row per table of each source: rows, columns, what it is and how fresh it is.

    Args:
        tables: the embedded tables by name (titles, ratings, subscribers, episodes).
        built_at: when the embedded cache was built.
        tmdb: ``core.data.cache.tmdb_status``: ``{"titles": n, "last_sync": iso, "last_attempt": {...}}`` or ``{}``.
    """
    what = {"titles": "IMDb films (ggplot2movies) + MovieLens-only films", "ratings": "MovieLens user ratings",
            "subscribers": "Telco subscribers with churn (modeldata)", "episodes": "Bake Off episode audiences"}
    fresh = {"titles": f"votes counted in {config.IMDB_SNAPSHOT_YEAR}",
             "ratings": rating_span(tables["ratings"]) if "ratings" in tables else "",
             "subscribers": "fixed extract", "episodes": "fixed extract"}
    rows = [{"source": "Embedded", "table": name, "contents": what.get(name, name), "rows": len(df),
             "columns": df.shape[1], "data as of": fresh.get(name, ""),
             "cached": f"{built_at:%Y-%m-%d %H:%M} UTC"} for name, df in tables.items()]
    rows.append({"source": "Live TMDB", "table": "titles", "contents": "TMDB films and TV series",
                 "rows": int(tmdb.get("titles", 0)), "columns": len(_TITLE_FIELDS),
                 "data as of": tmdb_freshness(tmdb), "cached": "DuckDB in the cache dir" if tmdb else "-"})
    return pd.DataFrame(rows)


_TITLE_FIELDS = ("title_id", "title", "media_type", "genres", "primary_genre", "release_date", "year", "runtime",
                 "budget", "revenue", "vote_average", "vote_count", "popularity", "language", "overview",
                 "poster_url", "source")


def tmdb_derivations() -> pd.DataFrame:
    """How the TMDB source fills each canonical field."""
    return pd.DataFrame([{"field": k, "source": "tmdb", "definition": v} for k, v in TMDB_DERIVATIONS.items()])


def coverage_table(sources: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Share of titles with a value per field, one column per source (sources with no titles left out)."""
    parts = [coverage(df).set_index("field")["known"].rename(name) for name, df in sources.items() if len(df)]
    return pd.concat(parts, axis=1).reset_index().fillna("-") if parts else pd.DataFrame(columns=["field"])


def freshness_insights(inventory: pd.DataFrame) -> list[str]:
    """Sentences on what the sources hold, computed from the inventory."""
    emb = inventory[inventory["source"] == "Embedded"]
    tm = inventory[inventory["source"] == "Live TMDB"]
    out = [f"The embedded source holds {int(emb['rows'].sum()):,} rows in {len(emb)} tables, largest "
           f"'{emb.loc[emb['rows'].idxmax(), 'table']}' ({int(emb['rows'].max()):,} rows)."] if len(emb) else []
    if len(tm) and int(tm["rows"].iloc[0]):
        out.append(f"Live TMDB: {int(tm['rows'].iloc[0]):,} titles, {tm['data as of'].iloc[0]}.")
    else:
        out.append("No TMDB titles are cached yet: add a key below and run a sync to use live data.")
    return out
