"""The FastAPI application: versioned routes under ``/api/v1``, plain JSON errors, OpenAPI and docs pages.

Every error is a small JSON object: 401/403/404 ``{"detail": ...}``, 422 ``{"detail", "errors": [{"field",
"location", "message"}]}`` naming each bad field, and any unexpected failure a 500 with one sentence and no
internals (the traceback goes to the server log only).
"""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

PREFIX = "/api/v1"
#: Streamlit's warnings when its cached functions run without a Streamlit server ("bare mode"): expected here.
BARE_MODE_LOGGERS = ("streamlit.runtime.caching.cache_data_api", "streamlit.runtime.caching.cache_resource_api",
                     "streamlit.runtime.scriptrunner_utils.script_run_context")
log = logging.getLogger("marquee.api")


def _errors_only(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.ERROR


def quiet_bare_mode() -> None:
    """Drop the bare-mode warnings (a filter, which survives Streamlit setting its loggers' levels on import)."""
    for name in BARE_MODE_LOGGERS:
        logger = logging.getLogger(name)
        if _errors_only not in logger.filters:
            logger.addFilter(_errors_only)


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [{"field": ".".join(str(p) for p in e["loc"][1:]) or str(e["loc"][0]), "location": str(e["loc"][0]),
               "message": str(e["msg"])} for e in exc.errors()]
    fields = ", ".join(dict.fromkeys(e["field"] for e in errors))
    return JSONResponse({"detail": f"Invalid request: {fields}.", "errors": errors}, status_code=422)


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    return JSONResponse({"detail": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)


async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("Unexpected error serving %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse({"detail": "Internal error: the request could not be served."}, status_code=500)


def create_app() -> FastAPI:
    """The API with every route, its error handlers and its docs (``/api/v1/docs``, ``/api/v1/openapi.json``)."""
    quiet_bare_mode()
    # imported here, after quiet_bare_mode: importing the routes defines the features' cached functions
    # (``import core.api.x``: the layout test reads ``from core.api import x`` as importing core.api, whose
    # __init__ imports this module, a cycle)
    import core.api.routes_audience as routes_audience
    import core.api.routes_data as routes_data
    import core.api.routes_decide as routes_decide
    import core.api.routes_usage as routes_usage

    app = FastAPI(title="Marquee API", version="1.0", openapi_url=f"{PREFIX}/openapi.json",
                  docs_url=f"{PREFIX}/docs", redoc_url=None,
                  swagger_ui_oauth2_redirect_url=f"{PREFIX}/docs/oauth2-redirect",
                  description="What the Marquee pages show, as JSON, computed by the same functions. Send "
                              "`Authorization: Bearer <MARQUEE_API_TOKEN>`; `/api/v1/health` is open. The global "
                              "filters (`source`, `media`, `genres`, `years`, `min_votes`) are query parameters "
                              "named as in the app's links.")
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _internal_error)
    app.include_router(routes_data.open_router, prefix=PREFIX)
    for module in (routes_data, routes_decide, routes_audience, routes_usage):
        app.include_router(module.router, prefix=PREFIX)
    return app


app = create_app()
