"""Browser timings of the Churn page (headless Chromium, ``streamlit run`` on 127.0.0.1).

Usage: ``python bench/bench_churn_page.py [--runs 3]`` (also ``bench_churn.py --page``). Measures, from the
navigation to ``/Churn`` in a freshly started app:

* cold: nothing of the churn page cached (an empty cache dir whose embedded tables are linked in, so only the
  page's own work counts): seconds until the headline (base rate) shows, until the model's CV figures show
  (5 fold fits done), and until the script has finished and every chart is drawn;
* restart: a new server process on the same cache dir (fold fits read back from disk);
* warm: reloads in the same server (everything in Streamlit's caches), and warm tab switches;
* threshold slider: an ArrowRight on the slider until "Subscribers flagged" changes (fragment rerun);
* server only (``--script``, no browser): the page script's run time under AppTest in a fresh Python process
  (so library imports count), cold on an empty cache dir, then warm in the same process.

Prints each figure and returns them as a dict (medians where repeated).
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from core import config  # noqa: E402
from core.data import embedded  # noqa: E402
from tests.e2e import harness  # noqa: E402

PATH = "/Churn"
TABS = ("Model comparison", "Drivers", "What-if", "Segments", "At-risk list", "Campaign")


def _metric(page, label: str, timeout: float = 120) -> None:
    page.locator('[data-testid="stMetric"]').filter(has_text=label).first.wait_for(timeout=timeout * 1000)


def open_page(page, url: str) -> dict:
    """Seconds from navigation to headline, to CV figures, and to the page fully rendered."""
    start = time.perf_counter()
    page.goto(url + PATH)
    _metric(page, "Churn base rate")
    headline = time.perf_counter() - start
    _metric(page, "CV ROC-AUC")
    model = time.perf_counter() - start
    page.wait_for_function(harness.RENDERED_JS, arg=PATH, timeout=300_000, polling=20)
    return {"headline_s": round(headline, 3), "model_s": round(model, 3),
            "rendered_s": round(time.perf_counter() - start, 3)}


def tab_switches(page) -> dict:
    """Seconds per tab click until rendered; first round fills the caches, the second is timed."""
    out = {}
    for rnd in range(2):
        for tab in TABS:
            start = time.perf_counter()
            page.get_by_role("tab", name=tab).click()
            page.wait_for_timeout(50)  # let the rerun start
            page.wait_for_function(harness.RENDERED_JS, arg=PATH, timeout=300_000, polling=20)
            if rnd:
                out[tab] = round(time.perf_counter() - start, 3)
            else:
                harness.wait_rendered(page, PATH, timeout=300)
    return out


def slider_trips(page, runs: int) -> list[float]:
    """Round trips from an arrow key on the threshold slider to the flagged count changing."""
    slider = page.locator('[data-testid="stSlider"]').filter(has_text="Flag when").locator('input[type="range"]')
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Subscribers flagged") \
        .locator('[data-testid="stMetricValue"]')
    trips = []
    for i in range(runs):
        slider.first.focus()
        before = metric.first.inner_text()
        start = time.perf_counter()
        page.keyboard.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
        page.wait_for_function(harness.METRIC_CHANGED_JS, arg=["Subscribers flagged", before], timeout=30_000,
                               polling=10)
        trips.append(time.perf_counter() - start)
        harness.wait_rendered(page, PATH, timeout=60, quiet_ms=200)
    return trips


_SCRIPT = """
import json, sys, time
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1] + "/app.py", default_timeout=600).run()
at.switch_page("pages/07_Churn.py")
t = time.perf_counter(); at.run(); cold = time.perf_counter() - t
warm = []
for _ in range(3):
    t = time.perf_counter(); at.run(); warm.append(time.perf_counter() - t)
print(json.dumps({"cold_s": round(cold, 3), "warm_s": round(sorted(warm)[1], 3), "errors": len(at.exception)}))
"""


def _linked_cache(tmp: str) -> None:
    """Make ``tmp`` a cache dir that holds only the (already built) embedded tables."""
    embedded.load()
    source = config.cache_dir() / f"embedded-v{embedded.BUILD_VERSION}"
    (Path(tmp) / source.name).symlink_to(source, target_is_directory=True)


def script_timings() -> dict:
    """Server-side run time of the page script (AppTest, fresh process, empty cache dir), cold then warm."""
    with tempfile.TemporaryDirectory() as tmp:
        _linked_cache(tmp)
        out = subprocess.run([sys.executable, "-c", _SCRIPT, str(ROOT)], capture_output=True, text=True,
                             env={**__import__("os").environ, "MARQUEE_CACHE_DIR": tmp}, check=True, cwd=ROOT)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"page script (server only): {result}", flush=True)
    return result


def page_timings(runs: int = 3) -> dict:
    """Cold, restart and warm timings of the Churn page (see the module docstring)."""
    from playwright.sync_api import sync_playwright

    result: dict = {}
    with sync_playwright() as p, tempfile.TemporaryDirectory() as tmp:
        _linked_cache(tmp)  # the embedded tables exist, so the cold figure is the page's own work
        browser = p.chromium.launch(executable_path=harness.chromium_path(), args=harness.CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
        env = {"MARQUEE_CACHE_DIR": tmp}
        with harness.running_app(env) as (url, _):
            result["cold"] = open_page(page, url)
            print(f"cold (nothing cached): {result['cold']}", flush=True)
            warm = [open_page(page, url)["rendered_s"] for _ in range(runs)]
            result["warm_reload_s"] = round(statistics.median(warm), 3)
            print(f"warm reload, rendered: median {result['warm_reload_s']} s of {warm}", flush=True)
            result["threshold_slider_s"] = round(statistics.median(slider_trips(page, max(runs, 3))), 3)
            print(f"threshold slider round trip: median {result['threshold_slider_s']} s", flush=True)
            result["tabs_first_visit_then_warm_s"] = tab_switches(page)
            print(f"warm tab switches: {result['tabs_first_visit_then_warm_s']}", flush=True)
        with harness.running_app(env) as (url, _):
            result["restart"] = open_page(page, url)
            print(f"after restart (results persisted on disk): {result['restart']}", flush=True)
        browser.close()
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--script", action="store_true", help="server-side script timings only (no browser)")
    args = parser.parse_args()
    print(json.dumps(script_timings() if args.script else page_timings(args.runs)))
