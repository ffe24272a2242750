{#- Every association HubSpot reports between CRM records, from the association child tables of
    deals, contacts and the engagements: one row per (from, to) pair. -#}
{%- set parents = ['deals', 'contacts', 'calls', 'emails', 'meetings', 'tasks'] -%}
with

{% for parent in parents %}
    {{ parent }}_associations as (
        select
            '{{ parent }}' as from_object_type,
            from_id,
            to_object_type,
            to_id
        from {{ source('raw_hubspot', parent ~ '__associations') }}
    ),

{% endfor %}
unioned as (
    {% for parent in parents %}
        select * from {{ parent }}_associations
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select distinct
        from_object_type,
        cast(from_id as {{ dbt.type_string() }}) as from_id,
        to_object_type,
        cast(to_id as {{ dbt.type_string() }}) as to_id
    from unioned
)

select * from final
