with

source as (
    select * from {{ source('raw', 'interventions') }}
),

renamed as (
    select
        cast(source_file as varchar) as source_file,
        cast(record_index as integer) as record_index,
        cast(intervention_ordinal as integer) as intervention_ordinal,
        {{ clean_text('name') }} as name,
        {{ clean_text('intervention_type') }} as intervention_type,
        {{ clean_text('description') }} as description
    from source
)

select * from renamed
