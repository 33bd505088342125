"""Forecasting page, part 2: backtest tables, verdicts and the report across genres and for one genre.

Pure pandas on the outputs of :func:`core.forecast.engine.fit_models`; every ``*_insights`` function returns
2-4 sentences computed from what it is given.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from core.forecast.engine import HORIZON, MODELS, fit_models


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 else f"{value:,.1f}"

# ------------------------------------------------------------------ one genre
def genre_report(history: pd.DataFrame, fitted: dict) -> dict:
    """Backtest table, holdout, verdict and forecasts of one genre from :func:`fit_models` output.

    Returns:
        ``reason``, ``history``, and when the series could be forecast: ``backtest`` (see
        :func:`backtest_table`), ``holdout`` (see :func:`holdout_frame`), ``forecasts``, ``scale_method``,
        ``failed`` and ``verdict`` (see :func:`verdict`).
    """
    if fitted["reason"]:
        return {"reason": fitted["reason"], "history": history, "failed": fitted["failed"]}
    runs = fitted["runs"]
    table = backtest_table(runs)
    return {"reason": None, "history": history, "backtest": table, "holdout": holdout_frame(runs),
            "forecasts": fitted["forecasts"], "scale_method": next(iter(runs.values()))["scale_method"],
            "failed": fitted["failed"], "verdict": verdict(table)}


def genre_models(history: pd.DataFrame, horizon: int = HORIZON) -> dict:
    """Fit, backtest and report one genre: :func:`genre_report` of :func:`fit_models`."""
    return genre_report(history, fit_models(history, horizon))


def backtest_table(runs: dict) -> pd.DataFrame:
    """One row per model, best first: ``key, model, mase, mae, coverage, bias_pct, vs_naive_pct, seconds``.

    ``vs_naive_pct`` is how much lower the MASE is than the seasonal naive one (positive = better). When
    MASE is undefined (a flat training history), MAE is compared instead. ``bias_pct`` is the forecast's
    12-month total against the actual total, in % (log-scale fits forecast a typical month, so they run low
    on spiky series).
    """
    rows = []
    for k, r in runs.items():
        actual = float(r["holdout"]["y"].sum())
        bias = (float(r["holdout"]["yhat"].sum()) / actual - 1) * 100 if actual else np.nan
        rows.append({"key": k, "model": MODELS[k], **{m: r[m] for m in ("mase", "mae", "coverage", "seconds")},
                     "bias_pct": bias})
    table = pd.DataFrame(rows, columns=["key", "model", "mase", "mae", "coverage", "bias_pct", "seconds"])
    metric = "mase" if table["mase"].notna().all() else "mae"
    naive = table.loc[table["key"] == "snaive", metric]
    base = float(naive.iloc[0]) if len(naive) else np.nan
    table["vs_naive_pct"] = (1 - table[metric] / base) * 100 if base and np.isfinite(base) else np.nan
    table = table.sort_values(metric, kind="stable", ignore_index=True)
    return table[["key", "model", "mase", "mae", "coverage", "bias_pct", "vs_naive_pct", "seconds"]]


def holdout_frame(runs: dict) -> pd.DataFrame:
    """Long frame of the holdout: ``ds, model, yhat`` per model plus the actuals as model "Actual"."""
    first = next(iter(runs.values()))["holdout"]
    parts = [pd.DataFrame({"ds": first["ds"], "model": "Actual", "yhat": first["y"]})]
    parts += [pd.DataFrame({"ds": r["holdout"]["ds"], "model": MODELS[k], "yhat": r["holdout"]["yhat"]})
              for k, r in runs.items()]
    return pd.concat(parts, ignore_index=True)


def verdict(table: pd.DataFrame) -> dict:
    """Plain-language result of the backtest.

    Returns:
        ``winner`` (model key), ``prophet_gain`` (% MASE below seasonal naive, NaN if unknown),
        ``beats_naive`` (bool), ``show_best`` (a model other than Prophet won, so the page draws it too)
        and ``text``.
    """
    by_key = table.set_index("key")
    winner = str(table["key"].iloc[0])
    metric = "MASE" if table["mase"].notna().all() else "MAE"
    col = metric.lower()
    prophet_gain = float(by_key.loc["prophet", "vs_naive_pct"]) if "prophet" in by_key.index else np.nan
    beats = bool(np.isfinite(prophet_gain) and prophet_gain > 0)
    if "prophet" not in by_key.index:
        first = "Prophet could not be fitted"
    elif "snaive" not in by_key.index or not np.isfinite(prophet_gain):
        first = f"Prophet's {metric} is {by_key.loc['prophet', col]:.2f}"
    elif beats:
        first = (f"Prophet beats the seasonal-naive baseline by {prophet_gain:.0f}% ({metric} "
                 f"{by_key.loc['prophet', col]:.2f} vs {by_key.loc['snaive', col]:.2f})")
    else:
        first = (f"Prophet does not beat the seasonal-naive baseline ({metric} {by_key.loc['prophet', col]:.2f} "
                 f"vs {by_key.loc['snaive', col]:.2f})")
    second = (f"best on this backtest: {MODELS[winner]} ({metric} {by_key.loc[winner, col]:.2f})"
              if winner != "prophet" else "no other model did better")
    return {"winner": winner, "prophet_gain": prophet_gain, "beats_naive": beats, "show_best": winner != "prophet",
            "text": f"{first}; {second}."}


# ------------------------------------------------------------------ summary across genres
def summary_table(results: dict) -> pd.DataFrame:
    """One row per genre: history, last 12 months, next 12 by Prophet and by the backtest winner, MASE per
    model, best model and the verdict.

    Args:
        results: genre -> output of :func:`genre_models`.
    """
    rows = []
    for genre, res in results.items():
        hist = res["history"]
        last = float(hist["y"].tail(12).sum()) if len(hist) else 0.0
        row = {"genre": genre, "months": len(hist), "last_12": last}
        if res.get("reason"):
            rows.append({**row, "verdict": res["reason"]})
            continue
        mase = res["backtest"].set_index("key")["mase"]
        winner = res["verdict"]["winner"]
        totals = {k: float(f["yhat"].sum()) for k, f in res["forecasts"].items()}
        nxt, best = totals.get("prophet", np.nan), totals.get(winner, np.nan)
        bias = res["backtest"].set_index("key")["bias_pct"].get("prophet", np.nan)
        rows.append({**row, "next_12_prophet": nxt, "change_prophet_pct": _change(nxt, last), "bias_prophet_pct": bias,
                     "best": MODELS[winner], "next_12_best": best, "change_best_pct": _change(best, last),
                     **{f"mase_{k}": float(mase.get(k, np.nan)) for k in MODELS}, "verdict": res["verdict"]["text"]})
    return pd.DataFrame(rows).reindex(columns=SUMMARY_COLUMNS)


def prophet_forecasts(results: dict) -> pd.DataFrame:
    """Prophet's forecasts of every genre that has one: ``genre, ds, yhat, yhat_lower, yhat_upper``."""
    parts = [r["forecasts"]["prophet"].assign(genre=g) for g, r in results.items()
             if not r.get("reason") and "prophet" in r.get("forecasts", {})]
    cols = ["genre", "ds", "yhat", "yhat_lower", "yhat_upper"]
    return pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)


