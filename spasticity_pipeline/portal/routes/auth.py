"""Signing in (the password step; the second factor is ``mfa.py``'s) and out, the reset link the
network team sends, and the home page that sends each user to theirs."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..passwords import MAX_LENGTH as MAX_PASSWORD_LENGTH
from ..passwords import MIN_LENGTH as MIN_PASSWORD_LENGTH
from ..sessions import client_ip
from ..site import LoginRequired, Site, safe_next, site, text
from ..throttle import PASSWORD as PASSWORD_STEP
from ..users import UserError, authenticate, complete_reset, reset_link_user


async def home(request: Request) -> Response:
    s = site(request)
    user = s.sessions.user(request)
    if user is None:
        return RedirectResponse("/login/code" if s.sessions.halfway(request) else "/login", 303)
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
        s.audit(request, "login", "refused", email=s.account(email), detail="missing or wrong CSRF token")
        return _login_form(s, request, 403, "Your sign-in form had expired. Please try again.", email)
    # the slot is taken before the password is checked, so parallel guesses cannot overrun it
    attempt = await run_in_threadpool(s.throttle.reserve, PASSWORD_STEP, email, ip)
    if attempt is None:
        return _too_many(s, request, email)
    user = await run_in_threadpool(authenticate, s.db, email, password)
    if user is None:
        await run_in_threadpool(s.throttle.failed, attempt)
        s.audit(request, "login", "failure", email=s.account(email))
        return _login_form(s, request, 401, "The email address or password is not right.", email, next_)
    if not await run_in_threadpool(s.throttle.succeeded, attempt):
        return _too_many(s, request, email)
    # the password alone opens no data page: a half session, then the second factor
    step = "/login/code" if user["totp_secret"] else "/login/enrol"
    response = RedirectResponse(f"{step}?{urlencode({'next': safe_next(next_)})}", 303)
    s.sessions.end(request, None)  # a new session token on every sign-in (no fixation)
    s.sessions.start(request, response, user["id"], mfa=False)
    s.db.audit("login", "password ok", email=user["email"], trust=user["trust"], ip=ip)
    return response


def _too_many(s: Site, request: Request, email: str) -> Response:
    s.audit(request, "login", "throttled", email=s.account(email))
    return s.message(
        request,
        429,
        "Too many attempts",
        "There have been too many attempts to sign in as this user, or from your network address. "
        f"Wait {s.cfg.throttle_window_s // 60} minutes, then try again.",
        "If you have forgotten your password, ask the network team to reset it.",
    )


async def logout(request: Request) -> Response:
    """Sign out (also from halfway through signing in: the code page's "sign in as someone else")."""
    s = site(request)
    user = s.sessions.user(request)
    who = user or s.sessions.halfway(request)
    if who is None:
        raise LoginRequired()
    form = await s.form(request)
    if not s.sessions.csrf_ok(request, form, who):
        return s.message(request, 403, "Sign out failed", "The form had expired. Please try again.", user=user)
    response = RedirectResponse("/login", 303)
    s.sessions.end(request, response)
    s.db.audit("logout", "success", email=who.email, trust=who.trust, ip=client_ip(request))
    return response


# -- a reset link from the network team (``spasticity users reset``) ----------------------------


def _reset_form(s: Site, request: Request, token: str, email: str, status_code: int = 200, error: str = "") -> Response:
    csrf, cookie = s.sessions.anonymous_csrf(request)
    response = s.render(
        request,
        "reset.jinja",
        status_code,
        title="Choose a new password",
        csrf_token=csrf,
        token=token,
        email=email,
        error=error,
        min_length=MIN_PASSWORD_LENGTH,
    )
    s.sessions.set_csrf_cookie(request, response, cookie)
    return response


def _dead_link(s: Site, request: Request) -> Response:
    return s.message(
        request,
        404,
        "This link does not work",
        "It has expired (links last a day), has been used already, or was copied incompletely.",
        "Ask the network team for a new one.",
    )


async def reset_page(request: Request) -> Response:
    s = site(request)
    token = request.path_params["token"]
    user = await run_in_threadpool(reset_link_user, s.db, token)
    if user is None:
        return _dead_link(s, request)
    return _reset_form(s, request, token, user["email"])


async def reset(request: Request) -> Response:
    s = site(request)
    token = request.path_params["token"]
    form = await s.form(request)
    user = await run_in_threadpool(reset_link_user, s.db, token)
    if user is None:
        return _dead_link(s, request)
    if not s.sessions.csrf_ok(request, form, None):
        return _reset_form(s, request, token, user["email"], 403, "The form had expired. Please try again.")
    password = text(form.get("password"))[: MAX_PASSWORD_LENGTH + 1]
    if password != text(form.get("confirm"))[: MAX_PASSWORD_LENGTH + 1]:
        return _reset_form(s, request, token, user["email"], 400, "The two passwords are not the same.")
    try:
        await run_in_threadpool(complete_reset, s.db, token, password)
    except UserError as exc:
        return _reset_form(s, request, token, user["email"], 400, str(exc))
    s.db.audit("reset", "success", email=user["email"], trust=user["trust"], ip=client_ip(request))
    return s.message(
        request,
        200,
        "Your new password is set",
        "Sign in with it. You will then set up your authenticator app again, and get new recovery codes.",
        link={"href": "/login", "text": "Sign in"},
    )


routes = [
    Route("/", home),
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/reset/{token}", reset_page, methods=["GET"]),
    Route("/reset/{token}", reset, methods=["POST"]),
]
