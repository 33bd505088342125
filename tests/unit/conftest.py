"""Fixtures shared by the unit tests of one feature across several files."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def app():
    """The JSON API app, started with the test token (``tests.unit.test_api.TOKEN``) required."""
    from tests.unit.test_api import TOKEN

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MARQUEE_API_TOKEN", TOKEN)
        from core.api import app

        yield app
