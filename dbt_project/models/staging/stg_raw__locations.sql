with

source as (
    select * from {{ source('raw', 'locations') }}
),

renamed as (
    select
        cast(source_file as varchar) as source_file,
        cast(record_index as integer) as record_index,
        cast(location_ordinal as integer) as location_ordinal,
        {{ clean_text('facility') }} as facility,
        {{ clean_text('city') }} as city,
        {{ clean_text('state') }} as state,
        {{ clean_text('country') }} as country
    from source
)

select * from renamed
