"""Concurrent users over Streamlit's websocket protocol: one process against replicas behind nginx.

Each simulated user is what a browser tab does to the server (``core/deploy/client.py``): it fetches the page (so the
proxy's sticky cookie applies), opens the websocket, and runs every page once, pausing ``--pause`` seconds on each;
with ``--interact`` it also moves the sidebar's minimum-votes filter on Content Universe and the copilot's budget
slider (a rerun with that widget's new value). Before measuring, one warm-up visit of every page runs on every
server process (models trained or read from the shared cache, like a team's server after its first users).

For each setup (``single``: one ``streamlit run app.py``; ``replicas``: ``python -m core serve --replicas N``) and
each user count it prints, per page, p50 and p95 of the script run time seen by the client (request sent to
``script_finished``), the error and exception count, throughput, and the peak resident memory of the server
processes (sum over replicas plus nginx), sampled every 0.5 s. Bounded: at most 50 users, loopback only, each
run stops after ``--max-seconds``. The last line is one JSON object with everything.

    python bench/bench_load.py [--users 5,20] [--replicas 2] [--pause 3] [--setups single,replicas] [--interact]
    python bench/bench_load.py --soak 600 --users 20 --setups single   # RSS flat over 10 minutes?
"""
from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from core.deploy import client as stclient  # noqa: E402
from tests.e2e import harness  # noqa: E402

PAGES = [harness.page_path(p).lstrip("/") for p in harness.PAGES]  # "" is home
MAX_USERS = 50
FILTER_PAGE, FILTER_LABEL = "Content_Universe", "Minimum votes"
SLIDER_PAGE, SLIDER_LABEL = "Investment_Copilot", "Budget level"


