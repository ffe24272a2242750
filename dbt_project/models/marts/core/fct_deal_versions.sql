{#- Each deal as it was on every day: one row per deal and run of days over which its end-of-day
    state (stage, status, amount, expected close date, owner, forecast category) stayed the
    same, from its creation date on (valid_from_date to valid_to_date, inclusive; the current
    version has no valid_to_date). Built from the stage history and the property history of
    each deal; a property with no history keeps the deal's current value on every day, and a
    property's first recorded value holds from the creation on. From its close date on a deal
    is closed as fct_deals has it: its current amount, and the owner when it closed
    (owner_rep_id_at_close), so that pipeline leaving as won is exactly its bookings. Amounts in
    the reporting currency at the deal's rate (fct_deals.fx_rate: the close date's once
    closed, the creation date's while open). Deals left out of fct_deals (record exceptions)
    have no versions; deleted ones have them, flagged. Read by pipeline_snapshot_daily
    and pipeline_waterfall. Definitions: docs/metrics.md.

    Incremental (delete+insert on deal_id): a run rebuilds the versions of the deals (re)loaded
    since the last run (the deal, its property or stage history), of those that lost a stage
    entry since without a reload (int_deal_stage_history_removed), of the deals that entered or
    left fct_deals (a record exception fixed or raised) and of those whose versions no longer
    match fct_deals or the stages (an FX rate, a win probability or, before the close, a
    stage's status that changed without a reload); a deal whose rebuilt versions equal its old
    ones is not rewritten. Each rewritten
    deal records the first day its versions changed (changed_from_date), so that
    pipeline_snapshot_daily rebuilds only the days from there. The result equals a full refresh
    but for the three bookkeeping columns (rebuilt_at, previous_rebuilt_at, changed_from_date).
    After a change of the seed stage_map (it can change a files deal's own status), run with
    --full-refresh. -#}
{%- set properties = [
    'stage_id', 'amount', 'expected_close_date', 'owner_rep_id', 'forecast_category',
] -%}
{#- What a new version is a change of (the expected close date only while open). -#}
{%- set state_columns = [
    'stage_id', 'status', 'amount', 'open_expected_close_date', 'owner_rep_id', 'forecast_category',
] -%}
-- depends_on: {{ ref('int_deal_stage_history_removed') }}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='deal_id',
    on_schema_change='fail',
    post_hook="{% if is_incremental() %}delete from {{ this }} where deal_id not in "
        ~ "(select deal_id from {{ ref('fct_deals') }}){% endif %}",
) }}
with

all_deals as (
    select * from {{ ref('fct_deals') }}
),

all_deal_loads as (
    select * from {{ ref('int_deals_unioned') }}
),

stages as (
    select * from {{ ref('int_deal_stages_unioned') }}
),

all_property_history as (
    select * from {{ ref('int_deal_property_history_unioned') }}
),

all_stage_history as (
    select * from {{ ref('int_deal_stage_history_unioned') }}
),

{% if is_incremental() -%}
previous_versions as (
    select * from {{ this }}
),

removed_stage_entries as (
    select * from {{ ref('int_deal_stage_history_removed') }}
),

changed_deals as (
    -- (Re)loaded since the last run: the deal, or any of its history.
    select deal_id from all_deal_loads
    where loaded_at > {{ incremental_loaded_since() }}
    union
    select deal_id from all_property_history
    where loaded_at > {{ incremental_loaded_since() }}
    union
    select deal_id from all_stage_history
    where loaded_at > {{ incremental_loaded_since() }}
    union
    -- A stage entry gone since, its deal not reloaded (missing from a later full export).
    select deal_id from removed_stage_entries
    where removed_at > {{ incremental_loaded_since() }}
    union
    -- In fct_deals without versions: new, or no longer a record exception.
    select all_deals.deal_id
    from all_deals
    left join previous_versions
        on
            all_deals.deal_id = previous_versions.deal_id
            and previous_versions.is_current_version
    where previous_versions.deal_id is null
    union
    -- Changed without a reload: the FX rate (a rate corrected or carried from a nearer day), the
    -- deletion flag or the pipeline of the deal, the win probability of a stage it was in, or
    -- that stage's status before the close.
    select previous_versions.deal_id
    from previous_versions
    inner join all_deals
        on previous_versions.deal_id = all_deals.deal_id
    left join stages
        on
            previous_versions.pipeline_id = stages.pipeline_id
            and previous_versions.stage_id = stages.stage_id
    where
        previous_versions.amount_reporting
        is distinct from {{ convert_to_cents('previous_versions.amount', 'all_deals.fx_rate') }}
        or previous_versions.is_deleted is distinct from all_deals.is_deleted
        or previous_versions.pipeline_id is distinct from all_deals.pipeline_id
        or previous_versions.stage_win_probability is distinct from stages.win_probability
        -- Before its close a version's status is its stage's (a files stage's follows the deals
        -- in it); from the close on it is the deal's, reloaded with it.
        or (
            not {{ deal_version_is_finally_closed('previous_versions.valid_from_date', 'all_deals.closed_date') }}
            and previous_versions.status
            is distinct from {{ deal_status_in_stage('stages.status') }}
        )
),

{%- endif %}

deals as (
    select all_deals.*
    from all_deals
    {% if is_incremental() -%}
        inner join changed_deals
            on all_deals.deal_id = changed_deals.deal_id
    {%- endif %}
),

deal_loads as (
    select all_deal_loads.*
    from all_deal_loads
    inner join deals
        on all_deal_loads.deal_id = deals.deal_id
),

property_history as (
    select all_property_history.*
    from all_property_history
    inner join deals
        on all_property_history.deal_id = deals.deal_id
),

stage_history as (
    select all_stage_history.*
    from all_stage_history
    inner join deals
        on all_stage_history.deal_id = deals.deal_id
),

changes as (
    select
        deal_id,
        property,
        changed_at,
        amount,
        expected_close_date,
        owner_rep_id,
        forecast_category,
        cast(null as {{ dbt.type_string() }}) as stage_id,
        loaded_at
    from property_history
    union all
    select
        deal_id,
        'stage_id' as property,
        entered_at as changed_at,
        cast(null as {{ type_amount() }}) as amount,
        cast(null as date) as expected_close_date,
        cast(null as {{ dbt.type_string() }}) as owner_rep_id,
        cast(null as {{ dbt.type_string() }}) as forecast_category,
        stage_id,
        loaded_at
    from stage_history
),

dated_changes as (
    -- A change before the creation date (a backdated value) counts from the creation date.
    select
        changes.*,
        case
            when {{ to_reporting_date('changes.changed_at') }} < deals.created_date then deals.created_date
            else {{ to_reporting_date('changes.changed_at') }}
        end as change_date
    from changes
    inner join deals
        on changes.deal_id = deals.deal_id
    where changes.changed_at is not null
),

day_changes as (
    -- The value a property had at the end of each day it changed: the day's last change.
    select
        *,
        row_number() over (
            partition by deal_id, property, change_date
            order by
                changed_at desc,
                amount asc,
                expected_close_date asc,
                owner_rep_id asc,
                forecast_category asc,
                stage_id asc
        ) as change_rank
    from dated_changes
),

version_days as (
    select
        deal_id,
        change_date as valid_from_date
    from day_changes
    where change_rank = 1
    union
    select
        deal_id,
        created_date as valid_from_date
    from deals
    where created_date is not null
    union
    select
        deal_id,
        closed_date as valid_from_date
    from deals
    where closed_date is not null
),

pivoted as (
    -- Per version day, which properties changed that day and to what.
    select
        version_days.deal_id,
        version_days.valid_from_date,
        {%- for property in properties %}
            max(case when day_changes.property = '{{ property }}' then 1 else 0 end) as has_{{ property }},
            max(case when day_changes.property = '{{ property }}' then day_changes.{{ property }} end)
                as changed_{{ property }},
        {%- endfor %}
        max(day_changes.loaded_at) as loaded_at
    from version_days
    left join day_changes
        on
            version_days.deal_id = day_changes.deal_id
            and version_days.valid_from_date = day_changes.change_date
            and day_changes.change_rank = 1
    group by version_days.deal_id, version_days.valid_from_date
),

carried as (
    -- Each property's last recorded value on each version day (a change to NULL included);
    -- before its first change, its first recorded value.
    {{ carry_forward_changes('pivoted', 'deal_id', 'valid_from_date', properties, partition_maxima=['loaded_at']) }}
),

recorded as (
    select
        deal_id,
        valid_from_date,
        partition_max_loaded_at as history_loaded_at,
        {%- for property in properties %}
            has_history_{{ property }},
            recorded_{{ property }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from carried
),

states as (
    select
        recorded.deal_id,
        recorded.valid_from_date,
        {{ deal_version_is_finally_closed('recorded.valid_from_date', 'deals.closed_date') }}
            as is_finally_closed,
        case
            when recorded.has_history_stage_id = 1 then recorded.recorded_stage_id else deals.stage_id
        end as history_stage_id,
        case
            when recorded.has_history_amount = 1 then recorded.recorded_amount else deals.amount
        end as history_amount,
        case
            when recorded.has_history_expected_close_date = 1 then recorded.recorded_expected_close_date
            -- No history: the expected close date now, or for a deal closed since, its close date.
            else coalesce(deals.expected_close_date, deals.closed_date)
        end as history_expected_close_date,
        case
            when recorded.has_history_owner_rep_id = 1 then coalesce(recorded.recorded_owner_rep_id, 'unassigned')
            else deals.owner_rep_id
        end as history_owner_rep_id,
        case
            when recorded.has_history_forecast_category = 1 then recorded.recorded_forecast_category
            else deals.forecast_category
        end as history_forecast_category,
        case
            when recorded.history_loaded_at > deal_loads.loaded_at then recorded.history_loaded_at
            else deal_loads.loaded_at
        end as loaded_at
    from recorded
    inner join deals
        on recorded.deal_id = deals.deal_id
    inner join deal_loads
        on recorded.deal_id = deal_loads.deal_id
),

resolved as (
    select
        states.deal_id,
        states.valid_from_date,
        deals.pipeline_id,
        states.history_expected_close_date as expected_close_date,
        deals.fx_rate,
        deals.is_deleted,
        states.loaded_at,
        case when states.is_finally_closed then deals.stage_id else states.history_stage_id end as stage_id,
        case
            when states.is_finally_closed then deals.status
            else {{ deal_status_in_stage('history_stages.status') }}
        end as status,
        case when states.is_finally_closed then deals.amount else states.history_amount end as amount,
        case
            when states.is_finally_closed then deals.owner_rep_id_at_close
            else coalesce(states.history_owner_rep_id, 'unassigned')
        end as owner_rep_id,
        case
            when states.is_finally_closed then deals.forecast_category
            else states.history_forecast_category
        end as forecast_category
    from states
    inner join deals
        on states.deal_id = deals.deal_id
    left join stages as history_stages
        on
            deals.pipeline_id = history_stages.pipeline_id
            and states.history_stage_id = history_stages.stage_id
),

compared as (
    -- A day whose end-of-day state equals the day before's (a change undone the same day, or
    -- one that no longer shows, such as an owner change after the close) starts no version.
    select
        *,
        {%- for column in state_columns %}
            lag({{ column }}) over (partition by deal_id order by valid_from_date) as previous_{{ column }},
        {%- endfor %}
        row_number() over (partition by deal_id order by valid_from_date) as day_number
    from (
        -- A closed deal has no expected close date: a change of it after the close moves nothing.
        select
            *,
            case when status = 'open' then expected_close_date end as open_expected_close_date
        from resolved
    ) as resolved_states
),

distinct_states as (
    select
        *,
        {{ dbt.dateadd('day', -1, 'lead(valid_from_date) over (partition by deal_id order by valid_from_date)') }}
            as valid_to_date,
        row_number() over (partition by deal_id order by valid_from_date) as version_number
    from compared
    where
        day_number = 1
        {%- for column in state_columns %}
            or {{ column }} is distinct from previous_{{ column }}
        {%- endfor %}
),

final as (
    select
        resolved.deal_id,
        cast(resolved.version_number as integer) as version_number,
        resolved.valid_from_date,
        cast(resolved.valid_to_date as date) as valid_to_date,
        resolved.valid_to_date is null as is_current_version,
        resolved.pipeline_id,
        resolved.stage_id,
        stages.win_probability as stage_win_probability,
        resolved.status,
        resolved.status = 'open' as is_open,
        -- Cast again after the CASEs that chose them: PostgreSQL's CASE drops the type's
        -- precision and scale, and an incremental run compares the types with the table's.
        cast(resolved.amount as {{ type_amount() }}) as amount,
        {{ convert_to_cents('resolved.amount', 'resolved.fx_rate') }} as amount_reporting,
        cast(
            case
                when resolved.status = 'open'
                    then {{ weight_to_cents(
                        convert_to_cents('resolved.amount', 'resolved.fx_rate'), 'stages.win_probability'
                    ) }}
            end as {{ type_money() }}
        ) as weighted_amount_reporting,
        case when resolved.status = 'open' then resolved.expected_close_date end as expected_close_date,
        resolved.owner_rep_id,
        resolved.forecast_category,
        resolved.is_deleted,
        resolved.loaded_at
    from distinct_states as resolved
    left join stages
        on
            resolved.pipeline_id = stages.pipeline_id
            and resolved.stage_id = stages.stage_id
),

{% if is_incremental() -%}
differences as (
    -- The versions that are new or gone, compared on everything but their end (the next
    -- version's start) and their lineage.
    select deal_id, valid_from_date from (
        select {{ version_state_columns() }} from final
        except
        select {{ version_state_columns() }} from previous_versions
        where deal_id in (select deal_id from deals)
    ) as added
    union all
    select deal_id, valid_from_date from (
        select {{ version_state_columns() }} from previous_versions
        where deal_id in (select deal_id from deals)
        except
        select {{ version_state_columns() }} from final
    ) as removed
),

first_changes as (
    select
        deal_id,
        min(valid_from_date) as changed_from_date
    from differences
    group by deal_id
),

previous_rebuilds as (
    select
        deal_id,
        max(rebuilt_at) as rebuilt_at,
        max(loaded_at) as loaded_at
    from previous_versions
    where deal_id in (select deal_id from deals)
    group by deal_id
),

{%- endif %}

rebuilt as (
    -- A deal whose versions and lineage are unchanged keeps its rows (and its bookkeeping).
    select
        final.*,
        {{ run_started_timestamp() }} as rebuilt_at,
        {% if is_incremental() -%}
            previous_rebuilds.rebuilt_at as previous_rebuilt_at,
            first_changes.changed_from_date
        {%- else -%}
            cast(null as {{ dbt.type_timestamp() }}) as previous_rebuilt_at,
            min(final.valid_from_date) over (partition by final.deal_id) as changed_from_date
        {%- endif %}
    from final
    {% if is_incremental() -%}
        left join first_changes
            on final.deal_id = first_changes.deal_id
        left join previous_rebuilds
            on final.deal_id = previous_rebuilds.deal_id
        where
            first_changes.deal_id is not null
            or final.loaded_at is distinct from previous_rebuilds.loaded_at
    {%- endif %}
)

select * from rebuilt
