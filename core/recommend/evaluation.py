"""How good are the recommendations? Honest evaluation protocols for the recommender and the love model.

Two protocols, both measured on the canonical ratings frame (``user_id, title_id, rating, timestamp``):

* **Rating prediction** (:func:`rating_cv`): k-fold random split of the ratings (``KFold(shuffle=True,
  random_state=0)``), RMSE and MAE of predictions clipped to the rating scale; mean over folds.
* **Top-k ranking** (:func:`temporal_split` + :func:`ranking_eval`): each user's latest ``frac`` of ratings is
  held out; relevant = held-out rating >= 4; users with at least ``min_heldout`` held-out ratings are evaluated
  (users with no relevant item count as zeros); the model ranks the catalogue (the titles table) minus the
  user's training titles. Precision@k, Recall@k (over all the user's relevant items), NDCG@k with binary
  relevance, log2 discount and ideal DCG over ``min(#relevant, k)``, and catalogue coverage (share of titles
  appearing in at least one evaluated user's top-k).

Pure functions: no Streamlit, no I/O. Models are passed in (a factory or a fitted object).
"""
from __future__ import annotations

import time
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold

from core.recommend.report import HOLDOUT_SHARE, MIN_HELDOUT, N_SPLITS, RELEVANT_RATING, report_steps

RATING_MIN, RATING_MAX = 0.5, 5.0


# --- ranking metrics ---------------------------------------------------------------------------------------

def precision_at_k(recommended: Sequence, relevant: Iterable, k: int = 10) -> float:
    """Share of the first ``k`` recommendations that are relevant (denominator ``k``)."""
    rel = set(relevant)
    return sum(1 for item in list(recommended)[:k] if item in rel) / k


def recall_at_k(recommended: Sequence, relevant: Iterable, k: int = 10) -> float:
    """Share of the relevant items found in the first ``k`` recommendations (0 when nothing is relevant)."""
    rel = set(relevant)
    if not rel:
        return 0.0
    return sum(1 for item in list(recommended)[:k] if item in rel) / len(rel)


def ndcg_at_k(recommended: Sequence, relevant: Iterable, k: int = 10) -> float:
    """NDCG@k with binary relevance, ``1/log2(rank+1)`` discount and ideal DCG over ``min(#relevant, k)``."""
    rel = set(relevant)
    if not rel:
        return 0.0
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = sum(discounts[pos] for pos, item in enumerate(list(recommended)[:k]) if item in rel)
    return float(dcg / discounts[: min(len(rel), k)].sum())


# --- splits ------------------------------------------------------------------------------------------------

def temporal_split(ratings: pd.DataFrame, frac: float = HOLDOUT_SHARE) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hold out each user's latest ``frac`` of ratings.

    Ratings are ordered by timestamp within each user (ties broken by ``title_id``); the last
    ``floor(frac * n + 0.5)`` of a user's ``n`` ratings go to the test frame (none for a user with 1-2 ratings).

    Returns:
        ``(train, test)``, both with the input's columns and index labels.
    """
    ordered = ratings.sort_values(["user_id", "timestamp", "title_id"], kind="stable")
    from_end = ordered.groupby("user_id").cumcount(ascending=False)
    n_user = ordered.groupby("user_id")["rating"].transform("size")
    held = from_end.to_numpy() < np.floor(frac * n_user.to_numpy() + 0.5)
    return ordered[~held], ordered[held]


# --- rating prediction -------------------------------------------------------------------------------------

def _predict_frame(model: Any, frame: pd.DataFrame) -> np.ndarray:
    """Batch predictions: ``model.predict_ratings(frame)`` when offered, else one ``predict`` per row."""
    if hasattr(model, "predict_ratings"):
        return np.asarray(model.predict_ratings(frame), dtype=float)
    return np.array([model.predict(u, t) for u, t in zip(frame["user_id"], frame["title_id"])], dtype=float)


def rating_fold(ratings: pd.DataFrame, titles: pd.DataFrame, make_model: Callable[[], Any], fold: int,
                n_splits: int = N_SPLITS, random_state: int = 0, variants: dict[str, dict] | None = None) -> dict:
    """RMSE/MAE of a rating predictor on one fold of the shuffled ``KFold`` (predictions clipped to 0.5-5).

    Args:
        ratings, titles, make_model, n_splits, random_state, variants: as in :func:`rating_cv`.
        fold: which fold is held out (0-based).

    Returns:
        ``rmse``, ``mae``, ``fit_seconds``, ``n`` (rows scored) and ``variants``: ``name -> {rmse, mae}``.
    """
    data = ratings.reset_index(drop=True)
    train_idx, test_idx = list(KFold(n_splits, shuffle=True, random_state=random_state).split(data))[fold]
    start = time.perf_counter()
    model = make_model().fit(data.iloc[train_idx], titles)
    fit_s = time.perf_counter() - start
    test = data.iloc[test_idx]
    truth = test["rating"].to_numpy(float)

    def scores(m: Any) -> dict:
        err = np.clip(_predict_frame(m, test), RATING_MIN, RATING_MAX) - truth
        return {"rmse": float(np.sqrt(np.mean(err ** 2))), "mae": float(np.mean(np.abs(err)))}

    out = {**scores(model), "fit_seconds": fit_s, "n": len(test)}
    out["variants"] = {name: scores(model.set_params(**params)) for name, params in (variants or {}).items()}
    return out


def combine_rating_folds(folds: Sequence[dict]) -> dict:
    """:func:`rating_cv`'s summary of :func:`rating_fold` results (means over folds, median fit time)."""
    rmse = [f["rmse"] for f in folds]
    names = folds[0]["variants"] if folds else {}
    return {"rmse": float(np.mean(rmse)), "mae": float(np.mean([f["mae"] for f in folds])),
            "rmse_std": float(np.std(rmse)), "fold_rmse": rmse,
            "fit_seconds": float(np.median([f["fit_seconds"] for f in folds])), "n": sum(f["n"] for f in folds),
            "variants": {name: {m: float(np.mean([f["variants"][name][m] for f in folds])) for m in ("rmse", "mae")}
                         for name in names}}


