"""The JSON API: thin routes over the same cached functions the pages call (``uvicorn core.api:app``, or
``python -m core api``)."""
from __future__ import annotations

from core.api.app import app

__all__ = ["app"]
