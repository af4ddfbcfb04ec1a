{#-
    Links each arm of a selected trial record to the record's interventions by name.
    The arm lists intervention names as the source spells them; a name matches an intervention
    when the folded forms agree (lower case, trimmed, white space collapsed), either with the
    bare intervention name ("Aspirin") or with the registry's "Type: Name" form ("Drug: Aspirin").
    A listed name that matches no intervention is kept with is_matched = false: marts.arm_interventions
    drops it, and marts.parse_issues / marts.trials.n_unmatched_arm_intervention_names show it.
-#}

with

arm_intervention_names as (
    select * from {{ ref('stg_raw__arm_interventions') }}
    {{ only_records_of_changed_trials() }}
),

interventions as (
    select * from {{ ref('stg_raw__interventions') }}
    {{ only_records_of_changed_trials() }}
),

selected_records as (
    select source_file, record_index, nct_id
    from {{ ref('int_trial_records_ranked') }}
    where is_selected_record {{ only_changed_trials('nct_id') }}
),

selected_arm_intervention_names as (
    select
        selected_records.nct_id,
        arm_intervention_names.source_file,
        arm_intervention_names.record_index,
        arm_intervention_names.arm_ordinal,
        arm_intervention_names.intervention_name,
        {{ fold_name('arm_intervention_names.intervention_name') }} as folded_name
    from arm_intervention_names
    inner join selected_records
        on arm_intervention_names.source_file = selected_records.source_file
        and arm_intervention_names.record_index = selected_records.record_index
    where arm_intervention_names.intervention_name is not null
),

intervention_names as (
    select
        source_file,
        record_index,
        intervention_ordinal,
        {{ fold_name('name') }} as folded_name,
        {{ fold_name("replace(intervention_type, '_', ' ') || ': ' || name") }} as folded_typed_name
    from interventions
    where name is not null
),

matched as (
    select
        names.nct_id,
        names.source_file,
        names.record_index,
        names.arm_ordinal,
        names.intervention_name,
        intervention_names.intervention_ordinal
    from selected_arm_intervention_names as names
    left join intervention_names
        on names.source_file = intervention_names.source_file
        and names.record_index = intervention_names.record_index
        and (
            names.folded_name = intervention_names.folded_name
            or names.folded_name = intervention_names.folded_typed_name
        )
),

final as (
    select distinct
        nct_id,
        source_file,
        record_index,
        arm_ordinal,
        intervention_name,
        intervention_ordinal,
        intervention_ordinal is not null as is_matched
    from matched
)

select * from final

-- depends_on: {{ ref('int_changed_trials') }}
