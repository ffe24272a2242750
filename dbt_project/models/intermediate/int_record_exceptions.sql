{#- Record-level anomalies of the canonical model: one row per record and plausibility rule it
    breaks. A record listed with is_excluded counts in no metric (fct_deals leaves the deal out;
    a quota row makes its period's quota unknown; leads and activities dated outside the reported
    days fall in no period), so one bad record neither stops the refresh nor skews a KPI, and
    never passes unseen: core.record_exceptions publishes this list and a warning check fires.
    The rules and why: docs/metrics.md, "Record exceptions". Deleted deals count nowhere anyway
    and are not checked. -#}
{%- set as_of = date_literal(as_of_date()) -%}
{%- set calendar_start = date_literal(calendar_start_date()) -%}
{%- set calendar_end = date_literal(calendar_end_date()) -%}
{%- set text = dbt.type_string() -%}
{#- Every rule: the records it reads, its name, the condition a record breaks it by, the field
    and value to show, why it matters, and whether the record is left out of the metrics. -#}
{#- closed_after_loaded_at: a close after the as-of date is no anomaly (built as of a past day,
    the marts count closes up to that day and hold the deal open until then: fct_deal_versions);
    a close after the record was loaded is, a close in the future of the record itself. loaded_at
    rather than last_modified_at: every source's canonical deal has it (not null; the dlt load
    that last wrote the deal, at or after the CRM's last change to it), while last_modified_at is
    optional in a files mapping and not carried into the canonical deal. -#}
{%- set rules = [
    {'records': 'deal_records', 'rule': 'closed_before_created', 'field': 'closed_at',
     'value': dbt.concat(["'closed '", dbt.cast('closed_at', text), "', created '", dbt.cast('created_at', text)]),
     'condition': 'closed_at < created_at',
     'reason': 'closed before it was created: its sales cycle would be negative'},
    {'records': 'deal_records', 'rule': 'created_before_calendar_start', 'field': 'created_at',
     'value': dbt.cast('created_at', text),
     'condition': 'created_date < ' ~ calendar_start,
     'reason': 'created before var calendar_start_date (' ~ calendar_start_date() ~ '): an implausible date that would skew its sales cycle and pipeline'},
    {'records': 'deal_records', 'rule': 'created_after_as_of_date', 'field': 'created_at',
     'value': dbt.cast('created_at', text),
     'condition': 'created_date > ' ~ as_of,
     'reason': 'created after the as-of date (' ~ as_of_date() ~ '): a date in the future'},
    {'records': 'deal_records', 'rule': 'closed_without_close_date', 'field': 'closed_at',
     'value': 'cast(null as ' ~ text ~ ')',
     'condition': "status in ('won', 'lost') and closed_at is null",
     'reason': 'won or lost without a close date: it would count in no period'},
    {'records': 'deal_records', 'rule': 'closed_before_calendar_start', 'field': 'closed_at',
     'value': dbt.cast('closed_at', text),
     'condition': "status in ('won', 'lost') and closed_date < " ~ calendar_start,
     'reason': 'closed before var calendar_start_date (' ~ calendar_start_date() ~ '): outside every reported period'},
    {'records': 'deal_records', 'rule': 'closed_after_loaded_at', 'field': 'closed_at',
     'value': dbt.concat(["'closed '", dbt.cast('closed_at', text), "', loaded '", dbt.cast('loaded_at', text)]),
     'condition': "status in ('won', 'lost') and closed_at > loaded_at",
     'reason': 'won or lost with a close time after the record was loaded: a close in the future of the record'},
    {'records': 'deal_records', 'rule': 'negative_amount', 'field': 'amount',
     'value': dbt.concat([dbt.cast('amount', text), "' '", 'currency']),
     'condition': 'amount < 0',
     'reason': 'a negative amount: bookings and pipeline are sums of amounts of 0 or more'},
    {'records': 'deal_records', 'rule': 'no_fx_rate', 'field': 'currency',
     'value': dbt.concat(['currency', "' on '", dbt.cast("case when status in ('won', 'lost') then closed_date else created_date end", text)]),
     'condition': 'amount is not null and amount_reporting is null',
     'reason': 'no FX rate for its currency on its close date (creation date while open): never summed in mixed currencies'},
    {'records': 'deal_records', 'rule': 'won_without_amount', 'field': 'amount',
     'value': 'cast(null as ' ~ text ~ ')',
     'condition': "status = 'won' and amount is null",
     'reason': 'won without an amount: counted in won_deals and won_deals_without_amount, not in bookings or average deal size',
     'is_excluded': false},
    {'records': 'lead_records', 'rule': 'created_before_calendar_start', 'field': 'created_at',
     'value': dbt.cast('created_at', text),
     'condition': 'created_date < ' ~ calendar_start,
     'reason': 'created before var calendar_start_date (' ~ calendar_start_date() ~ '): outside every reported period'},
    {'records': 'lead_records', 'rule': 'created_after_as_of_date', 'field': 'created_at',
     'value': dbt.cast('created_at', text),
     'condition': 'created_date > ' ~ as_of,
     'reason': 'created after the as-of date (' ~ as_of_date() ~ '): a date in the future'},
    {'records': 'activity_records', 'rule': 'occurred_before_calendar_start', 'field': 'occurred_at',
     'value': dbt.cast('occurred_at', text),
     'condition': 'occurred_date < ' ~ calendar_start,
     'reason': 'dated before var calendar_start_date (' ~ calendar_start_date() ~ '): outside every reported period'},
    {'records': 'activity_records', 'rule': 'occurred_after_calendar_end', 'field': 'occurred_at',
     'value': dbt.cast('occurred_at', text),
     'condition': 'occurred_date > ' ~ calendar_end,
     'reason': 'dated after the end of the next fiscal year (' ~ calendar_end_date() ~ '): not a plausible schedule'},
    {'records': 'quota_records', 'rule': 'negative_amount', 'field': 'target',
     'value': dbt.concat([dbt.cast('quota_target', text), "' '", 'currency']),
     'condition': 'quota_target < 0',
     'reason': 'a negative target: the quota of every period that contains it is unknown (NULL)'},
    {'records': 'quota_records', 'rule': 'no_fx_rate', 'field': 'currency',
     'value': dbt.concat(['currency', "' on '", dbt.cast('period_start_date', text)]),
     'condition': 'quota_target is not null and target_reporting is null',
     'reason': 'no FX rate for its currency: the quota of every period that contains it is unknown (NULL)'},
] -%}
with

deals as (
    select * from {{ ref('int_deals_unioned') }}
),

leads as (
    select * from {{ ref('int_leads_unioned') }}
),

activities as (
    select * from {{ ref('int_activities_unioned') }}
),

quotas as (
    select * from {{ ref('int_quotas_unioned') }}
),

deal_records as (
    select
        'deal' as entity,
        deal_id as record_id,
        source_deal_id as source_record_id,
        source_system,
        owner_rep_id,
        status,
        amount,
        amount_reporting,
        currency,
        created_at,
        created_date,
        closed_at,
        closed_date,
        loaded_at
    from deals
    where not is_deleted
),

lead_records as (
    select
        'lead' as entity,
        lead_id as record_id,
        source_lead_id as source_record_id,
        source_system,
        owner_rep_id,
        created_at,
        created_date
    from leads
),

activity_records as (
    select
        'activity' as entity,
        activity_id as record_id,
        source_activity_id as source_record_id,
        source_system,
        rep_id as owner_rep_id,
        occurred_at,
        occurred_date
    from activities
),

quota_records as (
    select
        'quota' as entity,
        quota_id as record_id,
        quota_id as source_record_id,
        source_system,
        rep_id as owner_rep_id,
        quota_target,
        target_reporting,
        currency,
        period_start_date
    from quotas
),

broken_rules as (
    {%- for rule in rules %}
    select
        entity,
        record_id,
        source_record_id,
        source_system,
        owner_rep_id,
        '{{ rule.rule }}' as rule_name,
        '{{ rule.reason }}' as reason,
        '{{ rule.field }}' as field,
        {{ rule.value }} as field_value,
        {{ 'true' if rule.get('is_excluded', true) else 'false' }} as is_excluded
    from {{ rule.records }}
    where {{ rule.condition }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

final as (
    select
        cast(entity as {{ text }}) as entity,
        cast(record_id as {{ text }}) as record_id,
        cast(source_record_id as {{ text }}) as source_record_id,
        cast(source_system as {{ text }}) as source_system,
        cast(owner_rep_id as {{ text }}) as owner_rep_id,
        cast(rule_name as {{ text }}) as rule_name,
        cast(reason as {{ text }}) as reason,
        cast(field as {{ text }}) as field,
        cast(field_value as {{ text }}) as field_value,
        cast(is_excluded as boolean) as is_excluded
    from broken_rules
)

select * from final
