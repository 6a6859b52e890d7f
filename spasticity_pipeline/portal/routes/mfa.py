"""The second sign-in step: enrol an authenticator app (first sign-in), enter its code, or spend a
recovery code. Only a half session (the right password, moments ago) reaches these pages; they
replace it with a full session, and nothing else of the portal answers before that."""

from __future__ import annotations

from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from .. import mfa
from ..sessions import Halfway, client_ip
from ..site import Site, safe_next, site, text
from ..throttle import CODE
from ..users import check_totp, enrol_totp, use_recovery_code

#: a code or recovery code is short; anything longer is not one
_MAX_CODE = 64


def _next(request: Request) -> str:
    return safe_next(request.query_params.get("next"))


def _expired(s: Site, request: Request) -> Response:
    return s.message(
        request,
        401,
        "Please sign in again",
        f"Your sign-in has ended: the code must follow the password within {s.cfg.second_factor_s // 60} minutes.",
        link={"href": "/login", "text": "Sign in"},
    )


def _too_many(s: Site, request: Request, who: Halfway) -> Response:
    s.db.audit("mfa", "throttled", email=who.email, trust=who.trust, ip=client_ip(request))
    response = s.message(
        request,
        429,
        "Too many attempts",
        f"There have been too many wrong codes. Wait {s.cfg.throttle_window_s // 60} minutes, then sign in again.",
        "If you have lost your phone and your recovery codes, ask the network team to reset your account.",
    )
    s.sessions.end(request, response)
    return response


async def _check(s: Site, request: Request, who: Halfway, check) -> tuple[Response | None, object]:
    """Run ``check`` (a code test) inside a throttle slot: (a 429 response, None) or (None, its result)."""
    attempt = await run_in_threadpool(s.throttle.reserve, CODE, f"user:{who.user_id}", client_ip(request))
    if attempt is None:
        return _too_many(s, request, who), None
    result = await run_in_threadpool(check)
    if not result:
        await run_in_threadpool(s.throttle.failed, attempt)
        s.db.audit("mfa", "failure", email=who.email, trust=who.trust, ip=client_ip(request))
        return None, result
    if not await run_in_threadpool(s.throttle.succeeded, attempt):
        return _too_many(s, request, who), None
    return None, result


def _signed_in(s: Site, request: Request, who: Halfway, response: Response, how: str) -> Response:
    s.sessions.complete(request, response, who.user_id)
    s.db.audit("login", "success", email=who.email, trust=who.trust, ip=client_ip(request), detail=how)
    return response


# -- the code -----------------------------------------------------------------------------------


def _code_page(s: Site, request: Request, who: Halfway, status_code: int = 200, error: str | None = None) -> Response:
    return s.render(
        request,
        "login_code.jinja",
        status_code,
        title="Enter your security code",
        csrf_token=who.csrf,
        next=_next(request),
        error=error,
    )


async def code_page(request: Request) -> Response:
    s = site(request)
    who = s.sessions.halfway(request)
    if who is None:
        return RedirectResponse("/", 303) if s.sessions.user(request) else RedirectResponse("/login", 303)
    if not who.enrolled:
        return RedirectResponse(f"/login/enrol?next={_next(request)}", 303)
    return _code_page(s, request, who)


async def code(request: Request) -> Response:
    s = site(request)
    form = await s.form(request)
    who = s.sessions.halfway(request)
    if who is None or not who.enrolled:
        return _expired(s, request)
    if not s.sessions.csrf_ok(request, form, who):
        return _code_page(s, request, who, 403, "The form had expired. Enter the code again.")
    typed = text(form.get("code"))[:_MAX_CODE]
    refused, ok = await _check(s, request, who, lambda: check_totp(s.db, who.user_id, typed))
    if refused:
        return refused
    if not ok:
        return _code_page(
            s,
            request,
            who,
            401,
            "The code is not right, or was used already. Enter the code your app shows now.",
        )
    return _signed_in(s, request, who, RedirectResponse(_next(request), 303), "authenticator code")


# -- enrolment ----------------------------------------------------------------------------------


