{#- One row per nct_id: the selected record of the duplicate rule (see int_trial_records_ranked). -#}
{%- set contract_columns = [
    ('nct_id', 'varchar'), ('brief_title', 'varchar'), ('official_title', 'varchar'),
    ('acronym', 'varchar'), ('overall_status', 'varchar'), ('overall_status_raw', 'varchar'),
    ('phase', 'varchar'), ('study_type', 'varchar'), ('enrollment', 'integer'),
    ('enrollment_type', 'varchar'), ('start_date', 'date'), ('primary_completion_date', 'date'),
    ('completion_date', 'date'), ('last_update_date', 'date'), ('allocation', 'varchar'),
    ('intervention_model', 'varchar'), ('primary_purpose', 'varchar'), ('masking', 'varchar'),
    ('observational_model', 'varchar'), ('time_perspective', 'varchar'), ('sex', 'varchar'),
    ('minimum_age_years', 'double'), ('maximum_age_years', 'double'),
    ('healthy_volunteers', 'boolean'), ('brief_summary', 'varchar'),
    ('detailed_description', 'varchar'), ('lead_sponsor', 'varchar'), ('has_results', 'boolean'),
    ('source_family', 'varchar'), ('source_file', 'varchar'),
] -%}
{%- set extension_columns = [
    ('start_date_precision', 'varchar'), ('primary_completion_date_precision', 'varchar'),
    ('completion_date_precision', 'varchar'), ('minimum_age_raw', 'varchar'),
    ('maximum_age_raw', 'varchar'),
] -%}

with

selected_records as (
    select * from {{ ref('int_trial_records_ranked') }}
    where is_selected_record {{ only_changed_trials('nct_id') }}
),

arms as (
    select nct_id from {{ ref('arms') }}
    where true {{ only_changed_trials('nct_id') }}
),

interventions as (
    select nct_id from {{ ref('interventions') }}
    where true {{ only_changed_trials('nct_id') }}
),

outcomes as (
    select nct_id, outcome_type from {{ ref('outcomes') }}
    where true {{ only_changed_trials('nct_id') }}
),

conditions as (
    select nct_id from {{ ref('conditions') }}
    where true {{ only_changed_trials('nct_id') }}
),

locations as (
    select nct_id from {{ ref('locations') }}
    where true {{ only_changed_trials('nct_id') }}
),

eligibility_criteria as (
    select nct_id, criterion_type from {{ ref('eligibility_criteria') }}
    where true {{ only_changed_trials('nct_id') }}
),

arm_intervention_names as (
    select nct_id, is_matched from {{ ref('int_arm_interventions_matched_by_name') }}
    where true {{ only_changed_trials('nct_id') }}
),

-- the n_* columns count the rows the child marts publish, so they always agree with them
arm_counts as (
    select nct_id, count(*) as n_arms from arms group by nct_id
),

intervention_counts as (
    select nct_id, count(*) as n_interventions from interventions group by nct_id
),

outcome_counts as (
    select
        nct_id,
        count(*) filter (where outcome_type = 'PRIMARY') as n_primary_outcomes,
        count(*) filter (where outcome_type = 'SECONDARY') as n_secondary_outcomes,
        count(*) filter (where outcome_type = 'OTHER') as n_other_outcomes
    from outcomes
    group by nct_id
),

condition_counts as (
    select nct_id, count(*) as n_conditions from conditions group by nct_id
),

location_counts as (
    select nct_id, count(*) as n_locations from locations group by nct_id
),

criterion_counts as (
    select
        nct_id,
        count(*) filter (where criterion_type = 'INCLUSION') as n_inclusion_criteria,
        count(*) filter (where criterion_type = 'EXCLUSION') as n_exclusion_criteria
    from eligibility_criteria
    group by nct_id
),

unmatched_name_counts as (
    select nct_id, count(*) filter (where not is_matched) as n_unmatched_arm_intervention_names
    from arm_intervention_names
    group by nct_id
),

final as (
    select
        {% for column, data_type in contract_columns %}
        cast(selected_records.{{ column }} as {{ data_type }}) as {{ column }},
        {% endfor %}
        cast(coalesce(arm_counts.n_arms, 0) as integer) as n_arms,
        cast(coalesce(intervention_counts.n_interventions, 0) as integer) as n_interventions,
        cast(coalesce(outcome_counts.n_primary_outcomes, 0) as integer) as n_primary_outcomes,
        cast(coalesce(outcome_counts.n_secondary_outcomes, 0) as integer) as n_secondary_outcomes,
        cast(coalesce(condition_counts.n_conditions, 0) as integer) as n_conditions,
        cast(coalesce(location_counts.n_locations, 0) as integer) as n_locations,
        cast(coalesce(criterion_counts.n_inclusion_criteria, 0) as integer) as n_inclusion_criteria,
        cast(coalesce(criterion_counts.n_exclusion_criteria, 0) as integer) as n_exclusion_criteria,
        {% for column, data_type in extension_columns %}
        cast(selected_records.{{ column }} as {{ data_type }}) as {{ column }},
        {% endfor %}
        cast(coalesce(outcome_counts.n_other_outcomes, 0) as integer) as n_other_outcomes,
        cast(selected_records.n_source_documents as integer) as n_source_documents,
        cast(selected_records.n_records_for_trial as integer) as n_source_records,
        cast(
            coalesce(unmatched_name_counts.n_unmatched_arm_intervention_names, 0) as integer
        ) as n_unmatched_arm_intervention_names
    from selected_records
    left join arm_counts on selected_records.nct_id = arm_counts.nct_id
    left join intervention_counts on selected_records.nct_id = intervention_counts.nct_id
    left join outcome_counts on selected_records.nct_id = outcome_counts.nct_id
    left join condition_counts on selected_records.nct_id = condition_counts.nct_id
    left join location_counts on selected_records.nct_id = location_counts.nct_id
    left join criterion_counts on selected_records.nct_id = criterion_counts.nct_id
    left join unmatched_name_counts on selected_records.nct_id = unmatched_name_counts.nct_id
)

select * from final

-- depends_on: {{ ref('int_changed_trials') }}
