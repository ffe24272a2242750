{#- The first snapshot date (the calendar start when the table is empty) an incremental run of pipeline_snapshot_daily must rebuild: the day
    after the last snapshot (new days), or the creation date of any deal whose versions were
    (re)loaded since the last run (its amount, stage, owner, close date or status may have
    changed every snapshot since), or the first snapshot of a rep who changed team since. A
    scalar subquery; only for incremental runs. -#}
{% macro pipeline_snapshot_recompute_from(this_relation) -%}
    coalesce((
        select min(candidate_date)
        from (
            select {{ dbt.dateadd('day', 1, 'max(snapshot_date)') }} as candidate_date
            from {{ this_relation }}
            union all
            -- Days after this run's as-of date, left by a run for a later day (dbt by hand
            -- without the as-of date reports up to today): removed, never kept. Only while the
            -- table has rows: the model evaluates this again after its pre-hook deleted, and an
            -- emptied table must be rebuilt from the calendar's start, not from the day after.
            select
                case
                    when max(snapshot_date) is not null
                        then {{ dbt.dateadd('day', 1, date_literal(as_of_date())) }}
                end as candidate_date
            from {{ this_relation }}
            union all
            select min(versions.valid_from_date) as candidate_date
            from {{ ref('fct_deal_versions') }} as versions
            where versions.loaded_at > (select max(source_loaded_at) from {{ this_relation }})
            union all
            select min(snapshots.snapshot_date) as candidate_date
            from {{ this_relation }} as snapshots
            inner join {{ ref('dim_reps') }} as reps
                on snapshots.rep_id = reps.rep_id
            where snapshots.team_id != reps.team_id
        ) as candidates
    ), {{ date_literal(calendar_start_date()) }})
{%- endmacro %}
