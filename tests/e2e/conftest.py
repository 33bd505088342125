"""Fixtures of the browser tests."""
from __future__ import annotations

import pytest

from tests.e2e import harness


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module (each module runs its own app)."""
    with harness.chromium() as b:
        yield b
