{#-
    What the snapshot `trial_versions` records each run: every published trial (marts.trials, after
    its tests) with its tracked fields, its child lists as sorted distinct text arrays, where it came
    from, and this run's id and time (history.runs, see macros/history.sql).
-#}

with

trials as (
    select * from {{ ref('trials') }}
),

{% for list_name, mart, filter, row_text in history_child_lists() %}
{{ list_name }} as (
    select nct_id, list_sort(list(distinct {{ row_text }})) as {{ list_name }}
    from {{ ref(mart) }}
    where {{ filter }} and {{ row_text }} is not null
    group by nct_id
),
{% endfor %}

final as (
    select
        trials.nct_id,
        {% for column, data_type in history_tracked_fields() %}
        cast(trials.{{ column }} as {{ data_type }}) as {{ column }},
        {% endfor %}
        {% for list_name, mart, filter, row_text in history_child_lists() %}
        coalesce({{ list_name }}.{{ list_name }}, cast([] as varchar[])) as {{ list_name }},
        {% endfor %}
        cast(trials.source_file as varchar) as source_file,
        cast(trials.source_family as varchar) as source_family,
        cast({{ history_current_run_id() }} as varchar) as run_id,
        cast({{ history_current_run_at() }} as timestamp) as run_at
    from trials
    {% for list_name, mart, filter, row_text in history_child_lists() %}
    left join {{ list_name }} on trials.nct_id = {{ list_name }}.nct_id
    {% endfor %}
)

select * from final
