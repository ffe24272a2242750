{#- Sales performance per rep and calendar month: bookings, won and lost deals and win rates. A
    selection of rep_performance (period_grain month), kept for the consumers that read it by
    this name and these columns: the figures are computed once, in macro sales_performance. -#}
with

performance as (
    select * from {{ ref('rep_performance') }}
),

final as (
    select
        period_start_date as month_start_date,
        rep_id,
        rep_name,
        team_id,
        team_name,
        reporting_currency,
        bookings,
        won_deals,
        lost_deals,
        lost_amount,
        win_rate,
        amount_win_rate
    from performance
    where period_grain = 'month'
)

select * from final
