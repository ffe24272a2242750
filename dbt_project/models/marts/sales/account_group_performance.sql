{#- Sales per industry, segment and country of the accounts, per reporting period: the rows of
    account_performance summed by group (rates recomputed from the summed counts, never averaged).
    One row per dimension (industry, segment or country), value ('unknown' for accounts
    without one, and for deals without an account) and period. -#}
with

account_performance as (
    select * from {{ ref('account_performance') }}
),

{%- set groupings = ['industry', 'segment', 'country'] %}

grouped_rows as (
    {%- for grouping in groupings %}
        select
            '{{ grouping }}' as dimension,
            coalesce({{ grouping }}, 'unknown') as dimension_value,
            account_id,
            period_grain,
            period_start_date,
            period_end_date,
            period_label,
            reporting_currency,
            bookings,
            won_deals,
            won_deals_without_amount,
            lost_deals,
            lost_amount,
            open_deals,
            open_pipeline,
            open_pipeline_date
        from account_performance
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

aggregated as (
    select
        dimension,
        dimension_value,
        period_grain,
        period_start_date,
        period_end_date,
        period_label,
        reporting_currency,
        open_pipeline_date,
        count(case when won_deals + lost_deals > 0 then 1 end) as accounts_with_closed_deals,
        count(case when won_deals > 0 then 1 end) as accounts_with_bookings,
        count(case when open_deals > 0 then 1 end) as accounts_with_open_deals,
        sum(bookings) as bookings,
        sum(won_deals) as won_deals,
        sum(won_deals_without_amount) as won_deals_without_amount,
        sum(lost_deals) as lost_deals,
        sum(lost_amount) as lost_amount,
        sum(open_deals) as open_deals,
        sum(open_pipeline) as open_pipeline
    from grouped_rows
    group by
        dimension,
        dimension_value,
        period_grain,
        period_start_date,
        period_end_date,
        period_label,
        reporting_currency,
        open_pipeline_date
),

final as (
    select
        dimension,
        dimension_value,
        period_grain,
        period_start_date,
        period_end_date,
        period_label,
        reporting_currency,
        cast(accounts_with_closed_deals as bigint) as accounts_with_closed_deals,
        cast(accounts_with_bookings as bigint) as accounts_with_bookings,
        cast(accounts_with_open_deals as bigint) as accounts_with_open_deals,
        cast(bookings as {{ type_money() }}) as bookings,
        cast(won_deals as bigint) as won_deals,
        cast(won_deals_without_amount as bigint) as won_deals_without_amount,
        cast(lost_deals as bigint) as lost_deals,
        cast(lost_amount as {{ type_money() }}) as lost_amount,
        {{ safe_divide('won_deals', 'won_deals + lost_deals') }} as win_rate,
        -- Over the won deals that have an amount, as in the performance marts.
        {{ divide_money_to_cents('bookings', 'won_deals - won_deals_without_amount') }} as average_deal_size,
        cast(open_deals as bigint) as open_deals,
        cast(open_pipeline as {{ type_money() }}) as open_pipeline,
        open_pipeline_date
    from aggregated
)

select * from final
