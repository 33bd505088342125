"""How close does a TMDB sync get to the server's rate limit, with and without faults?

Runs several syncs against the fake TMDB server (``tests/fake_tmdb.py``) with a server-side limit of 40
requests/s and 50 ms latency and prints medians, then a JSON line. Without faults the figure is the achieved
request rate as a share of the limit; with ``--faults`` (5% HTTP 5xx, 2% truncated JSON bodies, 1% requests
that hang for 8 s, seeded per run) it is the *useful* throughput: complete 200 answers a second, counted by the
server, as a share of the limit. Both targets are >= 90%. Faults use the server's tokens too, so under that mix
about 92% is the most any client can get.

Each run also checks that nothing was lost unreported: the pages the sync reports as fetched are the pages in
the store, the titles it reports are the store's, and every request the server never answered usefully is one
the sync lists as given up (``lost_pages``).

The client's own limiter is set just under the server's (default 39.8 req/s = 99.5%): evenly spaced requests at
that rate never exhaust the server's token bucket, so no 429 (and its >= 1 s Retry-After pause) is paid.

    python bench/bench_sync.py [--faults] [--runs 3] [--target 10000] [--limit 40] [--client-rps 39.8]
                               [--latency 0.05] [--workers 16] [--read-timeout 1.0]
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

FAULTS = {"error_rate": 0.05, "truncate_rate": 0.02, "hang_rate": 0.01, "hang_seconds": 8.0}


def agreement(report, store: TmdbStore, never_useful: list[tuple[str, int | None]]) -> dict:
    """Does the report match the store and the server? (a fresh store, so every stored page is this run's)"""
    stored_pages = len(store.page_index())
    given_up = {(p["endpoint"], p["page"]) for p in report.lost_pages}
    unreported = [k for k in never_useful if k not in given_up]
    return {"pages_stored": stored_pages, "pages_agree": stored_pages == report.pages_ok + report.pages_cached,
            "titles_agree": report.titles == store.count(), "unreported": len(unreported),
            "unreported_examples": [f"{e} page {p}" for e, p in unreported[:5]],
            "agree": stored_pages == report.pages_ok + report.pages_cached and report.titles == store.count()
            and not unreported}


def run_once(args: argparse.Namespace, seed: int) -> dict:
    """One sync into a fresh store; returns the figures of that run."""
    faults = FAULTS if args.faults else {}
    with FakeTmdb(latency=args.latency, rate_limit=args.limit, seed=seed, **faults) as server, \
            tempfile.TemporaryDirectory() as tmp, TmdbStore(Path(tmp) / "tmdb.duckdb") as store:
        credentials = Credentials(bearer_token=server.bearer_token)
        options = {"rps": args.client_rps, "workers": args.workers}
        if args.read_timeout:
            options["read_timeout"] = args.read_timeout
        client = TmdbClient(make_session(credentials, args.workers), server.base_url, credentials, **options)
        started = time.monotonic()
        report = sync(client, store, target=args.target)
        wall = time.monotonic() - started
        served, check = server.counters, agreement(report, store, server.never_useful())
    rps, useful = report.requests / wall, served.get("useful", 0) / wall
    return {"titles": report.titles, "requests": report.requests, "seconds": round(wall, 2),
            "rps": round(rps, 2), "share_of_limit": round(rps / args.limit, 4), "useful_rps": round(useful, 2),
            "useful_share_of_limit": round(useful / args.limit, 4), "server_requests": served.get("requests", 0),
            "server_useful": served.get("useful", 0), "server_429": served.get("rate_limited", 0),
            "server_5xx": served.get("server_errors", 0), "server_truncated": served.get("truncated", 0),
            "server_hung": served.get("hung", 0), "retries": report.retries, "pages_lost": report.pages_lost,
            "given_up": len(report.lost_pages), **check}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--target", type=int, default=10_000)
    parser.add_argument("--faults", action="store_true", help="5%% 5xx, 2%% truncated JSON, 1%% 8 s hangs")
    parser.add_argument("--limit", type=float, default=40.0, help="server rate limit, requests/s")
    parser.add_argument("--client-rps", type=float, default=39.8, help="client limiter, requests/s")
    parser.add_argument("--latency", type=float, default=0.05, help="server latency, seconds")
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--read-timeout", type=float, default=None, help="client read timeout (default: client's)")
    args = parser.parse_args(argv)

    runs = []
    print(f"{'run':>3} {'titles':>7} {'requests':>8} {'seconds':>8} {'req/s':>7} {'of limit':>8} {'useful':>7} "
          f"{'429s':>5} {'5xx':>4} {'trunc':>5} {'hung':>4} {'gave up':>7} {'agree':>5}")
    for i in range(args.runs):
        r = run_once(args, seed=i)
        runs.append(r)
        print(f"{i + 1:>3} {r['titles']:>7} {r['requests']:>8} {r['seconds']:>8.2f} {r['rps']:>7.2f} "
              f"{r['share_of_limit']:>8.1%} {r['useful_share_of_limit']:>7.1%} {r['server_429']:>5} "
              f"{r['server_5xx']:>4} {r['server_truncated']:>5} {r['server_hung']:>4} {r['given_up']:>7} "
              f"{'yes' if r['agree'] else 'NO':>5}", flush=True)
    keys = ("seconds", "rps", "share_of_limit", "useful_rps", "useful_share_of_limit", "given_up")
    median = {k: statistics.median(r[k] for r in runs) for k in keys}
    agree = all(r["agree"] for r in runs)
    mode = "faults (5% 5xx, 2% truncated, 1% 8 s hangs)" if args.faults else "no faults"
    print(f"median ({mode}): {median['useful_rps']:.2f} useful req/s = {median['useful_share_of_limit']:.1%} of "
          f"the {args.limit:g} req/s server limit ({median['rps']:.2f} req/s sent = {median['share_of_limit']:.1%}; "
          f"{median['seconds']:.1f} s; client limiter {args.client_rps:g} req/s, {args.workers} workers, "
          f"{args.latency * 1000:g} ms latency)")
    print(f"report and store agree in every run: {'yes' if agree else 'NO'}; requests given up (median): "
          f"{median['given_up']:g}")
    print(json.dumps({"bench": "tmdb_sync", "faults": FAULTS if args.faults else None, "runs": args.runs,
                      "target": args.target, "server_limit": args.limit, "client_rps": args.client_rps,
                      "workers": args.workers, "latency": args.latency, "median_rps": median["rps"],
                      "median_share_of_limit": median["share_of_limit"], "median_useful_rps": median["useful_rps"],
                      "median_useful_share_of_limit": median["useful_share_of_limit"],
                      "median_seconds": median["seconds"], "median_given_up": median["given_up"],
                      "report_store_agree": agree, "runs_detail": runs}))
    figure = median["useful_share_of_limit"] if args.faults else median["share_of_limit"]
    return 0 if figure >= 0.9 and agree else 1


if __name__ == "__main__":
    sys.exit(main())
