"""The ASGI middleware every request passes: security headers (with a per-request CSP nonce, and
HSTS over https) and the request-body limit. The client's address and scheme come first from
uvicorn's ``ProxyHeadersMiddleware``, which believes X-Forwarded-For/-Proto only from the
configured trusted proxies (``SPASTICITY_PORTAL_TRUSTED_PROXIES``)."""

from __future__ import annotations

import secrets

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: browsers keep to https for a year once they have seen the portal over it (OWASP ASVS 14.4.5)
HSTS = b"max-age=31536000; includeSubDomains"
#: request bodies other than uploads (sign-in, confirm, sign out) are small
SMALL_BODY = 64 * 1024


class SecurityHeaders:
    """Pure ASGI middleware: a per-request CSP nonce and the headers every response carries."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        is_asset = scope["path"].startswith(("/assets/", "/static/"))
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                extra = {
                    b"content-security-policy": (
                        f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; "
                        "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
                        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
                    ).encode(),
                    b"x-content-type-options": b"nosniff",
                    b"x-frame-options": b"DENY",
                    b"referrer-policy": b"same-origin",
                    b"cross-origin-opener-policy": b"same-origin",
                    b"permissions-policy": b"camera=(), microphone=(), geolocation=()",
                }
                if not is_asset:
                    extra[b"cache-control"] = b"no-store"
                if https:  # the scheme as the client used it (a trusted proxy's X-Forwarded-Proto)
                    extra[b"strict-transport-security"] = HSTS
                headers += [(k, v) for k, v in extra.items() if k not in names]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


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
