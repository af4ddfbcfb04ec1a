{#- Generic test: no two rows share the same values in all of `combination` (dbt_utils-like, offline). -#}
{% test unique_combination_of_columns(model, combination) %}
    select {{ combination | join(', ') }}, count(*) as n_rows
    from {{ model }}
    group by {{ combination | join(', ') }}
    having count(*) > 1
{% endtest %}
