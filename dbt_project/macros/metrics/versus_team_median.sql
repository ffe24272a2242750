{#- For rep_coaching_insights: a rep's figure, the team's median of it, and the difference
    (positive = above the team's median rep), from the CTEs rep_figures and team_medians. -#}
{% macro versus_team_median(metric) -%}
    cast(rep_figures.{{ metric }} as double precision) as {{ metric }},
    cast(team_medians.team_median_{{ metric }} as double precision) as team_median_{{ metric }},
    cast(rep_figures.{{ metric }} - team_medians.team_median_{{ metric }} as double precision)
    as {{ metric }}_vs_team_median
{%- endmacro %}