SUMMARY_COLUMNS = ["genre", "months", "last_12", "next_12_prophet", "change_prophet_pct", "bias_prophet_pct", "best",
                   "next_12_best", "change_best_pct", *(f"mase_{k}" for k in MODELS), "verdict"]


def _change(new: float, old: float) -> float:
    return (new / old - 1) * 100 if old and np.isfinite(new) else np.nan


def summary_display(table: pd.DataFrame, noun: str) -> pd.DataFrame:
    """The summary table with readable headers and rounded figures (what the page shows and downloads)."""
    names = {"genre": "genre", "months": "months of history", "last_12": f"{noun}, last {HORIZON} months",
             "next_12_prophet": f"{noun}, next 12 (Prophet)", "change_prophet_pct": "change, Prophet (%)",
             "bias_prophet_pct": "Prophet backtest total vs actual (%)", "best": "best on backtest",
             "next_12_best": f"{noun}, next 12 (best model)", "change_best_pct": "change, best model (%)",
             **{f"mase_{k}": f"MASE {v}" for k, v in MODELS.items()}, "verdict": "verdict"}
    out = table.rename(columns=names)
    numeric = out.select_dtypes("number").columns
    return out.assign(**{c: out[c].round(3 if c.startswith("MASE") else 1) for c in numeric})


