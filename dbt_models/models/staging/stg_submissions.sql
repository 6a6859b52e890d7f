select * from {{ source('audit', 'submissions') }}
