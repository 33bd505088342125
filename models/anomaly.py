"""Anomalous titles: an Isolation Forest over audience metrics, with per-title explanations.

``AnomalyModel`` follows the scikit-learn contract. Its flag rule is IsolationForest's own: a title is flagged
when its score falls below the ``contamination`` quantile of the training scores, which :func:`flag_share`
reproduces so a cached set of scores can be re-thresholded for any contamination without refitting.

The embedded IMDb data carries the share of votes at each star (``r1`` .. ``r10``, decile mid-points: 4.5 means
0-10%, 24.5 means 20-30%). :func:`vote_shape` uses them to tell a one-sided extreme (a famously bad or a beloved
film) from a two-sided one (heavy at both 1 and 10 stars, the ballot-stuffing signature).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, OutlierMixin
from sklearn.ensemble import IsolationForest

#: ``r1``/``r10`` mid-point at or above which that end is "heavy" (at least 20% of votes).
HEAVY = 24.5
#: ... and "extreme" (at least 30% of votes).
EXTREME = 34.5
#: Default settings, quoted on the Deep Dive page from here: trees in the forest, share flagged, seed.
N_ESTIMATORS = 200
CONTAMINATION = 0.02
RANDOM_STATE = 0
SHAPES = ("One-sided: panned", "One-sided: beloved", "Two-sided: polarised", "Not a vote-share extreme",
          "No vote shares")


class AnomalyModel(OutlierMixin, BaseEstimator):
    """Isolation Forest on numeric title features; missing values are filled with training medians.

    Input: a frame of numeric feature columns (e.g. ``vote_average, log_votes, runtime, r1, r10``); the columns
    seen in ``fit`` are the ones ``score_samples``/``predict``/``explain`` read (a wider frame is fine). A plain
    2-D array works too (columns ``x0, x1, ...``), so scikit-learn's own estimator checks run on this class.
    """

    def __init__(self, contamination: float = CONTAMINATION, n_estimators: int = N_ESTIMATORS,
                 random_state: int = RANDOM_STATE):
        self.contamination = contamination
        self.n_estimators = n_estimators
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # filled with the training medians
        return tags

    def _frame(self, X, reset: bool) -> pd.DataFrame:
        """``X`` as a float frame of the fitted columns, checked by scikit-learn (shape, dtype, no inf)."""
        from sklearn.utils.validation import check_is_fitted, validate_data

        if not reset:
            check_is_fitted(self, "estimator_")
        if isinstance(X, pd.DataFrame):
            frame = X if reset else X[self.feature_names_]
            values = validate_data(self, frame, reset=reset, dtype="float64", ensure_all_finite="allow-nan",
                                   ensure_min_samples=2 if reset else 1)
            return pd.DataFrame(values, columns=list(frame.columns), index=X.index)
        values = validate_data(self, X, reset=reset, dtype="float64", ensure_all_finite="allow-nan",
                               ensure_min_samples=2 if reset else 1)
        return pd.DataFrame(values, columns=[f"x{j}" for j in range(values.shape[1])])

    def _matrix(self, data: pd.DataFrame) -> np.ndarray:
        return data[self.feature_names_].fillna(self.medians_).to_numpy()

    def fit(self, X: pd.DataFrame, y=None) -> "AnomalyModel":
        """Fit the forest and the flag threshold on ``X``."""
        if not 0 < self.contamination <= 0.5:
            raise ValueError("contamination must be in (0, 0.5]")
        shape = getattr(X, "shape", ())  # np.shape would convert a list or array-like first
        if len(shape) == 2 and shape[0] < 2:
            raise ValueError(f"anomaly detection needs at least 2 rows and 1 feature (got {shape[0]} sample(s) "
                             f"of {shape[1]} feature(s))")
        data = self._frame(X, reset=True)  # 2-D, numeric, at least 1 feature, or a ValueError that says so
        self.feature_names_ = list(data.columns)
        self.medians_ = data.median().fillna(0.0)
        self.means_ = data.mean().fillna(0.0)
        self.stds_ = data.std(ddof=0).replace(0, np.nan).fillna(1.0)
        matrix = self._matrix(data)
        # contamination="auto" skips sklearn's own pass over the training scores; the threshold below is the
        # same rule (the contamination quantile of the training scores), computed from one scoring pass.
        self.estimator_ = IsolationForest(n_estimators=self.n_estimators, contamination="auto",
                                          random_state=self.random_state).fit(matrix)
        self.train_scores_ = self.estimator_.score_samples(matrix)
        self.offset_ = float(np.percentile(self.train_scores_, 100.0 * self.contamination))
        return self

    def score_samples(self, X: pd.DataFrame) -> np.ndarray:
        """Isolation Forest scores: the lower, the more abnormal."""
        matrix = self._matrix(self._frame(X, reset=False))  # NotFittedError before fit
        return self.estimator_.score_samples(matrix)

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        """Score minus the flag threshold: negative for anomalies (scikit-learn's outlier convention)."""
        return self.score_samples(X) - self.offset_

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """-1 for anomalies, 1 for normal titles (scikit-learn's outlier convention)."""
        return np.where(self.score_samples(X) < self.offset_, -1, 1)

    def explain(self, X: pd.DataFrame) -> pd.DataFrame:
        """Per-feature z-scores against the training data, plus the most extreme feature of each row."""
        z = (self._frame(X, reset=False) - self.means_) / self.stds_
        pos = z.abs().fillna(0.0).to_numpy().argmax(axis=1) if len(z) else np.zeros(0, dtype=int)
        top_z = z.to_numpy()[np.arange(len(z)), pos] if len(z) else np.zeros(0)
        return z.add_prefix("z_").assign(top_feature=np.asarray(self.feature_names_, dtype=object)[pos],
                                          top_z=top_z)


def flag_share(scores: np.ndarray, contamination: float) -> np.ndarray:
    """Flag the ``contamination`` share of lowest scores, exactly as IsolationForest's threshold does."""
    scores = np.asarray(scores, dtype="float64")
    if scores.size == 0:
        return np.zeros(0, dtype=bool)
    return scores < np.percentile(scores, 100.0 * contamination)


def vote_shape(r1: pd.Series, r10: pd.Series) -> pd.Series:
    """Classify each title's vote split at the two ends of the scale.

    Rules (shares are IMDb decile mid-points): two-sided when both ends hold at least 20% of votes; one-sided
    when one end holds at least 30% and the other under 20% ("panned" at 1 star, "beloved" at 10 stars);
    otherwise not a vote-share extreme; "No vote shares" when the source has none.
    """
    r1, r10 = r1.astype("float64"), r10.astype("float64")
    out = pd.Series(SHAPES[3], index=r1.index, dtype="object")
    out[(r1 >= EXTREME) & (r10 < HEAVY)] = SHAPES[0]
    out[(r10 >= EXTREME) & (r1 < HEAVY)] = SHAPES[1]
    out[(r1 >= HEAVY) & (r10 >= HEAVY)] = SHAPES[2]
    out[r1.isna() | r10.isna()] = SHAPES[4]
    return out.astype("string")


def strongest_features(X: pd.DataFrame, z: pd.DataFrame, threshold: float, limit: int) -> list[list[tuple]]:
    """Per row, the features that explain an outlier: those beyond ``threshold`` sd (at most ``limit``, most
    extreme first), else the single most extreme known one; ``[]`` when no z-score is known.

    Args:
        X: raw feature values, same rows and order as ``z``.
        z: z-scores in columns ``z_<feature>`` (``AnomalyModel.explain``).

    Returns:
        One list per row of ``(feature, value, z)`` tuples.
    """
    feats = [c[2:] for c in z.columns]
    zv, xv = z.to_numpy("float64"), X[feats].to_numpy("float64")
    out = []
    for zr, xr in zip(zv, xv):
        known = ~np.isnan(zr)
        order = [j for j in np.argsort(-np.abs(np.where(known, zr, 0.0)), kind="stable") if known[j]]
        picked = [j for j in order if abs(zr[j]) >= threshold][:limit] or order[:1]
        out.append([(feats[j], float(xr[j]), float(zr[j])) for j in picked])
    return out
