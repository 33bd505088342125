"""Integrity page benchmarks: cold and warm cached calls, the script's warm run, and a browser page switch.

Usage: ``python bench/bench_integrity.py [--runs 5] [--browser]``. Prints medians; the last line is one JSON
object with every median. Also prints the key figures the page shows (flagged raters, effect, vote patterns,
sentiment) so a changed result is visible next to a changed time.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def cached_calls(runs: int) -> dict:
    """Seconds of each cached function on a cold (process) cache and warm, at the default settings."""
    import streamlit as st

    from core.data import cache as data_cache
    from core.data import features
    from core.integrity import cache

    flt = features.Filters(version=data_cache.source_version("embedded"))
    calls = {"raters": lambda: cache.integrity_raters(0.02), "votes": lambda: cache.integrity_votes(flt, 3.0),
             "sentiment": lambda: cache.integrity_sentiment(flt)}
    out = {}
    for name, call in calls.items():
        start = time.perf_counter()
        call()
        out[f"{name}_cold"] = round(time.perf_counter() - start, 3)
        warm = []
        for _ in range(runs):
            start = time.perf_counter()
            call()
            warm.append(time.perf_counter() - start)
        out[f"{name}_warm"] = _median(warm)
    r, v, s = calls["raters"](), calls["votes"](), calls["sentiment"]()
    print(f"flagged raters {len(r['table'])} of {r['raters']} (high {r['priorities']['High']}), "
          f"share of ratings {r['summary']['flagged_share']:.1%}, titles moved 0.1+ {r['summary']['moved']} of "
          f"{r['summary']['titles']}; vote patterns {len(v['table'])} of {v['titles']}; net sentiment "
          f"{s['headline']['sentiment']:+.1f}")
    st.cache_data.clear()
    return out


def script_runs(runs: int) -> dict:
    """AppTest: the page's first run in a fresh process cache and its warm reruns (script time, no browser)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "pages" / "09_Integrity.py"), default_timeout=300)
    start = time.perf_counter()
    at.run()
    first = time.perf_counter() - start
    warm = []
    for _ in range(runs):
        start = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - start)
    return {"script_first": round(first, 3), "script_warm": _median(warm)}


def browser_switch(runs: int) -> dict:
    """Headless Chromium: seconds from a sidebar click (from Home) to the Integrity page rendered, warm."""
    from playwright.sync_api import sync_playwright

    from tests.e2e import harness

    times = []
    with harness.running_app() as (url, _), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=harness.chromium_path(), args=harness.CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(url + "/Integrity")
        harness.wait_rendered(page, "/Integrity", timeout=300)
        for rnd in range(runs + 1):
            for path in ("/", "/Integrity"):
                link = page.locator(f'[data-testid="stSidebar"] a[href="{path.lstrip("/")}"]')
                start = time.perf_counter()
                link.first.click()
                page.wait_for_function(harness.RENDERED_JS, arg=path, timeout=300_000, polling=20)
                if rnd and path == "/Integrity":
                    times.append(time.perf_counter() - start)
                harness.wait_rendered(page, path, timeout=300)
        browser.close()
    return {"browser_switch": _median(times)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--browser", action="store_true", help="also time a warm page switch in Chromium")
    args = parser.parse_args()
    result = {**cached_calls(args.runs), **script_runs(args.runs)}
    if args.browser:
        result.update(browser_switch(args.runs))
    for key, value in result.items():
        print(f"{key:>16}: {value:.3f} s")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
