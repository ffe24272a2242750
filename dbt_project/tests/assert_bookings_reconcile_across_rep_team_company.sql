{{ config(meta={'dagster': {'ref': {'name': 'company_performance'}}}) }}
{#- For every period: Σ rep bookings = Σ team bookings = company bookings, and likewise for won and
    lost deals, leads created and activities. No record is lost or counted twice between levels. -#}
with

reps as (
    select
        period_grain,
        period_start_date,
        sum(bookings) as bookings,
        sum(won_deals) as won_deals,
        sum(lost_deals) as lost_deals,
        sum(leads_created) as leads_created,
        sum(activities) as activities
    from {{ ref('rep_performance') }}
    group by period_grain, period_start_date
),

teams as (
    select
        period_grain,
        period_start_date,
        sum(bookings) as bookings,
        sum(won_deals) as won_deals,
        sum(lost_deals) as lost_deals,
        sum(leads_created) as leads_created,
        sum(activities) as activities
    from {{ ref('team_performance') }}
    group by period_grain, period_start_date
),

company as (
    select * from {{ ref('company_performance') }}
),

final as (
    select
        company.period_grain,
        company.period_start_date,
        company.bookings as company_bookings,
        teams.bookings as team_bookings,
        reps.bookings as rep_bookings
    from company
    full outer join teams
        on
            company.period_grain = teams.period_grain
            and company.period_start_date = teams.period_start_date
    full outer join reps
        on
            company.period_grain = reps.period_grain
            and company.period_start_date = reps.period_start_date
    where
        coalesce(company.bookings, -1) != coalesce(teams.bookings, -1)
        or coalesce(company.bookings, -1) != coalesce(reps.bookings, -1)
        or coalesce(company.won_deals, -1) != coalesce(teams.won_deals, -1)
        or coalesce(company.won_deals, -1) != coalesce(reps.won_deals, -1)
        or coalesce(company.lost_deals, -1) != coalesce(teams.lost_deals, -1)
        or coalesce(company.lost_deals, -1) != coalesce(reps.lost_deals, -1)
        or coalesce(company.leads_created, -1) != coalesce(teams.leads_created, -1)
        or coalesce(company.leads_created, -1) != coalesce(reps.leads_created, -1)
        or coalesce(company.activities, -1) != coalesce(teams.activities, -1)
        or coalesce(company.activities, -1) != coalesce(reps.activities, -1)
)

select * from final
