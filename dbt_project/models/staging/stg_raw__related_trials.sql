with

source as (
    select * from {{ source('raw', 'related_trials') }}
),

renamed as (
    select
        cast(source_file as varchar) as source_file,
        cast(record_index as integer) as record_index,
        cast(related_ordinal as integer) as related_ordinal,
        {{ clean_text('related_nct_id') }} as related_nct_id,
        {{ clean_text('related_title') }} as related_title
    from source
)

select * from renamed
