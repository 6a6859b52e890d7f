"""axe-core (WCAG 2.2 A/AA) on the pages the pipeline writes for people outside the warehouse: a
trust's feedback page (with findings of both severities) and the public export page. No serious
or critical violation; screenshots kept in test-output/."""

from __future__ import annotations

import pandas as pd
import pytest

from spasticity_pipeline.reporting.export import write_export
from spasticity_pipeline.reporting.feedback import write_feedback

from ..reporting.test_export_and_feedback import FINDINGS, PROFILE, SUBMISSION
from .axe import assert_accessible
from .test_browser import OUTPUT, browser


@pytest.fixture(scope="module")
def driver():
    d = browser()
    yield d
    d.quit()


def test_feedback_page_is_accessible(driver, tmp_path):
    html, _ = write_feedback(SUBMISSION, FINDINGS, tmp_path)
    assert_accessible(driver, html, screenshot=OUTPUT / "a11y-feedback.png")
    assert "8 of 10 rows loaded" in driver.page_source


def test_public_export_page_is_accessible(driver, tmp_path):
    metrics = pd.DataFrame(
        {
            "metric_id": ["M01", "M01"],
            "org_code": ["RDR", "REGION"],
            "period": ["2026-09"] * 2,
            "numerator": [5, 40],
            "denominator": [9, 52],
        }
    )
    write_export(metrics, PROFILE, tmp_path)
    assert_accessible(driver, tmp_path / "public_export.html", screenshot=OUTPUT / "a11y-public-export.png")
    assert "published figures" in driver.title
