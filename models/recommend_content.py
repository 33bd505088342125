"""The content side of the recommender: TF-IDF title profiles, a genre index and rating popularity.

:class:`ContentIndex` is quick to fit (about a second for 10,000 titles) and needs no collaborative model, so a
page can show "more like this" and popular-in-genre titles while the collaborative models train.
:class:`models.recommend.HybridRecommender` extends it.

Tokens of a title: ``g:<genre>`` for ``genres`` (and ``ml_genres`` where the frame has it), ``k:<keyword>`` for
``keywords`` (where present), ``d:<decade>``, and the words of the title and overview (English stop words
removed). Cosine similarity of the sublinear TF-IDF vectors gives "more like this", also for titles nobody has
rated (the cold-start path for titles).
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import scipy.sparse as sp

from models import ids
from models.base import require_fitted


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


def title_tokens(row: tuple, stop_words: frozenset = frozenset()) -> list[str]:
    """Tokens of one ``(title, genres, year, overview, extra_genres, keywords)`` row (see the module docstring)."""
    title, genres, year, overview, extra_genres, keywords = row
    tokens = sorted({f"g:{str(g).strip().lower()}" for g in _as_list(genres) + _as_list(extra_genres)
                     if g and "no genres" not in str(g)})
    tokens += [f"k:{str(k).strip().lower()}" for k in _as_list(keywords) if k]
    if pd.notna(year):
        tokens.append(f"d:{int(year) // 10 * 10}")
    text = f"{title if isinstance(title, str) else ''} {overview if isinstance(overview, str) else ''}".lower()
    words = re.findall(r"[a-z][a-z']+", text)
    return tokens + [w for w in words if w not in stop_words]


def merged_genres(titles: pd.DataFrame) -> pd.Series:
    """Each title's ``genres`` plus its ``ml_genres`` (where the frame has them), in order, without duplicates."""
    extra = titles["ml_genres"] if "ml_genres" in titles.columns else pd.Series([None] * len(titles), titles.index)
    base = titles["genres"] if "genres" in titles.columns else pd.Series([None] * len(titles), titles.index)
    return pd.Series([list(dict.fromkeys(str(g) for g in _as_list(a) + _as_list(b) if g and "no genres" not in str(g)))
                      for a, b in zip(base, extra)], index=titles.index, dtype=object)


