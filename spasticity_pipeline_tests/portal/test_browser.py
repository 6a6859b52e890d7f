"""End to end in a real headless Chromium (Debian's) against the portal served by uvicorn: a trust
data manager uploads a faulty extract, reads the findings, uploads the corrected one, confirms it
into the landing zone; another trust sees none of it. Screenshots go to the test's tmp folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..ui.test_browser import browser
from .conftest import PASSWORD, PERIOD, USERS, faulty_tables, submission_files


@pytest.fixture
def driver():
    d = browser()  # Debian's chromium and chromedriver, headless, with the browser console log
    d.set_window_size(1400, 1100)
    yield d
    d.quit()


def test_trust_uploads_fixes_and_submits(served, driver, cfg, tmp_path, monkeypatch):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import Select, WebDriverWait

    wait = WebDriverWait(driver, 30)
    shots: list[Path] = []

    def shot(name: str) -> None:
        path = tmp_path / f"portal-{len(shots) + 1:02d}-{name}.png"
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1400, min(max(height, 900), 4000))  # the whole page
        driver.save_screenshot(str(path))
        driver.set_window_size(1400, 1100)
        shots.append(path)
        print(f"screenshot: {path}")

    def sign_in(who: str) -> None:
        driver.get(f"{served}/login")
        driver.find_element(By.ID, "email").send_keys(USERS[who][0])
        driver.find_element(By.ID, "password").send_keys(PASSWORD)
        driver.find_element(By.ID, "sign-in").click()
        wait.until(EC.presence_of_element_located((By.ID, "sign-out")))

    def upload(folder: Path, tables=None, screenshot: str | None = None) -> None:
        files = submission_files(folder, tables)
        driver.get(f"{served}/upload")
        Select(driver.find_element(By.ID, "period")).select_by_value(PERIOD)
        driver.find_element(By.ID, "files").send_keys("\n".join(str(folder / n) for n in files))
        if screenshot:
            shot(screenshot)
        driver.find_element(By.ID, "upload").click()
        wait.until(EC.presence_of_element_located((By.ID, "status")))  # the check finished; page reloaded

    sign_in("rdr")
    shot("signed-in")

    upload(tmp_path / "faulty", faulty_tables(), screenshot="upload-form")
    page = driver.page_source
    assert "accepted with warnings" in page
    rows = [r.text for r in driver.find_elements(By.CSS_SELECTOR, "table.portal-findings tbody tr")]
    r04 = next(r for r in rows if "R04" in r)
    assert "patients.csv" in r04 and "nhs_number" in r04 and "Correct the patient's NHS number" in r04
    assert any("R07" in r for r in rows)
    shot("findings")
    faulty_url = driver.current_url

    upload(tmp_path / "fixed")
    assert driver.find_element(By.ID, "status").text.strip().lower() == "accepted"
    assert "No problems found" in driver.page_source
    shot("accepted")
    driver.find_element(By.ID, "confirm").click()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".nhsuk-panel")))
    shot("submitted")
    landed = list((cfg.settings.landing / "RDR" / PERIOD).iterdir())
    assert len(landed) == 1 and (landed[0] / "manifest.json").is_file()
    sid = landed[0].name
    assert sid in driver.page_source

    driver.get(f"{served}/submissions")
    assert sid in driver.page_source and "awaiting processing" in driver.page_source
    shot("history")

    # the pipeline picks it up, through the same Dagster jobs the sensor and the nightly schedule run
    from spasticity_pipeline.cli import run_pipeline

    s = cfg.settings
    for key, value in {
        "SPASTICITY_HOME": str(s.home),
        "SPASTICITY_POSTCODE_LOOKUP": str(s.postcode_lookup),
        "SPASTICITY_PSEUDONYM_KEY": "test-key",
        "SPASTICITY_WAREHOUSE_URL": s.warehouse_url,
        "DAGSTER_HOME": str(s.dagster_home),
    }.items():
        monkeypatch.setenv(key, value)
    run_pipeline(s)
    driver.get(f"{served}/submissions")
    row = driver.find_element(By.XPATH, f"//tr[contains(., '{sid}')]").text.lower()
    assert "accepted" in row and "awaiting processing" not in row, row
    shot("history-processed")
    severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert not severe, severe  # no script errors, nothing blocked by the content security policy

    driver.find_element(By.ID, "sign-out").click()
    wait.until(EC.presence_of_element_located((By.ID, "sign-in")))
    sign_in("rxc")
    driver.get(f"{served}/submissions")
    assert sid not in driver.page_source and "No submissions yet" in driver.page_source
    shot("other-trust-history")
    for url in (faulty_url, f"{served}/submissions/{sid}", f"{served}/submissions/{sid}/feedback.html"):
        driver.get(url)
        assert "Page not found" in driver.page_source, url
    shot("other-trust-404")

    driver.find_element(By.ID, "sign-out").click()
    wait.until(EC.presence_of_element_located((By.ID, "sign-in")))
    sign_in("net")
    driver.get(f"{served}/network")
    row = driver.find_element(By.CSS_SELECTOR, 'tr[data-trust="RXC"]').text
    assert "late" in row
    shot("network-overview")
    assert all(p.stat().st_size > 0 for p in shots)
