with

source as (
    select * from {{ source('raw', 'conditions') }}
),

renamed as (
    select
        cast(source_file as varchar) as source_file,
        cast(record_index as integer) as record_index,
        cast(condition_ordinal as integer) as condition_ordinal,
        {{ clean_text('condition') }} as condition
    from source
)

select * from renamed
