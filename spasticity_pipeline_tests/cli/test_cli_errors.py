"""Every CLI command on a missing or locked warehouse, and `feedback` before any run or for an
unknown id (issue 13 item 6): a one-line error and an exit code, never a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from spasticity_pipeline.cli import DEMO_MARKER, main
from spasticity_pipeline.warehouse import open_warehouse

from ..validate.conftest import BASE, write_submission

HOLD = "import duckdb, sys, time\ncon = duckdb.connect(sys.argv[1])\nprint('holding', flush=True)\ntime.sleep(120)\n"


@pytest.fixture
def locked(env_settings):
    """The warehouse held open for writing by another process (as a running pipeline holds it)."""
    with open_warehouse(env_settings) as wh:
        wh.ensure_schema()
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(env_settings.duckdb_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "holding"
        yield proc.pid
    finally:
        proc.kill()
        proc.wait()


def _invoke(*args):
    res = CliRunner().invoke(main, list(args))
    # a ClickException or sys.exit ends as SystemExit; anything else would be a traceback
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    assert "Traceback" not in res.output
    return res


def _one_line_error(res, *words):
    assert res.exit_code == 1, res.output
    errors = [line for line in res.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and all(w in errors[0] for w in words), res.output


def test_feedback_before_the_warehouse_exists(env_settings):
    _one_line_error(_invoke("feedback", "RDR-2026-09-x"), "there is no warehouse at", "spasticity run")


def test_feedback_before_any_run(env_settings):
    open_warehouse(env_settings).close()  # an empty warehouse file: nothing processed yet
    _one_line_error(_invoke("feedback", "RDR-2026-09-x"), "no submission has been processed yet")


def test_feedback_for_an_unknown_id(env_settings):
    with open_warehouse(env_settings) as wh:
        wh.ensure_schema()
    _one_line_error(_invoke("feedback", "RDR-2026-09-nope"), "no submission 'RDR-2026-09-nope' has been processed")
    _one_line_error(_invoke("feedback", "x" * 500), "no submission 'xxxx", "...'")  # a long id is cut


def test_feedback_on_a_locked_warehouse(locked):
    _one_line_error(_invoke("feedback", "RDR-2026-09-x"), "in use by another process", f"(process {locked})")


def test_run_on_a_locked_warehouse_says_so_at_once(locked):
    _one_line_error(_invoke("run", "--no-nightly"), "in use by another process", "try again when it has finished")


def test_run_with_no_warehouse_and_nothing_waiting(env_settings):
    res = _invoke("run", "--no-nightly")
    assert res.exit_code == 0 and "Processed 0 trust × month partitions" in res.output


def test_demo_on_a_locked_warehouse_wipes_nothing(locked, env_settings):
    (env_settings.home / DEMO_MARKER).write_text("demo")
    (env_settings.home / "landing").mkdir()
    _one_line_error(_invoke("demo", "--patients", "5", "--months", "1"), "in use by another process")
    assert (env_settings.home / "landing").is_dir() and env_settings.duckdb_path.exists()


def test_validate_and_submit_need_no_warehouse(env_settings, tmp_path):
    folder = write_submission(tmp_path / "s", BASE)
    assert _invoke("validate", str(folder), "--json").exit_code == 0
    assert _invoke("submit", str(folder)).exit_code == 0


def test_validate_and_submit_on_a_locked_warehouse(locked, tmp_path):
    folder = write_submission(tmp_path / "s", BASE)
    res = _invoke("validate", str(folder))
    assert res.exit_code == 0 and "W05 is checked within this submission only" in res.output
    assert _invoke("submit", str(folder)).exit_code == 0


def test_commands_that_need_no_warehouse_work_while_it_is_locked(locked, tmp_path):
    folder = write_submission(tmp_path / "s", BASE)
    (folder / "manifest.json").unlink()
    assert _invoke("manifest", str(folder), "--trust", "RDR", "--period", "2026-09").exit_code == 0
    args = ["generate", "--out", str(tmp_path / "g"), "--trusts", "RDR", "--months", "1", "--patients", "5"]
    assert _invoke(*args).exit_code == 0
    assert _invoke("users", "list").exit_code == 0
    assert _invoke("audit").exit_code == 0
    assert _invoke("purge", "--dry-run").exit_code == 0  # reads rejected ids when it can, landing markers else


def test_a_configuration_error_is_one_line_exit_2(env_settings, tmp_path, monkeypatch):
    import shutil

    from spasticity_pipeline.settings import PROJECT_ROOT

    config = tmp_path / "config"
    shutil.copytree(PROJECT_ROOT / "config", config)
    (config / "trusts.yaml").write_text("network: n\ntrusts:\n  - {ods: RDR, name: A, role: boss}\n")
    monkeypatch.setenv("SPASTICITY_CONFIG_DIR", str(config))
    from spasticity_pipeline import config as config_module

    config_module._registry.cache_clear()
    folder = write_submission(tmp_path / "s", BASE)
    res = _invoke("validate", str(folder))
    assert res.exit_code == 2 and "configuration error:" in res.output and "line 3, trusts.0.role" in res.output
    config_module._registry.cache_clear()


def test_the_published_copy_reads_while_the_live_warehouse_is_locked(locked, env_settings):
    from spasticity_pipeline.warehouse import WarehouseUnavailable

    with pytest.raises(WarehouseUnavailable, match="no warehouse at .*published"):
        open_warehouse(env_settings, published=True)  # nothing published yet
    with pytest.raises(WarehouseUnavailable, match="in use by another process"):
        open_warehouse(env_settings, read_only=True)
    env_settings.published_duckdb.parent.mkdir(parents=True)
    import duckdb

    con = duckdb.connect(str(env_settings.published_duckdb))
    con.execute("CREATE SCHEMA audit; CREATE TABLE audit.submissions AS SELECT 'S1' AS submission_id")
    con.close()
    with open_warehouse(env_settings, published=True) as wh:
        assert wh.scalar("SELECT submission_id FROM audit.submissions") == "S1"
