{{ config(meta={'dagster': {'ref': {'name': 'pipeline_snapshot_daily'}}}) }}
{#- The reconstructed snapshot of the as-of date equals the pipeline open now: per rep, the open,
    non-deleted deals (with a creation date) and their amount. -#}
with

snapshot as (
    select
        rep_id,
        open_deals,
        open_pipeline
    from {{ ref('pipeline_snapshot_daily') }}
    where snapshot_date = {{ date_literal(as_of_date()) }}
),

open_now as (
    select
        owner_rep_id as rep_id,
        count(*) as open_deals,
        coalesce(sum(amount_reporting), 0) as open_pipeline
    from {{ ref('fct_deals') }}
    where
        status = 'open'
        and not is_deleted
        and created_date <= {{ date_literal(as_of_date()) }}
    group by owner_rep_id
),

final as (
    select
        snapshot.open_deals as snapshot_open_deals,
        open_now.open_deals as open_deals_now,
        snapshot.open_pipeline as snapshot_open_pipeline,
        open_now.open_pipeline as open_pipeline_now,
        coalesce(snapshot.rep_id, open_now.rep_id) as rep_id
    from snapshot
    full outer join open_now
        on snapshot.rep_id = open_now.rep_id
    where
        coalesce(snapshot.open_deals, 0) != coalesce(open_now.open_deals, 0)
        or coalesce(snapshot.open_pipeline, 0) != coalesce(open_now.open_pipeline, 0)
)

select * from final
