"""Browser timings of the Recommender page (headless Chromium, ``streamlit run`` on 127.0.0.1).

Usage: ``python bench/bench_recommend_page.py [--runs 3] [--screenshot PATH]`` (also ``bench_recommend.py
--page``). Measures, from the navigation to ``/Recommender`` in a freshly started app:

* cold: nothing of the page cached (an empty cache dir whose embedded tables are linked in, so only the page's
  own work counts): seconds until the first content shows (the data caption, the pickers and the model status
  box with its progress bar, drawn before any collaborative model is trained), until the viewer's top 10
  shows (models trained), until the first chart is drawn, and until the script has finished and every chart
  is drawn. Measured twice: opening
  /Recommender directly in a browser that has never seen this server (it must first fetch and compile
  Streamlit's table and chart code: seconds of browser CPU on a busy machine), and via the home page (the
  usual path: the browser has that code, and the home page has loaded the embedded tables);
* restart: a new server process on the same cache dir (models read back from disk), opened directly and
  via the home page;
* warm: reloads in the same server (everything in Streamlit's caches);
* blend slider: an ArrowRight on the content-weight slider until the top-10 caption changes (fragment rerun).

Prints each figure; the last line is one JSON object.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from core import config  # noqa: E402
from core.data import embedded  # noqa: E402
from tests.e2e import harness  # noqa: E402

PATH = "/Recommender"
#: True once an element with ``testid`` contains ``text``.
HAS_TEXT_JS = """([testid, text]) => [...document.querySelectorAll(`[data-testid="${testid}"]`)]
    .some(e => e.innerText.includes(text))"""
CAPTION_CHANGED_JS = """([text, old]) => [...document.querySelectorAll('[data-testid="stCaptionContainer"]')]
    .some(e => e.innerText.includes(text) && e.innerText !== old)"""


def _wait_text(page, testid: str, text: str, timeout: float = 300) -> None:
    page.wait_for_function(HAS_TEXT_JS, arg=[testid, text], timeout=timeout * 1000, polling=20)


ONE_TABLE_JS = """() => document.querySelectorAll('[data-testid="stDataFrame"]').length >= 1"""
CHART_DRAWN_JS = """() => !!document.querySelector('[data-testid="stPlotlyChart"] .main-svg')"""


def open_page(page, url: str, via_home: bool = False) -> dict:
    """Seconds from navigation to the first content (the page's caption and pickers, with the model status box
    showing progress), the top 10 table, the first chart drawn, and the page fully rendered; ``via_home`` opens
    the home page first (not timed)."""
    if via_home:
        page.goto(url)
        page.wait_for_function(harness.RENDERED_JS, arg="/", timeout=300_000, polling=20)
    start = time.perf_counter()
    page.goto(url + PATH)
    marks = {}
    _wait_text(page, "stCaptionContainer", "Uses the embedded MovieLens ratings")
    _wait_text(page, "stExpander", "")  # the model status box: progress while training, a summary once ready
    marks["first_content_s"] = time.perf_counter() - start
    _wait_text(page, "stHeadingWithActionElements", "Top 10 for user")
    page.wait_for_function(ONE_TABLE_JS, timeout=300_000, polling=20)
    marks["top10_s"] = time.perf_counter() - start
    page.wait_for_function(CHART_DRAWN_JS, timeout=300_000, polling=20)
    marks["first_chart_s"] = time.perf_counter() - start
    page.wait_for_function(harness.RENDERED_JS, arg=PATH, timeout=300_000, polling=20)
    marks["rendered_s"] = time.perf_counter() - start
    return {name: round(value, 3) for name, value in marks.items()}


def slider_trips(page, runs: int) -> list[float]:
    """Round trips from an arrow key on the blend slider to the "Against the default" caption changing."""
    slider = page.locator('[data-testid="stSlider"]').filter(has_text="Content share").locator('input[type="range"]')
    caption = page.locator('[data-testid="stCaptionContainer"]').filter(has_text="Against the default")
    trips = []
    for i in range(runs):
        slider.first.focus()
        before = caption.first.inner_text()
        start = time.perf_counter()
        page.keyboard.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
        page.wait_for_function(CAPTION_CHANGED_JS, arg=["Against the default", before], timeout=60_000, polling=10)
        trips.append(time.perf_counter() - start)
        harness.wait_rendered(page, PATH, timeout=60, quiet_ms=200)
    return trips


def page_timings(runs: int = 3, screenshot: str = "") -> dict:
    """Cold, restart, warm and slider timings of the Recommender page (see the module docstring)."""
    from playwright.sync_api import sync_playwright

    embedded.load()  # the embedded tables exist, so the cold figure is the page's own work
    source = config.cache_dir() / f"embedded-v{embedded.BUILD_VERSION}"
    result: dict = {}
    with sync_playwright() as p, tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / source.name).symlink_to(source, target_is_directory=True)
        browser = p.chromium.launch(executable_path=harness.chromium_path(), args=harness.CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
        env = {"MARQUEE_CACHE_DIR": tmp}
        with harness.running_app(env) as (url, _):
            result["cold"] = open_page(page, url)
            print(f"cold (nothing cached, models trained), opened directly: {result['cold']}", flush=True)
        for path in Path(tmp, "persist").glob("recommender_*"):
            path.unlink()  # cold again, this time reached from the home page
        with harness.running_app(env) as (url, _):
            result["cold_via_home"] = open_page(page, url, via_home=True)
            print(f"cold (nothing cached, models trained), via the home page: {result['cold_via_home']}", flush=True)
            warm = [open_page(page, url)["rendered_s"] for _ in range(runs)]
            result["warm_reload_s"] = round(statistics.median(warm), 3)
            print(f"warm reload, rendered: median {result['warm_reload_s']} s of {warm}", flush=True)
            result["blend_slider_s"] = round(statistics.median(slider_trips(page, max(runs, 3))), 3)
            print(f"blend slider round trip: median {result['blend_slider_s']} s", flush=True)
            if screenshot:
                harness.full_screenshot(page, Path(screenshot))
        with harness.running_app(env) as (url, _):
            result["restart"] = open_page(page, url)
            print(f"after restart (models read from disk), opened directly: {result['restart']}", flush=True)
        with harness.running_app(env) as (url, _):
            result["restart_via_home"] = open_page(page, url, via_home=True)
            print(f"after restart, via the home page: {result['restart_via_home']}", flush=True)
        browser.close()
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--screenshot", default="", help="save a full-page screenshot of the warm page here")
    args = parser.parse_args()
    print(json.dumps(page_timings(args.runs, args.screenshot)))
