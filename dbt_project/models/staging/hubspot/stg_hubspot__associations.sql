{#- Every association HubSpot reports between CRM records, from the association child tables of
    deals, contacts and the engagements: one row per (from, to) pair, with whether it is the
    record's primary company. HubSpot lists a link once per association type: the first load's
    v3 inline associations by name (a deal's primary company as deal_to_company beside
    deal_to_company_unlabeled), the incremental loads' v4 batch reads by type id (5 deal to
    primary company, 1 contact to primary company, in category HUBSPOT_DEFINED). Labels are
    never relied on: HubSpot renames them. A child table exists once one record of its type had an
    association; until then it reads as empty. -#}
{%- set parents = ['deals', 'contacts', 'calls', 'emails', 'meetings', 'tasks'] -%}
{#- The v3 names of the primary-company types (deal to company, contact to company). -#}
{%- set primary_type_names = "'deal_to_company', 'contact_to_company'" -%}
with

{% for parent in parents %}
    {%- set table = parent ~ '__associations' %}
    {%- set type_name = optional_source_column('raw_hubspot', table, 'association_type') %}
    {%- set type_id = optional_source_column('raw_hubspot', table, 'association_type_id', 'bigint') %}
    {%- set category = optional_source_column('raw_hubspot', table, 'association_category') %}
    {{ parent }}_associations as (
        select
            '{{ parent }}' as from_object_type,
            from_id,
            to_object_type,
            to_id,
            cast({{ type_name }} as {{ dbt.type_string() }}) as association_type,
            cast({{ type_id }} as bigint) as association_type_id,
            cast({{ category }} as {{ dbt.type_string() }}) as association_category
        from (
            {{ hubspot_current_child_rows(parent, table, ['from_id', 'to_object_type', 'to_id']) }}
        ) as links
    ),

{% endfor %}
unioned as (
    {% for parent in parents %}
        select * from {{ parent }}_associations
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

typed as (
    select
        from_object_type,
        cast(from_id as {{ dbt.type_string() }}) as from_id,
        to_object_type,
        cast(to_id as {{ dbt.type_string() }}) as to_id,
        case
            when lower(association_type) in ({{ primary_type_names }}) then 1
            when
                association_category = 'HUBSPOT_DEFINED'
                and (
                    (from_object_type = 'deals' and to_object_type = 'companies' and association_type_id = 5)
                    or (from_object_type = 'contacts' and to_object_type = 'companies' and association_type_id = 1)
                )
                then 1
            else 0
        end as is_primary_type
    from unioned
),

final as (
    select
        from_object_type,
        from_id,
        to_object_type,
        to_id,
        max(is_primary_type) = 1 as is_primary
    from typed
    group by from_object_type, from_id, to_object_type, to_id
)

select * from final
