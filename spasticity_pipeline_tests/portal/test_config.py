"""The portal's environment: a generated local secret (with a warning) unless one is set, and the
upload limit in megabytes."""

from __future__ import annotations

import logging
import stat

import pytest

from spasticity_pipeline.portal.config import DEFAULT_MAX_UPLOAD_MB, load_config
from spasticity_pipeline.settings import SettingsError, get_settings
from spasticity_pipeline_tests.conftest import make_settings


def test_generated_secret_is_kept_and_private(tmp_path, monkeypatch, caplog):
    monkeypatch.delenv("SPASTICITY_PORTAL_SECRET", raising=False)
    monkeypatch.delenv("SPASTICITY_PORTAL_MAX_UPLOAD_MB", raising=False)
    settings = make_settings(tmp_path / "home")
    with caplog.at_level(logging.WARNING):
        cfg = load_config(settings)
    assert "SPASTICITY_PORTAL_SECRET is not set" in caplog.text
    key = settings.home / "secrets" / "portal.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(cfg.secret) == 64
    assert load_config(settings).secret == cfg.secret  # the same secret next time
    assert cfg.max_upload_bytes == DEFAULT_MAX_UPLOAD_MB * 1024 * 1024
    assert cfg.db_path == settings.home / "portal" / "portal.db"


def test_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SPASTICITY_PORTAL_SECRET", "from-the-environment")
    monkeypatch.setenv("SPASTICITY_PORTAL_MAX_UPLOAD_MB", "2")
    monkeypatch.setenv("SPASTICITY_PORTAL_SECURE_COOKIES", "true")
    settings = make_settings(tmp_path / "home")
    cfg = load_config(settings)
    assert (cfg.secret, cfg.max_upload_bytes, cfg.secure_cookies) == ("from-the-environment", 2 << 20, "true")
    assert not (settings.home / "secrets" / "portal.key").exists()
    monkeypatch.setenv("SPASTICITY_PORTAL_MAX_UPLOAD_MB", "lots")
    with pytest.raises(SettingsError, match="SPASTICITY_PORTAL_MAX_UPLOAD_MB: .*number"):
        get_settings()
    monkeypatch.setenv("SPASTICITY_PORTAL_MAX_UPLOAD_MB", "0")
    with pytest.raises(SettingsError, match="SPASTICITY_PORTAL_MAX_UPLOAD_MB: .*greater than 0"):
        get_settings()
