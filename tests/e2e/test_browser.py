"""Real-browser smoke test: every page opens in headless Chromium with no exception box and no console error."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.e2e import harness

SHOTS = Path(__file__).resolve().parent / "screenshots"


@pytest.fixture(scope="module")
def app_url():
    with harness.running_app() as (url, _):
        yield url


@pytest.fixture()
def page(browser):
    with harness.new_page(browser) as pg:
        yield pg


@pytest.mark.timeout(300)
@pytest.mark.parametrize("page_file", harness.PAGES)
def test_page_renders_without_errors(app_url, page, page_file):
    path = harness.page_path(page_file)
    page.goto(app_url + path)
    harness.wait_rendered(page, path, timeout=120)
    harness.full_screenshot(page, SHOTS / f"{Path(page_file).stem}.png")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator("h1").count() >= 1
    assert harness.console_errors(page.console_log) == []
    assert page.hosts == {urlsplit(app_url).netloc}  # no request leaves the host (favicon, fonts, images)


@pytest.mark.timeout(300)
def test_sidebar_navigation_keeps_filters(app_url, page):
    page.goto(app_url + "/?genres=Animation")
    harness.wait_rendered(page, "/", timeout=120)
    summary = page.locator('[data-testid="stMarkdown"]').filter(has_text="titles ·").first.inner_text()
    assert "Animation" in summary and "all genres" not in summary  # the link's filter is applied
    page.locator('[data-testid="stSidebar"] a[href="Content_Universe"]').first.click()  # hrefs are relative
    harness.wait_rendered(page, "/Content_Universe", timeout=120)
    assert "genres=Animation" in page.url
    assert "Animation" in page.locator('[data-testid="stSidebar"]').inner_text()
    assert harness.console_errors(page.console_log) == []


@pytest.mark.timeout(300)
def test_copilot_slider_updates_the_prediction(app_url, page):
    page.goto(app_url + "/Investment_Copilot")
    harness.wait_rendered(page, "/Investment_Copilot", timeout=180)
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Predicted popularity") \
        .locator('[data-testid="stMetricValue"]')
    before = metric.first.inner_text()
    slider = page.locator('[data-testid="stSlider"]').filter(has_text="Budget level").locator('input[type="range"]')
    slider.first.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(harness.METRIC_CHANGED_JS, arg=["Predicted popularity", before], timeout=30_000)
    harness.wait_rendered(page, "/Investment_Copilot", timeout=60)
    assert metric.first.inner_text() != before
    assert page.locator('[data-testid="stException"]').count() == 0
    assert harness.console_errors(page.console_log) == []
