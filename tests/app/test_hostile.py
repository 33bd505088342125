"""Hostile links, a damaged TMDB store and a read-only cache dir, as a user would meet them on every page."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.fake_tmdb import FakeTmdb

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]
LONG = "x" * 10_000
LINKS = {"a": "![x](http://evil.example/a.png)", "b": "[c](http://evil.example/phish)", "user": LONG,
         "title": "[t](http://evil.example/t)", "cu_tab": LONG, "fc_tab": "[f](http://evil.example)"}
FILTERS = {"genres": f"Drama,{LONG}", "min_votes": "99999999", "years": "1-99999",
           "media": "![m](http://evil.example/m.png)", "source": "tmdb"}


def _shown(at: AppTest) -> list[str]:
    """Every text the page rendered as Markdown (markdown, captions, notes, metric labels, headers)."""
    elements = [*at.markdown, *at.caption, *at.info, *at.warning, *at.error, *at.success, *at.subheader,
                *at.header, *at.title]
    return [e.value for e in elements] + [m.label for m in at.metric]


def _open(path: Path, params: dict) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    if path.name != "app.py":
        at.switch_page(str(path.relative_to(ROOT))).run()
    return at


def _assert_inert(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    for text in _shown(at):
        assert "evil.example" not in text and "<script" not in text and LONG[:100] not in text, text[:200]


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_hostile_link_values_are_never_rendered_or_echoed(path):
    at = _open(path, {**LINKS, "h2h_mode": "title" if "Head" in path.name else "genre"})
    _assert_inert(at)


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_hostile_filter_values_are_dropped_or_clamped(path):
    at = _open(path, FILTERS)
    _assert_inert(at)
    if at.sidebar.number_input:
        assert at.sidebar.number_input(key="w_flt_min_votes").value == 1_000_000  # clamped like the others
        assert at.sidebar.multiselect(key="w_flt_genres").value == ["Drama"]  # unknown genres dropped


@pytest.fixture()
def damaged_store(tmp_path, monkeypatch):
    """A synced TMDB store whose file was then cut short, in a cache dir of its own."""
    from core.data import cache
    from core.tmdb import service as datasync

    key = "0123456789abcdef0123456789abcdef"
    with FakeTmdb(api_key=key, titles_per_list=100) as server:
        monkeypatch.setenv("MARQUEE_CACHE_DIR", str(tmp_path))
        path = tmp_path / "tmdb.duckdb"
        assert datasync.run_sync(datasync.parse_secret(key)[0], path, 60, base_url=server.base_url, rps=500).ok
    with open(path, "r+b") as fh:
        fh.truncate(path.stat().st_size // 3)
    for fn in (cache.tmdb_status, cache.tmdb_problem, cache.tmdb_titles):
        fn.clear()
    yield path
    for fn in (cache.tmdb_status, cache.tmdb_problem, cache.tmdb_titles):
        fn.clear()


def test_the_data_page_says_the_store_is_damaged_and_moves_it_aside(damaged_store):
    at = AppTest.from_file(str(ROOT / "pages" / "10_Data.py"), default_timeout=120).run()
    assert not at.exception
    assert any("damaged" in e.value for e in at.error)
    assert not any("No TMDB titles are cached yet" in m.value for m in at.markdown)
    at.button(key="dt_move_damaged").click().run()
    assert not at.exception and not damaged_store.exists()
    assert list(damaged_store.parent.glob("tmdb.duckdb.damaged-*"))  # kept for inspection
    assert any("Moved the damaged TMDB cache" in s.value for s in at.success)
    assert not any("damaged" in e.value for e in at.error)


@pytest.fixture(scope="module")
def read_only_full_cache(tmp_path_factory):
    """A copy of a full, valid cache dir (every page visited once), mounted read-only."""
    from core import config
    from tests.readonly import copy_tree, read_only

    for path in PAGES:  # fill the real cache the way a first visit does
        assert not _open(path, {}).exception
    copy = copy_tree(config.cache_dir(), tmp_path_factory.mktemp("ro") / "cache")
    with read_only(copy):
        yield copy


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_every_page_renders_from_a_read_only_cache(path, read_only_full_cache, monkeypatch):
    import streamlit as st

    monkeypatch.setenv("MARQUEE_CACHE_DIR", str(read_only_full_cache))
    st.cache_data.clear()
    st.cache_resource.clear()
    at = _open(path, {})
    assert not at.exception, [e.value for e in at.exception]
    if path.name == "10_Data.py":
        assert any("cannot be written" in w.value for w in at.warning)
    st.cache_data.clear()
    st.cache_resource.clear()


def test_churn_renders_with_an_empty_read_only_cache(tmp_path, monkeypatch):
    import streamlit as st

    from tests.readonly import read_only

    monkeypatch.setenv("MARQUEE_CACHE_DIR", str(tmp_path))
    st.cache_data.clear()
    st.cache_resource.clear()
    with read_only(tmp_path):
        at = _open(ROOT / "pages" / "07_Churn.py", {})
        assert not at.exception, [e.value for e in at.exception]
        assert at.metric and not os.listdir(tmp_path)
    st.cache_data.clear()
    st.cache_resource.clear()
