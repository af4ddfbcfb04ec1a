with

criteria as (
    select * from {{ ref('stg_raw__criteria') }}
    {{ only_records_of_changed_trials() }}
),

selected_records as (
    select source_file, record_index, nct_id
    from {{ ref('int_trial_records_ranked') }}
    where is_selected_record {{ only_changed_trials('nct_id') }}
),

selected_criteria as (
    select selected_records.nct_id, criteria.*
    from criteria
    inner join selected_records
        on criteria.source_file = selected_records.source_file
        and criteria.record_index = selected_records.record_index
),

numbered_within_type as (
    select
        *,
        -- 1-based position within INCLUSION / EXCLUSION, in page order
        row_number() over (
            partition by nct_id, criterion_type order by criterion_ordinal
        ) as ordinal_within_type
    from selected_criteria
),

final as (
    select
        cast(nct_id as varchar) as nct_id,
        cast(criterion_type as varchar) as criterion_type,
        cast(ordinal_within_type as integer) as criterion_ordinal,
        cast(criterion_text as varchar) as criterion_text
    from numbered_within_type
)

select * from final

-- depends_on: {{ ref('int_changed_trials') }}
