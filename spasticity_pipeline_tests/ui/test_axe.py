"""The axe-core harness itself: on a hand-written page with known faults it names each rule,
its impact and the element; on the same page put right it finds nothing."""

from __future__ import annotations

import pytest

from .axe import SERIOUS, assert_accessible, axe_violations
from .test_browser import browser

PIXEL = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
FAULTY = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Faulty</title></head>
<body><main><h1>Waiting times</h1>
<p id="faint" style="color:#bbbbbb;background:#ffffff">Seen within 18 weeks</p>
<img id="chart" src="{PIXEL}" width="40" height="40">
<input type="text" id="trust">
</main></body></html>"""
FIXED = (
    FAULTY.replace("#bbbbbb", "#4c6272")
    .replace('id="chart"', 'id="chart" alt="Chart of waiting times"')
    .replace('<input type="text" id="trust">', '<label for="trust">Trust</label><input type="text" id="trust">')
)


@pytest.fixture(scope="module")
def driver():
    d = browser()
    yield d
    d.quit()


def test_names_each_broken_rule_with_its_element(driver, tmp_path):
    page = tmp_path / "faulty.html"
    page.write_text(FAULTY, encoding="utf-8")
    found = {v.rule: v for v in axe_violations(driver, page)}
    assert set(found) == {"color-contrast", "image-alt", "label"}
    assert found["color-contrast"].impact == "serious" and found["color-contrast"].targets == ("#faint",)
    assert found["image-alt"].impact == "critical" and found["image-alt"].targets == ("#chart",)
    assert found["label"].targets == ("#trust",)
    with pytest.raises(AssertionError, match=r"color-contrast \[serious\].*#faint"):
        assert_accessible(driver)  # the page already open
    assert all(v.impact in SERIOUS for v in found.values())


def test_finds_nothing_once_the_page_is_put_right(driver, tmp_path):
    page = tmp_path / "fixed.html"
    page.write_text(FIXED, encoding="utf-8")
    shot = tmp_path / "fixed.png"
    assert_accessible(driver, page, screenshot=shot)
    assert shot.stat().st_size > 1000
    assert axe_violations(driver, impacts=("minor", "moderate", "serious", "critical")) == []
