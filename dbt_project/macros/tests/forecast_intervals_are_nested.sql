{#- Fails for every forecast whose intervals are not nested: lo_95 ≤ lo_80 ≤ point ≤ hi_80 ≤ hi_95. -#}
{% test forecast_intervals_are_nested(model) %}
    select *
    from {{ model }}
    where
        forecast_bookings_lo_95 > forecast_bookings_lo_80
        or forecast_bookings_lo_80 > forecast_bookings
        or forecast_bookings > forecast_bookings_hi_80
        or forecast_bookings_hi_80 > forecast_bookings_hi_95
{% endtest %}
