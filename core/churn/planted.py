"""Planted vs recovered: does the churn model find the drivers a synthetic platform was generated with?

A synthetic platform's manifest (``core.synth``) lists the true churn drivers: name, coefficient (log-odds per
month of a logistic hazard), a definition and the subscriber column each is recorded as. Each driver is read
back from the subscribers in its own units (``observable``), and the model's honest scores (out-of-sample
logits) are summarised by one linear regression on those readings: its coefficient per driver is what the model
learned about that driver, holding the others fixed. A linear summary is used rather than moving one model
input at a time because a driver can live in several inputs (monthly billing is part of the plan, price too):
moving one input alone would miss the part the model learned through the other.

Pure functions (no Streamlit).
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "twelve": 12}
COLUMNS = ["driver", "definition", "true_coefficient", "reads_as", "recovered", "agrees", "true_rank",
           "recovered_rank"]


def drivers(manifest: dict) -> list[dict]:
    """The planted churn drivers of a manifest (name, coefficient, definition, recorded_as); [] when none."""
    churn = manifest.get("churn") or {}
    recorded = churn.get("recorded_as") or {}
    return [{"name": str(d["name"]), "coefficient": float(d["coefficient"]),
             "definition": str(d.get("definition", "")), "recorded_as": str(recorded.get(d["name"], ""))}
            for d in churn.get("drivers") or [] if "name" in d and "coefficient" in d]


def _column(driver: dict, frame: pd.DataFrame) -> str | None:
    found = re.search(r"subscribers\.(\w+)", driver["recorded_as"])
    if found and found.group(1) in frame.columns:
        return found.group(1)
    named = [c for c in frame.columns if re.search(rf"\b{re.escape(c)}\b", driver["definition"])]
    return named[0] if named else None


def observable(driver: dict, frame: pd.DataFrame) -> tuple[pd.Series, str] | None:
    """The driver read from the subscribers in its own units, and how it was read; None when no column has it.

    Rules, first match wins: ``column == 'level'`` in recorded_as -> 0/1; ``(column - a) / b`` in the definition
    -> that; a standardised log in the definition -> z-score of log(1 + column); "first N" -> 0/1 column <= N;
    otherwise the column per standard deviation (numbers) or its commonest level (categories).
    """
    column = _column(driver, frame)
    if column is None:
        return None
    values, text = frame[column], driver["definition"].lower()
    if level := re.search(rf"{column}\s*==\s*'([^']+)'", driver["recorded_as"]):
        return (values.astype(str) == level.group(1)).astype(float), f"{column} is '{level.group(1)}'"
    if affine := re.search(rf"\(\s*{column}\s*-\s*([-\d.]+)\s*\)\s*/\s*([\d.]+)", driver["definition"]):
        a, b = float(affine.group(1)), float(affine.group(2))
        return (values - a) / b, f"({column} - {a:g}) / {b:g}"
    if "log" in text and "standardi" in text:
        logged = np.log1p(values.clip(lower=0))
        return (logged - logged.mean()) / logged.std(), f"z-score of log(1 + {column})"
    if first := re.search(r"first (\d+|" + "|".join(_WORDS) + r")\b", text):
        n = int(first.group(1)) if first.group(1).isdigit() else _WORDS[first.group(1)]
        return (values <= n).astype(float), f"{column} <= {n} months"
    if pd.api.types.is_numeric_dtype(values):
        return (values - values.mean()) / values.std(), f"{column} per standard deviation"
    top = values.astype(str).mode().iloc[0]
    return (values.astype(str) == top).astype(float), f"{column} is '{top}'"


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def recovered(manifest: dict, frame: pd.DataFrame, scores: np.ndarray) -> pd.DataFrame:
    """Each planted driver beside what the model's scores say about it.

    Args:
        frame: ``PlatformFrame.frame`` (every subscriber column, aligned with ``scores``).
        scores: each subscriber's out-of-sample churn probability.

    Returns:
        ``COLUMNS``: ``recovered`` is the coefficient of a least-squares fit of the score logits on every
        readable driver (NaN for a driver no column holds), ``agrees`` whether its sign is the true one, and the
        ranks order the drivers by effect per standard deviation (coefficient x std of the reading), 1 = strongest.
    """
    planted = drivers(manifest)
    read = {d["name"]: observable(d, frame) for d in planted}
    usable = [n for n, r in read.items() if r is not None]
    coef = dict.fromkeys(usable, np.nan)
    if usable:
        A = np.column_stack([np.ones(len(frame))] + [read[n][0].to_numpy(dtype=float) for n in usable])
        ok = np.isfinite(A).all(axis=1) & np.isfinite(scores)
        coef = dict(zip(usable, np.linalg.lstsq(A[ok], _logit(scores[ok]), rcond=None)[0][1:]))
    sd = {n: float(read[n][0].std()) for n in usable}
    rows = [{"driver": d["name"], "definition": d["definition"], "true_coefficient": d["coefficient"],
             "reads_as": read[d["name"]][1] if read[d["name"]] else "no subscriber column holds it",
             "recovered": float(coef.get(d["name"], np.nan)),
             "agrees": bool(np.sign(coef.get(d["name"], np.nan)) == np.sign(d["coefficient"])),
             "true_effect": abs(d["coefficient"]) * sd.get(d["name"], np.nan),
             "recovered_effect": abs(coef.get(d["name"], np.nan)) * sd.get(d["name"], np.nan)} for d in planted]
    out = pd.DataFrame(rows, columns=COLUMNS[:6] + ["true_effect", "recovered_effect"])
    for col in ("true", "recovered"):
        out[f"{col}_rank"] = out[f"{col}_effect"].rank(ascending=False, method="min").astype("Int64")
    return out[COLUMNS]


def display(table: pd.DataFrame) -> pd.DataFrame:
    """The planted-vs-recovered table as shown."""
    return pd.DataFrame({
        "Planted driver": table["driver"], "What it is": table["definition"],
        "True coefficient": table["true_coefficient"].round(2), "Read from the data as": table["reads_as"],
        "Model's coefficient": table["recovered"].round(2),
        "Same direction": table["agrees"].map({True: "Yes", False: "No"}),
        "Strength rank, true / model": [f"{t} / {r}" for t, r in zip(table["true_rank"], table["recovered_rank"])]})


def insights(table: pd.DataFrame, importance: pd.DataFrame, manifest: dict, label) -> list[str]:
    """How many planted directions the model recovers, whether it orders them as the truth does, and how little
    the columns planted as non-drivers matter to it (from the permutation importance)."""
    if table.empty:
        return []
    found = table[table["recovered"].notna()]
    out = [f"The model recovers the direction of {int(found['agrees'].sum())} of {len(table)} planted drivers."]
    if len(found):
        true_top = found.sort_values("true_rank").iloc[0]["driver"]
        model_top = found.sort_values("recovered_rank").iloc[0]["driver"]
        same = "the same one" if true_top == model_top else f"{model_top} instead"
        order = (found.sort_values("true_rank")["recovered_rank"].tolist() == sorted(found["recovered_rank"]))
        out.append(f"Strongest planted driver per standard deviation: {true_top}; the model's strongest: {same}. "
                   f"{'It orders all of them as the truth does.' if order else 'The order below the top differs.'}")
    nots = [c for c in (manifest.get("churn") or {}).get("not_drivers", []) if c in set(importance["feature"])]
    if nots:
        imp = importance.set_index("feature")["importance"]
        out.append(f"Columns planted as no driver ({', '.join(label(c) for c in nots)}) move ROC-AUC by at most "
                   f"{imp[nots].max():.3f} when shuffled, against {imp.max():.3f} for {label(imp.idxmax())}.")
    return out
