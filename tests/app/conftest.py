"""Fixtures shared by the AppTest page tests."""
from __future__ import annotations

import pytest

from tests.app import pagekit


@pytest.fixture()
def tmdb_source(monkeypatch, tmdb_like_frame):
    """Serve the TMDB-shaped fixture (movies and TV with release dates and budgets) as the live source (no network,
    no store), then drop the cached copies."""
    from core.data import schema

    with pagekit.tmdb_titles_as_source(monkeypatch, tmdb_like_frame[list(schema.TITLE_COLUMNS)]):
        yield
