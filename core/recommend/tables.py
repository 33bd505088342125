"""What should each viewer watch next? Pure helpers behind the Recommender page (no Streamlit).

The page works on the embedded MovieLens ratings (``user_id, title_id, rating, timestamp``) and the canonical
titles, whatever the title source of the other pages is. Everything here takes frames or fitted models and
returns frames, dicts or sentences; the cache boundary (``core.recommend.cache``) calls it.
"""
from __future__ import annotations

import time
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

from models.recommend_content import merged_genres

#: Unrated films with at least this many IMDb votes join the "more like this" catalogue (cold-start titles).
MIN_COLD_VOTES = 1000
#: Part of the persisted models' key: bump when content_catalogue or rated_titles change what models are fitted on.
CATALOGUE_VERSION = f"catalogue-1-{MIN_COLD_VOTES}"
NEW_USER = 0  # picker value of the cold-start "new user" (MovieLens user ids start at 1)
DEFAULT_WEIGHT = 0.3  # HybridRecommender's content_weight
BLEND_WEIGHTS = (0.0, 0.15, 0.3, 0.5, 0.75, 1.0)
MIN_GENRE_RATINGS = 3  # a genre needs this many of a user's ratings before we call it a favourite


def rated_titles(ratings: pd.DataFrame, titles: pd.DataFrame) -> pd.DataFrame:
    """The titles with at least one rating (the catalogue the collaborative models rank and were evaluated on)."""
    return titles[titles["title_id"].astype(str).isin(set(ratings["title_id"].astype(str)))]


def content_catalogue(ratings: pd.DataFrame, titles: pd.DataFrame, min_votes: int = MIN_COLD_VOTES) -> pd.DataFrame:
    """Rated titles plus well-known unrated ones (``vote_count >= min_votes``, where the column exists)."""
    keep = titles["title_id"].astype(str).isin(set(ratings["title_id"].astype(str)))
    if "vote_count" in titles.columns:
        keep |= pd.to_numeric(titles["vote_count"], errors="coerce").fillna(0) >= min_votes
    return titles[keep]


def title_options(catalogue: pd.DataFrame, ratings: pd.DataFrame) -> pd.DataFrame:
    """Picker rows ``title_id, label, year, genres, ratings, mean_rating``, most-rated first.

    Labels are "Title (year)", with "· no ratings yet" for cold-start titles and the id added when two
    titles would read the same.
    """
    stats = ratings.assign(title_id=ratings["title_id"].astype(str)).groupby("title_id")["rating"].agg(
        ["size", "mean"]).rename(columns={"size": "ratings", "mean": "mean_rating"})
    out = pd.DataFrame({"title_id": catalogue["title_id"].astype(str).to_numpy(),
                        "title": catalogue["title"].fillna("Untitled " + catalogue["title_id"].astype(str)).to_numpy(),
                        "year": pd.to_numeric(catalogue["year"], errors="coerce").to_numpy(),
                        "genres": merged_genres(catalogue).map(", ".join).to_numpy()})
    out = out.join(stats, on="title_id").assign(ratings=lambda d: d["ratings"].fillna(0).astype(int))
    year = out["year"].map(lambda y: f" ({int(y)})" if pd.notna(y) else "")
    label = out["title"] + year + np.where(out["ratings"] == 0, " · no ratings yet", "")
    dup = label.duplicated(keep=False)
    out["label"] = label.where(~dup, label + " [" + out["title_id"] + "]")
    return out.sort_values(["ratings", "label"], ascending=[False, True], kind="stable").reset_index(drop=True)[
        ["title_id", "label", "title", "year", "genres", "ratings", "mean_rating"]]


