{#-
    Child row counts and the lead sponsor of every trial record (source_file, record_index),
    before any duplicate resolution. Feeds the completeness score of the duplicate rule and
    the count comparisons of the conflict report. Inlined into int_trial_records_ranked: when
    that model is built incrementally, only the records of the changed trials are counted.
-#}
{%- set plain_groups = [
    'arms', 'interventions', 'conditions', 'locations', 'identifiers', 'related_trials', 'contacts'
] -%}

with

trial_records as (
    {%- if builds_incrementally('int_trial_records_ranked') %}
    -- incremental: the changed trials' record keys from the source table, not stg_raw__trials,
    -- which int_trial_records_ranked (where this model is inlined) reads too: DuckDB would
    -- materialise that CTE, every trial's texts cleaned (4.4 s at 200,000 trials)
    select cast(source_file as varchar) as source_file, cast(record_index as integer) as record_index
    from {{ source('raw', 'trials') }}
    {{ only_records_of_changed_trials(for_model='int_trial_records_ranked') }}
    {%- else %}
    -- full build: the shared CTE (a plan that stays within TRIALMART_DBT_MEMORY_LIMIT=448MB at
    -- 200,000 trials; the other plan ran out of memory there)
    select source_file, record_index from {{ ref('stg_raw__trials') }}
    {%- endif %}
),

{% for group in plain_groups %}
{{ group }} as (
    select source_file, record_index from {{ ref('stg_raw__' ~ group) }}
    {{ only_records_of_changed_trials(for_model='int_trial_records_ranked') }}
),
{% endfor %}

outcomes as (
    select source_file, record_index, outcome_type from {{ ref('stg_raw__outcomes') }}
    {{ only_records_of_changed_trials(for_model='int_trial_records_ranked') }}
),

criteria as (
    select source_file, record_index, criterion_type from {{ ref('stg_raw__criteria') }}
    {{ only_records_of_changed_trials(for_model='int_trial_records_ranked') }}
),

sponsors as (
    select source_file, record_index, sponsor_ordinal, sponsor_name, sponsor_role
    from {{ ref('stg_raw__sponsors') }}
    {{ only_records_of_changed_trials(for_model='int_trial_records_ranked') }}
),

{% for group in plain_groups %}
{{ group }}_per_record as (
    select source_file, record_index, count(*) as n_{{ group }}
    from {{ group }}
    group by source_file, record_index
),
{% endfor %}

outcomes_per_record as (
    select
        source_file,
        record_index,
        count(*) as n_outcomes,
        count(*) filter (where outcome_type = 'PRIMARY') as n_primary_outcomes,
        count(*) filter (where outcome_type = 'SECONDARY') as n_secondary_outcomes,
        count(*) filter (where outcome_type = 'OTHER') as n_other_outcomes
    from outcomes
    group by source_file, record_index
),

criteria_per_record as (
    select
        source_file,
        record_index,
        count(*) as n_criteria,
        count(*) filter (where criterion_type = 'INCLUSION') as n_inclusion_criteria,
        count(*) filter (where criterion_type = 'EXCLUSION') as n_exclusion_criteria
    from criteria
    group by source_file, record_index
),

sponsors_per_record as (
    select
        source_file,
        record_index,
        count(*) as n_sponsors,
        -- the first sponsor with role LEAD in page order is the lead sponsor
        arg_min(sponsor_name, sponsor_ordinal) filter (where sponsor_role = 'LEAD') as lead_sponsor
    from sponsors
    group by source_file, record_index
),

final as (
    select
        trial_records.source_file,
        trial_records.record_index,
        {% for group in plain_groups %}
        coalesce({{ group }}_per_record.n_{{ group }}, 0) as n_{{ group }},
        {% endfor %}
        coalesce(outcomes_per_record.n_outcomes, 0) as n_outcomes,
        coalesce(outcomes_per_record.n_primary_outcomes, 0) as n_primary_outcomes,
        coalesce(outcomes_per_record.n_secondary_outcomes, 0) as n_secondary_outcomes,
        coalesce(outcomes_per_record.n_other_outcomes, 0) as n_other_outcomes,
        coalesce(criteria_per_record.n_criteria, 0) as n_criteria,
        coalesce(criteria_per_record.n_inclusion_criteria, 0) as n_inclusion_criteria,
        coalesce(criteria_per_record.n_exclusion_criteria, 0) as n_exclusion_criteria,
        coalesce(sponsors_per_record.n_sponsors, 0) as n_sponsors,
        sponsors_per_record.lead_sponsor
    from trial_records
    {% for group in plain_groups + ['outcomes', 'criteria', 'sponsors'] %}
    left join {{ group }}_per_record
        on trial_records.source_file = {{ group }}_per_record.source_file
        and trial_records.record_index = {{ group }}_per_record.record_index
    {% endfor %}
)

select * from final

-- depends_on: {{ ref('int_changed_trials') }}
-- depends_on: {{ source('raw', 'trials') }}
