"""The synthetic platform (core.synth): contract shape, realism, planted truth, determinism, self-check and CLI.

Statistical properties are checked on one mid-sized generation (3,000 subscribers, 1,500 titles, 200,000
events); determinism and the full contract check on tiny ones; the CLI on the small preset. The large preset
is left to bench/bench_generate.py.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from core.data.contract import TABLES
from core.synth import params, text
from core.synth.check import SelfCheck
from core.synth.generate import generate
from core.synth.params import Sizes

ROOT = Path(__file__).resolve().parents[2]
MID = Sizes(subscribers=3000, titles=1500, events=200_000)
TINY = Sizes(subscribers=400, titles=250, events=20_000)
CANONICAL = ("titles", "subscribers", "watch_events", "ratings", "reviews")


@pytest.fixture(scope="module")
def mid(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("synth_mid")
    summary = generate(out, "mid", seed=7, sizes=MID)
    tables = {name: pd.read_parquet(out / f"{name}.parquet") for name in (*CANONICAL, "truth")}
    return {"out": out, "summary": summary, "manifest": json.loads((out / "manifest.json").read_text()), **tables}


def _planted_users(mid: dict, label: str) -> set[str]:
    truth = mid["truth"]
    return set(truth.loc[(truth["label"] == label) & (truth["entity_type"] == "user"), "entity_id"])


# --- shape: the data contract ------------------------------------------------------------------------------------

def test_every_table_has_the_contract_columns_and_typed_values(mid):
    for name in CANONICAL:
        columns = [f.name for f in TABLES[name].fields]
        present = [c for c in mid[name].columns if c in columns]
        assert set(TABLES[name].required) <= set(present), name
        assert len(mid[name]) > 0, name
    assert set(mid["titles"].columns) == {"title_id", "title", "kind", "genres", "release_date", "runtime", "budget",
                                          "revenue", "overview"}  # nothing latent, nothing the app derives
    assert mid["subscribers"]["churned"].dtype == bool and mid["watch_events"]["completed"].dtype == bool
    for name, column in (("watch_events", "started_at"), ("ratings", "timestamp"), ("reviews", "created_at"),
                         ("titles", "release_date"), ("subscribers", "signup_date")):
        assert pd.api.types.is_datetime64_any_dtype(mid[name][column]), (name, column)


def test_ids_are_prefixed_text_and_references_resolve(mid):
    assert mid["titles"]["title_id"].str.fullmatch(r"t\d{6}").all()
    assert mid["subscribers"]["subscriber_id"].str.fullmatch(r"s\d{7}").all()
    assert mid["reviews"]["review_id"].str.fullmatch(r"r\d{7}").all() and mid["reviews"]["review_id"].is_unique
    titles, users = set(mid["titles"]["title_id"]), set(mid["subscribers"]["subscriber_id"])
    for name in ("watch_events", "ratings", "reviews"):
        assert set(mid[name]["title_id"]) <= titles and set(mid[name]["user_id"]) <= users, name
    assert not mid["watch_events"].duplicated(["user_id", "title_id", "started_at"]).any()
    assert not mid["ratings"].duplicated(["user_id", "title_id", "timestamp"]).any()


def test_self_check_validated_every_table_with_nothing_rejected(mid):
    check = mid["summary"]["self_check"]
    assert set(check) == set(CANONICAL)
    for name, entry in check.items():
        assert entry["rows"] == len(mid[name]) and entry["rows_checked"] >= min(len(mid[name]), 300), name
        assert entry["rows_rejected"] == 0 and entry["rule_violations_all_rows"] == 0, (name, entry)


def test_the_self_check_catches_bad_rows():
    known = pa.array(["t000001"])
    check = SelfCheck(np.random.default_rng(0), None, known)
    bad = pa.table({"user_id": ["s1", "s2", "s3"], "title_id": ["t000001", "t000009", "t000001"],
                    "rating": [4.5, 3.0, 7.0], "timestamp": pa.array([1, 2, 3], pa.timestamp("s"))})
    check.add(bad, "ratings")
    assert check.report["ratings"]["rows_rejected"] == 2  # unknown title, rating out of range
    assert check.report["ratings"]["rule_violations_all_rows"] == 2
    assert not check.passed


def test_a_tiny_generation_passes_the_full_row_by_row_check(tmp_path):
    summary = generate(tmp_path, "tiny", seed=3, sizes=Sizes(subscribers=120, titles=80, events=2_500,
                                                             check_rows=None))
    for name, entry in summary["self_check"].items():
        assert entry["rows_checked"] == entry["rows"] == summary["rows"][name] > 0, name
        assert entry["rows_rejected"] == 0, (name, entry["reasons"])


# --- subscribers and churn ---------------------------------------------------------------------------------------

def test_plans_prices_and_charges(mid):
    subs = mid["subscribers"]
    assert subs["plan"].str.fullmatch(r"(Basic with ads|Basic|Standard|Premium) (monthly|annual)").all()
    by_tier = subs.groupby("tier")["monthly_charges"].median()
    assert by_tier["Basic with ads"] < by_tier["Basic"] < by_tier["Standard"] < by_tier["Premium"]
    monthly = subs[subs["billing"] == "monthly"].groupby("tier")["monthly_charges"].median()
    annual = subs[subs["billing"] == "annual"].groupby("tier")["monthly_charges"].median()
    assert (annual < monthly).all()
    long = subs[subs["tenure"] >= 1]
    ratio = long["total_charges"] / (long["tenure"] * long["monthly_charges"])
    assert ratio.between(0.95, 1.05).mean() > 0.99


def test_churned_subscribers_have_a_churn_date_and_tenure_matches_the_dates(mid):
    subs = mid["subscribers"]
    assert subs.loc[subs["churned"], "churn_date"].notna().all()
    assert subs.loc[~subs["churned"], "churn_date"].isna().all()
    end = subs["churn_date"].fillna(pd.Timestamp("2025-01-01"))
    months = (end - subs["signup_date"]).dt.total_seconds() / (params.MONTH_DAYS * params.DAY)
    assert np.allclose(months, subs["tenure"], atol=0.01)
    assert 0.2 < subs["churned"].mean() < 0.6


def test_churn_is_driven_by_plan_price_tenure_and_engagement(mid):
    subs = mid["subscribers"]
    rate = subs.groupby("billing")["churned"].mean()
    assert rate["monthly"] > rate["annual"] + 0.1
    monthly = subs[subs["billing"] == "monthly"].groupby("tier")["churned"].mean()
    assert monthly["Premium"] > monthly["Basic with ads"]
    churned = subs["churned"]
    assert subs.loc[churned, "watch_minutes_month"].median() < 0.85 * subs.loc[~churned, "watch_minutes_month"].median()
    # new subscribers churn more: the monthly hazard in the first three months is well above months 4-24
    early_left = (churned & (subs["tenure"] < 3)).sum()
    early_exposure = subs["tenure"].clip(upper=3).sum()
    later_left = (churned & subs["tenure"].between(3, 24)).sum()
    later_exposure = (subs["tenure"].clip(upper=24) - 3).clip(lower=0).sum()
    assert early_left / early_exposure > 1.5 * later_left / later_exposure


def test_churn_is_learnable_from_the_recorded_drivers(mid):
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    subs = mid["subscribers"]
    X = pd.DataFrame({"monthly": (subs["billing"] == "monthly").astype(int), "price": subs["monthly_charges"],
                      "tenure": subs["tenure"], "minutes": np.log1p(subs["watch_minutes_month"])})
    auc = cross_val_score(make_pipeline(StandardScaler(), LogisticRegression()), X, subs["churned"], cv=5,
                          scoring="roc_auc")
    assert auc.mean() > 0.7


def test_manifest_states_the_true_churn_model(mid):
    churn = mid["manifest"]["churn"]
    assert churn["intercept"] == params.CHURN_INTERCEPT and "logistic" in churn["model"] and churn["scale"]
    drivers = {d["name"]: d["coefficient"] for d in churn["drivers"]}
    assert drivers == {name: coef for name, coef, _ in params.CHURN_DRIVERS}
    assert drivers["is_monthly"] > 0 and drivers["engagement_z"] < 0 and drivers["first_quarter"] > 0


# --- titles ------------------------------------------------------------------------------------------------------

def test_titles_have_genre_mixes_kinds_runtimes_and_long_tailed_budgets(mid):
    titles = mid["titles"]
    genres = titles["genres"].str.split("|")
    assert genres.map(len).between(1, 3).all() and genres.map(len).nunique() == 3
    assert set(genres.explode()) <= set(params.GENRES)
    counts = genres.explode().value_counts()
    assert counts.iloc[0] > 3 * counts.iloc[-1]  # some genres much commoner
    assert set(titles["kind"]) == {"movie", "tv"}
    runtime = titles.groupby("kind")["runtime"].median()
    assert runtime["movie"] > 85 and runtime["tv"] < 65
    budget = titles["budget"].dropna()
    assert budget.mean() > 1.3 * budget.median() and budget.max() > 10 * budget.median()
    assert abs(np.log(budget).skew()) < 0.6  # lognormal: roughly symmetric in logs


def test_release_dates_are_seasonal(mid):
    release = mid["titles"]["release_date"]
    assert release.notna().all() and release.min() >= pd.Timestamp("1960-01-01")  # 1960s stamps are negative
    assert release.dt.quarter.eq(4).mean() > 0.29  # uniform would be 0.25
    assert release.dt.day_of_week.eq(4).mean() > 0.35  # Fridays; uniform would be 0.14
    assert release.max() < pd.Timestamp("2025-01-01")


def test_popularity_is_long_tailed(mid):
    counts = mid["watch_events"]["title_id"].value_counts()
    top = counts.iloc[: len(mid["titles"]) // 10].sum()
    assert top / len(mid["watch_events"]) > 0.4


# --- watch events ------------------------------------------------------------------------------------------------

def test_viewing_follows_a_daily_cycle_with_an_evening_peak(mid):
    hour = mid["watch_events"]["started_at"].dt.hour.value_counts(normalize=True).sort_index()
    assert hour.idxmax() in (20, 21, 22)
    assert hour.loc[19:23].sum() > 4 * hour.loc[2:6].sum()


def test_viewing_follows_a_weekly_cycle_with_weekends_higher(mid):
    day = mid["watch_events"]["started_at"].dt.day_of_week.value_counts(normalize=True)
    assert day.loc[[5, 6]].mean() > 1.2 * day.loc[[0, 1, 2, 3]].mean()


def test_users_watch_mostly_their_favourite_genres(mid):
    events = mid["watch_events"][["user_id", "title_id"]]
    genres = mid["titles"].set_index("title_id")["genres"].str.split("|")
    long = events.join(genres, on="title_id").explode("genres")
    per_user = long.groupby(["user_id", "genres"]).size()
    total = events.groupby("user_id").size()
    heavy = total[total >= 30].index
    best = per_user.loc[heavy].groupby(level=0).idxmax().map(lambda key: key[1])
    share = per_user.loc[heavy].groupby(level=0).max() / total[heavy]
    catalogue = genres.explode().value_counts() / len(genres)
    assert share.mean() > 1.5 * catalogue.reindex(best.values).mean()


def test_events_fall_inside_subscriptions_and_after_release(mid):
    events = mid["watch_events"].join(mid["subscribers"].set_index("subscriber_id")[["signup_date", "churn_date"]],
                                      on="user_id").join(mid["titles"].set_index("title_id")["release_date"],
                                                         on="title_id")
    assert (events["started_at"] >= events["signup_date"]).all()
    assert not (events["started_at"] > events["churn_date"]).any()  # churned users: nothing after the churn date
    assert (events["started_at"] >= events["release_date"]).all()
    assert events["started_at"].max() < pd.Timestamp("2025-01-01")


def test_minutes_completion_and_devices_are_consistent(mid):
    events = mid["watch_events"].join(mid["titles"].set_index("title_id")["runtime"], on="title_id")
    assert (events["minutes_watched"] > 0).all() and (events["minutes_watched"] <= events["runtime"]).all()
    assert (events["completed"] == (events["minutes_watched"] >= 0.9 * events["runtime"])).all()
    assert 0.2 < events["completed"].mean() < 0.9
    assert set(events["device"]) <= set(TABLES["watch_events"].field("device").allowed)
    assert events["device"].value_counts(normalize=True).iloc[0] < 0.7


# --- ratings and reviews -----------------------------------------------------------------------------------------

def _genuine_ratings(mid: dict) -> pd.DataFrame:
    ratings, truth = mid["ratings"], mid["truth"]
    planted = ratings["user_id"].isin(_planted_users(mid, "bot_rater"))
    for _, burst in truth[truth["label"] == "rating_burst"].iterrows():
        planted |= (ratings["title_id"] == burst["entity_id"]) & ratings["timestamp"].between(
            burst["window_start"], burst["window_end"]) & (ratings["rating"] >= 4.5)
    return ratings[~planted]


def test_genuine_ratings_follow_a_viewing(mid):
    ratings = _genuine_ratings(mid)
    first = mid["watch_events"].groupby(["user_id", "title_id"])["started_at"].min().rename("first_watch")
    joined = ratings.join(first, on=["user_id", "title_id"])
    assert len(ratings) > 5000
    assert joined["first_watch"].notna().all() and (joined["first_watch"] <= joined["timestamp"]).all()


def test_ratings_are_half_stars_that_follow_quality_and_taste(mid):
    ratings = mid["ratings"]
    assert ratings["rating"].between(0.5, 5).all() and ((ratings["rating"] * 2) % 1 == 0).all()
    genuine = _genuine_ratings(mid)
    assert genuine["rating"].nunique() == 10 and 3.0 < genuine["rating"].mean() < 4.2
    completion = mid["watch_events"].groupby("title_id")["completed"].mean()  # both follow latent quality
    per_title = genuine.groupby("title_id")["rating"].agg(["mean", "size"])
    per_title = per_title[per_title["size"] >= 20].join(completion)
    assert per_title["mean"].corr(per_title["completed"]) > 0.3
    genres = mid["titles"].set_index("title_id")["genres"].str.split("|")
    favourite = (mid["watch_events"].join(genres, on="title_id").explode("genres")
                 .groupby(["user_id", "genres"]).size().groupby(level=0).idxmax().map(lambda key: key[1]))
    liked = genuine.join(genres, on="title_id").assign(fav=lambda d: d["user_id"].map(favourite))
    in_favourite = liked.apply(lambda row: row["fav"] in row["genres"], axis=1)
    assert liked.loc[in_favourite, "rating"].mean() > liked.loc[~in_favourite, "rating"].mean() + 0.1


def test_review_text_sentiment_follows_the_rating(mid):
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split

    reviews = mid["reviews"]
    assert reviews["rating"].between(0, 10).all() and reviews["text"].str.len().gt(20).all()
    farm = set(mid["truth"].query("label == 'review_farm' and entity_type == 'review'")["entity_id"])
    genuine = reviews[~reviews["review_id"].isin(farm)]
    assert any(p in genuine.loc[genuine["rating"] >= 8, "text"].iloc[0] for p in text.POSITIVE[0])
    sentiment = np.select([genuine["rating"] >= 8, genuine["rating"] <= 4], ["positive", "negative"], "mixed")
    assert set(sentiment) == {"positive", "negative", "mixed"}
    train_x, test_x, train_y, test_y = train_test_split(genuine["text"], sentiment, random_state=0)
    vec = CountVectorizer().fit(train_x)
    model = LogisticRegression(max_iter=1000).fit(vec.transform(train_x), train_y)
    assert model.score(vec.transform(test_x), test_y) > 0.9


# --- planted fake engagement -------------------------------------------------------------------------------------

def test_truth_labels_every_planted_kind_with_ids_that_exist(mid):
    truth, manifest = mid["truth"], mid["manifest"]
    assert set(truth["label"]) == {"bot_rater", "rating_burst", "review_farm"}
    assert {"entity_type", "entity_id", "label", "detail", "window_start", "window_end"} <= set(truth.columns)
    tables = {"user": set(mid["subscribers"]["subscriber_id"]), "title": set(mid["titles"]["title_id"]),
              "review": set(mid["reviews"]["review_id"])}
    for kind, ids in truth.groupby("entity_type")["entity_id"]:
        assert set(ids) <= tables[kind], kind
    assert len(_planted_users(mid, "bot_rater")) == manifest["planted"]["bot_rater"]["accounts"] == MID.bots
    assert (truth["label"] == "rating_burst").sum() == manifest["planted"]["rating_burst"]["titles"] == MID.bursts
    farm_reviews = truth.query("label == 'review_farm' and entity_type == 'review'")
    assert len(farm_reviews) == manifest["planted"]["review_farm"]["reviews"] > 0


def test_bot_raters_rate_far_more_than_they_watch(mid):
    bots = _planted_users(mid, "bot_rater")
    rated = mid["ratings"].groupby("user_id").size()
    watched = mid["watch_events"].groupby("user_id").size().reindex(rated.index, fill_value=0)
    ratio = rated / (watched + 1)
    assert ratio[ratio.index.isin(bots)].min() > 10 * ratio[~ratio.index.isin(bots)].quantile(0.99)
    extreme = mid["ratings"][mid["ratings"]["user_id"].isin(bots)]["rating"].isin([0.5, 5.0]).mean()
    assert extreme > 0.8


def test_rating_bursts_stand_out_in_daily_five_star_counts(mid):
    truth, ratings = mid["truth"], mid["ratings"]
    bursts = set(truth.loc[truth["label"] == "rating_burst", "entity_id"])
    high = ratings[ratings["rating"] >= 4.5]
    peak = high.groupby(["title_id", high["timestamp"].dt.floor("D")]).size().groupby(level=0).max()
    assert peak[peak.index.isin(bursts)].min() > 2 * peak[~peak.index.isin(bursts)].max()


def test_review_farms_post_near_duplicates(mid):
    reviews = mid["reviews"]
    farm = set(mid["truth"].query("label == 'review_farm' and entity_type == 'review'")["entity_id"])
    words = reviews["text"].str.lower().str.findall(r"[a-z0-9/]+").map(frozenset)
    closest = pd.Series(0.0, index=reviews.index)
    for _, group in reviews.groupby("title_id"):
        sets = words[group.index].tolist()
        for i, index in enumerate(group.index):
            others = [len(sets[i] & s) / len(sets[i] | s) for j, s in enumerate(sets) if j != i]
            closest[index] = max(others, default=0.0)
    is_farm = reviews["review_id"].isin(farm)
    assert closest[is_farm].median() > 0.6
    assert closest[~is_farm].quantile(0.95) < closest[is_farm].median()
    assert (reviews.loc[is_farm, "rating"] == 10).all()


# --- determinism, manifest and the command line ------------------------------------------------------------------

def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_same_seed_gives_identical_bytes_and_another_seed_other_data(tmp_path):
    first, second, other = (generate(tmp_path / name, "tiny", seed, TINY)
                            for name, seed in (("a", 5), ("b", 5), ("c", 6)))
    a, b, c = (_files(Path(s["out"])) for s in (first, second, other))
    assert set(a) == {f"{t}.parquet" for t in (*CANONICAL, "truth")} | {"manifest.json"}
    assert a == b
    assert all(a[name] != c[name] for name in a)


def test_manifest_says_synthetic_and_counts_rows_without_paths_or_times(mid):
    manifest, text_ = mid["manifest"], (mid["out"] / "manifest.json").read_text()
    assert manifest["synthetic"] is True and "SYNTHETIC" in manifest["description"]
    assert manifest["seed"] == 7 and manifest["sizes"]["events"] == MID.events
    assert manifest["rows"] == {name: len(mid[name]) for name in (*CANONICAL, "truth")}
    assert str(mid["out"]) not in text_ and "seconds" not in text_ and "peak_rss" not in text_
    assert not re.search(r"20[3-9]\d-", text_)  # no wall-clock dates; only the platform's own period


def test_the_command_line_writes_the_small_preset(tmp_path):
    out = tmp_path / "small"
    done = subprocess.run([sys.executable, "-m", "core", "generate", "--preset", "small", "--seed", "1", "--out",
                           str(out)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["out"] == str(out) and summary["preset"] == "small" and summary["seed"] == 1
    assert summary["rows"]["subscribers"] == 10_000 and summary["rows"]["titles"] == 5_000
    assert 0.99 * 1_000_000 < summary["rows"]["watch_events"] <= 1_000_000
    assert summary["seconds"] > 0 and summary["peak_rss_mb"] > 0
    assert all(e["rows_rejected"] == 0 and e["rows_checked"] > 0 for e in summary["self_check"].values())
    for name, rows in summary["rows"].items():
        assert pd.read_parquet(out / f"{name}.parquet", columns=[]).shape[0] == rows
    assert json.loads((out / "manifest.json").read_text())["preset"] == "small"


@pytest.mark.parametrize("args, message", [
    (["--preset", "huge"], "invalid choice"),
    (["--seed", "-3"], "non-negative"),
    (["--seed", "x"], "invalid int"),
])
def test_the_command_line_refuses_bad_arguments(tmp_path, args, message):
    done = subprocess.run([sys.executable, "-m", "core", "generate", *args, "--out", str(tmp_path / "o")], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "o").exists()


def test_the_command_line_explains_an_unusable_output_directory(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    done = subprocess.run([sys.executable, "-m", "core", "generate", "--out", str(blocker / "out")], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "output directory" in lines[0]
