-- patients as loaded, typed by the loader; every accepted submission's version (core picks the current one)
select * from {{ source('loaded', 'patients') }}
