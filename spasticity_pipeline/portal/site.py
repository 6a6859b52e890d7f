"""What every route shares: the portal's state, rendering NHS.UK pages, who is asking, and the
audit log. Route modules reach it with ``site(request)``; ``app.py`` makes one per app."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from jinja2 import ChainableUndefined, ChoiceLoader, Environment, PackageLoader
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response

from ..config import registry
from .assets import TARGET, present
from .config import PortalConfig
from .db import PortalDB
from .middleware import BodyTooLarge
from .sessions import Sessions, User, client_ip
from .throttle import Throttle
from .uploads import Uploads

log = logging.getLogger(__name__)

#: findings shown on a page; every finding is in the downloadable CSV
SHOWN_FINDINGS = 500
_LOCAL_PATH = re.compile(r"^/(?:[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*)?$")


class LoginRequired(Exception):
    pass


class Site:
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
        """The signed-in user, or ``LoginRequired`` (answered by a redirect to sign in)."""
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

    def account(self, typed: str) -> str | None:
        """The email of the account ``typed`` names, for the audit; None when there is none (what
        was typed into the email box might be a password, which the audit must never hold)."""
        row = self.db.one("SELECT email FROM users WHERE email = ?", (typed.strip(),)) if typed else None
        return row["email"] if row else None

    async def form(self, request: Request, **kw: Any) -> Any:
        if request.state.body_too_large:
            raise BodyTooLarge()
        return await request.form(**kw)

    def trust_name(self, ods: str) -> str:
        t = registry().trust(ods)
        return t.name if t else ods


def site(request: Request) -> Site:
    return request.app.state.site


def text(value: Any) -> str:
    """A form field as text ('' for a missing field or a file sent where text was expected)."""
    return value if isinstance(value, str) else ""


def safe_next(value: str | None) -> str:
    """Where to go after signing in: one of our own paths, never another site (no open redirect)."""
    return value if value and _LOCAL_PATH.fullmatch(value) and ".." not in value else "/"


def attachment(path: Path, filename: str) -> Response:
    media = "text/csv; charset=utf-8" if filename.endswith(".csv") else "text/html; charset=utf-8"
    return FileResponse(
        path,
        media_type=media,
        filename=filename,
        content_disposition_type="attachment",
        headers={"x-content-type-options": "nosniff"},
    )
