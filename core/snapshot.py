"""Small JSON snapshots of cheap-to-read results (home figures, filter facets) in the cache dir.

The home page needs a handful of numbers computed from the 62,801 embedded titles; reading and featuring those
tables costs about 0.6 s of a cold start. A snapshot keyed by the embedded cache's version and the code that
computes the numbers lets a restarted app show them without loading the tables; any change to the data or to
that code changes the key, so a stale snapshot is never read. Unreadable files count as missing.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any, Callable

from core import config

log = logging.getLogger(__name__)


def code_key(*modules: str, extra: Any = "") -> str:
    """A short hash of source files (paths relative to the repo root) and any plain value."""
    h = hashlib.sha256(repr(extra).encode())
    for module in modules:
        h.update((config.ROOT / module).read_bytes())
    return h.hexdigest()[:16]


def _path(name: str, key: str) -> Path:
    return config.cache_dir() / "snapshot" / f"{name}-{key}.json"


def load(name: str, key: str) -> Any | None:
    """The stored value, or None when missing or unreadable."""
    path = _path(name, key)
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("Ignoring unreadable snapshot %s (%s)", path.name, type(exc).__name__)
        return None


def save(name: str, key: str, value: Any) -> None:
    """Store a JSON-serialisable value atomically (temp file, then rename)."""
    path = _path(name, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(value, fh)
        os.replace(tmp, path)
    except OSError as exc:  # a read-only or full disk only costs speed
        log.warning("Could not write snapshot %s (%s)", path.name, type(exc).__name__)
        Path(tmp).unlink(missing_ok=True)


def load_or_build(name: str, key: str, build: Callable[[], Any]) -> Any:
    """The stored value for ``key``, or ``build()`` stored under it."""
    value = load(name, key)
    if value is None:
        value = build()
        save(name, key, value)
    return value
