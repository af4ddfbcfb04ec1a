{#-
    Trial history (issue #15): what the snapshot `trial_versions` tracks, and the time of the run.

    The pipeline (trialmart.history.prepare_history) restores schema `history` of the work
    database from the history file beside the published warehouse and appends this run to
    `history.runs` before dbt runs; the latest row there is "this run". A dbt build outside the
    pipeline (tests/dbt, a developer) finds no row and uses dbt's invocation id and the current
    time instead.
-#}

{#- The scalar fields of marts.trials whose change opens a new version, with their types. -#}
{% macro history_tracked_fields() -%}
    {{ return([
        ('brief_title', 'varchar'), ('official_title', 'varchar'), ('acronym', 'varchar'),
        ('overall_status', 'varchar'), ('phase', 'varchar'), ('study_type', 'varchar'),
        ('enrollment', 'integer'), ('enrollment_type', 'varchar'),
        ('start_date', 'date'), ('start_date_precision', 'varchar'),
        ('primary_completion_date', 'date'), ('primary_completion_date_precision', 'varchar'),
        ('completion_date', 'date'), ('completion_date_precision', 'varchar'),
        ('last_update_date', 'date'), ('lead_sponsor', 'varchar'), ('has_results', 'boolean'),
        ('n_arms', 'integer'), ('n_interventions', 'integer'), ('n_primary_outcomes', 'integer'),
        ('n_secondary_outcomes', 'integer'), ('n_other_outcomes', 'integer'),
        ('n_conditions', 'integer'), ('n_locations', 'integer'),
        ('n_inclusion_criteria', 'integer'), ('n_exclusion_criteria', 'integer'),
    ]) }}
{%- endmacro %}

{#-
    The child lists whose added / removed rows marts.trial_changes reports: (list column, mart,
    filter, text of one row). Each version keeps its lists as sorted, distinct VARCHAR[] in the
    snapshot; a row's text is what identifies it (a changed time frame is one row removed and
    one added).
-#}
{% macro history_child_lists() -%}
    {{ return([
        ('arms', 'arms', 'true', "label || coalesce(' (' || arm_type || ')', '')"),
        ('interventions', 'interventions', 'true', "coalesce(intervention_type || ': ', '') || name"),
        ('primary_outcomes', 'outcomes', "outcome_type = 'PRIMARY'", "measure || coalesce(' [' || time_frame || ']', '')"),
        ('secondary_outcomes', 'outcomes', "outcome_type = 'SECONDARY'", "measure || coalesce(' [' || time_frame || ']', '')"),
        ('other_outcomes', 'outcomes', "outcome_type = 'OTHER'", "measure || coalesce(' [' || time_frame || ']', '')"),
        ('inclusion_criteria', 'eligibility_criteria', "criterion_type = 'INCLUSION'", 'criterion_text'),
        ('exclusion_criteria', 'eligibility_criteria', "criterion_type = 'EXCLUSION'", 'criterion_text'),
        ('conditions', 'conditions', 'true', 'condition'),
        ('locations', 'locations', 'true', "concat_ws(', ', facility, city, state, country)"),
    ]) }}
{%- endmacro %}

{#- The source families that are official registry records (their last_update_date dates a change). -#}
{% macro history_official_families() -%}
    {{ return(['ctgov_json', 'ctgov_xml']) }}
{%- endmacro %}

{%- macro history_current_run_at() -%}
    coalesce(
        (select max(run_at) from {{ target.database }}.history.runs),
        cast(now() at time zone 'UTC' as timestamp)
    )
{%- endmacro -%}

{%- macro history_current_run_id() -%}
    coalesce(
        (select arg_max(run_id, run_at) from {{ target.database }}.history.runs),
        '{{ invocation_id }}'
    )
{%- endmacro -%}

{#-
    dbt stamps a snapshot row that disappeared from the source (hard_deletes: invalidate) with
    snapshot_get_time(); make that the run's time, so valid_to of a removed trial is the time of
    the run that found it gone (and joins history.runs), exactly like a version's valid_from.
-#}
{% macro duckdb__snapshot_get_time() -%}
    {{ history_current_run_at() }}
{%- endmacro %}

{#- on-run-start: the run log exists even on a fresh work database (as raw.dq_results does). -#}
{% macro create_history_runs_table() %}
    create schema if not exists history;
    create table if not exists history.runs (
        run_id varchar,
        run_at timestamp
    );
{% endmacro %}
