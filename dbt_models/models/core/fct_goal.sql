-- Current Goal Attainment Scaling goals (one per trust and goal_id).
{{ current_rows('stg_goals', 'goal_id',
   ['trust_ods_code', 'goal_id', 'referral_id', 'set_date', 'goal_area', 'is_primary', 'importance', 'difficulty',
    'baseline_score', 'outcome_date', 'outcome_score']) }}
