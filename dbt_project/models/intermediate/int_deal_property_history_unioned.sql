{#- The canonical history of a deal's amount, expected close date, owner and forecast category
    from every enabled CRM source: one row per deal, property and change, the value in the
    column of its property (the others NULL). HubSpot: its property history. Files: the export's
    field-history file where it has one (authoritative for the deals and properties it covers),
    and for the rest the versions of the deal that successive loads found
    (snapshot_files__deals), which is the whole history of an export without such a file.
    The stage history is int_deal_stage_history_unioned. loaded_at is the later of the change's
    and its deal's last load: a deal reloaded reloads its history.

    Incremental (delete+insert on deal_id): a run rewrites the whole history of every deal with
    a row loaded since its latest loaded_at (the deal reloaded, or a change of its field history
    loaded), computed from all of that deal's inputs as a full refresh computes it (the field
    history decides per deal and property which versions count). What changes a deal's rows
    always loads the deal or a change of its own: HubSpot's history arrives with its deal; a
    snapshot version is taken when its deal's load changed a tracked value (the snapshot runs
    before this model in a `dbt build`); a change a full export no longer holds stays in
    staging. Its post-hook deletes the rows of a deal the enabled sources no longer hold, and
    those older than their deal's last load (a deal reloaded without history left): every row
    of a deal is loaded no earlier than the deal (macro canonical_deal_loads). The result
    equals a full refresh. -#}
{%- set sources = enabled_of(['hubspot', 'files']) -%}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='deal_id',
    on_schema_change='fail',
    post_hook="{% if is_incremental() %}delete from {{ this }} as target where not exists "
        ~ "(select 1 from ({{ canonical_deal_loads() }}) as deals "
        ~ "where deals.deal_id = target.deal_id and deals.loaded_at <= target.loaded_at){% endif %}",
) }}
{%- set loaded_since = incremental_loaded_since() if is_incremental() -%}
with

{% if 'hubspot' in sources -%}
hubspot_history_source as (
    select * from {{ ref('stg_hubspot__deal_property_history') }}
),

hubspot_deals as (
    select * from {{ ref('stg_hubspot__deals') }}
),
{%- endif %}

{% if 'files' in sources -%}
files_history_source as (
    select * from {{ ref('stg_files__deal_property_history') }}
),

files_deal_versions as (
    select * from {{ ref('snapshot_files__deals') }}
),

files_deals as (
    select * from {{ ref('stg_files__deals') }}
),
{%- endif %}

{% if is_incremental() and 'files' in sources -%}
files_changed_deals as (
    -- Every row of a deal is loaded no earlier than the deal or its own field-history change.
    select deal_id from files_deals
    where loaded_at > {{ loaded_since }}
    union
    select deal_id from files_history_source
    where loaded_at > {{ loaded_since }}
),
{%- endif %}

{% if 'hubspot' in sources -%}
hubspot_history as (
    select
        {{ source_id('hubspot', 'hubspot_history_source.deal_id') }} as deal_id,
        case
            when hubspot_history_source.property = 'owner_id' then 'owner_rep_id'
            else hubspot_history_source.property
        end as property,
        hubspot_history_source.changed_at,
        case
            when hubspot_history_source.property = 'amount'
                then cast(hubspot_history_source.property_value as {{ type_amount() }})
        end as amount,
        -- HubSpot's closedate is an instant: its date in the reporting time zone, as for deals.
        case
            when hubspot_history_source.property = 'expected_close_date'
                then {{ to_reporting_date(to_utc_timestamp('hubspot_history_source.property_value')) }}
        end as expected_close_date,
        case
            when hubspot_history_source.property = 'owner_id'
                then {{ source_id('hubspot', 'hubspot_history_source.property_value') }}
        end as owner_rep_id,
        case
            when hubspot_history_source.property = 'forecast_category'
                then {{ normalised_category('hubspot_history_source.property_value') }}
        end as forecast_category,
        'hubspot' as source_system,
        hubspot_deals.loaded_at
    from hubspot_history_source
    inner join hubspot_deals
        on hubspot_history_source.deal_id = hubspot_deals.deal_id
    {%- if is_incremental() %}
        -- Every row of a deal takes the deal's load.
        where hubspot_deals.loaded_at > {{ loaded_since }}
    {%- endif %}
),
{%- endif %}

{% if 'files' in sources -%}
files_property_changes as (
    select
        deal_id,
        property,
        property_value,
        changed_at,
        loaded_at
    from files_history_source
    {%- if is_incremental() %}
        where deal_id in (select deal_id from files_changed_deals)
    {%- endif %}
),

files_rebuilt_versions as (
    select * from files_deal_versions
    {%- if is_incremental() %}
        where deal_id in (select deal_id from files_changed_deals)
    {%- endif %}
),

files_version_changes as (
    -- Each version a load found, as a change of every tracked property at its start.
    {%- for property, column in [
        ('amount', 'cast(amount as ' ~ dbt.type_string() ~ ')'),
        ('expected_close_date', 'cast(expected_close_date as ' ~ dbt.type_string() ~ ')'),
        ('owner_rep_id', 'owner_rep_id'),
        ('forecast_category', 'forecast_category'),
    ] %}
    select
        deal_id,
        '{{ property }}' as property,
        {{ column }} as property_value,
        dbt_valid_from as changed_at,
        loaded_at
    from files_rebuilt_versions
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

files_properties_with_history as (
    select distinct
        deal_id,
        property
    from files_property_changes
),

files_changes as (
    -- The field history is authoritative for the deals and properties it covers; the versions
    -- successive loads found fill in the rest (a value stamped with the deal's last change,
    -- which may be later than the change of that property).
    select * from files_property_changes
    union all
    select files_version_changes.*
    from files_version_changes
    left join files_properties_with_history
        on
            files_version_changes.deal_id = files_properties_with_history.deal_id
            and files_version_changes.property = files_properties_with_history.property
    where files_properties_with_history.deal_id is null
),

files_history as (
    select
        {{ source_id('files', 'files_changes.deal_id') }} as deal_id,
        files_changes.property,
        files_changes.changed_at,
        case when files_changes.property = 'amount' then cast(files_changes.property_value as {{ type_amount() }}) end
            as amount,
        -- A date, or the date part of a timestamp (YYYY-MM-DD...), as the export gives it.
        case
            when files_changes.property = 'expected_close_date'
                then cast(substr(files_changes.property_value, 1, 10) as date)
        end as expected_close_date,
        case
            when files_changes.property = 'owner_rep_id' then {{ source_id('files', 'files_changes.property_value') }}
        end as owner_rep_id,
        case
            when files_changes.property = 'forecast_category'
                then {{ normalised_category('files_changes.property_value') }}
        end as forecast_category,
        'files' as source_system,
        case
            when files_deals.loaded_at > files_changes.loaded_at then files_deals.loaded_at
            else files_changes.loaded_at
        end as loaded_at
    from files_changes
    inner join files_deals
        on files_changes.deal_id = files_deals.deal_id
),
{%- endif %}

unioned as (
    {{ union_sources(source_ctes(sources, 'history'), [
        ['deal_id', 'string'], ['property', 'string'], ['changed_at', 'timestamp'],
        ['amount', type_amount()], ['expected_close_date', 'date'], ['owner_rep_id', 'string'],
        ['forecast_category', 'string'], ['source_system', 'string'], ['loaded_at', 'timestamp'],
    ]) }}
),

final as (
    select * from unioned
)

select * from final
