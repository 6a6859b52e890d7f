"""What each column of the loader's tables holds: the descriptions dbt's ``sources.yml`` is
written from (``make generate``; ``spasticity_pipeline/dbt_copies.py``). A column the loader writes
without a description here stops the generator, so the analysts' documentation cannot fall behind."""

from __future__ import annotations

#: the raw tables (one per regional-v1 file), by table name
RAW_TABLES = {
    "patients": "Patients of every accepted submission, pseudonymised: no NHS number, postcode or birth date.",
    "referrals": "Referrals of every accepted submission, with the patient's token and age at referral.",
    "contacts": "Contacts (clinic attendances) of every accepted submission, with the patient's token.",
    "injections": "Injections, one row per muscle injected, of every accepted submission.",
    "adverse_events": "Adverse events after injection contacts, of every accepted submission.",
    "goals": "Goal Attainment Scaling goals of every accepted submission.",
    "outcome_measures": "Outcome measures of every accepted submission (value_numeric puts MAS 1+ at 1.5).",
    "experience": "Patient experience responses of every accepted submission.",
}

#: every column of the raw tables, by name (a name means the same in every table)
RAW_COLUMNS = {
    "submission_id": "The submission the row was loaded from (audit.submissions).",
    "trust_ods_code": "The submitting trust's ODS code (never the site).",
    "period": "The submission's period, YYYY-MM.",
    "local_patient_id": "The trust's own patient id; meaningful only inside that trust.",
    "patient_token": "HMAC-SHA256 pseudonym of the NHS number: the same person has the same token at every trust.",
    "sex": "NHS person stated gender code: 1 male, 2 female, 9 indeterminate, X not known.",
    "ethnic_category": "NHS ethnic category code (A–S, Z, 99).",
    "primary_condition": (
        "stroke, multiple_sclerosis, cerebral_palsy, acquired_brain_injury, spinal_cord_injury, other_neurological."
    ),
    "condition_onset_date": "Date of onset of the condition (optional).",
    "communication_preference": "letter, email, text, telephone, none_stated (optional).",
    "birth_year_month": "Year and month of birth, YYYY-MM (the birth date itself is never stored).",
    "postcode_outward": "Outward code of the postcode (TN1); the full postcode is dropped.",
    "lsoa_code": "LSOA of the postcode (null when the postcode is not in the lookup, W03).",
    "imd_decile": "Index of Multiple Deprivation decile of the LSOA, 1 = most deprived (null when unknown).",
    "row_number": "The row's number in the file as the trust sent it (1 = first data row).",
    "referral_id": "The trust's referral id (unique within the trust).",
    "referral_received_date": "Date the referral was received.",
    "referral_source": (
        "gp, acute_stroke_unit, neurorehabilitation, community_neuro_team, hospital_consultant, therapist, self, other."
    ),
    "standard_route": "Y when the referral came through the network's standard referral route.",
    "priority": "urgent or routine.",
    "triage_date": "Date of triage (optional; M02).",
    "first_assessment_date": "Date of the first assessment (optional; M01).",
    "site_ods_code": "Site (hub or spoke) that holds the referral or ran the contact; not the org_code of metrics.",
    "discharge_date": "Date of discharge (optional).",
    "age_at_referral": "Age in whole years on the referral date.",
    "contact_id": "The trust's contact id (unique within the trust).",
    "contact_date": "Date of the contact.",
    "contact_type": "assessment, injection, review, therapy, telephone, video.",
    "attendance": "attended, dna, patient_cancelled, provider_cancelled.",
    "consultant_present": "Y when a consultant was present.",
    "physio_present": "Y when a specialist physiotherapist was present.",
    "injection_id": "The trust's id of one muscle injected.",
    "product": "botox, dysport or xeomin (units are not interchangeable).",
    "limb": "upper or lower.",
    "side": "L or R.",
    "muscle": "Muscle injected.",
    "units": "Units injected into the muscle.",
    "guidance": "ultrasound, emg, electrical_stimulation, anatomical.",
    "event_id": "The trust's adverse event id.",
    "event_date": "Date of the adverse event.",
    "event_type": "weakness, injection_site_pain, dysphagia, flu_like, fall, other.",
    "severity": "mild, moderate or severe.",
    "serious": "Y when the event was serious.",
    "goal_id": "The trust's GAS goal id.",
    "set_date": "Date the goal was set.",
    "goal_area": (
        "passive_function, active_function, pain, involuntary_movement, mobility, impairment, body_image, other."
    ),
    "is_primary": "Y for a primary goal.",
    "importance": "GAS importance 0–3 (optional, with difficulty).",
    "difficulty": "GAS difficulty 0–3 (optional, with importance).",
    "baseline_score": "GAS baseline, -1 or -2.",
    "outcome_date": "Date the goal's outcome was scored (optional, with outcome_score).",
    "outcome_score": "GAS outcome -2 … +2 (optional, with outcome_date).",
    "measure_id": "The trust's outcome measure id.",
    "measure_date": "Date of the measure.",
    "timepoint": "baseline or review.",
    "instrument": "MAS, NRS_PAIN, BARTHEL, ARMA_PASSIVE, ARMA_ACTIVE, EQ5D_VAS, MRS.",
    "body_site": "Body site (required for MAS).",
    "value": "The value as sent (MAS keeps 1+).",
    "value_numeric": "The value as a number; MAS 1+ is 1.5 so MAS sorts 0 < 1 < 1+ < 2.",
    "response_id": "The trust's experience response id.",
    "response_date": "Date of the response.",
    "fft_response": "Friends and Family Test: 1 very good … 5 very poor, 6 don't know.",
    "understood_goals": "Y, N or U (unsure); optional.",
    "preferred_contact": "As communication_preference; optional.",
}

#: the audit tables dbt reads, by table name
AUDIT_TABLES = {
    "submissions": "One row per processed submission (spec §7).",
    "findings": "Every finding of every submission; messages hold no identifiers.",
}

#: their columns (``audit.files`` is the loader's own and not a dbt source)
AUDIT_COLUMNS = {
    "submissions": {
        "submission_id": "Submission id (<trust>-<period>-<received_at>-<hash>).",
        "trust_ods_code": "The submitting trust's ODS code.",
        "period": "The period the submission is for, YYYY-MM.",
        "format": "regional-v1 or the name of the trust's registered dialect.",
        "received_at": "When the submission landed (UTC); decides which submission is latest.",
        "processed_at": "When the pipeline processed it (UTC).",
        "status": "accepted, accepted_with_warnings or rejected.",
        "superseded": "True once a later-received accepted submission of the same trust and period exists.",
        "rows_in": "Data rows received, over all files.",
        "rows_loaded": "Rows loaded (into raw), over all files.",
        "rows_quarantined": "Rows held in quarantine with an E2 finding, over all files.",
        "n_warnings": "Warning (W) findings.",
    },
    "findings": {
        "submission_id": "The submission (audit.submissions).",
        "file": "The file as the trust sent it.",
        "row_number": "The row in that file (1 = first data row); empty for a file-level finding.",
        "field": "The column the finding is about, in regional-v1 terms.",
        "rule_id": "Rule of spec §3.",
        "severity": "E1, E2 or W.",
        "message": "What is wrong, in the trust's terms; never an identifier.",
        "dataset_file": "The regional-v1 file the finding belongs to (file is the trust's own for a dialect).",
    },
}
