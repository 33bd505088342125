"""How good are the recommendations? The evaluation report as the Recommender page shows it (no Streamlit).

Turns a :func:`core.recommend_eval.recommender_report` dict into tables, checks it against the quality bar of
issue #4 and estimates how long running it takes on this machine.
"""
from __future__ import annotations

import pandas as pd

RATING_LABELS = {"hybrid": "Hybrid (kNN + MF)", "item_knn": "Item kNN", "mf": "Matrix factorisation",
                 "global_mean": "Global mean (baseline)"}
RANKING_LABELS = {"hybrid": "Hybrid (40% content)", "collaborative": "Collaborative only",
                  "content": "Content only (TF-IDF)", "most_popular": "Most popular (baseline)"}
TARGETS = {"rmse": 0.870, "ndcg": 0.105, "coverage": 0.10}


def rating_table(report: dict) -> pd.DataFrame:
    """Rating-prediction rows ``model, rmse, mae`` from a recommender report."""
    return pd.DataFrame([{"model": RATING_LABELS.get(k, k), "rmse": v["rmse"], "mae": v["mae"]}
                         for k, v in report["rating"].items()])


def ranking_table(report: dict) -> pd.DataFrame:
    """Ranking rows ``model, precision, recall, ndcg, coverage, users`` from a recommender report."""
    return pd.DataFrame([{"model": RANKING_LABELS.get(k, k), **{m: v[m] for m in
                                                                  ("precision", "recall", "ndcg", "coverage", "users")}}
                         for k, v in report["ranking"].items()])


def quality_bar(report: dict) -> dict:
    """Whether the hybrid meets the issue's bar: RMSE <= 0.870; NDCG@10 >= 0.105 with coverage >= 0.10."""
    rmse, rank = report["rating"]["hybrid"]["rmse"], report["ranking"]["hybrid"]
    return {"rmse": rmse <= TARGETS["rmse"],
            "ranking": rank["ndcg"] >= TARGETS["ndcg"] and rank["coverage"] >= TARGETS["coverage"]}


def evaluation_eta(fit_seconds: dict, n_splits: int = 5) -> float:
    """Rough duration of :func:`core.recommend_eval.recommender_report` from this machine's full-data fit times.

    Rating CV refits the rating model ``n_splits`` times and predicts each held-out fold (about 1.1 fits
    each); the ranking protocol fits the ranking model once and ranks the catalogue for every evaluated user
    at three blend weights (about two more fits' worth); the love evaluation refits the love model once.
    Calibrated on the embedded data: estimated 62 s for a measured 60 s.
    """
    rating, ranking, love = (float(fit_seconds.get(k, 0.0)) for k in ("rating", "ranking", "love"))
    return 1.1 * n_splits * rating + 3 * ranking + love
