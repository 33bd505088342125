"""Every page in headless Chromium on the live-TMDB source: titles synced from a fake TMDB on 127.0.0.1.

The fake server's titles are synthetic test fixtures (tests/fake_tmdb.py); what is checked is that each page
renders on TMDB-shaped data (movies and TV, full release dates, TMDB popularity, no IMDb vote shares) with no
exception and no console error, that every page with the title filters really shows the Live TMDB source with
TMDB's attribution, and that the Data page lists the synced titles.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from core import config
from core.data import embedded
from core.tmdb import service as datasync
from core.tmdb.store import TmdbStore
from tests.e2e import harness
from tests.fake_tmdb import FakeTmdb

KEY = "0123456789abcdef0123456789abcdef"
ATTRIBUTION = "This product uses the TMDB API but is not endorsed or certified by TMDB."
#: Pages drawn without the title filters (``page_setup(..., filters=False)``): they have no source to pick.
NO_TITLE_FILTERS = {"pages/10_Data.py", "pages/11_Usage.py"}
#: Audience pages draw the source picker alone; TMDB has no audience tables, so they say they use embedded ones.
SOURCE_ONLY = {"pages/07_Churn.py": "no subscribers table", "pages/08_Recommender.py": "no ratings table"}


@pytest.fixture(scope="module")
def tmdb_app(tmp_path_factory):
    """The app on a cache dir that shares the built embedded tables and models but has its own TMDB store;
    yields (url, number of TMDB titles synced)."""
    cache = tmp_path_factory.mktemp("tmdb-cache")
    embedded.load()  # make sure the shared cache exists
    for entry in config.cache_dir().iterdir():
        if entry.name != "tmdb.duckdb":
            os.symlink(entry, cache / entry.name)
    with FakeTmdb(api_key=KEY, titles_per_list=600) as server:
        outcome = datasync.run_sync(datasync.parse_secret(KEY)[0], cache / "tmdb.duckdb", 1_500, details=True,
                                    base_url=server.base_url, rps=1_000)
        assert outcome.ok, outcome.message
        with TmdbStore(cache / "tmdb.duckdb") as store:
            synced = store.count()
        assert synced > 0
        with harness.running_app({"MARQUEE_CACHE_DIR": str(cache), "TMDB_BASE_URL": server.base_url}) as (url, _):
            yield url, synced


@pytest.mark.timeout(600)
@pytest.mark.parametrize("page_file", harness.PAGES)
def test_page_renders_on_the_tmdb_source(tmdb_app, browser, page_file):
    url, synced = tmdb_app
    with harness.new_page(browser) as page:
        path = harness.page_path(page_file)
        page.goto(f"{url}{path}?source=tmdb&media=movie,tv&min_votes=0")
        harness.wait_rendered(page, path, timeout=300)
        harness.full_screenshot(page, Path(__file__).resolve().parent / "screenshots" /
                                f"tmdb_{Path(page_file).stem}.png")
        assert page.locator('[data-testid="stException"]').count() == 0
        assert harness.console_errors(page.console_log) == []
        main = page.locator('[data-testid="stMain"]').inner_text()
        source = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(has_text="Source")
        if page_file in NO_TITLE_FILTERS:
            assert source.count() == 0  # the inventory of every source, the app's own use: no source to pick
        elif page_file in SOURCE_ONLY:
            assert source.locator('input[role="combobox"]').input_value() == "Live TMDB"
            assert SOURCE_ONLY[page_file] in main and ATTRIBUTION not in main
        else:  # the link's source is the one in use: picked in the sidebar, with TMDB's notice on the page
            assert source.count() == 1
            assert source.locator('input[role="combobox"]').input_value() == "Live TMDB"  # the shown choice
            assert ATTRIBUTION in main
        if page_file == "app.py":
            assert " titles · Live TMDB · " in main  # the filters summary names the source
        if page_file == "pages/10_Data.py":  # the Data page shows the synced titles with the notice
            assert ATTRIBUTION in main and f"Cached: {synced:,} TMDB titles" in main
