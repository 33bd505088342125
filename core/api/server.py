"""``python -m core api [--host 127.0.0.1] [--port 8000]``: serve the JSON API with uvicorn.

Without a token (``MARQUEE_API_TOKEN`` or the Streamlit secrets) it listens on 127.0.0.1 only: any other host is
refused with exit status 2 before anything is loaded.
"""
from __future__ import annotations

import argparse
import sys

from core.api.auth import LOCAL_HOST, bind_problem, configured_token


def main(argv: list[str] | None = None) -> int:
    """Parse the options, check the host against the token, then serve until stopped.

    Returns:
        2 when the host is refused; 0 when the server stops (uvicorn re-raises a SIGTERM or SIGINT it stopped on,
        so the process then ends by that signal, after a graceful shutdown).
    """
    parser = argparse.ArgumentParser(prog="python -m core api", description="Serve the Marquee JSON API.")
    parser.add_argument("--host", default=LOCAL_HOST, help=f"Interface to listen on (default {LOCAL_HOST}).")
    parser.add_argument("--port", type=int, default=8000, help="Port (default 8000; 0 picks a free one).")
    args = parser.parse_args(argv)
    problem = bind_problem(args.host, configured_token())
    if problem:
        print(problem, file=sys.stderr)
        return 2
    import uvicorn

    uvicorn.run("core.api:app", host=args.host, port=args.port, log_config=log_config())
    return 0


def log_config() -> dict:
    """uvicorn's own logging config, with its error log propagating to its handler again.

    Reading the secrets parses Streamlit's config, which sets every ``uvicorn.*`` logger not to propagate and
    gives each a Streamlit handler: without this, the server's start and stop lines would vanish and requests
    would be printed by Streamlit's handler. ``dictConfig`` replaces those handlers.
    """
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    for name in ("uvicorn.error", "uvicorn.asgi"):
        config["loggers"][name] = {**config["loggers"].get(name, {}), "level": "INFO", "propagate": True}
    return config
