with

source as (
    select * from {{ source('raw', 'criteria') }}
),

renamed as (
    select
        cast(source_file as varchar) as source_file,
        cast(record_index as integer) as record_index,
        cast(criterion_ordinal as integer) as criterion_ordinal,
        {{ clean_text('criterion_type') }} as criterion_type,
        {{ clean_text('text') }} as criterion_text
    from source
)

select * from renamed
