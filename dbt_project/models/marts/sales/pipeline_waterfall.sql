{#- How the pipeline of each week, month and fiscal quarter moved, per rep, team and company:
    opening pipeline, created, reopened, increased, decreased, pulled in, pushed out (slipped),
    won, lost, transferred in and out, closing pipeline; opening + every movement = closing,
    to the cent, on every row (tested). The pipeline of a period is the open deals expected to
    close by its last day (overdue ones included: they are still expected). Built from the
    deals' end-of-day states (core.fct_deal_versions): each day a deal changes, in this order, a
    new owner takes its value over (transferred), a new amount changes it (increased /
    decreased), a close date crossing the period's end moves it in or out (pulled in / pushed
    out), a close takes it out (won / lost at its close amount and owner: the won movement of a
    period is its bookings); a deal created that day enters (created), a closed one reopened
    re-enters (reopened). Movements out of the pipeline are negative. Pipeline goes to the
    owner on the day; a team's transfers are only those across teams, the company has none.
    Periods up to the as-of date, the one in progress labelled and to date. Definitions:
    docs/metrics.md.

    Incremental: a run's pre-hook deletes every row whose period closes on or after the first
    day that may have changed (pipeline_waterfall_recompute_from: the periods in progress, the
    deals whose versions were rewritten, a rep who changed team), and the run builds each
    grain's periods after the last one left, from the versions in force from the day before the
    first of them on. Equal to a full refresh (tests/marts). -#}
-- depends_on: {{ ref('int_deals_unioned') }}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['period_grain', 'period_start_date'],
    on_schema_change='fail',
    pre_hook="{% if is_incremental() %}delete from {{ this }} where closing_date >= "
        ~ "{{ pipeline_waterfall_recompute_from(this) }}{% endif %}",
) }}
{%- set as_of = date_literal(as_of_date()) -%}
{%- set movements = [
    'created', 'reopened', 'increased', 'decreased', 'pulled_in', 'pushed_out', 'won', 'lost',
] -%}
with

versions as (
    select * from {{ ref('fct_deal_versions') }}
),

periods as (
    select * from {{ ref('int_date_periods') }}
),

reps as (
    select * from {{ ref('dim_reps') }}
),

{% if is_incremental() -%}
kept_periods as (
    -- Each grain's last period the pre-hook left: this run builds the ones after it.
    select
        period_grain,
        max(period_start_date) as last_kept_start_date
    from {{ this }}
    group by period_grain
),

{% endif -%}
period_list as (
    select distinct
        periods.period_grain,
        periods.period_start_date,
        periods.period_end_date,
        periods.period_label,
        -- The days whose end-of-day pipeline opens and closes the period.
        cast({{ dbt.dateadd('day', -1, 'periods.period_start_date') }} as date) as opening_date,
        case when periods.period_end_date < {{ as_of }} then periods.period_end_date else {{ as_of }} end
            as closing_date
    from periods
    {% if is_incremental() -%}
        left join kept_periods
            on periods.period_grain = kept_periods.period_grain
    {%- endif %}
    where
        periods.period_grain in ('week', 'month', 'fiscal_quarter')
        and periods.period_start_date <= {{ as_of }}
    {% if is_incremental() -%}
            and (
                kept_periods.last_kept_start_date is null
                or periods.period_start_date > kept_periods.last_kept_start_date
            )
        {%- endif %}
),

live_versions as (
    select
        versions.*,
        coalesce(reps.team_id, 'unassigned') as team_id,
        coalesce(versions.amount_reporting, 0) as pipeline_amount
    from versions
    left join reps
        on versions.owner_rep_id = reps.rep_id
    where
        not versions.is_deleted
    {% if is_incremental() -%}
            -- In force on or after the day before the first period built: every state those
            -- periods open, close or change from (a change's previous state held the day
            -- before it), and no older one.
            and coalesce(versions.valid_to_date, {{ date_literal('9999-12-31') }})
            >= (select min(opening_date) from period_list)
        {%- endif %}
),

transitions as (
    -- Each new end-of-day state beside the one before it (none on the creation day).
    select
        deal_id,
        valid_from_date as change_date,
        is_open,
        status,
        expected_close_date,
        pipeline_amount,
        owner_rep_id,
        team_id,
        lag(version_number) over (partition by deal_id order by version_number) is null as is_first,
        lag(is_open) over (partition by deal_id order by version_number) as was_open,
        lag(expected_close_date) over (partition by deal_id order by version_number) as was_expected_close_date,
        lag(pipeline_amount) over (partition by deal_id order by version_number) as was_pipeline_amount,
        lag(owner_rep_id) over (partition by deal_id order by version_number) as was_owner_rep_id,
        lag(team_id) over (partition by deal_id order by version_number) as was_team_id
    from live_versions
),

