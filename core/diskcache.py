"""The one scheme for artefacts persisted in the cache dir: fitted models, evaluation reports, home snapshots.

``st.cache_*`` lives in one process; this keeps a result across restarts, so a page whose model was trained
once renders fast afterwards. An entry is a name plus a key, and the key is ``fingerprint`` of everything the
result depends on: parameters, the data (a frame's content hash or a data version stamp) and the code that
computes it (pass the modules themselves; their source is hashed). Change any of those and the key changes, so
a stale entry is never read. Two formats share the scheme: ``joblib`` for models and frames, ``json`` for small
snapshots a cold start reads without importing pandas-heavy code. Files are written atomically (a temp file,
then a rename) with a header that names them and a SHA-256 checksum of the payload, checked on load: a
damaged, truncated or tampered-with file counts as missing and is rebuilt. A read-only or full cache dir costs
speed, never a page: values are computed in memory and ``writable()`` says why nothing is kept. The folder is
pruned to a size cap.

Several processes (the replicas of ``python -m core serve``) share one cache dir. Writes are atomic renames, so
a reader never sees half a file, and ``load_or_build`` holds a per-entry file lock while it builds: the first
replica that needs a model trains it, the others wait for the lock and read the stored result instead of
training it again.
"""
from __future__ import annotations

import functools
import hashlib
import io
import json
import logging
import os
import tempfile
import types
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any, Callable

from core import config

log = logging.getLogger(__name__)
FORMATS = ("joblib", "json")
MAGIC = 1  # the file scheme; bump to make every older file read as damaged
_FOLDERS = {"joblib": "persist", "json": "snapshot", "parquet": "persist"}


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


def _digest(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


def _encode(name: str, key: str, value: Any, fmt: str) -> bytes:
    """The file's bytes: a header naming what it is (name, key, checksum of the payload), then the payload."""
    if fmt == "json":
        payload = json.dumps(value, sort_keys=True)
        return json.dumps({"marquee": MAGIC, "name": name, "key": key, "sha256": _digest(payload.encode()),
                           "value": value}).encode()
    buffer = io.BytesIO()
    if fmt == "parquet":  # a frame: columnar, read back in a fraction of a pickle's time
        value.to_parquet(buffer, index=False)
    else:
        _joblib().dump(value, buffer)
    payload = buffer.getvalue()
    header = json.dumps({"marquee": MAGIC, "name": name, "key": key, "sha256": _digest(payload)})
    return header.encode() + b"\n" + payload


def _decode(raw: bytes, name: str, key: str, fmt: str) -> Any:
    """The stored value; ``ValueError`` when the header or the checksum does not match."""
    if fmt == "json":
        doc = json.loads(raw)
        ok = isinstance(doc, dict) and doc.get("sha256") == _digest(json.dumps(doc.get("value"), sort_keys=True)
                                                                    .encode())
        header, value = doc, doc.get("value") if isinstance(doc, dict) else None
    else:
        head, _, payload = raw.partition(b"\n")
        header = json.loads(head)
        ok = header.get("sha256") == _digest(payload)
    if not ok or header.get("marquee") != MAGIC or header.get("name") != name or header.get("key") != key:
        raise ValueError("checksum or header mismatch")
    if fmt == "parquet":
        return _read_frame(payload)
    return value if fmt == "json" else _joblib().load(io.BytesIO(payload))


def _read_frame(payload: bytes):
    """A stored frame as it was saved: Parquet hands list columns back as arrays, so they become lists again."""
    import numpy as np
    import pandas as pd

    frame = pd.read_parquet(io.BytesIO(payload))
    for column in frame.columns:
        if frame[column].dtype == object and len(frame) and isinstance(frame[column].iloc[0], np.ndarray):
            frame[column] = frame[column].map(list)
    return frame


def load(name: str, key: str, fmt: str = "joblib") -> Any | None:
    """The stored value, or None when it is missing, unreadable or fails its checksum (logged; it is rebuilt)."""
    path = _path(name, key, fmt)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("Cannot read cache file %s (%s); rebuilding it", path.name, type(exc).__name__)
        return None
    try:
        value = _decode(raw, name, key, fmt)
    except Exception as exc:  # damaged, truncated, tampered with or from another scheme: rebuild, never trust
        log.warning("Ignoring damaged cache file %s (%s); rebuilding it", path.name, exc)
        return None
    try:
        os.utime(path)  # mark as recently used for prune(); a read-only cache still serves the value
    except OSError:
        pass
    return value


def save(name: str, key: str, value: Any, fmt: str = "joblib") -> bool:
    """Store a value atomically; returns False when the cache dir cannot be written (read-only, full disk):
    that only costs speed, so it is logged (once per reason) and the caller goes on with the value in memory."""
    path = _path(name, key, fmt)
    tmp = None
    try:
        data = _encode(name, key, value, fmt)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        _warn_unwritable(str(config.cache_dir()), exc.strerror or type(exc).__name__)
        return False
    finally:
        if tmp and os.path.exists(tmp):
            os.remove(tmp)
    prune()
    return True


@functools.lru_cache(maxsize=8)
def _warn_unwritable(folder: str, reason: str) -> None:
    log.warning("Cannot save to the cache dir %s (%s): results are computed in memory and not kept", folder, reason)


def writable() -> tuple[bool, str]:
    """Whether the cache dir takes new files, and why not (a read-only mount, a full disk, a missing folder)."""
    folder = config.cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".probe-"):
            pass
    except OSError as exc:
        return False, exc.strerror or type(exc).__name__
    return True, ""


