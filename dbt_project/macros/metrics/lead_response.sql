{#- The lead-response figures of a group of leads (core.fct_leads rows, which decide each lead's
    first response and whether it came within the SLA): the one definition that
    sales_performance and lead_response_by_hour_weekday share. Select-list items, for a query
    grouped by the caller's keys. With ranked_as, the median comes from the ranks that
    median_ranks(..., name=ranked_as) put on the leads (bounded memory for many groups). -#}
{% macro lead_response_counts(leads='leads', ranked_as=none) -%}
    count(*) as leads_created,
    count(case when {{ leads }}.is_answered then 1 end) as leads_answered,
    {% if ranked_as is none -%}
        {{ median(leads ~ '.response_minutes') }}
    {%- else -%}
        {{ median_of_ranked(leads ~ '.response_minutes', leads ~ '.' ~ ranked_as) }}
    {%- endif %} as lead_response_minutes_median,
    count(case when {{ leads }}.is_answered_within_sla then 1 end) as leads_answered_within_sla
{%- endmacro %}

{#- Leads answered within the SLA over leads created: an unanswered lead missed the SLA. NULL
    without leads. -#}
{% macro lead_response_sla_share(answered_within_sla, created) -%}
    {{ safe_divide(answered_within_sla, created) }}
{%- endmacro %}

{#- Whether a lead's conversion window (var lead_conversion_window_days from its creation) has not
    run out by the end of the as-of date: the lead may still convert. -#}
{% macro lead_conversion_window_open(created_at) -%}
    {{ dbt.dateadd('day', var('lead_conversion_window_days'), created_at) }}
    >= {{ dbt.dateadd('day', 1, date_literal(as_of_date())) }}
{%- endmacro %}

{#- lead_response_by_hour_weekday's post-hook on an incremental run: delete the cells of the
    periods no lead up to the as-of date is in any more (all their leads gone, or the as-of date
    moved back); an incremental run rebuilds only periods that still hold leads. -#}
{% macro delete_lead_response_periods_without_leads(relation) -%}
    delete from {{ relation }}
    where (period_grain, period_start_date) not in (
        select distinct
            periods.period_grain,
            periods.period_start_date
        from {{ ref('int_date_periods') }} as periods
        inner join (
            select distinct created_date from {{ ref('fct_leads') }}
            where created_date <= {{ date_literal(as_of_date()) }}
        ) as lead_days
            on periods.date_day = lead_days.created_date
    )
{%- endmacro %}