def rating_cv(ratings: pd.DataFrame, titles: pd.DataFrame, make_model: Callable[[], Any],
              n_splits: int = N_SPLITS, random_state: int = 0, variants: dict[str, dict] | None = None) -> dict:
    """K-fold RMSE/MAE of a rating predictor (predictions clipped to 0.5-5).

    Args:
        ratings: canonical ratings.
        titles: canonical titles (passed to ``fit``).
        make_model: returns a fresh, unfitted model with ``fit(ratings, titles)`` and ``predict`` or
            ``predict_ratings(frame)``.
        n_splits: folds.
        random_state: seed of the shuffled ``KFold``.
        variants: optional ``name -> params`` set with ``set_params`` on each fitted model before predicting
            again (only for parameters used at prediction time, e.g. a blend weight); scored on the same folds.

    Returns:
        ``rmse``, ``mae`` (means over folds), ``rmse_std``, ``fold_rmse``, ``fit_seconds`` (median), ``n``,
        and ``variants``: ``name -> {rmse, mae}``.
    """
    return combine_rating_folds([rating_fold(ratings, titles, make_model, fold, n_splits, random_state, variants)
                                 for fold in range(n_splits)])


class GlobalMean:
    """Baseline rating predictor: the training mean for every pair."""

    def fit(self, ratings: pd.DataFrame, titles: pd.DataFrame | None = None) -> "GlobalMean":
        self.mean_ = float(ratings["rating"].mean())
        return self

    def predict(self, user_id: int, title_id: str) -> float:
        return self.mean_

    def predict_ratings(self, frame: pd.DataFrame) -> np.ndarray:
        return np.full(len(frame), self.mean_)


# --- ranking -----------------------------------------------------------------------------------------------

def most_popular_baseline(train: pd.DataFrame, titles: pd.DataFrame | None = None) -> Callable[[int, int], list]:
    """Scorer recommending the titles with the most training ratings that the user has not rated.

    Returns:
        ``scorer(user_id, k) -> list[title_id]``.
    """
    ranked = train["title_id"].astype(str).value_counts(sort=False).reset_index()
    ranked = ranked.sort_values(["count", "title_id"], ascending=[False, True])["title_id"].tolist()
    seen = train.assign(title_id=train["title_id"].astype(str)).groupby("user_id")["title_id"].agg(set)

    def scorer(user_id: int, k: int = 10) -> list:
        mine = seen.get(user_id, set())
        return [t for t in ranked[: k + len(mine)] if t not in mine][:k]

    return scorer


def _recommender(model_or_scorer: Any) -> Callable[[int, int], list]:
    if hasattr(model_or_scorer, "recommend"):
        return lambda user_id, k: list(model_or_scorer.recommend(user_id, k=k, exclude_seen=True))
    return lambda user_id, k: list(model_or_scorer(user_id, k))


