"""Insight sentences for the Recommender page, computed from the frames on screen (no Streamlit).

Each function returns 2-4 sentences (fewer, or none, when the data cannot support them); numbers and names
are filled in from the data.
"""
from __future__ import annotations

import pandas as pd

from core.recommend.report import RANKING_LABELS
from core.recommend.tables import MIN_GENRE_RATINGS


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _names(titles: list[str], limit: int = 3) -> str:
    shown = ", ".join(f"*{t}*" for t in titles[:limit])
    return shown + (f" and {len(titles) - limit} more" if len(titles) > limit else "")


def history_insights(history: pd.DataFrame, profile: pd.DataFrame) -> list[str]:
    """What a user's rating history says: volume and span, main genre, best- and worst-rated genres."""
    if history.empty:
        return []
    dates = pd.to_datetime(history["rated_on"])
    out = [f"{len(history):,} ratings from {dates.min():%b %Y} to {dates.max():%b %Y}, mean "
           f"{history['rating'].mean():.2f} stars; {_pct((history['rating'] >= 4).mean())} of them are 4 or more."]
    if not profile.empty:
        top = profile.iloc[0]
        out.append(f"Most-rated genre: {top['genre']} ({_pct(top['share'])} of the ratings).")
        solid = profile[profile["ratings"] >= MIN_GENRE_RATINGS].sort_values(["affinity", "genre"])
        if len(solid) >= 2:
            best, worst = solid.iloc[-1], solid.iloc[0]
            out.append(f"Rated highest: {best['genre']} ({best['mean_rating']:.2f} on {best['ratings']} ratings, "
                       f"{best['affinity']:+.2f} vs their mean); lowest: {worst['genre']} "
                       f"({worst['mean_rating']:.2f}, {worst['affinity']:+.2f}).")
    return out


def top_insights(top: pd.DataFrame) -> list[str]:
    """What drives the top list: the content/collaborative split, the most-cited rated title, the love odds."""
    if top.empty:
        return []
    total = top["content_part"].sum() + top["collaborative_part"].sum()
    out = []
    if total > 0:
        out.append(f"Collaborative signal supplies {_pct(top['collaborative_part'].sum() / total)} of the "
                   f"blended score of these {len(top)} picks, content the other "
                   f"{_pct(top['content_part'].sum() / total)}.")
    because = top["because_you_rated"][top["because_you_rated"] != ""]
    if len(because):
        counts = because.value_counts()
        out.append(f"*{counts.index[0]}* is the rated title behind the most picks ({counts.iloc[0]} of "
                   f"{len(top)}); {because.nunique()} different rated titles explain the list.")
    if "love_probability" in top:
        likely = top[top["love_probability"] >= 0.5]
        best = top.loc[top["love_probability"].idxmax()]
        out.append(f"The love model gives {len(likely)} of {len(top)} picks at least a 50% chance of 4+ stars; "
                   f"the highest is *{best['title']}* ({_pct(best['love_probability'])}).")
    return out


def blend_insights(ranks: pd.DataFrame, changes: dict, weight: float, default: float) -> list[str]:
    """How the list moves with the blend weight: vs the default, titles that always stay, the two extremes."""
    if ranks.empty:
        return []
    out = []
    if abs(weight - default) < 1e-9:
        out.append(f"This is the default blend ({_pct(default)} content, {_pct(1 - default)} collaborative).")
    elif changes["entered"]:
        out.append(f"At {_pct(weight)} content instead of the default {_pct(default)}, "
                   f"{len(changes['entered'])} titles enter ({_names(changes['entered'])}) and "
                   f"{len(changes['left'])} leave ({_names(changes['left'])}).")
    else:
        out.append(f"At {_pct(weight)} content the same titles as the default {_pct(default)} stay in the list; "
                   f"{changes['moved']} change rank.")
    weights = sorted(ranks["weight"].unique())
    sets = [set(ranks.loc[ranks["weight"] == w, "title_id"]) for w in weights]
    always = set.intersection(*sets) if sets else set()
    names = ranks.drop_duplicates("title_id").set_index("title_id")["title"]
    if always:
        out.append(f"{len(always)} titles are in the list at every weight from {_pct(weights[0])} to "
                   f"{_pct(weights[-1])} content: {_names(sorted(names[list(always)]))}.")
    else:
        out.append("No title survives every weight: the content and collaborative lists pull apart completely.")
    if len(sets) >= 2:
        out.append(f"The pure collaborative and pure content lists share {len(sets[0] & sets[-1])} of "
                   f"{len(sets[0])} titles.")
    return out


