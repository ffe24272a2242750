{#- The records left out of the metrics, and why: one row per record (deal, lead, activity, quota)
    and plausibility rule it breaks (models/intermediate/int_record_exceptions.sql). Fix them in
    the source; the next refresh counts them again. Rules: docs/metrics.md, "Record exceptions". -#}
with

exceptions as (
    select * from {{ ref('int_record_exceptions') }}
),

final as (
    select
        entity,
        record_id,
        source_record_id,
        source_system,
        owner_rep_id,
        rule_name,
        reason,
        field,
        field_value,
        is_excluded
    from exceptions
)

select * from final
