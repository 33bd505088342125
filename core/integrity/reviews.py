"""Sentiment of review text: per review, title, genre and month; where text and stars disagree; a title's most
positive and negative reviews; and review bursts (many reviews of a title in a short window, with near-duplicate
texts) as a fake-engagement signal.

Each text is scored by ``models.text_sentiment`` (VADER compound, -1 .. +1: positive from 0.05, negative from
-0.05). Pure pandas on a bounded sample of reviews (``core.data.reviews``) and on per-day counts from the engine;
near-duplicates come from ``core.integrity.planted.farm_reviews``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from core.data import features
from core.integrity import planted as pl
from models import text_sentiment as ts

#: Volatility: rolling standard deviation over this many consecutive reviews of a title or genre ...
WINDOW_REVIEWS = 5
#: ... and, for the monthly trend, over every review of the trailing this many months.
WINDOW_MONTHS = 3
#: A rating (of 10) from this is favourable and up to ``STARS_LOW`` unfavourable.
STARS_HIGH, STARS_LOW = 7.0, 4.0
#: Titles and genres with at least this many reviews are ranked.
MIN_REVIEWS = 5
#: Review bursts: the most reviews a title got in any window of this many days ...
BURST_DAYS = 7
#: ... counted a burst with at least this many reviews and a chance below ``BURST_P`` of that many arriving in one
#: window had the title's reviews come evenly from its first review to the end of the data (Poisson, Bonferroni
#: over its windows) ...
BURST_MIN, BURST_P = 5, 0.001
#: ... and fake when at least this share of the window's reviews are near-duplicates (``planted.farm_reviews``).
NEAR_SHARE = 0.5
#: Titles whose reviews are read for near-duplicates, strongest bursts first.
BURSTS_CHECKED = 50

DEFINITIONS = {
    "sentiment": "Text sentiment: VADER's compound score of the review text, from -1 (most negative) to +1 (most "
                 "positive); positive from +0.05, negative from -0.05, neutral between (its authors' cut-offs).",
    "disagree": f"Text and stars disagree: a positive text with a rating of {STARS_LOW:g}/10 or less, or a negative "
                f"text with {STARS_HIGH:g}/10 or more (share of the reviews that carry a rating).",
    "volatility": f"Volatility: rolling standard deviation of review sentiment, over {WINDOW_REVIEWS} consecutive "
                  f"reviews for a title or genre (their mean), over the trailing {WINDOW_MONTHS} months of "
                  "reviews for a month.",
    "burst": f"Review burst: the most reviews a title got in {BURST_DAYS} days, at least {BURST_MIN} and with a "
             f"chance under {BURST_P:g} had its reviews come evenly since its first one (Poisson); flagged as "
             f"fake engagement when {NEAR_SHARE:.0%}+ of them nearly copy another account's review "
             f"(Jaccard {pl.FARM_SIMILARITY:g}+ of their words).",
}


def score(reviews: pd.DataFrame, model: ts.TextSentimentModel | None = None) -> pd.DataFrame:
    """Reviews (``review_id, title_id, user_id, text, created_at, rating``) with ``sentiment`` (-1 .. +1),
    ``tone`` (positive, neutral, negative), ``disagree`` (text against stars) and ``month``."""
    model = model if model is not None else ts.TextSentimentModel().fit()
    sentiment = model.decision_function(reviews["text"].to_numpy(dtype=object))
    tone = model.label(sentiment)
    stars = reviews["rating"].astype("float64")
    disagree = ((tone == "positive") & (stars <= STARS_LOW)) | ((tone == "negative") & (stars >= STARS_HIGH))
    return reviews.assign(sentiment=sentiment, tone=tone, disagree=disagree.to_numpy(),
                          month=reviews["created_at"].dt.to_period("M").dt.to_timestamp())


def _summary(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """``reviews, sentiment, positive, negative, stars, rated, disagree`` per group (shares 0-1; ``disagree`` is
    the share of the rated reviews; ``stars`` the mean rating of 10)."""
    marks = frame.assign(pos=frame["tone"].eq("positive"), neg=frame["tone"].eq("negative"),
                         rated=frame["rating"].notna(), dis=frame["disagree"])
    out = marks.groupby(by, observed=True).agg(
        reviews=("sentiment", "size"), sentiment=("sentiment", "mean"), positive=("pos", "mean"),
        negative=("neg", "mean"), stars=("rating", "mean"), rated=("rated", "sum"), disagree=("dis", "sum"))
    out["disagree"] = out["disagree"] / out["rated"].where(out["rated"] > 0)
    return out


def _volatility(frame: pd.DataFrame, by: str) -> pd.Series:
    """Mean rolling sd of sentiment over ``WINDOW_REVIEWS`` consecutive reviews of each group (time order)."""
    ordered = frame.sort_values("created_at", kind="stable")
    rolled = ordered.groupby(by, observed=True)["sentiment"].rolling(WINDOW_REVIEWS).std()
    return rolled.groupby(level=0, observed=True).mean()


def volatility(scored: pd.DataFrame) -> float:
    """The mean rolling sd of sentiment over ``WINDOW_REVIEWS`` consecutive reviews (NaN with fewer)."""
    rolled = _volatility(scored.assign(one=1), "one")
    return float(rolled.iloc[0]) if len(rolled) else float("nan")


def by_title(scored: pd.DataFrame, titles: pd.DataFrame) -> pd.DataFrame:
    """Per reviewed title, most reviewed first: ``title_id, title, year, reviews, sentiment, positive, negative,
    stars, rated, disagree, volatility``."""
    out = _summary(scored, ["title_id"]).assign(volatility=_volatility(scored, "title_id")).reset_index()
    names = titles[["title_id", "title", "year"]].drop_duplicates("title_id")
    out = out.merge(names.astype({"title_id": "string"}), on="title_id", how="left")
    cols = ["title_id", "title", "year", *[c for c in out.columns if c not in ("title_id", "title", "year")]]
    return out[cols].sort_values(["reviews", "title_id"], ascending=[False, True], ignore_index=True)


def by_genre(scored: pd.DataFrame, titles: pd.DataFrame) -> pd.DataFrame:
    """Per genre (a review counts in each genre of its title), most positive first; genres with fewer than
    ``MIN_REVIEWS`` reviews are left out. Columns as ``by_title`` with ``genre`` instead of the title."""
    long = features.genre_long(titles[["title_id", "genres"]].drop_duplicates("title_id"))[["title_id", "genre"]]
    joined = scored.merge(long.astype({"title_id": "string"}), on="title_id", how="inner")
    if joined.empty:
        return pd.DataFrame(columns=["genre", "reviews", "sentiment", "positive", "negative", "stars", "rated",
                                     "disagree", "volatility"])
    out = _summary(joined, ["genre"]).assign(volatility=_volatility(joined, "genre")).reset_index()
    out = out[out["reviews"] >= MIN_REVIEWS]
    return out.sort_values(["sentiment", "genre"], ascending=[False, True], ignore_index=True)


def by_month(scored: pd.DataFrame) -> pd.DataFrame:
    """Per calendar month (every month from the first to the last, empty ones with 0 reviews): the summary and
    ``volatility``, the sd of every review's sentiment in the trailing ``WINDOW_MONTHS`` months."""
    if scored.empty:
        return pd.DataFrame(columns=["month", "reviews", "sentiment", "positive", "negative", "stars", "rated",
                                     "disagree", "volatility"])
    out = _summary(scored, ["month"])
    months = pd.date_range(out.index.min(), out.index.max(), freq="MS")
    out = out.reindex(months).assign(reviews=lambda d: d["reviews"].fillna(0).astype("int64"))
    sums = scored.assign(sq=scored["sentiment"] ** 2).groupby("month")[["sentiment", "sq"]].sum().reindex(
        months, fill_value=0.0)
    n = out["reviews"].rolling(WINDOW_MONTHS, min_periods=1).sum()
    s, sq = (sums[c].rolling(WINDOW_MONTHS, min_periods=1).sum() for c in ("sentiment", "sq"))
    var = (sq - s ** 2 / n.where(n > 0)) / (n - 1).where(n > 1)
    return out.assign(volatility=np.sqrt(var.clip(lower=0))).rename_axis("month").reset_index()


