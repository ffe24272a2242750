{#- Sales performance per company and reporting period (week, month, fiscal quarter, fiscal year):
    bookings, won and lost deals, both win rates, average deal size, sales cycle, lead response
    and conversion, quota attainment and activity volume. The SQL is the macro
    sales_performance (macros/metrics/sales_performance.sql); definitions: docs/metrics.md. -#}
{{ sales_performance('company') }}
