"""TMDB list results and details mapped to canonical title records (``schema.TITLE_COLUMNS``)."""
from __future__ import annotations

from core import config
from core.data import schema


def canonical_title(media: str, item: dict, details: dict | None,
                    genre_names: dict[tuple[str, int], str]) -> dict:
    """One canonical titles record from a list result and optional details.

    List fields come from the (fresher) list result; genres, runtime, budget and revenue from details when
    present. TMDB's 0 for budget, revenue and runtime means unknown and becomes missing, and so does the
    vote average of a title nobody voted on. A genre id missing from ``genre_names`` is kept as "Genre <id>"
    (validation reports it); a title with no genre has the primary genre ``schema.NO_GENRE``.
    """
    details = details or {}
    genres = title_genres(media, item, details, genre_names)
    date = item.get("release_date") or item.get("first_air_date") or None
    votes = item.get("vote_count")
    poster = item.get("poster_path")
    return {
        "title_id": f"tmdb:{media}:{item['id']}",
        "title": item.get("title") or item.get("name") or None,
        "media_type": media,
        "genres": genres,
        "primary_genre": genres[0] if genres else schema.NO_GENRE,
        "release_date": date,
        "year": int(date[:4]) if date and date[:4].isdigit() else None,
        "runtime": _runtime(media, details),
        "budget": _positive(details.get("budget")),
        "revenue": _positive(details.get("revenue")),
        "vote_average": item.get("vote_average") if votes else None,
        "vote_count": votes,
        "popularity": item.get("popularity"),
        "language": item.get("original_language") or None,
        "overview": item.get("overview") or None,
        "poster_url": f"{config.TMDB_IMAGE_BASE_URL}{poster}" if poster else None,
        "source": "tmdb",
    }


def title_genres(media: str, item: dict, details: dict | None, genre_names: dict[tuple[str, int], str]) -> list[str]:
    """A title's genre names: from details when present, else its list result's ids named by the genre list; an
    id the genre list does not name is kept visibly as "Genre <id>" (validation counts it)."""
    details = details or {}
    if isinstance(details.get("genres"), list):
        return [g["name"] if g.get("name") else schema.UNNAMED_GENRE.format(id=g.get("id"))
                for g in details["genres"] if isinstance(g, dict) and (g.get("name") or "id" in g)]
    return [genre_names.get((media, g)) or schema.UNNAMED_GENRE.format(id=g) for g in item.get("genre_ids") or []]


def _positive(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and value > 0 else None


def _runtime(media: str, details: dict) -> float | None:
    if media == "movie":
        return _positive(details.get("runtime"))
    runs = [r for r in details.get("episode_run_time") or [] if isinstance(r, (int, float)) and r > 0]
    return sum(runs) / len(runs) if runs else None
