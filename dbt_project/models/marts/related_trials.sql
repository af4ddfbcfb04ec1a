with

related_trials as (
    select * from {{ ref('stg_raw__related_trials') }}
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
        cast(related_trials.related_nct_id as varchar) as related_nct_id,
        cast(related_trials.related_title as varchar) as related_title
    from related_trials
    inner join selected_records
        on related_trials.source_file = selected_records.source_file
        and related_trials.record_index = selected_records.record_index
)

select * from final

-- depends_on: {{ ref('int_changed_trials') }}
