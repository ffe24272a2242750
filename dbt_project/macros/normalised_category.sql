{#- One spelling for a categorical value from any source, applied once where the canonical model
    takes the value in (lead source, deal type, stage, industry, segment): trimmed, lowercase, runs
    of spaces, hyphens, slashes and dots as one underscore, no underscore at either end. HubSpot's
    ORGANIC_SEARCH, an export's "Organic search" and "organic-search" are all organic_search;
    HubSpot's newbusiness stays newbusiness (see deal_type_category). Empty text is NULL. -#}
{% macro normalised_category(expression) -%}
    {{ return(adapter.dispatch('normalised_category', 'salespulse')(expression)) }}
{%- endmacro %}

{#- PostgreSQL and DuckDB share regexp_replace with flags and POSIX classes. -#}
{% macro default__normalised_category(expression) -%}
    nullif(
        trim(
            both '_' from regexp_replace(
                lower(trim(cast({{ expression }} as {{ dbt.type_string() }}))), '[[:space:]/.-]+', '_', 'g'
            )
        ),
        ''
    )
{%- endmacro %}

{#- Deal types as one vocabulary: HubSpot's internal values newbusiness and existingbusiness (and
    any spelling of "new business" / "existing business") become new_business and
    existing_business; other types keep their normalised spelling. -#}
{% macro deal_type_category(expression) -%}
    case replace({{ normalised_category(expression) }}, '_', '')
        when 'newbusiness' then 'new_business'
        when 'existingbusiness' then 'existing_business'
        else {{ normalised_category(expression) }}
    end
{%- endmacro %}
