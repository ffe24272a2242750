{#- What personal data looks like, for the no_personal_data test that every published mart carries
    (docs/metrics.md, "Personal data"). The patterns use the regular-expression syntax DuckDB (RE2)
    and PostgreSQL share; each is anchored on non-alphanumeric boundaries so that ids, dates and
    period labels never match. A finding is named after the first pattern it matches: a card
    number also has the shape of a phone number, so the phone number comes last. -#}
{% macro personal_data_patterns() -%}
    {{ return({
        'e-mail address': '[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}',
        'social security number': '(^|[^0-9])[0-9]{3}-[0-9]{2}-[0-9]{4}([^0-9]|$)',
        'payment card number': '(^|[^0-9])[0-9]{4}[ -][0-9]{4}[ -][0-9]{4}[ -][0-9]{1,7}([^0-9]|$)',
        'IBAN': '(^|[^A-Za-z0-9])[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}([^A-Za-z0-9]|$)',
        'phone number': '(^|[^0-9A-Za-z])((\\+[0-9]{1,3}[ .-]?)?\\(?[0-9]{2,4}\\)?[ .-][0-9]{3,4}[ .-][0-9]{3,4}|\\+[0-9]{8,15})([^0-9]|$)',
    }) }}
{%- endmacro %}

{#- True for every value that matches one of personal_data_patterns and for few others, and
    cheaper than the patterns: the test evaluates it first, so that the regular expressions never
    see most ids, codes and labels (at the large demo size the test of the 10M activities took
    4.0-4.5 s with the patterns alone, 2.0-2.4 s with this in front). It holds because every
    pattern needs one of these: an e-mail's '@'; a phone number's '+' or separators
    (' ', '.', '-'); the '-' of a social security number, the ' ' or '-' of a card number; an
    IBAN's upper-case country code. A new pattern must need one of them too, or be added here
    (tests/unit/test_personal_data_test.py checks an example of each kind). -#}
{% macro may_be_personal_data(expression) -%}
    (
        {%- for character in ['@', '+', ' ', '.', '-'] %}
        position('{{ character }}' in {{ expression }}) > 0 or
        {%- endfor %}
        lower({{ expression }}) <> {{ expression }}
    )
{%- endmacro %}

{#- Column names that hold personal data whatever their content (an empty column too). -#}
{% macro personal_data_column_names() -%}
    {{ return([
        'email', 'e_mail', 'email_address', 'phone', 'phone_number', 'mobile', 'mobile_phone',
        'address', 'street_address', 'postal_address', 'date_of_birth', 'birth_date', 'ssn',
        'national_id', 'iban',
    ]) }}
{%- endmacro %}

{#- True where a text expression matches a regular expression. -#}
{% macro regex_matches(expression, pattern) -%}
    {{ return(adapter.dispatch('regex_matches', 'salespulse')(expression, pattern)) }}
{%- endmacro %}

{% macro default__regex_matches(expression, pattern) -%}
    ({{ expression }} ~ '{{ pattern }}')
{%- endmacro %}

{% macro duckdb__regex_matches(expression, pattern) -%}
    regexp_matches({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{#- Fails for every value of a text column that looks like personal data (personal_data_patterns)
    and for every column named like personal data, whatever it holds: one row per finding. -#}
{% test no_personal_data(model) %}
    {%- set patterns = personal_data_patterns() -%}
    {%- set any_pattern = patterns.values() | join('|') -%}
    {%- set checks = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(model) -%}
            {%- if column.name | lower in personal_data_column_names() -%}
                {%- do checks.append(
                    "select '" ~ column.name ~ "' as column_name, cast(null as " ~ dbt.type_string()
                    ~ ") as value, 'a column named like personal data' as finding"
                ) -%}
            {%- elif column.is_string() -%}
                {%- set quoted = adapter.quote(column.name) -%}
                {%- set finding -%}
                    case
                        {%- for name, pattern in patterns.items() %}
                        when {{ regex_matches(quoted, pattern) }} then '{{ name }}'
                        {%- endfor %}
                    end
                {%- endset -%}
                {%- do checks.append(
                    "select '" ~ column.name ~ "' as column_name, " ~ quoted ~ " as value, " ~ finding
                    ~ " as finding from " ~ model ~ " where " ~ may_be_personal_data(quoted)
                    ~ " and " ~ regex_matches(quoted, any_pattern)
                ) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif %}
    {%- if checks %}
        {{ checks | join('\nunion all\n') }}
    {%- else %}
        select
            cast(null as {{ dbt.type_string() }}) as column_name,
            cast(null as {{ dbt.type_string() }}) as value,
            cast(null as {{ dbt.type_string() }}) as finding
        where 1 = 0
    {%- endif %}
{% endtest %}
