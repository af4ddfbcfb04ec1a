with

source as (
    select * from {{ source('raw', 'document_members') }}
),

renamed as (
    select
        cast(source_file as varchar) as source_file,
        cast(member_ordinal as bigint) as member_ordinal,
        cast(first_record_index as integer) as first_record_index,
        cast(member_name as varchar) as member_name,
        cast(member_bytes as bigint) as member_bytes,
        cast(member_crc32 as bigint) as member_crc32,
        {{ clean_text('member_sha256') }} as member_sha256,
        {{ clean_text('parse_status') }} as parse_status,
        {{ clean_text('message') }} as message,
        cast(n_trials as integer) as n_trials,
        {{ clean_text('first_nct_id') }} as first_nct_id,
        cast(parsed_at as timestamp) as loaded_at
    from source
)

select * from renamed
