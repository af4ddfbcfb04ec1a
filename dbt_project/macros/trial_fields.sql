{#-
    The scalar fields of a trial record (trialmart.records.Trial, without nct_id).
    Used for the completeness score of the duplicate rule and for the conflict report.
-#}
{% macro trial_scalar_fields() -%}
    {{ return([
        'brief_title', 'official_title', 'acronym', 'overall_status', 'overall_status_raw',
        'phase', 'study_type', 'enrollment', 'enrollment_type',
        'start_date', 'start_date_precision', 'primary_completion_date',
        'primary_completion_date_precision', 'completion_date', 'completion_date_precision',
        'last_update_date', 'allocation', 'intervention_model', 'primary_purpose', 'masking',
        'observational_model', 'time_perspective', 'sex', 'minimum_age_years', 'maximum_age_years',
        'minimum_age_raw', 'maximum_age_raw', 'healthy_volunteers', 'brief_summary',
        'detailed_description', 'has_results'
    ]) }}
{%- endmacro %}

{#- The child groups of a trial record; a non-empty group adds one to the completeness score. -#}
{% macro trial_child_groups() -%}
    {{ return([
        'arms', 'interventions', 'outcomes', 'conditions', 'criteria', 'sponsors',
        'locations', 'identifiers', 'related_trials', 'contacts'
    ]) }}
{%- endmacro %}

{#-
    Fields compared between a trial's winning record and its other records
    (int_trial_field_conflicts). Long free text (summary, description) is left out on purpose:
    sources wrap and abridge it differently, so it would only report noise.
-#}
{% macro trial_conflict_fields() -%}
    {{ return([
        'brief_title', 'official_title', 'acronym', 'overall_status', 'phase', 'study_type',
        'enrollment', 'enrollment_type', 'start_date', 'primary_completion_date', 'completion_date',
        'last_update_date', 'allocation', 'intervention_model', 'primary_purpose', 'masking',
        'observational_model', 'time_perspective', 'sex', 'minimum_age_years', 'maximum_age_years',
        'healthy_volunteers', 'has_results', 'lead_sponsor',
        'n_arms', 'n_interventions', 'n_outcomes', 'n_conditions', 'n_criteria', 'n_locations'
    ]) }}
{%- endmacro %}