def ranking_eval(model_or_scorer: Any, train: pd.DataFrame, test: pd.DataFrame, titles: pd.DataFrame,
                 k: int = 10, min_heldout: int = MIN_HELDOUT) -> dict:
    """Top-k metrics on a temporal split (see the module docstring for the protocol).

    Args:
        model_or_scorer: a model fitted on ``train`` with ``recommend(user_id, k, exclude_seen=True)``, or a
            callable ``(user_id, k) -> list[title_id]``. Training titles are removed from its lists here too,
            so a scorer that forgets to exclude them is penalised, not rewarded.
        train, test: from :func:`temporal_split`.
        titles: the catalogue (denominator of coverage).
        k: list length.
        min_heldout: evaluate users with at least this many held-out ratings.

    Returns:
        ``precision``, ``recall``, ``ndcg``, ``coverage``, ``users``, ``users_with_relevant``, ``seconds``.
    """
    recommend = _recommender(model_or_scorer)
    return ranking_evals(lambda user, n: {"": recommend(user, n)}, ("",), train, test, titles, k, min_heldout)[""]


def ranking_evals(recommend_lists: Callable[[int, int], dict[str, list]], names: Sequence[str], train: pd.DataFrame,
                  test: pd.DataFrame, titles: pd.DataFrame, k: int = 10,
                  min_heldout: int = MIN_HELDOUT) -> dict[str, dict]:
    """:func:`ranking_eval` of several named lists per user in one pass over the users.

    Args:
        recommend_lists: ``(user_id, k) -> {name: list[title_id]}`` (e.g. one scoring pass, several blend
            weights: :meth:`models.recommend.HybridRecommender.recommend_blends`).
        names: the names of the lists (every one must be in each returned dict).
        train, test, titles, k, min_heldout: as in :func:`ranking_eval`.

    Returns:
        ``name ->`` :func:`ranking_eval` dict; ``seconds`` is the whole pass.
    """
    start = time.perf_counter()
    test = test.assign(title_id=test["title_id"].astype(str))
    held = test.groupby("user_id").size()
    users = held.index[held >= min_heldout]
    relevant = test[test["rating"] >= RELEVANT_RATING].groupby("user_id")["title_id"].agg(set)
    seen = train.assign(title_id=train["title_id"].astype(str)).groupby("user_id")["title_id"].agg(set)
    scores = {name: {"precision": [], "recall": [], "ndcg": [], "shown": set()} for name in names}
    for user in users:
        mine, rel = seen.get(user, set()), relevant.get(user, set())
        lists = recommend_lists(user, k)
        for name, acc in scores.items():
            recs = [str(t) for t in lists[name] if str(t) not in mine][:k]
            acc["precision"].append(precision_at_k(recs, rel, k))
            acc["recall"].append(recall_at_k(recs, rel, k))
            acc["ndcg"].append(ndcg_at_k(recs, rel, k))
            acc["shown"].update(recs)
    n_catalogue, seconds = max(titles["title_id"].nunique(), 1), time.perf_counter() - start
    n_relevant = int(relevant.index.isin(users).sum())
    return {name: {**{m: float(np.mean(acc[m])) if acc[m] else 0.0 for m in ("precision", "recall", "ndcg")},
                   "coverage": len(acc["shown"]) / n_catalogue, "users": int(len(users)),
                   "users_with_relevant": n_relevant, "seconds": seconds}
            for name, acc in scores.items()}


# --- "will they love it?" ----------------------------------------------------------------------------------

def evaluate_love(ratings: pd.DataFrame, titles: pd.DataFrame, make_model: Callable[[], Any] | None = None,
                  frac: float = HOLDOUT_SHARE) -> dict:
    """Accuracy and ROC-AUC of the love classifier on the temporal split, against the majority class.

    The model is fitted on the training part only (every feature statistic comes from it) and scored on
    each user's held-out latest ratings; label = rating >= 4.

    Returns:
        ``accuracy``, ``roc_auc``, ``majority_accuracy`` (the training majority class, as deployed),
        ``best_constant_accuracy`` (the better constant in hindsight), ``majority_auc`` (0.5),
        ``positive_rate``, ``n_train``, ``n_test``, ``fit_seconds``.
    """
    from sklearn.metrics import accuracy_score, roc_auc_score

    if make_model is None:
        from models.love import LoveModel
        make_model = LoveModel
    train, test = temporal_split(ratings, frac)
    start = time.perf_counter()
    model = make_model().fit(train, titles)
    fit_s = time.perf_counter() - start
    y = (test["rating"].to_numpy(float) >= RELEVANT_RATING).astype(int)
    proba = model.predict_proba(test[["user_id", "title_id"]])[:, 1]
    majority = int((train["rating"] >= RELEVANT_RATING).mean() >= 0.5)
    return {"accuracy": float(accuracy_score(y, (proba >= 0.5).astype(int))),
            "roc_auc": float(roc_auc_score(y, proba)) if len(set(y)) > 1 else float("nan"),
            "majority_accuracy": float(np.mean(y == majority)), "majority_auc": 0.5,
            "best_constant_accuracy": float(max(y.mean(), 1 - y.mean())),
            "positive_rate": float(y.mean()), "n_train": len(train), "n_test": len(test),
            "fit_seconds": fit_s}


