"""Arrow helpers: text ids built without Python loops, timestamps, and one Parquet writer per table."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

TIMESTAMP = pa.timestamp("us")


def ids(prefix: str, n: int, width: int, first: int = 1) -> pa.Array:
    """``n`` text ids ``prefix`` + a number zero-padded to ``width`` digits (``s0000042``).

    Args:
        prefix: one ASCII letter.
        n: how many ids (numbered first .. first+n-1).
        width: digits; must hold the last number.
        first: the first number.
    """
    number = np.arange(first, first + n, dtype=np.int64)
    raw = np.empty((n, width + 1), dtype=np.uint8)
    raw[:, 0] = ord(prefix)
    for k in range(width):
        raw[:, width - k] = 48 + (number // 10 ** k) % 10
    return pa.array(raw.view(f"S{width + 1}").ravel()).cast(pa.string())


def stamps(seconds: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    """Naive (UTC) timestamps from seconds since the epoch (before 1970 is negative); ``missing`` rows are null."""
    seconds = np.asarray(seconds, dtype=np.int64)
    missing = np.zeros(len(seconds), dtype=bool) if missing is None else np.asarray(missing, dtype=bool)
    values = np.where(missing, 0, seconds) * 1_000_000
    return pa.array(values, type=pa.int64(), mask=missing).cast(TIMESTAMP)


def floats(values: np.ndarray, decimals: int = 2) -> pa.Array:
    """Rounded float64 values; NaN becomes null."""
    values = np.round(np.asarray(values, dtype=np.float64), decimals)
    return pa.array(values, type=pa.float64(), mask=np.isnan(values))


def pick(labels: tuple[str, ...], codes: np.ndarray) -> pa.Array:
    """Text labels by integer code (dictionary-decoded, so a million rows cost one take)."""
    return pa.array(np.asarray(labels, dtype=object)).take(pa.array(np.asarray(codes, dtype=np.int32)))


class TableWriter:
    """Appends row groups of one table to ``DIR/<name>.parquet`` (zstd, fixed schema, deterministic bytes)."""

    def __init__(self, out: Path, name: str, schema: pa.Schema):
        self.path = Path(out) / f"{name}.parquet"
        self.schema = schema
        self.rows = 0
        self._writer = pq.ParquetWriter(self.path, schema, compression="zstd")

    def write(self, table: pa.Table) -> None:
        """Append ``table`` (cast to the schema) as one row group."""
        self._writer.write_table(table.select(self.schema.names).cast(self.schema), row_group_size=len(table) or 1)
        self.rows += len(table)

    def close(self) -> None:
        self._writer.close()


def write_table(out: Path, name: str, table: pa.Table) -> int:
    """Write one whole table as ``DIR/<name>.parquet``; returns its row count."""
    writer = TableWriter(out, name, table.schema)
    writer.write(table)
    writer.close()
    return writer.rows
