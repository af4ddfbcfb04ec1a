{#-
    Extension (issue #15). One row per changed field per version of a trial, from the snapshot
    trial_versions: the tracked fields (old and new value as text), the rows added to / removed from
    its child lists, and its appearance, removal and return.

    changed_at: the official record's own date (last_update_date of a ctgov_json / ctgov_xml record,
    the registry's lastUpdatePostDate / last_update_posted) when the new version states one; otherwise
    the time of the run that saw the change (detected_at). A removal is always dated by its run.
-#}

with

versions as (
    select
        *,
        lag(version_id) over (partition by nct_id order by valid_from) as previous_version_id,
        lag(valid_to) over (partition by nct_id order by valid_from) as previous_valid_to,
        lead(valid_from) over (partition by nct_id order by valid_from) as next_valid_from
    from {{ ref('trial_versions') }}
),

runs as (
    select run_id, run_at from {{ target.database }}.history.runs
),

dated as (
    select
        versions.*,
        case
            when source_family in ('{{ history_official_families() | join("', '") }}')
                and last_update_date is not null
                then cast(last_update_date as timestamp)
            else valid_from
        end as version_changed_at,
        case
            when source_family in ('{{ history_official_families() | join("', '") }}')
                and last_update_date is not null
                then 'RECORD_LAST_UPDATE'
            else 'RUN'
        end as version_changed_at_source
    from versions
),

pairs as (
    select
        {% for column, data_type in history_tracked_fields() %}
        cast(previous_version.{{ column }} as varchar) as old_{{ column }},
        cast(current_version.{{ column }} as varchar) as new_{{ column }},
        {% endfor %}
        current_version.version_id,
        previous_version.version_id as previous_version_id
    from dated as current_version
    join dated as previous_version on previous_version.version_id = current_version.previous_version_id
),

field_changes as (
    {% for column, data_type in history_tracked_fields() %}
    select
        version_id,
        'CHANGED' as change_type,
        '{{ column }}' as field_name,
        old_{{ column }} as old_value,
        new_{{ column }} as new_value
    from pairs
    where old_{{ column }} is distinct from new_{{ column }}
    {{ 'union all' if not loop.last }}
    {% endfor %}
),

-- lists are unnested only for the versions compared (those with a predecessor, and the predecessors)
compared_versions as (
    select * from versions
    where version_id in (select version_id from pairs union select previous_version_id from pairs)
),

items as (
    {% for list_name, mart, filter, row_text in history_child_lists() %}
    select version_id, '{{ list_name }}' as field_name, unnest({{ list_name }}) as item from compared_versions
    {{ 'union all' if not loop.last }}
    {% endfor %}
),

current_items as (
    select pairs.version_id, items.field_name, items.item
    from pairs join items on items.version_id = pairs.version_id
),

previous_items as (
    select pairs.version_id, items.field_name, items.item
    from pairs join items on items.version_id = pairs.previous_version_id
),

row_changes as (
    select version_id, 'ROW_ADDED' as change_type, field_name, null as old_value, item as new_value
    from (select * from current_items except select * from previous_items)
    union all
    select version_id, 'ROW_REMOVED' as change_type, field_name, item as old_value, null as new_value
    from (select * from previous_items except select * from current_items)
),

appearances as (
    select
        version_id,
        case when previous_version_id is null then 'ADDED' else 'RETURNED' end as change_type,
        'trial' as field_name,
        null as old_value,
        case when previous_version_id is null then 'ADDED' else 'RETURNED' end as new_value
    from versions
    where previous_version_id is null or previous_valid_to is distinct from valid_from
),

version_changes as (
    select
        dated.nct_id,
        changes.field_name,
        changes.old_value,
        changes.new_value,
        dated.version_changed_at as changed_at,
        dated.run_id,
        dated.source_file,
        changes.change_type,
        dated.valid_from as detected_at,
        dated.version_changed_at_source as changed_at_source,
        dated.version_id
    from (
        select * from appearances
        union all
        select * from field_changes
        union all
        select * from row_changes
    ) as changes
    join dated on dated.version_id = changes.version_id
),

removals as (
    select
        dated.nct_id,
        'trial' as field_name,
        null as old_value,
        'REMOVED' as new_value,
        dated.valid_to as changed_at,
        removing_runs.run_id,
        dated.source_file,
        'REMOVED' as change_type,
        dated.valid_to as detected_at,
        'RUN' as changed_at_source,
        dated.version_id
    from dated
    left join runs as removing_runs on removing_runs.run_at = dated.valid_to
    where dated.valid_to is not null and dated.next_valid_from is distinct from dated.valid_to
),

final as (
    select
        cast(nct_id as varchar) as nct_id,
        cast(field_name as varchar) as field_name,
        cast(old_value as varchar) as old_value,
        cast(new_value as varchar) as new_value,
        cast(changed_at as timestamp) as changed_at,
        cast(run_id as varchar) as run_id,
        cast(source_file as varchar) as source_file,
        cast(change_type as varchar) as change_type,
        cast(detected_at as timestamp) as detected_at,
        cast(changed_at_source as varchar) as changed_at_source,
        cast(version_id as varchar) as version_id
    from (select * from version_changes union all select * from removals)
    order by detected_at, nct_id, change_type, field_name, old_value, new_value
)

select * from final
