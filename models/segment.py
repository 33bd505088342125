"""Title segments: K-Means on standardised engagement and popularity features, k chosen by silhouette.

Features (``FEATURES``), each standardised with the training mean and spread (fitted in ``fit`` only, so a
held-out split made before fitting stays unseen):

- **reach** ``log_votes`` = log10(1 + votes): how many people engaged with the title (log, because votes span
  five orders of magnitude);
- **quality** ``vote_average`` (0-10): how well they rated it; with reach it makes up the engagement score;
- **attention** ``log_popularity`` = log10(1 + popularity): the source's popularity (votes per year since release
  on the embedded data, TMDB's popularity score on TMDB), i.e. how much attention the title draws per unit of
  time rather than in total. On the embedded data attention is reach minus log10(years since release) and the
  two correlate at about 0.9, so reach and attention together mainly separate big from small audiences, and
  where they disagree a recent title from an old one.

Runtime and budget are not engagement or popularity and are deliberately left out. Segments are named from
their standardised centres by a fixed rule (:func:`name_segments`), so the same data always gives the same names.

Assigning a NEW title (Investment Copilot): a title not made yet has no votes and no rating, only a predicted
popularity. :meth:`SegmentModel.assign_new` places it at the nearest segment centre on the features it is given
(for the copilot: attention from the predicted popularity), each standardised with the training statistics;
the returned ``features_used`` says which features decided it.
"""
from __future__ import annotations

import copy

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from models.base import require_fitted

#: Clustering features: reach, quality and attention (see the module docstring).
FEATURES = ("log_votes", "vote_average", "log_popularity")
#: How the pages name each feature.
FEATURE_LABELS = {"log_votes": "reach (log10 of 1 + votes)", "vote_average": "quality (vote average)",
                  "log_popularity": "attention (log10 of 1 + popularity)"}
MIN_TITLES = 30
#: Candidate numbers of segments: k is picked by the best silhouette over K_MIN..K_MAX.
K_MIN, K_MAX = 2, 8
#: Centre thresholds (standard deviations) of the naming rules.
HIGH, MILD, ACCLAIMED, SKEW = 0.5, 0.25, 0.75, 1.0


def attention(popularity) -> np.ndarray:
    """Attention feature from popularity (>= 0): log10(1 + popularity), elementwise."""
    return np.log10(1 + np.asarray(popularity, dtype="float64"))


def feature_list() -> str:
    """The clustering features as the pages name them, e.g. "reach (...), quality (...) and attention (...)"."""
    labels = [FEATURE_LABELS[f] for f in FEATURES]
    return ", ".join(labels[:-1]) + f" and {labels[-1]}" if len(labels) > 1 else labels[0]


def name_segments(center_z: pd.DataFrame) -> list[str]:
    """Names for segment centres given in standard deviations from the mean (deterministic).

    With reach = ``log_votes``, quality = ``vote_average``, attention = ``log_popularity`` (a missing column
    counts as 0) and audience = the mean of reach and attention, first match wins:

    - attention - reach >= 1: "Trending now" (far more attention than their total reach: recent breakouts);
      reach - attention >= 1: "Back catalogue" (large reach built up long ago, little attention now);
    - audience >= 0.5: "Blockbusters" (quality >= 0.25), "Widely seen, poorly rated" (quality <= -0.25),
      else "Crowd pleasers";
    - quality <= -0.5: "Low performers" (poorly rated without a big audience);
    - quality >= 0.25 and audience <= -0.25: "Cult classics" (quality >= 0.75) or "Acclaimed niche";
    - audience <= -0.25: "Low performers" (small audience, ordinary rating: low engagement);
    - otherwise "Mainstream middle".

    Repeated names get " 1", " 2", ... in order of falling audience.
    """
    get = lambda row, col: float(row[col]) if col in row.index and pd.notna(row[col]) else 0.0  # noqa: E731
    names, audiences = [], []
    for _, row in center_z.iterrows():
        reach, quality, attn = get(row, "log_votes"), get(row, "vote_average"), get(row, "log_popularity")
        audience = (reach + attn) / 2
        audiences.append(audience)
        if abs(attn - reach) >= SKEW:
            names.append("Trending now" if attn > reach else "Back catalogue")
        elif audience >= HIGH:
            names.append("Blockbusters" if quality >= MILD else
                         "Widely seen, poorly rated" if quality <= -MILD else "Crowd pleasers")
        elif quality <= -HIGH:
            names.append("Low performers")
        elif quality >= MILD and audience <= -MILD:
            names.append("Cult classics" if quality >= ACCLAIMED else "Acclaimed niche")
        elif audience <= -MILD:
            names.append("Low performers")
        else:
            names.append("Mainstream middle")
    out = list(names)
    for name in set(names):
        idx = [i for i, n in enumerate(names) if n == name]
        if len(idx) > 1:
            for rank, i in enumerate(sorted(idx, key=lambda i: -audiences[i])):
                out[i] = f"{name} {rank + 1}"
    return out


