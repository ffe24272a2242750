{#- The first snapshot date an incremental run of pipeline_snapshot_daily must rebuild (the
    calendar start when the table is empty), evaluated by its pre-hook before it deletes the days
    from there on: the last day it holds (always rebuilt, so every run leaves its rebuilt_at, the
    cursor below) and the days after it; the first day whose state changed of every deal whose
    versions core.fct_deal_versions rewrote since (changed_from_date; the deal's first day when
    they were rewritten twice since, the first change being unknown then); the creation date of
    a deal reloaded since that left fct_deals (a record exception: its versions are gone); and
    the first snapshot of a rep who changed team since. A scalar subquery; only for incremental
    runs. -#}
{% macro pipeline_snapshot_recompute_from(this_relation) -%}
    coalesce((
        select min(candidate_date)
        from (
            select max(snapshot_date) as candidate_date
            from {{ this_relation }}
            union all
            -- Days after this run's as-of date, left by a run for a later day (dbt by hand
            -- without the as-of date reports up to today): removed, never kept.
            select
                case
                    when max(snapshot_date) is not null
                        then {{ dbt.dateadd('day', 1, date_literal(as_of_date())) }}
                end as candidate_date
            from {{ this_relation }}
            union all
            {{ deal_history_changed_from(this_relation) }}
            union all
            {{ first_row_of_a_rep_whose_team_changed(this_relation, 'snapshot_date') }}
        ) as candidates
    ), {{ date_literal(calendar_start_date()) }})
{%- endmacro %}

{#- The deals' side of what an incremental run of a mart built on core.fct_deal_versions must
    rebuild from, for a model whose rebuilt_at says when it last ran: per deal whose versions
    were rewritten since, the first day whose state changed (changed_from_date; the deal's first
    day when they were rewritten twice since, the first change being unknown then), and the
    creation date of a deal reloaded since that left fct_deals (a record exception: its
    versions are gone). Two selects of candidate_date joined by union all, for the caller's
    min(). -#}
{% macro deal_history_changed_from(this_relation) -%}
    {%- set last_run = '(select max(rebuilt_at) from ' ~ this_relation ~ ')' -%}
    select
        min(
            case
                when rewritten.previous_rebuilt_at > {{ last_run }} then rewritten.first_day
                else rewritten.changed_from_date
            end
        ) as candidate_date
    from (
        select
            deal_id,
            min(valid_from_date) as first_day,
            min(changed_from_date) as changed_from_date,
            max(previous_rebuilt_at) as previous_rebuilt_at
        from {{ ref('fct_deal_versions') }}
        where rebuilt_at > {{ last_run }}
        group by deal_id
    ) as rewritten
    union all
    select min(deals.created_date) as candidate_date
    from {{ ref('int_deals_unioned') }} as deals
    where
        deals.loaded_at > {{ incremental_loaded_since('rebuilt_at', this_relation) }}
        and deals.deal_id not in (select deal_id from {{ ref('fct_deal_versions') }})
{%- endmacro %}

{#- The first closing_date an incremental run of pipeline_waterfall must rebuild from (the
    calendar start when the table is empty), evaluated by its pre-hook before it deletes every
    row whose period closes on or after it: the periods in progress at its last run (always
    rebuilt, so every run leaves its rebuilt_at, the cursor), the as-of date (a run for an
    earlier day), the deals' changes (deal_history_changed_from: a period closing before a
    deal's first changed day saw none of it), and the first period of a rep who changed team
    since (a rep's pipeline is their current team's). -#}
{% macro pipeline_waterfall_recompute_from(this_relation) -%}
    coalesce((
        select min(candidate_date)
        from (
            select max(closing_date) as candidate_date
            from {{ this_relation }}
            union all
            select {{ date_literal(as_of_date()) }} as candidate_date
            union all
            {{ deal_history_changed_from(this_relation) }}
            union all
            {{ first_row_of_a_rep_whose_team_changed(
                this_relation, 'closing_date', "built.waterfall_level = 'rep'"
            ) }}
        ) as candidates
    ), {{ date_literal(calendar_start_date()) }})
{%- endmacro %}

{#- The earliest `date_column` of the rows of `this_relation` whose rep's team is no longer the
    team they hold (a rep's rows are their current team's, 'unassigned' for a rep dim_reps no
    longer holds, as the models build them), among those meeting `where` (a condition on the
    alias `built`): a select of candidate_date for the callers' min(), shared by the snapshot
    and the waterfall so that both see the same changes. -#}
{% macro first_row_of_a_rep_whose_team_changed(this_relation, date_column, where=none) -%}
    select min(built.{{ date_column }}) as candidate_date
    from {{ this_relation }} as built
    left join {{ ref('dim_reps') }} as reps
        on built.rep_id = reps.rep_id
    where
        {% if where %}{{ where }} and {% endif -%}
        built.team_id is distinct from coalesce(reps.team_id, 'unassigned')
{%- endmacro %}
