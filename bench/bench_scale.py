"""Scale benchmark: every page on the small and the large synthetic platform, in headless Chromium.

Usage: ``python bench/bench_scale.py [--presets small,large] [--runs 3] [--pages all]``. For each preset it
generates the platform once (``<cache>/platforms/<preset>-seed0``, reused on later runs), visits every page once
to build what is persisted (model fits, the rater forest), then measures, as medians over ``--runs``:

* cold: a fresh ``streamlit run`` (a restart: persisted results stay, in-memory caches are empty), then seconds
  from opening the page's URL with the platform as source to the page rendered (BROWSER.md's rules);
* warm: then, in the same browser tab, seconds from typing a new minimum vote count in the sidebar (and Enter) to
  the page rendered again: the filtered frames are recomputed, the platform's aggregates stay cached (pages
  without title filters have no warm figure);
* server peak RSS (VmHWM of the Streamlit process) over the page's cold and warm visits.

The targets from the data issue: cold at most 5 s, warm at most 1 s, RSS at most 2 GB on the large preset. The
last line is one JSON object with every median.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from core import config  # noqa: E402
from tests.e2e import harness  # noqa: E402

PAGES = ["app.py", *sorted(p.relative_to(harness.ROOT).as_posix() for p in (harness.ROOT / "pages").glob("*.py"))]
TIMEOUT = 900


def ensure_platform(preset: str) -> tuple[str, float | None]:
    """The platform's source key, generating it first when missing (returns the seconds it took, or None)."""
    name = f"{preset}-seed0"
    folder = config.cache_dir() / "platforms" / name
    if (folder / "manifest.json").is_file():
        return f"syn:{name}", None
    out = subprocess.run([sys.executable, "-m", "core", "generate", "--preset", preset, "--seed", "0", "--out",
                          str(folder)], cwd=harness.ROOT, capture_output=True, text=True, check=True)
    return f"syn:{name}", json.loads(out.stdout.strip().splitlines()[-1])["seconds"]


@contextmanager
def server():
    """``streamlit run app.py`` on a free port; yields (url, pid)."""
    with harness.running_server(health_timeout=120) as (url, _, pid):
        yield url, pid


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def visit(browser, url: str, page_file: str, source: str) -> tuple[float, float | None]:
    """Seconds from opening the page to rendered, then from changing the minimum votes in the sidebar (typed,
    then Enter, as a user does) to rendered again (None on pages without title filters)."""
    path = harness.page_path(page_file)
    with harness.new_page(browser) as page:
        start = time.perf_counter()
        page.goto(f"{url}{path}?source={source}&years=1900-2100&min_votes={config.PLATFORM_MIN_VOTES}")
        page.wait_for_function(harness.RENDERED_JS, arg=path, timeout=TIMEOUT * 1000, polling=20)
        cold = time.perf_counter() - start
        _no_exception(page, page_file, source)
        votes = page.locator("input[aria-label=\"Minimum votes\"]")
        if not votes.count():
            return cold, None
        votes.fill(str(config.PLATFORM_MIN_VOTES + 1))
        start = time.perf_counter()
        votes.press("Enter")
        page.wait_for_function("() => document.querySelector('[data-testid=\"stApp\"]')"
                               ".getAttribute('data-test-script-state') === 'running'", timeout=10_000, polling=5)
        page.wait_for_function(harness.RENDERED_JS, arg=path, timeout=TIMEOUT * 1000, polling=20)
        warm = time.perf_counter() - start
        _no_exception(page, page_file, source)
        return cold, warm


def _no_exception(page, page_file: str, source: str) -> None:
    if page.locator('[data-testid="stException"]').count():
        raise RuntimeError(f"{page_file} shows an exception on {source}")


def measure(browser, source: str, pages: list[str], runs: int) -> dict:
    """Prime every page once, then per page and run: restart, cold visit, warm filter change."""
    with server() as (url, _):
        first = {p: visit(browser, url, p, source)[0] for p in pages}
    out = {}
    for page_file in pages:
        cold, warm, rss = [], [], []
        for _ in range(runs):
            with server() as (url, pid):
                c, w = visit(browser, url, page_file, source)
                cold.append(c)
                warm += [w] if w is not None else []
                rss.append(peak_rss_mb(pid))
        row = {"first_visit_s": round(first[page_file], 2), "cold_s": round(statistics.median(cold), 2),
               "warm_s": round(statistics.median(warm), 2) if warm else None, "peak_rss_mb": round(max(rss))}
        out[page_file] = row
        shown = f"{row['warm_s']:5.2f} s" if warm else "  n/a  "
        print(f"{source:>18}  {page_file:<34} first {row['first_visit_s']:6.2f} s  cold {row['cold_s']:6.2f} s  "
              f"warm {shown}  RSS {row['peak_rss_mb']:6.0f} MB", flush=True)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", default="small,large")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pages", default="all", help="comma-separated page files, or all")
    args = parser.parse_args()
    pages = PAGES if args.pages == "all" else args.pages.split(",")
    result = {}
    with harness.chromium() as browser:
        for preset in args.presets.split(","):
            source, generated = ensure_platform(preset)
            if generated is not None:
                print(f"generated {source} in {generated:.1f} s", flush=True)
            result[preset] = {"generated_s": generated, "pages": measure(browser, source, pages, args.runs)}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
