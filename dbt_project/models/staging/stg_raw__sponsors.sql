with

source as (
    select * from {{ source('raw', 'sponsors') }}
),

renamed as (
    select
        cast(source_file as varchar) as source_file,
        cast(record_index as integer) as record_index,
        cast(sponsor_ordinal as integer) as sponsor_ordinal,
        {{ clean_text('name') }} as sponsor_name,
        {{ clean_text('role') }} as sponsor_role,
        {{ clean_text('agency_class') }} as agency_class
    from source
)

select * from renamed
