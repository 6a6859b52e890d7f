"""Warnings W02–W05, evaluated only on rows that load (W01 is found when reading headers).

All four run as DuckDB SQL over the ``ld_*`` tables that ``rows.check_file`` leaves behind.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa

from ..config import Clinical
from .result import FINDINGS_SCHEMA


def _clinical_table(clinical: Clinical) -> pa.Table:
    """One row per (version, product): the dose limits and re-injection interval in force
    from ``valid_from`` until the next version."""
    versions = sorted(clinical.versions, key=lambda v: v.effective_from)
    rows: dict[str, list] = {k: [] for k in ("valid_from", "valid_to", "product", "upper", "lower", "both", "min_days")}
    for i, v in enumerate(versions):
        valid_to = versions[i + 1].effective_from if i + 1 < len(versions) else dt.date(9999, 12, 31)
        # the first version also covers anything earlier (clinical.version_at does the same)
        valid_from = dt.date(1, 1, 1) if i == 0 else v.effective_from
        for product, lim in v.dose_limits.items():
            for key, value in (
                ("valid_from", valid_from),
                ("valid_to", valid_to),
                ("product", product),
                ("upper", lim.upper),
                ("lower", lim.lower),
                ("both", lim.both),
                ("min_days", v.min_reinjection_days),
            ):
                rows[key].append(value)
    return pa.table(rows)


def check_warnings(
    con: duckdb.DuckDBPyConnection,
    clinical: Clinical,
    postcode_lookup: pa.Table,
    history: pa.Table,
    period: str,
) -> pa.Table:
    """W02–W05 findings for the loaded rows of one submission."""
    con.register("__clinical", _clinical_table(clinical))
    con.register("__lookup", postcode_lookup.select(["postcode"]))
    con.register("__history", history)
    findings = con.sql(f"""
        SELECT 'patients.csv' AS file, row_number, 'nhs_number' AS field, 'W02' AS rule_id, 'W' AS severity,
               'the NHS number is in the test range (starting 999)' AS message
        FROM ld_patients WHERE nhs_number LIKE '999%'
        UNION ALL
        SELECT 'patients.csv', row_number, 'postcode', 'W03', 'W',
               'the postcode is not in the postcode lookup, so deprivation is unknown'
        FROM ld_patients p WHERE NOT EXISTS (SELECT 1 FROM __lookup l WHERE l.postcode = p.postcode)
        UNION ALL
        SELECT 'injections.csv', i.row_number, 'units', 'W04', 'W',
               'the session is above the licensed maximum: ' || o.detail
        FROM ld_injections i JOIN (
            SELECT s.contact_id,
                   string_agg(s.product || ' ' || s.total || ' units (' || s.limbs || ' limb, maximum ' ||
                              CASE s.limbs WHEN 'upper' THEN l.upper WHEN 'lower' THEN l.lower ELSE l.both END
                              || ')', '; ' ORDER BY s.product) AS detail
            FROM (SELECT i.contact_id, i.product, sum(i.units) AS total, any_value(c.contact_date) AS contact_date,
                         CASE WHEN count(DISTINCT i.limb) > 1 THEN 'both' ELSE any_value(i.limb) END AS limbs
                  FROM ld_injections i JOIN ld_contacts c USING (contact_id)
                  GROUP BY i.contact_id, i.product) s
            JOIN __clinical l ON l.product = s.product
                 AND s.contact_date >= l.valid_from AND s.contact_date < l.valid_to
            WHERE s.total > CASE s.limbs WHEN 'upper' THEN l.upper WHEN 'lower' THEN l.lower ELSE l.both END
            GROUP BY s.contact_id
        ) o ON o.contact_id = i.contact_id
        UNION ALL
        SELECT 'contacts.csv', w.row_number, 'contact_date', 'W05', 'W',
               're-injection ' || w.gap || ' days after the patient''s previous injection at this trust '
               || '(minimum ' || w.min_days || ')'
        FROM (
            WITH current_contacts AS (
                SELECT contact_id, period, patient_token, contact_date, contact_type, attendance FROM __history
                UNION ALL
                SELECT contact_id, '{period}', patient_token, contact_date, contact_type, attendance FROM ld_contacts
            ), latest AS (
                SELECT * FROM current_contacts
                QUALIFY row_number() OVER (PARTITION BY contact_id ORDER BY period DESC) = 1
            ), dates AS (
                SELECT DISTINCT patient_token, contact_date FROM latest
                WHERE contact_type = 'injection' AND attendance = 'attended' AND patient_token IS NOT NULL
            ), previous AS (
                SELECT patient_token, contact_date,
                       lag(contact_date) OVER (PARTITION BY patient_token ORDER BY contact_date) AS previous_date
                FROM dates
            )
            SELECT c.row_number, c.contact_date - p.previous_date AS gap, l.min_days
            FROM ld_contacts c
            JOIN previous p USING (patient_token, contact_date)
            JOIN (SELECT DISTINCT valid_from, valid_to, min_days FROM __clinical) l
                 ON c.contact_date >= l.valid_from AND c.contact_date < l.valid_to
            WHERE c.contact_type = 'injection' AND c.attendance = 'attended'
              AND c.contact_date - p.previous_date < l.min_days
        ) w
        ORDER BY 1, 2, 4
    """).to_arrow_table()
    for name in ("__clinical", "__lookup", "__history"):
        con.unregister(name)
    return findings.cast(FINDINGS_SCHEMA)