def lock_timeout() -> float:
    """Seconds a process waits for another one's build of the same entry (``MARQUEE_LOCK_TIMEOUT``, default
    600) before it builds the entry itself."""
    try:
        return float(os.environ.get("MARQUEE_LOCK_TIMEOUT", 600))
    except ValueError:
        return 600.0


@contextmanager
def build_lock(name: str, key: str = ""):
    """Hold the cross-process lock of one entry (a file lock under ``<cache>/locks``) while building it.

    Other processes and threads asking for the same entry wait here. The lock is released when its holder
    exits, even when killed (an OS file lock). A cache dir that cannot hold a lock file, or a wait longer than
    ``lock_timeout()``, builds without it: that costs duplicate work, never a page.
    """
    from filelock import FileLock, Timeout

    folder = config.cache_dir() / "locks"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lock = FileLock(folder / f"{name}-{key}.lock", timeout=lock_timeout())
        lock.acquire()
    except Timeout:
        log.warning("Waited %.0f s for another process to build %s; building it here too", lock_timeout(), name)
        lock = None
    except OSError as exc:
        _warn_unwritable(str(config.cache_dir()), exc.strerror or type(exc).__name__)
        lock = None
    try:
        yield
    finally:
        if lock is not None:
            lock.release()


def load_or_build(name: str, key: str, build: Callable[[], Any], fmt: str = "joblib") -> Any:
    """The stored value for (name, key), or ``build()`` stored under it (kept in memory only when the cache dir
    cannot be written). Only one process builds a given entry at a time; the others read its result."""
    value = load(name, key, fmt)
    if value is not None:
        return value
    with build_lock(name, key) if writable()[0] else nullcontext():
        value = load(name, key, fmt)  # built by another process while this one waited
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
    files = []
    for fmt, folder in _FOLDERS.items():
        for path in (config.cache_dir() / folder).glob(f"*.{fmt}"):
            try:  # another process may prune or replace the same file meanwhile
                stat = path.stat()
            except OSError:
                continue
            files.append((stat.st_mtime, stat.st_size, path))
    files.sort()
    total, removed = sum(size for _, size, _ in files), []
    for _, size, path in files:
        if total <= limit:
            break
        total -= size
        try:
            path.unlink(missing_ok=True)
        except OSError:
            continue
        removed.append(path.name)
    return removed


def _joblib():
    import joblib  # lazy: the home page's cold path reads JSON snapshots only

    return joblib
