-- Current Goal Attainment Scaling goals (one per trust and goal_id).
{{ incremental_config(['trust_ods_code', 'goal_id'], 'touched_keys', ['stg_goals', 'goal_id'],
                      indexes=[{'columns': ['trust_ods_code', 'goal_id']}, {'columns': ['trust_ods_code', 'referral_id']}]) }}
{{ current_rows('stg_goals', 'goal_id',
   ['trust_ods_code', 'goal_id', 'referral_id', 'set_date', 'goal_area', 'is_primary', 'importance', 'difficulty',
    'baseline_score', 'outcome_date', 'outcome_score'], affected_rows(['trust_ods_code', 'goal_id'], 's')) }}
