"""marts.governance_metrics on the fixture network (fixtures.py), every number worked out by hand.

Each expected (numerator, denominator) lists its units; see fixtures.py for the rows. Dates are
2026 unless written otherwise. "c" is an attended injection contact's date.
"""

from __future__ import annotations

import pytest

# (metric, org, period) → (numerator, denominator)
RDR = {
    # M01: RA1 received 2025-12-01, first assessment 04-06 = 126 days (in); RA2 04-07 = 127 (out)
    ("M01", "2026-04"): (1, 2),
    # M02: RB1 received Thu 04-02, triage 04-20: Good Friday 04-03 and Easter Monday 04-06 are bank
    # holidays, so (04-02, 04-20] holds 10 working days (in); RB2 triage 04-21 = 11 (out); RB3
    # triaged the day it arrived = 0 (in)
    ("M02", "2026-04"): (2, 3),
    # M03 by received month: RI1 Y, RI2 Y
    ("M03", "2025-10"): (2, 2),
    # RA1 Y, RA2 N
    ("M03", "2025-12"): (1, 2),
    # R_SUP Y (S2's resubmitted version, not S1's N), R_LATE Y (April's version, not March's N),
    # R_Q N (quarantined in April: March's version stays), RI5 Y, RP1 Y; R_WD was withdrawn
    ("M03", "2026-02"): (4, 5),
    # RI3 Y, RI4 Y
    ("M03", "2026-03"): (2, 2),
    # RB1 Y, RB2 Y, RB3 N
    ("M03", "2026-04"): (2, 3),
    # M04: attended assessments CA1 (consultant + physio) in, CA2 (no physio) out; CA3 was a DNA
    ("M04", "2026-04"): (1, 2),
    # attended injection contacts: I3 (2025-11-03), I1 (01-15), I4 (01-25), I9 (03-05), I5 (03-16),
    # I8 (04-02), I2 (04-09), I7 (04-20); I6 (04-14) was a DNA
    # M05: goal set on or before c — I3: G3 set that day; I1: G1; I4: G3, G4; I5: G5, G6, G9;
    # I9: none; I8: G8 (03-25); I2: G1, G2; I7: G5, G6, G9
    ("M05", "2025-11"): (1, 1),
    ("M05", "2026-01"): (2, 2),
    ("M05", "2026-03"): (1, 2),
    ("M05", "2026-04"): (3, 3),
    # M06: exactly one primary goal set on or before c — I3: G3 (1, in); I1: G1 (1, in);
    # I4: G3 (1, in); I5, I9: none; I8: G7 is primary but set 04-03, after c (0); I2: G1 and G2 (2, out);
    # I7: none
    ("M06", "2025-11"): (1, 1),
    ("M06", "2026-01"): (2, 2),
    ("M06", "2026-03"): (0, 2),
    ("M06", "2026-04"): (0, 3),
    # M07: baseline measure on or before c — I3: MB2 is the next day (out); I1: MB1 the same day (in);
    # I4: MB2/MB5/MB6 (in); I5, I9: none; I8: MB4 04-01 (in); I2: MB1 (in); I7: none
    ("M07", "2025-11"): (0, 1),
    ("M07", "2026-01"): (2, 2),
    ("M07", "2026-03"): (0, 2),
    ("M07", "2026-04"): (2, 3),
    # M08: a goal set on or before c with its outcome in [c + 28, c + 140] —
    # I3: G3 outcome 2026-03-23 = c + 140 (in); I1: G1 02-12 = c + 28 (in); I4: G3 03-23 in
    # [02-22, 06-14] (in); I5: G5/G6/G9 04-12 = c + 27 (out); I9: no goals; I8: G8 set before but
    # outcome 04-10 = c + 8, G7 outcome 04-30 = c + 28 but set after c — no single goal meets both
    # (out); I2: G1's outcome is before c, G2 has none (out); I7: out
    ("M08", "2025-11"): (1, 1),
    ("M08", "2026-01"): (2, 2),
    ("M08", "2026-03"): (0, 2),
    ("M08", "2026-04"): (0, 3),
    # M09 (contacts with injection rows; I5 has none): I3 dysport upper 600 + lower 700 = 1300 ≤ 1500
    # both-limbs (in); I1 botox 350 ≤ 400 (in); I4 botox 400 ≤ 400 but xeomin 501 > 500 (out);
    # I9 botox 300 (in); I8 dysport lower-only 1500 ≤ 1500 (in); I2 dysport upper-only 1100 > 1000
    # (out); I7 xeomin 500 (in). I6's 500 botox units do not count: not attended
    ("M09", "2025-11"): (1, 1),
    ("M09", "2026-01"): (1, 2),
    ("M09", "2026-03"): (1, 1),
    ("M09", "2026-04"): (2, 3),
    # M10: I4 83 days after I3 (out); I2 84 days after I1 (in; RYR's contact for tokA on 03-01 is
    # another trust's); I7 35 days after I5 (out; the DNA I6 is not a previous injection)
    ("M10", "2026-01"): (0, 1),
    ("M10", "2026-04"): (1, 2),
    # M11: I9 has E3; I2 has E1 and E2 (counted once)
    ("M11", "2025-11"): (0, 1),
    ("M11", "2026-01"): (0, 2),
    ("M11", "2026-03"): (1, 2),
    ("M11", "2026-04"): (1, 3),
    # M12 (referral, outcome month): RI2 2025-12 G4 +2 → 70 (in); RI1 02 G1 0 (weight 4) → 50 (in,
    # T ≥ 50); RI2 03 G3 −1 → 40 (out); RI3 04 three goals −1 → 36.3 (out); RI4 04 G7 +1 (w 3),
    # G8 0 (w 2) → 57.4 (in)
    ("M12", "2025-12"): (1, 1),
    ("M12", "2026-02"): (1, 1),
    ("M12", "2026-03"): (0, 1),
    ("M12", "2026-04"): (1, 2),
    # M13 primary goals scored, by outcome date: G1 0 (in), G3 −1 (out), G7 +1 (in); G2 unscored
    ("M13", "2026-02"): (1, 1),
    ("M13", "2026-03"): (0, 1),
    ("M13", "2026-04"): (1, 1),
    # M14: MR3 01-15 latest baseline MB5 = 8, review 7 > 6 (out); MR1 02-20 baseline MB1 = 4
    # (exactly 4 is in the denominator), review 2 ≤ 2 (in); MR2's latest baseline MB6 = 3 < 4 (not
    # counted); MR4 03-02 two baselines that day 3 and 5 → 5, review 3 ≤ 3 (in); MR5 has no baseline;
    # MR6 is MAS
    ("M14", "2026-01"): (0, 1),
    ("M14", "2026-02"): (1, 1),
    ("M14", "2026-03"): (1, 1),
    # M15: X5 Y; X1 Y, X2 U, X4 N (X3 empty: not counted)
    ("M15", "2026-03"): (1, 1),
    ("M15", "2026-04"): (1, 3),
    # M16: X5 5; X1 1, X2 2, X4 3 (X3 6 = don't know: not counted)
    ("M16", "2026-03"): (0, 1),
    ("M16", "2026-04"): (2, 3),
    # M17 attended or DNA, every type: I3; I1, I4; I9, I5, CT1 (DNA telephone); CA1, CA2, CA3 (DNA),
    # I8, I2, I6 (DNA), I7 — CA4 (patient cancelled) not counted
    ("M17", "2025-11"): (0, 1),
    ("M17", "2026-01"): (0, 2),
    ("M17", "2026-03"): (1, 3),
    ("M17", "2026-04"): (2, 7),
}
RWF = {
    ("M01", "2026-04"): (1, 1),  # WR1 30 days
    ("M02", "2026-03"): (1, 1),  # WR1 received Mon 03-02, triaged 03-03: 1 working day
    # W_JUNE: April's Y beats the March resubmission's N received later; W_X: W3's N replaces W1's
    # Y; W_WD withdrawn by W3
    ("M03", "2026-02"): (1, 2),
    ("M03", "2026-03"): (1, 1),  # WR1
    ("M04", "2026-04"): (1, 1),  # WC1
    ("M05", "2026-04"): (0, 1),  # WC2 has no goals, no measures, one botox row of 100 units
    ("M06", "2026-04"): (0, 1),
    ("M07", "2026-04"): (0, 1),
    ("M08", "2026-04"): (0, 1),
    ("M09", "2026-04"): (1, 1),
    ("M11", "2026-04"): (0, 1),
    ("M17", "2026-04"): (0, 2),  # WC1, WC2
}
RYR = {
    ("M03", "2026-02"): (1, 1),  # Y1R
    ("M05", "2026-03"): (0, 1),  # YI1: no goals, measures, injection rows (so no M09) or events
    ("M06", "2026-03"): (0, 1),
    ("M07", "2026-03"): (0, 1),
    ("M08", "2026-03"): (0, 1),
    ("M11", "2026-03"): (0, 1),
    ("M17", "2026-03"): (0, 1),
}
TRUSTS = {"RDR": RDR, "RWF": RWF, "RYR": RYR}


