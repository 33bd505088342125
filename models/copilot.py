"""Investment Copilot estimators: popularity regressor, hit classifier and the genre baselines they must beat.

- :class:`PopularityModel` regresses log10 popularity with LightGBM; if LightGBM cannot be imported or fitted
  it falls back to XGBoost automatically (``booster_`` and ``fallback_reason_`` say what happened). XGBoost can
  also be chosen directly.
- :class:`HitModel` is a Random Forest (``class_weight="balanced"``) behind a median imputer, so the imputer is
  refitted inside every cross-validation fold.
- :class:`GenreMedianRegressor` / :class:`GenreRateClassifier` are the baselines: the training median (or hit
  rate) of titles with exactly the same genre combination, else the overall median (rate).

Genre flags are the columns whose names start with ``GENRE_PREFIX``. Every booster uses one thread: the app
serves several users on a few cores, and on ~3,000 rows threading costs more than it saves.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline

from models.base import require_fitted

GENRE_PREFIX = "g_"
BOOSTERS = ("lightgbm", "xgboost")


def _lightgbm_regressor(n_estimators: int, learning_rate: float, random_state: int):
    """A LightGBM regressor (imported here so a missing or broken LightGBM only triggers the fallback)."""
    import lightgbm

    return lightgbm.LGBMRegressor(n_estimators=n_estimators, learning_rate=learning_rate, num_leaves=15,
                                  min_child_samples=10, subsample=0.8, subsample_freq=1, colsample_bytree=0.9,
                                  random_state=random_state, n_jobs=1, verbose=-1)


def _xgboost_regressor(n_estimators: int, learning_rate: float, random_state: int):
    """An XGBoost regressor with settings comparable to the LightGBM one."""
    import xgboost

    return xgboost.XGBRegressor(n_estimators=n_estimators, learning_rate=learning_rate, max_depth=4,
                                subsample=0.8, colsample_bytree=0.9, random_state=random_state, n_jobs=1)


def hit_challengers(random_state: int = 0) -> dict:
    """Unfitted classifiers compared with the hit model (:class:`HitModel`, a Random Forest) on the same folds:
    a balanced logistic regression after median imputation and scaling, and XGBoost (omitted if it cannot be
    imported)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    out = {"Logistic Regression": make_pipeline(SimpleImputer(strategy="median"), StandardScaler(),
                                                LogisticRegression(class_weight="balanced", max_iter=2000))}
    try:
        import xgboost

        out["XGBoost"] = xgboost.XGBClassifier(n_estimators=200, learning_rate=0.05, max_depth=3,
                                               random_state=random_state, n_jobs=1)
    except ImportError:
        pass
    return out


def make_booster(name: str, n_estimators: int = 200, learning_rate: float = 0.05, random_state: int = 0):
    """An unfitted gradient-boosting regressor by name ("lightgbm" or "xgboost")."""
    if name == "lightgbm":
        return _lightgbm_regressor(n_estimators, learning_rate, random_state)
    if name == "xgboost":
        return _xgboost_regressor(n_estimators, learning_rate, random_state)
    raise ValueError(f"unknown booster {name!r}; use one of {BOOSTERS}")


def _as_float(X: pd.DataFrame) -> pd.DataFrame:
    """Plain float64 columns (nullable pandas dtypes confuse some boosters)."""
    return X.astype("float64")


def _check_training(X: pd.DataFrame, y: np.ndarray, what: str) -> None:
    """A clear error for an empty or misaligned training set (XGBoost would silently fit an empty one)."""
    if len(X) == 0 or X.shape[1] == 0:
        raise ValueError(f"the {what} needs at least one training title and one feature (got {X.shape[0]} x "
                         f"{X.shape[1]})")
    if len(y) != len(X):
        raise ValueError(f"the {what} got {len(X)} rows of features but {len(y)} targets")


