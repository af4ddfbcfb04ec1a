{#-
    For every nct_id described by several records: each field where a non-selected record
    states a value (non-null; a child count of 0 counts as "not stated") that differs from the
    selected record's value -- including fields the selected record leaves NULL.
    Values are compared as text, exactly as loaded (after staging trims).
-#}
{%- set fields = trial_conflict_fields() -%}
{%- set count_fields = ['n_arms', 'n_interventions', 'n_outcomes', 'n_conditions', 'n_criteria', 'n_locations'] -%}

with

ranked_records as (
    select * from {{ ref('int_trial_records_ranked') }}
    where n_records_for_trial > 1
),

comparable_records as (
    select
        nct_id,
        source_file,
        record_index,
        source_family,
        is_selected_record,
        {% for field in fields %}
        {% if field in count_fields %}
        cast(nullif({{ field }}, 0) as varchar) as {{ field }}{{ ',' if not loop.last }}
        {% else %}
        cast({{ field }} as varchar) as {{ field }}{{ ',' if not loop.last }}
        {% endif %}
        {% endfor %}
    from ranked_records
),

-- one row per (record, field) with a stated value; unpivot drops NULL values
stated_values as (
    unpivot comparable_records
    on {{ fields | join(', ') }}
    into name field_name value field_value
),

selected_records as (
    select nct_id, source_file, record_index
    from comparable_records
    where is_selected_record
),

selected_values as (
    select nct_id, field_name, field_value
    from stated_values
    where is_selected_record
),

other_values as (
    select *
    from stated_values
    where not is_selected_record
),

final as (
    select
        other_values.nct_id,
        other_values.field_name,
        selected_values.field_value as selected_value,
        selected_records.source_file as selected_source_file,
        selected_records.record_index as selected_record_index,
        other_values.field_value as other_value,
        other_values.source_file as other_source_file,
        other_values.record_index as other_record_index,
        other_values.source_family as other_source_family
    from other_values
    inner join selected_records
        on other_values.nct_id = selected_records.nct_id
    left join selected_values
        on other_values.nct_id = selected_values.nct_id
        and other_values.field_name = selected_values.field_name
    where other_values.field_value is distinct from selected_values.field_value
)

select * from final
