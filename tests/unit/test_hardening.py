"""Hostile input and damaged storage: Markdown from data made inert, a damaged TMDB store said and set aside,
a wrong key leaves no store, a read-only cache dir still serves the embedded data."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from core.data import features
from core.tmdb import service as datasync
from core.tmdb import store as tmdb_store
from core.ui import widgets
from tests.fake_tmdb import FakeTmdb

ROOT = Path(__file__).resolve().parents[2]
KEY = "0123456789abcdef0123456789abcdef"
HOSTILE = ["![x](http://evil.example/a.png)", "[c](http://evil.example/phish)", "<img src=x onerror=alert(1)>",
           "see www.evil.example now", ":material/warning: pay here", "$x^2$"]


# ------------------------------------------------------------------ text from data, links, uploads
@pytest.mark.parametrize("value", HOSTILE)
def test_escape_leaves_no_markdown_link_image_or_html(value):
    out = widgets.escape(value)
    assert re.search(r"(?<!\\)[\[\]()<>!$]", out) is None  # every link, image, HTML or math character escaped
    for active in ("://", "www.", ":material"):  # auto-links and icon shortcodes broken up
        assert active not in out
    assert out.replace("\\", "").replace("\u200b", "") == value  # the same characters, shown as text


def test_escape_cuts_long_values_short():
    assert len(widgets.escape("x" * 10_000, limit=200)) == 200


@pytest.mark.parametrize("value", HOSTILE[:4])
def test_inert_keeps_our_emphasis_but_no_link(value):
    out = widgets.inert(f"**{value}** leads the view")
    assert out.startswith("**") and out.endswith("** leads the view")
    assert re.search(r"(?<!\\)[\[\]<>]", out) is None and "www.evil" not in out
    assert "://" not in out


def test_url_filters_are_clamped_to_the_widgets_range():
    from core.ui.filters import MAX_MIN_VOTES, from_url

    assert from_url({"min_votes": "99999999"})["min_votes"] == MAX_MIN_VOTES
    assert from_url({"min_votes": "-5"})["min_votes"] == 0
    assert from_url({"years": "2010-1990"})["years"] == (1990, 2010)
    assert from_url({"media": "movie,<b>,tv", "source": "evil"}) == {"media": ["movie", "tv"]}


# ------------------------------------------------------------------ a damaged TMDB store
@pytest.fixture()
def fake(tmp_path, monkeypatch):
    with FakeTmdb(api_key=KEY, titles_per_list=100) as server:
        monkeypatch.setenv("TMDB_BASE_URL", server.base_url)
        monkeypatch.setenv("MARQUEE_CACHE_DIR", str(tmp_path))
        yield server


def _synced_store(server, folder: Path) -> Path:
    path = folder / "tmdb.duckdb"
    outcome = datasync.run_sync(datasync.parse_secret(KEY)[0], path, 60, base_url=server.base_url, rps=500)
    assert outcome.ok, outcome.message
    return path


def _overwrite_start(path: Path) -> None:
    with open(path, "r+b") as fh:
        fh.write(os.urandom(8192))


def _cut_short(path: Path) -> None:
    with open(path, "r+b") as fh:
        fh.truncate(path.stat().st_size // 3)


@pytest.mark.parametrize("damage", [_overwrite_start, _cut_short])
def test_a_damaged_store_is_reported_as_damaged_not_busy(fake, tmp_path, damage):
    path = _synced_store(fake, tmp_path)
    assert tmdb_store.problem(path) == ""
    damage(path)
    assert "damaged" in tmdb_store.problem(path)
    outcome = datasync.run_sync(datasync.parse_secret(KEY)[0], path, 60, base_url=fake.base_url, rps=500)
    assert outcome.level == "error" and outcome.store_damaged and "damaged" in outcome.message
    assert "another process" not in outcome.message


def test_moving_a_damaged_store_aside_keeps_it_and_the_next_sync_starts_afresh(fake, tmp_path):
    path = _synced_store(fake, tmp_path)
    _cut_short(path)
    damaged_bytes = path.read_bytes()
    outcome = datasync.move_damaged(path)
    assert outcome.ok and not path.exists()
    (kept,) = tmp_path.glob("tmdb.duckdb.damaged-*")
    assert kept.read_bytes() == damaged_bytes  # kept for inspection, byte for byte
    assert _synced_store(fake, tmp_path).exists() and tmdb_store.problem(path) == ""


def _cli(args: list[str], server, folder: Path, key: str = KEY) -> subprocess.CompletedProcess:
    env = {**os.environ, "TMDB_API_KEY": key, "TMDB_BEARER_TOKEN": "", "TMDB_BASE_URL": server.base_url}
    return subprocess.run([sys.executable, "-m", "core", *args, "--cache-dir", str(folder), "--rps", "500",
                           "--target", "40"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.timeout(120)
def test_the_cli_says_the_store_is_damaged_in_one_sentence_and_can_move_it(fake, tmp_path):
    path = _synced_store(fake, tmp_path)
    _cut_short(path)
    done = _cli(["sync"], fake, tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr + done.stdout
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["error_type"] == "TmdbStoreDamaged" and "--move-damaged" in report["error"]
    again = _cli(["sync", "--move-damaged"], fake, tmp_path)
    assert again.returncode == 0, again.stderr
    assert list(tmp_path.glob("tmdb.duckdb.damaged-*")) and tmdb_store.problem(path) == ""


@pytest.mark.timeout(120)
def test_a_wrong_key_on_a_first_run_leaves_no_store(fake, tmp_path):
    done = _cli(["sync"], fake, tmp_path, key="f" * 32)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1])["error_type"] == "TmdbAuthError"
    assert not (tmp_path / "tmdb.duckdb").exists()
    outcome = datasync.run_sync(datasync.parse_secret("f" * 32)[0], tmp_path / "tmdb.duckdb", 40,
                                base_url=fake.base_url, rps=500)
    assert outcome.key_rejected and not (tmp_path / "tmdb.duckdb").exists()


# ------------------------------------------------------------------ a read-only cache dir
@pytest.mark.timeout(300)
def test_an_empty_read_only_cache_dir_still_serves_the_embedded_data(tmp_path, monkeypatch):
    from core.data import embedded
    from tests.readonly import read_only

    monkeypatch.setenv("MARQUEE_CACHE_DIR", str(tmp_path))
    with read_only(tmp_path):
        data = embedded.load()
        assert embedded.cache_stamp() == ""  # nothing could be kept
        view = features.apply_filters(data.titles, features.Filters())
        assert len(data.titles) > len(view) > 0 and not any(tmp_path.iterdir())


def test_one_bad_url_filter_does_not_drop_the_good_ones():
    from core.ui.filters import from_url

    assert from_url({"years": "soon-ish", "min_votes": "500", "genres": "Drama"}) == {"min_votes": 500,
                                                                                        "genres": ["Drama"]}
    assert from_url({"min_votes": "lots", "years": "1990-2000"}) == {"years": (1990, 2000)}
