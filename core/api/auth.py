"""Who may call the API: a bearer token from ``MARQUEE_API_TOKEN`` (or the Streamlit secrets), compared in constant
time. Without a token the API serves local clients only and refuses to listen on anything but 127.0.0.1.

The token is read on each request (cheap), so setting or rotating it needs no restart of the code that holds it;
it is never logged, echoed or put in a response.
"""
from __future__ import annotations

import hmac

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

TOKEN_NAME = "MARQUEE_API_TOKEN"
LOCAL_HOST = "127.0.0.1"
LOCAL_CLIENTS = ("127.0.0.1", "::1")
_bearer = HTTPBearer(auto_error=False, description=f"The token set in {TOKEN_NAME}.")


def configured_token() -> str:
    """The API token: the Streamlit secrets over the environment (``core.ui.settings.secret``); "" when unset."""
    from core.ui.settings import secret

    return secret(TOKEN_NAME)


def bind_problem(host: str, token: str) -> str:
    """Why the API may not listen on ``host`` ("" when it may): without a token, only on 127.0.0.1."""
    if token or host == LOCAL_HOST:
        return ""
    return (f"Refusing to listen on {host} without a token: set {TOKEN_NAME} (or add it to the Streamlit secrets), "
            f"or listen on {LOCAL_HOST}.")


def require_token(request: Request,
                  credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> None:
    """Let the request through with the right bearer token; without a configured token, local clients only.

    Raises:
        HTTPException: 401 for a missing or wrong token, 403 for a remote client when no token is configured.
    """
    token = configured_token()
    if not token:
        if request.client is not None and request.client.host in LOCAL_CLIENTS:
            return
        raise HTTPException(403, f"No API token is configured ({TOKEN_NAME}), so only local clients are served.")
    given = credentials.credentials if credentials is not None else ""
    if not hmac.compare_digest(given.encode(), token.encode()):
        raise HTTPException(401, "Missing or wrong bearer token.", headers={"WWW-Authenticate": "Bearer"})
