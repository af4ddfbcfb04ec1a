with

conflicts as (
    select * from {{ ref('int_trial_field_conflicts') }}
    where true {{ only_changed_trials('nct_id') }}
),

final as (
    select
        cast(nct_id as varchar) as nct_id,
        cast(field_name as varchar) as field_name,
        cast(selected_value as varchar) as selected_value,
        cast(selected_source_file as varchar) as selected_source_file,
        cast(other_value as varchar) as other_value,
        cast(other_source_file as varchar) as other_source_file,
        cast(other_source_family as varchar) as other_source_family,
        cast(other_record_index as integer) as other_record_index
    from conflicts
)

select * from final

-- depends_on: {{ ref('int_changed_trials') }}
