"""Signing in and out, and the home page that sends each user to theirs."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..passwords import MAX_LENGTH as MAX_PASSWORD_LENGTH
from ..sessions import client_ip
from ..site import Site, safe_next, site, text
from ..throttle import PASSWORD as PASSWORD_STEP
from ..users import authenticate


async def home(request: Request) -> Response:
    user = site(request).sessions.user(request)
    if user is None:
        return RedirectResponse("/login", 303)
    return RedirectResponse("/network" if user.is_network else "/submissions", 303)


async def login_page(request: Request) -> Response:
    s = site(request)
    if s.sessions.user(request):
        return RedirectResponse("/", 303)
    return _login_form(s, request, next_=request.query_params.get("next", "/"))


def _login_form(
    s: Site, request: Request, status_code: int = 200, error: str | None = None, email: str = "", next_: str = "/"
) -> Response:
    token, cookie = s.sessions.anonymous_csrf(request)
    response = s.render(
        request,
        "login.jinja",
        status_code,
        title="Sign in",
        csrf_token=token,
        error=error,
        email=email,
        next=safe_next(next_),
    )
    s.sessions.set_csrf_cookie(request, response, cookie)
    return response


async def login(request: Request) -> Response:
    s = site(request)
    form = await s.form(request)
    email = text(form.get("email")).strip()[:320]
    password = text(form.get("password"))[:MAX_PASSWORD_LENGTH]
    next_ = text(form.get("next")) or "/"
    ip = client_ip(request)
    if not s.sessions.csrf_ok(request, form, None):
        s.audit(request, "login", "refused", email=email or None, detail="missing or wrong CSRF token")
        return _login_form(s, request, 403, "Your sign-in form had expired. Please try again.", email)
    # the slot is taken before the password is checked, so parallel guesses cannot overrun it
    attempt = await run_in_threadpool(s.throttle.reserve, PASSWORD_STEP, email, ip)
    if attempt is None:
        return _too_many(s, request, email)
    user = await run_in_threadpool(authenticate, s.db, email, password)
    if user is None:
        await run_in_threadpool(s.throttle.failed, attempt)
        s.audit(request, "login", "failure", email=email or None)
        return _login_form(s, request, 401, "The email address or password is not right.", email, next_)
    if not await run_in_threadpool(s.throttle.succeeded, attempt):
        return _too_many(s, request, email)
    response = RedirectResponse(safe_next(next_), 303)
    s.sessions.end(request, None)  # a new session token on every sign-in (no fixation)
    s.sessions.start(request, response, user["id"])
    s.db.audit("login", "success", email=user["email"], trust=user["trust"], ip=ip)
    return response


def _too_many(s: Site, request: Request, email: str) -> Response:
    s.audit(request, "login", "throttled", email=email or None)
    return s.message(
        request,
        429,
        "Too many attempts",
        "There have been too many attempts to sign in as this user, or from your network address. "
        f"Wait {s.cfg.throttle_window_s // 60} minutes, then try again.",
        "If you have forgotten your password, ask the network team to reset it.",
    )


async def logout(request: Request) -> Response:
    s = site(request)
    user = s.user(request)
    form = await s.form(request)
    if not s.sessions.csrf_ok(request, form, user):
        return s.message(request, 403, "Sign out failed", "The form had expired. Please try again.", user=user)
    response = RedirectResponse("/login", 303)
    s.sessions.end(request, response)
    s.audit(request, "logout", "success", user)
    return response


routes = [
    Route("/", home),
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
]
