"""Shared fixtures: real embedded frames (small samples for speed) and a TMDB-shaped frame."""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.data import embedded, features, schema  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def usage_store(tmp_path_factory) -> Path:
    """The usage events the suite's page runs record go to a file of this run (``MARQUEE_USAGE_DB``), not into
    the developer's cache; tests of the store point it elsewhere themselves."""
    path = tmp_path_factory.mktemp("usage") / "usage.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MARQUEE_USAGE_DB", str(path))
        yield path


@pytest.fixture(scope="session")
def embedded_data() -> embedded.EmbeddedData:
    """The real embedded tables (built once into the local cache)."""
    return embedded.load()


@pytest.fixture(scope="session")
def strategy_frame(embedded_data) -> pd.DataFrame:
    """The default strategy view of the real data: films since 1970 with 100+ votes, all features."""
    return features.engineer(features.apply_filters(embedded_data.titles, features.Filters()))


@pytest.fixture()
def small_frame(strategy_frame) -> pd.DataFrame:
    """A 600-title random sample of the real strategy view (re-featured within the sample)."""
    sample = strategy_frame.sample(600, random_state=0)
    return features.engineer(sample[list(schema.TITLE_COLUMNS)])


@pytest.fixture()
def tmdb_like_frame() -> pd.DataFrame:
    """A TMDB-shaped canonical frame (movies and TV, full release dates, no IMDb-only columns), featured."""
    rows = []
    genres = [["Action", "Adventure"], ["Drama"], ["Comedy", "Romance"], ["Animation", "Family"],
              ["Horror", "Thriller"], ["Drama", "Crime"]]
    for i in range(120):
        g = genres[i % len(genres)]
        rows.append({
            "title_id": f"tmdb:{'movie' if i % 3 else 'tv'}:{1000 + i}", "title": f"Title {i}",
            "media_type": "movie" if i % 3 else "tv", "genres": g, "primary_genre": g[0],
            "release_date": pd.Timestamp(2015 + i % 10, 1 + i % 12, 1 + i % 27),
            "year": 2015 + i % 10, "runtime": 80 + (i * 7) % 70,
            "budget": None if i % 4 == 0 else 1e6 * (5 + (i * 13) % 150),
            "revenue": None if i % 5 == 0 else 1e6 * (3 + (i * 17) % 400),
            "vote_average": 4 + (i * 37 % 60) / 10, "vote_count": 50 + (i * 97) % 20000,
            "popularity": 5 + (i * 53) % 300, "language": "en", "overview": f"Overview of title {i}.",
            "poster_url": None, "source": "tmdb",
        })
    frame = schema.conform(pd.DataFrame(rows), schema.TITLE_COLUMNS)
    return features.engineer(frame)


@pytest.fixture(scope="session")
def spark():
    """One local Spark session (``local[2]``) for the whole run; it takes about 10-20 s to start. Java 17 comes
    from Debian's openjdk-17-jre-headless, installed by scripts/test.sh: without it this fails, not skips."""
    from core.data import engine

    session = engine.spark_session("local[2]")
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def platform_home(tmp_path_factory) -> Path:
    """A cache folder holding the embedded build (copied, not rebuilt) and a generated synthetic platform,
    ``syn:demo`` (3,000 subscribers, 1,500 titles, 200,000 events: a few seconds). Point ``MARQUEE_CACHE_DIR``
    at it."""
    import shutil

    from core import config
    from core.synth import generate, params

    embedded.load()  # make sure the build exists to copy
    home = tmp_path_factory.mktemp("platform_home")
    for built in config.cache_dir().glob(f"embedded-v{embedded.BUILD_VERSION}"):
        shutil.copytree(built, home / built.name)
    generate.generate(home / "platforms" / "demo", seed=0,
                      sizes=params.Sizes(subscribers=3000, titles=1500, events=200_000))
    return home
