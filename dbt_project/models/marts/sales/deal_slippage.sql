{#- How each deal's expected close date moved while it was open: the first and the last one it
    had, how many times it was pushed out (moved later) or pulled in (moved earlier), and the
    days pushed out in all. From core.fct_deal_versions (the end-of-day states, so two moves on
    one day count as the day's net move). Live deals with at least one expected close date.
    The share of a period's pipeline that slipped: pipeline_waterfall.slipped_share.
    Definitions: docs/metrics.md. -#}
with

versions as (
    select * from {{ ref('fct_deal_versions') }}
),

deals as (
    select * from {{ ref('fct_deals') }}
),

open_dates as (
    -- The expected close date of each open version, beside the one before it.
    select
        deal_id,
        version_number,
        expected_close_date,
        lag(expected_close_date) over (partition by deal_id order by version_number)
            as previous_expected_close_date
    from versions
    where is_open and expected_close_date is not null
),

moves as (
    select
        deal_id,
        version_number,
        expected_close_date,
        case
            when expected_close_date > previous_expected_close_date
                then {{ days_between('previous_expected_close_date', 'expected_close_date') }}
            else 0
        end as days_pushed,
        case when expected_close_date > previous_expected_close_date then 1 else 0 end as is_push,
        case when expected_close_date < previous_expected_close_date then 1 else 0 end as is_pull_in,
        row_number() over (partition by deal_id order by version_number) as first_rank,
        row_number() over (partition by deal_id order by version_number desc) as last_rank
    from open_dates
),

per_deal as (
    select
        deal_id,
        max(case when first_rank = 1 then expected_close_date end) as first_expected_close_date,
        max(case when last_rank = 1 then expected_close_date end) as last_expected_close_date,
        sum(is_push) as times_pushed,
        sum(is_pull_in) as times_pulled_in,
        sum(days_pushed) as days_pushed
    from moves
    group by deal_id
),

final as (
    select
        per_deal.deal_id,
        -- Open deals: the owner now; closed ones: the owner when they closed.
        coalesce(deals.owner_rep_id_at_close, deals.owner_rep_id) as owner_rep_id,
        deals.status,
        deals.closed_date,
        per_deal.first_expected_close_date,
        per_deal.last_expected_close_date,
        cast(per_deal.times_pushed as integer) as times_pushed,
        cast(per_deal.times_pulled_in as integer) as times_pulled_in,
        cast(per_deal.days_pushed as integer) as days_pushed,
        {{ days_between('per_deal.first_expected_close_date', 'per_deal.last_expected_close_date') }}
            as net_days_moved,
        -- A closed deal against the date first expected (positive: later than first expected).
        case
            when deals.closed_date is not null
                then {{ days_between('per_deal.first_expected_close_date', 'deals.closed_date') }}
        end as days_closed_after_first_expected
    from per_deal
    inner join deals
        on per_deal.deal_id = deals.deal_id
    where not deals.is_deleted
)

select * from final
