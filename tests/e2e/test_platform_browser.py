"""Every page in headless Chromium on a generated synthetic platform (``syn:demo``): rendered with no exception
and no console error, the platform picked in the sidebar, and the synthetic-data banner on every page that shows
the platform's data."""
from __future__ import annotations

import pytest

from tests.e2e import harness

#: The Data page shows every source's inventory and the Usage page the app's own use, not one source's data, so
#: they carry no banner.
NO_SOURCE = {"pages/10_Data.py", "pages/11_Usage.py"}


@pytest.fixture(scope="module")
def app(platform_home):
    with harness.running_app({"MARQUEE_CACHE_DIR": str(platform_home)}) as (url, _):
        yield url


@pytest.mark.timeout(600)
@pytest.mark.parametrize("page_file", harness.PAGES)
def test_page_renders_on_the_synthetic_platform(app, browser, page_file):
    with harness.new_page(browser) as page:
        path = harness.page_path(page_file)
        page.goto(f"{app}{path}?source=syn:demo&years=1900-2100&min_votes=10")
        harness.wait_rendered(page, path, timeout=400)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert harness.console_errors(page.console_log) == []
        main = page.locator('[data-testid="stMain"]').inner_text()
        if page_file in NO_SOURCE:
            return
        source = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(has_text="Source")
        assert source.locator('input[role="combobox"]').input_value() == "Synthetic: demo"
        assert "Synthetic data: demo is a generated platform" in main
