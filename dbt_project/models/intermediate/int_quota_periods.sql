{#- The bookings quota of every rep, team and the company for every reporting period: one row per
    level (rep, team, company), member and period. A period's quota is the sum of the quota rows
    (metric bookings) that lie inside it; it is NULL when a quota row straddles the period (a
    monthly quota says nothing about a week) or none exists. A team's quota is its team-level
    quota rows where it has them, else the sum of its reps' quotas (by their current team); the
    company's is the sum of its teams'. A quota row listed as an exception (negative, or no FX
    rate) leaves the quota of every period it touches unknown, never understated.

    prorated_quota: the part of the quota due by the as-of date. Each quota row counts for the
    share of its own days that have passed (the as-of day included): a monthly quota of 3,000
    on 10 June counts 1,000; a row not yet started counts 0, a row ended counts whole. Rounded
    to cents row by row, then summed. It equals quota once the period is over. -#}
{%- set as_of = date_literal(as_of_date()) -%}
with

quotas as (
    select * from {{ ref('int_quotas_unioned') }}
),

reps as (
    select * from {{ ref('int_reps_unioned') }}
),

exceptions as (
    select * from {{ ref('int_record_exceptions') }}
),

periods as (
    select distinct
        period_grain,
        period_start_date,
        period_end_date
    from {{ ref('int_date_periods') }}
),

excluded_quotas as (
    select distinct record_id as quota_id
    from exceptions
    where entity = 'quota' and is_excluded
),

bookings_quotas as (
    select
        quotas.quota_id,
        quotas.period_start_date,
        quotas.period_end_date,
        case when quotas.rep_id is not null then 'rep' else 'team' end as quota_level,
        coalesce(quotas.rep_id, quotas.team_id) as member_id,
        coalesce(reps.team_id, quotas.team_id, 'unassigned') as team_id_for_rollup,
        case when excluded_quotas.quota_id is null then quotas.target_reporting end as target_reporting,
        {{ days_between('quotas.period_start_date', 'quotas.period_end_date') }} + 1 as quota_days,
        case
            when quotas.period_start_date > {{ as_of }} then 0
            when quotas.period_end_date <= {{ as_of }}
                then {{ days_between('quotas.period_start_date', 'quotas.period_end_date') }} + 1
            else {{ days_between('quotas.period_start_date', as_of) }} + 1
        end as elapsed_quota_days
    from quotas
    left join reps
        on quotas.rep_id = reps.rep_id
    left join excluded_quotas
        on quotas.quota_id = excluded_quotas.quota_id
    where
        quotas.quota_metric = 'bookings'
        and (quotas.rep_id is not null or quotas.team_id is not null)
),

quota_periods as (
    select
        bookings_quotas.quota_level,
        bookings_quotas.member_id,
        bookings_quotas.team_id_for_rollup,
        periods.period_grain,
        periods.period_start_date,
        sum(bookings_quotas.target_reporting) as quota,
        sum({{ prorate_money_to_cents(
            'bookings_quotas.target_reporting', 'bookings_quotas.elapsed_quota_days', 'bookings_quotas.quota_days'
        ) }}) as prorated_quota,
        count(
            case
                when
                    bookings_quotas.period_start_date < periods.period_start_date
                    or bookings_quotas.period_end_date > periods.period_end_date
                    or bookings_quotas.target_reporting is null
                    then 1
            end
        ) as incomplete_rows
    from bookings_quotas
    inner join periods
        on
            bookings_quotas.period_start_date <= periods.period_end_date
            and bookings_quotas.period_end_date >= periods.period_start_date
    group by
        bookings_quotas.quota_level,
        bookings_quotas.member_id,
        bookings_quotas.team_id_for_rollup,
        periods.period_grain,
        periods.period_start_date
),

rep_quotas as (
    select
        'rep' as quota_level,
        member_id,
        team_id_for_rollup as team_id,
        period_grain,
        period_start_date,
        case when incomplete_rows = 0 then quota end as quota,
        case when incomplete_rows = 0 then prorated_quota end as prorated_quota
    from quota_periods
    where quota_level = 'rep'
),

team_quotas_from_reps as (
    select
        team_id,
        period_grain,
        period_start_date,
        case when count(quota) = count(*) then sum(quota) end as quota,
        case when count(quota) = count(*) then sum(prorated_quota) end as prorated_quota
    from rep_quotas
    group by team_id, period_grain, period_start_date
),

team_quotas_own as (
    select
        member_id as team_id,
        period_grain,
        period_start_date,
        case when incomplete_rows = 0 then quota end as quota,
        case when incomplete_rows = 0 then prorated_quota end as prorated_quota
    from quota_periods
    where quota_level = 'team'
),

team_quotas as (
    select
        'team' as quota_level,
        team_quotas_own.team_id as member_id,
        team_quotas_own.team_id,
        team_quotas_own.period_grain,
        team_quotas_own.period_start_date,
        team_quotas_own.quota,
        team_quotas_own.prorated_quota
    from team_quotas_own
    union all
    select
        'team' as quota_level,
        team_quotas_from_reps.team_id as member_id,
        team_quotas_from_reps.team_id,
        team_quotas_from_reps.period_grain,
        team_quotas_from_reps.period_start_date,
        team_quotas_from_reps.quota,
        team_quotas_from_reps.prorated_quota
    from team_quotas_from_reps
    left join team_quotas_own
        on
            team_quotas_from_reps.team_id = team_quotas_own.team_id
            and team_quotas_from_reps.period_grain = team_quotas_own.period_grain
            and team_quotas_from_reps.period_start_date = team_quotas_own.period_start_date
    where team_quotas_own.team_id is null
),

company_quotas as (
    select
        'company' as quota_level,
        'company' as member_id,
        cast(null as {{ dbt.type_string() }}) as team_id,
        period_grain,
        period_start_date,
        case when count(quota) = count(*) then sum(quota) end as quota,
        case when count(quota) = count(*) then sum(prorated_quota) end as prorated_quota
    from team_quotas
    group by period_grain, period_start_date
),

final as (
    select * from rep_quotas
    union all
    select * from team_quotas
    union all
    select * from company_quotas
)

-- Typed as money again: PostgreSQL's sums of numeric(38, 2) through the CASEs and UNIONs above
-- come out as numeric of any size (DuckDB keeps decimal(38, 2), which the cast leaves as is).
select
    quota_level,
    member_id,
    team_id,
    period_grain,
    period_start_date,
    cast(quota as {{ type_money() }}) as quota,
    cast(prorated_quota as {{ type_money() }}) as prorated_quota
from final
