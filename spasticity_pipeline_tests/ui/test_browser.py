"""What people see, in a real headless Chromium (Debian's): the Dagster UI after a pipeline run
(asset graph, runs via GraphQL) and the governance report (no console errors). Screenshots are
kept under test-output/ (and the test's tmp dir) for people to look at."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from spasticity_pipeline import landing

from ..conftest import make_settings
from ..validate.conftest import BASE, write_submission

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output"
CHROME_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--window-size=1600,1000",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for a in CHROME_ARGS:
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)


def _keep(shot: Path) -> Path:
    OUTPUT.mkdir(exist_ok=True)
    kept = OUTPUT / shot.name
    shutil.copy(shot, kept)
    print(f"screenshot: {kept}")
    return kept


@pytest.fixture(scope="module")
def pipeline_home(tmp_path_factory):
    """A home where one faulty and one clean submission went through `spasticity run`."""
    tmp = tmp_path_factory.mktemp("ui")
    settings = make_settings(tmp / "home")
    env = {
        "SPASTICITY_HOME": str(settings.home),
        "SPASTICITY_POSTCODE_LOOKUP": str(settings.postcode_lookup),
        "SPASTICITY_PSEUDONYM_KEY": "test-key",
        "DAGSTER_HOME": str(settings.dagster_home),
        "SPASTICITY_WAREHOUSE_URL": settings.warehouse_url,
    }
    from spasticity_pipeline.defs.warehouse.dbt import environment
    from spasticity_pipeline.orchestrate import run_pipeline

    with environment(env):
        faulty = {k: [dict(r) for r in v] for k, v in BASE.items()}
        faulty["patients.csv"][1]["sex"] = "M"
        for i, (name, tables, trust) in enumerate([("a", faulty, "RDR"), ("b", BASE, "RXC")]):
            folder = write_submission(tmp / name, tables, trust=trust)
            landing.submit(folder, settings, trust, "2026-09", dt.datetime(2026, 10, 3, 9 + i, tzinfo=dt.UTC))
        assert not run_pipeline(settings).failed
        yield settings, env


@pytest.fixture(scope="module")
def webserver(pipeline_home):
    """``dagster dev`` (webserver and daemon, so the sensor and schedule run) on a free port."""
    settings, env = pipeline_home
    port = _free_port()
    log = open(settings.home / "dagster-dev.log", "w")  # noqa: SIM115 (open while the server runs)
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "dagster"),
            "dev",
            "-w",
            str(ROOT / "workspace.yaml"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        cwd=ROOT,
        env={
            **os.environ,
            **env,
            "SPASTICITY_SENSOR_INTERVAL": "3",
            "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        },
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(f"{url}/server_info", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            raise RuntimeError((settings.home / "dagster-dev.log").read_text()[-3000:])
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def _graphql(url: str, query: str) -> dict:
    req = urllib.request.Request(
        f"{url}/graphql", data=json.dumps({"query": query}).encode(), headers={"content-type": "application/json"}
    )
    return json.loads(urllib.request.urlopen(req, timeout=30).read())["data"]


def test_graphql_shows_every_stage_and_the_finished_runs(webserver):
    nodes = _graphql(webserver, "{ assetNodes { assetKey { path } groupName isPartitioned } }")["assetNodes"]
    groups = {"/".join(n["assetKey"]["path"]): n["groupName"] for n in nodes}
    assert groups["loaded_submissions"] == "ingest"
    assert groups["staging/stg_patients"] == groups["core/fct_contact"] == "warehouse"
    assert groups["marts/governance_metrics"] == "metrics"
    assert groups["governance_report"] == groups["public_export"] == "reporting"
    assert [n["isPartitioned"] for n in nodes if n["assetKey"]["path"] == ["loaded_submissions"]] == [True]
    runs = _graphql(webserver, "{ runsOrError { ... on Runs { results { jobName status tags { key value } } } } }")
    results = runs["runsOrError"]["results"]
    assert {(r["jobName"], r["status"]) for r in results} == {
        ("ingest_submission", "SUCCESS"),
        ("nightly_build", "SUCCESS"),
    }
    partitions = sorted(t["value"] for r in results for t in r["tags"] if t["key"] == "dagster/partition")
    assert partitions == ["2026-09|RDR", "2026-09|RXC"]


def test_chromium_renders_the_asset_graph(webserver, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver = browser()
    try:
        driver.get(f"{webserver}/asset-groups")
        wait = WebDriverWait(driver, 60)
        for skip in driver.find_elements(By.XPATH, "//button[normalize-space()='Skip']"):
            skip.click()
        wait.until(ec.presence_of_element_located((By.XPATH, "//*[contains(text(), 'ingest')]")))
        text = driver.find_element(By.TAG_NAME, "body").text
        assert {"ingest", "warehouse", "metrics", "reporting"} <= set(text.split())
        shot = tmp_path / "dagster_asset_graph.png"
        time.sleep(2)  # let the graph lay itself out
        for skip in driver.find_elements(By.XPATH, "//button[normalize-space()='Skip']"):
            skip.click()
        driver.save_screenshot(str(shot))
        assert shot.stat().st_size > 10_000
        _keep(shot)
    finally:
        driver.quit()


def test_governance_report_opens_without_console_errors(pipeline_home, tmp_path):
    settings, _ = pipeline_home
    report = settings.reports / "governance_report.html"
    assert report.exists() and "https://" not in report.read_text().split("<body", 1)[0]  # nothing from a CDN
    driver = browser()
    try:
        driver.get(report.as_uri())
        assert "Governance" in driver.title or "governance" in driver.page_source.lower()
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == []
        images = driver.execute_script("return Array.from(document.images).map(i => i.complete && i.naturalWidth > 0)")
        assert images and all(images)  # every embedded chart decodes
        shot = tmp_path / "governance_report.png"
        driver.save_screenshot(str(shot))
        _keep(shot)
    finally:
        driver.quit()
    exports = sorted(p.name for p in (settings.home / "exports").iterdir())
    assert "governance_metrics.csv" in exports


def test_sensor_launches_exactly_one_run_for_a_new_upload(pipeline_home, webserver, tmp_path):
    """Drop a new submission into the landing zone while ``dagster dev`` runs: the sensor
    launches one run of its partition, and only one, however many times it ticks."""
    settings, _ = pipeline_home
    folder = write_submission(tmp_path / "new", BASE, trust="RTP", period="2026-10")
    sub = landing.submit(folder, settings, "RTP", "2026-10")
    query = (
        '{ runsOrError(filter: {tags: [{key: "dagster/partition", value: "2026-10|RTP"}]}) '
        "{ ... on Runs { results { status tags { key value } } } } }"
    )
    deadline = time.time() + 240
    runs = []
    while time.time() < deadline:
        runs = _graphql(webserver, query)["runsOrError"]["results"]
        if runs and runs[0]["status"] in ("SUCCESS", "FAILURE", "CANCELED"):
            break
        time.sleep(2)
    assert [r["status"] for r in runs] == ["SUCCESS"], (settings.home / "dagster-dev.log").read_text()[-2000:]
    assert {"key": "dagster/run_key", "value": sub.submission_id} in runs[0]["tags"]
    time.sleep(10)  # several more sensor ticks (every 3 s here)
    assert len(_graphql(webserver, query)["runsOrError"]["results"]) == 1
    assert landing.is_marked_processed(sub)
