{#- The canonical deals from every CRM source: status from the stage, close time only for
    closed deals, amount in the reporting currency, dates in the reporting time zone. -#}
with

deals as (
    select * from {{ ref('stg_hubspot__deals') }}
),

stages as (
    select * from {{ ref('int_deal_stages_unioned') }}
),

classified as (
    select
        deals.deal_id,
        deals.deal_name,
        deals.owner_id as owner_rep_id,
        deals.pipeline_id,
        deals.stage_id,
        stages.status,
        deals.amount,
        deals.currency,
        -- Only amounts already in the reporting currency; FX conversion is not built yet, and
        -- the accepted_values test on currency stops the build before mixed currencies are summed.
        case
            when deals.currency = '{{ var("reporting_currency") }}' then deals.amount
        end as amount_reporting,
        deals.created_at,
        {{ to_reporting_date('deals.created_at') }} as created_date,
        case when stages.status in ('won', 'lost') then deals.close_date_property_at end as closed_at,
        case
            when stages.status in ('won', 'lost')
                then {{ to_reporting_date('deals.close_date_property_at') }}
        end as closed_date,
        case
            when stages.status = 'open'
                then {{ to_reporting_date('deals.close_date_property_at') }}
        end as expected_close_date,
        deals.is_deleted,
        'hubspot' as source_system
    from deals
    left join stages
        on
            deals.pipeline_id = stages.pipeline_id
            and deals.stage_id = stages.stage_id
),

final as (
    select * from classified
)

select * from final
