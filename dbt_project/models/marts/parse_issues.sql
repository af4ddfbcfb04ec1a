{#-
    Doubtful fields recorded by the parsers, for every loaded trial record (selected or not),
    plus one WARNING per intervention name an arm lists that matches none of the trial's
    interventions (dropped from marts.arm_interventions).
-#}

with

issues as (
    select * from {{ ref('stg_raw__parse_issues') }}
),

trial_records as (
    select source_file, record_index, nct_id from {{ ref('stg_raw__trials') }}
),

unmatched_names as (
    select * from {{ ref('int_arm_interventions_matched_by_name') }}
    where not is_matched
),

parser_issues as (
    select
        issues.source_file,
        trial_records.nct_id,
        issues.field,
        issues.severity,
        issues.message
    from issues
    left join trial_records
        on issues.source_file = trial_records.source_file
        and issues.record_index = trial_records.record_index
),

link_issues as (
    select
        source_file,
        nct_id,
        'arms.intervention_names' as field,
        'WARNING' as severity,
        'arm ' || arm_ordinal || ' lists intervention "' || intervention_name
        || '", which matches none of the trial''s interventions; link dropped' as message
    from unmatched_names
),

final as (
    select
        cast(source_file as varchar) as source_file,
        cast(nct_id as varchar) as nct_id,
        cast(field as varchar) as field,
        cast(severity as varchar) as severity,
        cast(message as varchar) as message
    from (
        select * from parser_issues
        union all
        select * from link_issues
    )
)

select * from final
