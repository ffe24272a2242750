{#- One row per account (company) from every enabled source, plus the explicit member 'unknown'
    that deals and activities without an account join to. -#}
with

accounts as (
    select * from {{ ref('int_accounts_unioned') }}
),

known_accounts as (
    select
        account_id,
        source_account_id,
        account_name,
        industry,
        country,
        country_code,
        segment,
        source_system,
        false as is_unknown_member
    from accounts
),

unknown_member as (
    select
        'unknown' as account_id,
        cast(null as {{ dbt.type_string() }}) as source_account_id,
        'Unknown account' as account_name,
        cast(null as {{ dbt.type_string() }}) as industry,
        cast(null as {{ dbt.type_string() }}) as country,
        cast(null as {{ dbt.type_string() }}) as country_code,
        cast(null as {{ dbt.type_string() }}) as segment,
        cast(null as {{ dbt.type_string() }}) as source_system,
        true as is_unknown_member
),

final as (
    select * from known_accounts
    union all
    select * from unknown_member
)

select * from final
