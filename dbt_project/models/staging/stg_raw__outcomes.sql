with

source as (
    select * from {{ source('raw', 'outcomes') }}
),

renamed as (
    select
        cast(source_file as varchar) as source_file,
        cast(record_index as integer) as record_index,
        cast(outcome_ordinal as integer) as outcome_ordinal,
        {{ clean_text('outcome_type') }} as outcome_type,
        {{ clean_text('measure') }} as measure,
        {{ clean_text('time_frame') }} as time_frame,
        {{ clean_text('description') }} as description
    from source
)

select * from renamed
