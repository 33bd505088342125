"""The TMDB command line (``python -m core sync | refresh``).

``python -m core sync [--base-url URL] [--target N] [--workers N] [--rps N] [--details] [--reviews]`` fetches at
least N unique titles (and, with ``--reviews``, every page of their reviews) into the cache and prints one JSON
report as its last line; ``refresh`` refetches stale data.
The client is in ``core.tmdb.client``, the sync in ``core.tmdb.sync``, the DuckDB store in ``core.tmdb.store``.
"""
from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import duckdb

from core import config
from core.tmdb.client import Progress, TmdbClient, TmdbError, credentials_from_env, make_session, redact
from core.tmdb.store import TmdbStore, TmdbStoreDamaged, move_aside, problem
from core.tmdb.sync import refresh, sync


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m core", description="Sync TMDB titles into the cache.")
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("sync", "refresh"):
        cmd = commands.add_parser(name)
        cmd.add_argument("--base-url", default=config.tmdb_base_url())
        cmd.add_argument("--workers", type=int, default=16)
        cmd.add_argument("--rps", type=float, default=config.tmdb_rps(), help="client requests/s (all workers)")
        cmd.add_argument("--timeout", type=float, default=10.0)
        cmd.add_argument("--max-retries", type=int, default=config.tmdb_max_retries(),
                         help="retries per request (default TMDB_MAX_RETRIES, else 5)")
        cmd.add_argument("--details", action="store_true", help="also fetch runtime/budget/revenue")
        cmd.add_argument("--reviews", action="store_true",
                         help="also fetch every page of the titles' reviews (titles already complete are skipped)")
        cmd.add_argument("--cache-dir", default=None, help="directory of tmdb.duckdb (default: config)")
        cmd.add_argument("--move-damaged", action="store_true",
                         help="if the store is damaged, rename it to tmdb.duckdb.damaged-<time> and start a new one")
    commands.choices["sync"].add_argument("--target", type=int, default=10_000)
    commands.choices["refresh"].add_argument("--max-age-hours", type=float, default=24.0)
    return parser


def main(argv: list[str] | None = None) -> int:
    """CLI entry point. Progress goes to stderr; the last stdout line is the JSON report.

    Exit codes: 0 complete, 3 partial (pages lost or interrupted), 1 TMDB error, 2 no credentials / usage.
    """
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s")
    credentials = credentials_from_env()
    if credentials is None:
        print(json.dumps({"ok": False, "error": "No TMDB credentials: set TMDB_BEARER_TOKEN or TMDB_API_KEY.",
                          "error_type": "MissingCredentials"}))
        return 2
    path = Path(args.cache_dir or config.cache_dir()) / "tmdb.duckdb"
    client = TmdbClient(make_session(credentials, args.workers), args.base_url, credentials, rps=args.rps,
                        workers=args.workers, timeout=args.timeout, max_retries=args.max_retries)
    cancel = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: cancel.set())  # Ctrl-C: stop cleanly, keep what was fetched
    try:
        client.check()  # a wrong key or no network: say so before creating or touching the store
        if args.move_damaged and problem(path):
            print(f"Moved the damaged store to {move_aside(path)}", file=sys.stderr)
        with TmdbStore(path) as store:
            if args.command == "sync":
                report = sync(client, store, args.target, args.details, _printer(), cancel, reviews=args.reviews)
            else:
                report = refresh(client, store, timedelta(hours=args.max_age_hours), args.details, _printer(),
                                 cancel, reviews=args.reviews)
    except TmdbStoreDamaged as exc:
        print(json.dumps({"ok": False, "error": f"{exc} Run again with --move-damaged to keep it aside and start a "
                                                 "new cache.", "error_type": type(exc).__name__}))
        return 1
    except (TmdbError, OSError, duckdb.Error) as exc:  # OSError: the cache file is locked or not writable
        print(json.dumps({"ok": False, "error": redact(exc), "error_type": type(exc).__name__}))
        return 1
    print(json.dumps({"ok": not report.partial, "command": args.command, "db": str(path), **report.as_dict()}))
    return 3 if report.partial else 0


def _printer(every: float = 2.0) -> Progress:
    """A progress callback that prints to stderr at most every ``every`` seconds."""
    last = [0.0]

    def progress(done: int, total: int, message: str) -> None:
        if time.monotonic() - last[0] >= every or done >= total:
            last[0] = time.monotonic()
            print(f"{done}/{total} {message}", file=sys.stderr, flush=True)

    return progress


if __name__ == "__main__":
    sys.exit(main())
