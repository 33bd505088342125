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
  ratings; the user's history is weighted by recency (half-life ``recency_half_life`` ratings) and scores
  are divided by ``popularity^popularity_damping`` to lift the long tail (catalogue coverage). The
  collaborative and content scores are each scaled to [0, 1] per user (divided by the best candidate) and
  blended with ``content_weight``, which can be overridden per call without refitting.

Cold start: an unknown user (or one with no ratings) gets the most-rated titles, restricted to ``genres``
when given; a title without ratings is reached through content similarity; :meth:`predict` falls back to the
baselines (``mu + b_i`` for an unknown user, ``mu + b_u`` for an unrated title). Ids that are in neither the
titles nor the ratings raise :class:`UnknownTitleError` (a ``KeyError``).

Default hyper-parameters were fixed on the embedded MovieLens data (see ``bench/bench_recommend.py``).
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.linalg import lapack
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

RATING_MIN, RATING_MAX = 0.5, 5.0


class UnknownIdError(KeyError):
    """An id the fitted recommender has never seen (the message says which)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown id"


class UnknownUserError(UnknownIdError):
    """A user id with no ratings in the fitted data."""


class UnknownTitleError(UnknownIdError):
    """A title id in neither the titles nor the ratings the model was fitted on."""


def _as_list(value) -> list:
    return list(value) if isinstance(value, (list, tuple, np.ndarray)) else []


def _title_tokens(row: tuple) -> list[str]:
    """Tokens of one title: ``g:<genre>``, ``d:<decade>``, ``k:<keyword>`` and the title and overview words."""
    title, genres, year, overview, extra_genres, keywords = row
    tokens = sorted({f"g:{str(g).strip().lower()}" for g in _as_list(genres) + _as_list(extra_genres)
                     if g and "no genres" not in str(g)})
    tokens += [f"k:{str(k).strip().lower()}" for k in _as_list(keywords) if k]
    if pd.notna(year):
        tokens.append(f"d:{int(year) // 10 * 10}")
    text = f"{title if isinstance(title, str) else ''} {overview if isinstance(overview, str) else ''}".lower()
    words = re.findall(r"[a-z][a-z']+", text)
    return tokens + [w for w in words if w not in ENGLISH_STOP_WORDS]


def _baselines(u, i, r, mu, n_users, n_items, reg_u=15.0, reg_i=10.0, sweeps=10):
    """Surprise-style ALS baselines: alternate closed-form ridge updates of item then user biases."""
    bu, nu, ni = np.zeros(n_users), np.bincount(u, minlength=n_users), np.bincount(i, minlength=n_items)
    for _ in range(sweeps):
        bi = np.bincount(i, r - mu - bu[u], minlength=n_items) / (reg_i + ni)
        bu = np.bincount(u, r - mu - bi[i], minlength=n_users) / (reg_u + nu)
    return bu, bi


def _pearson_baseline(resid: np.ndarray, mask: np.ndarray, shrinkage: float) -> np.ndarray:
    """Item-item pearson-baseline similarity over co-raters, shrunk by (n-1)/(n-1+shrinkage)."""
    num = resid.T @ resid
    sq = (resid * resid).T @ mask
    n = np.maximum(mask.T @ mask - 1, 0)
    den = np.sqrt(sq * sq.T)
    with np.errstate(invalid="ignore", divide="ignore"):
        sim = np.where(den > 0, num / den, 0.0) * (n / (n + shrinkage))
    np.fill_diagonal(sim, 0.0)
    return sim.astype(np.float32)


def _als_mf(u, i, t, n_users, n_items, factors, reg, epochs, seed):
    """Biased MF ``t ~ b_u + b_i + p_u.q_i`` by ALS; ridge penalty ``reg * n_ratings`` (ALS-WR)."""
    rng = np.random.default_rng(seed)
    Q, bi = rng.normal(0, 0.1, (n_items, factors)), np.zeros(n_items)
    M = sp.csr_matrix((np.ones(len(t)), (u, i)), shape=(n_users, n_items))
    g, lam = factors + 1, np.eye(factors + 1) * reg

    def solve(Mx, fixed, target, rows, cols):
        A = np.hstack([fixed, np.ones((len(fixed), 1))])
        rhs = sp.csr_matrix((target, (rows, cols)), shape=Mx.shape) @ A
        gram = (Mx @ np.einsum("ma,mb->mab", A, A).reshape(len(A), g * g)).reshape(-1, g, g)
        cnt = np.asarray(Mx.sum(1)).ravel()
        gram += cnt[:, None, None] * lam + 1e-6 * np.eye(g)
        sol = np.linalg.solve(gram, rhs[..., None])[..., 0]
        return sol[:, :factors], sol[:, factors]

    for _ in range(epochs):
        P, bu = solve(M, Q, t - bi[i], u, i)
        Q, bi = solve(M.T.tocsr(), P, t - bu[u], i, u)
    return P, Q, bu, bi


def _ease(X: sp.csr_matrix, lam: float) -> np.ndarray:
    """EASE item-item weights ``B = I - P diag(1/diag P)`` with ``P = (X'X + lam I)^-1`` (float32 Cholesky)."""
    G = (X.T @ X).toarray().astype(np.float32) + lam * np.eye(X.shape[1], dtype=np.float32)
    c, info = lapack.spotrf(G, lower=1)
    P, info2 = lapack.spotri(c, lower=1)
    if info or info2:
        raise np.linalg.LinAlgError("EASE Gram matrix is not positive definite")
    P = np.tril(P) + np.tril(P, -1).T
    B = -P / np.diag(P)[None, :]
    np.fill_diagonal(B, 0.0)
    return B


class HybridRecommender(BaseEstimator):
    """Hybrid content + collaborative recommender (see the module docstring for the method).

    Args:
        content_weight: share of the (per-user normalised) content score in :meth:`recommend`.
        knn_k, knn_shrinkage, knn_min_support: item-kNN neighbours, similarity shrinkage, minimum ratings.
        mf_factors, mf_reg, mf_epochs: ALS matrix factorisation.
        knn_weight: weight of item kNN in the rating prediction (the rest is MF).
        ease_lambda, ease_min_count: EASE ridge penalty and minimum ratings for an item to be scored.
        recency_half_life: half-life, in ratings, of a rating's weight in the user's ranking history.
        popularity_damping: exponent ``beta`` of the ``popularity^beta`` divisor of ranking scores.
        parts: ``"all"``; ``"rating"`` skips the ranking model (rating cross-validation), ``"ranking"`` skips
            the rating predictors (top-k evaluation). A part that was not fitted raises ``RuntimeError``.
        random_state: seed of the MF initialisation.
    """

    def __init__(self, content_weight: float = 0.4, knn_k: int = 40, knn_shrinkage: float = 100.0,
                 knn_min_support: int = 5, mf_factors: int = 30, mf_reg: float = 0.15, mf_epochs: int = 10,
                 knn_weight: float = 0.5, ease_lambda: float = 300.0, ease_min_count: int = 3,
                 recency_half_life: float = 25.0, popularity_damping: float = 0.2, parts: str = "all",
                 random_state: int = 0):
        self.content_weight = content_weight
        self.knn_k = knn_k
        self.knn_shrinkage = knn_shrinkage
        self.knn_min_support = knn_min_support
        self.mf_factors = mf_factors
        self.mf_reg = mf_reg
        self.mf_epochs = mf_epochs
        self.knn_weight = knn_weight
        self.ease_lambda = ease_lambda
        self.ease_min_count = ease_min_count
        self.recency_half_life = recency_half_life
        self.popularity_damping = popularity_damping
        self.parts = parts
        self.random_state = random_state

    # --- fitting ---------------------------------------------------------------------------------------------

    def fit(self, ratings: pd.DataFrame, titles: pd.DataFrame) -> "HybridRecommender":
        """Fit every part on canonical ``ratings`` (user_id, title_id, rating, timestamp) and ``titles``."""
        if ratings.empty:
            raise ValueError("HybridRecommender.fit needs at least one rating")
        r = ratings.assign(title_id=ratings["title_id"].astype(str))
        if "timestamp" not in r.columns:  # no times: row order stands for time
            r = r.assign(timestamp=np.arange(len(r)))
        r = r.drop_duplicates(["user_id", "title_id"], keep="last")
        cat = titles.assign(title_id=titles["title_id"].astype(str)).drop_duplicates("title_id")
        extra = pd.DataFrame({"title_id": sorted(set(r["title_id"]) - set(cat["title_id"]))})
        cat = pd.concat([cat, extra], ignore_index=True)
        for col, empty in (("title", ""), ("genres", None), ("year", np.nan), ("overview", "")):
            if col not in cat.columns:
                cat[col] = empty
        self.catalogue_ = cat[["title_id", "title", "genres", "year"]].assign(
            title=cat["title"].fillna(cat["title_id"]).astype(str),
            genres=cat["genres"].map(lambda g: list(g) if isinstance(g, (list, tuple, np.ndarray)) else []))
        self.item_index_ = pd.Index(self.catalogue_["title_id"])
        self.user_index_ = pd.Index(np.unique(r["user_id"].to_numpy()))
        order = r.sort_values(["user_id", "timestamp", "title_id"], kind="stable")
        self._u = self.user_index_.get_indexer(order["user_id"])
        self._i = self.item_index_.get_indexer(order["title_id"])
        self._r = order["rating"].to_numpy(float)
        self.popularity_ = np.bincount(self._i, minlength=len(self.item_index_)).astype(float)
        if self.parts not in ("all", "rating", "ranking"):
            raise ValueError(f"parts must be 'all', 'rating' or 'ranking', got {self.parts!r}")
        self._fit_content(cat)
        if self.parts in ("all", "rating"):
            self._fit_ratings()
        if self.parts in ("all", "ranking"):
            self._fit_ranking(order.groupby("user_id").cumcount(ascending=False).to_numpy())
        return self

    def _require(self, attribute: str, part: str) -> None:
        if not hasattr(self, attribute):
            raise RuntimeError(f"HybridRecommender was fitted with parts={self.parts!r}: no {part} model")

    def _fit_content(self, cat: pd.DataFrame) -> None:
        pairs = [(j, g.lower()) for j, gs in enumerate(self.catalogue_["genres"]) for g in gs]
        self.genre_index_ = pd.Index(sorted({g for _, g in pairs}))
        rows, names = zip(*pairs) if pairs else ((), ())
        self.genre_matrix_ = sp.csr_matrix((np.ones(len(rows)), (rows, self.genre_index_.get_indexer(names))),
                                           shape=(len(cat), len(self.genre_index_)))
        none = pd.Series([None] * len(cat), index=cat.index)
        rows = zip(cat["title"], cat["genres"], cat["year"], cat["overview"], cat.get("ml_genres", none),
                   cat.get("keywords", none))
        docs = [_title_tokens(row) for row in rows]
        vec = TfidfVectorizer(analyzer=lambda d: d, sublinear_tf=True, min_df=1)
        self.content_matrix_ = vec.fit_transform(docs).tocsr().astype(np.float32)

    def _fit_ratings(self) -> None:
        n_users, n_items, u, i, r = len(self.user_index_), len(self.item_index_), self._u, self._i, self._r
        self.global_mean_ = float(r.mean())
        self.user_bias_, self.item_bias_ = _baselines(u, i, r, self.global_mean_, n_users, n_items)
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
        self.knn_similarity_ = _pearson_baseline(self._knn_resid, self._knn_mask, self.knn_shrinkage)
        rated, compact = np.unique(i, return_inverse=True)  # MF only over rated titles (the catalogue may be big)
        P, Q, bu, bi = _als_mf(u, compact, r - self.global_mean_, n_users, len(rated), self.mf_factors,
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
        self.ease_weights_ = _ease(binary[:, self.ease_items_].tocsr(), self.ease_lambda) if len(
            self.ease_items_) else np.zeros((0, 0), np.float32)
        self._recency = np.power(0.5, from_end / self.recency_half_life) if self.recency_half_life else \
            np.ones(len(from_end))
        self._user_rows = np.r_[0, np.cumsum(np.bincount(self._u, minlength=n_users))]
        self._damping = np.power(np.maximum(self.popularity_[self.ease_items_], 1.0), -self.popularity_damping)

    # --- rating prediction -----------------------------------------------------------------------------------

    def _user_pos(self, user_id) -> int:
        pos = self.user_index_.get_indexer([user_id])[0] if user_id is not None else -1
        return int(pos)

    def _item_pos(self, title_id) -> int:
        pos = self.item_index_.get_indexer([str(title_id)])[0]
        if pos < 0:
            raise UnknownTitleError(f"unknown title_id {title_id!r}: not in the titles or ratings fitted on")
        return int(pos)

    def predict(self, user_id: int, title_id: str) -> float:
        """Predicted rating (0.5-5). Unknown user: ``mu + b_i``; unrated title: ``mu + b_u``.

        Raises:
            UnknownTitleError: ``title_id`` is in neither the titles nor the ratings.
        """
        self._item_pos(title_id)
        return float(self.predict_ratings(pd.DataFrame({"user_id": [user_id], "title_id": [title_id]}))[0])

    def predict_ratings(self, pairs: pd.DataFrame) -> np.ndarray:
        """Vectorised :meth:`predict` for a frame with ``user_id, title_id`` (unknown titles: ``mu + b_u``)."""
        self._require("knn_similarity_", "rating")
        u = self.user_index_.get_indexer(pairs["user_id"].to_numpy())
        i = self.item_index_.get_indexer(pairs["title_id"].astype(str).to_numpy())
        uk, ik = u >= 0, i >= 0
        us, it = np.where(uk, u, 0), np.where(ik, i, 0)
        base = self.global_mean_ + np.where(uk, self.user_bias_[us], 0) + np.where(ik, self.item_bias_[it], 0)
        knn = base + self._knn_adjust(us, it, uk & ik)
        mf = self.global_mean_ + np.where(uk, self.mf_user_bias_[us], 0) + np.where(ik, self.mf_item_bias_[it], 0)
        mf += np.where(uk & ik, np.einsum("nf,nf->n", self.mf_user_[us], self.mf_item_[it]), 0)
        return np.clip(self.knn_weight * knn + (1 - self.knn_weight) * mf, RATING_MIN, RATING_MAX)

    def _knn_adjust(self, u: np.ndarray, i: np.ndarray, ok: np.ndarray) -> np.ndarray:
        """Similarity-weighted mean residual over the user's ``knn_k`` most similar rated items (sim > 0)."""
        out = np.zeros(len(u))
        cols = np.where(ok, self._knn_col[i], -1)
        for user in np.unique(u[cols >= 0]):
            idx = np.flatnonzero((u == user) & (cols >= 0))
            rated = np.flatnonzero(self._knn_mask[user])
            if len(rated) == 0:
                continue
            sims, res = self.knn_similarity_[np.ix_(cols[idx], rated)], self._knn_resid[user, rated]
            if len(rated) > self.knn_k:
                top = np.argpartition(-sims, self.knn_k - 1, axis=1)[:, : self.knn_k]
                sims, res = np.take_along_axis(sims, top, 1), res[top]
            sims = np.maximum(sims, 0)
            total = sims.sum(1)
            out[idx] = np.where(total > 0, (sims * res).sum(1) / np.where(total > 0, total, 1), 0)
        return out

    # --- ranking ---------------------------------------------------------------------------------------------

    def _history(self, pos: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The user's rated item positions, ratings and recency weights (oldest first)."""
        sl = slice(self._user_rows[pos], self._user_rows[pos + 1])
        return self._i[sl], self._r[sl], self._recency[sl]

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

    def _genre_mask(self, genres) -> np.ndarray:
        """Titles with at least one of ``genres`` (case-insensitive); all titles when none are given."""
        if genres is None or len(genres) == 0:
            return np.ones(len(self.item_index_), bool)
        wanted = self.genre_index_.get_indexer([g.lower() for g in ([genres] if isinstance(genres, str) else genres)])
        wanted = wanted[wanted >= 0]
        return np.asarray(self.genre_matrix_[:, wanted].sum(1)).ravel() > 0

    def popular_titles(self, k: int = 10, genres=None, exclude=()) -> list[str]:
        """Cold start: the most-rated titles (ties: title id), restricted to ``genres`` when given."""
        mask = self._genre_mask(genres)
        if len(exclude):
            drop = self.item_index_.get_indexer([str(t) for t in exclude])
            mask[drop[drop >= 0]] = False
        order = np.lexsort((self.item_index_.to_numpy(), -self.popularity_))
        return [self.item_index_[j] for j in order if mask[j]][:k]

    def _rank(self, user_id, k, content_weight, exclude_seen, genres):
        """``(pos, top item positions, score, scaled collab, scaled content)``; ``pos = -1``: popular fallback."""
        w = self.content_weight if content_weight is None else float(content_weight)
        if not 0 <= w <= 1:
            raise ValueError(f"content_weight must be in [0, 1], got {w}")
        self._require("ease_weights_", "ranking")
        pos = self._user_pos(user_id)
        if pos < 0:
            return -1, self.popular_titles(k, genres), w
        collab, content = self._scores(pos)
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
                  genres=None) -> list[str]:
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

    def _explain_popular(self, ids: list[str]) -> pd.DataFrame:
        pos = self.item_index_.get_indexer(ids)
        pop = self.popularity_[pos] / max(self.popularity_.max(), 1)
        return pd.DataFrame({"title_id": ids, "title": self.catalogue_["title"].to_numpy()[pos], "score": pop,
                             "content_score": 0.0, "collaborative_score": pop, "because_title_id": "",
                             "because_title": ""})

    def similar_titles(self, title_id: str, k: int = 10) -> pd.DataFrame:
        """Content neighbours (``title_id, title, similarity``), also for titles nobody has rated.

        Raises:
            UnknownTitleError: the id is unknown.
        """
        pos = self._item_pos(title_id)
        sims = np.asarray((self.content_matrix_ @ self.content_matrix_[pos].T).todense()).ravel()
        sims[pos] = -np.inf
        top = np.lexsort((np.arange(len(sims)), -sims))[:k]
        top = top[np.isfinite(sims[top])]
        return pd.DataFrame({"title_id": self.item_index_[top].tolist(),
                             "title": self.catalogue_["title"].to_numpy()[top], "similarity": sims[top]})
