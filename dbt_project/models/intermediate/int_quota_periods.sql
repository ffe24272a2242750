{#- The bookings quota of every rep, team and the company for every reporting period: one row per
    level (rep, team, company), member and period. A period's quota is the sum of the quota rows
    (metric bookings) that lie inside it; it is NULL when a quota row straddles the period (a
    monthly quota says nothing about a week) or none exists. A team's quota is its team-level
    quota rows where it has them, else the sum of its reps' quotas (by their current team); the
    company's is the sum of its teams'. -#}
with

quotas as (
    select * from {{ ref('int_quotas_unioned') }}
),

reps as (
    select * from {{ ref('int_reps_unioned') }}
),

periods as (
    select distinct
        period_grain,
        period_start_date,
        period_end_date
    from {{ ref('int_date_periods') }}
),

bookings_quotas as (
    select
        quotas.*,
        case when quotas.rep_id is not null then 'rep' else 'team' end as quota_level,
        coalesce(quotas.rep_id, quotas.team_id) as member_id,
        coalesce(reps.team_id, quotas.team_id, 'unassigned') as team_id_for_rollup
    from quotas
    left join reps
        on quotas.rep_id = reps.rep_id
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
        case when incomplete_rows = 0 then quota end as quota
    from quota_periods
    where quota_level = 'rep'
),

team_quotas_from_reps as (
    select
        team_id,
        period_grain,
        period_start_date,
        case when count(quota) = count(*) then sum(quota) end as quota
    from rep_quotas
    group by team_id, period_grain, period_start_date
),

team_quotas_own as (
    select
        member_id as team_id,
        period_grain,
        period_start_date,
        case when incomplete_rows = 0 then quota end as quota
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
        team_quotas_own.quota
    from team_quotas_own
    union all
    select
        'team' as quota_level,
        team_quotas_from_reps.team_id as member_id,
        team_quotas_from_reps.team_id,
        team_quotas_from_reps.period_grain,
        team_quotas_from_reps.period_start_date,
        team_quotas_from_reps.quota
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
        case when count(quota) = count(*) then sum(quota) end as quota
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

select * from final
