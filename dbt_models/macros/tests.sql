{# Generic tests the project needs, written here so no dbt package has to be downloaded. #}

{# No two rows share the values of these columns (dbt_utils.unique_combination_of_columns). #}
{% test unique_key(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n_rows
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}

{# Every non-null column_name matches field of `to` at the same trust (keys are per trust). #}
{% test relationship_within_trust(model, column_name, to, field) %}
select child.trust_ods_code, child.{{ column_name }}
from (select * from {{ model }}) child
left join {{ to }} parent
  on parent.trust_ods_code = child.trust_ods_code and parent.{{ field }} = child.{{ column_name }}
where child.{{ column_name }} is not null and parent.{{ field }} is null
{% endtest %}
