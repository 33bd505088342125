"""Which engine scans the raw tables: DuckDB in this process by default, or any engine Ibis speaks.

One setting, ``MARQUEE_ENGINE``:

- unset or ``duckdb``: an in-process DuckDB (the default; nothing to run beside Marquee);
- ``spark`` (a local Spark, ``local[2]``), ``local[N]`` or ``spark://host:7077``: PySpark, with that master;
- any other Ibis connection URL (``trino://...``, ``clickhouse://...``, ``bigquery://...``, ``polars://``): that
  backend, through ``ibis.connect``.

The queries in ``core.data.queries`` are Ibis expressions over the tables this module opens, so the same code
runs on each. Only aggregates come back to pandas.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

PLATFORM_TABLES = ("titles", "subscribers", "watch_events", "ratings", "reviews")
_SPARK = re.compile(r"spark$|local(\[[0-9*]+\])?$|spark://.+")


class EngineError(RuntimeError):
    """The configured engine cannot be reached or started; the message says which setting to check."""


@dataclass(frozen=True)
class EngineSetting:
    """The parsed ``MARQUEE_ENGINE``: a kind (duckdb, spark, ibis) and its target (master or URL)."""

    kind: str
    target: str = ""

    @property
    def label(self) -> str:
        """How the engine is named on screen (never a URL's credentials)."""
        if self.kind == "duckdb":
            return "DuckDB (in process)"
        if self.kind == "spark":
            return f"Spark ({self.target})"
        return f"{self.target.split('://', 1)[0]} (Ibis)"


def setting(raw: str | None = None) -> EngineSetting:
    """Parse ``MARQUEE_ENGINE`` (or ``raw``)."""
    value = (os.environ.get("MARQUEE_ENGINE", "") if raw is None else raw).strip()
    if value in ("", "duckdb"):
        return EngineSetting("duckdb")
    if _SPARK.fullmatch(value):
        return EngineSetting("spark", "local[2]" if value == "spark" else value)
    if "://" in value:
        return EngineSetting("ibis", value)
    raise EngineError(f"MARQUEE_ENGINE={value[:40]!r} is not an engine: use duckdb, spark, local[N], "
                      "spark://host:port or an Ibis connection URL.")


def spark_session(master: str = "local[2]"):
    """A Spark session for ``master`` (the running one when there is one), in UTC, with no web UI."""
    from pyspark.sql import SparkSession

    return (SparkSession.builder.master(master).appName("marquee")
            .config("spark.ui.enabled", "false").config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.shuffle.partitions", "4").getOrCreate())


def connect(engine: EngineSetting | None = None):
    """An Ibis connection to the configured engine.

    Raises:
        EngineError: the engine could not be started or reached.
    """
    import ibis

    engine = engine or setting()
    try:
        if engine.kind == "duckdb":
            return ibis.duckdb.connect()
        if engine.kind == "spark":
            return ibis.pyspark.connect(spark_session(engine.target))
        return ibis.connect(engine.target)
    except Exception as exc:  # any backend's own failure: one sentence, no traceback for the user
        raise EngineError(f"Could not start {engine.label}: {str(exc).splitlines()[0][:200]}") from exc


def open_platform(con, folder: Path, prefix: str = "") -> dict:
    """The platform's tables (``<table>.parquet`` files in ``folder``) as Ibis tables of ``con``, by name.

    Tables without a file are left out; callers check what they need (``core.data.contract.PAGE_TABLES``).
    """
    tables = {}
    for name in PLATFORM_TABLES:
        path = Path(folder) / f"{name}.parquet"
        if path.exists():
            tables[name] = con.read_parquet(str(path), table_name=f"{prefix}{name}")
    return tables
