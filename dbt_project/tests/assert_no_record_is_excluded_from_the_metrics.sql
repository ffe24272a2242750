{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'record_exceptions'}}}) }}
{#- A warning, not a failure: records that break a plausibility rule (a deal closed before it was
    created, a date in 1900, a negative amount, a currency without an FX rate, ...) are left out
    of the metrics and listed in core.record_exceptions. One bad record never stops the refresh,
    and never passes unseen: this check warns with their number until they are fixed at the
    source. -#}
select
    entity,
    record_id,
    source_system,
    rule_name,
    field_value
from {{ ref('record_exceptions') }}
where is_excluded