def content_neighbour_insights(title: str, content: pd.DataFrame, n_ratings: int) -> list[str]:
    """"More like this": the closest title, how many neighbours only content can reach, the cold-start case."""
    if content.empty:
        return []
    top = content.iloc[0]
    unrated = int((content["ratings"] == 0).sum()) if "ratings" in content else 0
    out = [f"Closest by content: *{top['title']}* (cosine {top['similarity']:.2f}); the 10th is at "
           f"{content['similarity'].iloc[-1]:.2f}."]
    if unrated:
        out.append(f"{unrated} of the {len(content)} neighbours have no ratings: only content can surface them.")
    if n_ratings == 0:
        out.append(f"*{title}* has no ratings: a cold-start title, so content is the only way to find its "
                   "neighbours.")
    return out


def collaborative_neighbour_insights(title: str, content: pd.DataFrame, collaborative: pd.DataFrame,
                                     n_ratings: int) -> list[str]:
    """Rating-based neighbours: the closest, how much they overlap the content list, or why there are none."""
    if n_ratings == 0:
        return [f"*{title}* has no ratings, so it has no rating-based neighbours (cold start)."]
    if collaborative.empty:
        return [f"*{title}* has {n_ratings} rating(s), too few for rating-based neighbours; use the content list."]
    top = collaborative.iloc[0]
    shared = len(set(content["title_id"]) & set(collaborative["title_id"])) if not content.empty else 0
    return [f"Closest by ratings: *{top['title']}* (similarity {top['similarity']:.2f}, {int(top['co_raters'])} "
            f"users rated both).",
            f"The rating-based and content lists share {shared} of {len(collaborative)} titles: ratings find "
            "links that genres and titles miss." if shared < len(collaborative) / 2 else
            f"The rating-based and content lists share {shared} of {len(collaborative)} titles."]


def rating_insights(report: dict) -> list[str]:
    """Rating prediction: the hybrid against the global-mean baseline, and its two halves."""
    rating = report["rating"]
    hyb, base = rating["hybrid"], rating["global_mean"]
    gain = 1 - hyb["rmse"] / base["rmse"]
    side = f"{_pct(gain)} below" if gain > 0 else f"{_pct(-gain)} above"
    out = [f"Hybrid RMSE {hyb['rmse']:.4f} (MAE {hyb['mae']:.4f}) is {side} the global-mean baseline "
           f"({base['rmse']:.4f})."]
    if "item_knn" in rating and "mf" in rating:
        knn, mf = rating["item_knn"]["rmse"], rating["mf"]["rmse"]
        out.append(f"Averaging the halves helps: item kNN alone {knn:.4f}, matrix factorisation alone {mf:.4f}, "
                   f"the blend {hyb['rmse']:.4f}.")
    return out


def ranking_insights(report: dict) -> list[str]:
    """Top-10 ranking: the hybrid against most-popular, the best variant, content alone."""
    ranking = report["ranking"]
    h, pop = ranking["hybrid"], ranking["most_popular"]
    lift = f"{h['ndcg'] / pop['ndcg']:.1f}x" if pop["ndcg"] > 0 else "above"
    out = [f"Hybrid NDCG@10 {h['ndcg']:.4f} is {lift} the most-popular baseline ({pop['ndcg']:.4f}), with catalogue "
           f"coverage {h['coverage']:.3f} vs {pop['coverage']:.3f}."]
    best = max(ranking, key=lambda k: ranking[k]["ndcg"])
    out.append(f"Best NDCG@10 here: {RANKING_LABELS.get(best, best)} ({ranking[best]['ndcg']:.4f}); content alone "
               f"scores {ranking['content']['ndcg']:.4f} but reaches coverage {ranking['content']['coverage']:.3f}.")
    out.append(f"Measured on {h['users']} users with at least 5 held-out ratings "
               f"({h['users_with_relevant']} of them have a held-out 4+ rating).")
    return out


def love_insights(love: dict) -> list[str]:
    """The love classifier against the majority class."""
    return [f"Accuracy {love['accuracy']:.3f} vs {love['majority_accuracy']:.3f} for always predicting the training "
            f"majority class (the better constant in hindsight scores {love['best_constant_accuracy']:.3f}); "
            f"ROC-AUC {love['roc_auc']:.3f} vs 0.5 for any constant.",
            f"Trained on {love['n_train']:,} ratings and tested on each user's latest {love['n_test']:,}; "
            f"{_pct(love['positive_rate'])} of the test ratings are 4 or more."]
