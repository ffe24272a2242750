{#- Sales performance per rep and calendar month (reporting time zone): bookings, won and lost
    deals and win rates, as defined in docs/metrics.md. One row per rep for every month of their
    employment up to the as-of date, plus any other month in which they closed a deal. -#}
with

reps as (
    select * from {{ ref('int_reps_unioned') }}
),

deals as (
    select * from {{ ref('int_deals_unioned') }}
),

months as (
    select * from {{ ref('int_calendar_months') }}
),

closed_deals as (
    select
        -- Deals with no owner roll up to an explicit 'unassigned' member, never out of the totals.
        coalesce(owner_rep_id, 'unassigned') as rep_id,
        cast({{ dbt.date_trunc('month', 'closed_date') }} as date) as month_start_date,
        status,
        amount_reporting
    from deals
    where
        status in ('won', 'lost')
        and not is_deleted
),

monthly_closes as (
    select
        rep_id,
        month_start_date,
        count(case when status = 'won' then 1 end) as won_deals,
        count(case when status = 'lost' then 1 end) as lost_deals,
        coalesce(sum(case when status = 'won' then amount_reporting end), 0) as bookings,
        coalesce(sum(case when status = 'lost' then amount_reporting end), 0) as lost_amount
    from closed_deals
    group by rep_id, month_start_date
),

employed_months as (
    select
        reps.rep_id,
        months.month_start_date
    from reps
    inner join months
        on
            reps.start_date <= months.month_end_date
            and (reps.end_date is null or reps.end_date >= months.month_start_date)
),

rep_months as (
    select
        rep_id,
        month_start_date
    from employed_months
    union
    select
        rep_id,
        month_start_date
    from monthly_closes
),

final as (
    select
        rep_months.month_start_date,
        rep_months.rep_id,
        coalesce(reps.rep_name, 'Unassigned') as rep_name,
        reps.team_id,
        reps.team_name,
        '{{ var("reporting_currency") }}' as reporting_currency,
        cast(coalesce(monthly_closes.bookings, 0) as decimal(18, 2)) as bookings,
        cast(coalesce(monthly_closes.won_deals, 0) as bigint) as won_deals,
        cast(coalesce(monthly_closes.lost_deals, 0) as bigint) as lost_deals,
        cast(coalesce(monthly_closes.lost_amount, 0) as decimal(18, 2)) as lost_amount,
        {{ safe_divide('monthly_closes.won_deals', 'monthly_closes.won_deals + monthly_closes.lost_deals') }}
            as win_rate,
        {{ safe_divide('monthly_closes.bookings', 'monthly_closes.bookings + monthly_closes.lost_amount') }}
            as amount_win_rate
    from rep_months
    left join reps
        on rep_months.rep_id = reps.rep_id
    left join monthly_closes
        on
            rep_months.rep_id = monthly_closes.rep_id
            and rep_months.month_start_date = monthly_closes.month_start_date
)

select * from final
