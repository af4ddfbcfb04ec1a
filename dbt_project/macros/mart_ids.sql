{#-
    Readable, stable surrogate keys of the child marts, built from the trial id and the row's
    position on the page (1-based):
      arm_id          NCT01234567:arm:2
      intervention_id NCT01234567:intervention:1
      outcome_id      NCT01234567:outcome:secondary:3   (position within its outcome type)
    They stay the same across runs as long as the selected source lists the rows in the same order.
-#}
{% macro arm_id(nct_id, arm_ordinal) -%}
    ({{ nct_id }} || ':arm:' || cast({{ arm_ordinal }} as varchar))
{%- endmacro %}

{% macro intervention_id(nct_id, intervention_ordinal) -%}
    ({{ nct_id }} || ':intervention:' || cast({{ intervention_ordinal }} as varchar))
{%- endmacro %}

{% macro outcome_id(nct_id, outcome_type, ordinal_within_type) -%}
    (
        {{ nct_id }} || ':outcome:' || coalesce(lower({{ outcome_type }}), 'untyped')
        || ':' || cast({{ ordinal_within_type }} as varchar)
    )
{%- endmacro %}
