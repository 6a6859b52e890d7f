"""A full disk, said as such (issue 14 item 6): `submit` lands nothing, leaves no temporary
folder and never says "accepted"; `run` names the full disk instead of a storage error."""

from __future__ import annotations

import errno
import shutil
import sqlite3
import subprocess
import sys
import textwrap

from click.testing import CliRunner

from spasticity_pipeline import landing
from spasticity_pipeline.cli import EXIT_FAILED, main
from spasticity_pipeline.oserrors import disk_full

from ..validate.conftest import BASE, write_submission


def _no_space_after(n: int):
    """``shutil.copy2`` that copies ``n`` files, then finds the disk full."""
    real = shutil.copy2
    copied: list[str] = []

    def copy2(src, dst, **kw):
        if len(copied) >= n:
            raise OSError(errno.ENOSPC, "No space left on device", str(src), None, str(dst))
        copied.append(str(dst))
        return real(src, dst, **kw)

    return copy2


def test_submit_on_a_full_disk_lands_nothing_and_says_so(env_settings, tmp_path, monkeypatch):
    folder = write_submission(tmp_path / "sub", BASE)
    monkeypatch.setattr(shutil, "copy2", _no_space_after(3))
    res = CliRunner().invoke(main, ["submit", str(folder), "--json"])
    assert res.exit_code == EXIT_FAILED
    where = env_settings.landing / "RDR" / "2026-09"
    assert res.output.strip() == f"error: not landed: disk full at {where}"
    assert "accepted" not in res.output
    assert list(where.iterdir()) == []  # no .incoming-* folder left behind
    assert landing.scan(env_settings) == []
    # with room again the same folder lands
    monkeypatch.undo()
    assert CliRunner().invoke(main, ["submit", str(folder)], env=_env(env_settings)).exit_code == 0
    assert len(landing.scan(env_settings)) == 1


def _env(settings) -> dict[str, str]:
    return {
        "SPASTICITY_HOME": str(settings.home),
        "SPASTICITY_POSTCODE_LOOKUP": str(settings.postcode_lookup),
        "SPASTICITY_PSEUDONYM_KEY": "test-key",
    }


def test_the_manifest_copy_failing_cleans_up_too(env_settings, tmp_path, monkeypatch):
    folder = write_submission(tmp_path / "sub", BASE)
    monkeypatch.setattr(shutil, "copy2", _no_space_after(len(BASE)))  # every data file, not the manifest
    res = CliRunner().invoke(main, ["submit", str(folder)])
    assert res.exit_code == EXIT_FAILED and "disk full" in res.output
    assert list((env_settings.landing / "RDR" / "2026-09").iterdir()) == []


def test_one_mapping_names_a_full_disk_wherever_it_is_raised(tmp_path, monkeypatch):
    full = OSError(errno.ENOSPC, "No space left on device", "/src/a.csv", None, "/dst/a.csv")
    assert disk_full(full) == "disk full at /dst/a.csv"
    assert disk_full(full, tmp_path) == f"disk full at {tmp_path}"
    assert disk_full(OSError(errno.EDQUOT, "Disk quota exceeded")) == "disk quota exceeded at an unnamed file"
    # copytree's own error keeps only words; a wrapped error is found through its cause
    gathered = shutil.Error([("a", "/dst/a", "[Errno 28] No space left on device: 'a'")])
    assert disk_full(gathered) == "disk full at /dst/a"
    try:
        try:
            raise full
        except OSError as exc:
            raise RuntimeError("step failed") from exc
    except RuntimeError as wrapped:
        assert disk_full(wrapped) == "disk full at /dst/a.csv"
    assert disk_full(OSError(errno.EACCES, "Permission denied", "/x")) is None
    # SQLite only says "disk I/O error": it is put down to the disk when the disk has no room
    io_error = sqlite3.OperationalError("disk I/O error")
    assert disk_full(io_error, tmp_path) is None
    monkeypatch.setattr(shutil, "disk_usage", lambda p: shutil._ntuple_diskusage(100, 100, 0))
    assert disk_full(io_error, tmp_path) == f"disk full at {tmp_path}"


DRIVER = """
import shutil, sqlite3, sys
import dagster
shutil.disk_usage = lambda p: shutil._ntuple_diskusage(100, 100, 0)
def get():
    raise sqlite3.OperationalError("disk I/O error")
dagster.DagsterInstance.get = staticmethod(get)
from spasticity_pipeline.cli import run_cli
sys.argv = ["spasticity", "run", "--no-nightly"]
run_cli()
"""


def test_run_on_a_full_disk_says_disk_full_not_a_storage_error(env_settings):
    write_submission(env_settings.home / "drop", BASE)
    res = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(DRIVER)],
        capture_output=True,
        text=True,
        env={**_env(env_settings), "PATH": "/usr/bin:/bin"},
        timeout=300,
    )
    assert res.returncode == EXIT_FAILED, res.stderr
    assert res.stderr.strip() == f"error: disk full at {env_settings.home}"
    assert "Traceback" not in res.stderr + res.stdout
