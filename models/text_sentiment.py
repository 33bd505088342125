"""Sentiment of free text: VADER's compound polarity, wrapped as a scikit-learn estimator.

VADER (Hutto and Gilbert, 2014) is a lexicon of about 7,500 words and emoticons rated by people, plus rules for
negation ("not good"), intensifiers ("very"), contrast ("but"), capitals and exclamation marks. It needs no
training data and no download: the lexicon ships inside the ``vaderSentiment`` package. Its ``compound`` score
runs from -1 (most negative) to +1 (most positive); its authors call a text positive from 0.05 and negative
from -0.05, the cut-offs used here. Scoring is about 0.8 million characters a second on one core, so callers score
a bounded sample. Identical texts are scored once (copied reviews and templated text repeat a lot).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

POSITIVE = 0.05
NEGATIVE = -0.05
LABELS = ("negative", "neutral", "positive")


class TextSentimentModel(BaseEstimator):
    """VADER compound polarity of each text, and a three-way label from it.

    Args:
        positive: compound score from which a text is positive (VADER's authors: 0.05).
        negative: compound score up to which a text is negative (-0.05).
    """

    def __init__(self, positive: float = POSITIVE, negative: float = NEGATIVE):
        self.positive = positive
        self.negative = negative

    def fit(self, X=None, y=None) -> "TextSentimentModel":
        """Load the lexicon (nothing is learned: VADER's weights were set by people, not fitted)."""
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        if not self.negative < self.positive:
            raise ValueError(f"negative ({self.negative}) must be below positive ({self.positive})")
        self.analyzer_ = SentimentIntensityAnalyzer()
        return self

    def decision_function(self, X) -> np.ndarray:
        """Compound polarity (-1 .. +1) of each text; a missing or empty text scores 0 (neutral)."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "analyzer_")
        texts = pd.Series(np.asarray(X, dtype=object).ravel()).fillna("").astype(str)
        codes, unique = pd.factorize(texts)
        scores = np.array([self.analyzer_.polarity_scores(t)["compound"] if t.strip() else 0.0 for t in unique],
                          dtype="float64")
        return scores[codes] if len(codes) else np.zeros(0)

    def predict(self, X) -> np.ndarray:
        """``"positive"``, ``"neutral"`` or ``"negative"`` for each text."""
        return self.label(self.decision_function(X))

    def label(self, scores) -> np.ndarray:
        """The label of compound scores (the cut-offs ``positive`` and ``negative``)."""
        scores = np.asarray(scores, dtype="float64")
        return np.where(scores >= self.positive, LABELS[2], np.where(scores <= self.negative, LABELS[0], LABELS[1]))
