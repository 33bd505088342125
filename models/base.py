"""What Marquee estimators share: storing constructor parameters the scikit-learn way, and the probability
methods of a classifier that wraps one fitted pipeline."""
from __future__ import annotations


def store_params(estimator: object, params: dict) -> None:
    """Set each constructor argument as an attribute of the same name, unchanged (scikit-learn's contract:
    ``__init__`` only stores, so ``get_params``/``set_params``/``clone`` round-trip).

    Call it as ``store_params(self, locals())`` first thing in ``__init__``.
    """
    for name, value in params.items():
        if name not in ("self", "__class__"):
            setattr(estimator, name, value)


def require_fitted(estimator: object, attribute: str) -> None:
    """Raise scikit-learn's ``NotFittedError`` when ``fit`` has not set ``attribute`` yet.

    scikit-learn is imported only on that path, so a module that loads fast (the recommender's content
    index) stays fast."""
    if not hasattr(estimator, attribute):
        from sklearn.exceptions import NotFittedError

        raise NotFittedError(f"This {type(estimator).__name__} instance is not fitted yet; call fit first.")


class FittedPipelineClassifier:
    """``predict_proba`` and ``predict`` of a binary classifier whose ``fit`` sets ``estimator_`` (a fitted
    pipeline) and ``classes_``; mix in before ``ClassifierMixin, BaseEstimator``. ``score_threads`` caps the
    BLAS/OpenMP threads while scoring (None: no cap)."""

    score_threads: int | None = None

    def predict_proba(self, X):
        """Class probabilities, shape (n, 2); column 1 is the positive class."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "estimator_")
        if self.score_threads is None:
            return self.estimator_.predict_proba(X)
        from threadpoolctl import threadpool_limits

        with threadpool_limits(self.score_threads):
            return self.estimator_.predict_proba(X)

    def predict(self, X):
        """Predicted class at probability threshold 0.5."""
        return self.classes_[(self.predict_proba(X)[:, 1] >= 0.5).astype(int)]
