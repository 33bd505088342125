"""Persisted artefacts: round trip in both formats, damaged files rebuilt, keys that follow data and code,
size-capped pruning of the least recently used."""
from __future__ import annotations

import os
import time

import pandas as pd
import pytest

from core import config, diskcache
from core.data import features, schema


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("MARQUEE_CACHE_DIR", str(tmp_path))
    assert config.cache_dir() == tmp_path
    return tmp_path


@pytest.mark.parametrize("fmt", diskcache.FORMATS)
def test_load_or_build_builds_once_per_key_then_reads(fmt):
    calls = []

    def build():
        calls.append(1)
        return {"titles": 3, "genres": ["Drama", "Comedy"]}

    assert diskcache.load_or_build("t", "k1", build, fmt) == {"titles": 3, "genres": ["Drama", "Comedy"]}
    assert diskcache.load_or_build("t", "k1", build, fmt) == {"titles": 3, "genres": ["Drama", "Comedy"]}
    assert len(calls) == 1
    diskcache.load_or_build("t", "k2", build, fmt)  # another key: built again
    assert len(calls) == 2


@pytest.mark.parametrize("fmt", diskcache.FORMATS)
def test_a_damaged_file_is_rebuilt(cache_dir, fmt):
    diskcache.save("t", "k", [1, 2], fmt)
    (path,) = cache_dir.rglob(f"t-k.{fmt}")
    path.write_bytes(b"{not a pickle nor json")
    assert diskcache.load("t", "k", fmt) is None
    assert diskcache.load_or_build("t", "k", lambda: [3], fmt) == [3]
    assert diskcache.load("t", "k", fmt) == [3]


def test_fingerprint_follows_frame_content_and_parameters():
    a = pd.DataFrame({"x": [1, 2], "g": [["a"], ["b"]]})
    assert diskcache.fingerprint(a, 1) == diskcache.fingerprint(a.copy(), 1)
    assert diskcache.fingerprint(a, 1) != diskcache.fingerprint(a, 2)
    assert diskcache.fingerprint(a, 1) != diskcache.fingerprint(a.assign(x=[1, 3]), 1)


def test_fingerprint_of_a_module_follows_its_source(tmp_path, monkeypatch):
    assert diskcache.fingerprint(features) == diskcache.fingerprint(features)
    assert diskcache.fingerprint(features) != diskcache.fingerprint(schema)
    edited = tmp_path / "features_edited.py"
    edited.write_text(open(features.__file__).read() + "\n# an edit\n")
    monkeypatch.setattr(features, "__file__", str(edited))
    assert diskcache.fingerprint(features) != diskcache.fingerprint(schema)
    before = diskcache.fingerprint(features)
    edited.write_text(edited.read_text() + "# another edit\n")
    assert diskcache.fingerprint(features) != before


def test_prune_removes_least_recently_used_first_across_formats(cache_dir):
    for i in range(3):
        diskcache.save("blob", str(i), "0" * 10_000, "joblib" if i != 1 else "json")
    for i, path in enumerate(sorted(cache_dir.rglob("blob-*"), key=lambda p: p.stem)):
        os.utime(path, (time.time() - 100 + i, time.time() - 100 + i))
    diskcache.load("blob", "0")  # now the most recently used
    removed = diskcache.prune(limit=25_000)
    assert removed == ["blob-1.json"]
    assert diskcache.load("blob", "0") is not None and diskcache.load("blob", "2") is not None


