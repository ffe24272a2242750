{#- Fails for every date after the as-of date (var as_of_date): a mart of what happened reports
    no period, day or cohort that has not begun. NULLs pass. -#}
{% test not_after_as_of_date(model, column_name) %}
    select {{ column_name }}
    from {{ model }}
    where {{ column_name }} > {{ date_literal(as_of_date()) }}
{% endtest %}
