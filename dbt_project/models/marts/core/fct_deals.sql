{#- One row per deal from every enabled CRM source (deleted ones flagged, never counted by the
    sales marts): status, amounts in the deal's and the reporting currency, dates in the
    reporting time zone, sales cycle, and the owner's current team. A deal that breaks a
    plausibility rule is left out and listed in core.record_exceptions. -#}
with

deals as (
    select * from {{ ref('int_deals_unioned') }}
),

stages as (
    select * from {{ ref('int_deal_stages_unioned') }}
),

reps as (
    select * from {{ ref('dim_reps') }}
),

excluded_deals as (
    -- Deals that break a plausibility rule count in no metric: listed in core.record_exceptions.
    select distinct record_id as deal_id
    from {{ ref('int_record_exceptions') }}
    where entity = 'deal' and is_excluded
),

final as (
    select
        deals.deal_id,
        deals.source_deal_id,
        deals.deal_name,
        -- No owner: the explicit member 'unassigned', so totals never lose the deal.
        coalesce(deals.owner_rep_id, 'unassigned') as owner_rep_id,
        coalesce(reps.team_id, 'unassigned') as team_id,
        coalesce(deals.account_id, 'unknown') as account_id,
        deals.lead_id,
        deals.pipeline_id,
        deals.stage_id,
        stages.stage_label,
        stages.win_probability as stage_win_probability,
        deals.status,
        deals.status = 'won' as is_won,
        deals.status = 'lost' as is_lost,
        deals.status in ('won', 'lost') as is_closed,
        deals.is_deleted,
        deals.amount,
        deals.currency,
        deals.fx_rate,
        deals.fx_rate_date,
        deals.amount_reporting,
        '{{ var("reporting_currency") | upper }}' as reporting_currency,
        case
            when deals.status = 'open' then {{ weight_to_cents('deals.amount_reporting', 'stages.win_probability') }}
        end as weighted_amount_reporting,
        deals.created_at,
        deals.created_date,
        deals.closed_at,
        deals.closed_date,
        deals.expected_close_date,
        case
            when deals.status in ('won', 'lost')
                then {{ days_between('deals.created_date', 'deals.closed_date') }}
        end as sales_cycle_days,
        deals.lead_source,
        deals.deal_type,
        deals.source_system
    from deals
    left join stages
        on
            deals.pipeline_id = stages.pipeline_id
            and deals.stage_id = stages.stage_id
    left join reps
        on coalesce(deals.owner_rep_id, 'unassigned') = reps.rep_id
    left join excluded_deals
        on deals.deal_id = excluded_deals.deal_id
    where excluded_deals.deal_id is null
)

select * from final