def user_table(ratings: pd.DataFrame, titles: pd.DataFrame) -> pd.DataFrame:
    """One row per user: ``user_id, ratings, mean_rating, first, last, favourite, label`` (by user id).

    ``favourite`` is the genre the user leans to: the largest excess of its share of their ratings over its
    share of all ratings (genres with at least ``MIN_GENRE_RATINGS`` of their ratings).
    """
    pairs = pd.DataFrame({"user_id": ratings["user_id"].to_numpy(), "genre": _genres_of(ratings, titles).to_numpy()})
    pairs = pairs.explode("genre").dropna()
    counts = pairs.groupby(["user_id", "genre"]).size().rename("n").reset_index()
    per_user = ratings.groupby("user_id").size()
    overall = pairs["genre"].value_counts() / max(len(ratings), 1)
    counts["lean"] = counts["n"] / per_user.reindex(counts["user_id"]).to_numpy() - overall.reindex(
        counts["genre"]).to_numpy()
    counts = counts[counts["n"] >= MIN_GENRE_RATINGS]
    favourite = counts.sort_values(["user_id", "lean", "genre"], ascending=[True, False, True]).drop_duplicates(
        "user_id").set_index("user_id")["genre"]
    users = ratings.groupby("user_id").agg(ratings=("rating", "size"), mean_rating=("rating", "mean"),
                                           first=("timestamp", "min"), last=("timestamp", "max"))
    users["favourite"] = favourite.reindex(users.index).fillna("no genre").astype(str)
    users = users.reset_index()
    users["label"] = [f"User {u} · {n:,} ratings · leans {g}" for u, n, g in
                      zip(users["user_id"], users["ratings"], users["favourite"])]
    return users


def _genres_of(ratings: pd.DataFrame, titles: pd.DataFrame) -> pd.Series:
    """The merged genre list of each rating's title (index of ``ratings``; [] when the title is unknown)."""
    ids = ratings["title_id"].astype(str).to_numpy()
    needed = titles[titles["title_id"].astype(str).isin(set(ids))]  # only the rated titles: much faster
    lookup = pd.Series(merged_genres(needed).to_numpy(), index=needed["title_id"].astype(str).to_numpy())
    found = lookup[~lookup.index.duplicated()].reindex(ids)
    return pd.Series([g if isinstance(g, list) else [] for g in found], index=ratings.index, dtype=object)


def default_user(users: pd.DataFrame, quantile: float = 0.8) -> int:
    """A user with a decent history: the one whose rating count is closest to the ``quantile`` (ties: lowest id)."""
    if users.empty:
        return NEW_USER
    target = users["ratings"].quantile(quantile)
    gap = (users["ratings"] - target).abs()
    return int(users.assign(gap=gap).sort_values(["gap", "user_id"])["user_id"].iloc[0])


def resolve_pick(raw: str, options: Sequence, default: Any, kind: str, cast: Callable = str) -> tuple[Any, str]:
    """The picker value asked for in a link (``raw``), or ``default`` with a note saying why it was not used."""
    if not raw:
        return default, ""
    try:
        value = cast(raw)
    except (TypeError, ValueError):
        return default, f"The {kind.lower()} in the link is not a valid id; showing the default instead."
    if value not in set(options):
        return default, f"Unknown {kind.lower()} in the link; showing the default instead."
    return value, ""


def rating_history(ratings: pd.DataFrame, titles: pd.DataFrame, user_id: int) -> pd.DataFrame:
    """A user's ratings, newest first: ``rated_on, title_id, title, year, genres, rating`` (genres as lists)."""
    mine = ratings[ratings["user_id"] == user_id]
    meta = titles.assign(title_id=titles["title_id"].astype(str)).drop_duplicates("title_id").set_index("title_id")
    ids = mine["title_id"].astype(str).to_numpy()
    names = meta["title"].reindex(ids)
    out = pd.DataFrame({"rated_on": pd.to_datetime(mine["timestamp"]).dt.date.to_numpy(), "title_id": ids,
                        "title": names.where(names.notna(), "Untitled " + pd.Series(ids, index=names.index)).to_numpy(),
                        "year": pd.to_numeric(meta["year"].reindex(ids), errors="coerce").astype("Int64").to_numpy(),
                        "genres": _genres_of(mine, titles).to_numpy(), "rating": mine["rating"].to_numpy(float)},
                       index=mine.index)
    order = np.lexsort((out["title"].to_numpy(), -pd.to_datetime(mine["timestamp"]).astype("int64").to_numpy()))
    return out.iloc[order].reset_index(drop=True)


