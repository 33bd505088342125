"""Frames into JSON-ready rows: what the pages draw as tables, sent as lists of objects."""
from __future__ import annotations

import json

import pandas as pd


def records(df: pd.DataFrame, rename: dict[str, str] | None = None) -> list[dict]:
    """The rows of ``df`` as plain dicts: missing values as None, dates as ISO 8601 text, numpy values as Python.

    Args:
        df: any frame (never mutated).
        rename: keep only these columns, under the new names (``{column: field}``); None keeps every column.
    """
    if rename is not None:
        df = df[[c for c in rename if c in df.columns]].rename(columns=rename)
    return json.loads(df.to_json(orient="records", date_format="iso", default_handler=str))


def window(df: pd.DataFrame, limit: int, offset: int) -> tuple[dict, pd.DataFrame]:
    """The page info and rows ``offset`` to ``offset + limit`` of ``df``."""
    return {"total": len(df), "limit": limit, "offset": offset}, df.iloc[offset:offset + limit]


def monthly(df: pd.DataFrame) -> pd.DataFrame:
    """A monthly series with its ``ds`` column as ``YYYY-MM-DD`` text."""
    return df.assign(ds=pd.to_datetime(df["ds"]).dt.strftime("%Y-%m-%d"))
