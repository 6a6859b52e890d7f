{#
  What each incremental model recomputes when trust-periods change (macros/incremental.sql;
  docs/incremental.md says why each set is enough). "Touched" rows are every staging row of a
  changed trust-period (the new submission, the one it supersedes, any other of that trust and
  month); their keys' other versions (any period) hold the values those keys had before and have
  now, so the sets below cover what changes however far back a snapshot's rows reach.
#}

{# The SQL of the affected set named by an incremental model's config (a dispatch dbt and sqlfluff both render). #}
{% macro affected_sql(name, args=[]) -%}
    {%- set macros = {
        'touched_keys': touched_keys,
        'fct_contact_affected': fct_contact_affected,
        'injection_session_affected': injection_session_affected,
        'trust_patient_affected': trust_patient_affected,
        'patient_affected': patient_affected,
        'goal_attainment_affected': goal_attainment_affected,
        'metric_referrals_affected': metric_referrals_affected,
        'metric_periods_affected': metric_periods_affected,
        'profile_periods_affected': profile_periods_affected,
        'data_quality_affected': data_quality_affected,
    } -%}
    {{ return(macros[name](*args)) }}
{%- endmacro %}

{# (trust, patient key) of every version of the touched contacts; the key is the token, '' for none. #}
{% macro touched_contact_patients() -%}
    select distinct trust_ods_code, coalesce(patient_token, '') as patient_key
    from ({{ touched_versions('stg_contacts', 'contact_id') }}) v
{%- endmacro %}

{# Rows of alias whose trust and patient token (or none) are among touched_contact_patients. #}
{% macro of_touched_patients(alias) -%}
    (({{ alias }}.trust_ods_code, {{ alias }}.patient_token) in (
        select trust_ods_code, patient_key from ({{ touched_contact_patients() }}) p where patient_key <> '')
     or ({{ alias }}.patient_token is null and {{ alias }}.trust_ods_code in (
        select trust_ods_code from ({{ touched_contact_patients() }}) p where patient_key = '')))
{%- endmacro %}

{# Contact keys with any staging version belonging to a touched contact's patient. #}
{% macro contact_keys_of_touched_patients() -%}
    select distinct s.trust_ods_code, s.contact_id
    from {{ ref('stg_contacts') }} s
    where {{ of_touched_patients('s') }}
{%- endmacro %}

{#
  fct_contact: the touched contacts, and every contact whose current row belongs to one of their
  patients (old or new token): a contact's previous attended injection (M10, W05) is the patient's,
  so it moves only when a contact of that patient at that trust changes.
#}
{% macro fct_contact_affected() -%}
    select trust_ods_code, contact_id from ({{ touched_keys('stg_contacts', 'contact_id') }}) k
    union
    select c.trust_ods_code, c.contact_id
    from ({{ current_rows('stg_contacts', 'contact_id', ['trust_ods_code', 'contact_id', 'patient_token'],
                          in_set(['trust_ods_code', 'contact_id'], contact_keys_of_touched_patients(), 's')) }}) c
    where {{ of_touched_patients('c') }}
{%- endmacro %}

{# fct_injection_session, by contact: the contacts of the touched injections (any version), and the touched contacts. #}
{% macro injection_session_affected() -%}
    select trust_ods_code, contact_id from ({{ touched_versions('stg_injections', 'injection_id') }}) v
    union
    select trust_ods_code, contact_id from ({{ touched_keys('stg_contacts', 'contact_id') }}) k
{%- endmacro %}

{# dim_trust_patient: (trust, token) of every version of the touched patient rows. #}
{% macro trust_patient_affected() -%}
    select distinct trust_ods_code, patient_token
    from ({{ touched_versions('stg_patients', 'local_patient_id') }}) v
    where patient_token is not null
{%- endmacro %}

{# dim_patient: the tokens of every version of the touched patient rows, at any trust. #}
{% macro patient_affected() -%}
    select distinct patient_token
    from ({{ touched_versions('stg_patients', 'local_patient_id') }}) v
    where patient_token is not null
{%- endmacro %}

{# goal_attainment: the referrals of every version of the touched goals. #}
{% macro goal_attainment_affected() -%}
    select distinct trust_ods_code as org_code, referral_id
    from ({{ touched_versions('stg_goals', 'goal_id') }}) v
    where referral_id is not null
{%- endmacro %}

{#
  governance_metric_units, by (trust, referral): every unit belongs to one referral (its own, its
  contact's, goal's, measure's or response's), and reads only rows of that referral — except M09
  (the contact's injections), M11 (its adverse events) and M10 (the patient's earlier contacts at the
  trust, possibly of another referral). So: the referrals of every version of the touched referrals,
  contacts, goals, measures and responses; of every version of the contacts of the touched injections
  and adverse events; and of the current contacts of the touched contacts' patients.
#}
{% macro metric_referrals_affected() -%}
    select distinct trust_ods_code as org_code, referral_id from (
        select trust_ods_code, referral_id from ({{ touched_keys('stg_referrals', 'referral_id') }}) r
        union all
        select trust_ods_code, referral_id from ({{ touched_versions('stg_contacts', 'contact_id') }}) c
        union all
        select trust_ods_code, referral_id from ({{ touched_versions('stg_goals', 'goal_id') }}) g
        union all
        select trust_ods_code, referral_id from ({{ touched_versions('stg_outcome_measures', 'measure_id') }}) m
        union all
        select trust_ods_code, referral_id from ({{ touched_versions('stg_experience', 'response_id') }}) x
        union all
        select s.trust_ods_code, s.referral_id
        from {{ ref('stg_contacts') }} s
        where (s.trust_ods_code, s.contact_id) in (
            select trust_ods_code, contact_id from ({{ touched_versions('stg_injections', 'injection_id') }}) i
            union
            select trust_ods_code, contact_id from ({{ touched_versions('stg_adverse_events', 'event_id') }}) e
        )
        union all
        select f.trust_ods_code, f.referral_id from {{ ref('fct_contact') }} f where {{ of_touched_patients('f') }}
    ) referrals
    where referral_id is not null
{%- endmacro %}

{#
  governance_metrics, by (org, month): the months of every anchor date a unit of an affected referral
  had or has — the dates of every version of those referrals' rows (a unit's anchor is a date of its
  referral, contact, goal, measure or response) — per trust, and REGION for each such month.
#}
{% macro metric_periods_affected() -%}
    {%- set referrals = metric_referrals_affected() -%}
    {%- set anchors = [('stg_referrals', 'referral_received_date'), ('stg_referrals', 'triage_date'),
                       ('stg_referrals', 'first_assessment_date'), ('stg_contacts', 'contact_date'),
                       ('stg_goals', 'outcome_date'), ('stg_outcome_measures', 'measure_date'),
                       ('stg_experience', 'response_date')] -%}
    with referrals as ({{ referrals }}), trust_months as (
        {%- for model, column in anchors %}
        select distinct trust_ods_code, {{ period_of(column) }} as period
        from {{ ref(model) }}
        where {{ column }} is not null
          and (trust_ods_code, referral_id) in (select org_code, referral_id from referrals)
        {% if not loop.last %}union{% endif %}
        {%- endfor %}
    )
    select trust_ods_code as org_code, period from trust_months
    union
    select 'REGION', period from trust_months
{%- endmacro %}

{#
  population_profile, by (org, month): for each trust, the months of every version of its touched
  contacts and the months its touched patients (old or new attributes: dim_trust_patient) were seen;
  for REGION those months and the months any trust saw a touched person (dim_patient).
#}
{% macro profile_periods_affected() -%}
    with trust_months as (
        select distinct trust_ods_code, {{ period_of('contact_date') }} as period
        from ({{ touched_versions('stg_contacts', 'contact_id') }}) v
        union
        select distinct trust_ods_code, {{ period_of('contact_date') }}
        from {{ ref('fct_contact') }}
        where (trust_ods_code, patient_token) in ({{ trust_patient_affected() }})
    )
    select trust_ods_code as org_code, period from trust_months
    union
    select 'REGION', period from trust_months
    union
    select 'REGION', {{ period_of('contact_date') }}
    from {{ ref('fct_contact') }}
    where patient_token in ({{ patient_affected() }})
{%- endmacro %}

{# data_quality, by submission: every submission of a changed trust-period. #}
{% macro data_quality_affected() -%}
    select s.submission_id
    from {{ ref('submission_snapshot') }} s
    where (s.trust_ods_code, s.period) in ({{ changed_periods() }})
{%- endmacro %}
