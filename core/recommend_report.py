"""How good are the recommendations? The evaluation report as the Recommender page shows it (no Streamlit).

Turns a :func:`core.recommend_eval.recommender_report` dict into tables, checks it against the quality bar of
issue #4 and names the steps that compute it (so the page can show progress between them).
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


def report_steps(n_splits: int = 5) -> dict[str, str]:
    """The steps of :func:`core.recommend_eval.recommender_report`, in order: ``name -> what it does``."""
    folds = {f"rating_fold_{i}": f"Rating prediction, fold {i} of {n_splits}: fit item kNN + MF on the other "
                                 f"folds, predict this one" for i in range(1, n_splits + 1)}
    return {**folds, "ranking": "Ranking: fit on each user's earliest 80% of ratings, rank their top 10 at three "
                                "blend weights, against most popular",
            "love": "Love classifier: fit on the earliest 80%, score the latest 20% against the majority class"}