def _backtested(table: pd.DataFrame) -> pd.DataFrame:
    """Genres whose backtest ran (a series too short or flat has no best model)."""
    return table[table["best"].notna()] if len(table) else table


def outlook_insights(table: pd.DataFrame) -> list[str]:
    """Expected change over the next 12 months by Prophet and by each genre's backtest winner."""
    done, out = _backtested(table), []
    prophet = done.dropna(subset=["change_prophet_pct"])
    if len(prophet):
        change = prophet["change_prophet_pct"]
        hi, lo = prophet.loc[change.idxmax()], prophet.loc[change.idxmin()]
        out.append(f"Prophet's outlook for the next {HORIZON} months against the last {HORIZON}: best {hi['genre']} "
                   f"({hi['change_prophet_pct']:+.0f}%), worst {lo['genre']} ({lo['change_prophet_pct']:+.0f}%).")
        bias = prophet["bias_prophet_pct"].median()
        if np.isfinite(bias) and abs(bias) >= 15:
            out.append(f"Read its level with care: in the backtests Prophet's {HORIZON}-month totals came out "
                       f"{abs(bias):.0f}% {'below' if bias < 0 else 'above'} the actual totals (median over genres).")
    others = done[done["best"] != MODELS["prophet"]].dropna(subset=["change_best_pct"])
    flat = others["best"] == MODELS["mean"]
    if (~flat).any():
        out.append("Where another model won the backtest: " + ", ".join(
            f"{r.genre} ({r.best}, {r.change_best_pct:+.0f}%)" for r in others[~flat].itertuples()) + ".")
    if flat.any():
        out.append(f"The mean of the last {HORIZON} months won for {', '.join(others.loc[flat, 'genre'].astype(str))}; "
                   "it forecasts no change by construction.")
    skipped = table[table["best"].isna()] if len(table) else table
    if len(skipped):  # kept second: a genre missing from the forecast matters more than the detail lines
        out.insert(min(1, len(out)), f"Not forecast: {', '.join(skipped['genre'].astype(str))}. "
                                     f"{skipped['verdict'].iloc[0]}")
    return out[:4]


def accuracy_insights(table: pd.DataFrame) -> list[str]:
    """How often Prophet beats the seasonal-naive baseline, which model wins most, and the mean baseline."""
    done = _backtested(table)
    if done.empty:
        return ["No genre has enough history to backtest."]
    wins = done["best"].value_counts()
    out = [f"Best on the {HORIZON}-month backtest most often: {wins.index[0]} ({wins.iloc[0]} of {len(done)} genres); "
           f"Prophet is best in {int((done['best'] == MODELS['prophet']).sum())}."]
    both = done.dropna(subset=["mase_prophet", "mase_snaive"])
    if both.empty:
        return out + ["Prophet could not be fitted in any genre, so it is not compared."]
    gain = (1 - both["mase_prophet"] / both["mase_snaive"]) * 100
    median = gain.median()
    out.insert(0, f"Prophet beats the seasonal-naive baseline in {int((gain > 0).sum())} of {len(both)} genres "
                  f"(median MASE {abs(median):.0f}% {'lower' if median >= 0 else 'higher'} than naive).")
    mean_wins = int((both["mase_mean"] < both["mase_prophet"]).sum())
    out.append(f"The plain mean of the last {HORIZON} months beats Prophet in {mean_wins} of {len(both)} genres: "
               + ("monthly activity here is mostly noise around a level." if mean_wins > len(both) / 2
                  else "Prophet's trend and seasonality add information."))
    return out


