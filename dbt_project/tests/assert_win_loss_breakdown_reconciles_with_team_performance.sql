{{ config(meta={'dagster': {'ref': {'name': 'win_loss_breakdown'}}}) }}
{#- Per period and team: Σ won rows = bookings and won deals, Σ lost rows = lost amount and lost
    deals of team_performance. Nothing closed is left out of the breakdown or counted twice. -#}
with

breakdown as (
    select
        period_grain,
        period_start_date,
        team_id,
        sum(case when outcome = 'won' then amount else 0 end) as bookings,
        sum(case when outcome = 'won' then deals else 0 end) as won_deals,
        sum(case when outcome = 'lost' then amount else 0 end) as lost_amount,
        sum(case when outcome = 'lost' then deals else 0 end) as lost_deals
    from {{ ref('win_loss_breakdown') }}
    group by period_grain, period_start_date, team_id
),

teams as (
    select * from {{ ref('team_performance') }}
    where period_grain in ('month', 'fiscal_quarter') and won_deals + lost_deals > 0
),

final as (
    select
        coalesce(breakdown.period_grain, teams.period_grain) as period_grain,
        coalesce(breakdown.period_start_date, teams.period_start_date) as period_start_date,
        coalesce(breakdown.team_id, teams.team_id) as team_id
    from breakdown
    full outer join teams
        on
            breakdown.period_grain = teams.period_grain
            and breakdown.period_start_date = teams.period_start_date
            and breakdown.team_id = teams.team_id
    where
        coalesce(breakdown.bookings, -1) != coalesce(teams.bookings, -1)
        or coalesce(breakdown.won_deals, -1) != coalesce(teams.won_deals, -1)
        or coalesce(breakdown.lost_amount, -1) != coalesce(teams.lost_amount, -1)
        or coalesce(breakdown.lost_deals, -1) != coalesce(teams.lost_deals, -1)
)

select * from final