def expected() -> dict[tuple[str, str, str], tuple[int, int]]:
    out = {(m, org, p): v for org, rows in TRUSTS.items() for (m, p), v in rows.items()}
    region: dict[tuple[str, str], tuple[int, int]] = {}
    for (m, p), (n, d) in ((k[0::2], v) for k, v in out.items()):
        rn, rd = region.get((m, p), (0, 0))
        region[(m, p)] = (rn + n, rd + d)
    out.update({(m, "REGION", p): v for (m, p), v in region.items()})
    return out


def metrics(wh) -> dict[tuple[str, str, str], tuple[int, int]]:
    return {
        (r["metric_id"], r["org_code"], r["period"]): (r["numerator"], r["denominator"])
        for r in wh.rows("SELECT metric_id, org_code, period, numerator, denominator FROM marts.governance_metrics")
    }


def test_dbt_build_passes_every_test(wh):
    from .conftest import failures

    assert wh.build.success, failures(wh.build)
    assert not failures(wh.build)
    # seeds, models and tests all ran
    kinds = {r.node.resource_type for r in wh.build.result}
    assert {"seed", "model", "test"} <= {str(k) for k in kinds}


def test_every_metric_as_worked_out_by_hand(wh):
    got, want = metrics(wh), expected()
    missing = {k: v for k, v in want.items() if k not in got}
    extra = {k: v for k, v in got.items() if k not in want}
    wrong = {k: (got[k], v) for k, v in want.items() if k in got and got[k] != v}
    assert not missing and not extra and not wrong, {"missing": missing, "extra": extra, "wrong (got, want)": wrong}
    assert {k[0] for k in got} == {f"M{i:02d}" for i in range(1, 18)}


