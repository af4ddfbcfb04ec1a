with

conditions as (
    select * from {{ ref('stg_raw__conditions') }}
    {{ only_records_of_changed_trials() }}
),

selected_records as (
    select source_file, record_index, nct_id
    from {{ ref('int_trial_records_ranked') }}
    where is_selected_record {{ only_changed_trials('nct_id') }}
),

final as (
    select
        cast(selected_records.nct_id as varchar) as nct_id,
        cast(conditions.condition as varchar) as condition
    from conditions
    inner join selected_records
        on conditions.source_file = selected_records.source_file
        and conditions.record_index = selected_records.record_index
)

select * from final

-- depends_on: {{ ref('int_changed_trials') }}
