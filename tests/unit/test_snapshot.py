"""JSON snapshots: what a restarted app reads instead of recomputing home figures from the embedded tables."""
from __future__ import annotations

import pytest

from core import config, snapshot


@pytest.fixture()
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("MARQUEE_CACHE_DIR", str(tmp_path))
    assert config.cache_dir() == tmp_path
    return tmp_path


def test_load_or_build_builds_once_then_reads_the_stored_value(cache_dir):
    calls = []

    def build():
        calls.append(1)
        return {"titles": 3, "genres": ["Drama", "Comedy"]}

    assert snapshot.load_or_build("home", "k1", build) == {"titles": 3, "genres": ["Drama", "Comedy"]}
    assert snapshot.load_or_build("home", "k1", build) == {"titles": 3, "genres": ["Drama", "Comedy"]}
    assert len(calls) == 1
    snapshot.load_or_build("home", "k2", build)  # another key: built again
    assert len(calls) == 2


def test_an_unreadable_snapshot_is_rebuilt(cache_dir):
    snapshot.save("home", "k", {"a": 1})
    (cache_dir / "snapshot" / "home-k.json").write_text("{not json")
    assert snapshot.load("home", "k") is None
    assert snapshot.load_or_build("home", "k", lambda: {"a": 2}) == {"a": 2}


def test_code_key_changes_with_the_extra_value_and_the_source():
    a = snapshot.code_key("core/overview.py", extra=("v4|2026-01-01", ("movie",)))
    assert a == snapshot.code_key("core/overview.py", extra=("v4|2026-01-01", ("movie",)))
    assert a != snapshot.code_key("core/overview.py", extra=("v4|2026-01-02", ("movie",)))
    assert a != snapshot.code_key("core/overview.py", "core/features.py", extra=("v4|2026-01-01", ("movie",)))
