"""Synthetic platform benchmark: ``python -m core generate`` timed end to end, each run in a fresh process.

Usage: ``python bench/bench_generate.py [--preset small|large] [--runs 3] [--seed 0] [--tmp DIR]``. Each run
writes into a new temporary directory (under ``--tmp``, default the system's), which is deleted afterwards.
Prints one line per run (generation seconds as the command reports them, wall seconds including interpreter
start and imports, peak RSS, rows, output size) and the medians; the last line is one JSON object.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def one_run(preset: str, seed: int, tmp: str | None) -> dict:
    """Generate once into a fresh temporary directory; the command's JSON summary plus wall seconds and MB."""
    out = Path(tempfile.mkdtemp(prefix=f"synth_{preset}_", dir=tmp))
    try:
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "core", "generate", "--preset", preset, "--seed", str(seed),
                               "--out", str(out)], cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"generate failed ({done.returncode}): {done.stderr.strip()[:500]}")
        summary = json.loads(done.stdout.strip().splitlines()[-1])
        size = sum(p.stat().st_size for p in out.iterdir()) / 1e6
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return {**summary, "wall_seconds": round(wall, 3), "output_mb": round(size, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--preset", choices=("small", "large"), default="small")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tmp", default=None, help="where the temporary output directories go")
    args = parser.parse_args()
    runs = []
    for i in range(args.runs):
        run = one_run(args.preset, args.seed + i, args.tmp)
        runs.append(run)
        print(f"run {i + 1}: {run['seconds']:.2f} s generating, {run['wall_seconds']:.2f} s wall, "
              f"peak RSS {run['peak_rss_mb']:.0f} MB, {run['output_mb']:.0f} MB written, rows {run['rows']}")
    out = {"preset": args.preset, "runs": args.runs,
           "median_seconds": _median([r["seconds"] for r in runs]),
           "median_wall_seconds": _median([r["wall_seconds"] for r in runs]),
           "median_peak_rss_mb": _median([r["peak_rss_mb"] for r in runs]),
           "max_peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
           "rows": runs[-1]["rows"], "rows_rejected": sum(e["rows_rejected"] for r in runs
                                                          for e in r["self_check"].values())}
    print(f"median: {out['median_seconds']:.2f} s generating, {out['median_wall_seconds']:.2f} s wall, "
          f"peak RSS {out['median_peak_rss_mb']:.0f} MB")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
