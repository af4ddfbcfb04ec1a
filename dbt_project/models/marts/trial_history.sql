{#-
    Extension (issue #15). Every version of every published trial, from the snapshot
    trial_versions: a version opens (valid_from) in the run that first published the trial in that
    state and closes (valid_to) in the run that published it differently or no longer published it.
-#}

with

versions as (
    select * from {{ ref('trial_versions') }}
),

runs as (
    select run_id, run_at from {{ target.database }}.history.runs
),

numbered as (
    select
        versions.*,
        row_number() over (partition by nct_id order by valid_from) as version_number,
        lead(valid_from) over (partition by nct_id order by valid_from) as next_valid_from
    from versions
),

final as (
    select
        cast(numbered.nct_id as varchar) as nct_id,
        cast(numbered.valid_from as timestamp) as valid_from,
        cast(numbered.valid_to as timestamp) as valid_to,
        cast(numbered.valid_to is null as boolean) as is_current,
        cast(numbered.run_id as varchar) as run_id,
        {% for column, data_type in history_tracked_fields() %}
        cast(numbered.{{ column }} as {{ data_type }}) as {{ column }},
        {% endfor %}
        cast(numbered.source_file as varchar) as source_file,
        cast(numbered.source_family as varchar) as source_family,
        cast(numbered.version_id as varchar) as version_id,
        cast(numbered.version_number as integer) as version_number,
        cast(
            case
                when numbered.valid_to is null then null
                when numbered.next_valid_from = numbered.valid_to then 'NEW_VERSION'
                else 'REMOVED'
            end as varchar
        ) as closed_by,
        cast(closing_runs.run_id as varchar) as closed_by_run_id
    from numbered
    left join runs as closing_runs on closing_runs.run_at = numbered.valid_to
    order by nct_id, valid_from
)

select * from final
