{#- What was won and lost, by kind of deal and by why it was lost: per month and fiscal quarter,
    team (of the owner when the deal closed), deal type (new_business, existing_business for
    renewals and expansions, or a portal's own; 'unknown' when the source has none) and outcome,
    the deals and their reporting-currency amount; lost deals by closed-lost reason
    ('not_given' when the rep gave none). Σ over the rows of a period = the team's won and lost
    deals and amounts of team_performance. Periods up to the as-of date. Definitions:
    docs/metrics.md. -#}
with

deals as (
    select * from {{ ref('fct_deals') }}
),

periods as (
    select * from {{ ref('int_date_periods') }}
),

closed_deals as (
    select
        periods.period_grain,
        periods.period_start_date,
        periods.period_label,
        deals.team_id_at_close as team_id,
        deals.amount_reporting,
        coalesce(deals.deal_type, 'unknown') as deal_type,
        case when deals.is_won then 'won' else 'lost' end as outcome,
        case when not deals.is_won then coalesce(deals.closed_lost_reason, 'not_given') end as loss_reason
    from deals
    inner join periods
        on
            deals.closed_date = periods.date_day
            and periods.period_grain in ('month', 'fiscal_quarter')
    where
        deals.is_closed
        and not deals.is_deleted
        and deals.closed_date <= {{ date_literal(as_of_date()) }}
),

final as (
    select
        period_grain,
        period_start_date,
        period_label,
        team_id,
        deal_type,
        outcome,
        loss_reason,
        '{{ var("reporting_currency") | upper }}' as reporting_currency,
        cast(count(*) as bigint) as deals,
        cast(coalesce(sum(amount_reporting), 0) as {{ type_money() }}) as amount
    from closed_deals
    group by period_grain, period_start_date, period_label, team_id, deal_type, outcome, loss_reason
)

select * from final
