with

locations as (
    select * from {{ ref('stg_raw__locations') }}
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
        cast(locations.facility as varchar) as facility,
        cast(locations.city as varchar) as city,
        cast(locations.state as varchar) as state,
        cast(locations.country as varchar) as country
    from locations
    inner join selected_records
        on locations.source_file = selected_records.source_file
        and locations.record_index = selected_records.record_index
)

select * from final

-- depends_on: {{ ref('int_changed_trials') }}