def test_an_unwritable_cache_dir_costs_speed_not_the_result(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("MARQUEE_CACHE_DIR", str(blocker))
    assert diskcache.load_or_build("t", "k", lambda: {"a": 1}, "json") == {"a": 1}
    assert diskcache.load("t", "k", "json") is None


def test_code_version_follows_module_source_without_importing(tmp_path, monkeypatch):
    import sys

    (tmp_path / "probe_mod.py").write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    before = diskcache.code_version("probe_mod")
    assert "probe_mod" not in sys.modules
    (tmp_path / "probe_mod.py").write_text("X = 2\n")
    assert diskcache.code_version("probe_mod") != before
    with pytest.raises(ModuleNotFoundError):
        diskcache.code_version("no_such_module_here")


def test_bytes_changed_inside_a_stored_model_fail_the_checksum_and_it_is_rebuilt(cache_dir):
    """The issue's case: bytes overwritten inside a saved array still unpickle, to different numbers."""
    import numpy as np

    weights = np.arange(20_000, dtype="float64")
    diskcache.save("model", "k", {"weights": weights})
    (path,) = cache_dir.rglob("model-k.joblib")
    raw = bytearray(path.read_bytes())
    middle = len(raw) // 2
    raw[middle:middle + 2000] = np.random.default_rng(0).bytes(2000)
    path.write_bytes(bytes(raw))
    assert diskcache.load("model", "k") is None
    rebuilt = diskcache.load_or_build("model", "k", lambda: {"weights": weights})
    assert np.array_equal(rebuilt["weights"], weights)


def test_a_valid_json_snapshot_with_a_wrong_checksum_is_rebuilt(cache_dir):
    import json

    diskcache.save("home", "k", {"titles": 3}, "json")
    (path,) = cache_dir.rglob("home-k.json")
    doc = json.loads(path.read_text())
    doc["value"]["titles"] = 4_000_000  # still valid JSON, no longer what was stored
    path.write_text(json.dumps(doc))
    assert diskcache.load("home", "k", "json") is None


def test_a_file_stored_under_another_key_is_not_served(cache_dir):
    diskcache.save("t", "a", [1], "json")
    (cache_dir / "snapshot" / "t-a.json").rename(cache_dir / "snapshot" / "t-b.json")
    assert diskcache.load("t", "b", "json") is None


def test_a_read_only_cache_dir_serves_what_is_stored_and_computes_the_rest(cache_dir):
    from tests.readonly import read_only

    diskcache.save("kept", "k", {"a": 1})
    with read_only(cache_dir):
        assert diskcache.writable()[0] is False and diskcache.writable()[1]
        assert diskcache.load_or_build("kept", "k", lambda: {"a": "rebuilt"}) == {"a": 1}  # served, not rebuilt
        assert diskcache.load_or_build("new", "k", lambda: {"b": 2}) == {"b": 2}  # computed in memory
        assert diskcache.save("new", "k", {"b": 2}) is False
    assert diskcache.writable() == (True, "")


def test_a_frame_round_trips_through_parquet_with_its_dtypes_and_list_columns(cache_dir):
    frame = schema.conform(pd.DataFrame({"title_id": ["a", "b"], "title": ["A", "B"], "genres": [["Drama"], []],
                                         "vote_count": [3.0, None]}), schema.TITLE_COLUMNS)
    diskcache.save("frame", "k", frame, "parquet")
    back = diskcache.load("frame", "k", "parquet")
    pd.testing.assert_frame_equal(back[["title_id", "vote_count"]], frame[["title_id", "vote_count"]])
    assert back["genres"].tolist() == [["Drama"], []]
    (path,) = cache_dir.rglob("frame-k.parquet")
    raw = bytearray(path.read_bytes())
    raw[-20] ^= 0xFF  # a flipped byte in the payload fails the checksum
    path.write_bytes(bytes(raw))
    assert diskcache.load("frame", "k", "parquet") is None


_BUILDER = """
import sys, time
from pathlib import Path
from core import diskcache

def build():
    with open(sys.argv[1], "a") as fh:
        fh.write("built\\n")
    time.sleep(0.5)
    return {"model": 42}

print(diskcache.load_or_build("shared_model", "k", build)["model"])
"""


def test_processes_sharing_a_cache_dir_build_an_entry_once(tmp_path):
    """Replicas that need the same model together: one trains it, the others wait and read it."""
    import subprocess
    import sys

    log = tmp_path / "builds.log"
    procs = [subprocess.Popen([sys.executable, "-c", _BUILDER, str(log)], cwd=config.ROOT, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(3)]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outputs
    assert [out.strip() for out, _ in outputs] == ["42", "42", "42"]
    assert log.read_text().count("built") == 1


def test_threads_wait_for_the_builder_of_the_same_entry():
    from concurrent.futures import ThreadPoolExecutor

    calls = []

    def build():
        calls.append(1)
        time.sleep(0.3)
        return [1, 2, 3]

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: diskcache.load_or_build("t", "shared", build), range(4)))
    assert results == [[1, 2, 3]] * 4
    assert len(calls) == 1


def test_prune_survives_files_removed_by_another_process(monkeypatch):
    for i in range(3):
        diskcache.save("t", f"k{i}", list(range(500)))
    real_stat = type(config.cache_dir()).stat
    victim = diskcache._path("t", "k1", "joblib")

    def flaky_stat(self, *args, **kwargs):
        if self == victim:
            raise FileNotFoundError(self)
        return real_stat(self, *args, **kwargs)

    monkeypatch.setattr(type(victim), "stat", flaky_stat)
    removed = diskcache.prune(limit=0)
    assert "t-k0.joblib" in removed and "t-k2.joblib" in removed


def test_a_file_written_by_an_older_marquee_is_rebuilt_not_served(cache_dir, monkeypatch):
    """An older file scheme (MAGIC) reads as missing: the entry is rebuilt and stored in today's scheme."""
    monkeypatch.setattr(diskcache, "MAGIC", diskcache.MAGIC - 1)
    diskcache.save("model", "k", {"from": "old"})
    monkeypatch.undo()
    monkeypatch.setenv("MARQUEE_CACHE_DIR", str(cache_dir))
    assert diskcache.load("model", "k") is None
    assert diskcache.load_or_build("model", "k", lambda: {"from": "new"}) == {"from": "new"}
    assert diskcache.load("model", "k") == {"from": "new"}


def test_a_full_disk_costs_speed_not_the_result(monkeypatch):
    import errno

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(diskcache.tempfile, "mkstemp", full)
    assert diskcache.load_or_build("model", "full", lambda: [1, 2]) == [1, 2]
    assert not diskcache.save("model", "full", [1, 2])
    assert not list(config.cache_dir().rglob("*.tmp"))


def test_a_truncated_embedded_cache_is_rebuilt(cache_dir):
    from core.data import embedded

    first = embedded.load()
    table = embedded._cache_path() / "titles.parquet"
    table.write_bytes(table.read_bytes()[:1000])  # cut short (a crash mid-write, a full disk)
    again = embedded.load()
    assert len(again.titles) == len(first.titles) == 62_801
    assert embedded.read(embedded._cache_path()).titles.shape == first.titles.shape
