{#- Leaderboards: every rep's rank by quota attainment and by bookings, within their team and in
    the company, for every reporting period up to the as-of date (a selection of rep_performance;
    the period in progress is labelled and carries the prorated attainment). Ties share a rank
    (1, 1, 3); reps without a quota are ranked by bookings only. The 'unassigned' member is never
    ranked. Each rep's win rate carries its deal counts and its 95 % Wilson interval
    (macros/metrics/wilson_interval.sql), so a 2-of-2 win rate is not read as 100 %. -#}
with

performance as (
    select * from {{ ref('rep_performance') }}
),

ranked as (
    select
        period_grain,
        period_start_date,
        period_end_date,
        period_label,
        is_period_complete,
        days_elapsed_in_period,
        days_in_period,
        rep_id,
        rep_name,
        team_id,
        team_name,
        reporting_currency,
        bookings,
        quota,
        quota_attainment,
        prorated_quota_attainment,
        won_deals,
        lost_deals,
        win_rate,
        case
            when quota_attainment is not null
                then rank() over (
                    partition by period_grain, period_start_date, team_id, quota_attainment is null
                    order by quota_attainment desc
                )
        end as attainment_rank_in_team,
        case
            when quota_attainment is not null
                then rank() over (
                    partition by period_grain, period_start_date, quota_attainment is null
                    order by quota_attainment desc
                )
        end as attainment_rank_in_company,
        rank() over (partition by period_grain, period_start_date, team_id order by bookings desc)
            as bookings_rank_in_team,
        rank() over (partition by period_grain, period_start_date order by bookings desc) as bookings_rank_in_company,
        count(*) over (partition by period_grain, period_start_date, team_id) as reps_in_team,
        count(*) over (partition by period_grain, period_start_date) as reps_in_company
    from performance
    where rep_id != 'unassigned'
),

final as (
    select
        period_grain,
        period_start_date,
        period_end_date,
        period_label,
        is_period_complete,
        days_elapsed_in_period,
        days_in_period,
        rep_id,
        rep_name,
        team_id,
        team_name,
        reporting_currency,
        bookings,
        quota,
        quota_attainment,
        prorated_quota_attainment,
        won_deals,
        lost_deals,
        win_rate,
        {{ wilson_interval_low('won_deals', 'won_deals + lost_deals') }} as win_rate_ci_low,
        {{ wilson_interval_high('won_deals', 'won_deals + lost_deals') }} as win_rate_ci_high,
        cast(attainment_rank_in_team as bigint) as attainment_rank_in_team,
        cast(attainment_rank_in_company as bigint) as attainment_rank_in_company,
        cast(bookings_rank_in_team as bigint) as bookings_rank_in_team,
        cast(bookings_rank_in_company as bigint) as bookings_rank_in_company,
        cast(reps_in_team as bigint) as reps_in_team,
        cast(reps_in_company as bigint) as reps_in_company
    from ranked
)

select * from final
