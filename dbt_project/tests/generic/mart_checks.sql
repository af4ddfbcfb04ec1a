{#-
    Generic test: every structural check of one mart in a single query (one dbt node per mart
    instead of one per column and check; dbt's fixed cost per node dominated the build time).

    Arguments (all optional):
      unique            columns whose non-null values must be unique, one check per column
      not_null          columns that must never be NULL, one check per column
      unique_combination  columns whose combined values must be unique (one check)
      relationships     {column: {to: ref('parent'), field: parent_column}}: every non-null value
                        must exist in the parent mart
      accepted_values   {column: [codes]}: every non-null value must be one of the codes

    Each failing row names the check, the mart column and the offending value, with the number of
    rows affected and a readable message, e.g.
      accepted_values | arm_type | FOO | 3 | marts.arms.arm_type = 'FOO' is not an accepted code (3 rows)
    The test passes when the query returns no rows.
-#}
{% test mart_checks(model, unique=[], not_null=[], unique_combination=[], relationships={}, accepted_values={}) %}

{%- set checks = [] -%}
{%- set table_name = model.schema ~ '.' ~ model.identifier -%}

{%- for column in unique -%}
{%- do checks.append(
    "select 'unique' as check_name, '" ~ column ~ "' as column_name, "
    ~ "cast(" ~ column ~ " as varchar) as bad_value, count(*) as n_rows, "
    ~ "'is not unique' as problem "
    ~ "from mart where " ~ column ~ " is not null "
    ~ "group by " ~ column ~ " having count(*) > 1"
) -%}
{%- endfor -%}

{%- for column in not_null -%}
{%- do checks.append(
    "select 'not_null' as check_name, '" ~ column ~ "' as column_name, "
    ~ "cast(null as varchar) as bad_value, count(*) as n_rows, "
    ~ "'is NULL' as problem "
    ~ "from mart where " ~ column ~ " is null having count(*) > 0"
) -%}
{%- endfor -%}

{%- if unique_combination -%}
{%- set combination = unique_combination | join(', ') -%}
{%- set combined_value = "concat_ws(' | ', " ~ unique_combination | join(', ') ~ ")" -%}
{%- do checks.append(
    "select 'unique_combination' as check_name, '" ~ unique_combination | join('+') ~ "' as column_name, "
    ~ "cast(" ~ combined_value ~ " as varchar) as bad_value, count(*) as n_rows, "
    ~ "'is not unique' as problem "
    ~ "from mart group by " ~ combination ~ " having count(*) > 1"
) -%}
{%- endif -%}

{%- for column, parent in relationships.items() -%}
{%- do checks.append(
    "select 'relationships' as check_name, '" ~ column ~ "' as column_name, "
    ~ "cast(mart." ~ column ~ " as varchar) as bad_value, count(*) as n_rows, "
    ~ "'has no parent in " ~ parent.to.schema ~ "." ~ parent.to.identifier ~ "." ~ parent.field ~ "' as problem "
    ~ "from mart "
    ~ "where mart." ~ column ~ " is not null "
    ~ "and not exists (select 1 from " ~ parent.to ~ " as parent where parent." ~ parent.field
    ~ " = mart." ~ column ~ ") "
    ~ "group by mart." ~ column
) -%}
{%- endfor -%}

{%- for column, codes in accepted_values.items() -%}
{%- set quoted_codes = [] -%}
{%- for code in codes -%}{%- do quoted_codes.append("'" ~ (code | string | replace("'", "''")) ~ "'") -%}{%- endfor -%}
{%- do checks.append(
    "select 'accepted_values' as check_name, '" ~ column ~ "' as column_name, "
    ~ "cast(" ~ column ~ " as varchar) as bad_value, count(*) as n_rows, "
    ~ "'is not an accepted code' as problem "
    ~ "from mart where " ~ column ~ " is not null "
    ~ "and cast(" ~ column ~ " as varchar) not in (" ~ quoted_codes | join(', ') ~ ") "
    ~ "group by " ~ column
) -%}
{%- endfor -%}

with

mart as (
    select * from {{ model }}
),

failures as (
    {% for check in checks %}
    {{ check }}
    {{ 'union all' if not loop.last }}
    {% endfor %}
    {% if not checks %}
    select
        cast(null as varchar) as check_name,
        cast(null as varchar) as column_name,
        cast(null as varchar) as bad_value,
        cast(0 as bigint) as n_rows,
        cast(null as varchar) as problem
    where false
    {% endif %}
)

select
    check_name,
    column_name,
    bad_value,
    n_rows,
    '{{ table_name }}.' || column_name
    || coalesce(' = ''' || bad_value || '''', '')
    || ' ' || problem
    || ' (' || cast(n_rows as varchar) || ' rows)' as failure
from failures

{% endtest %}
