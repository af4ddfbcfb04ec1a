with

contacts as (
    select * from {{ ref('stg_raw__contacts') }}
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
        cast(contacts.name as varchar) as name,
        cast(contacts.role as varchar) as role,
        cast(contacts.detail as varchar) as detail
    from contacts
    inner join selected_records
        on contacts.source_file = selected_records.source_file
        and contacts.record_index = selected_records.record_index
)

select * from final

-- depends_on: {{ ref('int_changed_trials') }}