# --- everything the page shows -----------------------------------------------------------------------------

def rated_catalogue(ratings: pd.DataFrame, titles: pd.DataFrame) -> pd.DataFrame:
    """The titles that have at least one rating: the catalogue the ranking protocol ranks and covers."""
    return titles[titles["title_id"].astype(str).isin(set(ratings["title_id"].astype(str)))]


BLENDS = (("hybrid", None), ("collaborative", 0.0), ("content", 1.0))  # ranking rows: name, content weight


def report_step(ratings: pd.DataFrame, titles: pd.DataFrame, step: str, n_splits: int = N_SPLITS, k: int = 10) -> dict:
    """One step of :func:`recommender_report` (names: :func:`core.recommend.report.report_steps`).

    Steps are independent, so a caller can run them one by one and report progress between them:

    * ``rating_fold_<i>``: fold ``i`` of the rating CV, the hybrid, its item-kNN and MF halves (one fit) and
      the global mean;
    * ``ranking``: the ranking model fitted once on the temporal training part, ranked at every blend weight
      in one scoring pass per user, and the most-popular baseline;
    * ``love``: :func:`evaluate_love`.

    Returns:
        The step's figures and ``seconds`` (its duration).

    Raises:
        ValueError: an unknown step.
    """
    from models.recommend import HybridRecommender

    start, catalogue = time.perf_counter(), rated_catalogue(ratings, titles)
    if step.startswith("rating_fold_"):
        fold = int(step.rsplit("_", 1)[1]) - 1
        hybrid = rating_fold(ratings, catalogue, lambda: HybridRecommender(parts="rating"), fold, n_splits,
                             variants={"item_knn": {"knn_weight": 1.0}, "mf": {"knn_weight": 0.0}})
        out = {"hybrid": hybrid, "global_mean": rating_fold(ratings, catalogue, GlobalMean, fold, n_splits)}
    elif step == "ranking":
        train, test = temporal_split(ratings)
        model = HybridRecommender(parts="ranking").fit(train, catalogue)
        weights = dict(BLENDS)

        def lists(user: int, n: int) -> dict:
            by_weight = model.recommend_blends(user, weights.values(), n)
            return {name: by_weight[model.content_weight if w is None else w] for name, w in BLENDS}

        out = ranking_evals(lists, list(weights), train, test, catalogue, k)
        out["most_popular"] = ranking_eval(most_popular_baseline(train), train, test, catalogue, k)
    elif step == "love":
        out = evaluate_love(ratings, catalogue)
    else:
        raise ValueError(f"unknown evaluation step {step!r}")
    return {**out, "seconds": time.perf_counter() - start}


def assemble_report(parts: dict[str, dict]) -> dict:
    """The report from every step's result (``step name -> report_step(...)``), in the shape the page shows.

    Returns:
        ``rating``: ``hybrid``, ``item_knn``, ``mf``, ``global_mean`` -> ``{rmse, mae}`` (fold means; the
        hybrid also ``rmse_std``, ``fit_seconds``); ``ranking``: ``hybrid``, ``collaborative``, ``content``,
        ``most_popular`` -> :func:`ranking_eval` dicts; ``love``: :func:`evaluate_love`; ``step_seconds``.
    """
    folds = [parts[name] for name in sorted((n for n in parts if n.startswith("rating_fold_")),
                                            key=lambda n: int(n.rsplit("_", 1)[1]))]
    cv = combine_rating_folds([f["hybrid"] for f in folds])
    rating = {"hybrid": {key: cv[key] for key in ("rmse", "mae", "rmse_std", "fit_seconds")}, **cv["variants"],
              "global_mean": combine_rating_folds([f["global_mean"] for f in folds])}
    ranking = {name: value for name, value in parts["ranking"].items() if name != "seconds"}
    love = {name: value for name, value in parts["love"].items() if name != "seconds"}
    return {"rating": rating, "ranking": ranking, "love": love,
            "step_seconds": {name: part["seconds"] for name, part in parts.items()}}


def recommender_report(ratings: pd.DataFrame, titles: pd.DataFrame, n_splits: int = N_SPLITS, k: int = 10) -> dict:
    """Both protocols for :class:`models.recommend.HybridRecommender` and its baselines, plus the love model.

    The catalogue is restricted to rated titles (:func:`rated_catalogue`), so coverage is a share of titles
    the collaborative part can know. Every step of :func:`core.recommend.report.report_steps` in turn (about
    45 s on the embedded MovieLens data, 2 cores); see :func:`assemble_report` for the shape.
    """
    return assemble_report({step: report_step(ratings, titles, step, n_splits, k) for step in report_steps(n_splits)})