@pytest.mark.parametrize("metric", [f"M{i:02d}" for i in range(1, 18)])
def test_metric(wh, metric):
    """One test per metric, so a regression names the metric."""
    got = {k: v for k, v in metrics(wh).items() if k[0] == metric}
    assert got == {k: v for k, v in expected().items() if k[0] == metric}


def test_value_is_the_quotient_and_period_is_text(wh):
    for r in wh.rows("SELECT numerator, denominator, value, period FROM marts.governance_metrics"):
        assert r["denominator"] > 0
        assert r["value"] == pytest.approx(r["numerator"] / r["denominator"], abs=1e-12)
        assert isinstance(r["period"], str) and len(r["period"]) == 7 and r["period"][4] == "-"


def test_region_is_the_sum_of_trusts(wh):
    got = metrics(wh)
    sums: dict[tuple[str, str], list[int]] = {}
    for (m, org, p), (n, d) in got.items():
        if org != "REGION":
            s = sums.setdefault((m, p), [0, 0])
            s[0] += n
            s[1] += d
    assert {(m, p): (n, d) for (m, org, p), (n, d) in got.items() if org == "REGION"} == {
        k: tuple(v) for k, v in sums.items()
    }
    # by hand, two of them: M03 2026-02 = RDR 4/5 + RWF 1/2 + RYR 1/1; M17 2026-04 = RDR 2/7 + RWF 0/2
    assert got[("M03", "REGION", "2026-02")] == (6, 8)
    assert got[("M17", "REGION", "2026-04")] == (2, 9)


def test_metric_units_explain_the_numbers(wh):
    rows = wh.rows(
        "SELECT metric_id, org_code, unit_id, in_numerator FROM marts.governance_metric_units "
        "WHERE org_code = 'RDR' AND metric_id IN ('M01', 'M02', 'M10')"
    )
    assert {(r["metric_id"], r["unit_id"], r["in_numerator"]) for r in rows} == {
        ("M01", "RA1", 1),
        ("M01", "RA2", 0),
        ("M02", "RB1", 1),
        ("M02", "RB2", 0),
        ("M02", "RB3", 1),
        ("M10", "I2", 1),
        ("M10", "I4", 0),
        ("M10", "I7", 0),
    }
