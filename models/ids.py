"""Ids in the caller's own type: an index of title or user ids that looks up and returns what it was given.

Estimators that take ids (the recommender, the love model) keep the ids of their training frames as they came
(int, str, or any hashable), so ``recommend(1)`` on MovieLens with integer ``title_id`` returns integers that
match the caller's catalogue. Two conveniences, both documented where they apply:

* when the titles frame and the ratings frame disagree on the id type (a str catalogue, int ratings), the
  ratings' ids are converted to the catalogue's type where every one of them converts (``"1"`` <-> ``1``);
* a lookup that misses tries the same conversion, so ``predict(1, "2021")`` finds title ``2021`` of an integer
  catalogue (and ``"7"`` finds user ``7``); ids that match in neither form stay unknown.

Returned ids are plain Python values (``int``, not ``numpy.int64``), via ``Index.tolist``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def _is_integer_kind(values) -> bool:
    return pd.api.types.is_integer_dtype(getattr(values, "dtype", None)) or (
        len(values) > 0 and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values))


def _to_int(values) -> np.ndarray | None:
    """Every value as an int, or None when one does not convert exactly ("01" and "1.5" do not)."""
    out = []
    for v in values:
        if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
            out.append(int(v))
        elif isinstance(v, str) and v.strip().lstrip("-").isdigit() and str(int(v)) == v.strip():
            out.append(int(v))
        else:
            return None
    return np.asarray(out, dtype=np.int64)


def like(ids, reference) -> pd.Series:
    """``ids`` (a Series) in the type of ``reference`` where all of them convert; unchanged otherwise."""
    ids = pd.Series(ids)
    if len(ids) == 0 or len(reference) == 0:
        return ids
    ref_int, ids_int = _is_integer_kind(reference), _is_integer_kind(ids.to_numpy())
    if ref_int and not ids_int:
        converted = _to_int(ids.to_numpy())
        return ids if converted is None else pd.Series(converted, index=ids.index)
    if not ref_int and ids_int and all(isinstance(v, str) for v in reference[:100]):
        return ids.map(str)
    return ids


def positions(index: pd.Index, ids) -> np.ndarray:
    """Positions of ``ids`` in ``index`` (-1 where unknown), retrying misses in the index's id type."""
    keys = pd.Index(ids if isinstance(ids, (np.ndarray, pd.Series, pd.Index)) else list(ids))
    if len(keys) == 0:
        return np.zeros(0, int)
    pos = index.get_indexer(keys)
    values = keys.to_numpy(dtype=object)
    miss = np.flatnonzero(pos < 0)
    if len(miss) and len(index):
        index_int = pd.api.types.is_integer_dtype(index.dtype)
        retry = []
        for v in values[miss]:
            if index_int and isinstance(v, str):
                converted = _to_int([v])
                retry.append(converted[0] if converted is not None else None)
            elif not index_int and isinstance(v, (int, np.integer)) and not isinstance(v, bool):
                retry.append(str(int(v)))
            else:
                retry.append(None)
        found = index.get_indexer(pd.Index(retry, dtype=object))
        pos[miss] = np.where(np.array([r is not None for r in retry]), found, -1)
    return pos


def position(index: pd.Index, value) -> int:
    """Position of one id in ``index`` (-1 when unknown), see :func:`positions`."""
    return int(positions(index, [value])[0])
