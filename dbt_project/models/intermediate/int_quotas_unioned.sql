{#- The canonical quotas from every enabled source that has them: one row per owner (a rep, or a
    team for a team-level quota), period and metric, with the target converted to the reporting
    currency at the rate of the period's first day (or of the as-of date for a period that
    starts later). -#}
{%- set sources = enabled_of(['files']) -%}
{%- set reporting_currency = var('reporting_currency') | upper -%}
with

fx_rates as (
    select * from {{ ref('int_fx_rates_unioned') }}
),

{% if 'files' in sources -%}
files_quotas_source as (
    select * from {{ ref('stg_files__quotas') }}
),

files_quotas as (
    select
        {{ source_id('files', 'rep_id') }} as rep_id,
        {{ source_id('files', 'team_id') }} as team_id,
        period_start_date,
        period_end_date,
        quota_metric,
        quota_target,
        coalesce(currency, '{{ reporting_currency }}') as currency,
        'files' as source_system
    from files_quotas_source
),
{%- endif %}

unioned as (
    {{ union_sources(source_ctes(sources, 'quotas'), [
        ['rep_id', 'string'], ['team_id', 'string'], ['period_start_date', 'date'],
        ['period_end_date', 'date'], ['quota_metric', 'string'], ['quota_target', type_amount()],
        ['currency', 'string'], ['source_system', 'string'],
    ]) }}
),

keyed as (
    select
        *,
        {{ dbt.concat([
            "source_system", "'|'", "coalesce(rep_id, '')", "'|'", "coalesce(team_id, '')", "'|'",
            dbt.cast("period_start_date", dbt.type_string()), "'|'",
            dbt.cast("period_end_date", dbt.type_string()), "'|'", "quota_metric",
        ]) }} as quota_id,
        case
            when period_start_date > cast('{{ as_of_date() }}' as date) then cast('{{ as_of_date() }}' as date)
            else period_start_date
        end as fx_rate_needed_date
    from unioned
),

rate_candidates as (
    select
        keyed.quota_id,
        fx_rates.rate_date,
        fx_rates.rate_to_reporting,
        row_number() over (partition by keyed.quota_id order by fx_rates.rate_date desc) as recency
    from keyed
    inner join fx_rates
        on
            keyed.currency = fx_rates.currency
            and keyed.fx_rate_needed_date >= fx_rates.rate_date
            and fx_rates.rate_date
            >= {{ dbt.dateadd('day', -1 * var('fx_rate_max_age_days', 0), 'keyed.fx_rate_needed_date') }}
    where keyed.currency != '{{ reporting_currency }}'
),

converted as (
    select
        keyed.*,
        case
            when keyed.currency = '{{ reporting_currency }}' then 1 else rate_candidates.rate_to_reporting
        end as fx_rate
    from keyed
    left join rate_candidates
        on
            keyed.quota_id = rate_candidates.quota_id
            and rate_candidates.recency = 1
),

final as (
    select
        quota_id,
        rep_id,
        team_id,
        period_start_date,
        period_end_date,
        quota_metric,
        quota_target,
        currency,
        cast(fx_rate as {{ type_fx_rate() }}) as fx_rate,
        {{ convert_to_cents('quota_target', 'fx_rate') }} as target_reporting,
        source_system
    from converted
)

select * from final
