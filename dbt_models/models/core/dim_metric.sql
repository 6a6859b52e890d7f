-- The governance metrics of governance-metrics-v1 (seed metrics.csv, mirroring
-- spasticity_pipeline/contract/metrics.py): id, name, domain and which way is better.
select metric_id, metric_name, domain, better from {{ ref('metrics') }}