def forecast_insights(res: dict, genre: str, unit: str) -> list[str]:
    """Sentences for one genre's forecast chart: Prophet's expected total (and its backtest bias), the band
    at the horizon, and the backtest winner's outlook when that is another model."""
    if res.get("reason"):
        return [res["reason"]]
    out, table = [], res["backtest"].set_index("key")
    last = float(res["history"]["y"].tail(12).sum())
    prophet = res["forecasts"].get("prophet")
    if prophet is not None:
        nxt = float(prophet["yhat"].sum())
        change = f" ({_change(nxt, last):+.0f}% on the last {HORIZON} months' {_fmt(last)})" if last else ""
        bias = table.loc["prophet", "bias_pct"] if "prophet" in table.index else np.nan
        note = (f"; in the backtest its {HORIZON}-month total came out {abs(bias):.0f}% "
                f"{'below' if bias < 0 else 'above'} the actual one" if np.isfinite(bias) else "")
        out.append(f"Prophet expects about {_fmt(nxt)} {unit} for {genre} over the next {HORIZON} "
                   f"months{change}{note}.")
        end = prophet.iloc[-1]
        out.append(f"Its 80% band for {end['ds']:%b %Y} runs from {_fmt(end['yhat_lower'])} to "
                   f"{_fmt(end['yhat_upper'])} a month.")
    winner = res["verdict"]["winner"]
    if winner != "prophet" and winner in res["forecasts"]:
        best = float(res["forecasts"][winner]["yhat"].sum())
        out.append(f"The backtest winner, {MODELS[winner]}, expects about {_fmt(best)}"
                   + (f" ({_change(best, last):+.0f}%)." if last else "."))
    return out


def backtest_insights(res: dict) -> list[str]:
    """Sentences for one genre's backtest: the ranking, Prophet's band coverage and the MASE scale."""
    if res.get("reason"):
        return [res["reason"]]
    table = res["backtest"].set_index("key")
    metric = "mase" if table["mase"].notna().all() else "mae"
    out = [f"Ranking on the held-out months ({metric.upper()}, lower is better): "
           + ", ".join(f"{MODELS[k]} {v:.2f}" for k, v in table[metric].items()) + "."]
    if "prophet" in table.index:
        out.append(f"{table.loc['prophet', 'coverage']:.0%} of the 12 held-out months fell inside Prophet's 80% "
                   "band (about 80% is well calibrated).")
    out.append(f"MASE divides each model's error by the in-sample error of a {res['scale_method']} forecast "
               "on the training months.")
    if res.get("failed"):
        out.append("Could not fit: " + "; ".join(f"{MODELS[k]} ({v})" for k, v in res["failed"].items()) + ".")
    return out[:4]


def backtest_display(res: dict, genre: str) -> pd.DataFrame:
    """The backtest table as shown and downloaded: one row per model, best first."""
    if res.get("reason"):
        return pd.DataFrame()
    table = res["backtest"]
    return pd.DataFrame({
        "genre": genre, "model": table["model"], "MASE": table["mase"].round(3), "MAE": table["mae"].round(2),
        "80% band coverage": table["coverage"].round(3),
        f"{HORIZON}-month total vs actual (%)": table["bias_pct"].round(1),
        "MASE below seasonal naive (%)": table["vs_naive_pct"].round(1), "fit seconds": table["seconds"].round(2),
    })
