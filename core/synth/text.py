"""Synthetic text: title names, synopses and review phrases whose sentiment follows the rating.

Reviews are an opener, a body phrase and a closer drawn from the bucket of their star rating (positive at 4+,
negative at 2 or less, mixed between), so a sentiment model can learn rating from text. Review farms post
near-duplicates of one gushing template with small word swaps.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_ADJECTIVES = ("Silent", "Broken", "Golden", "Last", "Hidden", "Crimson", "Midnight", "Wild", "Lost", "Electric",
               "Frozen", "Burning", "Secret", "Distant", "Velvet", "Iron", "Hollow", "Bright", "Savage", "Quiet")
_NOUNS = ("Harbor", "Protocol", "Garden", "Empire", "Signal", "River", "Witness", "Kingdom", "Echo", "Frontier",
          "Orchard", "Circuit", "Lighthouse", "Verdict", "Horizon", "Carnival", "Mirror", "Station", "Summer", "Code")
_PLACES = ("the North", "Avalon", "the Deep", "Sunset Road", "Paris", "Mars", "the Valley", "Old Town", "Tokyo",
           "the Island")
_SUFFIXES = ("", "", "", "", "", "", " II", " 2", ": Origins", ": The Return")
_TONES = ("gripping", "tender", "darkly funny", "sweeping", "quiet", "stylish", "heartfelt", "relentless")
_SUBJECTS = ("a family keeping a secret", "two rivals forced to work together", "a town after the flood",
             "an heir who refuses the crown", "a detective with one last case", "friends on a road trip",
             "a crew stranded far from home", "a singer chasing one more chance", "a hacker in over her head",
             "neighbours at war over a fence")

POSITIVE = (("Loved it.", "What a treat.", "Absolutely brilliant.", "One of the best I have seen this year.",
             "Really enjoyed this.", "A wonderful watch.", "Superb from start to finish.", "Great fun.",
             "Could not stop watching.", "A genuine gem."),
            ("The acting is excellent", "The story kept me hooked", "Beautifully shot and well paced",
             "The characters feel real", "Clever writing and a great cast", "The soundtrack is fantastic",
             "Every scene lands", "Funny, warm and smart", "Gripping until the very end", "The ending is perfect"),
            ("Highly recommended.", "Will watch again.", "Five stars from me.", "A must-see.", "Worth every minute.",
             "Cannot wait for more.", "Loved every bit.", "Pure joy."))
NEGATIVE = (("Very disappointing.", "What a waste of time.", "I really wanted to like this.", "Not good at all.",
             "Hard to sit through.", "Awful.", "A big letdown.", "Terrible.", "Boring and bland.",
             "Worst thing I watched this month."),
            ("The plot makes no sense", "The acting is wooden", "Painfully slow and dull", "The dialogue is terrible",
             "Nothing happens for an hour", "The characters are flat", "Poorly written and badly edited",
             "The ending ruins it", "Cheap effects and a weak script", "Predictable from the first minute"),
            ("Would not recommend.", "Skip it.", "I gave up halfway.", "Avoid.", "Not worth your time.",
             "Save your evening.", "One star is generous.", "Never again."))
MIXED = (("It was okay.", "Decent but forgettable.", "Mixed feelings about this one.", "Not bad, not great.",
          "Some good moments.", "Fine, I suppose.", "Watchable.", "A bit uneven."),
         ("The acting is fine but the story drags", "Good start, weak ending", "Nice visuals, thin plot",
          "A few laughs and plenty of filler", "Solid cast, average script", "Interesting idea, clumsy execution",
          "The middle sags a little", "Better than I expected, worse than I hoped"),
         ("Watchable on a quiet night.", "Maybe worth a look.", "Average overall.", "Take it or leave it.",
          "Three stars feels right.", "It passes the time."))

_FARM = (("Best", "Greatest", "Most amazing"), ("ever", "of the year", "I have ever seen"),
         ("must watch", "must see", "must watch"), ("for everyone", "for the whole family", "for everybody"),
         ("!!!", "!!", "! 10/10", "!!! 10/10"))


def _choose(rng: np.random.Generator, options: tuple[str, ...], n: int) -> pa.Array:
    return pa.array(np.asarray(options, dtype=object)).take(pa.array(rng.integers(0, len(options), n)))


def _join(*parts: pa.Array, sep: str = " ") -> pa.Array:
    return pc.binary_join_element_wise(*parts, sep)


def title_names(rng: np.random.Generator, n: int) -> pa.Array:
    """``n`` made-up title names such as "The Silent Harbor II" or "Echo of Tokyo"."""
    adjective, noun = _choose(rng, _ADJECTIVES, n), _choose(rng, _NOUNS, n)
    place, suffix = _choose(rng, _PLACES, n), _choose(rng, _SUFFIXES, n)
    pattern = rng.integers(0, 3, n)
    the = pa.array(np.full(n, "The", dtype=object))
    first = _join(the, adjective, noun)
    second = _join(noun, pa.array(np.full(n, "of", dtype=object)), place)
    third = _join(adjective, noun)
    name = pc.if_else(pa.array(pattern == 0), first, pc.if_else(pa.array(pattern == 1), second, third))
    return _join(name, suffix, sep="")


def overviews(rng: np.random.Generator, genre: pa.Array, kind: pa.Array) -> pa.Array:
    """One-sentence synopses: "A gripping drama series about ..."."""
    n = len(genre)
    kind_word = pc.if_else(pc.equal(kind, "tv"), "series", "film")
    body = _join(pa.array(np.full(n, "A", dtype=object)), _choose(rng, _TONES, n), pc.utf8_lower(genre), kind_word,
                 pa.array(np.full(n, "about", dtype=object)), _choose(rng, _SUBJECTS, n))
    return _join(body, pa.array(np.full(n, ".", dtype=object)), sep="")


def review_texts(rng: np.random.Generator, stars: np.ndarray) -> pa.Array:
    """Review texts whose phrases come from the sentiment bucket of each star rating (0.5-5)."""
    stars = np.asarray(stars, dtype=np.float64)
    n = len(stars)
    out = pa.array(np.full(n, "", dtype=object))
    for bucket, mask in ((POSITIVE, stars >= 4), (NEGATIVE, stars <= 2), (MIXED, (stars > 2) & (stars < 4))):
        text = _join(_choose(rng, bucket[0], n), _join(_choose(rng, bucket[1], n), pa.array(np.full(n, ".", object)),
                                                       sep=""), _choose(rng, bucket[2], n))
        out = pc.if_else(pa.array(mask), text, out)
    return out


def farm_texts(rng: np.random.Generator, n: int) -> pa.Array:
    """``n`` near-duplicate gushing reviews: one template, a few words swapped."""
    best, ever, must, who, bang = (_choose(rng, options, n) for options in _FARM)
    words = [pa.array(np.full(n, w, dtype=object)) for w in ("show", "Amazing acting, amazing story,")]
    first = _join(best, words[0], ever)
    return _join(_join(first, bang, sep=""), words[1], must, _join(who, pa.array(np.full(n, ".", object)), sep=""))
