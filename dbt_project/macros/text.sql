{#- Staging text cleanup: trim blanks at both ends; a value that is empty after trimming was not stated. -#}
{% macro clean_text(column) -%}
    nullif(trim({{ column }}, ' ' || chr(9) || chr(10) || chr(13) || chr(160)), '')
{%- endmacro %}

{#-
    Folded name used to match an arm's intervention names to the trial's interventions:
    lower case, trimmed, runs of white space collapsed to one space.
-#}
{% macro fold_name(column) -%}
    lower(trim(regexp_replace({{ column }}, '\s+', ' ', 'g')))
{%- endmacro %}
