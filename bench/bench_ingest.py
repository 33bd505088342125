"""Ingest benchmark: validating and storing a large watch-events file, as ``python -m core ingest`` does.

Usage: ``python bench/bench_ingest.py [--rows 1000000] [--runs 3]``. Writes a CSV of ``--rows`` watch events
from a generated small synthetic platform (with 0.1% of the rows broken: an unreadable number, a bad date, an
unknown device), then times ``core.data.ingest.ingest`` into a fresh cache dir per run. Prints the median
seconds, rows per second and peak RSS; the last line is one JSON object.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _events_csv(folder: Path, rows: int) -> Path:
    import numpy as np
    import pandas as pd

    from core.synth import generate, params

    generate.generate(folder / "platform", seed=0, sizes=params.Sizes(subscribers=10_000, titles=5_000,
                                                                      events=rows))
    events = pd.read_parquet(folder / "platform" / "watch_events.parquet").astype(str)
    broken = np.random.default_rng(0).choice(len(events), size=max(3, len(events) // 1000), replace=False)
    third = len(broken) // 3
    events.loc[events.index[broken[:third]], "minutes_watched"] = "n/a"
    events.loc[events.index[broken[third:2 * third]], "started_at"] = "31/31/2024"
    events.loc[events.index[broken[2 * third:]], "device"] = "fridge"
    path = folder / "events.csv"
    events.to_csv(path, index=False)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from core.data import ingest

    with tempfile.TemporaryDirectory() as tmp:
        path = _events_csv(Path(tmp), args.rows)
        raw = path.read_bytes()
        seconds, report = [], {}
        for run in range(args.runs):
            os.environ["MARQUEE_CACHE_DIR"] = str(Path(tmp) / f"cache{run}")
            start = time.perf_counter()
            report = ingest.ingest(path.name, raw, "watch_events", "bench").report()
            seconds.append(time.perf_counter() - start)
    median = statistics.median(seconds)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = {"rows_read": report["rows_read"], "rows_rejected": report["rows_rejected"], "reasons": report["reasons"],
           "median_s": round(median, 2), "rows_per_s": round(report["rows_read"] / median),
           "peak_rss_mb": round(rss)}
    print(f"ingest {report['rows_read']:,} watch events ({report['rows_rejected']:,} rejected): median "
          f"{median:.1f} s over {args.runs} runs, {out['rows_per_s']:,} rows/s, peak RSS {rss:.0f} MB")
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
