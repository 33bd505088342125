"""Disk persistence for expensive results (fitted models, evaluation reports) in the cache dir.

``st.cache_*`` lives in one process; this keeps a result across restarts so a page whose model was trained
once renders fast afterwards. Entries are keyed by a name plus a fingerprint of everything the result depends
on (data shape/content hash, parameters, a code version), so stale entries are never read. Files are written
atomically; an unreadable file is treated as missing and rebuilt.
"""
from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path
from typing import Any, Callable

import joblib
import pandas as pd

from core import config

log = logging.getLogger(__name__)


def fingerprint(*parts: Any) -> str:
    """A short stable hash of frames (content hash) and plain values."""
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, pd.DataFrame):
            h.update(pd.util.hash_pandas_object(part.astype(str), index=False).values.tobytes())
            h.update(",".join(map(str, part.columns)).encode())
        else:
            h.update(repr(part).encode())
    return h.hexdigest()[:16]


def _path(name: str, key: str) -> Path:
    folder = config.cache_dir() / "persist"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}-{key}.joblib"


def load(name: str, key: str) -> Any | None:
    """The stored result, or None when missing or unreadable."""
    path = _path(name, key)
    if not path.exists():
        return None
    try:
        value = joblib.load(path)
        os.utime(path)  # mark as recently used for prune()
        return value
    except Exception as exc:  # a damaged file: rebuild rather than fail
        log.warning("Ignoring unreadable cache file %s (%s)", path.name, type(exc).__name__)
        return None


def save(name: str, key: str, value: Any) -> None:
    """Store a result atomically (write to a temp file, then rename)."""
    path = _path(name, key)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    try:
        joblib.dump(value, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    prune()


def max_bytes() -> int:
    """Size cap of the persisted results (``MARQUEE_PERSIST_MB``, default 1024 MB)."""
    try:
        return int(float(os.environ.get("MARQUEE_PERSIST_MB", 1024)) * 2**20)
    except ValueError:
        return 2**30


def prune(limit: int | None = None) -> list[str]:
    """Delete the least recently used entries until the folder is under ``limit`` bytes; return their names.

    Entries of older code versions are never read again, so they age out here instead of piling up.
    """
    limit = max_bytes() if limit is None else limit
    folder = config.cache_dir() / "persist"
    if not folder.exists():
        return []
    files = sorted((p for p in folder.glob("*.joblib")), key=lambda p: p.stat().st_mtime)
    total, removed = sum(p.stat().st_size for p in files), []
    for path in files:
        if total <= limit:
            break
        total -= path.stat().st_size
        path.unlink(missing_ok=True)
        removed.append(path.name)
    return removed


def load_or_build(name: str, key: str, build: Callable[[], Any]) -> Any:
    """Return the stored result for (name, key), building and storing it on a miss."""
    value = load(name, key)
    if value is None:
        value = build()
        save(name, key, value)
    return value
