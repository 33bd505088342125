"""The self-check: generated tables against the data contract.

Two layers, because ``core.data.contract.validate`` reads row by row (about a millisecond a row, so a million
events would take a quarter of an hour): ``validate`` on a sample of every table and every chunk (the rows
holding each column's minimum and maximum, plus random rows; or every row when asked), and, on every row,
vectorised Arrow checks of the contract's rules read from the same ``Field`` rows: required values present,
numbers in range, categories allowed, title ids known and keys unique (within each chunk; blocks hold whole
users, so keys cannot repeat across chunks).
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from core.data import contract


def _extremes(table: pa.Table) -> set[int]:
    """Row positions holding the minimum or maximum of each numeric or timestamp column."""
    rows = set()
    for name in table.column_names:
        column = table.column(name)
        if (pa.types.is_floating(column.type) or pa.types.is_integer(column.type)
                or pa.types.is_timestamp(column.type)) and column.null_count < len(column):
            for fn in (pc.min, pc.max):
                position = pc.index(column, fn(column)).as_py()
                if position is not None and position >= 0:
                    rows.add(position)
    return rows


def sample(table: pa.Table, k: int | None, rng: np.random.Generator) -> pa.Table:
    """``k`` rows (all when None or when the table is smaller): the extremes plus random rows, in order."""
    if k is None or len(table) <= k:
        return table
    chosen = _extremes(table)
    extra = rng.choice(len(table), size=min(len(table), k), replace=False)
    for position in extra:
        if len(chosen) >= k:
            break
        chosen.add(int(position))
    return table.take(pa.array(sorted(chosen), pa.int64()))


def violations(table: pa.Table, name: str, known: pa.Array | None) -> int:
    """Rule violations on every row (a row breaking two rules counts twice)."""
    spec, bad = contract.TABLES[name], 0
    for f in spec.fields:
        if f.name not in table.column_names:
            bad += len(table) if f.required else 0
            continue
        column = table.column(f.name)
        bad += column.null_count if f.required else 0
        if f.low is not None:
            bad += pc.sum(pc.or_(pc.less(column, f.low), pc.greater(column, f.high))).as_py() or 0
        if f.allowed:
            bad += pc.sum(pc.invert(pc.is_in(column, value_set=pa.array(f.allowed)))).as_py() or 0
    if known is not None and "title_id" in spec.refers_to:
        bad += pc.sum(pc.invert(pc.is_in(table.column("title_id"), value_set=known))).as_py() or 0
    bad += len(table) - len(table.group_by(list(spec.key)).aggregate([]))
    return int(bad)


class SelfCheck:
    """Accumulates, per table, rows written, rows validated, rows rejected and rule violations."""

    def __init__(self, rng: np.random.Generator, rows_per_chunk: int | None, known: pa.Array):
        self.rng = rng
        self.rows_per_chunk = rows_per_chunk
        self.known = known
        self.known_set = set(known.to_pylist())
        self.report: dict[str, dict] = {}

    def add(self, table: pa.Table, name: str) -> None:
        """Check one chunk of ``name``."""
        entry = self.report.setdefault(name, {"rows": 0, "rows_checked": 0, "rows_rejected": 0,
                                              "rule_violations_all_rows": 0, "reasons": {}})
        entry["rows"] += len(table)
        if not len(table):
            return
        part = sample(table, self.rows_per_chunk, self.rng)
        frame = part.to_pandas()
        known = None
        if "title_id" in contract.TABLES[name].refers_to:  # the known ids among the sample's: same verdicts, and
            known = self.known_set.intersection(frame["title_id"].dropna())  # validate's isin stays small
        result = contract.validate(frame, name, known_titles=known)
        entry["rows_checked"] += result.rows_read
        entry["rows_rejected"] += len(result.rejected)
        entry["rule_violations_all_rows"] += violations(table, name, self.known)
        for reason, count in result.reasons.items():
            entry["reasons"][reason] = entry["reasons"].get(reason, 0) + count

    @property
    def passed(self) -> bool:
        return all(e["rows_rejected"] == 0 and e["rule_violations_all_rows"] == 0 for e in self.report.values())
