"""axe-core (WCAG 2.2 A/AA) on the portal's pages, in headless Chromium against uvicorn: no
serious or critical violation on the sign-in and security-code pages, a trust's submissions list,
upload form and an upload's findings, the network overview and the error page. Screenshots of
each page are kept in test-output/."""

from __future__ import annotations

import pyotp
import pytest

from ..ui.axe import assert_accessible
from ..ui.test_browser import OUTPUT, browser
from .conftest import PASSWORD, PERIOD, SECRETS, USERS, faulty_tables, submission_files

pytestmark = pytest.mark.slow


@pytest.fixture
def driver():
    d = browser()
    d.set_window_size(1400, 1100)
    yield d
    d.quit()


def test_portal_pages_have_no_serious_violations(served, driver, clock, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import Select, WebDriverWait

    wait = WebDriverWait(driver, 30)

    def check(name: str, url: str | None = None) -> None:
        assert_accessible(driver, url, screenshot=OUTPUT / f"a11y-portal-{name}.png")

    def sign_in(who: str) -> None:
        driver.get(f"{served}/login")
        check("sign-in")
        driver.find_element(By.ID, "email").send_keys(USERS[who][0])
        driver.find_element(By.ID, "password").send_keys(PASSWORD)
        driver.find_element(By.ID, "sign-in").click()
        wait.until(EC.presence_of_element_located((By.ID, "code")))
        check("security-code")
        driver.find_element(By.ID, "code").send_keys(pyotp.TOTP(SECRETS[USERS[who][0]]).at(clock.next_step()))
        driver.find_element(By.ID, "verify").click()
        wait.until(EC.presence_of_element_located((By.ID, "sign-out")))

    sign_in("rdr")
    check("submissions-empty", f"{served}/submissions")
    folder = tmp_path / "faulty"
    files = submission_files(folder, faulty_tables())
    driver.get(f"{served}/upload")
    check("upload-form")
    Select(driver.find_element(By.ID, "period")).select_by_value(PERIOD)
    driver.find_element(By.ID, "files").send_keys("\n".join(str(folder / n) for n in files))
    driver.find_element(By.ID, "upload").click()
    wait.until(EC.presence_of_element_located((By.ID, "status")))
    assert "accepted with warnings" in driver.page_source
    check("upload-findings")
    check("not-found", f"{served}/submissions/no-such-submission")
    assert "Page not found" in driver.page_source
    driver.find_element(By.ID, "sign-out").click()
    wait.until(EC.presence_of_element_located((By.ID, "sign-in")))
    sign_in("net")
    check("network", f"{served}/network")
