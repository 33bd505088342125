"""How good are the recommendations? The evaluation report as the Recommender page shows it (no Streamlit).

Turns a :func:`core.recommend.evaluation.recommender_report` dict into tables and names the steps that compute
it (so the page can show progress between them).
"""
from __future__ import annotations

import pandas as pd

from core.recommend.tables import DEFAULT_WEIGHT

#: The evaluation protocol (``core.recommend.evaluation`` uses these as its defaults).
N_SPLITS = 5            # rating prediction: random K-fold
HOLDOUT_SHARE = 0.2     # ranking and love: each user's latest share of ratings held out
MIN_HELDOUT = 5         # ranking: users with at least this many held-out ratings are evaluated
RELEVANT_RATING = 4.0   # a held-out rating at or above this is relevant (and a "love")
PROTOCOL = (f"Rating prediction: {N_SPLITS}-fold random split. Ranking: each user's latest {HOLDOUT_SHARE:.0%} of "
            f"ratings held out, relevant = held-out rating of {RELEVANT_RATING:g}+, users with {MIN_HELDOUT}+ held-out "
            "ratings, the rated catalogue minus the user's training films.")
RATING_LABELS = {"hybrid": "Hybrid (kNN + MF)", "item_knn": "Item kNN", "mf": "Matrix factorisation",
                 "global_mean": "Global mean (baseline)"}
RANKING_LABELS = {"hybrid": f"Hybrid ({DEFAULT_WEIGHT:.0%} content)", "collaborative": "Collaborative only",
                  "content": "Content only (TF-IDF)", "most_popular": "Most popular (baseline)"}


def rating_table(report: dict) -> pd.DataFrame:
    """Rating-prediction rows ``model, rmse, mae`` from a recommender report."""
    return pd.DataFrame([{"model": RATING_LABELS.get(k, k), "rmse": v["rmse"], "mae": v["mae"]}
                         for k, v in report["rating"].items()])


def ranking_table(report: dict) -> pd.DataFrame:
    """Ranking rows ``model, precision, recall, ndcg, coverage, users`` from a recommender report."""
    return pd.DataFrame([{"model": RANKING_LABELS.get(k, k), **{m: v[m] for m in
                                                                  ("precision", "recall", "ndcg", "coverage", "users")}}
                         for k, v in report["ranking"].items()])


def report_steps(n_splits: int = N_SPLITS) -> dict[str, str]:
    """The steps of :func:`core.recommend.evaluation.recommender_report`, in order: ``name -> what it does``."""
    folds = {f"rating_fold_{i}": f"Rating prediction, fold {i} of {n_splits}: fit item kNN + MF on the other "
                                 f"folds, predict this one" for i in range(1, n_splits + 1)}
    return {**folds, "ranking": "Ranking: fit on each user's earliest 80% of ratings, rank their top 10 at three "
                                "blend weights, against most popular",
            "love": "Love classifier: fit on the earliest 80%, score the latest 20% against the majority class"}
