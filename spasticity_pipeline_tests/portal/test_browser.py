"""End to end in a real headless Chromium (Debian's) against the portal served by uvicorn: a trust
data manager signs in for the first time (password, then setting up an authenticator app from the
QR page's key, codes computed with pyotp), uploads a faulty extract, reads the findings, uploads
the corrected one, confirms it into the landing zone; another trust (signing in with a code)
sees none of it. Screenshots go to the test's tmp folder; those of the sign-in pages are kept in
test-output/ for people to look at."""

from __future__ import annotations

from pathlib import Path

import pyotp
import pytest

from spasticity_pipeline.portal.db import PortalDB
from spasticity_pipeline.portal.users import reset_user

from ..ui.test_browser import _keep, browser
from .conftest import PASSWORD, PERIOD, SECRETS, USERS, faulty_tables, submission_files


@pytest.fixture
def driver():
    d = browser()  # Debian's chromium and chromedriver, headless, with the browser console log
    d.set_window_size(1400, 1100)
    yield d
    d.quit()


def test_trust_uploads_fixes_and_submits(served, driver, cfg, tmp_path, monkeypatch, clock):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import Select, WebDriverWait

    wait = WebDriverWait(driver, 30)
    shots: list[Path] = []

    def shot(name: str) -> Path:
        path = tmp_path / f"portal-{len(shots) + 1:02d}-{name}.png"
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1400, min(max(height, 900), 4000))  # the whole page
        driver.save_screenshot(str(path))
        driver.set_window_size(1400, 1100)
        shots.append(path)
        print(f"screenshot: {path}")
        return path

    def password(who: str, password: str = PASSWORD) -> None:
        driver.get(f"{served}/login")
        driver.find_element(By.ID, "email").send_keys(USERS[who][0])
        driver.find_element(By.ID, "password").send_keys(password)
        driver.find_element(By.ID, "sign-in").click()
        wait.until(EC.presence_of_element_located((By.ID, "code")))

    def enter_code(code: str) -> None:
        field = driver.find_element(By.ID, "code")
        assert field.get_attribute("autocomplete") == "one-time-code"
        field.send_keys(code)
        driver.find_element(By.ID, "verify").click()

    def sign_in(who: str) -> None:
        password(who)
        assert "Enter your security code" in driver.page_source
        driver.get(f"{served}/submissions")  # no data before the code: back to the code page
        assert driver.find_elements(By.ID, "code") and not driver.find_elements(By.ID, "sign-out")
        enter_code(pyotp.TOTP(SECRETS[USERS[who][0]]).at(clock.next_step()))
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

    # RDR's data manager signs in for the first time after a reset by the network team: a new
    # password through the one-time link, then the authenticator app set up from the QR page
    token = reset_user(USERS["rdr"][0], db=PortalDB(cfg.db_path))
    new_password = "lemon tractor umbrella"
    driver.get(f"{served}/reset/{token}")
    driver.find_element(By.ID, "password").send_keys(new_password)
    driver.find_element(By.ID, "confirm").send_keys(new_password)
    shot("reset-password")
    driver.find_element(By.ID, "set-password").click()
    wait.until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Your new password is set"))
    password("rdr", new_password)
    assert "Set up your authenticator app" in driver.page_source
    qr = driver.find_element(By.CSS_SELECTOR, "#qr svg")
    assert qr.size["width"] >= 150 and qr.size["height"] >= 150  # big enough to scan
    key = driver.find_element(By.ID, "key").text.replace(" ", "")
    enrolment = shot("enrol-authenticator")
    enter_code(pyotp.TOTP(key).at(clock.next_step()))
    wait.until(EC.presence_of_element_located((By.ID, "recovery-codes")))
    assert len(driver.find_elements(By.CSS_SELECTOR, "#recovery-codes li")) == 10
    recovery = shot("recovery-codes")
    driver.find_element(By.ID, "continue").click()
    wait.until(EC.presence_of_element_located((By.ID, "sign-out")))
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
    from spasticity_pipeline.orchestrate import run_pipeline

    s = cfg.settings
    for key, value in {
        "SPASTICITY_HOME": str(s.home),
        "SPASTICITY_POSTCODE_LOOKUP": str(s.postcode_lookup),
        "SPASTICITY_PSEUDONYM_KEY": "test-key",
        "SPASTICITY_WAREHOUSE_URL": s.warehouse_url,
        "DAGSTER_HOME": str(s.dagster_home),
    }.items():
        monkeypatch.setenv(key, value)
    assert not run_pipeline(s).failed
    driver.get(f"{served}/submissions")
    row = driver.find_element(By.XPATH, f"//tr[contains(., '{sid}')]").text.lower()
    assert "accepted" in row and "awaiting processing" not in row, row
    shot("history-processed")
    severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert not severe, severe  # no script errors, nothing blocked by the content security policy

    driver.find_element(By.ID, "sign-out").click()
    wait.until(EC.presence_of_element_located((By.ID, "sign-in")))
    password("rxc")
    code_page = shot("security-code")
    enter_code(pyotp.TOTP(SECRETS[USERS["rxc"][0]]).at(clock.next_step()))
    wait.until(EC.presence_of_element_located((By.ID, "sign-out")))
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
    for kept in (enrolment, recovery, code_page):
        _keep(kept)
