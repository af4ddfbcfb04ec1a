{#- Data-quality results as data, so a dashboard can show quality over time; ordered by run_at. -#}

with

results as (
    select * from {{ ref('stg_raw__dq_results') }}
),

final as (
    select
        cast(run_id as varchar) as run_id,
        cast(run_at as timestamp) as run_at,
        cast(checkpoint as varchar) as checkpoint,
        cast(suite as varchar) as suite,
        cast(expectation as varchar) as expectation,
        cast(table_name as varchar) as table_name,
        cast(column_name as varchar) as column_name,
        cast(severity as varchar) as severity,
        cast(success as boolean) as success,
        cast(observed_value as varchar) as observed_value,
        cast(unexpected_count as bigint) as unexpected_count,
        cast(unexpected_examples as varchar) as unexpected_examples,
        cast(expectation_kwargs as varchar) as expectation_kwargs
    from results
    order by run_at, run_id, suite, expectation, table_name, column_name
)

select * from final
