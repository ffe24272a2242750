{#- The bookings quota of every rep, team and the company for every reporting period, as the sales
    marts count it (int_quota_periods: the sum of the quota rows inside the period, NULL when a row
    straddles it or is excluded; a team's own quota rows, else the sum of its reps'), published for
    the semantic layer's quota metrics. One row per level, member and period. -#}
with

quota_periods as (
    select * from {{ ref('int_quota_periods') }}
),

final as (
    select
        {{ dbt.concat(["quota_level", "'|'", "member_id", "'|'", "period_grain", "'|'",
            dbt.cast('period_start_date', dbt.type_string())]) }} as quota_period_id,
        quota_level,
        case when quota_level = 'rep' then member_id end as rep_id,
        case when quota_level = 'team' then member_id else team_id end as team_id,
        period_grain,
        period_start_date,
        cast(quota as {{ type_money() }}) as quota,
        cast(prorated_quota as {{ type_money() }}) as prorated_quota
    from quota_periods
    -- Like the sales marts: no period that starts after the as-of date.
    where period_start_date <= {{ date_literal(as_of_date()) }}
)

select * from final
