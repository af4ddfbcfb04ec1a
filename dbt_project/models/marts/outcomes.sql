with

outcomes as (
    select * from {{ ref('stg_raw__outcomes') }}
    {{ only_records_of_changed_trials() }}
),

selected_records as (
    select source_file, record_index, nct_id
    from {{ ref('int_trial_records_ranked') }}
    where is_selected_record {{ only_changed_trials('nct_id') }}
),

selected_outcomes as (
    select selected_records.nct_id, outcomes.*
    from outcomes
    inner join selected_records
        on outcomes.source_file = selected_records.source_file
        and outcomes.record_index = selected_records.record_index
    -- the contract promises a measure; a blank one was not a real outcome
    where outcomes.measure is not null
),

numbered_within_type as (
    select
        *,
        row_number() over (
            partition by nct_id, outcome_type order by outcome_ordinal
        ) as ordinal_within_type
    from selected_outcomes
),

final as (
    select
        cast({{ outcome_id('nct_id', 'outcome_type', 'ordinal_within_type') }} as varchar) as outcome_id,
        cast(nct_id as varchar) as nct_id,
        cast(outcome_type as varchar) as outcome_type,
        cast(ordinal_within_type as integer) as outcome_ordinal,
        cast(measure as varchar) as measure,
        cast(time_frame as varchar) as time_frame,
        cast(description as varchar) as description
    from numbered_within_type
)

select * from final

-- depends_on: {{ ref('int_changed_trials') }}