def genre_profile(history: pd.DataFrame) -> pd.DataFrame:
    """Per genre of a rating history: ``genre, ratings, share, mean_rating, affinity`` (mean minus overall mean).

    ``share`` is the genre's share of the user's ratings (a film counts once per genre), most-rated first.
    """
    cols = ["genre", "ratings", "share", "mean_rating", "affinity"]
    if history.empty:
        return pd.DataFrame(columns=cols)
    long = history[["genres", "rating"]].explode("genres").dropna(subset=["genres"])
    if long.empty:
        return pd.DataFrame(columns=cols)
    out = long.groupby("genres")["rating"].agg(["size", "mean"]).reset_index()
    out.columns = ["genre", "ratings", "mean_rating"]
    out["share"] = out["ratings"] / len(history)
    out["affinity"] = out["mean_rating"] - history["rating"].mean()
    return out.sort_values(["ratings", "genre"], ascending=[False, True]).reset_index(drop=True)[cols]


def display_history(history: pd.DataFrame) -> pd.DataFrame:
    """The history table as shown: genres joined into text, no internal id."""
    return history.assign(genres=history["genres"].map(", ".join)).drop(columns="title_id")


def fit_timed(make: Callable[[], Any], ratings: pd.DataFrame, titles: pd.DataFrame) -> dict:
    """Fit ``make()`` on the frames; ``{"model", "seconds", "trained_at"}`` (UTC ISO time)."""
    start = time.perf_counter()
    model = make().fit(ratings, titles)
    return {"model": model, "seconds": time.perf_counter() - start,
            "trained_at": pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%d %H:%M UTC")}


# --- recommendations, blend and neighbours -------------------------------------------------------------------

def top_table(explained: pd.DataFrame, options: pd.DataFrame, weight: float, predicted: np.ndarray | None = None,
              love: np.ndarray | None = None) -> pd.DataFrame:
    """The top-k as shown: ``rank, title, year, genres, match, content_part, collaborative_part, because_you_rated,
    predicted_rating, love_probability``; ``match`` = content part + collaborative part (blended, 0-1)."""
    meta = options.set_index("title_id")
    ids = explained["title_id"].astype(str)
    out = pd.DataFrame({"rank": np.arange(1, len(explained) + 1), "title_id": ids.to_numpy(),
                        "title": explained["title"].to_numpy(),
                        "year": meta["year"].reindex(ids).astype("Int64").to_numpy(),
                        "genres": meta["genres"].reindex(ids).fillna("").to_numpy(),
                        "match": explained["score"].to_numpy(float),
                        "content_part": weight * explained["content_score"].to_numpy(float),
                        "collaborative_part": (1 - weight) * explained["collaborative_score"].to_numpy(float),
                        "because_you_rated": explained["because_title"].fillna("").to_numpy()})
    if predicted is not None:
        out["predicted_rating"] = np.asarray(predicted, float)
    if love is not None:
        out["love_probability"] = np.asarray(love, float)
    return out


def blend_ranks(model: Any, user_id: int, weights: Sequence[float] = BLEND_WEIGHTS, k: int = 10) -> pd.DataFrame:
    """The user's top-``k`` at each content weight (query-time blend, no refit): ``weight, rank, title_id, title``."""
    rows = []
    for w in sorted(set(float(x) for x in weights)):
        recs = model.recommend_explained(user_id, k=k, content_weight=w)
        rows.append(pd.DataFrame({"weight": w, "rank": np.arange(1, len(recs) + 1),
                                  "title_id": recs["title_id"].astype(str).to_numpy(),
                                  "title": recs["title"].to_numpy()}))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["weight", "rank", "title_id", "title"])


def list_changes(default: pd.DataFrame, current: pd.DataFrame) -> dict:
    """How the current top list differs from the default one (frames with ``title_id, title`` in rank order).

    Returns:
        ``entered`` and ``left`` (titles, in rank order), ``kept`` (count) and ``moved`` (kept titles whose
        rank changed).
    """
    before, after = list(default["title_id"]), list(current["title_id"])
    names = dict(zip(default["title_id"], default["title"])) | dict(zip(current["title_id"], current["title"]))
    kept = [t for t in after if t in before]
    return {"entered": [names[t] for t in after if t not in before],
            "left": [names[t] for t in before if t not in after], "kept": len(kept),
            "moved": sum(1 for t in kept if before.index(t) != after.index(t))}


