"""A trust's governance page (``reports/trusts/<ODS>.html``, written nightly by the pipeline)
through the portal: its own trust's users and the network team see it, another trust's users get
a 404 as for submissions, the signed-out are sent to sign in, odd codes are refused."""

from __future__ import annotations

import pytest

from spasticity_pipeline.portal.routes.governance import GOVERNANCE_CSP

PAGE = "<!doctype html><html lang='en'><title>{ods} governance</title><h1>{ods}: metrics and SPC</h1></html>"


@pytest.fixture
def pages(cfg):
    folder = cfg.settings.reports / "trusts"
    folder.mkdir(parents=True)
    for ods in ("RDR", "RXC"):
        (folder / f"{ods}.html").write_text(PAGE.format(ods=ods), encoding="utf-8")
    (cfg.settings.reports / "governance_report.html").write_text("network-wide report", encoding="utf-8")
    return folder


def test_a_trust_sees_its_own_page_and_not_anothers(pages, signed_in):
    rdr = signed_in("rdr")
    r = rdr.get("/governance/RDR")
    assert r.status_code == 200 and r.text == PAGE.format(ods="RDR")
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["content-security-policy"] == GOVERNANCE_CSP  # nothing in it may run or load
    other = rdr.get("/governance/RXC")
    assert other.status_code == 404 and "RXC" not in other.text
    assert 'href="/governance/RDR"' in rdr.get("/submissions").text  # in the trust's navigation


def test_the_network_team_sees_every_trust(pages, signed_in):
    net = signed_in("net")
    assert [net.get(f"/governance/{ods}").text for ods in ("RDR", "RXC")] == [
        PAGE.format(ods="RDR"),
        PAGE.format(ods="RXC"),
    ]


def test_signed_out_is_sent_to_sign_in(pages, anon):
    r = anon.get("/governance/RDR")
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/governance/RDR"


def test_not_yet_written_is_a_404_that_says_so(cfg, signed_in):
    r = signed_in("rdr").get("/governance/RDR")
    assert r.status_code == 404 and "not published yet" in r.text


@pytest.mark.parametrize(
    "path",
    [
        "/governance/..%2Fgovernance_report",
        "/governance/%2E%2E",
        "/governance/RDR.html",
        "/governance/rdr",
        "/governance/RDR%00",
        "/governance/R",
        "/governance/..%5Cgovernance_report",
    ],
)
def test_odd_codes_are_refused(pages, signed_in, path):
    r = signed_in("net").get(path)
    assert r.status_code == 404 and "network-wide report" not in r.text