class ContentIndex:
    """Content neighbours and popularity over a catalogue (titles plus any rated id missing from them).

    A plain class with no parameters; scikit-learn is imported only inside :meth:`fit`, so loading a fitted
    index from disk (or importing this module) stays fast.

    Fitted attributes: ``catalogue_`` (``title_id, title, genres, year``; genres merged with ``ml_genres``
    where present, see :func:`merged_genres`), ``item_index_``, ``popularity_``
    (ratings per title), ``genre_index_``/``genre_matrix_`` (lower-cased genres) and ``content_matrix_``
    (L2-normalised TF-IDF rows, float32).
    """

    def fit(self, ratings: pd.DataFrame, titles: pd.DataFrame) -> "ContentIndex":
        """Fit on canonical ``ratings`` (``user_id, title_id, rating``; may be empty) and ``titles``."""
        self._fit_catalogue(ratings, titles)
        return self

    def _fit_catalogue(self, ratings: pd.DataFrame, titles: pd.DataFrame) -> pd.DataFrame:
        """Set the catalogue, popularity and content matrices; return the deduplicated ratings."""
        r = ratings.assign(title_id=ids.like(ratings["title_id"], titles["title_id"].to_numpy()).to_numpy())
        if "timestamp" not in r.columns:  # no times: row order stands for time
            r = r.assign(timestamp=np.arange(len(r)))
        r = r.drop_duplicates(["user_id", "title_id"], keep="last")
        cat = titles.drop_duplicates("title_id")
        missing = pd.unique(r["title_id"][~r["title_id"].isin(cat["title_id"])])
        try:
            missing = sorted(missing)
        except TypeError:  # ids of mixed types: first-seen order
            pass
        extra = pd.DataFrame({"title_id": missing if len(missing) else cat["title_id"].iloc[:0]})
        cat = pd.concat([cat, extra], ignore_index=True) if len(extra) else cat.reset_index(drop=True)
        for col, empty in (("title", ""), ("genres", None), ("year", np.nan), ("overview", "")):
            if col not in cat.columns:
                cat[col] = empty
        self.catalogue_ = cat[["title_id", "title", "genres", "year"]].assign(
            title=cat["title"].fillna(cat["title_id"]).astype(str),
            genres=merged_genres(cat))
        self.item_index_ = pd.Index(self.catalogue_["title_id"])
        self.popularity_ = np.bincount(self.item_index_.get_indexer(r["title_id"]),
                                       minlength=len(self.item_index_)).astype(float)
        # most rated first, ties by id: sorted once here, not on every cold-start call
        self._popular_order = np.lexsort((np.arange(len(self.item_index_)), self._id_rank(), -self.popularity_))
        self._fit_content(cat)
        return r

    def _fit_content(self, cat: pd.DataFrame) -> None:
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

        pairs = [(j, g.lower()) for j, gs in enumerate(self.catalogue_["genres"]) for g in gs]
        self.genre_index_ = pd.Index(sorted({g for _, g in pairs}))
        rows, names = zip(*pairs) if pairs else ((), ())
        self.genre_matrix_ = sp.csr_matrix((np.ones(len(rows)), (rows, self.genre_index_.get_indexer(names))),
                                           shape=(len(cat), len(self.genre_index_)))
        none = pd.Series([None] * len(cat), index=cat.index)
        rows = zip(cat["title"], cat["genres"], cat["year"], cat["overview"], cat.get("ml_genres", none),
                   cat.get("keywords", none))
        docs = [title_tokens(row, ENGLISH_STOP_WORDS) for row in rows]
        vec = TfidfVectorizer(analyzer=lambda d: d, sublinear_tf=True, min_df=1)
        self.content_matrix_ = vec.fit_transform(docs).tocsr().astype(np.float32)

    def _item_pos(self, title_id) -> int:
        require_fitted(self, "item_index_")
        pos = ids.position(self.item_index_, title_id)
        if pos < 0:
            raise UnknownTitleError(f"unknown title_id {title_id!r}: not in the titles or ratings fitted on")
        return int(pos)

    def _genre_mask(self, genres) -> np.ndarray:
        """Titles with at least one of ``genres`` (case-insensitive); all titles when none are given."""
        if genres is None or len(genres) == 0:
            return np.ones(len(self.item_index_), bool)
        wanted = self.genre_index_.get_indexer([g.lower() for g in ([genres] if isinstance(genres, str) else genres)])
        wanted = wanted[wanted >= 0]
        return np.asarray(self.genre_matrix_[:, wanted].sum(1)).ravel() > 0

    def popular_titles(self, k: int = 10, genres=None, exclude=()) -> list:
        """Cold start: the most-rated titles (ties: title id), restricted to ``genres`` when given.

        Titles nobody rated are never "popular": the list can be shorter than ``k``.
        """
        require_fitted(self, "item_index_")
        mask = self._genre_mask(genres) & (self.popularity_ > 0)
        if len(exclude):
            drop = ids.positions(self.item_index_, list(exclude))
            mask[drop[drop >= 0]] = False
        order = self._popular_order
        return self.item_index_[order[mask[order]][:k]].tolist()

    def _id_rank(self) -> np.ndarray:
        """Each title's rank in id order (ties of popularity go to the smaller id), for ids of any type."""
        try:
            return self.item_index_.argsort().argsort()
        except TypeError:  # ids of mixed types: compare their text
            return self.item_index_.astype(str).argsort().argsort()

    def similar_titles(self, title_id, k: int = 10) -> pd.DataFrame:
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
