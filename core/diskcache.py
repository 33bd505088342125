"""The one scheme for artefacts persisted in the cache dir: fitted models, evaluation reports, home snapshots.

``st.cache_*`` lives in one process; this keeps a result across restarts, so a page whose model was trained
once renders fast afterwards. An entry is a name plus a key, and the key is ``fingerprint`` of everything the
result depends on: parameters, the data (a frame's content hash or a data version stamp) and the code that
computes it (pass the modules themselves; their source is hashed). Change any of those and the key changes, so
a stale entry is never read. Two formats share the scheme: ``joblib`` for models and frames, ``json`` for small
snapshots a cold start reads without importing pandas-heavy code. Files are written atomically (a temp file,
then a rename), an unreadable file counts as missing and is rebuilt, and the folder is pruned to a size cap.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import types
from pathlib import Path
from typing import Any, Callable

from core import config

log = logging.getLogger(__name__)
FORMATS = ("joblib", "json")
_FOLDERS = {"joblib": "persist", "json": "snapshot"}


def fingerprint(*parts: Any) -> str:
    """A short stable hash of frames (content hash), modules (their source) and plain values (``repr``)."""
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, types.ModuleType):
            h.update(Path(part.__file__).read_bytes())
        elif _is_frame(part):
            import pandas as pd

            h.update(pd.util.hash_pandas_object(part.astype(str), index=False).values.tobytes())
            h.update(",".join(map(str, part.columns)).encode())
        else:
            h.update(repr(part).encode())
    return h.hexdigest()[:16]


def code_version(*module_names: str) -> str:
    """A short hash of the source of modules named like ``"models.love"``, found without importing them (so a
    cold page can key a persisted model before scikit-learn or XGBoost are loaded)."""
    import importlib.util

    h = hashlib.sha256()
    for name in module_names:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.origin:
            raise ModuleNotFoundError(name)
        h.update(name.encode() + Path(spec.origin).read_bytes())
    return h.hexdigest()[:16]


def _is_frame(value: Any) -> bool:
    return type(value).__name__ == "DataFrame" and hasattr(value, "columns")


def _path(name: str, key: str, fmt: str) -> Path:
    return config.cache_dir() / _FOLDERS[fmt] / f"{name}-{key}.{fmt}"


def load(name: str, key: str, fmt: str = "joblib") -> Any | None:
    """The stored value, or None when it is missing or unreadable."""
    path = _path(name, key, fmt)
    if not path.exists():
        return None
    try:
        value = json.loads(path.read_text()) if fmt == "json" else _joblib().load(path)
        os.utime(path)  # mark as recently used for prune()
        return value
    except Exception as exc:  # a damaged file: rebuild rather than fail
        log.warning("Ignoring unreadable cache file %s (%s)", path.name, type(exc).__name__)
        return None


def save(name: str, key: str, value: Any, fmt: str = "joblib") -> None:
    """Store a value atomically; a read-only or full disk only costs speed (logged, not raised)."""
    path = _path(name, key, fmt)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w" if fmt == "json" else "wb") as fh:
            json.dump(value, fh) if fmt == "json" else _joblib().dump(value, fh)
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("Could not write cache file %s (%s)", path.name, type(exc).__name__)
    finally:
        if tmp and os.path.exists(tmp):
            os.remove(tmp)
    prune()


def load_or_build(name: str, key: str, build: Callable[[], Any], fmt: str = "joblib") -> Any:
    """The stored value for (name, key), or ``build()`` stored under it."""
    value = load(name, key, fmt)
    if value is None:
        value = build()
        save(name, key, value, fmt)
    return value


def max_bytes() -> int:
    """Size cap of the persisted artefacts (``MARQUEE_PERSIST_MB``, default 1024 MB)."""
    try:
        return int(float(os.environ.get("MARQUEE_PERSIST_MB", 1024)) * 2**20)
    except ValueError:
        return 2**30


def prune(limit: int | None = None) -> list[str]:
    """Delete the least recently used entries until all formats together are under ``limit`` bytes.

    Entries of older code or data versions are never read again, so they age out here instead of piling up.
    Returns the names of the deleted files.
    """
    limit = max_bytes() if limit is None else limit
    files = [p for fmt, folder in _FOLDERS.items() if (config.cache_dir() / folder).exists()
             for p in (config.cache_dir() / folder).glob(f"*.{fmt}")]
    files.sort(key=lambda p: p.stat().st_mtime)
    total, removed = sum(p.stat().st_size for p in files), []
    for path in files:
        if total <= limit:
            break
        total -= path.stat().st_size
        path.unlink(missing_ok=True)
        removed.append(path.name)
    return removed


def _joblib():
    import joblib  # lazy: the home page's cold path reads JSON snapshots only

    return joblib
