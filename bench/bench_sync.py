"""How close does a TMDB sync get to the server's rate limit?

Runs several 10,000-title syncs against the fake TMDB server (``tests/fake_tmdb.py``) with a server-side limit
of 40 requests/s and 50 ms latency, and prints the medians of the achieved request rate as a share of that
limit (target: >= 90%), then a JSON line.

The client's own limiter is set just under the server's (default 39 req/s = 97.5%): evenly spaced requests at
that rate never exhaust the server's token bucket, so no 429 (and its >= 1 s Retry-After pause) is paid.

    python bench/bench_sync.py [--runs 3] [--limit 40] [--client-rps 39] [--latency 0.05] [--workers 8]
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
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.tmdb.client import Credentials, TmdbClient, make_session  # noqa: E402
from core.tmdb.store import TmdbStore  # noqa: E402
from core.tmdb.sync import sync  # noqa: E402
from tests.fake_tmdb import FakeTmdb  # noqa: E402


def run_once(args: argparse.Namespace) -> dict:
    """One sync into a fresh store; returns the figures of that run."""
    with FakeTmdb(latency=args.latency, rate_limit=args.limit) as server, \
            tempfile.TemporaryDirectory() as tmp, TmdbStore(Path(tmp) / "tmdb.duckdb") as store:
        credentials = Credentials(bearer_token=server.bearer_token)
        client = TmdbClient(make_session(credentials, args.workers), server.base_url, credentials,
                                 rps=args.client_rps, workers=args.workers, timeout=10.0)
        started = time.monotonic()
        report = sync(client, store, target=args.target)
        wall = time.monotonic() - started
        served = server.counters
    rps = report.requests / wall
    return {"titles": report.titles, "requests": report.requests, "seconds": round(wall, 2),
            "rps": round(rps, 2), "share_of_limit": round(rps / args.limit, 4),
            "server_429": served.get("rate_limited", 0), "pages_lost": report.pages_lost}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--target", type=int, default=10_000)
    parser.add_argument("--limit", type=float, default=40.0, help="server rate limit, requests/s")
    parser.add_argument("--client-rps", type=float, default=39.0, help="client limiter, requests/s")
    parser.add_argument("--latency", type=float, default=0.05, help="server latency, seconds")
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args(argv)

    runs = []
    print(f"{'run':>3} {'titles':>7} {'requests':>8} {'seconds':>8} {'req/s':>7} {'of limit':>8} {'429s':>5}")
    for i in range(args.runs):
        r = run_once(args)
        runs.append(r)
        print(f"{i + 1:>3} {r['titles']:>7} {r['requests']:>8} {r['seconds']:>8.2f} {r['rps']:>7.2f} "
              f"{r['share_of_limit']:>8.1%} {r['server_429']:>5}", flush=True)
    median = {k: statistics.median(r[k] for r in runs) for k in ("seconds", "rps", "share_of_limit")}
    print(f"median: {median['rps']:.2f} req/s = {median['share_of_limit']:.1%} of the {args.limit:g} req/s "
          f"server limit (client limiter {args.client_rps:g} req/s, {args.workers} workers, "
          f"{args.latency * 1000:g} ms latency)")
    print(json.dumps({"bench": "tmdb_sync", "runs": args.runs, "target": args.target, "server_limit": args.limit,
                      "client_rps": args.client_rps, "workers": args.workers, "latency": args.latency,
                      "median_rps": median["rps"], "median_share_of_limit": median["share_of_limit"],
                      "median_seconds": median["seconds"], "runs_detail": runs}))
    return 0 if median["share_of_limit"] >= 0.9 else 1


if __name__ == "__main__":
    sys.exit(main())
