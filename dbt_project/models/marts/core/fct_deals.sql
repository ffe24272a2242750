{#- One row per deal from every enabled CRM source (deleted ones flagged, never counted by the
    sales marts): status, amounts in the deal's and the reporting currency, dates in the
    reporting time zone, sales cycle, the owner's current team, and the owner when the deal
    closed (who its bookings go to: the owner then, from the owner history, even when the deal
    was handed on since). A deal that breaks a plausibility rule is left out and listed in
    core.record_exceptions. -#}
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

owner_changes as (
    select
        deal_id,
        changed_at,
        owner_rep_id
    from {{ ref('int_deal_property_history_unioned') }}
    where property = 'owner_rep_id'
),

owners_at_close as (
    -- The owner in force when the deal closed: its last owner change at or before the close;
    -- a close before the first recorded change falls to the first owner recorded.
    select
        deals.deal_id,
        owner_changes.owner_rep_id,
        row_number() over (
            partition by deals.deal_id
            order by
                case when owner_changes.changed_at <= deals.closed_at then 0 else 1 end,
                case when owner_changes.changed_at <= deals.closed_at then owner_changes.changed_at end desc,
                owner_changes.changed_at
        ) as owner_rank
    from deals
    inner join owner_changes
        on deals.deal_id = owner_changes.deal_id
    where deals.closed_at is not null
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
        deals.forecast_category,
        deals.closed_lost_reason,
        -- Who the deal's bookings (or loss) count for: the owner when it closed; without an
        -- owner history, the current owner. NULL while open.
        case
            when deals.closed_at is not null and owners_at_close.deal_id is not null
                then coalesce(owners_at_close.owner_rep_id, 'unassigned')
            when deals.closed_at is not null then coalesce(deals.owner_rep_id, 'unassigned')
        end as owner_rep_id_at_close,
        case
            when deals.closed_at is not null then coalesce(reps_at_close.team_id, 'unassigned')
        end as team_id_at_close,
        deals.source_system
    from deals
    left join stages
        on
            deals.pipeline_id = stages.pipeline_id
            and deals.stage_id = stages.stage_id
    left join reps
        on coalesce(deals.owner_rep_id, 'unassigned') = reps.rep_id
    left join owners_at_close
        on
            deals.deal_id = owners_at_close.deal_id
            and owners_at_close.owner_rank = 1
    left join reps as reps_at_close
        on
            case
                when owners_at_close.deal_id is not null then coalesce(owners_at_close.owner_rep_id, 'unassigned')
                else coalesce(deals.owner_rep_id, 'unassigned')
            end = reps_at_close.rep_id
    left join excluded_deals
        on deals.deal_id = excluded_deals.deal_id
    where excluded_deals.deal_id is null
)

select * from final
