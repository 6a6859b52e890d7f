"""The portal's web app: Starlette routes rendering NHS.UK-styled Jinja pages.

Every route that shows or changes data checks on the server who is asking: a trust user sees
and uploads only for their own trust (anything else by ID is a 404, as if it did not exist); the
network team sees every trust. See ``docs/portal.md``.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import ChainableUndefined, ChoiceLoader, Environment, PackageLoader
from markupsafe import Markup, escape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..config import registry
from .assets import STATIC, TARGET, present
from .config import MAX_ZIP_ENTRIES, PortalConfig, load_config
from .db import PortalDB
from .passwords import MAX_LENGTH as MAX_PASSWORD_LENGTH
from .security import SecurityHeaders, Sessions, User, client_ip
from .status import (
    find_submission,
    network_overview,
    processed_files,
    processed_findings,
    status_warehouse,
    submissions,
)
from .throttle import PASSWORD as PASSWORD_STEP
from .throttle import Throttle
from .uploads import ALLOWED_EXTENSIONS, UploadRefused, Uploads, finding_rows, formats_for
from .users import authenticate

log = logging.getLogger(__name__)

#: findings shown on a page; every finding is in the downloadable CSV
SHOWN_FINDINGS = 500
#: request bodies other than uploads (sign-in, confirm, sign out) are small
SMALL_BODY = 64 * 1024
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$")


class LoginRequired(Exception):
    pass


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    """Refuse request bodies over the limit, whether or not they declare their length."""

    def __init__(self, app: ASGIApp, upload_limit: int) -> None:
        self.app, self.upload_limit = app, upload_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.upload_limit + SMALL_BODY if scope["path"] == "/upload" else SMALL_BODY
        declared = dict(scope.get("headers", [])).get(b"content-length")
        state = scope.setdefault("state", {})
        state["body_too_large"] = bool(declared and declared.isdigit() and int(declared) > limit)
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            if state["body_too_large"]:
                raise BodyTooLarge()
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    state["body_too_large"] = True
                    raise BodyTooLarge()
            return message

        await self.app(scope, limited, send)


def _periods(today: dt.date, n: int = 13) -> list[dict[str, Any]]:
    """The current month and the ``n - 1`` before it, newest first; last month selected."""
    y, m = today.year, today.month
    out = []
    for i in range(n):
        label = dt.date(y, m, 1).strftime("%B %Y")
        out.append({"value": f"{y:04d}-{m:02d}", "text": f"{label} ({y:04d}-{m:02d})", "selected": i == 1})
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out


_LOCAL_PATH = re.compile(r"^/(?:[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*)?$")


def _text(value: Any) -> str:
    """A form field as text ('' for a missing field or a file sent where text was expected)."""
    return value if isinstance(value, str) else ""


def _safe_next(value: str | None) -> str:
    """Where to go after signing in: one of our own paths, never another site (no open redirect)."""
    return value if value and _LOCAL_PATH.fullmatch(value) and ".." not in value else "/"


class Portal:
    def __init__(self, cfg: PortalConfig) -> None:
        self.cfg = cfg
        self.db = PortalDB(cfg.db_path)
        self.sessions = Sessions(cfg, self.db)
        self.throttle = Throttle(self.db, cfg.max_login_failures, cfg.max_address_attempts, cfg.throttle_window_s)
        self.uploads = Uploads(cfg, self.db)
        self.env = Environment(
            loader=ChoiceLoader(
                [PackageLoader("spasticity_pipeline.portal", "templates"), PackageLoader("nhsuk_frontend_jinja")]
            ),
            undefined=ChainableUndefined,
            autoescape=True,
        )
        if not present():
            log.warning("the NHS.UK frontend CSS/JS are missing from %s: run `make portal-assets`", TARGET)

    # -- helpers -------------------------------------------------------------------------------
    def render(
        self, request: Request, name: str, status_code: int = 200, user: User | None = None, **ctx: Any
    ) -> HTMLResponse:
        csrf = ctx.pop("csrf_token", user.csrf if user else "")
        logout = (
            Markup(
                '<form method="post" action="/logout" class="nhsuk-header__account-form">'
                f'<input type="hidden" name="csrf_token" value="{escape(csrf)}">'
                '<button class="nhsuk-header__account-button" id="sign-out">Sign out</button></form>'
            )
            if user
            else ""
        )
        html = self.env.get_template(name).render(
            request=request,
            cspNonce=request.state.csp_nonce,
            user=user,
            csrf_token=csrf,
            logout_form=logout,
            title=ctx.pop("title", "Spasticity network"),
            **ctx,
        )
        return HTMLResponse(html, status_code=status_code)

    def message(
        self,
        request: Request,
        status_code: int,
        heading: str,
        *paragraphs: str,
        user: User | None = None,
        link: dict[str, str] | None = None,
    ) -> HTMLResponse:
        return self.render(
            request,
            "message.jinja",
            status_code,
            user=user,
            title=heading,
            heading=heading,
            paragraphs=paragraphs,
            link=link,
        )

    def user(self, request: Request) -> User:
        user = self.sessions.user(request)
        if user is None:
            raise LoginRequired()
        return user

    def audit(self, request: Request, action: str, outcome: str, user: User | None = None, **kw: Any) -> None:
        self.db.audit(
            action,
            outcome,
            email=kw.pop("email", user.email if user else None),
            trust=user.trust if user else None,
            ip=client_ip(request),
            **kw,
        )

    async def form(self, request: Request, **kw: Any) -> Any:
        if request.state.body_too_large:
            raise BodyTooLarge()
        return await request.form(**kw)

    def _trust_name(self, ods: str) -> str:
        t = registry().trust(ods)
        return t.name if t else ods

    # -- sign in and out -----------------------------------------------------------------------
    async def login_page(self, request: Request) -> Response:
        if self.sessions.user(request):
            return RedirectResponse("/", 303)
        return self._login_form(request, next_=request.query_params.get("next", "/"))

    def _login_form(
        self, request: Request, status_code: int = 200, error: str | None = None, email: str = "", next_: str = "/"
    ) -> Response:
        token, cookie = self.sessions.anonymous_csrf(request)
        response = self.render(
            request,
            "login.jinja",
            status_code,
            title="Sign in",
            csrf_token=token,
            error=error,
            email=email,
            next=_safe_next(next_),
        )
        self.sessions.set_csrf_cookie(request, response, cookie)
        return response

    async def login(self, request: Request) -> Response:
        form = await self.form(request)
        email = _text(form.get("email")).strip()[:320]
        password = _text(form.get("password"))[:MAX_PASSWORD_LENGTH]
        next_ = _text(form.get("next")) or "/"
        ip = client_ip(request)
        if not self.sessions.csrf_ok(request, form, None):
            self.audit(request, "login", "refused", email=email or None, detail="missing or wrong CSRF token")
            return self._login_form(request, 403, "Your sign-in form had expired. Please try again.", email)
        # the slot is taken before the password is checked, so parallel guesses cannot overrun it
        attempt = await run_in_threadpool(self.throttle.reserve, PASSWORD_STEP, email, ip)
        if attempt is None:
            return self._too_many(request, email)
        user = await run_in_threadpool(authenticate, self.db, email, password)
        if user is None:
            await run_in_threadpool(self.throttle.failed, attempt)
            self.audit(request, "login", "failure", email=email or None)
            return self._login_form(request, 401, "The email address or password is not right.", email, next_)
        if not await run_in_threadpool(self.throttle.succeeded, attempt):
            return self._too_many(request, email)
        response = RedirectResponse(_safe_next(next_), 303)
        self.sessions.end(request, None)  # a new session token on every sign-in (no fixation)
        self.sessions.start(request, response, user["id"])
        self.db.audit("login", "success", email=user["email"], trust=user["trust"], ip=ip)
        return response

    def _too_many(self, request: Request, email: str) -> Response:
        self.audit(request, "login", "throttled", email=email or None)
        return self.message(
            request,
            429,
            "Too many attempts",
            "There have been too many attempts to sign in as this user, or from your network address. "
            f"Wait {self.cfg.throttle_window_s // 60} minutes, then try again.",
            "If you have forgotten your password, ask the network team to reset it.",
        )

    async def logout(self, request: Request) -> Response:
        user = self.user(request)
        form = await self.form(request)
        if not self.sessions.csrf_ok(request, form, user):
            return self.message(request, 403, "Sign out failed", "The form had expired. Please try again.", user=user)
        response = RedirectResponse("/login", 303)
        self.sessions.end(request, response)
        self.audit(request, "logout", "success", user)
        return response

    # -- pages ---------------------------------------------------------------------------------
    async def home(self, request: Request) -> Response:
        user = self.sessions.user(request)
        if user is None:
            return RedirectResponse("/login", 303)
        return RedirectResponse("/network" if user.is_network else "/submissions", 303)

    async def history(self, request: Request) -> Response:
        user = self.user(request)
        trust = None if user.is_network else user.trust
        subs = await run_in_threadpool(submissions, self.cfg.settings, trust)
        pending = [u for u in self.uploads.for_trust(trust) if u["state"] != "landed"]
        with status_warehouse(self.cfg.settings) as wh:
            available = wh is not None
        caption = "All trusts" if user.is_network else f"{self._trust_name(user.trust)} ({user.trust})"
        return self.render(
            request,
            "submissions.jinja",
            user=user,
            title="Submissions",
            nav="submissions",
            subs=subs,
            pending=pending,
            statuses_available=available,
            heading_caption=caption,
        )

    async def network(self, request: Request) -> Response:
        user = self.user(request)
        if not user.is_network:
            return self.message(
                request,
                403,
                "For the network team only",
                "This page shows every trust's submissions.",
                user=user,
                link={"href": "/submissions", "text": "Your submissions"},
            )
        period, due, rows = await run_in_threadpool(network_overview, self.cfg.settings)
        late = [r.ods for r in rows if r.state in ("late", "rejected only")]
        return self.render(
            request,
            "network.jinja",
            user=user,
            title="Network overview",
            nav="network",
            period=period,
            due=due,
            rows=rows,
            late=late,
            deadline_day=registry().submission_deadline_day,
        )

    # -- submissions (landed) --------------------------------------------------------------------
    def _submission_for(self, user: User, submission_id: str):
        """The submission if this user may see it; 404 otherwise (another trust's looks absent)."""
        if not _SAFE_ID.fullmatch(submission_id):
            raise HTTPException(404)
        sub = find_submission(self.cfg.settings, submission_id)
        if sub is None or not user.may_see(sub.trust):
            raise HTTPException(404)
        return sub

    def _preflight(self, submission_id: str) -> dict[str, Any] | None:
        up = self.uploads.by_submission(submission_id)
        return up if up and self.uploads.result(up["id"]) is not None else None

    async def submission(self, request: Request) -> Response:
        user = self.user(request)
        sid = request.path_params["sid"]
        sub = await run_in_threadpool(self._submission_for, user, sid)
        files: list[dict[str, Any]] = []
        labels: dict[str, str] = {}
        findings, source = None, None
        if sub.in_warehouse:
            files = processed_files(self.cfg.settings, sid)
            findings, source = processed_findings(self.cfg.settings, sid), "warehouse"
        elif (up := self._preflight(sid)) is not None:
            result = self.uploads.result(up["id"]) or {}
            files = [{"file": k, **v} for k, v in result.get("files", {}).items()]
            labels = result.get("source_labels", {})
            findings, source = self.uploads.findings(up["id"]), "preflight"
        rows = finding_rows(findings, SHOWN_FINDINGS) if findings is not None else []
        return self.render(
            request,
            "submission.jinja",
            user=user,
            title=f"Submission {sub.period}",
            nav="submissions",
            sub=sub,
            files=files,
            labels=labels,
            findings=rows,
            total=findings.num_rows if findings is not None else 0,
            source=source,
        )

    async def submission_feedback(self, request: Request) -> Response:
        user = self.user(request)
        sid, kind = request.path_params["sid"], request.path_params["kind"]
        try:
            if kind not in ("html", "csv"):
                raise HTTPException(404)
            sub = await run_in_threadpool(self._submission_for, user, sid)
        except HTTPException:
            self.audit(request, "download", "refused", user, target=sid[:128], detail="not found or not yours")
            raise
        if sub.in_warehouse:
            path = await run_in_threadpool(self._warehouse_feedback, sub, kind)
        elif (up := self._preflight(sid)) is not None:
            path = self.uploads.feedback_file(up["id"], kind)
        else:
            path = None
        if path is None:
            raise HTTPException(404)
        self.audit(request, "download", "success", user, target=sid, detail=f"feedback.{kind}")
        return _attachment(path, f"feedback-{sid}.{kind}")

    def _warehouse_feedback(self, sub, kind: str) -> Path:
        from ..reporting.feedback import write_feedback

        record = {
            "submission_id": sub.submission_id,
            "trust_ods_code": sub.trust,
            "period": sub.period,
            "format": sub.format,
            "received_at": sub.received_at.isoformat(),
            "status": sub.status,
            "superseded": sub.superseded,
            "rows_in": sub.rows_in,
            "rows_loaded": sub.rows_loaded,
            "rows_quarantined": sub.rows_quarantined,
            "n_warnings": sub.n_warnings,
        }
        findings = processed_findings(self.cfg.settings, sub.submission_id).to_pandas()
        html, csv = write_feedback(record, findings, self.cfg.feedback / sub.submission_id)
        return html if kind == "html" else csv

    # -- uploads (pre-flight) --------------------------------------------------------------------
    def _upload_for(self, user: User, upload_id: str) -> dict[str, Any]:
        up = self.uploads.get(upload_id)
        if up is None or not user.may_see(up["trust"]):
            raise HTTPException(404)
        return up

    def _upload_form(self, request: Request, user: User, status_code: int = 200, error: str | None = None) -> Response:
        formats = formats_for(user.trust)
        # a dialect's own file names (RYR's .TXT files) are allowed too: offer their extensions
        names = sorted(
            {
                Path(n).suffix.lower()
                for f in formats
                for n in f.files
                if Path(n).suffix and not n.lower().endswith(ALLOWED_EXTENSIONS)
            }
        )
        return self.render(
            request,
            "upload.jinja",
            status_code,
            user=user,
            title="Upload a submission",
            nav="upload",
            periods=_periods(dt.date.today()),
            formats=formats,
            error=error,
            accept=",".join([*ALLOWED_EXTENSIONS, *names]),
            trust_name=self._trust_name(user.trust),
            max_mb=round(self.cfg.max_upload_bytes / (1024 * 1024)),
            max_bytes=self.cfg.max_upload_bytes,
        )

    def _trust_only(self, request: Request, user: User) -> Response | None:
        if user.is_network:
            return self.message(
                request,
                403,
                "Uploads are made by trusts",
                "Network team accounts cannot upload: sign in with the trust's account.",
                user=user,
            )
        return None

    async def upload_page(self, request: Request) -> Response:
        user = self.user(request)
        return self._trust_only(request, user) or self._upload_form(request, user)

    async def upload(self, request: Request) -> Response:
        user = self.user(request)
        try:
            form = await self.form(request, max_files=MAX_ZIP_ENTRIES, max_fields=10)
        except BodyTooLarge:
            self.audit(request, "upload", "refused", user, detail="over the size limit")
            raise
        try:
            if not self.sessions.csrf_ok(request, form, user):
                self.audit(request, "upload", "refused", user, detail="missing or wrong CSRF token")
                return self.message(
                    request,
                    403,
                    "The upload form had expired",
                    "Nothing was uploaded. Go back, reload the page and try again.",
                    user=user,
                )
            refused = self._trust_only(request, user)
            if refused:
                return refused
            files = [
                (f.filename or "", f.file)
                for f in form.getlist("files")
                if isinstance(f, UploadFile) and (f.filename or f.size)
            ]
            period = str(form.get("period") or "")
            try:
                upload_id = await run_in_threadpool(self.uploads.create, user.trust, user.id, period, files)
            except UploadRefused as exc:
                self.audit(request, "upload", "refused", user, detail=str(exc)[:500])
                return self._upload_form(request, user, 400, str(exc))
        finally:
            await form.close()
        self.audit(
            request, "upload", "success", user, target=upload_id, detail=f"period {period}, {len(files)} file(s)"
        )
        return RedirectResponse(f"/uploads/{upload_id}", 303)

    async def upload_detail(self, request: Request, notice: str | None = None, status_code: int = 200) -> Response:
        user = self.user(request)
        up = self._upload_for(user, request.path_params["uid"])
        result = self.uploads.result(up["id"]) if up["state"] in ("validated", "landing", "landed") else None
        findings = self.uploads.findings(up["id"]) if result else None
        return self.render(
            request,
            "upload_detail.jinja",
            status_code,
            user=user,
            title=f"Pre-flight check {up['period']}",
            nav="upload",
            upload=up,
            result=result,
            notice=notice,
            files=[{"file": k, **v} for k, v in (result or {}).get("files", {}).items()],
            labels=(result or {}).get("source_labels", {}),
            findings=finding_rows(findings, SHOWN_FINDINGS) if findings is not None else [],
            total=findings.num_rows if findings is not None else 0,
            can_confirm=(
                not user.is_network
                and up["state"] == "validated"
                and up["status"] in ("accepted", "accepted_with_warnings")
            ),
        )

    async def upload_status(self, request: Request) -> Response:
        user = self.sessions.user(request)
        if user is None:
            return JSONResponse({"error": "sign in"}, 401)
        up = self._upload_for(user, request.path_params["uid"])
        return JSONResponse({"state": up["state"], "stage": up["stage"], "status": up["status"]})

    async def confirm(self, request: Request) -> Response:
        user = self.user(request)
        up = self._upload_for(user, request.path_params["uid"])
        form = await self.form(request)
        if not self.sessions.csrf_ok(request, form, user):
            self.audit(request, "confirm", "refused", user, target=up["id"], detail="missing or wrong CSRF token")
            return self.message(
                request,
                403,
                "The form had expired",
                "Nothing was submitted. Reload the page and confirm again.",
                user=user,
            )
        if user.is_network or up["trust"] != user.trust:
            raise HTTPException(404)
        try:
            landed = await run_in_threadpool(self.uploads.confirm, up["id"], user.trust)
        except UploadRefused as exc:
            self.audit(request, "confirm", "refused", user, target=up["id"], detail=str(exc))
            return await self.upload_detail(request, notice=str(exc), status_code=409)
        self.audit(request, "confirm", "success", user, target=up["id"], detail=landed.submission_id)
        return RedirectResponse(f"/uploads/{up['id']}", 303)

    async def upload_feedback(self, request: Request) -> Response:
        user = self.user(request)
        try:
            up = self._upload_for(user, request.path_params["uid"])
        except HTTPException:
            self.audit(
                request,
                "download",
                "refused",
                user,
                target=request.path_params["uid"][:128],
                detail="not found or not yours",
            )
            raise
        kind = request.path_params["kind"]
        path = self.uploads.feedback_file(up["id"], kind) if kind in ("html", "csv") else None
        if path is None:
            raise HTTPException(404)
        self.audit(request, "download", "success", user, target=up["id"], detail=f"feedback.{kind}")
        return _attachment(path, f"preflight-{up['trust']}-{up['period']}.{kind}")

    # -- errors --------------------------------------------------------------------------------
    async def on_login_required(self, request: Request, exc: Exception) -> Response:
        if request.method == "GET":
            return RedirectResponse(f"/login?next={quote(request.url.path)}", 303)
        return self.message(
            request, 401, "Please sign in", "Your session has ended.", link={"href": "/login", "text": "Sign in"}
        )

    async def on_http(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        user = self.sessions.user(request)
        if exc.status_code == 404:
            return self.message(
                request, 404, "Page not found", "If you typed the web address, check it is correct.", user=user
            )
        return self.message(request, exc.status_code, "Sorry, there is a problem", str(exc.detail), user=user)

    async def on_too_large(self, request: Request, exc: Exception) -> Response:
        mb = round(self.cfg.max_upload_bytes / (1024 * 1024))
        response = self.message(
            request,
            413,
            "The upload is too large",
            f"Uploads can be at most {mb} MB. Nothing was stored.",
            "If your extract is larger, zip the files, or ask the network team.",
            user=self.sessions.user(request),
            link={"href": "/upload", "text": "Upload again"},
        )
        response.headers["connection"] = "close"
        return response


def _attachment(path: Path, filename: str) -> Response:
    media = "text/csv; charset=utf-8" if filename.endswith(".csv") else "text/html; charset=utf-8"
    return FileResponse(
        path,
        media_type=media,
        filename=filename,
        content_disposition_type="attachment",
        headers={"x-content-type-options": "nosniff"},
    )


def create_app(cfg: PortalConfig | None = None) -> Starlette:
    cfg = cfg or load_config()
    portal = Portal(cfg)
    routes = [
        Route("/", portal.home),
        Route("/login", portal.login_page, methods=["GET"]),
        Route("/login", portal.login, methods=["POST"]),
        Route("/logout", portal.logout, methods=["POST"]),
        Route("/submissions", portal.history),
        Route("/submissions/{sid}", portal.submission),
        Route("/submissions/{sid}/feedback.{kind}", portal.submission_feedback),
        Route("/network", portal.network),
        Route("/upload", portal.upload_page, methods=["GET"]),
        Route("/upload", portal.upload, methods=["POST"]),
        Route("/uploads/{uid}", portal.upload_detail),
        Route("/uploads/{uid}/status", portal.upload_status),
        Route("/uploads/{uid}/confirm", portal.confirm, methods=["POST"]),
        Route("/uploads/{uid}/feedback.{kind}", portal.upload_feedback),
        Mount("/assets", StaticFiles(directory=TARGET, check_dir=False), name="assets"),
        Mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders), Middleware(BodyLimit, upload_limit=cfg.max_upload_bytes)],
        exception_handlers={
            LoginRequired: portal.on_login_required,
            HTTPException: portal.on_http,
            BodyTooLarge: portal.on_too_large,
        },
    )
    app.state.portal = portal
    return app


def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run the portal with uvicorn (``spasticity portal``); config from the environment."""
    import uvicorn

    logging.basicConfig(level=logging.INFO)
    app = create_app()
    log.info("portal on http://%s:%d (home %s)", host, port, app.state.portal.cfg.settings.home)
    uvicorn.run(app, host=host, port=port, proxy_headers=True, server_header=False, log_level="info")


__all__ = ["create_app", "serve"]