period_transitions as (
    select
        transitions.*,
        periods.period_grain,
        periods.period_start_date,
        periods.period_end_date,
        -- In the period's pipeline before and after the day's change (a deal closing that day
        -- counts as in it: its close date is that day).
        coalesce(transitions.was_open, false)
        and not transitions.is_first
        and transitions.was_expected_close_date <= periods.period_end_date as was_in,
        (transitions.is_open and transitions.expected_close_date <= periods.period_end_date)
        or (not transitions.is_open and (transitions.is_first or coalesce(transitions.was_open, false)))
            as is_in,
        not transitions.is_open and (transitions.is_first or coalesce(transitions.was_open, false)) as closes
    from transitions
    inner join periods
        on
            transitions.change_date = periods.date_day
            and periods.period_grain in ('week', 'month', 'fiscal_quarter')
    {% if is_incremental() -%}
        inner join period_list
            on
                periods.period_grain = period_list.period_grain
                and periods.period_start_date = period_list.period_start_date
    {%- endif %}
    where transitions.change_date <= {{ as_of }}
),

classified as (
    select
        *,
        case when is_first and is_in then pipeline_amount else 0 end as created,
        case when not is_first and not coalesce(was_open, false) and is_open and is_in then pipeline_amount else 0 end
            as reopened,
        case
            when was_in and pipeline_amount > was_pipeline_amount then pipeline_amount - was_pipeline_amount else 0
        end as increased,
        case
            when was_in and pipeline_amount < was_pipeline_amount then pipeline_amount - was_pipeline_amount else 0
        end as decreased,
        case when coalesce(was_open, false) and not was_in and is_in then pipeline_amount else 0 end as pulled_in,
        case when was_in and not is_in then -pipeline_amount else 0 end as pushed_out,
        case when closes and status = 'won' then -pipeline_amount else 0 end as won,
        case when closes and status != 'won' then -pipeline_amount else 0 end as lost,
        was_in and owner_rep_id != was_owner_rep_id as is_rep_transfer,
        was_in and team_id != was_team_id as is_team_transfer
    from period_transitions
),

owner_sides as (
    -- The new owner's side of every change, and the previous owner's side of a transfer: one
    -- pass over the classified changes (a union of two reads of them would store them first).
    select true as is_new_owner
    union all
    select false as is_new_owner
),

movement_rows as (
    select
        classified.period_grain,
        classified.period_start_date,
        case when owner_sides.is_new_owner then classified.owner_rep_id else classified.was_owner_rep_id end as rep_id,
        case when owner_sides.is_new_owner then classified.team_id else classified.was_team_id end as team_id,
        {%- for movement in movements %}
            case when owner_sides.is_new_owner then classified.{{ movement }} else 0 end as {{ movement }},
        {%- endfor %}
        case
            when owner_sides.is_new_owner and classified.is_rep_transfer then classified.was_pipeline_amount else 0
        end as rep_transferred_in,
        case when not owner_sides.is_new_owner then -classified.was_pipeline_amount else 0 end as rep_transferred_out,
        case
            when owner_sides.is_new_owner and classified.is_team_transfer then classified.was_pipeline_amount else 0
        end as team_transferred_in,
        case
            when not owner_sides.is_new_owner and classified.is_team_transfer then -classified.was_pipeline_amount
            else 0
        end as team_transferred_out
    from classified
    cross join owner_sides
    where owner_sides.is_new_owner or classified.is_rep_transfer
),

moved as (
    select * from movement_rows
    where
        created != 0 or reopened != 0 or increased != 0 or decreased != 0 or pulled_in != 0
        or pushed_out != 0 or won != 0 or lost != 0 or rep_transferred_in != 0 or rep_transferred_out != 0
),

open_versions as (
    -- The open end-of-day states, each with the last day it held (the current one: open-ended).
    select
        owner_rep_id,
        team_id,
        pipeline_amount,
        expected_close_date,
        valid_from_date,
        coalesce(valid_to_date, {{ date_literal('9999-12-31') }}) as valid_through_date
    from live_versions
    where is_open
),

balance_rows as (
    -- Every deal in a period's pipeline at the end of the day before it (opening) and at the
    -- end of its last day or the as-of date (closing). Two plain date ranges: the join is a
    -- range join over the open states, not a filter over every state and period.
    select
        period_list.period_grain,
        period_list.period_start_date,
        open_versions.owner_rep_id as rep_id,
        open_versions.team_id,
        open_versions.pipeline_amount as opening_pipeline,
        1 as opening_deals,
        0 as closing_pipeline,
        0 as closing_deals
    from open_versions
    inner join period_list
        on
            open_versions.valid_from_date <= period_list.opening_date
            and open_versions.valid_through_date >= period_list.opening_date
    where open_versions.expected_close_date <= period_list.period_end_date
    union all
    select
        period_list.period_grain,
        period_list.period_start_date,
        open_versions.owner_rep_id as rep_id,
        open_versions.team_id,
        0 as opening_pipeline,
        0 as opening_deals,
        open_versions.pipeline_amount as closing_pipeline,
        1 as closing_deals
    from open_versions
    inner join period_list
        on
            open_versions.valid_from_date <= period_list.closing_date
            and open_versions.valid_through_date >= period_list.closing_date
    where open_versions.expected_close_date <= period_list.period_end_date
),

