{#-
    Use the folder's custom schema name as is (`staging`, `marts`) instead of dbt's default
    `<target schema>_<custom schema>`, so the public tables live in exactly `marts`.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
