-- audit.findings with the regional-v1 file each finding belongs to (file) beside the file as the
-- trust sent it (source_file: differs only for dialect submissions).
select submission_id,
       {{ findings_dataset_file() }} as file,
       file as source_file,
       row_number, field, rule_id, severity, message
from {{ source('audit', 'findings') }}
