with

interventions as (
    select * from {{ ref('stg_raw__interventions') }}
    {{ only_records_of_changed_trials() }}
),

selected_records as (
    select source_file, record_index, nct_id
    from {{ ref('int_trial_records_ranked') }}
    where is_selected_record {{ only_changed_trials('nct_id') }}
),

selected_interventions as (
    select selected_records.nct_id, interventions.*
    from interventions
    inner join selected_records
        on interventions.source_file = selected_records.source_file
        and interventions.record_index = selected_records.record_index
    -- the contract promises a name; a blank one was not a real intervention
    where interventions.name is not null
),

final as (
    select
        cast({{ intervention_id('nct_id', 'intervention_ordinal') }} as varchar) as intervention_id,
        cast(nct_id as varchar) as nct_id,
        cast(intervention_ordinal as integer) as intervention_ordinal,
        cast(intervention_type as varchar) as intervention_type,
        cast(name as varchar) as name,
        cast(description as varchar) as description
    from selected_interventions
)

select * from final

-- depends_on: {{ ref('int_changed_trials') }}
