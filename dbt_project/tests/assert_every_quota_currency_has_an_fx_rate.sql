{{ config(meta={'dagster': {'ref': {'name': 'int_quotas_unioned'}}}) }}
{#- Every quota target converts to the reporting currency (rate of the period's first day, or of
    the as-of date for later periods): no attainment against an unconverted quota. -#}
select
    quota_id,
    currency,
    quota_target
from {{ ref('int_quotas_unioned') }}
where
    quota_target is not null
    and target_reporting is null