class SegmentModel(ClusterMixin, BaseEstimator):
    """K-Means segments with k picked by the best silhouette over ``k_min..k_max``.

    Input: a frame with the ``features`` columns (rows missing any are skipped in ``fit`` and get -1 from
    ``predict``).
    """

    def __init__(self, features: tuple[str, ...] = FEATURES, k_min: int = K_MIN, k_max: int = K_MAX, n_init: int = 5,
                 sample_size: int = 2000, random_state: int = 0):
        self.features = features
        self.k_min = k_min
        self.k_max = k_max
        self.n_init = n_init
        self.sample_size = sample_size
        self.random_state = random_state

    def _kmeans(self, z: np.ndarray, k: int) -> KMeans:
        return KMeans(n_clusters=k, n_init=self.n_init, random_state=self.random_state).fit(z)

    def _silhouette(self, z: np.ndarray, labels: np.ndarray) -> float:
        if len(set(labels)) < 2:
            return float("nan")
        return float(silhouette_score(z, labels, sample_size=min(self.sample_size, len(z)),
                                      random_state=self.random_state))

    def fit(self, X: pd.DataFrame, y=None) -> "SegmentModel":
        """Scale, cluster for every k, keep the k with the best silhouette, name and profile the segments.

        Every k's K-Means is kept in ``kmeans_by_k_`` (with its training profile in ``profiles_by_k_``), so
        :meth:`with_k` can show another k without refitting; ``best_k_`` is the silhouette's pick.
        """
        data = X[list(self.features)].astype("float64").dropna()
        if len(data) < max(MIN_TITLES, self.k_min + 1):
            raise ValueError(f"segmentation needs at least {MIN_TITLES} titles with {', '.join(self.features)}")
        self.feature_names_ = list(self.features)
        self.scaler_ = StandardScaler().fit(data)
        z = self.scaler_.transform(data)
        rows, fits = [], {}
        # One BLAS/OpenMP thread: on small shared machines the default oversubscribes and runs up to 30x slower.
        with threadpool_limits(limits=1):
            for k in range(self.k_min, min(self.k_max, len(data) - 1) + 1):
                fits[k] = self._kmeans(z, k)
                rows.append((k, float(fits[k].inertia_), self._silhouette(z, fits[k].labels_)))
        self.scores_ = pd.DataFrame(rows, columns=["k", "inertia", "silhouette"])
        best = self.scores_.dropna(subset=["silhouette"])
        self.best_k_ = int(best.loc[best["silhouette"].idxmax(), "k"]) if len(best) else int(self.scores_["k"].iloc[0])
        self.kmeans_by_k_ = fits
        self.profiles_by_k_ = {k: data.groupby(km.labels_).mean().reindex(range(k)) for k, km in fits.items()}
        self.profile_scale_ = pd.DataFrame({"mean": data.mean(), "std": data.std(ddof=0)})
        self.profile_scale_["std"] = self.profile_scale_["std"].replace(0, np.nan).fillna(1.0)
        self._use(self.best_k_, X.index, X[self.feature_names_].astype("float64").notna().all(axis=1).to_numpy())
        return self

    def _use(self, k: int, index: pd.Index, used: np.ndarray) -> None:
        """Point the k-specific attributes (``k_``, ``kmeans_``, centres, names, labels, profile) at one k."""
        self.k_ = int(k)
        self.silhouette_ = float(self.scores_.set_index("k").loc[self.k_, "silhouette"])
        self.kmeans_ = self.kmeans_by_k_[self.k_]
        self.center_z_ = pd.DataFrame(self.kmeans_.cluster_centers_, columns=self.feature_names_)
        self.centers_ = pd.DataFrame(self.scaler_.inverse_transform(self.kmeans_.cluster_centers_),
                                     columns=self.feature_names_)
        self.names_ = name_segments(self.center_z_)
        labels = np.full(len(index), -1, dtype="int64")
        labels[used] = self.kmeans_.labels_
        self.labels_ = pd.Series(labels, index=index)
        self.profile_ = self.profiles_by_k_[self.k_]

    def with_k(self, k: int | None) -> "SegmentModel":
        """The fitted model read at ``k`` segments, from the K-Means already fitted in the sweep (no refit).

        Args:
            k: number of segments, one of ``scores_["k"]``; ``None`` or 0 = the silhouette's best k.

        Returns:
            A shallow copy whose ``k_``, ``kmeans_``, ``names_``, ``labels_``, ``profile_``... describe k; this
            model is left unchanged (it may be shared read-only, e.g. by the Investment Copilot).
        """
        k = int(k or self.best_k_)
        if k not in self.kmeans_by_k_:
            raise ValueError(f"k must be one of {sorted(self.kmeans_by_k_)}, not {k}")
        if k == self.k_:
            return self
        out = copy.copy(self)
        out._use(k, self.labels_.index, self.labels_.to_numpy() >= 0)
        return out

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """Standardised features (NaN rows stay NaN)."""
        require_fitted(self, "scaler_")
        return self.scaler_.transform(X[self.feature_names_].astype("float64"))

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Segment of each row (needs every column in ``features``); -1 where any of them is missing."""
        z = self.transform(X)
        ok = ~np.isnan(z).any(axis=1)
        out = np.full(len(X), -1, dtype="int64")
        if ok.any():
            out[ok] = self.kmeans_.predict(z[ok])
        return out

    def assign_new(self, **values: float | None) -> dict:
        """Nearest segment for a title described by any subset of the features.

        Args:
            **values: e.g. ``log_popularity=attention(predicted_popularity)`` for a title not out yet (plus
                ``log_votes``/``vote_average`` if the caller has an expectation for them); ``None`` values and
                unknown names are ignored.

        Returns:
            ``segment`` (id), ``name``, ``distance`` (in standard deviations) and ``features_used``.
        """
        used = [c for c, v in values.items() if v is not None and c in self.profile_.columns
                and not pd.isna(v)]
        if not used:
            raise ValueError(f"give at least one of {', '.join(self.profile_.columns)}")
        mean, std = self.profile_scale_.loc[used, "mean"], self.profile_scale_.loc[used, "std"]
        point = (pd.Series({c: float(values[c]) for c in used}) - mean) / std
        centres = ((self.profile_[used] - mean) / std).fillna(0.0)  # an empty segment: average
        dist = np.sqrt(((centres - point) ** 2).sum(axis=1))
        seg = int(dist.idxmin())
        return {"segment": seg, "name": self.names_[seg], "distance": float(dist[seg]), "features_used": used}


def evaluate(model: SegmentModel, X_test: pd.DataFrame, random_state: int = 0) -> dict:
    """Held-out check of a fitted model against a no-structure baseline.

    The baseline clusters the same data with every column shuffled independently (same marginals, no joint
    structure) at the same k; a real segmentation should beat its silhouette clearly.

    Returns:
        ``k``, ``train_silhouette``, ``holdout_silhouette``, ``null_silhouette`` and ``holdout_titles``.
    """
    test = X_test[model.feature_names_].astype("float64").dropna()
    z = model.transform(test)
    labels = model.kmeans_.predict(z) if len(z) else np.zeros(0, dtype=int)
    rng = np.random.default_rng(random_state)
    shuffled = np.column_stack([rng.permutation(z[:, j]) for j in range(z.shape[1])]) if len(z) else z
    null_sil = holdout_sil = float("nan")
    if len(z) > model.k_:
        with threadpool_limits(limits=1):
            null_sil = model._silhouette(shuffled, model._kmeans(shuffled, model.k_).labels_)
            holdout_sil = model._silhouette(z, labels)
    return {"k": model.k_, "train_silhouette": model.silhouette_, "holdout_silhouette": holdout_sil,
            "null_silhouette": null_sil, "holdout_titles": int(len(z))}
