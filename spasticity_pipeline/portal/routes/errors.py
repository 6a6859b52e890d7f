"""The pages for errors the routes raise: sign in first (401), not found (404), too large (413)."""

from __future__ import annotations

from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..middleware import BodyTooLarge
from ..site import LoginRequired, site


async def on_login_required(request: Request, exc: Exception) -> Response:
    if request.method == "GET":
        # halfway through signing in (the password given), the next step is the second factor
        step = "/login/code" if site(request).sessions.halfway(request) else "/login"
        return RedirectResponse(f"{step}?next={quote(request.url.path)}", 303)
    return site(request).message(
        request, 401, "Please sign in", "Your session has ended.", link={"href": "/login", "text": "Sign in"}
    )


async def on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    s = site(request)
    user = s.sessions.user(request)
    if exc.status_code == 404:
        return s.message(
            request, 404, "Page not found", "If you typed the web address, check it is correct.", user=user
        )
    return s.message(request, exc.status_code, "Sorry, there is a problem", str(exc.detail), user=user)


async def on_too_large(request: Request, exc: Exception) -> Response:
    s = site(request)
    mb = round(s.cfg.max_upload_bytes / (1024 * 1024))
    response = s.message(
        request,
        413,
        "The upload is too large",
        f"Uploads can be at most {mb} MB. Nothing was stored.",
        "If your extract is larger, zip the files, or ask the network team.",
        user=s.sessions.user(request),
        link={"href": "/upload", "text": "Upload again"},
    )
    response.headers["connection"] = "close"
    return response


handlers = {LoginRequired: on_login_required, HTTPException: on_http, BodyTooLarge: on_too_large}
