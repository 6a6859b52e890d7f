{#
  The parts of the spec the data-quality mart enumerates. Python keeps them equal to the
  contract (spasticity_pipeline/contract): spasticity_pipeline_tests/dbt/test_project.py.
#}

{# Rule ids of spec §3, in the spec's order. #}
{% macro rule_ids() -%}
    {{ return(['F01', 'F02', 'F03', 'F04', 'F05', 'F06', 'F07',
               'R01', 'R02', 'R03', 'R04', 'R05', 'R06', 'R07', 'R08', 'R09', 'R10',
               'W01', 'W02', 'W03', 'W04', 'W05']) }}
{%- endmacro %}

{# The eight files of a submission (spec §2) → their staging table. #}
{% macro dataset_files() -%}
    {{ return({'patients.csv': 'patients', 'referrals.csv': 'referrals', 'contacts.csv': 'contacts',
               'injections.csv': 'injections', 'goals.csv': 'goals', 'outcome_measures.csv': 'outcome_measures',
               'adverse_events.csv': 'adverse_events', 'experience.csv': 'experience'}) }}
{%- endmacro %}

{# Optional fields of each file (spec §2) that reach staging; data_quality reports their completeness. #}
{% macro optional_fields() -%}
    {{ return({
        'patients': ['condition_onset_date', 'communication_preference'],
        'referrals': ['triage_date', 'first_assessment_date', 'discharge_date'],
        'contacts': [],
        'injections': [],
        'goals': ['importance', 'difficulty', 'outcome_date', 'outcome_score'],
        'outcome_measures': ['body_site'],
        'adverse_events': [],
        'experience': ['understood_goals', 'preferred_contact'],
    }) }}
{%- endmacro %}

{#
  audit.findings.file names the file as the trust sent it (a dialect's own file or sheet, spec §5).
  When the loader also records the regional-v1 file (column dataset_file, written since the
  dialect work), use it; otherwise file is already the regional-v1 name. Decided when the model
  runs, so the project works with either layout of audit.findings.
#}
{% macro findings_dataset_file() -%}
    {%- if execute -%}
        {%- set cols = adapter.get_columns_in_relation(source('audit', 'findings')) | map(attribute='name')
                       | map('lower') | list -%}
        {%- if 'dataset_file' in cols -%}{{ return('coalesce(dataset_file, file)') }}{%- endif -%}
    {%- endif -%}
    {{ return('file') }}
{%- endmacro %}