def headline(scored: pd.DataFrame) -> dict:
    """``reviews, titles, sentiment, positive, negative, rated, disagree`` over every scored review."""
    if scored.empty:
        return {"reviews": 0, "titles": 0, "sentiment": np.nan, "positive": np.nan, "negative": np.nan,
                "rated": 0, "disagree": np.nan}
    row = _summary(scored.assign(one=1), ["one"]).iloc[0]
    return {"reviews": int(row["reviews"]), "titles": int(scored["title_id"].nunique()),
            **{k: float(row[k]) for k in ("sentiment", "positive", "negative", "disagree")},
            "rated": int(row["rated"])}


def extremes(scored: pd.DataFrame, n: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A title's ``n`` most positive and ``n`` most negative reviews (no review in both), strongest first."""
    ranked = scored.sort_values(["sentiment", "created_at"], ascending=[False, False], kind="stable")
    top = ranked.head(n)
    bottom = ranked.drop(index=top.index).sort_values("sentiment", kind="stable").head(n)
    return top.reset_index(drop=True), bottom.reset_index(drop=True)


def disagreements(scored: pd.DataFrame, n: int = 20) -> pd.DataFrame:
    """The ``n`` reviews whose text and stars disagree most (the gap between the text's score and the rating
    put on the same -1 .. +1 scale as ``gap``)."""
    found = scored[scored["disagree"]]
    gap = (found["sentiment"] - (found["rating"] - 5) / 5).abs()
    return found.assign(gap=gap).sort_values("gap", ascending=False, kind="stable").head(n).reset_index(drop=True)


def burst_windows(days: pd.DataFrame, end: pd.Timestamp | None = None) -> pd.DataFrame:
    """Per title from its per-day review counts (``title_id, day, n``): ``reviews``, ``peak`` (most in any
    ``BURST_DAYS`` days), ``peak_start``, ``p`` (chance of such a window, see ``DEFINITIONS["burst"]``) and
    ``burst``; strongest first. ``end`` is the data's last day (default: the last day counted)."""
    if days.empty:
        return pd.DataFrame(columns=["title_id", "reviews", "peak", "peak_start", "p", "burst"])
    d = days.sort_values(["title_id", "day"], ignore_index=True)
    code = pd.factorize(d["title_id"])[0].astype("int64")
    day = d["day"].to_numpy().astype("datetime64[D]").astype("int64")
    key, cum = code * 10_000_000 + day, np.concatenate([[0], np.cumsum(d["n"].to_numpy())])
    d["window"] = cum[1:] - cum[np.searchsorted(key, key - (BURST_DAYS - 1), side="left")]
    top = d.loc[d.groupby("title_id", sort=False)["window"].idxmax()]
    first = d.groupby("title_id", sort=False)["day"].min().loc[top["title_id"]].to_numpy()
    out = pd.DataFrame({"title_id": top["title_id"].to_numpy(), "peak": top["window"].to_numpy(),
                        "peak_start": top["day"].to_numpy() - pd.Timedelta(days=BURST_DAYS - 1),
                        "reviews": d.groupby("title_id", sort=False)["n"].sum().loc[top["title_id"]].to_numpy()})
    end = pd.Timestamp(end if end is not None else d["day"].max())
    span = np.maximum((end - pd.to_datetime(first)).days.to_numpy() + 1, BURST_DAYS)
    rate = out["reviews"].to_numpy() * BURST_DAYS / span
    p = np.minimum(1.0, span / BURST_DAYS * stats.poisson.sf(out["peak"].to_numpy() - 1, rate))
    out = out.assign(p=p, burst=(p < BURST_P) & (out["peak"] >= BURST_MIN))
    return out.sort_values(["p", "peak"], ascending=[True, False], kind="stable", ignore_index=True)


def near_duplicates(windows: pd.DataFrame, reviews: pd.DataFrame) -> pd.DataFrame:
    """The burst titles of ``windows`` with ``near_share``: the share of the reviews in their peak window that
    nearly copy another account's review (``planted.farm_reviews``), and ``fake`` (``NEAR_SHARE`` or more)."""
    bursts = windows[windows["burst"]]
    if bursts.empty:
        return bursts.assign(in_window=0, near=0, near_share=np.nan, fake=False)
    r = reviews.assign(user_id=reviews["user_id"].fillna(reviews["review_id"]))  # no author: each its own
    start = r["title_id"].map(bursts.set_index("title_id")["peak_start"])
    inside = r[(r["created_at"] >= start) & (r["created_at"] < start + pd.Timedelta(days=BURST_DAYS))]
    near = pl.farm_reviews(inside.reset_index(drop=True)) if len(inside) else inside.assign(farm=False)
    counts = near.groupby("title_id")["farm"].agg(["size", "sum"]).rename(columns={"size": "in_window",
                                                                                   "sum": "near"})
    out = bursts.merge(counts, left_on="title_id", right_index=True, how="left").fillna({"in_window": 0, "near": 0})
    out = out.astype({"in_window": "int64", "near": "int64"})
    share = out["near"] / out["in_window"].where(out["in_window"] > 0)
    return out.assign(near_share=share, fake=share.fillna(0) >= NEAR_SHARE)


def scorer_check(reference: pd.DataFrame, model: ts.TextSentimentModel | None = None) -> dict:
    """How the scorer's verdicts match people's on labelled real reviews (``text``, ``great``: 5 stars).

    Returns:
        ``reviews``, ``auc`` (chance a 5-star review scores above another), ``accuracy`` (positive text = 5
        stars), ``baseline`` (accuracy of always guessing the commoner label) and ``chars_per_second`` (scoring speed).
    """
    import time

    from sklearn.metrics import roc_auc_score

    started = time.perf_counter()
    sentiment = (model if model is not None else ts.TextSentimentModel().fit()).decision_function(
        reference["text"].to_numpy(dtype=object))
    seconds = time.perf_counter() - started
    great = reference["great"].to_numpy(dtype=bool)
    share = float(great.mean())
    return {"reviews": int(len(reference)), "auc": float(roc_auc_score(great, sentiment)),
            "accuracy": float(((sentiment >= ts.POSITIVE) == great).mean()), "baseline": max(share, 1 - share),
            "chars_per_second": float(reference["text"].str.len().sum() / seconds) if seconds else float("nan")}
