with

source as (
    select * from {{ source('raw', 'identifiers') }}
),

renamed as (
    select
        cast(source_file as varchar) as source_file,
        cast(record_index as integer) as record_index,
        cast(identifier_ordinal as integer) as identifier_ordinal,
        {{ clean_text('identifier') }} as identifier,
        {{ clean_text('identifier_type') }} as identifier_type
    from source
)

select * from renamed
