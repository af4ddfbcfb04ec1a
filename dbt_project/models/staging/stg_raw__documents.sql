with

source as (
    select * from {{ source('raw', 'documents') }}
),

renamed as (
    select
        cast(source_file as varchar) as source_file,
        {{ clean_text('content_sha256') }} as content_sha256,
        cast(bytes as bigint) as bytes,
        {{ clean_text('source_family') }} as source_family,
        {{ clean_text('parse_status') }} as parse_status,
        {{ clean_text('message') }} as message,
        cast(n_trials as integer) as n_trials,
        {{ clean_text('first_nct_id') }} as first_nct_id,
        cast(parsed_at as timestamp) as loaded_at
    from source
)

select * from renamed
