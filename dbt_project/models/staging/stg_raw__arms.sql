with

source as (
    select * from {{ source('raw', 'arms') }}
),

renamed as (
    select
        cast(source_file as varchar) as source_file,
        cast(record_index as integer) as record_index,
        cast(arm_ordinal as integer) as arm_ordinal,
        {{ clean_text('label') }} as label,
        {{ clean_text('arm_type') }} as arm_type,
        {{ clean_text('description') }} as description
    from source
)

select * from renamed
