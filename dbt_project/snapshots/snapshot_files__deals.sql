{#- The files source's deals as each load found them: repeated full exports of the same CRM
    become a history (dbt snapshot, check strategy, type-2 rows with dbt_valid_from and
    dbt_valid_to). A new version starts when a tracked value differs from the last load's, valid
    from when the export says the deal last changed (its last_modified_at), else from that load.
    Runs with every `dbt build` while the files source is enabled; a full refresh keeps it (a
    snapshot is the only record of what earlier exports said). Read by
    int_deal_property_history_unioned. -#}
{% snapshot snapshot_files__deals %}
{{ config(
    schema='snapshots',
    unique_key='deal_id',
    strategy='check',
    check_cols=[
        'stage_id', 'status', 'amount', 'currency', 'expected_close_date', 'closed_at',
        'owner_rep_id', 'forecast_category', 'is_deleted',
    ],
    updated_at='changed_at',
    enabled=source_enabled('files'),
) }}
select
    deal_id,
    stage_id,
    status,
    amount,
    currency,
    expected_close_date,
    closed_at,
    owner_rep_id,
    forecast_category,
    is_deleted,
    coalesce(last_modified_at, loaded_at) as changed_at,
    loaded_at
from {{ ref('stg_files__deals') }}
{% endsnapshot %}
