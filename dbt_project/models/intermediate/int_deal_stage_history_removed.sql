{#- Stage entries a source no longer holds while their deal was not reloaded, from every enabled
    source where that happens: one row per entry, with when it went (removed_at). Files: the
    entries a later full export lacked. HubSpot: none (a deal's stage history comes with the deal,
    which a change reloads). The incremental fct_deal_versions rebuilds these deals. -#}
{%- if 'files' in enabled_of(['files']) -%}
with

files_removed as (
    select * from {{ ref('stg_files__deal_stage_history_removed') }}
),

final as (
    select
        {{ source_id('files', 'deal_id') }} as deal_id,
        stage_id,
        entered_at,
        removed_at
    from files_removed
)

select * from final
{%- else -%}
select
    cast(null as {{ dbt.type_string() }}) as deal_id,
    cast(null as {{ dbt.type_string() }}) as stage_id,
    cast(null as {{ dbt.type_timestamp() }}) as entered_at,
    cast(null as {{ dbt.type_timestamp() }}) as removed_at
where 1 = 0
{%- endif %}
