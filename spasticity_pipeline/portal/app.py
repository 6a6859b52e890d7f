"""The portal's web app, assembled: route modules by area (``routes/``), the middleware every
request passes (``middleware.py``), the error pages, and the static NHS.UK assets.

Every route that shows or changes data checks on the server who is asking: a trust user sees
and uploads only for their own trust (anything else by ID is a 404, as if it did not exist); the
network team sees every trust. See ``docs/portal.md``.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from .assets import STATIC, TARGET
from .config import PortalConfig, load_config
from .middleware import BodyLimit, SecurityHeaders
from .routes import auth, errors, governance, mfa, network, submissions, uploads
from .site import Site

if TYPE_CHECKING:
    import uvicorn

log = logging.getLogger(__name__)


def create_app(cfg: PortalConfig | None = None) -> Starlette:
    cfg = cfg or load_config()
    routes = [
        *auth.routes,
        *mfa.routes,
        *submissions.routes,
        *network.routes,
        *uploads.routes,
        *governance.routes,
        Mount("/assets", StaticFiles(directory=TARGET, check_dir=False), name="assets"),
        Mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            # first (outermost): the client's real address and scheme, from trusted proxies only
            Middleware(ProxyHeadersMiddleware, trusted_hosts=list(cfg.trusted_proxies)),
            Middleware(SecurityHeaders),
            Middleware(BodyLimit, upload_limit=cfg.max_upload_bytes),
        ],
        exception_handlers=errors.handlers,
    )
    app.state.site = Site(cfg)
    return app


_RESET_PATH = re.compile(r"^/reset/[^?\s]*")


class HideResetTokens(logging.Filter):
    """Keep one-time reset tokens out of the access log (``/reset/<token>`` → ``/reset/…``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) >= 3:
            args = list(record.args)
            path = args[2]
            if isinstance(path, str):
                args[2] = _RESET_PATH.sub("/reset/…", path)
                record.args = tuple(args)
        return True


def server_config(app: Starlette, host: str, port: int, log_level: str = "info") -> uvicorn.Config:
    """How uvicorn serves the portal (``serve`` and the tests alike)."""
    import uvicorn

    # proxy headers are the app's own middleware (the configured trusted proxies), not uvicorn's
    return uvicorn.Config(app, host=host, port=port, proxy_headers=False, server_header=False, log_level=log_level)


def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run the portal with uvicorn (``spasticity portal``); config from the environment."""
    import uvicorn

    logging.basicConfig(level=logging.INFO)
    logging.getLogger("uvicorn.access").addFilter(HideResetTokens())
    app = create_app()
    log.info("portal on http://%s:%d (home %s)", host, port, app.state.site.cfg.settings.home)
    uvicorn.Server(server_config(app, host, port)).run()


__all__ = ["create_app", "serve"]
