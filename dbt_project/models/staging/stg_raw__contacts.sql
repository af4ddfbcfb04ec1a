with

source as (
    select * from {{ source('raw', 'contacts') }}
),

renamed as (
    select
        cast(source_file as varchar) as source_file,
        cast(record_index as integer) as record_index,
        cast(contact_ordinal as integer) as contact_ordinal,
        {{ clean_text('name') }} as name,
        {{ clean_text('role') }} as role,
        {{ clean_text('detail') }} as detail
    from source
)

select * from renamed
