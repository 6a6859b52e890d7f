{# Rule ids of spec §3 (spasticity_pipeline/contract/rules.py; a test keeps the two equal). #}
{% macro rule_ids() -%}
    {%- set ids = [] -%}
    {%- for i in range(1, 8) %}{% do ids.append('F0' ~ i) %}{% endfor -%}
    {%- for i in range(1, 11) %}{% do ids.append('R' ~ ('%02d' % i)) %}{% endfor -%}
    {%- for i in range(1, 6) %}{% do ids.append('W0' ~ i) %}{% endfor -%}
    {{ return(ids) }}
{%- endmacro %}

{# Optional fields of each file (spec §2), whose completeness data_quality reports. #}
{% macro optional_fields() -%}
    {{ return({
        'patients': ['condition_onset_date', 'communication_preference'],
        'referrals': ['triage_date', 'first_assessment_date', 'discharge_date'],
        'goals': ['importance', 'difficulty', 'outcome_date', 'outcome_score'],
        'outcome_measures': ['body_site'],
        'experience': ['understood_goals', 'preferred_contact'],
    }) }}
{%- endmacro %}
