"""What should this viewer watch next? A hybrid recommender: content TF-IDF plus collaborative filtering.

``HybridRecommender`` holds three fitted parts, all numpy/scipy/scikit-learn:

* **content**: TF-IDF over genre tokens (``genres``, plus ``ml_genres`` where the titles frame has it),
  ``keywords`` (a list, where present), title words, the decade and the overview where present; cosine
  similarity gives "more like this" (:meth:`similar_titles`, works for titles nobody has rated) and a user's
  taste profile (sum of the user's rated titles weighted by recency times the rating minus the user's
  mean, so disliked titles push away).
* **rating prediction** (:meth:`predict`): the mean of two predictors on the 0.5-5 scale, clipped.
  (1) KNNBaseline-style item kNN: ALS baselines ``mu + b_u + b_i`` (reg 15/10, 10 sweeps) plus the
  similarity-weighted mean residual of the user's ``knn_k`` most similar rated items, pearson-baseline
  similarities shrunk by ``(n-1)/(n-1+shrinkage)``; items with fewer than ``knn_min_support`` ratings keep the
  baseline (their similarities are noise). (2) biased matrix factorisation fitted by ALS with
  count-weighted ridge penalties.
* **ranking** (:meth:`recommend`): a different scorer, chosen for top-k quality. EASE (closed-form linear
  item autoencoder, Steck 2019) on the binary interaction matrix of items with at least ``ease_min_count``
  ratings; the user's history is weighted by recency (half-life ``recency_half_life`` ratings) times
  ``(rating / top rating)^rating_power`` (a loved title says more about the next ones than a tolerated one; the
  content profile uses the same weights) and scores
  are divided by ``popularity^popularity_damping`` to lift the long tail (catalogue coverage). The
  collaborative and content scores are each scaled to [0, 1] per user (divided by the best candidate) and
  blended with ``content_weight``, which can be overridden per call without refitting.

Cold start: an unknown user (or one with no ratings) gets the most-rated titles, restricted to ``genres``
when given; a title without ratings is reached through content similarity; :meth:`predict` falls back to the
baselines (``mu + b_i`` for an unknown user, ``mu + b_u`` for an unrated title). Ids that are in neither the
titles nor the ratings raise :class:`UnknownTitleError` (a ``KeyError``).

Default hyper-parameters were fixed on the embedded MovieLens data (see ``bench/bench_recommend.py``). The ranking
ones (``rating_power=3``, ``popularity_damping=0.4``, ``content_weight=0.3``) are the pick of a nested check
(``bench_recommend.py --nested``): best NDCG@10 with coverage >= 0.15 on an inner temporal split of the training
part only, then scored on the page's split: NDCG@10 0.124, coverage 0.179, against 0.116 / 0.138 for the earlier
defaults (no rating weight, damping 0.2, content 0.4); paired gain +0.008 +/- 0.004 (bootstrap SE over 614 users).
The content side lives in :mod:`models.recommend_content` (:class:`ContentIndex`, which this class extends)
and the numerical pieces in :mod:`models.recommend_algos`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator

from models import ids
from models.base import require_fitted, store_params
from models.recommend_algos import als_baselines, als_mf, ease_weights, knn_residual_mean, pearson_baseline
from models.recommend_content import ContentIndex, UnknownIdError, UnknownTitleError, UnknownUserError  # noqa: F401 (re-export)

RATING_MIN, RATING_MAX = 0.5, 5.0


class HybridRecommender(ContentIndex, BaseEstimator):
    """Hybrid content + collaborative recommender (see the module docstring for the method).

    Args:
        content_weight: share of the (per-user normalised) content score in :meth:`recommend`.
        knn_k, knn_shrinkage, knn_min_support: item-kNN neighbours, similarity shrinkage, minimum ratings.
        mf_factors, mf_reg, mf_epochs: ALS matrix factorisation.
        knn_weight: weight of item kNN in the rating prediction (the rest is MF).
        ease_lambda, ease_min_count: EASE ridge penalty and minimum ratings for an item to be scored.
        recency_half_life: half-life, in ratings, of a rating's weight in the user's ranking history.
        popularity_damping: exponent ``beta`` of the ``popularity^beta`` divisor of ranking scores.
        rating_power: exponent of the ``(rating / top rating)`` factor of a rating's weight in the ranking
            history (0 = every rating counts the same).
        parts: ``"all"``; ``"rating"`` skips the ranking model (rating cross-validation), ``"ranking"`` skips
            the rating predictors (top-k evaluation). A part that was not fitted raises ``RuntimeError``.
        random_state: seed of the MF initialisation.
    """

    def __init__(self, content_weight: float = 0.3, knn_k: int = 40, knn_shrinkage: float = 100.0,
                 knn_min_support: int = 5, mf_factors: int = 30, mf_reg: float = 0.15, mf_epochs: int = 10,
                 knn_weight: float = 0.5, ease_lambda: float = 300.0, ease_min_count: int = 3,
                 recency_half_life: float = 25.0, popularity_damping: float = 0.4, rating_power: float = 3.0,
                 parts: str = "all", random_state: int = 0):
        store_params(self, locals())

    # --- fitting ---------------------------------------------------------------------------------------------

    def fit(self, ratings: pd.DataFrame, titles: pd.DataFrame) -> "HybridRecommender":
        """Fit every part on canonical ``ratings`` (user_id, title_id, rating, timestamp) and ``titles``."""
        if ratings.empty:
            raise ValueError("HybridRecommender.fit needs at least one rating")
        if self.parts not in ("all", "rating", "ranking"):
            raise ValueError(f"parts must be 'all', 'rating' or 'ranking', got {self.parts!r}")
        r = self._fit_catalogue(ratings, titles)
        self.user_index_ = pd.Index(np.unique(r["user_id"].to_numpy()))
        order = r.sort_values(["user_id", "timestamp", "title_id"], kind="stable")
        self._u = self.user_index_.get_indexer(order["user_id"])
        self._i = self.item_index_.get_indexer(order["title_id"])
        self._r = order["rating"].to_numpy(float)
        if self.parts in ("all", "rating"):
            self._fit_ratings()
        if self.parts in ("all", "ranking"):
            self._fit_ranking(order.groupby("user_id").cumcount(ascending=False).to_numpy())
        return self

    def _require(self, attribute: str, part: str) -> None:
        require_fitted(self, "item_index_")
        if not hasattr(self, attribute):
            raise RuntimeError(f"HybridRecommender was fitted with parts={self.parts!r}: no {part} model")

    def _fit_ratings(self) -> None:
        n_users, n_items, u, i, r = len(self.user_index_), len(self.item_index_), self._u, self._i, self._r
        self.global_mean_ = float(r.mean())
        self.user_bias_, self.item_bias_ = als_baselines(u, i, r, self.global_mean_, n_users, n_items)
        resid = r - self.global_mean_ - self.user_bias_[u] - self.item_bias_[i]
        counts = np.bincount(i, minlength=n_items)
        self.knn_items_ = np.flatnonzero(counts >= self.knn_min_support)
        self._knn_col = np.full(n_items, -1)
        self._knn_col[self.knn_items_] = np.arange(len(self.knn_items_))
        keep = self._knn_col[i] >= 0
        self._knn_resid = np.zeros((n_users, len(self.knn_items_)), np.float32)
        self._knn_mask = np.zeros_like(self._knn_resid)
        self._knn_resid[u[keep], self._knn_col[i[keep]]] = resid[keep]
        self._knn_mask[u[keep], self._knn_col[i[keep]]] = 1.0
        self.knn_similarity_ = pearson_baseline(self._knn_resid, self._knn_mask, self.knn_shrinkage)
        rated, compact = np.unique(i, return_inverse=True)  # MF only over rated titles (the catalogue may be big)
        P, Q, bu, bi = als_mf(u, compact, r - self.global_mean_, n_users, len(rated), self.mf_factors,
                               self.mf_reg, self.mf_epochs, self.random_state)
        self.mf_user_, self.mf_user_bias_ = P, bu
        self.mf_item_, self.mf_item_bias_ = np.zeros((n_items, self.mf_factors)), np.zeros(n_items)
        self.mf_item_[rated], self.mf_item_bias_[rated] = Q, bi

    def _fit_ranking(self, from_end: np.ndarray) -> None:
        n_users, n_items = len(self.user_index_), len(self.item_index_)
        self.ease_items_ = np.flatnonzero(self.popularity_ >= self.ease_min_count)
        self._ease_col = np.full(n_items, -1)
        self._ease_col[self.ease_items_] = np.arange(len(self.ease_items_))
        binary = sp.csr_matrix((np.ones(len(self._i)), (self._u, self._i)), shape=(n_users, n_items))
        self.ease_weights_ = ease_weights(binary[:, self.ease_items_].tocsr(), self.ease_lambda) if len(
            self.ease_items_) else np.zeros((0, 0), np.float32)
        recency = np.power(0.5, from_end / self.recency_half_life) if self.recency_half_life else np.ones(len(from_end))
        # (rating / top rating)^power: a loved title says more about what comes next than a tolerated one
        self._weights = recency * np.power(np.clip(self._r, 0, None) / max(float(self._r.max()), 1e-9),
                                           self.rating_power)
        self._user_rows = np.r_[0, np.cumsum(np.bincount(self._u, minlength=n_users))]
        self._damping = np.power(np.maximum(self.popularity_[self.ease_items_], 1.0), -self.popularity_damping)

    # --- rating prediction -----------------------------------------------------------------------------------

    def _user_pos(self, user_id) -> int:
        return ids.position(self.user_index_, user_id) if user_id is not None else -1

    def predict(self, user_id, title_id) -> float:
        """Predicted rating (0.5-5). Unknown user: ``mu + b_i``; unrated title: ``mu + b_u``.

        Raises:
            UnknownTitleError: ``title_id`` is in neither the titles nor the ratings.
        """
        self._item_pos(title_id)
        return float(self.predict_ratings(pd.DataFrame({"user_id": [user_id], "title_id": [title_id]}))[0])

    def predict_ratings(self, pairs: pd.DataFrame) -> np.ndarray:
        """Vectorised :meth:`predict` for a frame with ``user_id, title_id`` (unknown titles: ``mu + b_u``)."""
        self._require("knn_similarity_", "rating")
        u = ids.positions(self.user_index_, pairs["user_id"].to_numpy())
        i = ids.positions(self.item_index_, pairs["title_id"].to_numpy())
        uk, ik = u >= 0, i >= 0
        us, it = np.where(uk, u, 0), np.where(ik, i, 0)
        base = self.global_mean_ + np.where(uk, self.user_bias_[us], 0) + np.where(ik, self.item_bias_[it], 0)
        knn = base + self._knn_adjust(us, it, uk & ik)
        mf = self.global_mean_ + np.where(uk, self.mf_user_bias_[us], 0) + np.where(ik, self.mf_item_bias_[it], 0)
        mf += np.where(uk & ik, np.einsum("nf,nf->n", self.mf_user_[us], self.mf_item_[it]), 0)
        return np.clip(self.knn_weight * knn + (1 - self.knn_weight) * mf, RATING_MIN, RATING_MAX)

    def _knn_adjust(self, u: np.ndarray, i: np.ndarray, ok: np.ndarray) -> np.ndarray:
        """Similarity-weighted mean residual over the user's ``knn_k`` most similar rated items (sim > 0)."""
        cols = np.where(ok, self._knn_col[i], -1)
        return knn_residual_mean(self.knn_similarity_, self._knn_resid, self._knn_mask, u, cols, self.knn_k)

    def rated_neighbours(self, title_id, k: int = 10) -> pd.DataFrame:
        """Collaborative neighbours: the titles whose ratings move most with this one's.

        Item-kNN pearson-baseline similarity (shrunk by the number of co-raters), positive only, with
        ``co_raters`` (users who rated both). Empty for a title with fewer than ``knn_min_support`` ratings:
        such a title only has content neighbours (:meth:`similar_titles`).

        Raises:
            UnknownTitleError: the id is unknown.
        """
        self._require("knn_similarity_", "rating")
        col = self._knn_col[self._item_pos(title_id)]
        if col < 0:
            return pd.DataFrame({"title_id": [], "title": [], "similarity": [], "co_raters": []})
        sims = self.knn_similarity_[col].astype(float)
        sims[col] = -np.inf
        top = np.lexsort((np.arange(len(sims)), -sims))[:k]
        top = top[sims[top] > 0]
        items = self.knn_items_[top]
        co = self._knn_mask[:, col] @ self._knn_mask[:, top]
        return pd.DataFrame({"title_id": self.item_index_[items].tolist(),
                             "title": self.catalogue_["title"].to_numpy()[items], "similarity": sims[top],
                             "co_raters": co.astype(int)})

    # --- ranking ---------------------------------------------------------------------------------------------

    def _history(self, pos: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The user's rated item positions, ratings and history weights (recency times rating; oldest first)."""
        sl = slice(self._user_rows[pos], self._user_rows[pos + 1])
        return self._i[sl], self._r[sl], self._weights[sl]

    def _scores(self, pos: int) -> tuple[np.ndarray, np.ndarray]:
        """Raw collaborative (damped EASE) and content (profile cosine) scores over the catalogue."""
        items, ratings, weights = self._history(pos)
        collab = np.zeros(len(self.item_index_))
        cols = self._ease_col[items]
        if (cols >= 0).any():
            collab[self.ease_items_] = (weights[cols >= 0] @ self.ease_weights_[cols[cols >= 0]]) * self._damping
        profile = np.asarray(self.content_matrix_[items].T @ (weights * (ratings - ratings.mean()))).ravel()
        norm = np.linalg.norm(profile)
        content = self.content_matrix_ @ (profile / norm) if norm > 0 else np.zeros(len(self.item_index_))
        return collab, np.asarray(content).ravel()

    @staticmethod
    def _scaled(x: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        """Scores divided by the best candidate's, negatives floored at 0 (all 0 when none is positive)."""
        top = x[candidates].max() if candidates.any() else 0.0
        return np.maximum(x, 0) / top if top > 0 else np.zeros_like(x)

    def _rank(self, user_id, k, content_weight, exclude_seen, genres, scores=None):
        """``(pos, top item positions, score, scaled collab, scaled content)``; ``pos = -1``: popular fallback.

        ``scores``: the user's raw ``_scores`` when already computed (several blend weights, one scoring pass).
        """
        w = self.content_weight if content_weight is None else float(content_weight)
        if not 0 <= w <= 1:
            raise ValueError(f"content_weight must be in [0, 1], got {w}")
        self._require("ease_weights_", "ranking")
        pos = self._user_pos(user_id)
        if pos < 0:
            return -1, self.popular_titles(k, genres), w
        collab, content = self._scores(pos) if scores is None else scores
        candidates = self._genre_mask(genres)
        items = self._history(pos)[0]
        if exclude_seen:
            candidates[items] = False
        c_n, t_n = self._scaled(collab, candidates), self._scaled(content, candidates)
        score = np.where(candidates, (1 - w) * c_n + w * t_n, -np.inf)
        if not np.isfinite(score).any() or score.max() <= 0:
            seen = self.item_index_[items] if exclude_seen else ()
            return -1, self.popular_titles(k, genres, exclude=seen), w
        key = score + 1e-9 * self.popularity_ / max(self.popularity_.max(), 1)  # ties: the more popular first
        top = np.argpartition(-key, min(k, len(key) - 1))[: k + 1]
        top = top[np.lexsort((top, -key[top]))][:k]
        return pos, top[np.isfinite(score[top])], w, score, c_n, t_n

    def recommend(self, user_id, k: int = 10, exclude_seen: bool = True, content_weight: float | None = None,
                  genres=None) -> list:
        """Top-``k`` title ids for a user; unknown users get :meth:`popular_titles` (in ``genres``).

        Args:
            user_id: a user of the fitted ratings (any other id gets the popularity fallback).
            k: list length.
            exclude_seen: leave out the titles the user has rated.
            content_weight: overrides the fitted blend weight for this call (0 = collaborative only).
            genres: only recommend titles with at least one of these genres.
        """
        ranked = self._rank(user_id, k, content_weight, exclude_seen, genres)
        return ranked[1] if ranked[0] < 0 else self.item_index_[ranked[1]].tolist()

    def recommend_blends(self, user_id, weights, k: int = 10, exclude_seen: bool = True,
                         genres=None) -> dict[float, list]:
        """:meth:`recommend` at several content weights from one scoring pass: ``weight -> top-k title ids``.

        The same lists as one :meth:`recommend` call per weight, for about the cost of one (the evaluation
        ranks every user at three weights).
        """
        self._require("ease_weights_", "ranking")
        pos = self._user_pos(user_id)
        scores = self._scores(pos) if pos >= 0 else None
        out = {}
        for w in (self.content_weight if w is None else w for w in weights):  # None: the fitted weight
            ranked = self._rank(user_id, k, w, exclude_seen, genres, scores)
            out[float(w)] = ranked[1] if ranked[0] < 0 else self.item_index_[ranked[1]].tolist()
        return out

    def recommend_explained(self, user_id, k: int = 10, content_weight: float | None = None,
                            exclude_seen: bool = True, genres=None) -> pd.DataFrame:
        """Top-``k`` as ``title_id, title, score, content_score, collaborative_score, because_title_id,
        because_title``: scores scaled to [0, 1]; "because" is the user's liked title with the strongest
        blended (EASE weight, content cosine) link to the recommendation (empty for the popularity fallback)."""
        ranked = self._rank(user_id, k, content_weight, exclude_seen, genres)
        if ranked[0] < 0:
            return self._explain_popular(ranked[1])
        pos, top, w, score, c_n, t_n = ranked
        because = self._because(pos, top, w)
        return pd.DataFrame({
            "title_id": self.item_index_[top].tolist(), "title": self.catalogue_["title"].to_numpy()[top],
            "score": score[top], "content_score": t_n[top], "collaborative_score": c_n[top],
            "because_title_id": self.item_index_[because].tolist(),
            "because_title": self.catalogue_["title"].to_numpy()[because]})

    def _because(self, pos: int, top: np.ndarray, content_weight: float) -> np.ndarray:
        """For each recommended item, the user's liked item with the largest blended link to it."""
        items, ratings, weights = self._history(pos)
        link = content_weight * (self.content_matrix_[items] @ self.content_matrix_[top].T).toarray()
        cols, tcols = self._ease_col[items], self._ease_col[top]
        ease = np.zeros_like(link)
        ok = cols >= 0
        ease[np.ix_(ok, tcols >= 0)] = self.ease_weights_[np.ix_(cols[ok], tcols[tcols >= 0])] * weights[ok, None]
        best = ease.max(0)
        link += (1 - content_weight) * np.where(best > 0, ease / np.where(best > 0, best, 1), 0)
        link[ratings < ratings.mean()] -= 1e3
        return items[np.argmax(link, axis=0)]

    def _explain_popular(self, title_ids: list) -> pd.DataFrame:
        pos = ids.positions(self.item_index_, title_ids)
        pop = self.popularity_[pos] / max(self.popularity_.max(), 1)
        return pd.DataFrame({"title_id": pd.Series(title_ids, dtype=self.item_index_.dtype),
                             "title": self.catalogue_["title"].to_numpy()[pos], "score": pop,
                             "content_score": 0.0, "collaborative_score": pop, "because_title_id": None,
                             "because_title": ""})