def rss_mb(pid: int) -> float:
    """Current resident memory of a process in MB (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class MemorySampler:
    """Samples the summed RSS of some processes every ``interval`` seconds in a thread."""

    def __init__(self, pids, interval: float = 0.5) -> None:
        self.pids, self.interval, self.samples = pids, interval, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        start = time.monotonic()
        while not self._stop.is_set():
            self.samples.append((time.monotonic() - start, sum(rss_mb(p) for p in self.pids())))
            self._stop.wait(self.interval)

    def __enter__(self) -> "MemorySampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak(self) -> float:
        return max((mb for _, mb in self.samples), default=0.0)


def _moved(run, label: str, steps: int = 1):
    """Widget states that move the first widget whose label starts with ``label`` ``steps`` steps up (None if
    absent)."""
    proto = next((w for name, w in run.widgets.items() if name.startswith(label)), None)
    state = stclient.moved_state(proto, steps) if proto is not None else None
    if state is None:
        return None
    states = stclient.WidgetStates()
    states.widgets.append(state)
    return states


async def user(url: str, pause: float, interact: bool, deadline: float, runs: list, errors: list) -> None:
    """One user: every page once, pausing on each; optionally a filter move and a copilot slider move."""
    try:
        async with stclient.StreamlitSession(url, timeout=max(5.0, deadline - time.monotonic())) as session:
            for page in PAGES:
                if time.monotonic() > deadline:
                    return
                run = await session.run(page)
                runs.append(run)
                if interact and page in (FILTER_PAGE, SLIDER_PAGE):
                    states = _moved(run, FILTER_LABEL if page == FILTER_PAGE else SLIDER_LABEL)
                    if states is not None:
                        moved = await session.run(page, widgets=states)
                        moved.page = f"{page} (moved {'filter' if page == FILTER_PAGE else 'slider'})"
                        runs.append(moved)
                await asyncio.sleep(pause)
    except Exception as exc:  # a dropped connection or a timeout is a measured failure, not a crash
        errors.append(f"{type(exc).__name__}: {exc}")


async def soak_user(index: int, url: str, pause: float, deadline: float, runs: list, errors: list) -> None:
    """One user going round every page until ``deadline``; on each round it moves the minimum-votes filter to a
    value of its own (so the server sees many distinct filter combinations) and the copilot slider."""
    rounds = 0
    try:
        async with stclient.StreamlitSession(url, timeout=120) as session:
            while time.monotonic() < deadline:
                for page in PAGES:
                    if time.monotonic() > deadline:
                        return
                    run = await session.run(page)
                    runs.append(run)
                    if page in (FILTER_PAGE, SLIDER_PAGE):
                        label = FILTER_LABEL if page == FILTER_PAGE else SLIDER_LABEL
                        states = _moved(run, label, 1 + (index + rounds) % 20)
                        if states is not None:
                            runs.append(await session.run(page, widgets=states))
                    await asyncio.sleep(pause)
                rounds += 1
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")


def soak(url: str, pids, users: int, pause: float, seconds: float) -> dict:
    """``users`` users for ``seconds``: RSS per minute and its growth over the second half (MB per minute)."""
    runs, errors = [], []

    async def all_users():
        deadline = time.monotonic() + seconds
        await asyncio.gather(*(soak_user(i, url, pause, deadline, runs, errors) for i in range(users)))

    with MemorySampler(pids) as mem:
        start = time.perf_counter()
        stclient.run_sync(all_users())
        took = time.perf_counter() - start
    result = summarise(runs, errors, took, mem.peak)
    per_minute = {}
    for t, mb in mem.samples:
        per_minute[int(t // 60)] = mb  # the last sample of each minute
    half = [(t, mb) for t, mb in mem.samples if t >= seconds / 2]
    slope = 0.0
    if len(half) > 2:
        ts, mbs = [t for t, _ in half], [mb for _, mb in half]
        mean_t, mean_m = statistics.fmean(ts), statistics.fmean(mbs)
        slope = sum((a - mean_t) * (b - mean_m) for a, b in half) / sum((a - mean_t) ** 2 for a in ts) * 60
    result.update({"rss_by_minute_mb": {m: round(v) for m, v in per_minute.items()},
                   "rss_growth_mb_per_min_second_half": round(slope, 1)})
    return result


async def load(url: str, users: int, pause: float, interact: bool, max_seconds: float) -> tuple[list, list, float]:
    runs, errors = [], []
    deadline = time.monotonic() + max_seconds
    start = time.perf_counter()
    await asyncio.gather(*(user(url, pause, interact, deadline, runs, errors) for _ in range(users)))
    return runs, errors, time.perf_counter() - start


def warm(urls: list[str]) -> None:
    """One visit of every page on every server process (direct to each replica, not through the proxy)."""
    for url in urls:
        runs = stclient.run_sync(stclient.open_pages(url, PAGES))
        bad = [(r.page, r.exceptions) for r in runs if not r.ok]
        if bad:
            raise RuntimeError(f"warm-up at {url} failed: {bad}")


def summarise(runs: list, errors: list, seconds: float, peak: float) -> dict:
    by_page: dict[str, list[float]] = {}
    for run in runs:
        by_page.setdefault(run.page or "Home", []).append(run.seconds)
    times = [r.seconds for r in runs]

    def pct(values, q):
        return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]

    samples = sorted({f"{r.page or 'Home'}: {e[:300]}" for r in runs for e in r.exceptions})[:5]
    return {"runs": len(runs), "errors": len(errors), "exceptions": sum(len(r.exceptions) for r in runs),
            "error_samples": errors[:3], "exception_samples": samples, "seconds": round(seconds, 1),
            "runs_per_s": round(len(runs) / seconds, 2),
            "p50": round(pct(times, 50), 3) if times else None, "p95": round(pct(times, 95), 3) if times else None,
            "peak_rss_mb": round(peak), "pages": {p: {"p50": round(pct(v, 50), 3), "p95": round(pct(v, 95), 3),
                                                      "n": len(v)} for p, v in by_page.items()}}


@contextmanager
def setup(kind: str, replicas: int):
    """Yield (url, direct replica urls, pids to measure) for one setup."""
    if kind == "single":
        with harness.running_server(health_timeout=180) as (url, _, pid):
            yield url, [url], lambda: [pid]
        return
    with harness.running_deployment(replicas=replicas) as state:
        first = state()
        direct = [f"http://127.0.0.1:{r['port']}" for r in first["replicas"]]
        yield first["url"], direct, lambda: [first["proxy"]["pid"], *(r["pid"] for r in state()["replicas"])]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", default="5,20", help="comma-separated user counts (each at most 50)")
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--pause", type=float, default=3.0, help="seconds a user stays on each page")
    parser.add_argument("--setups", default="single,replicas")
    parser.add_argument("--interact", action="store_true", help="also move a filter and the copilot slider")
    parser.add_argument("--max-seconds", type=float, default=300.0, help="cap of one load run")
    parser.add_argument("--soak", type=float, default=0.0,
                        help="instead: the first --users count goes round every page for this many seconds "
                             "(at most 1800), moving filters to values of their own; prints RSS per minute")
    args = parser.parse_args()
    counts = [min(int(n), MAX_USERS) for n in args.users.split(",")]
    results: dict = {}
    if args.soak:
        for kind in args.setups.split(","):
            with setup(kind, args.replicas) as (url, direct, pids):
                warm(direct)
                r = soak(url, pids, counts[0], args.pause, min(args.soak, 1800.0))
            results[kind] = r
            print(f"{kind:9} soak {counts[0]} users {args.soak:.0f} s: p50 {r['p50']:.2f} s  p95 {r['p95']:.2f} s  "
                  f"runs {r['runs']}  errors {r['errors']}  exceptions {r['exceptions']}  RSS by minute (MB) "
                  f"{r['rss_by_minute_mb']}  growth over the second half "
                  f"{r['rss_growth_mb_per_min_second_half']} MB/min", flush=True)
            for sample in r["exception_samples"] + r["error_samples"]:
                print(f"    {sample}", flush=True)
        print(json.dumps({"soak_seconds": args.soak, "users": counts[0], "results": results}))
        return 0
    for kind in args.setups.split(","):
        with setup(kind, args.replicas) as (url, direct, pids):
            warm(direct)
            for n in counts:
                with MemorySampler(pids) as mem:
                    runs, errors, seconds = stclient.run_sync(load(url, n, args.pause, args.interact,
                                                                   args.max_seconds))
                results.setdefault(kind, {})[n] = summarise(runs, errors, seconds, mem.peak)
                r = results[kind][n]
                print(f"{kind:9} users={n:3}: p50 {r['p50']:.2f} s  p95 {r['p95']:.2f} s  runs {r['runs']} "
                      f"({r['runs_per_s']}/s)  errors {r['errors']}  exceptions {r['exceptions']}  "
                      f"peak RSS {r['peak_rss_mb']} MB", flush=True)
                for sample in r["exception_samples"] + r["error_samples"]:
                    print(f"    {sample}", flush=True)
    pages = sorted({p for kind in results.values() for res in kind.values() for p in res["pages"]})
    for n in counts:
        print(f"\nper page, {n} users (p50 / p95 seconds):")
        print(f"  {'page':38}" + "".join(f"{kind:>22}" for kind in results))
        for page in pages:
            cells = []
            for kind in results:
                stats = results[kind].get(n, {}).get("pages", {}).get(page)
                cells.append(f"{stats['p50']:>9.2f} / {stats['p95']:<9.2f}" if stats else f"{'-':>22}")
            print(f"  {page:38}" + "".join(f"{c:>22}" for c in cells))
    print(json.dumps({"users": counts, "replicas": args.replicas, "pause": args.pause, "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
