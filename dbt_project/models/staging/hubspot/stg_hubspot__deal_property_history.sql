{#- Every value a deal's amount, close date, owner and forecast category had (HubSpot's
    propertiesWithHistory, one child table per property), with when it was set: one row per
    deal, property and change, values as HubSpot's text (property_value). A table a load has not written yet
    (a warehouse loaded before the history was) reads as empty. -#}
{%- set histories = [
    ('deals__amount_history', 'amount'),
    ('deals__closedate_history', 'expected_close_date'),
    ('deals__owner_history', 'owner_id'),
    ('deals__forecast_category_history', 'forecast_category'),
] -%}
with

unioned as (
    {%- for table, property in histories %}
        select
            cast(history_source.deal_id as {{ dbt.type_string() }}) as deal_id,
            '{{ property }}' as property,
            -- An unset value is NULL or ''.
            nullif(cast(history_source.value as {{ dbt.type_string() }}), '') as property_value,
            {{ to_utc_timestamp('history_source.changed_at') }} as changed_at,
            cast(history_source.source_type as {{ dbt.type_string() }}) as source_type
        from (
            {{ hubspot_current_child_rows('deals', table, ['deal_id', 'value', 'changed_at', 'source_type']) }}
        ) as history_source
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

final as (
    select * from unioned
)

select * from final
