"""The portal's settings, read from the environment (spec §9 plus the portal's own variables)."""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from ..settings import Settings, get_settings
from .db import db_path

log = logging.getLogger(__name__)

DEFAULT_MAX_UPLOAD_MB = 50
#: a zip's entries may expand to at most this many times the upload limit in total ...
MAX_UNZIPPED_FACTOR = 4
#: ... and no entry may expand more than this many times its compressed size (a zip bomb)
MAX_ZIP_RATIO = 100
#: at most this many entries in an uploaded zip (eight files, or a dialect's handful)
MAX_ZIP_ENTRIES = 50


@dataclass(frozen=True)
class PortalConfig:
    settings: Settings
    secret: str
    max_upload_bytes: int
    #: "auto": Secure cookies when the request came over https (or X-Forwarded-Proto says so
    #: from a trusted proxy); "true"/"false" force it
    secure_cookies: str = "auto"
    #: throttling (throttle.py): at most this many guesses are checked per account within the
    #: window, and at most ``max_address_attempts`` from one client address (an office shares one)
    max_login_failures: int = 5
    max_address_attempts: int = 20
    throttle_window_s: int = 15 * 60
    #: a session ends after this long without a request, and after ``session_max_s`` at most
    session_idle_s: int = 60 * 60
    session_max_s: int = 12 * 60 * 60

    @property
    def home(self) -> Path:
        return self.settings.home / "portal"

    @property
    def db_path(self) -> Path:
        return db_path(self.settings)

    @property
    def uploads(self) -> Path:
        return self.home / "uploads"

    @property
    def feedback(self) -> Path:
        """Feedback reports generated from the warehouse's findings for landed submissions."""
        return self.home / "feedback"

    @property
    def max_unzipped_bytes(self) -> int:
        return self.max_upload_bytes * MAX_UNZIPPED_FACTOR


def _secret(settings: Settings) -> str:
    env = os.environ.get("SPASTICITY_PORTAL_SECRET")
    if env:
        return env
    path = settings.home / "secrets" / "portal.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(secrets.token_hex(32), encoding="utf-8")
        os.chmod(tmp, 0o600)
        tmp.replace(path)
        log.warning(
            "SPASTICITY_PORTAL_SECRET is not set: generated a local secret at %s to sign session "
            "cookies. Set SPASTICITY_PORTAL_SECRET in production (and the same on every portal "
            "instance).",
            path,
        )
    return path.read_text(encoding="utf-8").strip()


def load_config(settings: Settings | None = None) -> PortalConfig:
    settings = settings or get_settings()
    raw_mb = os.environ.get("SPASTICITY_PORTAL_MAX_UPLOAD_MB", str(DEFAULT_MAX_UPLOAD_MB))
    try:
        mb = float(raw_mb)
    except ValueError:
        raise ValueError(f"SPASTICITY_PORTAL_MAX_UPLOAD_MB must be a number of megabytes, not {raw_mb!r}") from None
    if mb <= 0:
        raise ValueError("SPASTICITY_PORTAL_MAX_UPLOAD_MB must be above 0")
    secure = os.environ.get("SPASTICITY_PORTAL_SECURE_COOKIES", "auto").lower()
    if secure not in ("auto", "true", "false"):
        raise ValueError("SPASTICITY_PORTAL_SECURE_COOKIES must be auto, true or false")
    return PortalConfig(
        settings=settings, secret=_secret(settings), max_upload_bytes=int(mb * 1024 * 1024), secure_cookies=secure
    )
