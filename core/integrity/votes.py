"""Suspicious vote patterns on titles, from the share of votes at each star (IMDb ``r1`` .. ``r10``).

IMDb's published rating is not the plain mean of the votes: IMDb describes it as a weighted average whose
filters set aside attempts at vote stuffing. The embedded data carries both the published rating and the share
of votes at each star, so the plain mean can be rebuilt from the shares. When the two disagree far more than
for titles with a similar number of votes, IMDb's filters set many votes aside: a plain mean well *above* the
published rating, with a pile of 10-star votes, is the ballot-stuffing signature; well *below* it, with a pile
of 1-star votes, the review-bombing one. Famously bad or beloved films, whose votes really sit at one end, show
no such gap. Only sources with per-star shares support this; live TMDB titles carry just the average and count.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from models import anomaly

SHARE_COLUMNS = tuple(f"r{i}" for i in range(1, 11))
#: Fewest titles per vote-count band (and at most ``MAX_BANDS`` bands).
BAND_SIZE = 100
MAX_BANDS = 10
#: Robust spread floor (stars): shares rounded to 10-point bands blur the plain mean by a few tenths.
SCALE_FLOOR = 0.25
DEFAULT_THRESHOLD = 3.0
MIN_TITLES = 30
NO_FLAG = "Not flagged"
PATTERNS = ("Inflated by 10-star votes: possible ballot stuffing",
            "Dragged down by 1-star votes: possible review bombing", "Rating and vote shares disagree")

DEFINITIONS = {
    "shares": "IMDb publishes the share of votes at each star as a 10-point band (its mid-point: 4.5 = 0-10%); "
              "shares here are those mid-points divided by their sum, so each title's ten shares add up to 1.",
    "plain_mean": "The plain mean star of the votes: sum of star x share over stars 1-10.",
    "gap": "Plain mean minus IMDb's published rating, in stars. Positive: IMDb's rating is lower than the "
           "votes, i.e. it set high votes aside; negative: it set low votes aside.",
    "gap_score": "(gap - median gap of titles with a similar vote count) / max(1.4826 x their median absolute "
                 f"deviation, {SCALE_FLOOR} star). Titles are compared within vote-count bands: equal-sized quantile "
                 f"bands of the view's vote counts, at most {MAX_BANDS} and at least {BAND_SIZE} titles each. A "
                 "title is flagged at |score| >= the threshold.",
    "pattern": "Score >= threshold with more votes at 10 than at 9 stars: inflated by 10-star votes; score <= "
               "-threshold with more votes at 1 than at 2 stars: dragged down by 1-star votes; any other flag: "
               "rating and vote shares disagree.",
}


def has_shares(df: pd.DataFrame) -> bool:
    """Whether the frame carries per-star vote shares for at least one title."""
    return set(SHARE_COLUMNS) <= set(df.columns) and bool(df["r1"].notna().any())


def shares(df: pd.DataFrame) -> pd.DataFrame:
    """Per-star vote shares ``s1`` .. ``s10`` normalised to sum to 1 (NaN where the title has none)."""
    raw = df[list(SHARE_COLUMNS)].astype("float64")
    total = raw.sum(axis=1, min_count=10).replace(0, np.nan)
    return raw.div(total, axis=0).set_axis([f"s{i}" for i in range(1, 11)], axis=1)


def vote_bands(votes: pd.Series) -> pd.Series:
    """Vote-count band (0 = fewest votes): equal-sized quantile bands, at most ``MAX_BANDS``, at least
    ``BAND_SIZE`` titles each (one band for fewer than ``2 * BAND_SIZE`` titles)."""
    n = int(votes.notna().sum())
    k = int(np.clip(n // BAND_SIZE, 1, MAX_BANDS))
    if k == 1:
        return pd.Series(0, index=votes.index, dtype="int64")
    return pd.qcut(votes.astype("float64").rank(method="first"), k, labels=False).astype("int64")


def gap_scores(df: pd.DataFrame) -> pd.DataFrame:
    """The rating-gap analysis of every title with vote shares.

    Args:
        df: titles with ``vote_count``, ``vote_average`` and ``r1`` .. ``r10``; rows without shares are dropped.

    Returns:
        Per title (same index): ``s1`` .. ``s10``, ``band``, ``plain_mean``, ``gap``, ``typical_gap`` (band
        median) and ``gap_score`` (see ``DEFINITIONS``).
    """
    s = shares(df).dropna()
    s = s[df.loc[s.index, "vote_average"].notna()]
    if s.empty:
        return s.assign(band=pd.Series(dtype="int64"), plain_mean=np.nan, gap=np.nan, typical_gap=np.nan,
                        gap_score=np.nan)
    plain = pd.Series(s.to_numpy("float64") @ np.arange(1, 11, dtype="float64"), index=s.index)
    gap = plain - df.loc[s.index, "vote_average"].astype("float64")
    bands = vote_bands(df.loc[s.index, "vote_count"])
    median = gap.groupby(bands).transform("median")
    mad = (gap - median).abs().groupby(bands).transform("median") * 1.4826
    score = (gap - median) / mad.clip(lower=SCALE_FLOOR)
    return s.assign(band=bands, plain_mean=plain, gap=gap, typical_gap=median, gap_score=score)


def classify(scored: pd.DataFrame, threshold: float = DEFAULT_THRESHOLD) -> pd.Series:
    """Pattern per title (``PATTERNS`` or ``NO_FLAG``) at a score ``threshold`` (see ``DEFINITIONS``)."""
    up, down = scored["gap_score"] >= threshold, scored["gap_score"] <= -threshold
    out = pd.Series(NO_FLAG, index=scored.index, dtype="object")
    out[up | down] = PATTERNS[2]
    out[up & (scored["s10"] > scored["s9"])] = PATTERNS[0]
    out[down & (scored["s1"] > scored["s2"])] = PATTERNS[1]
    return out.astype("string")


def _reason(row: pd.Series) -> str:
    end, other = (10, 9) if row["gap"] > row["typical_gap"] else (1, 2)
    return (f"votes average {row['plain_mean']:.1f} stars but IMDb's rating is {row['vote_average']:.1f} "
            f"(gap {row['gap']:+.1f} vs {row['typical_gap']:+.1f} typical for its vote count, "
            f"{row['gap_score']:+.1f} sd); {row[f's{end}']:.0%} of votes at {end} "
            f"star{'s' if end > 1 else ''}, {row[f's{other}']:.0%} at {other}")


def suspicious_titles(df: pd.DataFrame, threshold: float = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """Flagged titles, largest |score| first, with their pattern and reason.

    Args:
        df: featured titles (``title_id, title, year, primary_genre, vote_count, vote_average, r1..r10``).

    Returns:
        ``title_id, title, year, primary_genre, vote_count, vote_average, plain_mean, gap, gap_score,
        share_1, share_10, pattern, ends`` (``models.anomaly.vote_shape`` class), ``why``.
    """
    cols = ["title_id", "title", "year", "primary_genre", "vote_count", "vote_average", "plain_mean", "gap",
            "gap_score", "share_1", "share_10", "pattern", "ends", "why"]
    if not has_shares(df):
        return pd.DataFrame(columns=cols)
    sc = gap_scores(df)
    sc = sc.assign(pattern=classify(sc, threshold), vote_average=df.loc[sc.index, "vote_average"].astype("float64"))
    hit = sc[sc["pattern"] != NO_FLAG]
    if hit.empty:
        return pd.DataFrame(columns=cols)
    base = df.loc[hit.index]
    out = base[cols[:6]].assign(plain_mean=hit["plain_mean"], gap=hit["gap"], gap_score=hit["gap_score"],
                                share_1=hit["s1"], share_10=hit["s10"], pattern=hit["pattern"],
                                ends=anomaly.vote_shape(base["r1"], base["r10"]),
                                why=[_reason(r) for _, r in hit.iterrows()])
    out = out.assign(vote_count=out["vote_count"].astype("float64"), vote_average=out["vote_average"].astype("float64"))
    return out.iloc[np.argsort(-out["gap_score"].abs().to_numpy(), kind="stable")].reset_index(drop=True)


def points(df: pd.DataFrame, threshold: float = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """Every title with shares, for the scatter: ``title, year, vote_count, vote_average, plain_mean, gap,
    gap_score, pattern, ends`` (``models.anomaly.vote_shape`` class)."""
    cols = ["title", "year", "vote_count", "vote_average", "plain_mean", "gap", "gap_score", "pattern", "ends"]
    if not has_shares(df):
        return pd.DataFrame(columns=cols)
    sc = gap_scores(df)
    out = df.loc[sc.index, ["title", "year", "vote_count", "vote_average"]].astype(
        {"vote_count": "float64", "vote_average": "float64"})
    ends = anomaly.vote_shape(df.loc[sc.index, "r1"], df.loc[sc.index, "r10"])
    return out.assign(plain_mean=sc["plain_mean"], gap=sc["gap"], gap_score=sc["gap_score"],
                      pattern=classify(sc, threshold), ends=ends).reset_index(drop=True)[cols]


def title_shape(df: pd.DataFrame, title_id: str) -> pd.DataFrame:
    """One title's vote shares against the median shares of titles in its vote-count band.

    Returns:
        ``stars`` (1-10), ``title`` (the title's share) and ``typical`` (band median share); empty when the
        title is not in ``df`` or has no shares.
    """
    empty = pd.DataFrame(columns=["stars", "title", "typical"])
    if not has_shares(df):
        return empty
    s = shares(df).dropna()
    match = df.loc[s.index, "title_id"] == title_id
    if not match.any():
        return empty
    bands = vote_bands(df.loc[s.index, "vote_count"])
    idx = match[match].index[0]
    typical = s[bands == bands[idx]].median()
    return pd.DataFrame({"stars": range(1, 11), "title": s.loc[idx].to_numpy(), "typical": typical.to_numpy()})


def title_labels(table: pd.DataFrame) -> dict[str, str]:
    """Picker labels ``title (year)`` keyed by ``title_id``, in table order."""
    years = table["year"].astype("Int64").astype("string").fillna("n/a")
    return dict(zip(table["title_id"].astype(str), (table["title"].astype(str) + " (" + years + ")")))
