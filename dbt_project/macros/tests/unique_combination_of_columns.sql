{#- Fails for every combination of the given columns that occurs more than once. Written here
    because dbt packages cannot be installed from the hub in our environments. -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    {%- set columns = combination_of_columns | join(', ') %}
    select {{ columns }}, count(*) as occurrences
    from {{ model }}
    group by {{ columns }}
    having count(*) > 1
{% endtest %}
