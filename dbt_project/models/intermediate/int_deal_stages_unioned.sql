{#- The canonical deal stages with the status each implies: from the CRM's stage metadata
    (closed with probability 1 = won, closed otherwise = lost, else open), unless the
    stage_status_overrides seed says otherwise. -#}
with

hubspot_stages as (
    select * from {{ ref('stg_hubspot__deal_stages') }}
),

overrides as (
    select * from {{ ref('stage_status_overrides') }}
),

classified as (
    select
        hubspot_stages.pipeline_id,
        hubspot_stages.stage_id,
        hubspot_stages.stage_label,
        hubspot_stages.display_order,
        hubspot_stages.win_probability,
        hubspot_stages.is_closed,
        coalesce(
            overrides.status,
            case
                when hubspot_stages.is_closed and hubspot_stages.win_probability >= 1 then 'won'
                when hubspot_stages.is_closed then 'lost'
                else 'open'
            end
        ) as status
    from hubspot_stages
    left join overrides
        on
            hubspot_stages.pipeline_id = overrides.pipeline_id
            and hubspot_stages.stage_id = overrides.stage_id
),

final as (
    select * from classified
)

select * from final