def neighbour_table(neighbours: pd.DataFrame, options: pd.DataFrame) -> pd.DataFrame:
    """Neighbours with ``year, genres, ratings`` added from the picker rows (similarity kept as given)."""
    meta = options.set_index("title_id")
    ids = neighbours["title_id"].astype(str)
    out = neighbours.assign(year=meta["year"].reindex(ids).astype("Int64").to_numpy(),
                            genres=meta["genres"].reindex(ids).fillna("").to_numpy(),
                            ratings=meta["ratings"].reindex(ids).fillna(0).astype(int).to_numpy())
    first = ["title_id", "title", "year", "genres", "similarity"]
    return out[first + [c for c in out.columns if c not in first]]


def popular_table(model: Any, genres: Sequence[str], options: pd.DataFrame, k: int = 10) -> pd.DataFrame:
    """Cold start for a new user: the most-rated titles in any of ``genres`` (all genres when empty)."""
    ids = model.popular_titles(k, list(genres) or None)
    meta = options.set_index("title_id").reindex(ids)
    return pd.DataFrame({"rank": np.arange(1, len(ids) + 1), "title": meta["title"].to_numpy(),
                         "year": meta["year"].astype("Int64").to_numpy(), "genres": meta["genres"].to_numpy(),
                         "ratings": meta["ratings"].to_numpy(), "mean_rating": meta["mean_rating"].to_numpy()})


# --- page pieces -------------------------------------------------------------------------------------------------

MODEL_PARTS = {"ranking": "Ranking model (EASE + content profile)", "rating": "Rating model (item kNN + matrix "
               "factorisation)", "love": "Love classifier (XGBoost)"}
TOP_COLUMNS = {"rank": "Rank", "title": "Title", "year": "Year", "genres": "Genres", "match": "Match (0-1)",
               "content_part": "Content part", "collaborative_part": "Collaborative part",
               "because_you_rated": "Because you rated", "predicted_rating": "Predicted rating",
               "love_probability": "P(4+ stars)"}


def display_top(top: pd.DataFrame) -> pd.DataFrame:
    """The top-k table with readable column names and rounded scores (what is shown and downloaded)."""
    cols = [c for c in TOP_COLUMNS if c in top.columns]
    return top[cols].round(3).rename(columns=TOP_COLUMNS)


def data_summary(ratings: pd.DataFrame, catalogue: pd.DataFrame) -> dict:
    """Counts for the page caption: ratings, users, rated titles, cold-start titles, first and last year."""
    stamps = pd.to_datetime(ratings["timestamp"])
    rated = ratings["title_id"].astype(str).nunique()
    return {"ratings": len(ratings), "users": int(ratings["user_id"].nunique()), "rated": rated,
            "cold": int(len(catalogue) - catalogue["title_id"].astype(str).isin(
                set(ratings["title_id"].astype(str))).sum()),
            "first": int(stamps.min().year) if len(stamps) else 0, "last": int(stamps.max().year) if len(stamps) else 0}


def page_data(ratings: pd.DataFrame, titles: pd.DataFrame) -> dict:
    """Everything the pickers need: ``users``, ``default_user``, ``titles`` (picker rows of the content
    catalogue), ``default_title`` (the most-rated), ``genres`` (sorted) and the ``summary`` counts."""
    catalogue = content_catalogue(ratings, titles)
    users, options = user_table(ratings, titles), title_options(catalogue, ratings)
    genres = sorted({g for gs in options["genres"] for g in gs.split(", ") if g})
    return {"users": users, "default_user": default_user(users), "titles": options,
            "default_title": options["title_id"].iloc[0] if len(options) else "", "genres": genres,
            "summary": data_summary(ratings, catalogue)}


def models_summary(fits: dict) -> str:
    """One line on when and how fast each model was trained (``part -> {seconds, trained_at}``)."""
    parts = ", ".join(f"{part} {fit['seconds']:.1f} s" for part, fit in fits.items())
    stamps = sorted({fit["trained_at"] for fit in fits.values()})
    return f"Models ready: trained in {parts} ({', '.join(stamps)}); later runs load them from the disk cache."
