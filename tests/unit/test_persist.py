"""Persisted results: round trip, atomic rebuild of damaged files, size-capped pruning of least recently used."""
from __future__ import annotations

import os
import time

import pandas as pd
import pytest

from core import persist


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("MARQUEE_CACHE_DIR", str(tmp_path))
    return tmp_path


def test_load_or_build_builds_once_then_reads():
    calls = []
    build = lambda: calls.append(1) or {"x": 1}  # noqa: E731
    assert persist.load_or_build("t", "k", build) == {"x": 1}
    assert persist.load_or_build("t", "k", build) == {"x": 1}
    assert len(calls) == 1


def test_a_damaged_file_is_rebuilt(cache_dir):
    persist.save("t", "k", [1, 2])
    (cache_dir / "persist" / "t-k.joblib").write_bytes(b"not a pickle")
    assert persist.load("t", "k") is None
    assert persist.load_or_build("t", "k", lambda: [3]) == [3]


def test_fingerprint_changes_with_content_and_parameters():
    a = pd.DataFrame({"x": [1, 2], "g": [["a"], ["b"]]})
    assert persist.fingerprint(a, 1) == persist.fingerprint(a.copy(), 1)
    assert persist.fingerprint(a, 1) != persist.fingerprint(a, 2)
    assert persist.fingerprint(a, 1) != persist.fingerprint(a.assign(x=[1, 3]), 1)


def test_prune_removes_least_recently_used_first(cache_dir):
    for i in range(3):
        persist.save("blob", str(i), b"0" * 10_000)
        os.utime(cache_dir / "persist" / f"blob-{i}.joblib", (time.time() - 100 + i, time.time() - 100 + i))
    persist.load("blob", "0")  # now the most recently used
    removed = persist.prune(limit=25_000)
    assert removed == ["blob-1.joblib"]
    assert persist.load("blob", "0") is not None and persist.load("blob", "2") is not None
