"""The upload flow in headless Chromium: a messy file through the Data page, the counts per reason, the rejected
rows downloaded as the browser saves them, and the uploaded catalogue as a source whose hostile title is text."""
from __future__ import annotations

import io
import os

import pandas as pd
import pytest

from core import config
from core.data import embedded
from tests.e2e import harness

HOSTILE = "<img src=x onerror=alert(1)>"
MESSY = ("tconst;primaryTitle;titleType;Genres;runtimeMinutes;averageRating;numVotes;startYear\n"
         f"tt1;{HOSTILE};movie;Drama|Comedy;101;7.5;1200;2001\n"
         "tt2;Beta;series;Drama;45;6.1;300;2003\n"        # 'series' is not an allowed kind
         "tt3;Gamma;tv;Crime;-4;8.0;900;2004\n"           # runtime out of range
         "tt1;Again;movie;Drama;90;5.0;150;2002\n"        # duplicate key
         "tt4;Delta;movie;Comedy;120;6.8;4000;2000\n")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """The app on a cache dir that shares the embedded build but has its own uploads."""
    cache = tmp_path_factory.mktemp("upload-cache")
    embedded.load()
    for entry in config.cache_dir().iterdir():
        if entry.name in (f"embedded-v{embedded.BUILD_VERSION}", "persist", "snapshot"):
            os.symlink(entry, cache / entry.name)
    with harness.running_app({"MARQUEE_CACHE_DIR": str(cache)}) as (url, _):
        yield url


def _metric(page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text()


@pytest.mark.timeout(600)
def test_upload_validate_download_and_use_as_a_source(app, browser, tmp_path):
    with harness.new_page(browser) as page:
        page.goto(f"{app}/Data")
        harness.wait_rendered(page, "/Data", timeout=300)
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
            files=[{"name": "titles.csv", "mimeType": "text/csv", "buffer": MESSY.encode("utf-8-sig")}])
        harness.wait_rendered(page, "/Data", timeout=120)
        name = page.get_by_label("Source name")
        name.fill("Browser catalogue")
        name.press("Enter")
        harness.wait_rendered(page, "/Data", timeout=120)
        page.get_by_role("button", name="Validate and load").click()
        harness.wait_rendered(page, "/Data", timeout=120)
        assert (_metric(page, "Rows read"), _metric(page, "Accepted"), _metric(page, "Rejected")) == ("5", "2", "3")
        assert _metric(page, "Stored as") == "browser_catalogue"

        with page.expect_download() as download:
            page.get_by_role("button", name="Download rejected rows").click()
        saved = tmp_path / "rejected.csv"
        download.value.save_as(saved)
        rejected = pd.read_csv(saved)
        assert len(rejected) == 3 and set(rejected["primaryTitle"]) == {"Beta", "Gamma", "Again"}
        assert rejected["reasons"].str.contains("value not allowed|out of range|duplicate key").all()
        assert page.locator('[data-testid="stException"]').count() == 0
        assert harness.console_errors(page.console_log) == []

    with harness.new_page(browser) as page:  # the upload is a source; its hostile title stays text
        page.goto(f"{app}/Content_Universe?source=up:browser_catalogue&years=1990-2010&min_votes=0")
        harness.wait_rendered(page, "/Content_Universe", timeout=300)
        main = page.locator('[data-testid="stMain"]')
        source = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(has_text="Source")
        assert source.locator('input[role="combobox"]').input_value() == "Uploaded: browser_catalogue"
        assert page.locator('img[src="x"]').count() == 0
        assert page.evaluate("() => window.__xss === undefined")
        assert page.locator('[data-testid="stException"]').count() == 0
        assert "2 titles" in main.inner_text()


def test_the_fixture_file_really_is_messy():
    """The counts above rely on three rules broken in the fixture: say which, so a changed fixture is caught."""
    frame = pd.read_csv(io.StringIO(MESSY), sep=";")
    assert frame["tconst"].duplicated().sum() == 1 and (frame["runtimeMinutes"] < 0).sum() == 1
    assert (~frame["titleType"].isin(["movie", "tv"])).sum() == 1
