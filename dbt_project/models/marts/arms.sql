with

arms as (
    select * from {{ ref('stg_raw__arms') }}
    {{ only_records_of_changed_trials() }}
),

selected_records as (
    select source_file, record_index, nct_id
    from {{ ref('int_trial_records_ranked') }}
    where is_selected_record {{ only_changed_trials('nct_id') }}
),

selected_arms as (
    select selected_records.nct_id, arms.*
    from arms
    inner join selected_records
        on arms.source_file = selected_records.source_file
        and arms.record_index = selected_records.record_index
    -- the contract promises a label; a blank one was not a real arm
    where arms.label is not null
),

final as (
    select
        cast({{ arm_id('nct_id', 'arm_ordinal') }} as varchar) as arm_id,
        cast(nct_id as varchar) as nct_id,
        cast(arm_ordinal as integer) as arm_ordinal,
        cast(label as varchar) as label,
        cast(arm_type as varchar) as arm_type,
        cast(description as varchar) as description
    from selected_arms
)

select * from final

-- depends_on: {{ ref('int_changed_trials') }}
