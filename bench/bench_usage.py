"""Usage recording benchmarks: what recording one event costs the page that records it, how fast the writer
empties the queue into DuckDB, and how long the Usage page's figures take on a full store.

Usage: ``python bench/bench_usage.py [--runs 5] [--events 20000] [--rows 1000000]``. Prints medians; the last
line is one JSON object with every median. Writes to a temporary folder only.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _median(values: list[float], digits: int = 3) -> float:
    return round(statistics.median(values), digits)


def record_cost(runs: int, events: int, folder: Path) -> dict:
    """Microseconds per ``Recorder.record`` on the caller's thread (the cost a page pays), and events per second
    the writer thread flushes into DuckDB (batches of ``store.BATCH_SIZE``)."""
    from core.usage import store

    per_event, throughput = [], []
    for run in range(runs):
        rec = store.Recorder(maxsize=events + 10)
        path = folder / f"record_{run}.duckdb"
        rows = [store.event("0123456789abcdef", "Home", "filter", "genres", "Drama,Comedy") for _ in range(events)]
        start = time.perf_counter()
        for row in rows:
            rec.record(path, row)
        queued = time.perf_counter() - start
        assert rec.flush(300)
        flushed = time.perf_counter() - start
        assert rec.counts()["written"] == events, rec.counts()
        per_event.append(queued / events * 1e6)
        throughput.append(events / flushed)
    return {"record_us_per_event": _median(per_event, 2), "flush_events_per_s": round(statistics.median(throughput))}


def page_hook_cost(runs: int, folder: Path) -> dict:
    """Microseconds of ``store.record`` as the page hooks call it (settings read, row built, queued)."""
    import os

    from core.usage import store

    os.environ["MARQUEE_USAGE_DB"] = str(folder / "hook.duckdb")
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(1000):
            store.record("0123456789abcdef", "Home", "render", "ok", "", 12.5)
        times.append((time.perf_counter() - start) / 1000 * 1e6)
        store.flush(60)
    return {"hook_us_per_event": _median(times, 2)}


def figures_time(runs: int, rows: int, folder: Path) -> dict:
    """Seconds to compute the Usage page's figures over a store of ``rows`` events (30 days, all time)."""
    import numpy as np

    from core.usage import insights, store

    path = folder / "full.duckdb"
    rng = np.random.default_rng(0)
    pages = ["Home", "Content Universe", "Churn", "Forecasting", "Data", "Usage"]
    kinds = ["view", "render", "render", "filter", "widget", "search", "export"]
    start = datetime(2026, 1, 1)
    batch = 100_000
    for offset in range(0, rows, batch):
        n = min(batch, rows - offset)
        secs = np.sort(rng.integers(0, 90 * 86400, n))
        store.write(path, [(start + timedelta(seconds=int(s)), f"s{rng.integers(0, 20000)}", pages[i % 6],
                            kinds[i % 7], "genres", "Drama", float(rng.gamma(2, 300)))
                           for i, s in enumerate(secs)], rows)
    now = start + timedelta(days=90)
    out = {}
    for days in (30, 0):
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            figs = insights.from_store(path, days, now=now)
            times.append(time.perf_counter() - t0)
        out[f"figures_{days or 'all'}d_s"] = _median(times)
    print(f"full store: {figs['events']:,} events, {figs['sessions_n']:,} sessions")
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        results = {**record_cost(args.runs, args.events, folder), **page_hook_cost(args.runs, folder),
                   **figures_time(args.runs, args.rows, folder)}
    for name, value in results.items():
        print(f"{name}: {value}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
