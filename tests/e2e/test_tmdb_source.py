"""Every page in headless Chromium on the live-TMDB source: titles synced from a fake TMDB on 127.0.0.1.

The fake server's titles are synthetic test fixtures (tests/fake_tmdb.py); what is checked is that each page
renders on TMDB-shaped data (movies and TV, full release dates, TMDB popularity, no IMDb vote shares) with no
exception and no console error, and shows TMDB's attribution.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from core import config
from core.tmdb import service as datasync
from core.data import embedded
from tests.e2e import harness
from tests.fake_tmdb import FakeTmdb

KEY = "0123456789abcdef0123456789abcdef"
PAGES = ["app.py", *sorted(p.relative_to(harness.ROOT).as_posix() for p in (harness.ROOT / "pages").glob("*.py"))]


@pytest.fixture(scope="module")
def tmdb_app(tmp_path_factory):
    """The app on a cache dir that shares the built embedded tables and models but has its own TMDB store."""
    cache = tmp_path_factory.mktemp("tmdb-cache")
    embedded.load()  # make sure the shared cache exists
    for entry in config.cache_dir().iterdir():
        if entry.name != "tmdb.duckdb":
            os.symlink(entry, cache / entry.name)
    with FakeTmdb(api_key=KEY, titles_per_list=600) as server:
        outcome = datasync.run_sync(datasync.parse_secret(KEY)[0], cache / "tmdb.duckdb", 1_500, details=True,
                                    base_url=server.base_url, rps=1_000)
        assert outcome.ok, outcome.message
        with harness.running_app({"MARQUEE_CACHE_DIR": str(cache), "TMDB_BASE_URL": server.base_url}) as (url, _):
            yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=harness.chromium_path(), args=harness.CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.mark.timeout(600)
@pytest.mark.parametrize("page_file", PAGES)
def test_page_renders_on_the_tmdb_source(tmdb_app, browser, page_file):
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(harness.console_text(m)) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    path = harness.page_path(page_file)
    page.goto(f"{tmdb_app}{path}?source=tmdb&media=movie,tv&min_votes=0")
    harness.wait_rendered(page, path, timeout=300)
    harness.full_screenshot(page, Path(__file__).resolve().parent / "screenshots" / f"tmdb_{Path(page_file).stem}.png")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert harness.console_errors(errors) == []
    sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
    if "Live TMDB" in sidebar:  # pages with the title filters: the source is TMDB and the notice is shown
        assert "not endorsed or certified by TMDB" in page.locator('[data-testid="stMain"]').inner_text()
    ctx.close()