class PopularityModel(RegressorMixin, BaseEstimator):
    """Predicts log10 popularity; LightGBM with an automatic XGBoost fallback."""

    def __init__(self, booster: str = "lightgbm", n_estimators: int = 200, learning_rate: float = 0.05,
                 random_state: int = 0):
        self.booster = booster
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.random_state = random_state

    def fit(self, X: pd.DataFrame, y) -> "PopularityModel":
        """Fit the chosen booster; if LightGBM fails (import or fit), fit XGBoost instead and say why."""
        X, y = _as_float(X), np.asarray(y, dtype="float64")
        _check_training(X, y, "popularity model")
        self.fallback_reason_ = ""
        try:
            self.estimator_ = make_booster(self.booster, self.n_estimators, self.learning_rate,
                                           self.random_state).fit(X, y)
            self.booster_ = self.booster
        except Exception as exc:  # any LightGBM failure: import error, broken install, fit error
            if self.booster != "lightgbm":
                raise
            self.fallback_reason_ = f"LightGBM failed ({type(exc).__name__}: {exc}); XGBoost used instead."
            self.estimator_ = make_booster("xgboost", self.n_estimators, self.learning_rate,
                                           self.random_state).fit(X, y)
            self.booster_ = "xgboost"
        self.feature_names_ = list(X.columns)
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Predicted log10 popularity."""
        require_fitted(self, "estimator_")
        return np.asarray(self.estimator_.predict(_as_float(X[self.feature_names_])), dtype="float64")


class HitModel(ClassifierMixin, BaseEstimator):
    """Probability that a title is a hit: Random Forest with balanced class weights after median imputation."""

    def __init__(self, n_estimators: int = 100, min_samples_leaf: int = 10, random_state: int = 0):
        self.n_estimators = n_estimators
        self.min_samples_leaf = min_samples_leaf
        self.random_state = random_state

    def fit(self, X: pd.DataFrame, y) -> "HitModel":
        """Fit imputer and forest on the training rows only."""
        y = np.asarray(y, dtype="int64")
        _check_training(X, y, "hit model")
        forest = RandomForestClassifier(n_estimators=self.n_estimators, min_samples_leaf=self.min_samples_leaf,
                                        class_weight="balanced", random_state=self.random_state, n_jobs=1)
        self.estimator_ = make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True),
                                        forest).fit(_as_float(X), y)
        self.classes_ = self.estimator_.classes_
        self.feature_names_ = list(X.columns)
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Class probabilities, columns in ``classes_`` order.

        Same numbers as the pipeline's ``predict_proba`` (a unit test checks it), computed straight from each
        tree's leaf class fractions: the what-if sliders score 10 rows per move, and the forest's per-call
        validation and joblib overhead (about 30 ms) would dominate a sub-millisecond computation.
        """
        require_fitted(self, "estimator_")
        imputer, forest = self.estimator_[0], self.estimator_[-1]
        values = X[self.feature_names_].to_numpy(dtype="float64")
        values = np.where(np.isnan(values), imputer.statistics_, values).astype(np.float32)
        proba = np.zeros((len(values), len(self.classes_)))
        for tree in forest.estimators_:
            leaf = tree.tree_.predict(values).reshape(len(values), -1)[:, :len(self.classes_)]
            proba += leaf / leaf.sum(axis=1, keepdims=True)
        return proba / len(forest.estimators_)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Hit (1) or not (0)."""
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


def genre_key(X: pd.DataFrame) -> pd.Series:
    """The genre combination of each row as one integer (bit i = genre column i; 0 = no genre)."""
    cols = [c for c in X.columns if c.startswith(GENRE_PREFIX)]
    flags = X[cols].to_numpy(dtype="float64") > 0
    return pd.Series(flags @ (2 ** np.arange(len(cols), dtype="int64")), index=X.index, dtype="int64")


class GenreMedianRegressor(RegressorMixin, BaseEstimator):
    """Baseline: the training median of titles with the same genre combination (else the overall median)."""

    def fit(self, X: pd.DataFrame, y) -> "GenreMedianRegressor":
        y = pd.Series(np.asarray(y, dtype="float64"), index=X.index)
        self.table_ = y.groupby(genre_key(X)).median()
        self.default_ = float(y.median())
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        require_fitted(self, "table_")
        return genre_key(X).map(self.table_).fillna(self.default_).to_numpy(dtype="float64")


class GenreRateClassifier(ClassifierMixin, BaseEstimator):
    """Baseline: the training hit rate of titles with the same genre combination (else the overall rate)."""

    def fit(self, X: pd.DataFrame, y) -> "GenreRateClassifier":
        y = pd.Series(np.asarray(y, dtype="int64"), index=X.index)
        self.classes_ = np.array([0, 1])
        self.table_ = y.groupby(genre_key(X)).mean()
        self.default_ = float(y.mean())
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        require_fitted(self, "table_")
        p = genre_key(X).map(self.table_).fillna(self.default_).to_numpy(dtype="float64")
        return np.column_stack([1 - p, p])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype("int64")
