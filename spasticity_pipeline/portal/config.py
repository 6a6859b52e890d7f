"""The portal's configuration: limits that are code, and its ``SPASTICITY_PORTAL_*`` settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..settings import Settings, get_settings
from .db import db_path

DEFAULT_MAX_UPLOAD_MB = Settings.model_fields["portal_max_upload_mb"].default
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
    #: after the password, the second factor must follow within this long
    second_factor_s: int = 10 * 60
    #: the name authenticator apps show beside the account
    mfa_issuer: str = "Spasticity network"
    #: the portal's address as users reach it, for the reset links the CLI prints
    public_url: str = "http://127.0.0.1:8000"
    #: reverse proxies whose X-Forwarded-Proto/-For are believed (addresses or networks)
    trusted_proxies: tuple[str, ...] = ("127.0.0.1",)

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


def load_config(settings: Settings | None = None) -> PortalConfig:
    """The portal's configuration from the one settings object (``SPASTICITY_PORTAL_*``)."""
    settings = settings or get_settings()
    return PortalConfig(
        settings=settings,
        secret=settings.portal_secret_value(),
        max_upload_bytes=int(settings.portal_max_upload_mb * 1024 * 1024),
        secure_cookies=settings.portal_secure_cookies,
        mfa_issuer=settings.portal_mfa_issuer,
        public_url=settings.portal_url.rstrip("/"),
        trusted_proxies=tuple(p.strip() for p in settings.portal_trusted_proxies.split(",") if p.strip()),
    )