def _enrol_page(s: Site, request: Request, who: Halfway, status_code: int = 200, error: str | None = None) -> Response:
    secret = who.enrol_secret
    if secret is None:
        secret = mfa.new_secret()
        s.sessions.keep_enrol_secret(request, secret)
    uri = mfa.provisioning_uri(secret, who.email, s.cfg.mfa_issuer)
    return s.render(
        request,
        "login_enrol.jinja",
        status_code,
        title="Set up your authenticator app",
        csrf_token=who.csrf,
        next=_next(request),
        error=error,
        qr=Markup(mfa.qr_svg(uri)),
        key=mfa.grouped(secret),
        issuer=s.cfg.mfa_issuer,
        email=who.email,
    )


async def enrol_page(request: Request) -> Response:
    s = site(request)
    who = s.sessions.halfway(request)
    if who is None:
        return RedirectResponse("/", 303) if s.sessions.user(request) else RedirectResponse("/login", 303)
    if who.enrolled:
        return RedirectResponse(f"/login/code?next={_next(request)}", 303)
    return _enrol_page(s, request, who)


async def enrol(request: Request) -> Response:
    s = site(request)
    form = await s.form(request)
    who = s.sessions.halfway(request)
    if who is None or who.enrolled or who.enrol_secret is None:
        return _expired(s, request)
    if not s.sessions.csrf_ok(request, form, who):
        return _enrol_page(s, request, who, 403, "The form had expired. Enter the code again.")
    typed = text(form.get("code"))[:_MAX_CODE]
    secret = who.enrol_secret
    refused, codes = await _check(s, request, who, lambda: enrol_totp(s.db, who.user_id, secret, typed))
    if refused:
        return refused
    if not codes:
        return _enrol_page(s, request, who, 401, "The code is not right. Enter the 6-digit code your app shows now.")
    s.db.audit("mfa", "enrolled", email=who.email, trust=who.trust, ip=client_ip(request))
    response = s.render(request, "recovery_codes.jinja", title="Your recovery codes", codes=codes, next=_next(request))
    return _signed_in(s, request, who, response, "authenticator enrolled")


# -- recovery codes -----------------------------------------------------------------------------


def _recovery_page(
    s: Site, request: Request, who: Halfway, status_code: int = 200, error: str | None = None
) -> Response:
    return s.render(
        request,
        "login_recovery.jinja",
        status_code,
        title="Use a recovery code",
        csrf_token=who.csrf,
        next=_next(request),
        error=error,
    )


async def recovery_page(request: Request) -> Response:
    s = site(request)
    who = s.sessions.halfway(request)
    if who is None or not who.enrolled:
        return RedirectResponse("/login", 303)
    return _recovery_page(s, request, who)


async def recovery(request: Request) -> Response:
    s = site(request)
    form = await s.form(request)
    who = s.sessions.halfway(request)
    if who is None or not who.enrolled:
        return _expired(s, request)
    if not s.sessions.csrf_ok(request, form, who):
        return _recovery_page(s, request, who, 403, "The form had expired. Enter the recovery code again.")
    typed = text(form.get("recovery_code"))[:_MAX_CODE]
    refused, left = await _check(s, request, who, lambda: use_recovery_code(s.db, who.user_id, typed))
    if refused:
        return refused
    if left is None:
        return _recovery_page(s, request, who, 401, "That recovery code is not right, or was used already.")
    s.db.audit(
        "mfa", "recovery code used", email=who.email, trust=who.trust, ip=client_ip(request), detail=f"{left} left"
    )
    response = s.message(
        request,
        200,
        "You are signed in",
        f"You used one of your recovery codes: {left} left. Each works once.",
        "If you have lost your phone, or have few codes left, ask the network team to reset your "
        "second factor; you will then set up your app again.",
        link={"href": _next(request), "text": "Continue"},
    )
    return _signed_in(s, request, who, response, "recovery code")


routes = [
    Route("/login/code", code_page, methods=["GET"]),
    Route("/login/code", code, methods=["POST"]),
    Route("/login/enrol", enrol_page, methods=["GET"]),
    Route("/login/enrol", enrol, methods=["POST"]),
    Route("/login/recovery", recovery_page, methods=["GET"]),
    Route("/login/recovery", recovery, methods=["POST"]),
]
