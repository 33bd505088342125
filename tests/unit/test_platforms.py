"""Platform sources: discovery under the cache folder, versions, and titles aggregated from events and ratings."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from core.data import features, platforms, queries, schema
from tests.unit.test_queries import write_platform


@pytest.fixture()
def platform(tmp_path, monkeypatch):
    monkeypatch.setenv("MARQUEE_CACHE_DIR", str(tmp_path))
    folder = tmp_path / "platforms" / "demo"
    folder.mkdir(parents=True)
    frames = write_platform(folder)
    (folder / "manifest.json").write_text(json.dumps({"synthetic": True, "preset": "tiny", "seed": 7}))
    return "syn:demo", folder, frames


def test_platforms_are_found_by_manifest_and_titles(platform, tmp_path):
    source, _, _ = platform
    (tmp_path / "platforms" / "no_manifest").mkdir()
    (tmp_path / "platforms" / "Bad Name").mkdir()
    assert platforms.platform_sources() == [source]


def test_a_name_that_is_not_a_folder_name_is_refused():
    with pytest.raises(ValueError):
        platforms.platform_dir("syn:../../etc")


def test_stamp_changes_when_a_file_is_rewritten(platform):
    source, folder, frames = platform
    before = platforms.platform_stamp(source)
    assert before == platforms.platform_stamp(source)
    frames["ratings"].head(10).to_parquet(folder / "ratings.parquet")
    assert platforms.platform_stamp(source) != before


def test_row_counts_come_from_the_files(platform):
    source, _, frames = platform
    assert platforms.row_counts(source) == {name: len(frame) for name, frame in frames.items()}


def test_synthetic_platforms_say_so(platform):
    source, folder, _ = platform
    note = platforms.describe(source)
    assert note.startswith("Synthetic data") and "seed 7" in note
    (folder / "manifest.json").write_text(json.dumps({"synthetic": False}))
    assert "your own" in platforms.describe(source)


def test_titles_carry_votes_rating_and_reach_from_the_events(platform):
    source, folder, frames = platform
    titles = platforms.titles_frame(folder).set_index("title_id")
    assert list(titles.reset_index().columns[:len(schema.TITLE_COLUMNS)]) == list(schema.TITLE_COLUMNS)
    ratings = frames["ratings"].groupby("title_id")["rating"]
    assert (titles["vote_count"].dropna() == ratings.size().reindex(titles["vote_count"].dropna().index)).all()
    assert np.allclose(titles["vote_average"].dropna(), (ratings.mean() * 2).reindex(
        titles["vote_average"].dropna().index))
    ev = frames["watch_events"]
    recent = ev[ev["started_at"] >= ev["started_at"].max() - pd.Timedelta(days=queries.RECENT_DAYS)]
    want = recent.groupby("title_id").size().reindex(titles.index, fill_value=0)
    assert (titles["popularity"].astype(int) == want).all()
    assert titles.loc["t2", "primary_genre"] == schema.NO_GENRE and titles.loc["t3", "genres"] == ["Comedy", "Drama"]
    assert set(titles["source"]) == {"synthetic"}


def test_platform_titles_go_through_the_feature_pipeline(platform):
    _, folder, _ = platform
    view = features.engineer(features.apply_filters(platforms.titles_frame(folder), features.Filters(
        "syn:demo", years=(1900, 2100), min_votes=0)))
    assert len(view) and view["engagement_score"].notna().all() and set(view["tier"]) <= set(features.TIERS)


def test_audience_tables_resolve_to_the_embedded_ones_when_a_source_has_none(platform):
    from core.data import audience

    source, _, _ = platform
    assert audience.resolve(source, "ratings") == source
    assert audience.resolve(source, "subscribers") == "embedded"  # this platform has no subscribers file
    assert audience.resolve("tmdb", "ratings") == "embedded"
    assert "no subscribers table" in audience.note(source, "embedded", "subscribers")
    assert audience.note(source, source, "ratings") == ""


def test_platform_ratings_keep_whole_raters_when_sampled(platform):
    from core.data import audience

    source, _, frames = platform
    full = audience.platform_ratings(source)
    assert not full.sampled and len(full.ratings) == len(frames["ratings"])
    assert full.ratings["user_id"].dtype == "int64"
    assert set(full.user_labels) == set(frames["ratings"]["user_id"])
    sample = audience.platform_ratings(source, limit=len(frames["ratings"]) // 3)
    assert sample.sampled and sample.total_ratings == len(frames["ratings"])
    assert 0 < len(sample.ratings) < len(frames["ratings"])
    per_user = frames["ratings"].groupby("user_id").size()
    kept = sample.ratings.assign(user=sample.user_labels.to_numpy()[sample.ratings["user_id"]])
    assert (kept.groupby("user").size() == per_user.loc[kept["user"].unique()].sort_index()).all()


def test_sample_share():
    from core.data import audience

    assert audience.sample_share(1000, 5000) == 1 and audience.sample_share(10_001, 5000) == 3


def test_platform_ratings_cap_the_raters_too(platform):
    from core.data import audience

    source, _, frames = platform
    capped = audience.platform_ratings(source, max_raters=10)
    assert capped.sampled and capped.total_raters == frames["ratings"]["user_id"].nunique()
    assert capped.ratings["user_id"].nunique() < capped.total_raters