rep_rows as (
    select
        period_grain,
        period_start_date,
        rep_id,
        team_id,
        opening_pipeline,
        opening_deals,
        {%- for movement in movements %}
            0 as {{ movement }},
        {%- endfor %}
        0 as rep_transferred_in,
        0 as rep_transferred_out,
        0 as team_transferred_in,
        0 as team_transferred_out,
        closing_pipeline,
        closing_deals
    from balance_rows
    union all
    select
        period_grain,
        period_start_date,
        rep_id,
        team_id,
        0 as opening_pipeline,
        0 as opening_deals,
        {%- for movement in movements %}
            {{ movement }},
        {%- endfor %}
        rep_transferred_in,
        rep_transferred_out,
        team_transferred_in,
        team_transferred_out,
        0 as closing_pipeline,
        0 as closing_deals
    from moved
),

rep_totals as (
    -- Each rep's sums of a period, once: the team and company levels add these up (the same
    -- totals, money being decimal) rather than read every row again.
    select
        rep_id,
        team_id,
        period_grain,
        period_start_date,
        sum(opening_pipeline) as opening_pipeline,
        sum(opening_deals) as opening_deals,
        {%- for movement in movements %}
            sum({{ movement }}) as {{ movement }},
        {%- endfor %}
        {%- for transfer in ['rep', 'team'] %}
            sum({{ transfer }}_transferred_in) as {{ transfer }}_transferred_in,
            sum({{ transfer }}_transferred_out) as {{ transfer }}_transferred_out,
        {%- endfor %}
        sum(closing_pipeline) as closing_pipeline,
        sum(closing_deals) as closing_deals
    from rep_rows
    group by rep_id, team_id, period_grain, period_start_date
),

levels as (
    {%- for level, keys, transfer in [
        ('rep', ['rep_id', 'team_id'], 'rep'),
        ('team', ['team_id'], 'team'),
        ('company', [], none),
    ] %}
        select
            '{{ level }}' as waterfall_level,
            {{ 'rep_id' if level == 'rep' else 'cast(null as ' ~ dbt.type_string() ~ ')' }},
            {{ 'team_id' if level != 'company' else 'cast(null as ' ~ dbt.type_string() ~ ')' }},
            period_grain,
            period_start_date,
            sum(opening_pipeline) as opening_pipeline,
            sum(opening_deals) as opening_deals,
            {%- for movement in movements %}
                sum({{ movement }}) as {{ movement }},
            {%- endfor %}
            {%- if transfer %}
                sum({{ transfer }}_transferred_in) as transferred_in,
                sum({{ transfer }}_transferred_out) as transferred_out,
            {%- else %}
                0 as transferred_in,
                0 as transferred_out,
            {%- endif %}
            sum(closing_pipeline) as closing_pipeline,
            sum(closing_deals) as closing_deals
        from rep_totals
        group by {% for key in keys %}{{ key }}, {% endfor %}period_grain, period_start_date
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

final as (
    select
        levels.waterfall_level,
        cast(levels.rep_id as {{ dbt.type_string() }}) as rep_id,
        cast(levels.team_id as {{ dbt.type_string() }}) as team_id,
        levels.period_grain,
        levels.period_start_date,
        period_list.period_end_date,
        period_list.period_label,
        period_list.period_end_date <= {{ as_of }} as is_period_complete,
        period_list.closing_date,
        '{{ var("reporting_currency") | upper }}' as reporting_currency,
        cast(levels.opening_pipeline as {{ type_money() }}) as opening_pipeline,
        {%- for movement in movements %}
            cast(levels.{{ movement }} as {{ type_money() }}) as {{ movement }},
        {%- endfor %}
        cast(levels.transferred_in as {{ type_money() }}) as transferred_in,
        cast(levels.transferred_out as {{ type_money() }}) as transferred_out,
        cast(levels.closing_pipeline as {{ type_money() }}) as closing_pipeline,
        cast(levels.opening_deals as bigint) as opening_deals,
        cast(levels.closing_deals as bigint) as closing_deals,
        -- Of what the period's pipeline held or took in, the share that slipped out of it.
        {{ safe_divide(
            '-levels.pushed_out',
            'levels.opening_pipeline + levels.created + levels.reopened + levels.pulled_in + levels.transferred_in'
        ) }} as slipped_share,
        {{ run_started_timestamp() }} as rebuilt_at
    from levels
    inner join period_list
        on
            levels.period_grain = period_list.period_grain
            and levels.period_start_date = period_list.period_start_date
)

select * from final
