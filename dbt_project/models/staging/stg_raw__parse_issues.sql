with

source as (
    select * from {{ source('raw', 'parse_issues') }}
),

renamed as (
    select
        cast(source_file as varchar) as source_file,
        cast(record_index as integer) as record_index,
        cast(issue_ordinal as integer) as issue_ordinal,
        {{ clean_text('field') }} as field,
        {{ clean_text('message') }} as message,
        {{ clean_text('severity') }} as severity
    from source
)

select * from renamed
