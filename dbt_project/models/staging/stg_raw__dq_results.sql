with

source as (
    select * from {{ source('raw', 'dq_results') }}
),

renamed as (
    select
        {{ clean_text('run_id') }} as run_id,
        cast(run_at as timestamp) as run_at,
        {{ clean_text('checkpoint') }} as checkpoint,
        {{ clean_text('suite') }} as suite,
        {{ clean_text('expectation') }} as expectation,
        {{ clean_text('table_name') }} as table_name,
        {{ clean_text('column_name') }} as column_name,
        {{ clean_text('severity') }} as severity,
        cast(success as boolean) as success,
        {{ clean_text('observed_value') }} as observed_value,
        cast(unexpected_count as bigint) as unexpected_count,
        {{ clean_text('unexpected_examples') }} as unexpected_examples,
        {{ clean_text('expectation_kwargs') }} as expectation_kwargs
    from source
)

select * from renamed
