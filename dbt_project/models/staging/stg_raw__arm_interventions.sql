with

source as (
    select * from {{ source('raw', 'arm_interventions') }}
),

renamed as (
    select
        cast(source_file as varchar) as source_file,
        cast(record_index as integer) as record_index,
        cast(arm_ordinal as integer) as arm_ordinal,
        {{ clean_text('intervention_name') }} as intervention_name
    from source
)

select * from renamed
